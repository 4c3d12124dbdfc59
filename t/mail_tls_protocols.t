# mail_tls_protocols.t - check_mail_tls speaks every mail protocol's way
# into TLS against real Postfix and Dovecot (incident 3: STARTTLS is not
# IMAPS), and reports the facts a strict client sees.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot

TRUST=(-r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test)
ok_line='OK - 127\.0\.0\.1:[0-9]+ \(%s\) TLSv1\.[23], cert mail\.example\.test from tls-probe Test Intermediate R1 \(tls-probe test\), expires in (8[89]|90) days'

for case in "smtp $PF_SMTP" "submission $PF_SUBMISSION" "submissions $PF_SUBMISSIONS" \
    "smtps $PF_SUBMISSIONS" "lmtp $DV_LMTP" "imap $DV_IMAP" "imaps $DV_IMAPS" \
    "pop3 $DV_POP3" "pop3s $DV_POP3S" "sieve $DV_SIEVE"; do
	set -- $case
	# shellcheck disable=SC2059
	expect "$1 on port $2 is OK" check_mail_tls OK "$(printf "$ok_line" "$1")" \
	    "${TRUST[@]}" -p "$2" -P "$1"
done

expect "implicit TLS on a STARTTLS port says what the port speaks" check_mail_tls CRITICAL \
    'speaks plain text here \(.220 .*\): this port uses STARTTLS, not implicit TLS' "${TRUST[@]}" -p "$PF_SMTP" -P submissions
expect "STARTTLS dialect on an IMAP port names the mismatch" check_mail_tls CRITICAL \
    "greeting is not SMTP: '\* OK" "${TRUST[@]}" -p "$DV_IMAP" -P smtp

expect "Dovecot serves the second name through local_name" check_mail_tls OK \
    'cert other\.example\.test' -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" -P imaps --sni other.example.test

SUB=("${TRUST[@]}" -p "$PF_SUBMISSION" -P submission)
run_plugin check_mail_tls "${SUB[@]}"
tap_like "$OUT" "^\[OK\] chain verifies \(2 certificates sent, 3 in the verified chain\)" \
    "long output: verification with the counts"
tap_like "$OUT" "^\[OK\] certificate covers mail\.example\.test" "long output: the name"
tap_like "$OUT" "^sent\[1\] CN=tls-probe Test Intermediate R1" "long output lists the chain as sent"
tap_like "$LINE1" "\| days_left=(8[89]|90);30:;12: time_left=[0-9]+s;2592000:;1036800: lifetime=10368000s;;;0 days_left_chain=(8[89]|90);30:;12: time_connect=[0-9.]+s;;;0 time_tls=[0-9.]+s;;;0 time=[0-9.]+s;;;0$" \
    "perfdata: days with thresholds, timings in seconds"

run_plugin check_mail_tls "${SUB[@]}" -t 5 --output json -w 40
if command -v jq >/dev/null; then
	tap_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "--output json is one line"
	valid_json() { jq -e . >/dev/null; }
	tap_ok "--output json is one valid JSON object" valid_json <<<"$OUT"
	tap_is "$(jq -r '"\(.state) \(.facts.chain[0].sha256)"' <<<"$OUT")" \
	    "OK $(fixture_cert_fp mail | tr -d : | tr A-F a-f)" "json carries the state and the leaf fingerprint"
	tap_is "$(jq -r '.perfdata[0] | "\(.label) \(.warning) \(.critical)"' <<<"$OUT")" "days_left 40: 12:" \
	    "json perfdata has the thresholds; options after -t and --output still count"
else
	tap_skip "jq is not installed to parse JSON" 4
fi

expect "a fingerprint that matches (as openssl prints it)" check_mail_tls OK 'OK - ' "${SUB[@]}" \
    --fingerprint "$(fixture_cert_fp mail)"
expect "--min-tls 1.2 is met" check_mail_tls OK 'OK - ' "${SUB[@]}" --min-tls 1.2

run_plugin check_mail_tls "${SUB[@]}" -vv
tap_like "$LINE1" '^MAIL_TLS OK - ' "-vv leaves line one alone"
verbose=$(cat "$TP_TMP/stderr.$$")
tap_like "$verbose" '^greeting: 220 mail\.example\.test ESMTP' "-v shows the greeting on stderr"
tap_like "$verbose" '^TLSv1\.[23], .*, handshake [0-9.]+ s$' "-v shows version, cipher and handshake time"
tap_like "$verbose" '^        SAN     mail\.example\.test$' "-vv shows the SANs"
run_plugin check_mail_tls "${SUB[@]}"
tap_is "$(cat "$TP_TMP/stderr.$$")" "" "without -v nothing goes to stderr"

# --- names and addresses as users type them (issue 15) --------------------
# shellcheck disable=SC2059
expect "-H [127.0.0.1]: a bracketed address is the address, not a name to resolve" \
    check_mail_tls OK "$(printf "$ok_line" smtp)" -r "$PKI/root.crt" -H '[127.0.0.1]' \
    --sni mail.example.test -p "$PF_SMTP" -P smtp
expect "--sni with the root dot is the same name, and goes out without it (RFC 6066)" \
    check_mail_tls OK 'cert other\.example\.test' -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" \
    -P imaps --sni other.example.test.
# shellcheck disable=SC2059
expect "-m with the root dot is the same name" check_mail_tls OK "$(printf "$ok_line" submission)" \
    "${SUB[@]}" -m mail.example.test.
expect "--sni with an international name goes out, and is matched, as its A-label" check_mail_tls \
    CRITICAL "certificate 'mail\.example\.test' does not cover xn--bcher-kva\.example\.test" \
    "${SUB[@]}" --sni bücher.example.test
expect "-m Bücher.example.test. is matched as xn--bcher-kva.example.test" check_mail_tls \
    CRITICAL "does not cover xn--bcher-kva\.example\.test" "${SUB[@]}" -m Bücher.example.test.

if fixture_have_ipv6 && [ -n "${PF_SMTP6:-}" ]; then
	expect "SMTP over IPv6 (-6 ::1)" check_mail_tls OK 'OK - ::1:[0-9]+ \(smtp\)' \
	    -r "$PKI/root.crt" -6 -H ::1 --sni mail.example.test -p "$PF_SMTP6" -P smtp
	expect "-H [::1]: a bracketed IPv6 literal is the address, not a DNS failure" check_mail_tls OK \
	    'OK - ::1:[0-9]+ \(smtp\)' -r "$PKI/root.crt" -H '[::1]' --sni mail.example.test \
	    -p "$PF_SMTP6" -P smtp
	expect "IMAPS over IPv6 (-6 ::1)" check_mail_tls OK 'OK - ::1:[0-9]+ \(imaps\)' \
	    -r "$PKI/root.crt" -6 -H ::1 --sni mail.example.test -p "$DV_IMAPS6" -P imaps
else
	tap_skip "no IPv6 loopback (::1) on this machine" 3
fi
tap_done
