# deb_package.t - debian/: `dpkg-buildpackage -b` builds tls-probe_*.deb
# from a clean copy of the source tree (git-tracked files plus debian/, none
# of the build products around it); the package puts the plugins, man pages
# and the Icinga 2, Nagios and Zabbix files where Debian's monitoring
# packages look for them; lintian reports no errors; `apt-get install` puts
# it on this machine, where the installed plugin checks the fixture's
# Postfix (directly, through the installed Nagios command line and through
# the installed Zabbix UserParameter) and Icinga 2 finds the CheckCommands
# through the stock <plugins-contrib>; `apt-get purge` then leaves nothing
# behind.  Needs root, dpkg-dev, debhelper and lintian; about a minute.
. "$top_srcdir/t/lib/fixture.sh"
[ "$(id -u)" -eq 0 ] || tap_skip_all "installing a package needs root"
for cmd in dpkg-buildpackage dpkg-deb dh lintian apt-get git; do
	command -v "$cmd" >/dev/null 2>&1 ||
		tap_skip_all "$cmd not installed (dpkg-dev debhelper lintian apt git)"
done
# The package is built with its own flags whatever this build's are: the
# sanitizer and valgrind passes would only build the same .deb again.
[ -z "${TP_SANITIZED:-}${TP_WRAPPER:-}" ] ||
	tap_skip_all "the package build ignores this build's flags: normal pass only"
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	tap_skip_all "$top_srcdir is not a git work tree (the copy is made from git's file list)"
[ -f "$top_srcdir/debian/control" ] ||
	tap_skip_all "no debian/ in $top_srcdir (a release tarball): the package is built from git"
# Never replace or purge a tls-probe that someone installed for real.
if dpkg-query -W -f='${Status}' tls-probe 2>/dev/null | grep -q ' installed$'; then
	tap_skip_all "tls-probe is installed on this machine; this test would replace and purge it"
fi
PLUGINDIR=/usr/lib/nagios/plugins
PLUGINS="check_mail_tls check_cert_chain check_sni_map check_acme_http01 check_mta_sts check_tls_rpt"
ICINGA_CONF=/usr/share/icinga2/include/plugins-contrib.d/tls-probe.conf
NAGIOS_CFG=/etc/nagios-plugins/config/tls-probe.cfg
ZABBIX_DIR=/usr/share/tls-probe/zabbix
PROM_DIR=/usr/share/tls-probe/prometheus
for f in $PLUGINS tls_probe_zabbix.sh; do
	[ -e "$PLUGINDIR/$f" ] &&
		tap_skip_all "$PLUGINDIR/$f exists (make install?); purging the package would remove it"
done
for f in "$ICINGA_CONF" "$NAGIOS_CFG" "$ZABBIX_DIR" "$PROM_DIR"; do
	[ -e "$f" ] && tap_skip_all "$f exists; purging the package would remove it"
done
fixture_require
fixture_pki
fixture_start_postfix
T0=$(fixture_now_ms)

P=$TP_TMP/pkg
SRC=$P/tls-probe
mkdir -p "$SRC"
# The package is purged at exit, whatever happened before (before the
# fixture's own cleanup, which stops the servers and removes TP_TMP).
deb__purge() {
	[ "$BASHPID" = "$FIXTURE_MAIN_PID" ] || return 0
	[ "${DEB_INSTALLED:-0}" = 1 ] || return 0
	DEB_INSTALLED=0
	# Not even unpacked (apt-get install failed early): apt would not know it.
	dpkg-query -W -f='${Status}' tls-probe 2>/dev/null | grep -Eq ' (installed|unpacked|config-files|half-[a-z]+|triggers-[a-z]+)$' ||
		return 0
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 \
	    tls-probe >"$P/purge.log" 2>&1
}
# shellcheck disable=SC2154	# deb_rc is set in the trap
trap 'deb_rc=$?; deb__purge; (exit "$deb_rc"); fixture__cleanup' EXIT

# --- a clean copy of the source tree ------------------------------------------
# Tracked files as they are in the work tree (uncommitted edits included,
# deleted ones left out) plus the untracked, not ignored files of debian/:
# neither the in-tree build products nor TP_TMP itself (t/tmp is ignored).
copy_tree() (
	set -o pipefail
	cd "$top_srcdir" || exit 1
	{ git ls-files -z -c; git ls-files -z -o --exclude-standard -- debian; } |
	    while IFS= read -r -d '' f; do
		if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	    done | tar --null -T - -cf - | tar -x -C "$SRC"
)
tap_ok "the source tree is copied from git's file list" copy_tree
tap_ok "... with debian/rules and configure.ac" test -x "$SRC/debian/rules" -a -f "$SRC/configure.ac"
leftovers=$(cd "$SRC" && find . \( -name configure -o -name config.status -o -name Makefile \
    -o -name '*.o' -o -name '*.la' -o -path ./plugins/check_mail_tls -o -path ./t/tmp \) -print | sort)
tap_is "$leftovers" "" "... and none of the build products of $top_srcdir"

# --- the package build ----------------------------------------------------------
# The make of `make check` must not hand its jobserver or flags down, nor
# the test environment its variables.  Niced: under `make -j check` the
# other tests' timings matter more than this build's.
build() (
	cd "$SRC" && nice -n 10 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    -u top_srcdir -u top_builddir -u TP_WRAPPER -u TP_TIME_SLACK_MS -u TP_SANITIZED \
	    DEB_BUILD_OPTIONS="nocheck parallel=2" \
	    dpkg-buildpackage -b -us -uc >"$P/build.log" 2>&1
)
t=$(fixture_now_ms)
build && rc=0 || rc=$?
tap_is "$rc" 0 "dpkg-buildpackage -b -us -uc succeeds ($(( ($(fixture_now_ms) - t) / 1000 )) s)" ||
	tap_diag "--- tail of build.log" "$(tail -n 40 "$P/build.log")"
tap_unlike "$(grep -E 'warning:' "$P/build.log")" . "the build prints no compiler or dpkg warnings" ||
	tap_diag "$(grep -E 'warning:' "$P/build.log")"
tap_like "$(grep -e '--with-plugindir' "$P/build.log")" "configure .*--with-plugindir=$PLUGINDIR" \
    "configure ran with --with-plugindir=$PLUGINDIR"

VERSION=$(sed -n 's/^AC_INIT(\[tls-probe\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
ARCH=$(dpkg --print-architecture)
debs=$(cd "$P" && ls tls-probe_*.deb 2>/dev/null)
DEB=$P/tls-probe_${VERSION}_$ARCH.deb
tap_is "$debs" "${DEB##*/}" "one tls-probe_*.deb, named for configure.ac's version $VERSION" ||
	tap_diag "debian/changelog and AC_INIT must name the same version"
[ -f "$DEB" ] || tap_bail "no package to look at: $DEB"
tap_is "$(dpkg-deb -f "$DEB" Package Version Architecture | tr '\n' ' ')" \
    "Package: tls-probe Version: $VERSION Architecture: $ARCH " "control: package, version, architecture"
depends=$(dpkg-deb -f "$DEB" Depends)
tap_like "$depends" 'libssl3' "Depends names libssl3 (from shlibs)" || tap_diag "Depends: $depends"
tap_like "$depends" 'libcurl4 \(>= 7\.85' "Depends names libcurl4 >= 7.85 (loaded with dlopen by check_acme_http01, check_mta_sts)"
tap_like "$depends" 'libunbound8' "Depends names libunbound8 (loaded with dlopen for --dane)"

# --- the contents -------------------------------------------------------------
# dpkg -c: "MODE OWNER SIZE DATE TIME ./PATH" -> "MODE PATH"
contents=$(dpkg-deb -c "$DEB" | awk '{ p = $6; sub(/^\./, "", p); print $1, p }')
has() {	# has MODE-ERE PATH
	printf '%s\n' "$contents" | grep -Eq "^$1 $2\$"
}
for plugin in $PLUGINS; do
	tap_ok "$PLUGINDIR/$plugin, executable" has '-rwxr-xr-x' "$PLUGINDIR/$plugin"
	tap_ok "/usr/share/man/man1/$plugin.1.gz" has '-rw-r--r--' "/usr/share/man/man1/$plugin.1.gz"
done
tap_ok "Icinga 2 CheckCommands in $ICINGA_CONF" has '-rw-r--r--' "$ICINGA_CONF"
tap_ok "Nagios command definitions in $NAGIOS_CFG" has '-rw-r--r--' "$NAGIOS_CFG"
tap_ok "the Zabbix wrapper next to the plugins" has '-rwxr-xr-x' "$PLUGINDIR/tls_probe_zabbix.sh"
tap_ok "the Zabbix UserParameters in $ZABBIX_DIR" has '-rw-r--r--' "$ZABBIX_DIR/userparameter_tls_probe.conf"
tap_ok "the Zabbix template in $ZABBIX_DIR" has '-rw-r--r--' "$ZABBIX_DIR/template_tls_probe.yaml"
tap_ok "the Prometheus textfile wrapper in $PROM_DIR, executable" has '-rwxr-xr-x' "$PROM_DIR/tls-probe-textfile"
tap_ok "the Prometheus alerting rules in $PROM_DIR" has '-rw-r--r--' "$PROM_DIR/tls-probe.rules.yml"
tap_ok "the systemd timer example in $PROM_DIR" has '-rw-r--r--' "$PROM_DIR/tls-probe-textfile.timer"
readme=README	# dh_compress compresses documents over 4 KiB
[ "$(wc -c <"$top_srcdir/README")" -gt 4096 ] && readme=README.gz
for f in "$readme" README.Debian copyright changelog.gz examples/example-services.conf \
    examples/example-services.cfg; do
	tap_ok "/usr/share/doc/tls-probe/$f" has '-rw-r--r--' "/usr/share/doc/tls-probe/$f"
done
unexpected=$(printf '%s\n' "$contents" | awk '$1 !~ /^d/ { print $2 }' |
    grep -Ev "^($PLUGINDIR/|/usr/share/man/man1/|/usr/share/doc/tls-probe/|$ICINGA_CONF\$|$NAGIOS_CFG\$|$ZABBIX_DIR/|$PROM_DIR/|/usr/share/lintian/overrides/tls-probe\$)")
tap_is "$unexpected" "" "no files elsewhere (no static library, headers, libtool archives)"
tap_is "$(dpkg-deb -I "$DEB" conffiles 2>/dev/null)" "$NAGIOS_CFG" "the Nagios definitions are the only conffile"
tap_diag "dpkg -c:" "$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $1, $3, $6 }')"

# --- lintian ---------------------------------------------------------------------
CHANGES=$P/tls-probe_${VERSION}_$ARCH.changes
LINT=$(lintian -I --pedantic "$CHANGES" 2>&1) && rc=0 || rc=$?
tags=$(printf '%s\n' "$LINT" | grep -E '^[EWIPX]: ')
tap_is "$rc" 0 "lintian -I --pedantic $(basename "$CHANGES") exits 0" || tap_diag "$LINT"
tap_unlike "$tags" '^E: ' "lintian reports no errors"
tap_diag "lintian: $(printf '%s\n' "$tags" | grep -c '^E: ') errors, $(printf '%s\n' "$tags" |
    grep -c '^W: ') warnings, $(printf '%s\n' "$tags" | grep -c '^[IPX]: ') other tags"
[ -z "$tags" ] || tap_diag "$tags"

# --- installed --------------------------------------------------------------
DEB_INSTALLED=1
install_deb() (
	cd "$P" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    -o DPkg::Lock::Timeout=120 "./${DEB##*/}" >"$P/install.log" 2>&1
)
t=$(fixture_now_ms)
install_deb && rc=0 || rc=$?
tap_is "$rc" 0 "apt-get install -y ./${DEB##*/} ($(( ($(fixture_now_ms) - t) / 1000 )) s)" ||
	tap_diag "$(tail -n 30 "$P/install.log")"
tap_like "$(dpkg-query -W -f='${Status} ${Version}' tls-probe 2>&1)" "^install ok installed $VERSION\$" \
    "dpkg knows tls-probe $VERSION as installed"

OUT=$("$PLUGINDIR/check_mail_tls" -V 2>&1) && rc=0 || rc=$?
tap_is "$OUT" "check_mail_tls $VERSION" "$PLUGINDIR/check_mail_tls -V names the version" ||
	tap_diag "exit status $rc"
A=(-r "$PKI/root.crt" --sni mail.example.test)
OUT=$("$PLUGINDIR/check_mail_tls" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission "${A[@]}" 2>&1) &&
	rc=0 || rc=$?
tap_is "$rc" 0 "the installed check_mail_tls checks the fixture's submission port: exit 0" ||
	tap_diag "$OUT"
tap_like "$OUT" "^MAIL_TLS OK - 127\.0\.0\.1:$PF_SUBMISSION \(submission\) TLSv1\.[23], cert mail\.example\.test" \
    "... MAIL_TLS OK with the fixture's certificate"
OUT=$("$PLUGINDIR/check_mail_tls" -H 127.0.0.1 -p "$PF_NOTLS" -P submission "${A[@]}" 2>&1) &&
	rc=0 || rc=$?
tap_is "$rc" 2 "... and CRITICAL (2) on the port without STARTTLS" || tap_diag "$OUT"
for plugin in check_cert_chain check_sni_map check_acme_http01 check_mta_sts check_tls_rpt; do
	tap_like "$("$PLUGINDIR/$plugin" -V 2>&1)" "^$plugin $VERSION\$" "$PLUGINDIR/$plugin runs (-V)"
done
if command -v man >/dev/null 2>&1; then
	tap_is "$(man -w check_mail_tls 2>&1)" /usr/share/man/man1/check_mail_tls.1.gz "man -w check_mail_tls finds the page"
else
	tap_skip "man not installed (man-db)"
fi

# Nagios: the stock configuration reads /etc/nagios-plugins/config with
# $USER1$ = /usr/lib/nagios/plugins; the installed definition is upstream's
# file, and its command line, expanded as Nagios expands it, checks Postfix.
tap_ok "the installed $NAGIOS_CFG is contrib/nagios/tls-probe.cfg" \
    cmp "$NAGIOS_CFG" "$top_srcdir/contrib/nagios/tls-probe.cfg"
if [ -f /etc/nagios4/nagios.cfg ]; then
	tap_like "$(cat /etc/nagios4/nagios.cfg)" '^cfg_dir=/etc/nagios-plugins/config$' \
	    "the stock nagios4 configuration reads /etc/nagios-plugins/config"
else
	tap_skip "nagios4 is not installed (nagios4-core)"
fi
user1=$(sed -n 's/^\$USER1\$=//p' /etc/nagios4/resource.cfg 2>/dev/null)
user1=${user1:-$PLUGINDIR}
cmdline=$(awk '/command_name[ \t]+check_mail_tls$/ { found = 1; next }
	found && /command_line/ { sub(/^[ \t]*command_line[ \t]+/, ""); print; exit }' "$NAGIOS_CFG")
cmdline=${cmdline//\$USER1\$/$user1}
cmdline=${cmdline//\$HOSTADDRESS\$/127.0.0.1}
cmdline=${cmdline//\$ARG1\$/$PF_SUBMISSION}
cmdline=${cmdline//\$ARG2\$/submission}
cmdline=${cmdline//\$ARG3\$/-r $PKI/root.crt --sni mail.example.test}
tap_like "$cmdline" "^$PLUGINDIR/check_mail_tls " "check_mail_tls's command line runs the installed plugin" ||
	tap_diag "\$USER1\$=$user1"
# shellcheck disable=SC2086	# Nagios splits the command line on white space
OUT=$($cmdline 2>&1) && rc=0 || rc=$?
tap_is "$rc" 0 "the Nagios command check_mail_tls, expanded, is OK" || tap_diag "$cmdline" "$OUT"

# Icinga 2: Debian's constants and the stock includes find the CheckCommands
# (they are not there without the package: see the purge below).
I=$TP_TMP/icinga2
I_DEFINES=(-DDataDir="$I/data" -DLogDir="$I/log" -DCacheDir="$I/cache" -DSpoolDir="$I/spool"
	-DInitRunDir="$I/run" -DZonesDir="$I/zones.d" -DRunAsUser=root -DRunAsGroup=root)
icinga_validate() {
	rm -rf "$I/cache"
	mkdir -p "$I"/data "$I"/log "$I"/cache "$I"/spool "$I"/run "$I"/zones.d
	cat >"$I/icinga2.conf" <<-CONF
	/* Debian's constants.conf and the includes of its stock icinga2.conf */
	const PluginDir = "$PLUGINDIR"
	const ManubulonPluginDir = "$PLUGINDIR"
	const PluginContribDir = "$PLUGINDIR"
	include <itl>
	include <plugins>
	include <plugins-contrib>
	object Host "mail" {
		check_command = "dummy"
		address = "127.0.0.1"
	}
	object Service "submission" {
		host_name = "mail"
		check_command = "mail_tls"
		vars.mail_tls_port = $PF_SUBMISSION
		vars.mail_tls_protocol = "submission"
	}
	object Service "chain" {
		host_name = "mail"
		check_command = "cert_chain"
	}
	object Service "sni" {
		host_name = "mail"
		check_command = "sni_map"
	}
	CONF
	icinga2 daemon -C -c "$I/icinga2.conf" "${I_DEFINES[@]}" >"$I/validate.log" 2>&1
}
if command -v icinga2 >/dev/null 2>&1 && [ -d /usr/share/icinga2/include/plugins-contrib.d ]; then
	tap_ok "the installed $ICINGA_CONF is contrib/icinga2/tls-probe.conf" \
	    cmp "$ICINGA_CONF" "$top_srcdir/contrib/icinga2/tls-probe.conf"
	tap_ok "icinga2 daemon -C: include <plugins-contrib> brings mail_tls, cert_chain, sni_map" \
	    icinga_validate || tap_diag "$(grep -E 'critical|Error' "$I/validate.log" | head -20)"
	OUT=$(icinga2 object list --type CheckCommand --name mail_tls "${I_DEFINES[@]}" 2>&1)
	tap_like "$OUT" "declared in '$ICINGA_CONF'" "... declared in the installed file"
	tap_like "$OUT" "tls_probe_plugin_dir = \"$PLUGINDIR\"" "... running the plugins from $PLUGINDIR (PluginDir)"
else
	tap_skip "icinga2 is not installed (icinga2-bin, icinga2-common)" 4
fi

# Zabbix: the installed UserParameters run the installed wrapper, which finds
# the installed plugins next to itself.
up=$(grep '^UserParameter=' "$ZABBIX_DIR/userparameter_tls_probe.conf" 2>/dev/null)
tap_is "$(printf '%s\n' "$up" | sed -n 's/^UserParameter=[^,]*,\([^ ]*\) .*/\1/p' | sort -u)" \
    "$PLUGINDIR/tls_probe_zabbix.sh" "every UserParameter runs $PLUGINDIR/tls_probe_zabbix.sh" ||
	tap_diag "$up"
# The test PKI is outside the roots an item key may name (tls_probe_zabbix.sh):
# allowed for these runs, as an administrator would add a directory.
export TLS_PROBE_ZABBIX_ROOTS="$PKI"
OUT=$(env -u TLS_PROBE_PLUGINDIR "$PLUGINDIR/tls_probe_zabbix.sh" mail_tls 127.0.0.1 "$PF_SUBMISSION" \
    submission "${A[@]}" 2>&1)
tap_like "$OUT" '^\{"state":"OK","exit_code":0,' "the installed wrapper finds the installed plugins" ||
	tap_diag "$OUT"
# A copy elsewhere (an external check in the server's ExternalScripts)
# falls back to the package's plugin directory.
mkdir -p "$TP_TMP/externalscripts"
cp "$PLUGINDIR/tls_probe_zabbix.sh" "$TP_TMP/externalscripts/" 2>/dev/null
OUT=$(env -u TLS_PROBE_PLUGINDIR "$TP_TMP/externalscripts/tls_probe_zabbix.sh" mail_tls 127.0.0.1 \
    "$PF_SUBMISSION" submission "${A[@]}" 2>&1)
tap_like "$OUT" '^\{"state":"OK","exit_code":0,' "a copy of the wrapper elsewhere falls back to $PLUGINDIR" ||
	tap_diag "$OUT"
if command -v zabbix_agentd >/dev/null 2>&1; then
	Z=$TP_TMP/zabbix
	mkdir -p "$Z"
	cat >"$Z/zabbix_agentd.conf" <<-CONF
	# private configuration for t/deb_package.t (only used with -t)
	PidFile=$Z/zabbix_agentd.pid
	LogType=console
	Timeout=15
	UnsafeUserParameters=0
	Include=$ZABBIX_DIR/userparameter_tls_probe.conf
	CONF
	OUT=$(env -u TLS_PROBE_PLUGINDIR zabbix_agentd -c "$Z/zabbix_agentd.conf" \
	    -t "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,${A[*]}]" 2>&1)
	tap_like "$OUT" '\[t\|\{"state":"OK","exit_code":0,' "zabbix_agentd -t tls_probe.mail_tls[...] with the installed files is OK" ||
		tap_diag "$OUT"
else
	tap_skip "zabbix_agentd is not installed (zabbix-agent)"
fi

# --- purged ------------------------------------------------------------------
t=$(fixture_now_ms)
deb__purge && rc=0 || rc=$?
tap_is "$rc" 0 "apt-get purge -y tls-probe ($(( ($(fixture_now_ms) - t) / 1000 )) s)" ||
	tap_diag "$(tail -n 30 "$P/purge.log")"
tap_unlike "$(dpkg-query -W -f='${Status}' tls-probe 2>/dev/null)" 'installed|config-files' \
    "dpkg no longer knows tls-probe"
left=
for f in $PLUGINS tls_probe_zabbix.sh; do
	[ -e "$PLUGINDIR/$f" ] && left="$left $PLUGINDIR/$f"
done
for f in /usr/share/man/man1/check_mail_tls.1.gz "$ICINGA_CONF" "$NAGIOS_CFG" "$ZABBIX_DIR" \
    /usr/share/tls-probe /usr/share/doc/tls-probe; do
	[ -e "$f" ] && left="$left $f"
done
tap_is "$left" "" "purge leaves none of the package's files behind (conffile included)"
if command -v icinga2 >/dev/null 2>&1 && [ -d /usr/share/icinga2/include/plugins-contrib.d ]; then
	icinga_refuses() {
		! icinga_validate &&
		    grep -q "Object 'mail_tls' of type 'CheckCommand' does not exist" "$I/validate.log"
	}
	tap_ok "... and without it Icinga 2 has no mail_tls (the one above was the package's)" \
	    icinga_refuses || tap_diag "$(grep -E 'critical|Error' "$I/validate.log" | head -20)"
else
	tap_skip "icinga2 is not installed"
fi

tap_diag "deb_package.t took $(( ($(fixture_now_ms) - T0) / 1000 )) s after the fixture started"
tap_done
