# mta_sts.t - check_mta_sts against real servers: NSD serving example.test
# (t/lib/dns.sh: MX, A, the _mta-sts and _smtp._tls TXT records), nginx
# serving the policy over HTTPS with the fixture PKI (and one policy host
# with an expired certificate, one that redirects), Postfix as the MX.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/nginx.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_require_nginx
dns_require
fixture_pki
fixture_start_postfix
fixture__tmp

POLICY=$TP_TMP/policy.txt
servers() {
	local p=("${NG_PORT[@]}") ok="$PKI/mta-sts"
	cat <<-EOF
	server {
	  listen 127.0.0.1:${p[0]} ssl;
	  ssl_certificate $ok.fullchain.crt; ssl_certificate_key $ok.key;
	  location = /.well-known/mta-sts.txt { alias $POLICY; }
	}
	server {
	  listen 127.0.0.1:${p[1]} ssl;
	  ssl_certificate $PKI/mta-sts-expired.fullchain.crt; ssl_certificate_key $PKI/mta-sts-expired.key;
	  location = /.well-known/mta-sts.txt { alias $POLICY; }
	}
	server {
	  listen 127.0.0.1:${p[2]} ssl;
	  ssl_certificate $ok.fullchain.crt; ssl_certificate_key $ok.key;
	  location / { return 301 https://mta-sts.example.test/elsewhere.txt; }
	}
	EOF
}
fixture_start_nginx 3 servers

# policy MODE MAX_AGE MX...: the policy file nginx serves.
policy() {
	local mode=$1 age=$2 mx
	shift 2
	{
		printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
		for mx in "$@"; do printf 'mx: %s\r\n' "$mx"; done
		printf 'max_age: %s\r\n' "$age"
	} >"$POLICY"
}

# zone [EXTRA...]: the domain's records; EXTRA lines are added, and
# "-sts" / "-rpt" leave the MTA-STS or TLS-RPT record out.
zone() {
	local sts=1 rpt=1 line
	printf '%s\n' "example.test. IN MX 10 mail.example.test." \
		"mail.example.test. IN A 127.0.0.1" "mta-sts.example.test. IN A 127.0.0.1"
	for line in "$@"; do
		case $line in
		-sts) sts= ;;
		-rpt) rpt= ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	[ -n "$sts" ] && echo '_mta-sts.example.test. IN TXT "v=STSv1; id=20261125T1"'
	[ -n "$rpt" ] && echo '_smtp._tls.example.test. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"'
	return 0
}

policy enforce 604800 mail.example.test
dns_start_zone signed "$(zone)"
STS=(-D example.test --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR"
    -r "$PKI/root.crt" --https-port "${NG_PORT[0]}" --smtp-port "$PF_SMTP")

# --- what works ------------------------------------------------------------------
expect "enforce, the MX covered and valid: OK" check_mta_sts OK \
    "example\.test: MTA-STS enforce, 1 MX covered with valid STARTTLS, policy id 20261125T1, max_age 604800" \
    "${STS[@]}"
tap_like "$OUT" "^\[OK\] MX mail\.example\.test \(preference 10\): STARTTLS, chain valid for its name$" \
    "long output: the MX and its TLS"
tap_like "$OUT" "^\[OK\] TLS-RPT: reports go to mailto:tlsrpt@example\.test$" "long output: the TLS-RPT address"
tap_like "$LINE1" "\| mx=1 mx_ok=1 days_left_min=(8[89]|90);30:;12:$" "perfdata: MX counted, fewest days"
run_plugin check_mta_sts "${STS[@]}" --output json
tap_is "$(jq -c '[.exit_code, .facts.domain, .facts.mode]' <<<"$OUT")" '[0,"example.test","enforce"]' \
    "JSON: exit code, domain and mode"

# --- the failures senders see --------------------------------------------------------
policy enforce 604800 mx9.example.test
expect "an MX the policy does not cover: CRITICAL" check_mta_sts CRITICAL \
    "MX mail\.example\.test is not covered by the policy's mx patterns: enforce senders will not deliver to it" \
    "${STS[@]}"

policy enforce 604800 mail.example.test
expect "the policy host serves an expired certificate: CRITICAL" check_mta_sts CRITICAL \
    "the policy host mta-sts\.example\.test fails certificate verification, so senders cannot fetch the policy" \
    "${STS[@]}" --https-port "${NG_PORT[1]}"
tap_like "$OUT" "^\[CRITICAL\] the policy host .*: .*expired" "... the reason is the expiry"

expect "a redirect for the policy: CRITICAL (senders do not follow)" check_mta_sts CRITICAL \
    "answers 301 \(a redirect, which senders do not follow: RFC 8461 section 3\.3\), not 200" \
    "${STS[@]}" --https-port "${NG_PORT[2]}"

printf 'version: STSv1\r\nmx: mail.example.test\r\nmax_age: 604800\r\n' >"$POLICY"
expect "a policy without mode: CRITICAL, the parser's sentence" check_mta_sts CRITICAL \
    "the policy at https://mta-sts\.example\.test/\.well-known/mta-sts\.txt is invalid: policy" \
    "${STS[@]}"

policy testing 604800 '*.example.test'
dns_reload_zone signed "$(zone "example.test. IN MX 20 mx2.example.test." "mx2.example.test. IN A 127.0.0.1")"
expect "testing mode with a broken MX: WARNING" check_mta_sts WARNING \
    "MX mx2\.example\.test: the certificate 'mail\.example\.test' does not cover the MX name" "${STS[@]}"
policy enforce 604800 '*.example.test'
expect "... the same MX in enforce mode: CRITICAL" check_mta_sts CRITICAL \
    "MX mx2\.example\.test: the certificate 'mail\.example\.test' does not cover the MX name" "${STS[@]}"

policy enforce 604800 mail.example.test
dns_reload_zone signed "$(zone -rpt)"
expect "no TLS-RPT record: WARNING" check_mta_sts WARNING \
    "WARNING - example\.test: no TLS-RPT record: .* \(senders cannot report delivery failures to the owner\)" "${STS[@]}"
policy enforce 3600 mail.example.test
dns_reload_zone signed "$(zone)"
expect "max_age under a day: WARNING" check_mta_sts WARNING "the policy's max_age is 3600 s, under a day" \
    "${STS[@]}"

policy enforce 604800 mail.example.test
expect "--state-file: the first run remembers the policy" check_mta_sts OK "OK - " \
    "${STS[@]}" --state-file "$TP_TMP/state"
tap_ok "... in the file it was given" test -s "$TP_TMP/state"
policy enforce 1209600 mail.example.test
expect "the policy changed, its id did not: WARNING" check_mta_sts WARNING \
    "the policy changed but its id '20261125T1' did not" "${STS[@]}" --state-file "$TP_TMP/state"
expect "... and still on the next run (until the id changes)" check_mta_sts WARNING \
    "the policy changed but its id '20261125T1' did not" "${STS[@]}" --state-file "$TP_TMP/state"
dns_reload_zone signed "$(zone -sts; echo '_mta-sts.example.test. IN TXT "v=STSv1; id=20261125T2"')"
expect "a new id with the new policy: OK again" check_mta_sts OK "policy id 20261125T2" \
    "${STS[@]}" --state-file "$TP_TMP/state"

dns_reload_zone signed "$(zone -sts)"
expect "no MTA-STS record: CRITICAL" check_mta_sts CRITICAL "no MTA-STS record" "${STS[@]}"

# --- usage -------------------------------------------------------------------------
expect "no -D: UNKNOWN" check_mta_sts UNKNOWN "-D/--domain is required" --resolver "$DNS_RESOLVER"
expect "--https-port 0: UNKNOWN" check_mta_sts UNKNOWN "--https-port: '0' is not a port number" \
    -D example.test --https-port 0
expect "--resolver that is not an address: UNKNOWN" check_mta_sts UNKNOWN \
    "--resolver: 'ns\.example\.test' is not ADDR\[@PORT\]" -D example.test --resolver ns.example.test
tap_done
