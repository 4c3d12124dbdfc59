# all_addresses_proxy.t - --all-addresses with --proxy-protocol (issue 17):
# a pool of Postfix nodes behind a load balancer's PROXY protocol
# (smtpd_upstream_proxy_protocol), each on its own loopback address on the
# one port, the name resolving to all of them through NSD (t/lib/dns.sh,
# --resolver). Each probe sends the header to its own address, v1 and v2,
# and each address is judged. The incidents: one node serving an expired
# certificate, one node not set up for the PROXY header (a new box
# installed without it), one address with nothing listening.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
dns_require
command -v jq >/dev/null || tap_skip_all "jq not installed"
fixture_pki

IPV6=0
fixture_have_ipv6 && IPV6=1
proxy_smtpd() {		# proxy_smtpd CERT: a listener expecting the header, with CERT's chain
	echo "inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy" \
	    "-o tls_server_sni_maps= -o smtpd_tls_chain_files=$PKI/$1.key,$PKI/$1.fullchain.crt"
}
# On PF_PROXY_SMTP (127.0.0.1 is the fixture's, with mail): 127.0.0.2 and
# 127.0.0.6 (and ::1) the renewal, 127.0.0.3 mail-expired, all expecting
# the header; 127.0.0.5 the renewal without PROXY; 127.0.0.4 nothing.
fixture_postfix_extra_master() {
	echo "127.0.0.2:$PF_PROXY_SMTP $(proxy_smtpd mail-renewed)"
	echo "127.0.0.6:$PF_PROXY_SMTP $(proxy_smtpd mail-renewed)"
	echo "127.0.0.3:$PF_PROXY_SMTP $(proxy_smtpd mail-expired)"
	echo "127.0.0.5:$PF_PROXY_SMTP inet n - n - - smtpd -o tls_server_sni_maps=" \
	    "-o smtpd_tls_chain_files=$PKI/mail-renewed.key,$PKI/mail-renewed.fullchain.crt"
	[ "$IPV6" = 1 ] && echo "[::1]:$PF_PROXY_SMTP $(proxy_smtpd mail-renewed)"
	return 0
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.2:$PF_PROXY_SMTP" "127.0.0.3:$PF_PROXY_SMTP" "127.0.0.5:$PF_PROXY_SMTP" \
	    "127.0.0.6:$PF_PROXY_SMTP"
	[ "$IPV6" = 1 ] && echo "::1:$PF_PROXY_SMTP"
	return 0
}
fixture_start_postfix

zone() {
	local a
	for a in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
		echo "pool.example.test. IN A $a"
	done
	echo "good.example.test. IN A 127.0.0.2"
	echo "good.example.test. IN A 127.0.0.6"
	echo "good.example.test. IN AAAA ::1"
}
dns_start_zone signed "$(zone)"
TT=10; [ -n "${TP_WRAPPER:-}" ] && TT=30	# valgrind: DNSSEC validation takes seconds
ARGS=(-t "$TT" -r "$PKI/root.crt" -p "$PF_PROXY_SMTP" -P smtp --sni mail.example.test
    --all-addresses --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR")
want_good=2
[ "$IPV6" = 1 ] && want_good=3
UNEXPECTED='the server does not expect a PROXY header: drop --proxy-protocol, or enable it'

for v in v1 v2; do
	expect "pool_behind_proxy_$v: every node expecting the header serves the renewal: OK" \
	    check_mail_tls OK \
	    "^MAIL_TLS OK - good\.example\.test:$PF_PROXY_SMTP \(smtp\) TLSv1\.3: all $want_good addresses serve the same certificate mail\.example\.test " \
	    -H good.example.test "${ARGS[@]}" --proxy-protocol "$v"
	tap_like "$LINE1" " days_left_127\.0\.0\.2=[0-9]+;.* days_left_127\.0\.0\.6=[0-9]+;" \
	    "... $v: perfdata per address"
	if [ "$IPV6" = 1 ]; then
		tap_like "$OUT" "^\[OK\] ::1: chain verifies" "... $v: the IPv6 node got its header (TCP6) and is judged"
	else
		tap_skip "no IPv6 on this host (::1)" 1
	fi

	expect "pool_behind_proxy_$v: an expired node, a node without PROXY, a silent address: CRITICAL, each named on line one" \
	    check_mail_tls CRITICAL \
	    "^MAIL_TLS CRITICAL - pool\.example\.test:$PF_PROXY_SMTP \(smtp\): 1 of 4 addresses serves an older certificate: 127\.0\.0\.3; 1 of 4 addresses cannot be reached: 127\.0\.0\.4; 1 of 4 addresses fails: 127\.0\.0\.5; " \
	    -H pool.example.test "${ARGS[@]}" --proxy-protocol "$v"
	tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.3: certificate 'mail\.example\.test' expired on " \
	    "... $v: the expired certificate said for its address"
	tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.5: .*$UNEXPECTED" \
	    "... $v: the node not set up for PROXY told so"
	tap_like "$OUT" "^\[OK\] 127\.0\.0\.2: chain verifies" "... $v: the healthy node judged OK"
	tap_like "$OUT" "^\[CRITICAL\] 127\.0\.0\.4: connection to 127\.0\.0\.4 port $PF_PROXY_SMTP refused" \
	    "... $v: the address with nothing listening said as such"

	run_plugin check_mail_tls -H pool.example.test "${ARGS[@]}" --proxy-protocol "$v" --output json
	tap_is "$(jq -r '[.exit_code] + [.facts.addresses[] | "\(.address) \(.state) reachable \(.reachable) served \(.served)"] | join(", ")' <<<"$OUT")" \
	    "2, 127.0.0.2 OK reachable true served true, 127.0.0.3 CRITICAL reachable true served true, 127.0.0.4 CRITICAL reachable false served false, 127.0.0.5 CRITICAL reachable true served false" \
	    "JSON $v: every address judged, with its state"
	tap_is "$(jq -r '.facts.addresses[0].chain[0].sha256' <<<"$OUT")" \
	    "$(fixture_cert_fp mail-renewed | tr -d : | tr A-F a-f)" "JSON $v: the healthy node's chain"
done

# check_cert_chain: the same pool, each address a source
CC=(-t "$TT" -r "$PKI/root.crt" -p "$PF_PROXY_SMTP" -P smtp --sni mail.example.test --all-addresses
    --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR")
for v in v1 v2; do
	expect "cert_chain_pool_behind_proxy_$v: CRITICAL, each wrong node named on line one" check_cert_chain CRITICAL \
	    "^CERT_CHAIN CRITICAL - pool\.example\.test: 1 of 4 addresses serves an older certificate: 127\.0\.0\.3; 1 of 4 addresses cannot be reached: 127\.0\.0\.4; 1 of 4 addresses fails: 127\.0\.0\.5; " \
	    -H pool.example.test -4 "${CC[@]}" --proxy-protocol "$v"
	run_plugin check_cert_chain -H pool.example.test -4 "${CC[@]}" --proxy-protocol "$v" --output json
	tap_is "$(jq -r '[.facts.sources[] | "\(.address) \(.served) \(.verified)"] | join(", ")' <<<"$OUT")" \
	    "127.0.0.2 true true, 127.0.0.3 true false, 127.0.0.4 false null, 127.0.0.5 false null" \
	    "JSON $v: one source per address, each judged"
	tap_like "$(jq -r '.facts.sources[3].error' <<<"$OUT")" "$UNEXPECTED" \
	    "JSON $v: the node not set up for PROXY says why it served nothing"
done
tap_done
