# all_addresses.t - check_mail_tls --all-addresses (issue 17) against real
# servers: one name with several A and AAAA records (NSD, t/lib/dns.sh,
# through --resolver), each address a Postfix listener on the same port
# with its own certificate. The incidents: a cluster node not reloaded
# after the renewal serves the old certificate to a share of the clients,
# one serves an expired one, one address has nothing listening, IPv6 on
# another box; -4/-6 leave a family out, JSON says each address.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
dns_require
command -v jq >/dev/null || tap_skip_all "jq not installed"
fixture_pki

IPV6=0
fixture_have_ipv6 && IPV6=1
smtpd_with() {		# smtpd_with CERT: a listener's smtpd with CERT's chain
	echo "inet n - n - - smtpd -o smtpd_tls_chain_files=$PKI/$1.key,$PKI/$1.fullchain.crt"
}
# 127.0.0.1 serves the fixture's mail (issued 30 days ago), 127.0.0.2 and
# ::1 its renewal, 127.0.0.3 mail-expired, 127.0.0.4 nothing. The PROXY
# port: 127.0.0.1 with mail, 127.0.0.2 with the renewal.
# A node serving a placeholder: self-signed, made just now (newer than any).
SELF=$TP_TMP/selfsigned
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mail.example.test \
    -addext subjectAltName=DNS:mail.example.test -days 30 -keyout "$SELF.key" -out "$SELF.crt" 2>/dev/null ||
    tap_bail "openssl cannot make a self-signed certificate"
fixture_postfix_extra_master() {
	echo "127.0.0.5:$PF_SMTP inet n - n - - smtpd -o smtpd_tls_chain_files=$SELF.key,$SELF.crt"
	echo "127.0.0.2:$PF_SMTP $(smtpd_with mail-renewed)"
	echo "127.0.0.3:$PF_SMTP $(smtpd_with mail-expired)"
	echo "127.0.0.2:$PF_PROXY_SMTP $(smtpd_with mail-renewed) -o smtpd_upstream_proxy_protocol=haproxy"
	[ "$IPV6" = 1 ] && echo "[::1]:$PF_SMTP $(smtpd_with mail-renewed)"
	return 0
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.2:$PF_SMTP" "127.0.0.3:$PF_SMTP" "127.0.0.2:$PF_PROXY_SMTP" "127.0.0.5:$PF_SMTP"
	[ "$IPV6" = 1 ] && echo "::1:$PF_SMTP"
	return 0
}
fixture_start_postfix

# spki NAME: the "3 1 1" data of $PKI/NAME.crt.
spki() {
	openssl x509 -in "$PKI/$1.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1
}
zone() {
	local a
	for a in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4; do
		echo "pool.example.test. IN A $a"
	done
	echo "pool.example.test. IN AAAA ::1"
	echo "good.example.test. IN A 127.0.0.2"
	echo "good.example.test. IN AAAA ::1"
	echo "stale.example.test. IN A 127.0.0.1"
	echo "stale.example.test. IN A 127.0.0.2"
	echo "placeholder.example.test. IN A 127.0.0.2"
	for a in 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1; do
		echo "many.example.test. IN A 127.0.1.$a"
	done
	echo "placeholder.example.test. IN A 127.0.0.5"
	echo "down.example.test. IN A 127.0.0.4"
	echo "v6only.example.test. IN AAAA ::1"
	echo "_$PF_SMTP._tcp.stale.example.test. IN TLSA 3 1 1 $(spki mail-renewed)"
}
dns_start_zone signed "$(zone)"
DNS=(--resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR")
# valgrind: DNSSEC validation and five handshakes at once take seconds
TT=10; [ -n "${TP_WRAPPER:-}" ] && TT=30
ARGS=(-t "$TT" -r "$PKI/root.crt" -p "$PF_SMTP" -P smtp --sni mail.example.test -m mail.example.test
    --all-addresses "${DNS[@]}")

text_of() {
	printf '%s' "${1%% | *}"
}

# --- all agree ------------------------------------------------------------------
if [ "$IPV6" = 1 ]; then
	expect "two_addresses_ipv4_and_ipv6_serving_the_renewal: OK, both named as agreeing" \
	    check_mail_tls OK \
	    "^MAIL_TLS OK - good\.example\.test:$PF_SMTP \(smtp\) TLSv1\.3: all 2 addresses serve the same certificate mail\.example\.test from tls-probe Test Intermediate R1, expires in 1[01][0-9] days \|" \
	    -H good.example.test "${ARGS[@]}"
	tap_like "$LINE1" " days_left_127\.0\.0\.2=1[01][0-9];.* days_left_::1=1[01][0-9];" \
	    "... perfdata per address"
	tap_like "$OUT" "^\[OK\] ::1: chain verifies" "... each address judged in full under its name"
	tap_like "$OUT" "^::1 sent\[0\] CN=mail\.example\.test" "... its chain in the long output"
else
	tap_skip "no IPv6 on this host (::1)" 4
fi
expect "one_address_behind_the_name: OK" check_mail_tls OK \
    "^MAIL_TLS OK - good\.example\.test:$PF_SMTP \(smtp\) TLSv1\.3: its one address, 127\.0\.0\.2, serves the certificate" \
    -H good.example.test -4 "${ARGS[@]}"
tap_unlike "$LINE1" "::1" "... -4 leaves the IPv6 address out"

# --- a node not reloaded -----------------------------------------------------------
expect "cluster_node_not_reloaded_after_renewal: CRITICAL, the stale address named" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - stale\.example\.test:$PF_SMTP \(smtp\): 1 of 2 addresses serves an older certificate: 127\.0\.0\.1 \|" \
    -H stale.example.test "${ARGS[@]}"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.1: serves an older certificate \(issued [0-9-]+\) than 127\.0\.0\.2 \(issued [0-9-]+\): reload the service on this address$" \
    "... the long output says what to reload"
tap_like "$OUT" "^\[OK\] 127\.0\.0\.2: chain verifies" "... the renewed node is judged fine"
expect "one_node_serves_a_fresh_placeholder: that node CRITICAL, the good one not 'older'" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - placeholder\.example\.test:$PF_SMTP \(smtp\): 127\.0\.0\.5: the certificate 'mail\.example\.test' is self-signed" \
    -H placeholder.example.test "${ARGS[@]}"
tap_unlike "$OUT" "127\.0\.0\.2: serves an older certificate" \
    "... the node with the valid certificate is not told to reload"
tap_unlike "$OUT" "127\.0\.0\.5: serves another certificate" "... nor the placeholder said 'another, the same day'"

# --- more addresses than one check probes -----------------------------------------------
run_plugin check_mail_tls -H many.example.test "${ARGS[@]}" -4
tap_like "$OUT" "^\[WARNING\] many\.example\.test has 2 more addresses than the 16 probed \(the first in numeric order\)" \
    "18 addresses: the 2 not probed are said (WARNING)"
tap_like "$OUT" "127\.0\.1\.16: connection to" "... the first 16 in numeric order were probed"
tap_unlike "$OUT" "127\.0\.1\.1[78]:" "... whatever order the zone lists them in"
run_plugin check_cert_chain -H many.example.test -t "$TT" -r "$PKI/root.crt" -p "$PF_SMTP" -P smtp \
    --sni mail.example.test --all-addresses "${DNS[@]}" -4
tap_like "$OUT" "^\[WARNING\] many\.example\.test has 2 more addresses than the 16 probed" \
    "check_cert_chain says so too"

# --- every failure class at once ---------------------------------------------------
want_n=4
[ "$IPV6" = 1 ] && want_n=5
expect "pool_with_a_stale_an_expired_and_a_silent_address: CRITICAL, each named" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - pool\.example\.test:$PF_SMTP \(smtp\): 2 of $want_n addresses serve an older certificate: 127\.0\.0\.1, 127\.0\.0\.3; 1 of $want_n addresses cannot be reached: 127\.0\.0\.4; 127\.0\.0\.3: chain does not " \
    -H pool.example.test "${ARGS[@]}"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.3: certificate 'mail\.example\.test' expired on " \
    "... the expired certificate said for its address"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.4: connection to 127\.0\.0\.4 port $PF_SMTP refused: nothing listens there" \
    "... the address with nothing listening said as such"
run_plugin check_mail_tls -H pool.example.test "${ARGS[@]}" --output json
tap_is "$RC" 2 "JSON: exit code 2"
want='127.0.0.1 CRITICAL older true, 127.0.0.2 OK older false, 127.0.0.3 CRITICAL older true, 127.0.0.4 CRITICAL unreachable false'
[ "$IPV6" = 1 ] && want="$want, ::1 OK older false"
tap_is "$(jq -r '[.facts.addresses[] | "\(.address) \(.state) \(if .reachable then "older \(.older)" else "unreachable \(.served)" end)"] | join(", ")' <<<"$OUT")" \
    "$want" "JSON: one entry per address with its state"
tap_is "$(jq -r '.facts.addresses[1].chain[0].sha256' <<<"$OUT")" \
    "$(fixture_cert_fp mail-renewed | tr -d : | tr A-F a-f)" "JSON: each address's chain"
run_plugin check_mail_tls -H pool.example.test "${ARGS[@]}" --output openmetrics
tap_is "$(printf '%s\n' "$OUT" | promtool check metrics 2>&1)" "" "OpenMetrics: promtool accepts the document"
tap_is "$(printf '%s\n' "$OUT" | grep -E '^tls_probe_certificate_not_after_seconds\{[^}]*position="0"' |
    grep -oE 'address="[^"]+"' | sort -u | tr '\n' ' ')" \
    "$(printf 'address="%s" ' 127.0.0.1 127.0.0.2 127.0.0.3 $([ "$IPV6" = 1 ] && echo ::1) | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ //')" \
    "OpenMetrics: one leaf per address that answered, labelled with its address"
if [ "$IPV6" = 1 ]; then
	expect "pool_with_-6: only the IPv6 address, OK" check_mail_tls OK \
	    "^MAIL_TLS OK - pool\.example\.test:$PF_SMTP \(smtp\) TLSv1\.3: its one address, ::1, serves" \
	    -H pool.example.test -6 "${ARGS[@]}"
else
	tap_skip "no IPv6 on this host (::1)" 1
fi
expect "name_with_nothing_listening_anywhere: CRITICAL, unreachable" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - down\.example\.test:$PF_SMTP \(smtp\): its one address cannot be reached: 127\.0\.0\.4" \
    -H down.example.test "${ARGS[@]}"
expect "only_ipv6_asked_with_-4: CRITICAL, no IPv4 address" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - v6only\.example\.test: v6only\.example\.test has no IPv4 address" \
    -H v6only.example.test -4 "${ARGS[@]}"
expect "address_literal_is_that_one_address: OK" check_mail_tls OK \
    "^MAIL_TLS OK - 127\.0\.0\.2:$PF_SMTP \(smtp\) TLSv1\.3: its one address, 127\.0\.0\.2, serves the certificate" \
    -H 127.0.0.2 "${ARGS[@]}"

# --- with --key-types and --proxy-protocol -------------------------------------------
expect "stale_node_under_key_types_all: CRITICAL for the ECDSA certificate, RSA a note" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - stale\.example\.test:$PF_SMTP \(smtp\): 1 of 2 addresses serves an older certificate: 127\.0\.0\.1 \|" \
    -H stale.example.test "${ARGS[@]}" --key-types all
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.1, ECDSA certificate: serves an older certificate" \
    "... the line names the address and the key type"
tap_like "$OUT" "^\[OK\] 127\.0\.0\.2: no RSA certificate" "... the missing RSA certificate a note per address"
tap_like "$LINE1" " days_left_127\.0\.0\.2_ecdsa=" "... perfdata by address and key type"
expect "stale_node_behind_the_proxy_protocol: CRITICAL, the same verdict" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - stale\.example\.test:$PF_PROXY_SMTP \(smtp\): 1 of 2 addresses serves an older certificate: 127\.0\.0\.1 \|" \
    -H stale.example.test "${ARGS[@]}" -p "$PF_PROXY_SMTP" --proxy-protocol v1

# --- with --dane: the TLSA records pin the renewed key -------------------------------
expect "dane_pins_the_renewal_one_node_still_serves_the_old_key: CRITICAL for that node" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - stale\.example\.test:$PF_SMTP \(smtp\): 1 of 2 addresses serves an older certificate: 127\.0\.0\.1; 127\.0\.0\.1: DANE" \
    -H stale.example.test "${ARGS[@]}" --dane
tap_like "$OUT" "^\[OK\] 127\.0\.0\.2: DANE: TLSA 3 1 1 [0-9a-f]{16}\.\.\. matches at chain depth 0" \
    "... the renewed node matches the record"

# --- check_cert_chain --------------------------------------------------------------------
CC=(-t "$TT" -r "$PKI/root.crt" -p "$PF_SMTP" -P smtp --sni mail.example.test --all-addresses "${DNS[@]}")
expect "cert_chain_cluster_node_not_reloaded: CRITICAL, line one worded as check_mail_tls's" \
    check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - stale\.example\.test: 1 of 2 addresses serves an older certificate: 127\.0\.0\.1 \|" \
    -H stale.example.test "${CC[@]}"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.1 $PF_SMTP/smtp serves an older certificate \(issued [0-9-]+\) than 127\.0\.0\.2 $PF_SMTP/smtp" \
    "... the long output names the stale address and port"
tap_like "$LINE1" " days_left_127\.0\.0\.1_$PF_SMTP=[0-9]+;.* days_left_127\.0\.0\.2_$PF_SMTP=[0-9]+;" \
    "... perfdata per address and port"
expect "cert_chain_pool_with_an_expired_node: CRITICAL, each class named as check_mail_tls does" check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - pool\.example\.test: 2 of 4 addresses serve an older certificate: 127\.0\.0\.1, 127\.0\.0\.3; 1 of 4 addresses cannot be reached: 127\.0\.0\.4; 127\.0\.0\.3 $PF_SMTP/smtp: chain does not " \
    -H pool.example.test -4 "${CC[@]}"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.3 $PF_SMTP/smtp: chain does not verify: 'CN=mail\.example\.test' expired" \
    "... the expired node's own line in the long output"
tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.4 $PF_SMTP/smtp: connection to 127\.0\.0\.4 port $PF_SMTP refused" \
    "... the silent address said as such"
cc_classes=$(text_of "${LINE1#CERT_CHAIN CRITICAL - pool.example.test: }" | cut -d';' -f1-2)
run_plugin check_mail_tls -H pool.example.test -4 "${ARGS[@]}"
tap_is "$cc_classes" "$(text_of "${LINE1#MAIL_TLS CRITICAL - pool.example.test:$PF_SMTP (smtp): }" | cut -d';' -f1-2)" \
    "... the same words as check_mail_tls's line one for the same pool"
run_plugin check_cert_chain -H pool.example.test -4 "${CC[@]}" --output json
tap_is "$(jq -r '[.facts.sources[] | "\(.address) older \(.older) served \(.served)"] | join(", ")' <<<"$OUT")" \
    "127.0.0.1 older true served true, 127.0.0.2 older false served true, 127.0.0.3 older true served true, 127.0.0.4 older false served false" \
    "... JSON: each address's source says whether it serves an older certificate"
expect "cert_chain_one_node_serves_a_fresh_placeholder: that node CRITICAL, the good one not 'older'" \
    check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - placeholder\.example\.test: 127\.0\.0\.5 $PF_SMTP/smtp: " \
    -H placeholder.example.test "${CC[@]}"
tap_unlike "$OUT" "127\.0\.0\.2 $PF_SMTP/smtp serves an older certificate" \
    "... the node with the valid chain is not told to reload (was: older than the placeholder)"
if [ "$IPV6" = 1 ]; then
	expect "cert_chain_two_addresses_agree: OK, worded as check_mail_tls" check_cert_chain OK \
	    "^CERT_CHAIN OK - good\.example\.test: all 2 addresses serve the same complete chain for mail\.example\.test, [0-9]+ days left at the least \|" \
	    -H good.example.test "${CC[@]}"
else
	tap_skip "no IPv6 on this host (::1)" 1
fi
expect "cert_chain_one_address: OK, its one address named" check_cert_chain OK \
    "^CERT_CHAIN OK - good\.example\.test: its one address, 127\.0\.0\.2, serves a complete chain for mail\.example\.test" \
    -H good.example.test -4 "${CC[@]}"
run_plugin check_cert_chain -H good.example.test "${CC[@]}" --key-types all --output json
tap_is "$(jq -r '[.facts.sources[] | "\(.source) \(.key_type) \(.served)"] | join(", ")' <<<"$OUT" | sed 's/, ::1.*//')" \
    "127.0.0.2 $PF_SMTP/smtp RSA false, 127.0.0.2 $PF_SMTP/smtp ECDSA true" \
    "JSON: one source per address and key type"
expect "cert_chain_--resolver_without_--all-addresses: UNKNOWN" check_cert_chain UNKNOWN \
    "--resolver and --trust-anchor are for --all-addresses" -H pool.example.test -p "$PF_SMTP" -P smtp --resolver "$DNS_RESOLVER"

# --- usage ------------------------------------------------------------------------------
expect "--resolver_without_--dane_or_--all-addresses: UNKNOWN naming both" check_mail_tls UNKNOWN \
    "--resolver and --trust-anchor are for --dane and --all-addresses" \
    -H pool.example.test -p "$PF_SMTP" -P smtp --resolver "$DNS_RESOLVER"
run_plugin check_mail_tls --help
tap_like "$OUT" "-4 leaves IPv6 out" "--help says how to leave IPv6 out"
tap_like "$OUT" "an address as -H is that" "--help says what an address as -H means"

tap_done
