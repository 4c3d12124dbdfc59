# zabbix_server.t - contrib/zabbix's templates imported into a real Zabbix
# 6.0 server (t/lib/zabbix_server.sh: private PostgreSQL, zabbix_server and
# the frontend's API under php -S) with configuration.import, and read back
# through the API: the templates, their items, discovery rules, prototypes
# and triggers as the file defines them.  Then a host linked to 'TLS probe
# mail', polled through a real zabbix_agentd with our UserParameters,
# discovers the fixture's Postfix endpoints, a good one and one serving its
# leaf without the intermediate; their states arrive (history.get) and a
# problem is raised for the broken one only (problem.get).  Two more hosts
# discover the names of the fixture's SNI map and example.test's MX hosts
# (NSD) through the server (item.get).  Some 1.5 minutes, most of it
# starting Zabbix and waiting for the server's polls.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/zabbix_server.sh"
. "$top_srcdir/t/lib/dns.sh"
command -v zabbix_agentd >/dev/null 2>&1 || tap_skip_all "zabbix_agentd not installed (zabbix-agent)"
zbx_require
fixture_require
dns_require
fixture_pki
# A listener that serves mail.example.test's leaf without its intermediate
# (the SNI map's leafonly.example.test, as the only certificate of a port).
fixture_postfix_extra_master() {
	PF_LEAFONLY=$(fixture__freeports 1)
	echo "127.0.0.1:$PF_LEAFONLY inet n - n - - smtpd -o tls_server_sni_maps=" \
	    "-o smtpd_tls_security_level=encrypt -o smtpd_tls_chain_files=$PKI/mail.key,$PKI/mail.crt"
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.1:$PF_LEAFONLY"
}
fixture_start_postfix
# MX records for a domain's discovery: the good MX and the leaf-only name.
dns_start_zone signed "$(printf '%s\n' \
    "example.test. IN MX 10 mail.example.test." \
    "example.test. IN MX 20 leafonly.example.test." \
    "mail.example.test. IN A 127.0.0.1" \
    "leafonly.example.test. IN A 127.0.0.1")"
zbx_start
tap_diag "Zabbix started in $SECONDS s (loading $ZBX_LOAD_TIMES)"
T=$top_srcdir/contrib/zabbix/template_tls_probe.yaml

tap_like "$(zbx_version)" '^6\.0\.' "the API answers: Zabbix 6.0"

R='{"createMissing":true,"updateExisting":true}'
zbx_api configuration.import "$(jq -nc --rawfile src "$T" --argjson r "$R" \
    '{format: "yaml", source: $src, rules: {groups: {createMissing: true}, templates: $r, items: $r,
      triggers: $r, discoveryRules: $r, valueMaps: $r}}')"
tap_diag "import: $ZBX_REPLY"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c '.result // .error')" true "configuration.import of template_tls_probe.yaml succeeds"

zbx_api template.get '{"output":["host"],"filter":{"host":["TLS probe mail","TLS probe MTA-STS","TLS probe TLS-RPT"]}}'
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c '[.result[].host] | sort')" '["TLS probe MTA-STS","TLS probe TLS-RPT","TLS probe mail"]' \
    "the three templates exist"
TIDS=$(printf '%s' "$ZBX_REPLY" | jq -c '[.result[].templateid]')

# What the file defines, counted with jq on the YAML's items (python3 yaml).
if python3 -c "import yaml" 2>/dev/null; then
	want() { python3 - "$T" "$1" <<-'PY'
	import sys, yaml
	d = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]
	k = sys.argv[2]
	if k == "items":
	    print(sum(len(t.get("items", [])) for t in d["templates"]))
	elif k == "rules":
	    print(sum(len(t.get("discovery_rules", [])) for t in d["templates"]))
	elif k == "prototypes":
	    print(sum(len(r["item_prototypes"]) for t in d["templates"] for r in t.get("discovery_rules", [])))
	elif k == "triggerprototypes":
	    print(sum(len(r.get("trigger_prototypes", [])) for t in d["templates"] for r in t.get("discovery_rules", [])))
	elif k == "triggers":
	    print(len(d.get("triggers", [])) + sum(len(i.get("triggers", [])) for t in d["templates"] for i in t.get("items", [])))
	PY
	}
	zbx_api item.get "{\"output\":\"count\",\"templateids\":$TIDS,\"countOutput\":true}"
	tap_is "$(printf '%s' "$ZBX_REPLY" | jq -r .result)" "$(want items)" "every item of the file is in the server"
	zbx_api discoveryrule.get "{\"output\":[\"key_\"],\"templateids\":$TIDS}"
	tap_is "$(printf '%s' "$ZBX_REPLY" | jq -r '[.result[].key_ | sub("\\[.*"; "")] | sort | join(" ")')" \
	    "tls_probe.discovery.endpoints tls_probe.discovery.mx tls_probe.discovery.sni" "the three discovery rules are in the server"
	zbx_api itemprototype.get "{\"templateids\":$TIDS,\"countOutput\":true}"
	tap_is "$(printf '%s' "$ZBX_REPLY" | jq -r .result)" "$(want prototypes)" "every item prototype is in the server"
	zbx_api triggerprototype.get "{\"templateids\":$TIDS,\"countOutput\":true}"
	tap_is "$(printf '%s' "$ZBX_REPLY" | jq -r .result)" "$(want triggerprototypes)" "every trigger prototype is in the server"
	zbx_api trigger.get "{\"templateids\":$TIDS,\"countOutput\":true}"
	tap_is "$(printf '%s' "$ZBX_REPLY" | jq -r .result)" "$(want triggers)" "every trigger is in the server"
else
	tap_skip "python3 yaml not available: the counts are not compared"
fi
# A second import (an upgrade of the templates) changes nothing and fails not.
zbx_api configuration.import "$(jq -nc --rawfile src "$T" --argjson r "$R" \
    '{format: "yaml", source: $src, rules: {templates: $r, items: $r, triggers: $r, discoveryRules: $r, valueMaps: $r}}')"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c '.result // .error')" true "importing the file again (an upgrade) succeeds"

# --- a host, a real agent, discovery and values --------------------------------
C=$top_srcdir/contrib/zabbix
STATE=$TP_TMP/agent-state
sed "s|/usr/local/libexec/nagios/plugins/tls_probe_zabbix.sh|TLS_PROBE_PLUGINDIR=$top_builddir/plugins TLS_PROBE_ZABBIX_ROOTS=$PKI:$PF_DIR:$DNS_DIR TLS_PROBE_ZABBIX_STATE_DIR=$STATE $C/tls_probe_zabbix.sh|" \
    "$C/userparameter_tls_probe.conf" >"$TP_TMP/userparameter_tls_probe.conf"
zbx_start_agent "Include=$TP_TMP/userparameter_tls_probe.conf"
zbx_api template.get '{"output":["templateid"],"filter":{"host":["TLS probe mail"]}}'
TMAIL=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].templateid')
zbx_api hostgroup.get '{"output":["groupid"],"filter":{"name":["Linux servers"]}}'
GID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].groupid')
zbx_api host.create "$(jq -nc --arg port "$ZBX_AGENT_PORT" --arg t "$TMAIL" --arg g "$GID" \
    --arg ep "$PF_SUBMISSION/submission,$PF_LEAFONLY/submission" --arg args "-r $PKI/root.crt --sni mail.example.test" \
    --arg sub "$PF_SUBMISSION" \
    '{host: "mail-test", interfaces: [{type: 1, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: $port}],
      groups: [{groupid: $g}], templates: [{templateid: $t}],
      macros: [{macro: "{$TLS_PROBE.HOST}", value: "127.0.0.1"}, {macro: "{$TLS_PROBE.PORT}", value: $sub},
        {macro: "{$TLS_PROBE.PORTS}", value: ($sub + "/submission")},
        {macro: "{$TLS_PROBE.ENDPOINTS}", value: $ep}, {macro: "{$TLS_PROBE.ARGS}", value: $args},
        {macro: "{$TLS_PROBE.DISCOVERY.INTERVAL}", value: "5s"}, {macro: "{$TLS_PROBE.INTERVAL}", value: "10s"}]}')"
HID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result.hostids[0] // empty')
tap_ok "a host linked to 'TLS probe mail' with the fixture's endpoints is created ($ZBX_REPLY)" test -n "$HID"
# Discovery of names, through the server: a host with the fixture's SNI
# map (read on the agent), one with a domain's MX (NSD's records); their
# items are polled hourly, only the discovered keys are looked at.
zbx_api template.get '{"output":["templateid"],"filter":{"host":["TLS probe MTA-STS"]}}'
TMTASTS=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].templateid')
zbx_api host.create "$(jq -nc --arg port "$ZBX_AGENT_PORT" --arg t "$TMAIL" --arg g "$GID" --arg map "$PF_DIR/sni" \
    --arg sub "$PF_SUBMISSION" --arg args "-r $PKI/root.crt" \
    '{host: "sni-test", interfaces: [{type: 1, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: $port}],
      groups: [{groupid: $g}], templates: [{templateid: $t}],
      macros: [{macro: "{$TLS_PROBE.HOST}", value: "127.0.0.1"}, {macro: "{$TLS_PROBE.PORT}", value: $sub},
        {macro: "{$TLS_PROBE.ENDPOINTS}", value: ""}, {macro: "{$TLS_PROBE.SNI_MAP}", value: $map},
        {macro: "{$TLS_PROBE.ARGS}", value: $args},
        {macro: "{$TLS_PROBE.DISCOVERY.INTERVAL}", value: "5s"}, {macro: "{$TLS_PROBE.INTERVAL}", value: "1h"}]}')"
SNI_HID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result.hostids[0] // empty')
tap_ok "a host with {\$TLS_PROBE.SNI_MAP} the fixture's map is created ($ZBX_REPLY)" test -n "$SNI_HID"
zbx_api host.create "$(jq -nc --arg port "$ZBX_AGENT_PORT" --arg t "$TMTASTS" --arg g "$GID" \
    --arg mx "--resolver=${DNS_RESOLVER%@*} --resolver-port=${DNS_RESOLVER#*@} --trust-anchor=$DNS_TRUST_ANCHOR" \
    '{host: "mx-test", interfaces: [{type: 1, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: $port}],
      groups: [{groupid: $g}], templates: [{templateid: $t}],
      macros: [{macro: "{$TLS_PROBE.DOMAIN}", value: "example.test"}, {macro: "{$TLS_PROBE.MX.DISCOVERY.ARGS}", value: $mx},
        {macro: "{$TLS_PROBE.DISCOVERY.INTERVAL}", value: "5s"}, {macro: "{$TLS_PROBE.INTERVAL}", value: "1h"},
        {macro: "{$TLS_PROBE.MTA_STS.INTERVAL}", value: "1h"}]}')"
MX_HID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result.hostids[0] // empty')
tap_ok "a host with {\$TLS_PROBE.DOMAIN} example.test is created ($ZBX_REPLY)" test -n "$MX_HID"
# state_of PORT: the last state value of the discovered endpoint, in STATE
# (empty while it is not discovered or has no value yet).
state_of() {
	local id
	STATE_VALUE=
	zbx_api item.get "{\"output\":[\"itemid\"],\"hostids\":[\"$HID\"],\"filter\":{\"key_\":\"tls_probe.mail_tls.state[$1,submission]\"}}"
	id=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].itemid // empty')
	[ -n "$id" ] || return 0
	zbx_api history.get "{\"output\":\"extend\",\"history\":3,\"itemids\":[\"$id\"],\"sortfield\":\"clock\",\"sortorder\":\"DESC\",\"limit\":1}"
	STATE_VALUE=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].value // empty')
}
# Discovery, then the discovered items' first values: within 2 minutes
# (some 15 s here, discovery every 5 s, the items every 10 s).
t0=$SECONDS good= bad=
while ((SECONDS - t0 < 120)); do
	state_of "$PF_SUBMISSION"
	good=$STATE_VALUE
	state_of "$PF_LEAFONLY"
	bad=$STATE_VALUE
	[ -n "$good" ] && [ -n "$bad" ] && break
	sleep 1
done
tap_diag "after $((SECONDS - t0)) s: states '$good' '$bad'"
zbx_api item.get "{\"output\":[\"key_\"],\"hostids\":[\"$HID\"],\"search\":{\"key_\":\"tls_probe.mail_tls.state[\"}}"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c '[.result[].key_] | sort')" \
    "$(jq -nc --arg a "tls_probe.mail_tls.state[$PF_SUBMISSION,submission]" --arg b "tls_probe.mail_tls.state[$PF_LEAFONLY,submission]" '[$a, $b] | sort')" \
    "the host discovered both endpoints of {\$TLS_PROBE.ENDPOINTS}"
tap_is "$good" 0 "history.get: the good endpoint's state is 0 (OK), from the agent"
tap_is "$bad" 2 "history.get: the leaf-only endpoint (no intermediate sent) is 2 (CRITICAL)"
# keys_of HOSTID PREFIX: the sorted keys of the host's items beginning so.
keys_of() {
	zbx_api item.get "{\"output\":[\"key_\"],\"hostids\":[\"$1\"],\"search\":{\"key_\":\"$2\"},\"startSearch\":true}"
	KEYS=$(printf '%s' "$ZBX_REPLY" | jq -c '[.result[].key_] | sort')
}
WANT_SNI=$("$top_builddir/plugins/check_sni_map" --map="$PF_DIR/sni" --list-names |
    jq -R '"tls_probe.mail_tls.state[sni," + . + "]"' | jq -sc 'sort')
WANT_MX='["tls_probe.mail_tls.state[mx,leafonly.example.test]","tls_probe.mail_tls.state[mx,mail.example.test]"]'
t0=$SECONDS
while ((SECONDS - t0 < 60)); do
	keys_of "$SNI_HID" "tls_probe.mail_tls.state[sni,"
	sni=$KEYS
	keys_of "$MX_HID" "tls_probe.mail_tls.state[mx,"
	mx=$KEYS
	[ "$sni" = "$WANT_SNI" ] && [ "$mx" = "$WANT_MX" ] && break
	sleep 1
done
tap_is "$sni" "$WANT_SNI" "item.get: the server discovered one item per name of the SNI map (check_sni_map --list-names on the agent)"
tap_ok "... ten of them" test "$(printf '%s' "$sni" | jq length)" = 10
tap_is "$mx" "$WANT_MX" "item.get: the server discovered one item per MX of example.test (check_mail_tls --mx --list-mx, --resolver-port)"
t0=$SECONDS
while ((SECONDS - t0 < 60)); do
	zbx_api problem.get "{\"output\":[\"name\"],\"hostids\":[\"$HID\"]}"
	printf '%s' "$ZBX_REPLY" | jq -e --arg p "port $PF_LEAFONLY is" '[.result[].name | select(contains($p))] | length > 0' >/dev/null && break
	sleep 1
done
tap_diag "problems after $((SECONDS - t0)) s: $ZBX_REPLY"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c --arg p "$PF_LEAFONLY" '[.result[].name | select(contains("port " + $p + " is"))]')" \
    "[\"TLS probe: submission port $PF_LEAFONLY is CRITICAL (2)\"]" "problem.get: the trigger prototype fired for the leaf-only endpoint, by its state's name"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c --arg p "$PF_SUBMISSION" '[.result[].name | select(startswith("TLS probe: submission port " + $p + " "))]')" "[]" \
    "problem.get: none for the good endpoint"
t0=$SECONDS
zbx_stop
tap_diag "stopped in $((SECONDS - t0)) s"
tap_is "$ZBX_LEFT" "" "zabbix_agentd, zabbix_server, php and PostgreSQL stopped, with every process of their sessions"
tap_is "$(zbx_leftovers)" "" "nothing of them is left running"
tap_diag "$SECONDS s in all"
tap_done
