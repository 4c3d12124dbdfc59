# zabbix_server.t - contrib/zabbix's templates imported into a real Zabbix
# 6.0 server (t/lib/zabbix_server.sh: private PostgreSQL, zabbix_server and
# the frontend's API under php -S) with configuration.import, and read back
# through the API: the templates, their items, discovery rules, prototypes
# and triggers as the file defines them.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/zabbix_server.sh"
zbx_require
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
zbx_stop
tap_ok "zabbix_server, php and PostgreSQL stopped" test -z "$(fixture__pids "$ZBX_DIR/server/zabbix_server.pid" "$ZBX_DIR/php.pid" "$ZBX_DIR/pg/postmaster.pid")"
tap_done
