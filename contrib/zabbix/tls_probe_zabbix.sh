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

if [ -n "${TLS_PROBE_PLUGINDIR:-}" ]; then
	dir=$TLS_PROBE_PLUGINDIR
else
	dir=$(dirname "$0")
	[ -x "$dir/check_mail_tls" ] || dir=/usr/local/libexec/nagios/plugins
fi

# json_unknown MESSAGE: the stand-in object for a run that gave no JSON.
json_unknown() {
	msg=$(printf '%s' "$1" | tr -d '\000-\010\013-\037' | tr '\t\n' '  ' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/  *$//')
	printf '{"state":"UNKNOWN","exit_code":3,"prefix":"TLS_PROBE","summary":"%s","results":[{"state":"UNKNOWN","text":"%s"}],"details":[],"perfdata":[],"facts":{}}\n' \
		"$msg" "$msg"
}

what=${1:-}
[ $# -gt 0 ] && shift
case $what in
mail_tls)
	plugin=check_mail_tls
	host=${1:-} port=${2:-} proto=${3:-}
	if [ $# -ge 3 ]; then shift 3; else set --; fi
	set -- ${host:+-H "$host"} ${port:+-p "$port"} ${proto:+-P "$proto"} "$@"
	;;
cert_chain)
	plugin=check_cert_chain
	host=${1:-} ports=${2:-}
	if [ $# -ge 2 ]; then shift 2; else set --; fi
	set -- ${host:+-H "$host"} ${ports:+--ports="$ports"} "$@"
	;;
sni_map)
	plugin=check_sni_map
	map=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	set -- ${map:+--map="$map"} "$@"
	;;
mta_sts)
	plugin=check_mta_sts
	domain=${1:-}
	if [ $# -ge 1 ]; then shift; fi
	set -- ${domain:+-D "$domain"} "$@"
	;;
tls_rpt)
	plugin=check_tls_rpt
	source=${1:-}
	if [ $# -ge 1 ]; then shift; fi
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
set -f	# split, but expand no wildcards
# shellcheck disable=SC2086
set -- $args
set +f

if [ ! -x "$dir/$plugin" ]; then
	json_unknown "tls_probe_zabbix.sh: $dir/$plugin not found or not executable (set TLS_PROBE_PLUGINDIR)"
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
