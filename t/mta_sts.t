# mta_sts.t - check_mta_sts against real servers: NSD serving example.test
# (t/lib/dns.sh: MX, A, the _mta-sts and _smtp._tls TXT records), nginx
# serving the policy over HTTPS with the fixture PKI (and one policy host
# with an expired certificate, one that redirects, and by SNI one for a
# second domain, sub.example.test), Postfix as the MX (and on 127.0.0.2,
# a second node of the MX, with a valid certificate for another name).
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/nginx.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_require_nginx
dns_require
fixture_pki
fixture_postfix_extra_master() {
	echo "127.0.0.2:$PF_SMTP inet n - n - - smtpd -o tls_server_sni_maps=" \
	    "-o smtpd_tls_chain_files=$PKI/wrongname.key,$PKI/wrongname.fullchain.crt"
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.2:$PF_SMTP"
}
fixture_start_postfix
fixture__tmp

POLICY=$TP_TMP/policy.txt
# The policy host of a second domain, so that two share one --state-file.
SUBPKI=$TP_TMP/pki-sub
(
	set -e
	mkdir -p "$SUBPKI"
	cd "$SUBPKI"
	export TP_SAN=DNS:unused TP_KU=digitalSignature	# read by ca.cnf
	fixture__pki_cnf >ca.cnf
	cp "$PKI/inter.crt" "$PKI/inter.key" .
	fixture__leaf mta-sts-sub mta-sts.sub.example.test
) >"$TP_TMP/pki-sub.log" 2>&1 || tap_bail "cannot issue mta-sts.sub.example.test's certificate"
servers() {
	local p=("${NG_PORT[@]}") ok="$PKI/mta-sts" sub="$SUBPKI/mta-sts-sub"
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
	server {
	  listen 127.0.0.1:${p[0]} ssl;
	  server_name mta-sts.sub.example.test;
	  ssl_certificate $sub.fullchain.crt; ssl_certificate_key $sub.key;
	  location = /.well-known/mta-sts.txt { alias $POLICY; }
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
# valgrind: DNSSEC validation of every MX's A and AAAA takes seconds there
# (the default -t 10 ran out twice under load); a later -t still wins.
[ -n "${TP_WRAPPER:-}" ] && STS+=(-t 30)

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
# -r from a pipe: read once, for the policy host and every MX (each MX
# re-read -r and found the pipe drained: "holds no trusted certificate").
dns_reload_zone signed "$(zone "example.test. IN MX 20 mx2.example.test." "mx2.example.test. IN A 127.0.0.1")"
policy enforce 604800 mail.example.test '*.example.test'
expect "-r from a pipe: the policy host and both MX verify against it (was: the MX 'hold no trusted certificate')" \
    check_mta_sts CRITICAL "MX mx2\.example\.test: the certificate 'mail\.example\.test' does not cover the MX name" \
    -D example.test --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR" \
    --https-port "${NG_PORT[0]}" --smtp-port "$PF_SMTP" -r <(cat "$PKI/root.crt")
tap_like "$OUT" "^\[OK\] MX mail\.example\.test \(preference 10\): STARTTLS, chain valid for its name$" \
    "... the first MX verifies with the piped roots"
tap_unlike "$OUT" "holds no trusted certificate" "... and no MX says the roots hold no certificate"
tap_like "$LINE1" "\| mx=2 mx_ok=1 " "perfdata: the MX whose certificate does not cover its name is not ok (was mx_ok=2)"

# One MX, two nodes: the second was given another name's certificate. A
# sender landing there fails; the check probes every address and names it.
dns_reload_zone signed "$(zone "mail.example.test. IN A 127.0.0.2")"
policy enforce 604800 mail.example.test
expect "mx_node_serving_another_names_certificate: CRITICAL, that address named" check_mta_sts CRITICAL \
    "^MTA_STS CRITICAL - example\.test: MX mail\.example\.test 127\.0\.0\.2: the certificate 'wrong\.example\.test' does not cover the MX name" \
    "${STS[@]}"
tap_like "$OUT" "^\[OK\] MX mail\.example\.test 127\.0\.0\.1 \(preference 10\): STARTTLS, chain valid for its name$" \
    "... the healthy node of the same MX is OK, named by its address"
tap_like "$LINE1" "\| mx=1 mx_ok=0 " "... perfdata: the MX is not ok while one of its nodes fails"
policy testing 604800 mail.example.test
expect "... in testing mode: WARNING, the same node named" check_mta_sts WARNING \
    "MX mail\.example\.test 127\.0\.0\.2: the certificate 'wrong\.example\.test' does not cover the MX name" \
    "${STS[@]}"
dns_reload_zone signed "$(zone "mail.example.test. IN A 127.0.0.3")"
policy enforce 604800 mail.example.test
expect "mx_node_down: CRITICAL, the node that refuses named" check_mta_sts CRITICAL \
    "MX mail\.example\.test 127\.0\.0\.3: .*refused" "${STS[@]}"
# check_mail_tls --mx goes the same path (lib/probe/mx_probe.c): line one
# names the MX as well as the address.
expect "... check_mail_tls --mx: the MX and its refusing address on line one" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - example\.test: 1 of 1 MX fails: MX mail\.example\.test: 1 of 2 addresses cannot be reached: 127\.0\.0\.3 \|" \
    --mx example.test -r "$PKI/root.crt" -p "$PF_SMTP" --resolver "$DNS_RESOLVER" \
    --trust-anchor "$DNS_TRUST_ANCHOR" ${TP_WRAPPER:+-t 30}
dns_reload_zone signed "$(zone)"
policy enforce 604800 mail.example.test

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

# --- --state-file: lib/check/statefile.c's file, one record per domain ----------------------
D=$TP_TMP/state.d
mkdir -p "$D"
policy_sha() { sha256sum <"$POLICY" | cut -d' ' -f1; }
SUB=("${STS[@]}" -D sub.example.test)
SUBZONE=("sub.example.test. IN MX 10 mail.example.test." "mta-sts.sub.example.test. IN A 127.0.0.1"
    '_mta-sts.sub.example.test. IN TXT "v=STSv1; id=sub1"'
    '_smtp._tls.sub.example.test. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"')
policy enforce 604800 mail.example.test
dns_reload_zone signed "$(zone "${SUBZONE[@]}")"
printf "somebody else's notes\n" >"$D/shared.tmp"
expect "--state-file, a new file: OK, the policy remembered" check_mta_sts OK "OK - " \
    "${STS[@]}" --state-file "$D/shared"
tap_like "$OUT" "^\[OK\] first check of example\.test with --state-file: remembering policy id 20261125T1 \(sha256 [0-9a-f]{16}\)$" \
    "... the long output says so"
tap_is "$(stat -c %a "$D/shared") $(head -n 1 "$D/shared")" "600 tls-probe mta-sts 1" \
    "... the file is 0600 and begins with its format and version (was 0644, one bare line)"
tap_is "$(cat "$D/shared.tmp" 2>&1) / $(ls -A "$D" | tr '\n' ' ')" "somebody else's notes / shared shared.tmp " \
    "... a file named PATH.tmp is left alone and no temporary file is left behind (was written over and renamed)"
expect "a second domain into the same file: OK" check_mta_sts OK "sub\.example\.test: MTA-STS enforce" \
    "${SUB[@]}" --state-file "$D/shared"
tap_is "$(tail -n +2 "$D/shared" | cut -f 1 | sort | tr '\n' ' ')" "example.test sub.example.test " \
    "... both domains keep their record (was one line: the last domain's)"
policy enforce 1209600 mail.example.test
expect "the policy changed, its id did not: WARNING for the first domain, from the shared file" check_mta_sts WARNING \
    "the policy changed but its id '20261125T1' did not" "${STS[@]}" --state-file "$D/shared"
expect "... and for the second one (was OK: the other domain's id overwritten)" check_mta_sts WARNING \
    "the policy changed but its id 'sub1' did not" "${SUB[@]}" --state-file "$D/shared"

# A file of earlier versions: the one line "ID SHA256", judged with, then rewritten.
OLDSHA=$(policy_sha)
printf '20261125T1 %s\n' "$OLDSHA" >"$D/old"
chmod 644 "$D/old"
policy enforce 604800 mail.example.test
expect "a state file of the old one-line format, the policy changed since: WARNING" check_mta_sts WARNING \
    "the policy changed but its id '20261125T1' did not" "${STS[@]}" --state-file "$D/old"
tap_like "$OUT" "^\[OK\] --state-file: .*/old held the one-line format of earlier versions; rewritten as 'tls-probe mta-sts 1'$" \
    "... the long output says it was migrated"
tap_is "$(stat -c %a "$D/old")
$(cat "$D/old")" "600
tls-probe mta-sts 1
example.test	20261125T1:$OLDSHA" \
    "... rewritten in the new format, 0600, the old policy kept (was left as it was)"
expect "... and still WARNING on the next run, from the new format" check_mta_sts WARNING \
    "the policy changed but its id '20261125T1' did not" "${STS[@]}" --state-file "$D/old"

printf '[client]\npassword=secret\n' >"$D/foreign"
cp -p "$D/foreign" "$D/foreign.orig"
expect "somebody else's file as --state-file: UNKNOWN naming the option and the path (was OK, the file overwritten)" \
    check_mta_sts UNKNOWN "--state-file: the state file .*/foreign is not a tls-probe state file" \
    "${STS[@]}" --state-file "$D/foreign"
tap_ok "... and it is left byte for byte as it was" cmp -s "$D/foreign" "$D/foreign.orig"

printf 'tls-probe mta-sts 1\nexample.test 20261125T1 without its tab\n' >"$D/damaged"
expect "a damaged state file: WARNING, said once (was OK)" check_mta_sts WARNING \
    "the state file .*/damaged is damaged at line 2: read as empty, rewritten" \
    "${STS[@]}" --state-file "$D/damaged"
tap_is "$(grep -c '^\[WARNING\] .*damaged' <<<"$OUT")" 1 "... in one line of the long output"
expect "... and rewritten: OK on the next run" check_mta_sts OK "OK - " "${STS[@]}" --state-file "$D/damaged"
tap_is "$(cat "$D/damaged")" "tls-probe mta-sts 1
example.test	20261125T1:$(policy_sha)" "... the file holds the domain's record in the new format"

# A directory that cannot be written when the file is replaced: root ignores
# its mode, so it is made immutable then (where the file system allows).
mkdir -p "$D/ro"
: >"$D/ro/state"
if [ "$(id -u)" = 0 ]; then lock_dir() { chattr +i "$1"; }; unlock_dir() { chattr -i "$1"; }
else lock_dir() { chmod 555 "$1"; }; unlock_dir() { chmod 755 "$1"; }; fi
if lock_dir "$D/ro" 2>/dev/null && ! : 2>/dev/null >"$D/ro/probe"; then
	run_plugin check_mta_sts "${STS[@]}" --state-file "$D/ro/state"
	unlock_dir "$D/ro"
	tap_is "$RC $(grep -c '^\[WARNING\] --state-file: cannot write the state file .*/ro/state: ' <<<"$OUT")" "1 1" \
	    "the state file cannot be replaced at the end: WARNING naming --state-file and the path (was UNKNOWN)"
else
	unlock_dir "$D/ro" 2>/dev/null
	tap_skip "cannot make a directory unwritable here"
fi

dns_reload_zone signed "$(zone -sts)"
expect "no MTA-STS record: CRITICAL" check_mta_sts CRITICAL "no MTA-STS record" "${STS[@]}"

# --- records DNS allows but nobody expects: read whole, never "no record" ---------------
# long_txt OWNER HEAD FIELDS: a TXT record of HEAD and FIELDS extension fields
# "; xN=aaa...", 240 bytes each, as strings of at most 255 bytes (one RDATA).
long_txt() {
	local owner=$1 text=$2 i pad
	pad=$(printf 'a%.0s' {1..232})
	for ((i = 0; i < $3; i++)); do text+=$(printf '; x%03d=%s' "$i" "$pad"); done
	printf '%s IN TXT (' "$owner"
	while [ -n "$text" ]; do printf ' "%s"' "${text:0:255}"; text=${text:255}; done
	printf ' )\n'
}
dns_reload_zone signed "$(zone -sts -rpt
	long_txt _mta-sts.example.test. 'v=STSv1; id=20261125T3' 250
	long_txt _smtp._tls.example.test. 'v=TLSRPTv1; rua=mailto:tlsrpt@example.test' 10)"
BIG=$(drill -t -p "$DNS_PORT" @127.0.0.1 TXT _mta-sts.example.test | awk '/^;; MSG SIZE/ { print $NF }')
tap_ok "the fixture serves a _mta-sts answer of about 60,000 bytes (here $BIG)" test "${BIG:-0}" -gt 60000
expect "a valid MTA-STS record of 60,000 bytes is read whole (was 'the name has no TXT record')" \
    check_mta_sts OK "policy id 20261125T3" "${STS[@]}"
tap_like "$OUT" "^\[OK\] TLS-RPT: reports go to mailto:tlsrpt@example\.test$" \
    "... and a 2,400-byte TLS-RPT record too"
dns_reload_zone signed "$(zone -sts
	long_txt _mta-sts.example.test. 'v=STSv1; id=20261125T3; x=y;;' 10)"
expect "a long record that breaks the grammar is named by its fault, not as missing" check_mta_sts CRITICAL \
    "MTA-STS record field 4 is empty \(two ';' in a row\)" "${STS[@]}"
dns_reload_zone signed "$(zone -sts
	for i in $(seq -w 1 250); do echo "_mta-sts.example.test. IN TXT \"x$i\""; done
	echo '_mta-sts.example.test. IN TXT "v=STSv1; id=20261125T4"')"
# (libunbound rotates an RRset: 8 of 251 were read, the record among them by chance)
expect "the MTA-STS record among 251 TXT records is found (only 8 were read)" check_mta_sts OK \
    "policy id 20261125T4" "${STS[@]}"
dns_reload_zone signed "$(zone "example.test. IN MX 20 bad\\033name.example.test.")"
expect "an MX naming no host name beside a good one: WARNING, counted as not checked" check_mta_sts WARNING \
    "1 MX record of example\.test names no host name .* and was not checked" "${STS[@]}"
dns_reload_zone signed "$(zone | sed 's/^example\.test\. IN MX .*/example.test. IN MX 10 bad\\033name.example.test./')"
expect "only such an MX: CRITICAL, and not 'has no MX record'" check_mta_sts CRITICAL \
    "none of the 1 MX records of example\.test names a host name" "${STS[@]}"

# --- -t shared between the phases: a slow one does not make the next blame a healthy server ---
HH=$top_builddir/t/helpers/hostile_http HD=$top_builddir/t/helpers/hostile_dns
helper_start() {	# helper_start PROGRAM ARGS...: run a helper in the background, set HELPER_PORT
	fixture_start_helper HELPER_PORT "$@"
	HELPER_PIDS+=("$FIXTURE_HELPER_PID")
}
if [ -x "$HH" ] && [ -x "$HD" ]; then
	HELPER_PIDS=()
	TT=4; [ -n "${TP_WRAPPER:-}" ] && TT=8	# valgrind: DNSSEC validation alone takes seconds
	policy enforce 604800 mail.example.test
	dns_reload_zone signed "$(zone)"
	helper_start "$HH" slow_drip "$PKI/mta-sts.key" "$PKI/mta-sts.fullchain.crt"
	expect "a policy host dripping one byte a second: its own line, within -t $TT" check_mta_sts CRITICAL \
	    "mta-sts\.txt cannot be fetched: 127\.0\.0\.1:$HELPER_PORT accepted the connection" \
	    "${STS[@]}" --https-port "$HELPER_PORT" -t "$TT"
	tap_like "$OUT" "^\[CRITICAL\] .* gave no complete answer within [0-9]+ ms \(the policy fetch gets half of the time left, the MX the rest\)$" \
	    "... the long output says the fetch had half of -t"
	tap_like "$OUT" "^\[OK\] MX mail\.example\.test \(preference 10\): STARTTLS, chain valid for its name$" \
	    "... and the healthy MX is checked OK on its share of -t (was 'within 1 ms', 'a firewall dropping packets')"
	if [ -n "${TP_WRAPPER:-}" ]; then
		tap_skip "wall time under TP_WRAPPER"
	else
		tap_ok "... it took $SECONDS_TAKEN ms, within -t $TT plus slack" \
		    test "$SECONDS_TAKEN" -lt $((TT * 1000 + ${TP_TIME_SLACK_MS:-800}))
	fi
	dns_reload_zone signed "$(zone "example.test. IN MX 20 mx2.example.test." "mx2.example.test. IN A 127.0.0.1")"
	helper_start "$HD" "$DNS_PORT" A
	expect "a resolver that loses A queries: the policy host's lookup is named, on its share of -t" check_mta_sts CRITICAL \
	    "the policy host: no DNS answer for mta-sts\.example\.test A from 127\.0\.0\.1@$HELPER_PORT within [0-9]{3,} ms" \
	    "${STS[@]}" --resolver "127.0.0.1@$HELPER_PORT" -t "$TT"
	tap_like "$OUT" "^\[CRITICAL\] MX mail\.example\.test: no DNS answer for mail\.example\.test A from 127\.0\.0\.1@$HELPER_PORT within [0-9]{3,} ms$" \
	    "... the first MX names the lookup that hung, on the MX lookups' share"
	tap_like "$OUT" "^\[CRITICAL\] MX mx2\.example\.test: not checked: the time ran out in the DNS lookups of the MX \(it took [0-9.]+ s of -t $TT s\)$" \
	    "... the second is not checked, and says where the time went (was 'no DNS answer within 1 ms')"
	tap_unlike "$OUT" "within [0-9] ms" "... no lookup started with no time left"
	helper_start "$HD" "$DNS_PORT" TXT
	expect "a resolver that loses TXT queries: the MTA-STS record's lookup is named, on its quarter of -t" \
	    check_mta_sts CRITICAL "no DNS answer for _mta-sts\.example\.test TXT from 127\.0\.0\.1@$HELPER_PORT within [0-9]{3,} ms" \
	    "${STS[@]}" --resolver "127.0.0.1@$HELPER_PORT" -t "$TT"
	tap_like "$OUT" "^\[CRITICAL\] the TLS-RPT record: not checked: the time ran out in the DNS lookups of the MTA-STS and TLS-RPT records \(it took [0-9.]+ s of -t $TT s\)$" \
	    "... the TLS-RPT record is not looked up, and says why"
	tap_like "$OUT" "^\[OK\] MX mail\.example\.test \(preference 10\): STARTTLS, chain valid for its name$" \
	    "... and the MX are still checked (were 'no DNS answer within 1 ms')"
	run_plugin check_mta_sts "${STS[@]}" --resolver "127.0.0.1@$HELPER_PORT" -t "$TT:unknown"
	tap_like "$OUT" "^\[UNKNOWN\] no DNS answer for _mta-sts\.example\.test TXT" \
	    "... with -t $TT:unknown the lost lookup has the timeout's state (was CRITICAL, the domain's fault)"
	kill "${HELPER_PIDS[@]}" 2>/dev/null
	wait "${HELPER_PIDS[@]}" 2>/dev/null
else
	tap_skip "t/helpers/hostile_http or hostile_dns not built (make check builds them)" 12
fi

# --- libcurl that cannot be loaded (it is loaded by the policy fetch, not linked) ---
SONAME=${TP_LIBCURL_SONAME:-libcurl.so.4}
mkdir -p "$TP_TMP/no-libcurl" && printf 'not a library\n' >"$TP_TMP/no-libcurl/$SONAME"
policy enforce 604800 mail.example.test
dns_reload_zone signed "$(zone)"
LD_LIBRARY_PATH=$TP_TMP/no-libcurl expect "libcurl cannot be loaded: UNKNOWN, saying which file and which package" \
    check_mta_sts UNKNOWN "mta-sts\.txt cannot be fetched: cannot load ${SONAME//./\\.} to fetch URLs \(install the package libcurl4\): " \
    "${STS[@]}"

# --- usage -------------------------------------------------------------------------
expect "no -D: UNKNOWN" check_mta_sts UNKNOWN "-D/--domain is required" --resolver "$DNS_RESOLVER"
expect "--https-port 0: UNKNOWN" check_mta_sts UNKNOWN "--https-port: '0' is not a port number" \
    -D example.test --https-port 0
expect "a -D with an empty label: UNKNOWN, the name given (was CRITICAL 'failed: syntax error')" check_mta_sts UNKNOWN \
    "-D/--domain: 'example\.\.test' is not a host name \(it has an empty label\)" \
    "${STS[@]}" -D example..test
expect "a -D with a 64-character label: UNKNOWN" check_mta_sts UNKNOWN "is not a DNS name" \
    "${STS[@]}" -D "$(printf 'a%.0s' {1..64}).example.test"
expect "--resolver that is not an address: UNKNOWN" check_mta_sts UNKNOWN \
    "--resolver: 'ns\.example\.test' is not ADDR\[@PORT\]" -D example.test --resolver ns.example.test
tap_done
