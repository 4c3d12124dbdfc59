# man_pages.t - every plugin has a man page made from its --help, naming
# every long option --help names, and `make install` puts plugins and man
# pages where a Debian admin looks for them.
. "$top_srcdir/t/lib/tap.sh"
TP_TMP=$(mktemp -d); trap 'rm -rf "$TP_TMP"' EXIT

for plugin in check_mail_tls check_cert_chain check_sni_map check_acme_http01 check_mta_sts check_tls_rpt; do
	page=$top_builddir/plugins/$plugin.1
	if [ ! -f "$page" ]; then
		tap_ok "$plugin.1 was built (is help2man installed?)" false
		continue
	fi
	tap_like "$(head -3 "$page")" "^\.TH ${plugin^^} \"1\"" "$plugin.1 is a section 1 man page"
	missing=
	for opt in $("$top_builddir/plugins/$plugin" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$page" || missing="$missing $opt"
	done
	tap_is "$missing" "" "$plugin.1 documents every option of --help"
done

make -s -C "$top_builddir" install DESTDIR="$TP_TMP/root" prefix=/usr \
    plugindir=/usr/lib/nagios/plugins >"$TP_TMP/install.log" 2>&1
tap_is "$?" 0 "make install DESTDIR=... prefix=/usr plugindir=/usr/lib/nagios/plugins"
for plugin in check_mail_tls check_cert_chain check_sni_map check_acme_http01 check_mta_sts check_tls_rpt; do
	tap_ok "$plugin installed in /usr/lib/nagios/plugins" test -x "$TP_TMP/root/usr/lib/nagios/plugins/$plugin"
	tap_ok "$plugin.1 installed in /usr/share/man/man1" test -f "$TP_TMP/root/usr/share/man/man1/$plugin.1"
done
tap_done
