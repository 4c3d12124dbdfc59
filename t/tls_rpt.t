# tls_rpt.t - check_tls_rpt reading TLS-RPT reports (RFC 8460) from a
# directory, the incidents as the senders' reports tell them: a clean week,
# an expired certificate reported by Google and Microsoft, a TLSA record that
# no longer matches, the reports that stopped coming, and what is not a
# report (a DMARC file) or cannot be read (named, at least WARNING).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/plugin.sh"
TP_TMP=$(mktemp -d); trap 'rm -rf "$TP_TMP"' EXIT

# day N: the UTC date N days ago; a report's date-range is that whole day.
day() { date -u -d "@$(( $(date +%s) - $1 * 86400 ))" +%Y-%m-%d; }

# report FILE ORG ID DAY POLICY OK FAILED [DETAILS]: a one-policy report ending
# at DAY's 23:59:59Z. POLICY is the policy object, DETAILS the failure-details list.
report() {
	local file=$1 org=$2 id=$3 d=$4 policy=$5 ok=$6 failed=$7 details=${8:-}
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"tlsrpt@%s","report-id":"%s","policies":[{"policy":%s,"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}%s}]}\n' \
	    "$org" "$d" "$d" "example.org" "$id" "$policy" "$ok" "$failed" "${details:+,\"failure-details\":$details}" >"$file"
}
STS='{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.com","max_age: 604800"],"policy-domain":"example.com","mx-host":["mx1.example.com"]}'
STS_TESTING='{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx1.example.com","max_age: 86400"],"policy-domain":"example.com"}'
TLSA='{"policy-type":"tlsa","policy-string":["3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"],"policy-domain":"example.com","mx-host":"mx1.example.com"}'
expired() {	# expired COUNT [sending-mta-ip]
	printf '[{"result-type":"certificate-expired",%s"receiving-mx-hostname":"mx1.example.com","receiving-ip":"192.0.2.25","failed-session-count":%s}]' \
	    "${2:+\"sending-mta-ip\":\"$2\",}" "$1"
}

# --- a clean week -------------------------------------------------------------
W=$TP_TMP/clean; mkdir "$W"
for n in 1 2 3 4 5 6 7; do
	report "$W/google-$n.json" "Google Inc." "$(day $n)T00:00:00Z_example.com" "$(day $n)" "$STS" 1200 0
	report "$W/microsoft-$n.json" "Microsoft Corporation" "13409337600000000$n+example.com" "$(day $n)" "$STS" 300 0
done
expect "a clean week: OK, the reports of the window counted" check_tls_rpt OK \
    "^TLS_RPT OK - 14 reports from 2 senders in the last 168 h: 10,500 sessions, none failed" \
    --dir "$W" --window 168 --max-silence 48
W48=$LINE1
expect "the default window is 48 h, by the reports' end: two days of each" check_tls_rpt OK \
    "4 reports from 2 senders in the last 48 h: 3,000 sessions, none failed" --dir "$W"
tap_like "$OUT" "sessions=3000;;;0 " "perfdata: sessions"
tap_like "$OUT" "failures_certificate-expired=0;;;0 " "perfdata: failures per result type, 0 too"
tap_like "$OUT" "reports_read=4;;;0 reports_unreadable=0;;;0" "perfdata: reports read and unreadable"
tap_like "$OUT" $'\n''\[OK\] Google Inc\.: 2,400 sessions, none failed; MTA-STS \(enforce\) for example\.com; reports [0-9-]+T00:00:00Z_example\.com, ' \
    "long output: a line per sender, with the report ids"

# --- an expired certificate, reported by two senders --------------------------
W=$TP_TMP/expired; mkdir "$W"
report "$W/google.json" "Google Inc." "$(day 1)T00:00:00Z_example.com" "$(day 1)" "$STS" 1167 37 "$(expired 37 209.85.220.41)"
report "$W/microsoft.json" "Microsoft Corporation" "134093376000000001+example.com" "$(day 1)" "$STS" 480 20 "$(expired 20)"
expect "an expired certificate seen by Google and Microsoft (enforce): CRITICAL, the worst sender on line one" \
    check_tls_rpt CRITICAL \
    "^TLS_RPT CRITICAL - Google Inc\.: 37 of 1,204 sessions to mx1\.example\.com failed \(certificate-expired\) in the last 48 h; and 1 more finding \|" \
    --dir "$W"
tap_like "$OUT" $'\n''\[CRITICAL\] Microsoft Corporation: 20 of 500 sessions to mx1\.example\.com failed \(certificate-expired\) in the last 48 h; MTA-STS \(enforce\) for example\.com: 4\.0% of its sessions; report 134093376000000001\+example\.com' \
    "long output: Microsoft's line (no sending-mta-ip in its report), its report id"
tap_like "$OUT" "failures_certificate-expired=57;;;0" "perfdata: 57 certificate-expired failures"
run_plugin check_tls_rpt --dir "$W" --output openmetrics
tap_is "$RC" 2 "--output openmetrics: the exit code stays CRITICAL"
if command -v promtool >/dev/null; then
	tap_is "$(printf '%s\n' "$OUT" | promtool check metrics 2>&1)" "" "... promtool accepts the document"
else
	tap_skip "promtool not installed"
fi
tap_like "$OUT" $'\n''tls_probe_tlsrpt_failed_sessions\{check="tls_rpt",result_type="certificate-expired"\} 57'$'\n' \
    "... 57 certificate-expired sessions, labelled by result type only"
tap_like "$OUT" $'\n''tls_probe_tlsrpt_sessions\{check="tls_rpt"\} 1704'$'\n' "... of 1,704 sessions"
tap_like "$OUT" $'\n''tls_probe_tlsrpt_reports_read\{check="tls_rpt"\} 2'$'\n' "... from 2 reports"
tap_unlike "$OUT" 'organization=|Google|mx1\.example' "... no sender, domain or MX name from the reports in a label"
expect "-w 5 -c 10: 3.1% and 4.0% are within them, thresholds say otherwise than enforce" check_tls_rpt OK \
    "" --dir "$W" -w 5 -c 10
expect "-w 3.5 -c 10: Microsoft's 4.0% is a WARNING, Google's 3.1% is not" check_tls_rpt WARNING \
    "^TLS_RPT WARNING - Microsoft Corporation: 20 of 500 sessions to mx1\.example\.com failed \(certificate-expired\) in the last 48 h \|" \
    --dir "$W" -w 3.5 -c 10
tap_like "$OUT" $'\n''\[OK\] Google Inc\.: 37 of 1,204' "... Google's line is OK"
report "$W/google.json" "Google Inc." "$(day 1)T00:00:00Z_example.com" "$(day 1)" "$STS_TESTING" 1167 37 "$(expired 37)"
rm "$W/microsoft.json"
expect "the same failure under a testing policy: 3.1% is above the default 0% but not 5%: WARNING" \
    check_tls_rpt WARNING "Google Inc\.: 37 of 1,204 sessions" --dir "$W"
expect "... and CRITICAL with -c 3" check_tls_rpt CRITICAL "Google Inc\.: 37 of 1,204" --dir "$W" -c 3
run_plugin check_tls_rpt --dir "$W" --output json
tap_like "$OUT" '"result_type": *"certificate-expired"' "--output json: the failure rows"
tap_like "$OUT" '"share_percent": *3\.07' "... with the share"
tap_like "$OUT" '"report_ids": *\[ *\{ *"id": *"[0-9-]+T00:00:00Z_example\.com"' "... and the report ids"

# --- a TLSA record that no longer matches -----------------------------------
W=$TP_TMP/tlsa; mkdir "$W"
report "$W/microsoft.json" "Microsoft Corporation" "134093376000000002+example.com" "$(day 1)" "$TLSA" 0 12 \
    '[{"result-type":"tlsa-invalid","receiving-mx-hostname":"mx1.example.com","receiving-ip":"2001:db8::25","failed-session-count":12}]'
report "$W/postfix.json" "mail.example.org" "$(day 1)T00:00:00Z_mail.example.org" "$(day 1)" "$TLSA" 5 1 \
    '[{"result-type":"tlsa-invalid","sending-mta-ip":"198.51.100.7","receiving-mx-hostname":"mx1.example.com","failed-session-count":1}]'
expect "a TLSA mismatch: CRITICAL at any share (DANE blocks delivery)" check_tls_rpt CRITICAL \
    "^TLS_RPT CRITICAL - Microsoft Corporation: 12 of 12 sessions to mx1\.example\.com failed \(tlsa-invalid\) in the last 48 h" --dir "$W"
tap_like "$OUT" $'\n''\[CRITICAL\] mail\.example\.org: 1 of 6 sessions to mx1\.example\.com failed \(tlsa-invalid\).*DANE TLSA for example\.com: 16\.7%' \
    "long output: the Postfix sender's line"
expect "-D another.example: the policies for example.com are not counted" check_tls_rpt OK \
    "none of the 2 reports of the last 48 h has a policy for another\.example" --dir "$W" -D another.example
expect "-D EXAMPLE.COM. matches example.com exactly" check_tls_rpt CRITICAL "12 of 12 sessions" --dir "$W" -D EXAMPLE.COM.

# --- the reports stopped coming ---------------------------------------------
W=$TP_TMP/silent; mkdir "$W"
report "$W/google.json" "Google Inc." "$(day 4)T00:00:00Z_example.com" "$(day 4)" "$STS" 1200 0
expect "no report in the window, without --max-silence: OK, saying so" check_tls_rpt OK \
    "no TLS-RPT report ended in the last 48 h \(1 examined, 0 not TLS-RPT\)" --dir "$W"
expect "--max-silence 72: the last report ended 3 days ago: WARNING" check_tls_rpt WARNING \
    "no TLS-RPT report ended in the last 72 h \(the latest ended $(day 4) 23:59 UTC\): is mail to the rua address still arriving here, and is the _smtp\._tls record still published\?" \
    --dir "$W" --max-silence 72
expect "--max-silence on an empty directory: none was found" check_tls_rpt WARNING \
    "no TLS-RPT report ended in the last 24 h \(none was found\)" --dir "$TP_TMP/clean/../silent/.." --max-silence 24
expect "--max-silence 120: within it, OK" check_tls_rpt OK "" --dir "$W" --max-silence 120

# --- the window is by the end of the date-range, not the start ----------------
W=$TP_TMP/window; mkdir "$W"
start=$(date -u -d "@$(( $(date +%s) - 10 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d "@$(( $(date +%s) - 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
printf '{"organization-name":"Long Range Inc.","date-range":{"start-datetime":"%s","end-datetime":"%s"},"contact-info":null,"report-id":"long","policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":99,"total-failure-session-count":1},"failure-details":[{"result-type":"starttls-not-supported","receiving-ip":"203.0.113.9","failed-session-count":1}]}]}\n' \
    "$start" "$end" >"$W/long.json"
end=$(date -u -d "@$(( $(date +%s) - 50 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
start=$(date -u -d "@$(( $(date +%s) - 52 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
printf '{"organization-name":"Old Inc.","date-range":{"start-datetime":"%s","end-datetime":"%s"},"contact-info":null,"report-id":"old","policies":[{"policy":%s,"summary":{"total-successful-session-count":0,"total-failure-session-count":5},"failure-details":%s}]}\n' \
    "$start" "$end" "$STS" "$(expired 5)" >"$W/old.json"
expect "a report started 10 days ago and ended an hour ago counts; one ended 50 h ago does not" \
    check_tls_rpt WARNING "^TLS_RPT WARNING - Long Range Inc\.: 1 of 100 sessions to 203\.0\.113\.9 failed \(starttls-not-supported\) in the last 48 h \|" --dir "$W"
tap_unlike "$OUT" "Old Inc" "the report that ended before the window is not judged"
expect "--window 51 takes the one that ended 50 h ago" check_tls_rpt CRITICAL "Old Inc\.: 5 of 5 sessions" --dir "$W" --window 51

# --- what is not a report, and what cannot be read --------------------------
W=$TP_TMP/mixed; mkdir "$W"
report "$W/google.json" "Google Inc." "$(day 1)T00:00:00Z_example.com" "$(day 1)" "$STS" 1200 0
printf '<?xml version="1.0"?><feedback><report_metadata><org_name>google.com</org_name></report_metadata></feedback>\n' >"$W/google.com!example.com!1765000000!1765086400.xml"
expect "a DMARC aggregate report beside it is skipped, not unreadable" check_tls_rpt OK \
    "1 report from 1 sender in the last 48 h: 1,200 sessions, none failed" --dir "$W"
tap_like "$OUT" "reports_unreadable=0;;;0" "... reports_unreadable=0"
run_plugin check_tls_rpt --dir "$W" --output json
tap_like "$OUT" '"skipped_not_tlsrpt": *1[,}]' "... counted as skipped in the JSON"
report "$W/negative.json" "Broken Sender" "neg" "$(day 1)" "$STS" -3 0
printf '{"organization-name": "Cut Short", "date-range": {' >"$W/truncated.json"
expect "an unreadable report is named and makes it a WARNING (it may hide a failure)" check_tls_rpt WARNING \
    "unreadable report .*negative\.json: policy 1: the \"total-successful-session-count\" of the summary is a negative number" --dir "$W"
tap_like "$OUT" $'\n''\[WARNING\] unreadable report .*truncated\.json: it is not JSON' "the second one is named in the long output"
tap_like "$OUT" $'\n''\[OK\] Google Inc\.: 1,200 sessions' "the readable report is still judged"
tap_like "$OUT" "reports_read=1;;;0 reports_unreadable=2;;;0" "perfdata: 1 read, 2 unreadable"
truncate -s 17M "$W/huge.json"
expect "a report over 16 MiB is refused unread, named" check_tls_rpt WARNING "" --dir "$W"
tap_like "$OUT" "huge\.json: the report is larger than 16 MiB" "... saying why"

# --- a result type RFC 8460 does not list, and failures counted without details
W=$TP_TMP/unknown; mkdir "$W"
report "$W/mox.json" "mox" "mox-1" "$(day 1)" "$STS_TESTING" 990 10 \
    '[{"result-type":"certificate-revoked","receiving-mx-hostname":"mx1.example.com","failed-session-count":4}]'
expect "an unknown result type is judged and named, not fatal" check_tls_rpt WARNING \
    "mox: 6 of 1,000 sessions failed \(the report gives no failure-details\) in the last 48 h; and 1 more finding" --dir "$W"
tap_like "$OUT" $'\n''\[WARNING\] mox: 4 of 1,000 sessions to mx1\.example\.com failed \(certificate-revoked, a result type RFC 8460 does not list\)' \
    "... its line says it is not one of the RFC's"
tap_like "$OUT" "failures_other=4;;;0" "... counted in failures_other"
tap_like "$OUT" "failures_unspecified=6;;;0" "... and the 6 counted without details in failures_unspecified"

# --- hostile reports: each refused with a sentence, at once, the rest still read
W=$TP_TMP/hostile; mkdir "$W"
report "$W/google.json" "Google Inc." "$(day 1)T00:00:00Z_example.com" "$(day 1)" "$STS" 1200 0
{ printf '{"organization-name":'; printf '[%.0s' $(seq 10000); printf ']%.0s' $(seq 10000); printf '}'; } >"$W/deep.json"
{
	printf '{"organization-name":"Many","report-id":"many","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"policies":[' "$(day 1)" "$(day 1)"
	yes '{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}},' |
	    head -n 99999 | tr -d '\n'
	printf '{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}'
} >"$W/policies.json"
printf '{"organization-name":"\xff\xfe","report-id":"utf8"}' >"$W/utf8.json"
expect "JSON nested 10,000 deep, 100,000 policies, invalid UTF-8: each named unreadable, at once" check_tls_rpt WARNING "" --dir "$W"
tap_like "$OUT" "deep\.json: it is not JSON: maximum parsing depth reached" "... the nesting refused by the parser's depth bound"
tap_like "$OUT" "policies\.json: it holds more than 500000 JSON values" "... 100,000 policies refused before they are parsed"
tap_like "$OUT" "utf8\.json: it is not JSON: unable to decode byte 0xff" "... invalid UTF-8 refused"
tap_like "$OUT" $'\n''\[OK\] Google Inc\.: 1,200 sessions' "... and the good report beside them still read"
tap_ok "... within 5 s (took $SECONDS_TAKEN ms)" test "$SECONDS_TAKEN" -lt $((5000 + ${TP_TIME_SLACK_MS:-0}))
tap_done
