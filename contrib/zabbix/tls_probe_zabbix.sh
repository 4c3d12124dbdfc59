#!/bin/sh
# tls_probe_zabbix.sh - run a tls-probe plugin for Zabbix and print its JSON.
#
#   tls_probe_zabbix.sh mail_tls   HOST PORT PROTOCOL [EXTRA...]
#   tls_probe_zabbix.sh cert_chain HOST PORTS [EXTRA...]
#   tls_probe_zabbix.sh sni_map    MAP [EXTRA...]
#   tls_probe_zabbix.sh mta_sts    DOMAIN [EXTRA...]
#   tls_probe_zabbix.sh tls_rpt    SOURCE [EXTRA...]
#     (SOURCE: an imaps:// URL, a Maildir with cur/ and new/, or a
#     directory of report files)
#   tls_probe_zabbix.sh endpoints  LIST
#     low-level discovery: LIST such as 25/smtp,465/submissions,993/imaps
#     becomes [{"{#PORT}":25,"{#PROTOCOL}":"smtp"},...], the plain JSON array
#     of Zabbix 4.2+; a bad LIST is one sentence instead (not JSON, so that
#     the discovery rule becomes unsupported with it)
#   tls_probe_zabbix.sh sni_names  MAP [EXTRA...]
#     discovery: the names of a Postfix (or, with --map-type=dovecot, a
#     Dovecot) SNI map a client can ask for, [{"{#SNI}":"mail.example.com"}]
#     (check_sni_map --list-names)
#   tls_probe_zabbix.sh mx_hosts   DOMAIN [EXTRA...]
#     discovery: DOMAIN's MX hosts by preference,
#     [{"{#MX}":"mx1.example.com","{#MX.PREFERENCE}":10}] (check_mail_tls
#     --mx --list-mx; no MX: the domain itself, preference 0)
#
# Used by userparameter_tls_probe.conf (Zabbix agent) and usable as an
# external check on the Zabbix server or proxy (copy it into ExternalScripts,
# key tls_probe_zabbix.sh[mail_tls,HOST,PORT,PROTOCOL,EXTRA...]).
#
# What it adds to calling the plugin directly:
#  - empty HOST/PORT/PROTOCOL/PORTS/MAP are left out instead of passed as
#    '' (so "tls_probe.mail_tls[mail.example.com,,imaps]" uses the default
#    port of the protocol);
#  - --output=json comes last, so EXTRA cannot switch it off;
#  - stderr is dropped (the agent would append it to the value) and the exit
#    status is always 0: the state is in the JSON's exit_code;
#  - the plugins answer even usage errors (a bad -w) in JSON; whatever is
#    not JSON all the same (a missing plugin, a crash) becomes a JSON object
#    with state UNKNOWN, exit_code 3 and the message as summary, so the
#    template's dependent items and triggers still work.
# EXTRA arguments are split on white space, so an external check may give
# several options in one key parameter ("-r /etc/ssl/my-root.pem --sni
# mail.example.com").
# The plugins are looked up in $TLS_PROBE_PLUGINDIR, else next to this
# script, else in /usr/local/libexec/nagios/plugins (the default plugindir).
#
# What may come through an item key: the parameters come from whoever may
# define items (or ask a passive agent), so the wrapper, not the key, decides
# which files the agent's user reads and writes:
#  - a file or directory a plugin reads (MAP, a tls_rpt SOURCE, --map,
#    --cert-file, --file, --key, --live-dir, --compare-file, -r/--rootcert,
#    --trust-anchor, --names-file, --expect-cert, --imap-password-file, --dir,
#    --maildir) must lie, symbolic links followed, under one of the
#    directories of $TLS_PROBE_ZABBIX_ROOTS (colon-separated, default
#    /etc/ssl:/etc/letsencrypt:/etc/postfix:/etc/dovecot:/var/lib/tls-probe);
#  - files a plugin writes are the wrapper's: --state-file=NAME (a bare name)
#    becomes $TLS_PROBE_ZABBIX_STATE_DIR/NAME (default
#    /var/lib/tls-probe/zabbix), --cache-dir is refused and, with --ari, set
#    to $TLS_PROBE_ZABBIX_STATE_DIR/ari-cache;
#  - these options must be spelled in full (an abbreviation such as --cert
#    would reach them unchecked);
#  - the agent refuses '@' in a key, so --resolver=ADDR --resolver-port=PORT
#    (the wrapper's) stands for the plugins' --resolver=ADDR@PORT;
#  - HOST, PORT, PROTOCOL, PORTS, MAP, DOMAIN and SOURCE may not begin with
#    '-' nor hold blanks (no option injection through a host name).
# Anything refused is a JSON UNKNOWN naming the option and the value; the
# plugin is not run.  Nothing of a parameter is ever evaluated by a shell
# (no eval; wildcards are not expanded), so quotes, ';' and $(...) given to
# the wrapper as an external check are data.  Keep UnsafeUserParameters=0 on
# the agent all the same (userparameter_tls_probe.conf says why).

set -f	# never expand wildcards in a parameter
roots=${TLS_PROBE_ZABBIX_ROOTS:-/etc/ssl:/etc/letsencrypt:/etc/postfix:/etc/dovecot:/var/lib/tls-probe}
state_dir=${TLS_PROBE_ZABBIX_STATE_DIR:-/var/lib/tls-probe/zabbix}

if [ -n "${TLS_PROBE_PLUGINDIR:-}" ]; then
	dir=$TLS_PROBE_PLUGINDIR
else
	dir=$(dirname "$0")
	[ -x "$dir/check_mail_tls" ] || dir=/usr/local/libexec/nagios/plugins
fi

# json_unknown MESSAGE: the stand-in object for a run that gave no JSON.
json_unknown() {
	if [ -n "${list:-}" ]; then	# discovery: the sentence alone
		printf '%s\n' "$1" | tr -d '\000-\011\013-\037' | head -n 1
		return
	fi
	msg=$(printf '%s' "$1" | tr -d '\000-\010\013-\037' | tr '\t\n' '  ' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/  *$//')
	printf '{"state":"UNKNOWN","exit_code":3,"prefix":"TLS_PROBE","summary":"%s","results":[{"state":"UNKNOWN","text":"%s"}],"details":[],"perfdata":[],"facts":{}}\n' \
		"$msg" "$msg"
}

# refuse MESSAGE: the UNKNOWN answer for a parameter the wrapper refuses.
# (Exit status 0, as every answer of the wrapper, but 10 inside screen's
# command substitution, whose last line the answer then is.)
refuse_rc=0
refuse() {
	json_unknown "tls_probe_zabbix.sh: $1"
	exit "$refuse_rc"
}

# fixed NAME VALUE: HOST, PORT, ... may not begin with '-' nor hold blanks.
fixed() {
	case $2 in
	-*) refuse "$1 '$2' begins with '-' (an option where the $1 belongs); give options after the fixed parameters" ;;
	*[[:space:]]*) refuse "$1 '$2' holds a blank; a $1 is one word" ;;
	esac
}

# readable OPTION PATH: PATH must resolve inside one of $roots.
readable() {
	case $2 in
	"") refuse "$1 is empty; name a file under $roots" ;;
	esac
	real=$(readlink -f -- "$2" 2>/dev/null) || real=
	if [ -n "$real" ]; then
		old_ifs=$IFS
		IFS=:
		for r in $roots; do
			IFS=$old_ifs
			[ -n "$r" ] || continue
			r=$(readlink -f -- "$r" 2>/dev/null) || continue
			r=${r%/}
			case $real in
			"$r" | "$r"/*) return 0 ;;
			esac
		done
		IFS=$old_ifs
	fi
	refuse "$1 '$2' is outside the directories this agent may read ($roots); move the file there or add its directory to TLS_PROBE_ZABBIX_ROOTS in the UserParameter lines"
}

# private_dir DIR: create the wrapper's DIR, readable by the agent's user only.
private_dir() {
	(umask 077 && mkdir -p "$1") 2>/dev/null ||
		refuse "cannot create $1; create $state_dir writable by the agent's user (or set TLS_PROBE_ZABBIX_STATE_DIR)"
}

# A long option the key may give only in full: abbreviated, getopt_long
# would expand it past the checks below.
GUARDED="--map --cert-file --file --key --live-dir --compare-file --rootcert --trust-anchor --names-file --expect-cert --imap-password-file --dir --maildir --state-file --cache-dir"

# screen ARG...: refuse what may not come through a key, and print the
# arguments to run with, one word each (none holds a blank by now).
screen() {
	refuse_rc=10
	want=
	ari=
	resolver='' rport=''
	for a in "$@"; do
		# The word after an option that takes a path is that path.  Every
		# word is also screened as an option (a value that getopt takes
		# as an option's argument is refused at worst, never let through).
		if [ -n "$want" ]; then
			readable "$want" "$a"
			want=
		fi
		out_a=$a
		case $a in
		--ari | --ari-url=*) ari=1 ;;
		--resolver=*)
			resolver=${a#*=}
			continue ;;
		--resolver-port=*)
			rport=${a#*=}
			case $rport in
			"" | *[!0-9]*) refuse "--resolver-port '$rport' is not a port number" ;;
			esac
			continue ;;
		--*)
			name=${a%%=*}
			case $a in *=*) val=${a#*=} ;; *) val= ;; esac
			case " $GUARDED " in
			*" $name "*)
				case $name in
				--state-file)
					case $val in
					"" | .* | */* | *[!A-Za-z0-9._-]*)
						refuse "--state-file '$val': give a bare file name as --state-file=NAME; the wrapper keeps it in $state_dir" ;;
					esac
					private_dir "$state_dir"
					out_a=--state-file=$state_dir/$val
					;;
				--cache-dir)
					refuse "--cache-dir '$val' is the wrapper's ($state_dir/ari-cache with --ari); leave it out" ;;
				*)
					case $a in
					*=*) readable "$name" "$val" ;;
					*) want=$name ;;
					esac
					;;
				esac
				;;
			*)
				# (--imap is an option of its own, not an abbreviation)
				[ "$name" = --imap ] ||
				for g in $GUARDED; do
					case $g in
					"$name"?*) refuse "'$name' would be taken as $g: spell options that name files in full" ;;
					esac
				done
				;;
			esac
			;;
		-?*)
			# A cluster of short options: -4vr FILE, -rFILE.
			s=${a#-}
			while [ -n "$s" ]; do
				ch=${s%"${s#?}"}
				s=${s#?}
				case $ch in
				r)
					if [ -n "$s" ]; then readable -r "$s"; else want=-r; fi
					break ;;
				[HpPmiwctD]) break ;;	# the rest is its value
				esac
			done
			;;
		esac
		printf '%s\n' "$out_a"
	done
	[ -z "$want" ] || refuse "$want is given no file"
	if [ -n "$rport" ]; then
		[ -n "$resolver" ] || refuse "--resolver-port '$rport' goes with --resolver=ADDR"
		resolver=$resolver@$rport
	fi
	[ -z "$resolver" ] || printf '%s\n' "--resolver=$resolver"
	if [ -n "$ari" ]; then
		private_dir "$state_dir/ari-cache"
		printf '%s\n' "--cache-dir=$state_dir/ari-cache"
	fi
}

# discover_endpoints LIST: the endpoints discovery (see the header).
discover_endpoints() {
	json=
	old_ifs=$IFS
	IFS=,
	for e in $1; do
		IFS=$old_ifs
		port=${e%%/*} proto=${e#*/}
		case $e in
		*/*) ;;
		*) proto= ;;
		esac
		case $port in
		"" | *[!0-9]* | 0*) port= ;;
		esac
		[ -z "$port" ] || [ "$port" -le 65535 ] || port=
		case $proto in
		smtp | submission | lmtp | imap | pop3 | sieve | smtps | submissions | imaps | pop3s | tls) ;;
		*) proto= ;;
		esac
		if [ -z "$port" ] || [ -z "$proto" ]; then
			# shellcheck disable=SC2016 # {$TLS_PROBE.ENDPOINTS} is a Zabbix macro
			printf 'tls_probe_zabbix.sh: endpoint %s of "%s" is not PORT/PROTOCOL (a port 1-65535, a protocol one of smtp, submission, lmtp, imap, pop3, sieve, smtps, submissions, imaps, pop3s, tls); correct {$TLS_PROBE.ENDPOINTS}\n' \
				"'$e'" "$1" | tr -d '\000-\011\013-\037'
			return
		fi
		json="$json${json:+,}{\"{#PORT}\":$port,\"{#PROTOCOL}\":\"$proto\"}"
	done
	IFS=$old_ifs
	printf '[%s]\n' "$json"
}

what=${1:-}
[ $# -gt 0 ] && shift
list=
case $what in
endpoints)
	discover_endpoints "${1:-}"
	exit 0
	;;
sni_names)
	plugin=check_sni_map list=sni
	map=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	[ -n "$map" ] || { echo '[]'; exit 0; }	# no map: no names
	fixed MAP "$map"
	set -- --map="$map" "$@" --list-names
	;;
mx_hosts)
	plugin=check_mail_tls list=mx
	domain=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	[ -n "$domain" ] || { echo '[]'; exit 0; }
	fixed DOMAIN "$domain"
	set -- --mx="$domain" "$@" --list-mx
	;;
mail_tls)
	plugin=check_mail_tls
	host=${1:-} port=${2:-} proto=${3:-}
	if [ $# -ge 3 ]; then shift 3; else set --; fi
	fixed HOST "$host"; fixed PORT "$port"; fixed PROTOCOL "$proto"
	set -- ${host:+-H "$host"} ${port:+-p "$port"} ${proto:+-P "$proto"} "$@"
	;;
cert_chain)
	plugin=check_cert_chain
	host=${1:-} ports=${2:-}
	if [ $# -ge 2 ]; then shift 2; else set --; fi
	fixed HOST "$host"; fixed PORTS "$ports"
	set -- ${host:+-H "$host"} ${ports:+--ports="$ports"} "$@"
	;;
sni_map)
	plugin=check_sni_map
	map=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	fixed MAP "$map"
	set -- ${map:+--map="$map"} "$@"
	;;
mta_sts)
	plugin=check_mta_sts
	domain=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	fixed DOMAIN "$domain"
	set -- ${domain:+-D "$domain"} "$@"
	;;
tls_rpt)
	plugin=check_tls_rpt
	source=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	fixed SOURCE "$source"
	case $source in
	"") ;;
	imap://* | imaps://*) set -- --imap="$source" "$@" ;;
	*) if [ -d "$source/cur" ] && [ -d "$source/new" ]; then
		set -- --maildir="$source" "$@"
	   else
		set -- --dir="$source" "$@"
	   fi ;;
	esac
	;;
*)
	json_unknown "tls_probe_zabbix.sh: unknown check '$what' (use mail_tls, cert_chain, sni_map, mta_sts or tls_rpt)"
	exit 0
	;;
esac

# Split every argument on white space: an external check gets a key
# parameter such as "-w 30 -c 14" as one argument (the UserParameter line
# leaves EXTRA unquoted, so there the shell has split it already).  The
# price: a path with a blank in it (a --map, -r or --cert-file) cannot be
# passed; link it to one without.
args=
for a in "$@"; do
	args="$args $a"
done
# shellcheck disable=SC2086
set -- $args	# split (set -f: no wildcards expanded)

# Screened after the split, so that a blank inside a parameter cannot hide
# an option; each word of the result is one line.
if ! words=$(screen "$@"); then
	printf '%s\n' "$words" | tail -n 1
	exit 0
fi
IFS='
'
# shellcheck disable=SC2086
set -- $words
unset IFS

if [ ! -x "$dir/$plugin" ]; then
	json_unknown "tls_probe_zabbix.sh: $dir/$plugin not found or not executable (set TLS_PROBE_PLUGINDIR)"
	exit 0
fi
if [ -n "$list" ]; then
	# Discovery: the plugin's list as the JSON array; its failure as its
	# sentence, which makes the discovery rule unsupported with it.
	if ! out=$("$dir/$plugin" "$@" 2>&1); then
		printf '%s\n' "$out" | sed -n '1{s/^[A-Z0-9_]* [A-Z]* - //;p;}'
		exit 0
	fi
	printf '%s\n' "$out" | awk -v list="$list" '
	# A name of letters, digits, ".", "-" and "_" only: nothing to escape.
	list == "sni" && /^[A-Za-z0-9._-]+$/ {
		printf "%s{\"{#SNI}\":\"%s\"}", n++ ? "," : "", $0 }
	list == "mx" && NF == 2 && $1 ~ /^[0-9]+$/ && $2 ~ /^[A-Za-z0-9._-]+$/ {
		printf "%s{\"{#MX}\":\"%s\",\"{#MX.PREFERENCE}\":%d}", n++ ? "," : "", $2, $1 }
	BEGIN { printf "[" }
	END { print "]" }'
	exit 0
fi
out=$("$dir/$plugin" "$@" --output=json 2>/dev/null)
case $out in
"{"*) printf '%s\n' "$out" ;;
*)
	line=$(printf '%s\n' "$out" | sed -n '1{s/^[A-Z0-9_]* [A-Z]* - //;p;}')
	json_unknown "${line:-$plugin printed nothing}"
	;;
esac
exit 0
