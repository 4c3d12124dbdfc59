# mx.t - check_mail_tls --mx=DOMAIN (issue 17): a domain's inbound mail as
# a sending MTA sees it, every MX in preference order, every address, port
# 25 STARTTLS, the certificate matched against the MX name. NSD serves the
# MX records (t/lib/dns.sh, through --resolver); Postfix on 127.0.0.1
# serves the fixture's chains, a listener on 127.0.0.2 other.example.test's
# leaf without its intermediate. The incidents: a backup MX installed
# leaf-only, an MX whose name the certificate does not cover, a null MX, a
# domain without MX records (the implicit MX of RFC 5321).
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
dns_require
command -v jq >/dev/null || tap_skip_all "jq not installed"
fixture_pki

fixture_postfix_extra_master() {
	echo "127.0.0.2:$PF_SMTP inet n - n - - smtpd -o tls_server_sni_maps=" \
	    "-o smtpd_tls_chain_files=$PKI/other.key,$PKI/other.crt"
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.2:$PF_SMTP"
}
fixture_start_postfix

# spki NAME: the "3 1 1" data of $PKI/NAME.crt.
spki() {
	openssl x509 -in "$PKI/$1.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1
}
dns_start_zone signed "$(printf '%s\n' \
    "_$PF_SMTP._tcp.mail.example.test. IN TLSA 3 1 1 $(spki mail)" \
    "_$PF_SMTP._tcp.mail.example.test. IN TLSA 3 1 1 $(spki mail-renewed)" \
    "_$PF_SMTP._tcp.other.example.test. IN TLSA 3 1 1 $(spki mail-renewed)" \
    "example.test. IN MX 10 mail.example.test." \
    "example.test. IN MX 20 other.example.test." \
    "mail.example.test. IN A 127.0.0.1" \
    "other.example.test. IN A 127.0.0.2" \
    "good.example.test. IN MX 10 mail.example.test." \
    "twice.example.test. IN MX 10 mail.example.test." \
    "twice.example.test. IN MX 20 MAIL.example.test." \
    "nullmx.example.test. IN MX 0 ." \
    "badname.example.test. IN MX 10 nocover.example.test." \
    "nocover.example.test. IN A 127.0.0.1" \
    "noaddr.example.test. IN MX 10 nowhere.example.test.")"
TT=10; [ -n "${TP_WRAPPER:-}" ] && TT=30	# valgrind: DNSSEC validation takes seconds
ARGS=(-t "$TT" -r "$PKI/root.crt" -p "$PF_SMTP" --resolver "$DNS_RESOLVER"
    --trust-anchor "$DNS_TRUST_ANCHOR")

expect "domain_with_one_good_mx: OK" check_mail_tls OK \
    "^MAIL_TLS OK - good\.example\.test: 1 MX \(mail\.example\.test\), 1 address, each serving a valid certificate for its name over STARTTLS \|" \
    --mx good.example.test "${ARGS[@]}"
tap_like "$OUT" "^\[OK\] MX mail\.example\.test 127\.0\.0\.1: certificate covers mail\.example\.test$" \
    "... the certificate matched against the MX name"
tap_like "$LINE1" " days_left_mail\.example\.test_127\.0\.0\.1=" "... perfdata per MX and address"
expect "one_mx_named_twice: probed once" check_mail_tls OK \
    "^MAIL_TLS OK - twice\.example\.test: 1 MX \(mail\.example\.test\), 1 address" \
    --mx twice.example.test "${ARGS[@]}"

expect "backup_mx_installed_leaf_only: CRITICAL, that MX named" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - example\.test: 1 of 2 MX fails: MX other\.example\.test 127\.0\.0\.2: chain does not verify" \
    --mx example.test "${ARGS[@]}"
tap_like "$OUT" "^\[OK\] MX mail\.example\.test 127\.0\.0\.1: chain verifies" "... the primary MX is fine"
run_plugin check_mail_tls --mx example.test "${ARGS[@]}" --output json
tap_is "$(jq -r '[.facts.mx[] | "\(.preference) \(.host) \(.addresses[0].address) \(.addresses[0].state)"] | join(", ")' <<<"$OUT")" \
    "10 mail.example.test 127.0.0.1 OK, 20 other.example.test 127.0.0.2 CRITICAL" \
    "JSON: every MX in preference order, each address with its state"
run_plugin check_mail_tls --mx example.test "${ARGS[@]}" --output openmetrics
tap_is "$(printf '%s\n' "$OUT" | promtool check metrics 2>&1)" "" "OpenMetrics: promtool accepts the document"
tap_like "$OUT" $'\n''tls_probe_certificate_not_after_seconds\{[^}]*mx="other\.example\.test",address="127\.0\.0\.2"[^}]*position="0"' \
    "OpenMetrics: each leaf labelled with its MX and address"

expect "key_types_all_per_mx: CRITICAL only for the leaf-only MX" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - example\.test: 1 of 2 MX fails: MX other\.example\.test 127\.0\.0\.2, ECDSA certificate: chain does not verify" \
    --mx example.test "${ARGS[@]}" --key-types all
tap_like "$OUT" "^\[OK\] MX mail\.example\.test 127\.0\.0\.1: no RSA certificate" \
    "... the missing RSA certificate a note per MX address"
expect "dane_per_mx: the backup MX's key is not the one in DNS" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - example\.test: 1 of 2 MX fails: MX other\.example\.test 127\.0\.0\.2: " \
    --mx example.test "${ARGS[@]}" --dane
tap_like "$OUT" "^\[OK\] MX mail\.example\.test 127\.0\.0\.1: DANE: TLSA 3 1 1 [0-9a-f]{16}\.\.\. matches at chain depth 0" \
    "... the primary MX matches its own TLSA record"
tap_like "$OUT" "^\[CRITICAL\] MX other\.example\.test 127\.0\.0\.2: DANE: " \
    "... the backup MX fails DANE at its own records"
expect "mx_name_not_covered_by_the_certificate: CRITICAL" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - badname\.example\.test: 1 of 1 MX fails: MX nocover\.example\.test 127\.0\.0\.1: name mismatch: certificate 'mail\.example\.test' does not cover nocover\.example\.test" \
    --mx badname.example.test "${ARGS[@]}"
expect "null_mx: CRITICAL, said as such" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - nullmx\.example\.test: nullmx\.example\.test has a null MX \(RFC 7505\): it accepts no mail" \
    --mx nullmx.example.test "${ARGS[@]}"
expect "no_mx_record_the_domain_itself_is_the_mx: OK, said as such" check_mail_tls OK \
    "^MAIL_TLS OK - mail\.example\.test: 1 MX \(mail\.example\.test\), 1 address" \
    --mx mail.example.test "${ARGS[@]}"
tap_like "$OUT" "^\[OK\] mail\.example\.test has no MX record: senders deliver to its own address \(the implicit MX of RFC 5321\)$" \
    "... the implicit MX said in the long output"
expect "no_mx_and_no_address: CRITICAL, mail bounces" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - nothing\.example\.test has neither an MX record nor an address: mail to it bounces$" \
    --mx nothing.example.test "${ARGS[@]}"
tap_unlike "$OUT" "senders deliver to its own address" "... and no line says senders deliver to its address"
expect "mx_host_without_an_address: CRITICAL, senders skip it" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - noaddr\.example\.test: 1 of 1 MX fails: MX nowhere\.example\.test: nowhere\.example\.test has no IPv4 or IPv6 address" \
    --mx noaddr.example.test "${ARGS[@]}"

# --- usage --------------------------------------------------------------------
expect "--mx_with_an_address: UNKNOWN naming the option" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - --mx: '192\.0\.2\.1' is an address; give the mail domain" --mx 192.0.2.1
# --list-mx: the MX hosts as --mx probes them, for Zabbix's discovery.
run_plugin check_mail_tls --mx example.test --list-mx "${ARGS[@]}"
tap_is "$RC|$OUT" "0|10 mail.example.test
20 other.example.test" "--list-mx: each MX by preference, one a line, exit 0"
run_plugin check_mail_tls --mx twice.example.test --list-mx "${ARGS[@]}"
tap_is "$RC|$OUT" "0|10 mail.example.test" "--list-mx: a host named by two MX records once"
run_plugin check_mail_tls --mx mail.example.test --list-mx "${ARGS[@]}"
tap_is "$RC|$OUT" "0|0 mail.example.test" "--list-mx: no MX record: the domain itself (the implicit MX)"
run_plugin check_mail_tls --mx nullmx.example.test --list-mx "${ARGS[@]}"
tap_is "$RC|$OUT" "0|" "--list-mx: a null MX: no host"
run_plugin check_mail_tls --mx example.test --list-mx -t 2 --resolver 127.0.0.1@1
tap_like "$RC|$OUT" "^3\|MAIL_TLS UNKNOWN - " "--list-mx: a failed lookup is UNKNOWN with its sentence"
expect "--list-mx_without_--mx: UNKNOWN" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - --list-mx lists the MX hosts of --mx: give --mx=DOMAIN" --list-mx -H mail.example.test
expect "--mx_with_-H: UNKNOWN" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - --mx: 'example\.test' finds the hosts and the names to match; leave out -H, --sni and -m" \
    --mx example.test -H mail.example.test

tap_done
