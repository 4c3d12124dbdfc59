# zabbix_server.t - contrib/zabbix's templates imported into a real Zabbix
# 6.0 server (t/lib/zabbix_server.sh: private PostgreSQL, zabbix_server and
# the frontend's API under php -S) with configuration.import, and read back
# through the API: the templates, their items, discovery rules, prototypes
# and triggers as the file defines them.  Then a host linked to 'TLS probe
# mail', polled through a real zabbix_agentd with our UserParameters,
# discovers the fixture's Postfix endpoints; their states arrive
# (history.get) and a problem is raised for the broken one (problem.get).
# That second part runs only with TP_ZABBIX_E2E=1 for now: it passed once
# here in 2 minutes, and hung the next time in API calls that timed out
# (php -S under a loaded machine?) - to be made reliable before CI runs it.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/zabbix_server.sh"
command -v zabbix_agentd >/dev/null 2>&1 || tap_skip_all "zabbix_agentd not installed (zabbix-agent)"
zbx_require
fixture_require
fixture_pki
fixture_start_postfix
zbx_start
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
if [ "${TP_ZABBIX_E2E:-0}" != 1 ]; then
	tap_skip "a host discovering the fixture's endpoints through a real agent (set TP_ZABBIX_E2E=1)"
else
C=$top_srcdir/contrib/zabbix
Z=$TP_TMP/agent
mkdir -p "$Z"
AGENT_PORT=$(zbx__port)
sed "s|/usr/local/libexec/nagios/plugins/tls_probe_zabbix.sh|TLS_PROBE_PLUGINDIR=$top_builddir/plugins TLS_PROBE_ZABBIX_ROOTS=$PKI:$PF_DIR TLS_PROBE_ZABBIX_STATE_DIR=$Z/state $C/tls_probe_zabbix.sh|" \
    "$C/userparameter_tls_probe.conf" >"$Z/userparameter_tls_probe.conf"
cat >"$Z/zabbix_agentd.conf" <<CONF
# private agent for t/zabbix_server.t
Server=127.0.0.1
ServerActive=
ListenIP=127.0.0.1
ListenPort=$AGENT_PORT
PidFile=$Z/zabbix_agentd.pid
LogFile=$Z/zabbix_agentd.log
Timeout=15
StartAgents=3
AllowRoot=1
UnsafeUserParameters=0
Include=$Z/userparameter_tls_probe.conf
CONF
zabbix_agentd -c "$Z/zabbix_agentd.conf" || tap_bail "zabbix_agentd did not start"
FIXTURE_PIDFILES+=("$Z/zabbix_agentd.pid")
zbx_api template.get '{"output":["templateid"],"filter":{"host":["TLS probe mail"]}}'
TMAIL=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].templateid')
zbx_api hostgroup.get '{"output":["groupid"],"filter":{"name":["Linux servers"]}}'
GID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].groupid')
zbx_api host.create "$(jq -nc --arg port "$AGENT_PORT" --arg t "$TMAIL" --arg g "$GID" \
    --arg ep "$PF_SUBMISSION/submission,$PF_NOTLS/submission" --arg args "-r $PKI/root.crt --sni mail.example.test" \
    --arg sub "$PF_SUBMISSION" \
    '{host: "mail-test", interfaces: [{type: 1, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: $port}],
      groups: [{groupid: $g}], templates: [{templateid: $t}],
      macros: [{macro: "{$TLS_PROBE.HOST}", value: "127.0.0.1"}, {macro: "{$TLS_PROBE.PORT}", value: $sub},
        {macro: "{$TLS_PROBE.PORTS}", value: ($sub + "/submission")},
        {macro: "{$TLS_PROBE.ENDPOINTS}", value: $ep}, {macro: "{$TLS_PROBE.ARGS}", value: $args},
        {macro: "{$TLS_PROBE.DISCOVERY.INTERVAL}", value: "5s"}, {macro: "{$TLS_PROBE.INTERVAL}", value: "10s"}]}')"
HID=$(printf '%s' "$ZBX_REPLY" | jq -r '.result.hostids[0] // empty')
tap_ok "a host linked to 'TLS probe mail' with the fixture's endpoints is created ($ZBX_REPLY)" test -n "$HID"
# Discovery, then the discovered items' first values: within 3 minutes.
state_of() {	# state_of PORT: the last state value of the discovered endpoint
	local id
	zbx_api item.get "{\"output\":[\"itemid\"],\"hostids\":[\"$HID\"],\"filter\":{\"key_\":\"tls_probe.mail_tls.state[$1,submission]\"}}"
	id=$(printf '%s' "$ZBX_REPLY" | jq -r '.result[0].itemid // empty')
	[ -n "$id" ] || return 0
	zbx_api history.get "{\"output\":\"extend\",\"history\":3,\"itemids\":[\"$id\"],\"sortfield\":\"clock\",\"sortorder\":\"DESC\",\"limit\":1}"
	printf '%s' "$ZBX_REPLY" | jq -r '.result[0].value // empty'
}
for ((i = 0; i < 180; i++)); do
	good=$(state_of "$PF_SUBMISSION") bad=$(state_of "$PF_NOTLS")
	[ -n "$good" ] && [ -n "$bad" ] && break
	sleep 1
done
tap_diag "after ${i} s: states $good $bad"
zbx_api item.get "{\"output\":[\"key_\"],\"hostids\":[\"$HID\"],\"search\":{\"key_\":\"tls_probe.mail_tls.state[\"}}"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c '[.result[].key_] | sort')" \
    "[\"tls_probe.mail_tls.state[$PF_NOTLS,submission]\",\"tls_probe.mail_tls.state[$PF_SUBMISSION,submission]\"]" \
    "the host discovered both endpoints of {\$TLS_PROBE.ENDPOINTS}"
tap_is "$good" 0 "history.get: the good endpoint's state is 0 (OK), from the agent"
tap_is "$bad" 2 "history.get: the endpoint without STARTTLS is 2 (CRITICAL)"
for ((i = 0; i < 60; i++)); do
	zbx_api problem.get "{\"output\":[\"name\"],\"hostids\":[\"$HID\"]}"
	printf '%s' "$ZBX_REPLY" | jq -e --arg p "port $PF_NOTLS is" '[.result[].name | select(contains($p))] | length > 0' >/dev/null && break
	sleep 1
done
tap_diag "problems: $ZBX_REPLY"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c --arg p "$PF_NOTLS" '[.result[].name | select(contains("port " + $p + " is"))]')" \
    "[\"TLS probe: submission port $PF_NOTLS is CRITICAL (2)\"]" "problem.get: the trigger prototype fired for the broken endpoint, by its state's name"
tap_is "$(printf '%s' "$ZBX_REPLY" | jq -c --arg p "$PF_SUBMISSION" '[.result[].name | select(contains("port " + $p + " "))]')" "[]" \
    "problem.get: none for the good endpoint"
fi
zbx_stop
tap_ok "zabbix_server, php and PostgreSQL stopped" test -z "$(fixture__pids "$ZBX_DIR/server/zabbix_server.pid" "$ZBX_DIR/php.pid" "$ZBX_DIR/pg/postmaster.pid")"
tap_done
