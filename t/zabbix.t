# zabbix.t - contrib/zabbix: the UserParameter file, run by a real
# zabbix_agentd (-t, no daemon) against the fixture's Postfix and Dovecot,
# must print the JSON the template's dependent items read, and the template
# must name the keys the UserParameter file defines.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
command -v zabbix_agentd >/dev/null 2>&1 || tap_skip_all "zabbix_agentd not installed (zabbix-agent)"
command -v jq >/dev/null 2>&1 || tap_bail "jq is needed (contrib/setup-debian.sh installs it)"
fixture_require
dns_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot
# MX records for the MX discovery: a good MX and a leaf-only one (the
# fixture's SNI map serves leafonly.example.test mail.crt without its
# intermediate).
dns_start_zone signed "$(printf '%s\n' \
    "example.test. IN MX 10 mail.example.test." \
    "example.test. IN MX 20 leafonly.example.test." \
    "mail.example.test. IN A 127.0.0.1" \
    "leafonly.example.test. IN A 127.0.0.1")"

C=$top_srcdir/contrib/zabbix
Z=$TP_TMP/zabbix
mkdir -p "$Z"
# The installed path of the wrapper becomes the source tree's, with the
# plugins taken from the build tree.
# The directories the wrapper lets keys read: the fixture's PKI, Postfix's
# directory (the SNI map), the reports, one holding a symbolic link out and
# the DNS fixture's (its trust anchor).
RPT=$TP_TMP/tlsrpt
mkdir -p "$RPT" "$TP_TMP/roots" "$TP_TMP/outside"
ln -s /etc/shadow "$TP_TMP/roots/shadow.pem"
export TLS_PROBE_ZABBIX_ROOTS="$PKI:$PF_DIR:$RPT:$TP_TMP/roots:$DNS_DIR"
export TLS_PROBE_ZABBIX_STATE_DIR="$Z/state"
sed "s|/usr/local/libexec/nagios/plugins/tls_probe_zabbix.sh|TLS_PROBE_PLUGINDIR=$top_builddir/plugins TLS_PROBE_ZABBIX_ROOTS=$TLS_PROBE_ZABBIX_ROOTS TLS_PROBE_ZABBIX_STATE_DIR=$TLS_PROBE_ZABBIX_STATE_DIR $C/tls_probe_zabbix.sh|" \
    "$C/userparameter_tls_probe.conf" >"$Z/userparameter_tls_probe.conf"
cat >"$Z/zabbix_agentd.conf" <<CONF
# private agent configuration for t/zabbix.t (only used with -t)
PidFile=$Z/zabbix_agentd.pid
LogType=console
Timeout=15
UnsafeUserParameters=0
Include=$Z/userparameter_tls_probe.conf
CONF

# agent KEY: sets LINE (the agent's answer) and VALUE (the text value).
agent() {
	LINE=$(zabbix_agentd -c "$Z/zabbix_agentd.conf" -t "$1" 2>&1) || true
	VALUE=
	case $LINE in
	*"[t|"*) VALUE=${LINE#*\[t|}; VALUE=${VALUE%]} ;;
	esac
}
# jqv FILTER: jq on VALUE, compact, "" when VALUE is not JSON.
jqv() {
	printf '%s' "$VALUE" | jq -c "$1" 2>/dev/null || true
}
# The template's JSONPath items, in jq.
DAYS='[.perfdata[] | select(.label == "days_left") | .value] | first'
DAYS_MIN='[.perfdata[] | select(.label == "days_left_min") | .value] | first'

A="-r $PKI/root.crt --sni mail.example.test"

# --- tls_probe.mail_tls on the good port -------------------------------------
agent "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,$A]"
tap_diag "agent: ${LINE:0:400}"
tap_like "$LINE" '\[t\|\{' "mail_tls: the agent returns a text value holding JSON"
tap_is "$(jqv 'type')" '"object"' "mail_tls: the value is one JSON object"
tap_is "$(jqv '.exit_code')" 0 "mail_tls good port: \$.exit_code is 0"
tap_is "$(jqv '.state')" '"OK"' "mail_tls good port: state OK"
tap_like "$(jqv '.summary')" "^\"127\.0\.0\.1:$PF_SUBMISSION \(submission\) TLSv1\.[23], cert mail\.example\.test .*expires in [0-9]+ days\"$" \
    "mail_tls good port: \$.summary is the plugin's summary"
tap_is "$(jqv "$DAYS | type")" '"number"' "mail_tls good port: the days_left perfdata value is a number"
d=$(jqv "$DAYS | floor")
tap_ok "mail_tls good port: days_left ($d) is 80 to 90 (the fixture's 89-day leaf)" \
    test "${d:-0}" -ge 80 -a "${d:-0}" -le 90
tap_is "$(jqv "($DAYS) == .facts.chain[0].days_left")" true "mail_tls good port: days_left equals the leaf's facts"

# --- tls_probe.mail_tls on the port without STARTTLS -------------------------
agent "tls_probe.mail_tls[127.0.0.1,$PF_NOTLS,submission,$A]"
tap_diag "agent: ${LINE:0:400}"
tap_is "$(jqv '.exit_code')" 2 "mail_tls no-TLS port: \$.exit_code is 2"
tap_is "$(jqv '.state')" '"CRITICAL"' "mail_tls no-TLS port: state CRITICAL"
tap_like "$(jqv '.summary')" 'does not offer STARTTLS' "mail_tls no-TLS port: the summary says why"
tap_is "$(jqv "$DAYS")" null "mail_tls no-TLS port: no days_left (the template discards the value)"

# --- parameters ----------------------------------------------------------------
agent "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,$A -w 100 -c 14]"
tap_is "$(jqv '.exit_code')" 1 "mail_tls: several words in one EXTRA parameter reach the plugin (-w 100 is WARNING)"
agent "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,-w 100 -c 14,$A]"
tap_is "$(jqv '[.exit_code, .perfdata[0].warning]')" '[1,"100:"]' \
    "mail_tls: EXTRA spread over two parameters (the template's layout) works"
agent "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,$A -w bogus]"
tap_is "$(jqv '[.exit_code, .state]')" '[3,"UNKNOWN"]' "mail_tls: a usage error becomes UNKNOWN JSON"
tap_like "$(jqv '.summary')" "-w/--warning: 'bogus'" "mail_tls: ... with the plugin's message as summary"
tap_is "$(jqv '.prefix')" '"MAIL_TLS"' "mail_tls: ... in JSON the plugin wrote itself (not the wrapper's stand-in)"
agent "tls_probe.mail_tls[127.0.0.1,,submission,-t 2]"
tap_is "$(jqv '[.facts.port, (.exit_code | type)]')" '[587,"number"]' \
    "mail_tls: an empty PORT is left out (submission's 587, whatever answers there)"
agent "tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission,-i Let's]"
tap_like "$LINE" 'ZBX_NOTSUPPORTED.*not allowed in the parameters' \
    "mail_tls: with UnsafeUserParameters=0 the agent refuses shell characters"

# --- tls_probe.cert_chain and tls_probe.sni_map ------------------------------
agent "tls_probe.cert_chain[127.0.0.1,\"$PF_SUBMISSION/submission,$DV_IMAPS/imaps\",$A]"
tap_diag "agent: ${LINE:0:400}"
tap_is "$(jqv '[.exit_code, .state]')" '[0,"OK"]' "cert_chain: a quoted --ports list, both endpoints OK"
tap_is "$(jqv "$DAYS_MIN | type")" '"number"' "cert_chain: days_left_min is a number"
agent "tls_probe.cert_chain[127.0.0.1,\"$PF_SUBMISSION/submission,$PF_NOTLS/submission\",$A]"
tap_is "$(jqv '.exit_code')" 2 "cert_chain: a port without STARTTLS is exit_code 2"
agent "tls_probe.sni_map[$PF_DIR/sni,-r $PKI/root.crt]"
tap_is "$(jqv '[.prefix, (.exit_code | type), ([.perfdata[].label] | index("days_left_min") != null)]')" \
    '["SNI_MAP","number",true]' "sni_map: the map check answers JSON with days_left_min"
agent "tls_probe.mta_sts[example.test,--https-port 0]"
tap_is "$(jqv '[.prefix, .exit_code, (.summary | test("--https-port"))]')" '["MTA_STS",3,true]' \
    "mta_sts: the key reaches check_mta_sts (-D from the first parameter, options after)"

# --- hostile keys: what the wrapper lets through ----------------------------
# refused KEY PATTERN NAME: the agent answers UNKNOWN JSON from the wrapper
# whose summary matches PATTERN.
refused() {
	agent "$1"
	tap_is "$(jqv '[.prefix, .exit_code]')" '["TLS_PROBE",3]' "security: $3: UNKNOWN JSON from the wrapper"
	tap_like "$(jqv '.summary')" "$2" "security: $3: ... saying why"
}
M="tls_probe.mail_tls[127.0.0.1,$PF_SUBMISSION,submission"
refused "$M,$A --state-file=$TP_TMP/outside/state]" "--state-file '.*/outside/state': give a bare file name" \
    "--state-file with a path"
tap_ok "security: ... and no file written there" test ! -e "$TP_TMP/outside/state"
refused "$M,$A --state-file ../outside/state]" "--state-file '': give a bare file name" \
    "--state-file with its name as the next word"
refused "$M,$A --state-file=..]" "--state-file '\.\.': give a bare file name" "--state-file=.."
agent "$M,$A --state-file=mail.state]"
tap_is "$(jqv '[.exit_code, .state]')" '[0,"OK"]' "security: --state-file=NAME is run"
tap_ok "security: ... with the state file in the wrapper's state directory" test -s "$Z/state/mail.state"
refused "$M,$A --cache-dir=$TP_TMP/outside]" "--cache-dir '.*/outside' is the wrapper's" "--cache-dir"
refused "$M,-r /etc/shadow]" "-r '/etc/shadow' is outside the directories this agent may read \\($PKI:" \
    "-r /etc/shadow (the roots named)"
refused "$M,--rootcert=$PKI/../../../etc/shadow]" "--rootcert '.*/etc/shadow' is outside" "--rootcert=ROOT/../etc/shadow"
refused "$M,-r $TP_TMP/roots/shadow.pem]" "-r '.*/roots/shadow\.pem' is outside" "a symbolic link in a root pointing out of it"
refused "$M,-4vr/etc/shadow]" "-r '/etc/shadow' is outside" "-r in a cluster of short options (-4vr/etc/shadow)"
refused "$M,--cert-file=/etc/shadow]" "--cert-file '/etc/shadow' is outside" "--cert-file"
refused "$M,--cert-f /etc/shadow]" "'--cert-f' would be taken as --cert-file: spell options that name files in full" \
    "an abbreviated --cert-file"
refused "$M,-w 30 -r]" "-r is given no file" "-r last, with no file"
refused "tls_probe.mail_tls[-r/etc/shadow,$PF_SUBMISSION,submission]" "HOST '-r/etc/shadow' begins with '-'" \
    "a host name beginning with '-'"
refused "tls_probe.mail_tls[127.0.0.1 --state-file=/tmp/x,$PF_SUBMISSION,submission]" "HOST '.*' holds a blank" \
    "a host name with an option after a blank"
refused "tls_probe.cert_chain[127.0.0.1,--file=/etc/shadow]" "PORTS '--file=/etc/shadow' begins with '-'" \
    "PORTS beginning with '-'"
refused "tls_probe.cert_chain[127.0.0.1,$PF_SUBMISSION/submission,--key=/etc/shadow]" "--key '/etc/shadow' is outside" \
    "cert_chain --key"
refused "tls_probe.sni_map[/etc/shadow]" "--map '/etc/shadow' is outside" "sni_map MAP outside the roots"
refused "tls_probe.sni_map[$PF_DIR/sni,--names-file=/etc/shadow]" "--names-file '/etc/shadow' is outside" "sni_map --names-file"
refused "tls_probe.tls_rpt[/etc]" "--dir '/etc' is outside" "tls_rpt SOURCE outside the roots"
refused "tls_probe.tls_rpt[imaps://127.0.0.1/INBOX,--imap-password-file=/etc/shadow]" \
    "--imap-password-file '/etc/shadow' is outside" "tls_rpt --imap-password-file"
refused "tls_probe.mta_sts[-D,example.test]" "DOMAIN '-D' begins with '-'" "mta_sts DOMAIN beginning with '-'"
# Shell characters: the agent (UnsafeUserParameters=0) refuses the key
# before any shell sees it.
for k in "\$(touch $TP_TMP/pwned)" "\`touch $TP_TMP/pwned\`" "a;touch $TP_TMP/pwned" "a|touch $TP_TMP/pwned" \
    "a'b" 'a"b'; do
	agent "$M,-i $k]"
	tap_like "$LINE" 'ZBX_NOTSUPPORTED.*not allowed in the parameters' "security: the agent refuses -i $k"
done
tap_ok "security: ... and nothing ran" test ! -e "$TP_TMP/pwned"
# As an external check the server gives the wrapper its parameters as
# arguments: they are data.  A stand-in plugin prints what it was given.
mkdir -p "$TP_TMP/argv"
printf '#!/bin/sh\nfor a; do printf "%%s\\n" "$a"; done >"$0.argv"\nprintf '\''{"exit_code":0}\\n'\''\n' >"$TP_TMP/argv/check_mail_tls"
chmod +x "$TP_TMP/argv/check_mail_tls"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 25 smtp \
    "-i \$(touch $TP_TMP/pwned);\"a\"'b'\`touch $TP_TMP/pwned\`" '*' "--state-file=s1" "--ari")
tap_is "$(jqv '.exit_code')" 0 "security: the wrapper as an external check runs the plugin"
tap_is "$(tr '\n' ' ' <"$TP_TMP/argv/check_mail_tls.argv")" \
    "-H 127.0.0.1 -p 25 -P smtp -i \$(touch $TP_TMP/pwned);\"a\"'b'\`touch $TP_TMP/pwned\` * --state-file=$Z/state/s1 --ari --cache-dir=$Z/state/ari-cache --output=json " \
    "security: ... quotes, ';', \$(...), backquotes and '*' reach it as data; --state-file=NAME in the state directory, --ari's cache there too"
tap_ok "security: ... nothing ran" test ! -e "$TP_TMP/pwned"
tap_ok "security: ... the --ari cache directory exists" test -d "$Z/state/ari-cache"
TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 25 smtp --resolver=192.0.2.1 --dane --resolver-port=5353 >/dev/null
tap_is "$(tr '\n' ' ' <"$TP_TMP/argv/check_mail_tls.argv")" "-H 127.0.0.1 -p 25 -P smtp --dane --resolver=192.0.2.1@5353 --output=json " \
    "wrapper: --resolver=ADDR --resolver-port=PORT (no '@' in a key) is --resolver=ADDR@PORT"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 25 smtp --resolver-port=53x)
tap_like "$(jqv '.summary')" "--resolver-port '53x' is not a port number" "wrapper: --resolver-port not a number refused"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 25 smtp --resolver-port=53)
tap_like "$(jqv '.summary')" "--resolver-port '53' goes with --resolver=ADDR" "wrapper: --resolver-port without --resolver refused"

# --- tls_probe.tls_rpt: a directory of reports, and a Maildir by its cur/ and new/
RPT_DAY=$(date -u -d "@$(( $(date +%s) - 86400 ))" +%Y-%m-%d)
printf '{"organization-name":"Google Inc.","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"smtp-tls-reporting@google.com","report-id":"%sT00:00:00Z_example.test","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mail.example.test","max_age: 604800"],"policy-domain":"example.test"},"summary":{"total-successful-session-count":1167,"total-failure-session-count":37},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"209.85.220.41","receiving-mx-hostname":"mail.example.test","failed-session-count":37}]}]}\n' \
    "$RPT_DAY" "$RPT_DAY" "$RPT_DAY" >"$RPT/google.json"
agent "tls_probe.tls_rpt[$RPT]"
tap_is "$(jqv '[.prefix, .exit_code, (.summary | test("^Google Inc\\.: 37 of 1,204 sessions to mail\\.example\\.test failed \\(certificate-expired\\)"))]')" \
    '["TLS_RPT",2,true]' "tls_rpt: the key reaches check_tls_rpt --dir, the expired certificate CRITICAL"
agent "tls_probe.tls_rpt[$RPT,-D other.example]"
tap_is "$(jqv '[.exit_code, ([.perfdata[] | select(.label == "sessions") | .value] | first)]')" '[0,0]' \
    "tls_rpt: options after the source reach the plugin (-D another domain: OK, no sessions)"
# Which option the wrapper gives each kind of source: a stand-in plugin says.
mkdir -p "$RPT/Maildir/cur" "$RPT/Maildir/new" "$RPT/Maildir/tmp"
printf '#!/bin/sh\nprintf '\''{"exit_code":0,"summary":"%%s"}\\n'\'' "$*"\n' >"$TP_TMP/argv/check_tls_rpt"
chmod +x "$TP_TMP/argv/check_tls_rpt"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" tls_rpt "$RPT/Maildir" -D example.test)
tap_is "$(jqv '.summary')" "\"--maildir=$RPT/Maildir -D example.test --output=json\"" \
    "wrapper: a directory with cur/ and new/ is given as --maildir"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" tls_rpt "$RPT")
tap_is "$(jqv '.summary')" "\"--dir=$RPT --output=json\"" "wrapper: another directory as --dir"
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/argv "$C/tls_probe_zabbix.sh" tls_rpt imaps://127.0.0.1/INBOX)
tap_is "$(jqv '.summary')" '"--imap=imaps://127.0.0.1/INBOX --output=json"' "wrapper: an imaps:// URL as --imap"

# --- the wrapper alone ---------------------------------------------------------
VALUE=$(TLS_PROBE_PLUGINDIR=$TP_TMP/nowhere "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 "$PF_SUBMISSION" submission)
tap_is "$(jqv '[.exit_code, (.summary | test("not found"))]')" '[3,true]' "wrapper: a missing plugin is UNKNOWN JSON"
VALUE=$("$C/tls_probe_zabbix.sh" bogus 2>&1)
tap_is "$(jqv '.exit_code')" 3 "wrapper: an unknown check is UNKNOWN JSON"
VALUE=$(TLS_PROBE_PLUGINDIR=$top_builddir/plugins "$C/tls_probe_zabbix.sh" mail_tls 127.0.0.1 "$PF_SUBMISSION" submission "$A -w 100")
tap_is "$(jqv '.exit_code')" 1 "wrapper: as an external check, one argument of several words is split"

# --- the template ------------------------------------------------------------
T=$C/template_tls_probe.yaml
UP=$C/userparameter_tls_probe.conf
tap_like "$(cat "$T")" "^  version: '6\.0'$" "template: a Zabbix 6.0 export"
# TP_NO_PYYAML=1 tries the fallback.
if [ "${TP_NO_PYYAML:-0}" != 1 ] && command -v python3 >/dev/null 2>&1 &&
    python3 -c "import yaml" 2>/dev/null; then
	# key|type|master key|JSONPath parameters|error handler, one item a line
	ITEMS=$(python3 - "$T" <<-'PY'
	import sys, yaml
	d = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]
	assert d["version"] == "6.0"
	for t in d["templates"]:
	    for i in t["items"]:
	        pp = i.get("preprocessing", [])
	        print("|".join([i["key"], i.get("type", "ZABBIX_PASSIVE"),
	                        i.get("master_item", {}).get("key", ""),
	                        ";".join(p for s in pp for p in s["parameters"]),
	                        ";".join(s.get("error_handler", "") for s in pp)]))
	PY
	) || ITEMS=
	tap_ok "template: the YAML parses (python3 yaml)" test -n "$ITEMS"
else
	# No YAML parser: read the same fields with awk (enough for this file's
	# fixed layout).
	ITEMS=$(awk '
	function unq(s) { gsub(/^'\''|'\''$/, "", s); gsub(/'\'''\''/, "'\''", s); return s }
	function val(s) { sub(/^[^:]*: /, "", s); return unq(s) }
	function flush() { if (key != "") print key "|" type "|" master "|" pp "|" eh; key = type = master = pp = eh = "" }
	/^        - uuid:/ { flush(); initem = 1; inpp = 0; next }
	/^      (macros|valuemaps):/ || /^  triggers:/ { flush(); initem = 0 }
	initem && /^          key:/ { key = val($0); if (type == "") type = "ZABBIX_PASSIVE" }
	initem && /^          type:/ { type = val($0) }
	initem && /^            key:/ { master = val($0) }
	initem && /^          [a-z_]+:/ { inpp = /^          preprocessing:/ }
	inpp && /^                - / { p = $0; sub(/^ *- /, "", p); pp = pp (pp == "" ? "" : ";") unq(p) }
	initem && /^              error_handler:/ { eh = val($0) }
	END { flush() }' "$T")
	tap_skip "python3 yaml not available, the template read with awk"
fi
tap_diag "template items:" "$ITEMS"
item() { printf '%s\n' "$ITEMS" | awk -F'|' -v k="$1" '$1 == k'; }
MASTER_MAIL=$(printf '%s\n' "$ITEMS" | awk -F'|' '$1 ~ /^tls_probe\.mail_tls\[/ { print $1 }')
MASTER_CHAIN=$(printf '%s\n' "$ITEMS" | awk -F'|' '$1 ~ /^tls_probe\.cert_chain\[/ { print $1 }')
MASTER_STS=$(printf '%s\n' "$ITEMS" | awk -F'|' '$1 ~ /^tls_probe\.mta_sts\[/ { print $1 }')
MASTER_RPT=$(printf '%s\n' "$ITEMS" | awk -F'|' '$1 ~ /^tls_probe\.tls_rpt\[/ { print $1 }')
tap_is "$(printf '%s\n' "$MASTER_RPT" | grep -c .)" 1 "template: one master item runs tls_probe.tls_rpt[...]"
tap_is "$(item tls_probe.tls_rpt.state)" "tls_probe.tls_rpt.state|DEPENDENT|$MASTER_RPT|\$.exit_code|" \
    "template: TLS-RPT state = \$.exit_code of the tls_rpt master"
tap_is "$(item tls_probe.tls_rpt.summary)" "tls_probe.tls_rpt.summary|DEPENDENT|$MASTER_RPT|\$.summary|" \
    "template: TLS-RPT summary = \$.summary of the tls_rpt master"
tap_is "$(item tls_probe.tls_rpt.reports_unreadable)" \
    "tls_probe.tls_rpt.reports_unreadable|DEPENDENT|$MASTER_RPT|\$.perfdata[?(@.label=='reports_unreadable')].value.first()|DISCARD_VALUE" \
    "template: TLS-RPT reports_unreadable from its perfdata"
tap_is "$(printf '%s\n' "$MASTER_MAIL" | grep -c .)" 1 "template: one master item runs tls_probe.mail_tls[...]"
tap_is "$(printf '%s\n' "$MASTER_CHAIN" | grep -c .)" 1 "template: one master item runs tls_probe.cert_chain[...]"
tap_is "$(printf '%s\n' "$MASTER_STS" | grep -c .)" 1 "template: one master item runs tls_probe.mta_sts[...]"
bad=
for k in $(printf '%s\n' "$ITEMS" | awk -F'|' '$2 == "ZABBIX_PASSIVE" { sub(/\[.*/, "", $1); print $1 }'); do
	grep -q "^UserParameter=$k\[\*\]," "$UP" || bad="$bad $k"
done
tap_is "$bad" "" "template: every agent item key is a UserParameter of userparameter_tls_probe.conf"
tap_is "$(item tls_probe.mail_tls.state)" "tls_probe.mail_tls.state|DEPENDENT|$MASTER_MAIL|\$.exit_code|" \
    "template: state = \$.exit_code of the mail_tls master"
tap_is "$(item tls_probe.mail_tls.summary)" "tls_probe.mail_tls.summary|DEPENDENT|$MASTER_MAIL|\$.summary|" \
    "template: summary = \$.summary of the mail_tls master"
tap_is "$(item tls_probe.mail_tls.days_left)" \
    "tls_probe.mail_tls.days_left|DEPENDENT|$MASTER_MAIL|\$.perfdata[?(@.label=='days_left')].value.first()|DISCARD_VALUE" \
    "template: days_left = the days_left perfdata value, discarded when absent"
tap_is "$(item tls_probe.mta_sts.state)" "tls_probe.mta_sts.state|DEPENDENT|$MASTER_STS|\$.exit_code|" \
    "template: MTA-STS state = \$.exit_code of the mta_sts master"
tap_is "$(item tls_probe.mta_sts.summary)" "tls_probe.mta_sts.summary|DEPENDENT|$MASTER_STS|\$.summary|" \
    "template: MTA-STS summary = \$.summary of the mta_sts master"
tap_is "$(item tls_probe.cert_chain.days_left_min)" \
    "tls_probe.cert_chain.days_left_min|DEPENDENT|$MASTER_CHAIN|\$.perfdata[?(@.label=='days_left_min')].value.first()|DISCARD_VALUE" \
    "template: cert_chain days_left_min from its perfdata"

# The master keys, with the macros set for the fixture, answered by the agent.
expand() {
	local k=$1
	k=${k//\{\$TLS_PROBE.HOST\}/127.0.0.1}
	k=${k//\{\$TLS_PROBE.PORT\}/$PF_SUBMISSION}
	k=${k//\{\$TLS_PROBE.PROTOCOL\}/submission}
	k=${k//\{\$TLS_PROBE.PORTS\}/$PF_SUBMISSION/submission,$DV_IMAPS/imaps}
	k=${k//\{\$TLS_PROBE.EXPIRY\}/${EXPIRY:-}}
	k=${k//\{\$TLS_PROBE.ARGS\}/$A}
	k=${k//\{\$TLS_PROBE.DOMAIN\}/example.test}
	k=${k//\{\$TLS_PROBE.MTA_STS.ARGS\}/--https-port 0}
	k=${k//\{\$TLS_PROBE.TLS_RPT.SOURCE\}/$RPT}
	k=${k//\{\$TLS_PROBE.TLS_RPT.ARGS\}/-D example.test}
	printf '%s' "$k"
}
agent "$(expand "$MASTER_MAIL")"
tap_is "$(jqv '[.exit_code, .state, .perfdata[0].warning, .perfdata[0].critical]')" '[0,"OK","30:","12:"]' \
    "template: its mail_tls master key, {\$TLS_PROBE.EXPIRY} empty, gets OK and the 120-day leaf's own thresholds (30 days, 10% = 12 days)"
# days_warn/days_crit as Zabbix computes them: the JSONPath, then the regex.
zbx_threshold() {	# zbx_threshold warning|critical: days_left's threshold in VALUE as the items read it
	printf '%s' "$VALUE" | jq -r --arg f "$1" \
	    '[.perfdata[] | select(.label == "days_left") | .[$f]] | first // "discarded"' |
	    sed -E 's/^([0-9]+(\.[0-9]+)?):$/\1/'
}
tap_is "$(item tls_probe.mail_tls.days_crit | cut -d'|' -f2-5)" \
    "DEPENDENT|$MASTER_MAIL|\$.perfdata[?(@.label=='days_left')].critical.first();^([0-9]+(\.[0-9]+)?):\$;\\1|DISCARD_VALUE;DISCARD_VALUE" \
    "template: days_crit = the critical threshold the plugin applied to the leaf, 'N:' read as N"
tap_is "$(item tls_probe.mail_tls.days_warn | cut -d'|' -f4)" \
    "\$.perfdata[?(@.label=='days_left')].warning.first();^([0-9]+(\.[0-9]+)?):\$;\\1" \
    "template: days_warn the same from the warning threshold"
tap_is "$(zbx_threshold warning) $(zbx_threshold critical)" "30 12" \
    "template: ... so the days-left triggers follow the plugin: warning below 30, critical below 12 for this leaf"
EXPIRY="-w 50% -c 20%" agent "$(EXPIRY="-w 50% -c 20%" expand "$MASTER_MAIL")"
tap_is "$(zbx_threshold warning) $(zbx_threshold critical)" "60 24" \
    "template: {\$TLS_PROBE.EXPIRY} '-w 50% -c 20%' reaches the plugin, and the triggers follow (60 and 24 days)"
agent "$(expand "$MASTER_CHAIN")"
tap_is "$(jqv '.exit_code')" 0 "template: its cert_chain master key, macros expanded, gets OK from the agent"
agent "$(expand "$MASTER_STS")"
tap_is "$(jqv '[.prefix, .exit_code, (.summary | test("--https-port"))]')" '["MTA_STS",3,true]' \
    "template: its mta_sts master key, macros expanded, reaches check_mta_sts with the domain and options"
agent "$(expand "$MASTER_RPT")"
tap_is "$(jqv '[.prefix, .exit_code, ([.perfdata[] | select(.label == "sessions") | .value] | first)]')" '["TLS_RPT",2,1204]' \
    "template: its tls_rpt master key, macros expanded, reads the reports for the domain"
missing=
for k in $(grep -o "last(/TLS probe [^/]*/[a-z_.]*)" "$T" | sed 's|.*/||; s|)$||' | sort -u); do
	[ -n "$(item "$k")" ] || missing="$missing $k"
done
tap_is "$missing" "" "template: every trigger expression names an item of the template"
tap_like "$(grep -c "priority: HIGH" "$T")" '^([3-9]|[1-9][0-9])$' "template: HIGH triggers for state >= 2 and for the days"
tap_is "$(grep -cE '^ *(key|value|expression): .*(DAYS\.|-w [0-9])' "$T")" 0 \
    "template: no fixed day thresholds in keys, macros or triggers (they made every healthy 45-day certificate warn)"


# --- low-level discovery -------------------------------------------------------
agent "tls_probe.discovery.endpoints[\"$PF_SUBMISSION/submission,$DV_IMAPS/imaps\"]"
tap_diag "agent: ${LINE:0:400}"
tap_is "$(jqv '.')" "[{\"{#PORT}\":$PF_SUBMISSION,\"{#PROTOCOL}\":\"submission\"},{\"{#PORT}\":$DV_IMAPS,\"{#PROTOCOL}\":\"imaps\"}]" \
    "discovery: endpoints as the plain JSON array of Zabbix 4.2+, {#PORT} a number, {#PROTOCOL} a string"
agent "tls_probe.discovery.endpoints[]"
tap_is "$VALUE" "[]" "discovery: no endpoints, an empty array"
agent "tls_probe.discovery.endpoints[\"25/smtp,993/bogus\"]"
tap_like "$VALUE" "^tls_probe_zabbix\.sh: endpoint '993/bogus' of \"25/smtp,993/bogus\" is not PORT/PROTOCOL .*correct \{\\\$TLS_PROBE\.ENDPOINTS\}$" \
    "discovery: a bad endpoint is one sentence naming it (the rule becomes unsupported with it)"
SNI_NAMES=$(awk '!/^#/ && NF && $1 !~ /^[.*]/ { print $1 }' "$PF_DIR/sni" | jq -R . | jq -sc .)
agent "tls_probe.discovery.sni[$PF_DIR/sni]"
tap_diag "agent: ${LINE:0:400}"
tap_is "$(jqv '[.[]["{#SNI}"]]')" "$SNI_NAMES" "discovery: the SNI map's names as {#SNI}, read on the agent"
tap_ok "discovery: ... ten of them" test "$(jqv 'length')" = 10
agent "tls_probe.discovery.sni[]"
tap_is "$VALUE" "[]" "discovery: no SNI map, no names"
agent "tls_probe.discovery.sni[/etc/shadow]"
tap_like "$VALUE" "^tls_probe_zabbix\.sh: --map '/etc/shadow' is outside the directories this agent may read" \
    "discovery: an SNI map outside the roots is refused with a sentence"
agent "tls_probe.discovery.sni[$TP_TMP/roots/none.map]"
tap_like "$VALUE" "^--map: cannot read '.*/none\.map'" "discovery: a missing map: check_sni_map's sentence"
# The agent refuses '@': the wrapper's --resolver-port gives the port.
MXARGS="--resolver=${DNS_RESOLVER%@*} --resolver-port=${DNS_RESOLVER#*@} --trust-anchor=$DNS_TRUST_ANCHOR"
agent "tls_probe.discovery.mx[example.test,$MXARGS]"
tap_diag "agent: ${LINE:0:400}"
tap_is "$(jqv '.')" '[{"{#MX}":"mail.example.test","{#MX.PREFERENCE}":10},{"{#MX}":"leafonly.example.test","{#MX.PREFERENCE}":20}]' \
    "discovery: the domain's MX hosts by preference (lib/probe/mx.c through check_mail_tls --list-mx)"
agent "tls_probe.discovery.mx[-r/etc/shadow]"
tap_like "$VALUE" "^tls_probe_zabbix\.sh: DOMAIN '-r/etc/shadow' begins with '-'" "discovery: a DOMAIN beginning with '-' refused"

# The template's discovery rules: RULE|template|key, then its prototypes
# PROTO|rule key|key|type|master key|parameters, and TRIGGER|rule key|expression.
if [ -n "$ITEMS" ] && [ "${TP_NO_PYYAML:-0}" != 1 ]; then
	LLD=$(python3 - "$T" <<-'PY'
	import sys, yaml
	d = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]
	for t in d["templates"]:
	    for r in t.get("discovery_rules", []):
	        print("|".join(["RULE", t["template"], r["key"]]))
	        for i in r["item_prototypes"]:
	            pp = i.get("preprocessing", [])
	            print("|".join(["PROTO", r["key"], i["key"], i.get("type", "ZABBIX_PASSIVE"),
	                            i.get("master_item", {}).get("key", ""),
	                            ";".join(p.replace("\n", " ") for s in pp for p in s["parameters"])]))
	        for g in r.get("trigger_prototypes", []):
	            print("|".join(["TRIGGER", r["key"], g["expression"]]))
	PY
	)
	tap_diag "template discovery:" "$LLD"
	RULES=$(printf '%s\n' "$LLD" | awk -F'|' '$1 == "RULE" { print $3 }')
	tap_is "$(printf '%s\n' "$RULES" | sed 's/\[.*//' | tr '\n' ' ')" \
	    "tls_probe.discovery.endpoints tls_probe.discovery.sni tls_probe.discovery.mx " \
	    "template: discovery rules for endpoints, SNI map names and MX hosts"
	bad=
	for k in $(printf '%s\n' "$RULES" | sed 's/\[.*//'); do
		grep -q "^UserParameter=$k\[\*\]," "$UP" || bad="$bad $k"
	done
	tap_is "$bad" "" "template: every discovery key is a UserParameter"
	while IFS= read -r rule; do
		name=${rule%%\[*}; name=${name##*.}
		masters=$(printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" '$1 == "PROTO" && $2 == r && $4 == "ZABBIX_PASSIVE" { print $3 }')
		tap_is "$(printf '%s\n' "$masters" | grep -c .)" 1 "template: $name discovery: one master item prototype"
		tap_is "$(printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" -v m="$masters" '$1 == "PROTO" && $2 == r && $4 == "DEPENDENT" && $5 != m' | wc -l)" 0 \
		    "template: $name discovery: every other prototype depends on it"
		tap_is "$(printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" '$1 == "PROTO" && $2 == r { sub(/\[.*/, "", $3); print $3 }' | sort | tr '\n' ' ')" \
		    "tls_probe.mail_tls tls_probe.mail_tls.days_crit tls_probe.mail_tls.days_left tls_probe.mail_tls.days_warn tls_probe.mail_tls.lifetime_left tls_probe.mail_tls.state tls_probe.mail_tls.summary " \
		    "template: $name discovery: state, summary, days left, its thresholds and lifetime left"
		missing=
		for k in $(printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" '$1 == "TRIGGER" && $2 == r { print $3 }' |
		    grep -o 'last(/TLS probe [^/]*/[^)]*)' | sed 's|^last(/TLS probe [^/]*/||; s|)$||' | sort -u); do
			printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" -v k="$k" '$1 == "PROTO" && $2 == r && $3 == k' | grep -q . ||
			    missing="$missing $k"
		done
		tap_is "$missing" "" "template: $name discovery: every trigger prototype names one of its item prototypes"
		tap_is "$(printf '%s\n' "$LLD" | awk -F'|' -v r="$rule" '$1 == "TRIGGER" && $2 == r' |
		    grep -c 'days_left.*<last(.*days_crit\|days_left.*<last(.*days_warn\|state\[.*)>=2\|state\[.*)=1')" 4 \
		    "template: $name discovery: trigger prototypes on the plugin's own thresholds and on the state"
	done <<-EOF
	$RULES
	EOF
	# lld KEY: the agent's answer for an item prototype KEY with the user
	# macros expanded and the LLD macros of MACROS (a JSON object) set.
	lld() {
		local k m
		k=$(expand "$1")
		k=${k//\{\$TLS_PROBE.SNI_MAP\}/$PF_DIR/sni}
		k=${k//\{\$TLS_PROBE.SNI_MAP.ARGS\}/}
		k=${k//\{\$TLS_PROBE.MX.DISCOVERY.ARGS\}/$MXARGS}
		k=${k//\{\$TLS_PROBE.MX.ARGS\}/-p $PF_SMTP -r $PKI/root.crt --all-addresses $MXARGS}
		k=${k//\{\$TLS_PROBE.ENDPOINTS\}/$PF_SUBMISSION/submission,$DV_IMAPS/imaps}
		for m in $(printf '%s' "$MACROS" | jq -r 'keys[]'); do
			k=${k//$m/$(printf '%s' "$MACROS" | jq -r --arg m "$m" '.[$m]')}
		done
		agent "$k"
	}
	proto() {	# proto RULE-PATTERN NAME: the key of RULE's prototype NAME
		printf '%s\n' "$LLD" | awk -F'|' -v r="$1" -v n="$2" '$1 == "PROTO" && $2 ~ r && $3 ~ "^" n "(\\[|$)" { print $3 }'
	}
	# Endpoints: the rule's key answered, then the master of each endpoint.
	MACROS='{}'
	lld "$(printf '%s\n' "$RULES" | grep endpoints)"
	ENDPOINTS=$VALUE
	tap_is "$(jqv 'length')" 2 "template: the endpoints rule's key, macros expanded, discovers two endpoints"
	for i in 0 1; do
		MACROS=$(printf '%s' "$ENDPOINTS" | jq -c ".[$i] | map_values(tostring)")
		lld "$(proto endpoints 'tls_probe\.mail_tls')"
		tap_is "$(jqv '[.exit_code, (.facts.port | tostring)]')" "[0,$(printf '%s' "$MACROS" | jq '.["{#PORT}"]')]" \
		    "template: discovered endpoint $(printf '%s' "$MACROS" | jq -r '.["{#PROTOCOL}"]'): its master item gets OK from that port"
		tap_is "$(jqv '[.perfdata[].label] | contains(["days_left", "time_left", "lifetime"])')" true \
		    "template: ... with the perfdata its dependent items read (days left, time left and lifetime for the share)"
	done
	# lifetime_left's JavaScript (Zabbix runs it in Duktape, ES5) on that
	# answer, in node when installed: the share jq computes, as JSON for the
	# next step ($.share, discarded when absent: Zabbix 6.0 allows no
	# error handler on a JavaScript step).
	if command -v node >/dev/null 2>&1; then
		printf '%s' "$VALUE" >"$Z/value.json"
		python3 - "$T" >"$Z/lifetime.js" <<-'PY'
		import sys, yaml
		for t in yaml.safe_load(open(sys.argv[1]))["zabbix_export"]["templates"]:
		    for r in t.get("discovery_rules", []):
		        for i in r["item_prototypes"]:
		            for p in i.get("preprocessing", []):
		                if p["type"] == "JAVASCRIPT" and r["key"].startswith("tls_probe.discovery.endpoints"):
		                    print(p["parameters"][0])
		PY
		share=$(node -e 'const fs = require("fs");
	const f = new Function("value", fs.readFileSync(process.argv[1], "utf8"));
	console.log(JSON.parse(f(fs.readFileSync(process.argv[2], "utf8"))).share.toFixed(3));' "$Z/lifetime.js" "$Z/value.json" 2>&1)
		tap_is "$share" "$(jqv '[.perfdata[] | select(.label == "time_left" or .label == "lifetime") | .value] | (100 * .[0] / .[1] * 1000 | round) / 1000' | awk '{ printf "%.3f", $1 }')" \
		    "template: lifetime_left's JavaScript gives the share of the leaf's lifetime left ($share %)"
		share=$(node -e 'const fs = require("fs");
	const f = new Function("value", fs.readFileSync(process.argv[1], "utf8"));
	console.log(f("{\"perfdata\":[]}"));' "$Z/lifetime.js" 2>&1)
		tap_is "$share" "{}" \
		    "template: ... and gives no share without a certificate (the next step, \$.share, discards the value)"
	else
		tap_skip "node not installed: lifetime_left's JavaScript not run"
	fi
	# SNI map names: a good name and the leaf-only one.
	MACROS='{}'
	lld "$(printf '%s\n' "$RULES" | grep sni)"
	tap_is "$(jqv '[.[]["{#SNI}"]]')" "$SNI_NAMES" "template: the SNI rule's key, macros expanded, discovers the map's names"
	A="-r $PKI/root.crt"
	MACROS='{"{#SNI}":"other.example.test"}'
	lld "$(proto 'discovery\.sni' 'tls_probe\.mail_tls')"
	tap_is "$(jqv '[.exit_code, (.summary | test(" cert other\\.example\\.test "))]')" '[0,true]' \
	    "template: discovered name other.example.test: its master item asks by SNI and gets OK"
	MACROS='{"{#SNI}":"leafonly.example.test"}'
	lld "$(proto 'discovery\.sni' 'tls_probe\.mail_tls')"
	tap_is "$(jqv '.exit_code')" 2 "template: discovered name leafonly.example.test (leaf only): CRITICAL"
	# MX hosts, through the DNS fixture.
	MACROS='{}'
	lld "$(printf '%s\n' "$RULES" | grep mx)"
	MXS=$VALUE
	tap_is "$(jqv '[.[]["{#MX}"]]')" '["mail.example.test","leafonly.example.test"]' \
	    "template: the MX rule's key, macros expanded, discovers the domain's MX hosts"
	MACROS=$(printf '%s' "$MXS" | jq -c '.[0] | map_values(tostring)')
	lld "$(proto 'discovery\.mx' 'tls_probe\.mail_tls')"
	tap_is "$(jqv '.exit_code')" 0 "template: MX mail.example.test: its master item gets OK (the fixture's Postfix, -p in {\$TLS_PROBE.MX.ARGS})"
	MACROS=$(printf '%s' "$MXS" | jq -c '.[1] | map_values(tostring)')
	lld "$(proto 'discovery\.mx' 'tls_probe\.mail_tls')"
	tap_is "$(jqv '.exit_code')" 2 "template: MX leafonly.example.test (leaf only): CRITICAL"
else
	tap_skip "python3 yaml not available, the discovery rules are not read"
fi

tap_done
