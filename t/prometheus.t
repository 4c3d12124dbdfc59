# prometheus.t - contrib/prometheus proven: the alerting rules pass
# `promtool check rules` and their unit tests (firing and not firing); the
# textfile wrapper runs the checks of its config against the fixture's
# Postfix and Dovecot and replaces each file by a rename, never leaving a
# half file or a temporary one; and a real node_exporter serving that
# directory, scraped by a real Prometheus (both on 127.0.0.1 at free ports,
# from private directories), answers the HTTP API with the certificates'
# notAfter as openssl reads it and the checks' states.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
for cmd in promtool prometheus prometheus-node-exporter curl jq; do
	command -v "$cmd" >/dev/null 2>&1 ||
		tap_bail "$cmd not installed (contrib/setup-debian.sh installs it)"
done
P=$top_srcdir/contrib/prometheus
WRAP=$P/tls-probe-textfile

# --- the rules ---------------------------------------------------------------------
tap_ok "promtool check rules: the alerting rules are valid" promtool check rules "$P/tls-probe.rules.yml"
tap_ok "promtool test rules: each alert fires when it should, and only then" \
    sh -c 'cd "$1" && promtool test rules tls-probe.rules.test.yml' sh "$P"

# --- the wrapper ------------------------------------------------------------------
fixture_pki
fixture_start_postfix
fixture_start_dovecot
T=$TP_TMP
DIR=$T/textfile
mkdir -p "$DIR"
cat >"$T/textfile.conf" <<EOF
# the fixture's mail server
submission check_mail_tls -r $PKI/root.crt -H 127.0.0.1 -p $PF_SUBMISSION -P submission --sni mail.example.test
imaps      check_mail_tls -r $PKI/root.crt -H 127.0.0.1 -p $DV_IMAPS -P imaps --sni mail.example.test
leafonly   check_cert_chain -r $PKI/root.crt -H 127.0.0.1 -p $PF_SMTP -P smtp --sni leafonly.example.test

broken     check_mail_tls -H 127.0.0.1 -p 0
bad/name   check_mail_tls -H 127.0.0.1
notours    cat /etc/passwd
EOF
RC=0
"$WRAP" -c "$T/textfile.conf" -d "$DIR" -p "$top_builddir/plugins" 2>"$T/wrap.err" || RC=$?
tap_is "$RC" 1 "the wrapper exits 1 when a check printed no document"
tap_is "$(cd "$DIR" && ls -A | sort | tr '\n' ' ')" \
    "tls_probe_broken.prom tls_probe_imaps.prom tls_probe_leafonly.prom tls_probe_notours.prom tls_probe_submission.prom " \
    "one file per check named in the config, no temporary file left"
for f in "$DIR"/*.prom; do
	tap_ok "promtool check metrics accepts ${f##*/}" sh -c 'promtool check metrics <"$1"' sh "$f"
done
tap_like "$(cat "$DIR/tls_probe_submission.prom")" \
    "tls_probe_check_state\{name=\"submission\",check=\"mail_tls\",[^}]*port=\"$PF_SUBMISSION\"[^}]*\} 0" "the submission check's state is 0, labelled with its name in the config"
tap_like "$(cat "$DIR/tls_probe_leafonly.prom")" 'tls_probe_check_state\{name="leafonly",check="cert_chain"[^}]*\} 2' \
    "the leaf-only check's state is 2"
tap_like "$(cat "$DIR/tls_probe_broken.prom")" 'tls_probe_textfile_run_ok\{name="broken"\} 0' \
    "a check with a usage error: run_ok 0, and no plugin series"
tap_like "$(cat "$T/wrap.err")" "line 6 \(broken\): check_mail_tls printed no document" \
    "... said on stderr with its line"
tap_like "$(cat "$T/wrap.err")" "line 7: the name 'bad/name' may hold only" "a name with a '/' is refused"
tap_like "$(cat "$T/wrap.err")" "line 8: 'cat' is not a tls-probe plugin" "only tls-probe plugins are run"
tap_like "$(cat "$DIR/tls_probe_notours.prom")" 'tls_probe_textfile_run_ok\{name="notours"\} 0' \
    "... its document says run_ok 0 (an old document of that name does not stay)"
before=$(stat -c %i "$DIR/tls_probe_submission.prom")
exec {old}<"$DIR/tls_probe_submission.prom"
"$WRAP" -c "$T/textfile.conf" -d "$DIR" -p "$top_builddir/plugins" 2>/dev/null || true
tap_unlike "$(stat -c %i "$DIR/tls_probe_submission.prom")" "^$before\$" \
    "a second run replaces the file by a rename (a new inode), not by rewriting it"
tap_like "$(cat <&"$old")" $'# EOF$' "... a reader of the old file still reads it whole"
exec {old}<&-
tap_is "$(cd "$DIR" && ls -A | grep -vc '\.prom$')" 0 "... and no temporary file is left"
RC=0
"$WRAP" -c "$T/none.conf" -d "$DIR" 2>"$T/wrap.err" || RC=$?
tap_is "$RC:$(cat "$T/wrap.err")" "2:tls-probe-textfile: cannot read the config file '$T/none.conf' (-c)" \
    "a missing config file: exit 2, the file named"

# A check taken out of the config: its file goes; other collectors' files stay.
DIR2=$T/textfile2
mkdir -p "$DIR2"
echo 'other_metric 1' >"$DIR2/other.prom"
"$WRAP" -c "$T/textfile.conf" -d "$DIR2" -p "$top_builddir/plugins" 2>/dev/null || true
grep '^submission ' "$T/textfile.conf" >"$T/one.conf"
"$WRAP" -c "$T/one.conf" -d "$DIR2" -p "$top_builddir/plugins" 2>/dev/null || true
tap_is "$(cd "$DIR2" && ls -A | sort | tr '\n' ' ')" "other.prom tls_probe_submission.prom " \
    "checks taken out of the config take their files with them; another collector's file stays"

# --- a real node_exporter and Prometheus ----------------------------------------------
read -r NE_PORT PROM_PORT < <(fixture__freeports 2 | tr '\n' ' ')
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" \
    --collector.disable-defaults --collector.textfile --collector.textfile.directory="$DIR" \
    >"$T/node_exporter.log" 2>&1 &
echo $! >"$T/node_exporter.pid"
FIXTURE_PIDFILES+=("$T/node_exporter.pid")
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $P/tls-probe.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$NE_PORT']
EOF
mkdir -p "$T/tsdb"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prometheus.log" 2>&1 &
echo $! >"$T/prometheus.pid"
FIXTURE_PIDFILES+=("$T/prometheus.pid")
fixture__wait_ports "node_exporter and prometheus" "127.0.0.1:$NE_PORT" "127.0.0.1:$PROM_PORT" ||
	tap_bail "node_exporter or prometheus did not start: $(tail -n 5 "$T/node_exporter.log" "$T/prometheus.log")"

# query PROMQL: the value of the one series it returns ("" until scraped).
query() {
	curl -s --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r 'if (.data.result | length) == 1 then .data.result[0].value[1] else "" end'
}
# query_wait PROMQL: query until it answers, at most 30 s.
query_wait() {
	local got i
	for ((i = 0; i < 60; i++)); do
		got=$(query "$1")
		[ -n "$got" ] && break
		sleep 0.5
	done
	printf '%s' "$got"
}
NOT_AFTER=$(date -u -d "$(openssl x509 -in "$PKI/mail.crt" -noout -enddate | sed 's/^[^=]*=//')" +%s)
tap_is "$(query_wait "tls_probe_certificate_not_after_seconds{port=\"$PF_SUBMISSION\",position=\"0\"}")" \
    "$NOT_AFTER" "Prometheus has Postfix's leaf notAfter from node_exporter (openssl x509 -enddate)"
tap_is "$(query_wait "tls_probe_certificate_not_after_seconds{protocol=\"imaps\",position=\"0\"}")" \
    "$NOT_AFTER" "... and Dovecot's"
tap_is "$(query_wait "tls_probe_check_state{check=\"mail_tls\",port=\"$PF_SUBMISSION\"}")" 0 \
    "... the submission check's state, 0"
tap_is "$(query_wait "tls_probe_check_state{check=\"cert_chain\",sni=\"leafonly.example.test\"}")" 2 \
    "... the leaf-only check's state, 2"
tap_is "$(query_wait 'tls_probe_textfile_run_ok{name="broken"}')" 0 \
    "... the check that printed nothing, run_ok 0"
tap_is "$(query_wait 'count(ALERTS{alertname="TlsProbeCheckCritical",alertstate="pending"})')" 1 \
    "... and the rules loaded: the leaf-only check's alert is pending"
tap_done
