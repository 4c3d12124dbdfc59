# dane.t - check_mail_tls --dane against real servers: NSD serving a
# DNSSEC-signed example.test on 127.0.0.1 (t/lib/dns.sh) with the TLSA
# records of each scenario, Postfix's smtp port as the MX, libunbound in
# the plugin validating from the zone's own trust anchor.  The scenarios
# are the ones that stop mail from DANE-validating senders: a key change
# the TLSA records missed, insecure or bogus DNS, and rollover hazards.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/dns.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
dns_require
fixture_pki
fixture_start_postfix

MX=mail.example.test
TLSA_NAME=_$PF_SMTP._tcp.$MX

# spki NAME / cert_sha NAME: the "3 1 1" and "3 0 1" data of $PKI/NAME.crt.
spki() {
	openssl x509 -in "$PKI/$1.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1
}
cert_sha() {
	openssl x509 -in "$PKI/$1.crt" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
}
LEAF=$(spki mail) NEXT=$(spki mail-renewed) OLD=$(spki other)
INTER=$(spki inter) ROOT=$(spki root)

# zone TLSA...: the zone's records, with one TLSA line per argument
# ("3 1 1 HEX").
zone() {
	printf '%s\n' "example.test. IN MX 10 $MX." "$MX. IN A 127.0.0.1"
	local r
	for r in "$@"; do
		printf '%s. IN TLSA %s\n' "$TLSA_NAME" "$r"
	done
}

dns_start_zone signed "$(zone "3 1 1 $LEAF" "3 1 1 $NEXT")"
DANE=(-H "$MX" -p "$PF_SMTP" -P smtp -r "$PKI/root.crt" --dane --resolver "$DNS_RESOLVER"
    --trust-anchor "$DNS_TRUST_ANCHOR")

# --- what works ----------------------------------------------------------------
expect "3 1 1 for the served key plus the next key's record: OK" check_mail_tls OK \
    "OK - " "${DANE[@]}"
tap_like "$OUT" "^\[OK\] DANE: TLSA 3 1 1 ${LEAF:0:16}\.\.\. matches at chain depth 0 of 2 records, DNSSEC secure$" \
    "... the long output names the record that matched"
tap_like "$OUT" "^TLSA [12]/2 3 1 1 ${LEAF:0:16}\.\.\.: DANE-EE, pins the public key of 'mail\.example\.test' \(chain depth 0\): matches$" \
    "... and says what each record pins"
tap_like "$OUT" "^TLSA [12]/2 3 1 1 ${NEXT:0:16}\.\.\.: DANE-EE, matches nothing the server sent$" \
    "... the next key's record matches nothing yet"
run_plugin check_mail_tls "${DANE[@]}" --output json
tap_is "$(jq -c '[.exit_code, .facts.tlsa_records]' <<<"$OUT")" "[0,2]" "JSON: exit code and tlsa_records"

dns_reload_zone signed "$(zone "2 1 1 $INTER" "2 1 1 $ROOT")"
expect "2 1 1 on the intermediate (and one on the root): OK" check_mail_tls OK "OK - " "${DANE[@]}"
tap_like "$OUT" "^TLSA [12]/2 2 1 1 ${INTER:0:16}\.\.\.: DANE-TA, pins the public key of 'tls-probe Test Intermediate R1' \(chain depth 1\): matches$" \
    "... the intermediate named as the trust anchor"

# RFC 7672 2.2.2: an MX name that is a secure CNAME: TLSA at the target first.
dns_reload_zone signed "$(zone "3 1 1 $LEAF" "3 1 1 $NEXT"; echo "mx.example.test. IN CNAME $MX.")"
expect "an MX name that is a CNAME: the target's TLSA records, OK" check_mail_tls OK "OK - " \
    -H mx.example.test "${DANE[@]:2}"
tap_like "$OUT" "^\[OK\] DANE: TLSA 3 1 1 ${LEAF:0:16}\.\.\. matches" "... matched with the target's record"
dns_reload_zone signed "$(zone; echo "mx.example.test. IN CNAME $MX."
	echo "_$PF_SMTP._tcp.mx.example.test. IN TLSA 3 1 1 $LEAF"
	echo "_$PF_SMTP._tcp.mx.example.test. IN TLSA 3 1 1 $NEXT")"
expect "... no records at the target (a secure denial): the MX name's own, OK" check_mail_tls OK "OK - " \
    -H mx.example.test "${DANE[@]:2}"
dns_reload_zone signed "$(zone "3 1 1 $OLD" "3 1 1 $NEXT"; echo "mx.example.test. IN CNAME $MX."
	echo "_$PF_SMTP._tcp.mx.example.test. IN TLSA 3 1 1 $LEAF"
	echo "_$PF_SMTP._tcp.mx.example.test. IN TLSA 3 1 1 $NEXT")"
expect "... records at both names: the target's rule (here: no match, CRITICAL)" check_mail_tls CRITICAL \
    "" -H mx.example.test "${DANE[@]:2}"
tap_like "$OUT" "^\[CRITICAL\] DANE: no TLSA record matches the served key: publish '3 1 1 $LEAF' at $TLSA_NAME," \
    "... and the target is where to publish"

# --- the incidents -------------------------------------------------------------------
dns_reload_zone signed "$(zone "3 1 1 $OLD" "3 1 1 $NEXT")"
expect "the key changed, the TLSA records did not: CRITICAL, the served key named" check_mail_tls CRITICAL \
    "DANE: no TLSA record matches the served key: publish '3 1 1 $LEAF'" "${DANE[@]}"
tap_like "$OUT" "^\[CRITICAL\] DANE: .*: publish '3 1 1 $LEAF' at $TLSA_NAME, or serve the pinned key$" \
    "... the long output says where to publish it"

dns_reload_zone signed "$(zone "3 1 1 $LEAF")"
expect "a single 3 1 1 record: WARNING, rollover hazard" check_mail_tls WARNING \
    "DANE: a single TLSA record at $TLSA_NAME: the next change of what it pins \(a new key, a new issuer\) breaks delivery" "${DANE[@]}"

dns_reload_zone signed "$(zone "3 1 1 $LEAF" "3 0 1 $(cert_sha mail)")"
expect "every record pins the current leaf: WARNING" check_mail_tls WARNING \
    "DANE: every usable TLSA record at $TLSA_NAME pins the current leaf key" "${DANE[@]}"

dns_reload_zone signed "$(zone "1 1 1 $LEAF")"
expect "only a PKIX-EE record: CRITICAL, unusable for SMTP" check_mail_tls CRITICAL \
    "DANE: none of the 1 TLSA records at $TLSA_NAME is usable for SMTP" "${DANE[@]}"
tap_like "$OUT" "PKIX-EE, unusable for SMTP \(RFC 7672 section 3\.1\.3\)" "... the record is named as unusable"

dns_reload_zone signed "$(zone "3 1 1 $LEAF" "3 1 1 $NEXT" "3 1 1 ${LEAF:0:62}")"
expect "a malformed record next to good ones: WARNING naming it" check_mail_tls WARNING \
    "DANE: TLSA record '3 1 1 ${LEAF:0:16}\.\.\.' at $TLSA_NAME is malformed or unsupported" "${DANE[@]}"

dns_reload_zone signed "$(zone)"
expect "no TLSA record where --dane asks for one: CRITICAL" check_mail_tls CRITICAL \
    "DANE: no TLSA record at $TLSA_NAME" "${DANE[@]}"

dns_reload_zone bogus "$(zone "3 1 1 $LEAF" "3 1 1 $NEXT")"
expect "a broken signature: CRITICAL, bogus with the validator's reason" check_mail_tls CRITICAL \
    "DANE: the TLSA answer for $TLSA_NAME is bogus \(DNSSEC validation failed\): validating MTAs defer mail" "${DANE[@]}"
tap_like "$OUT" "^\[CRITICAL\] DANE: .* defer mail; validation failure <$TLSA_NAME\. TLSA IN>: .*signature" \
    "... the long output gives the validator's reason"

dns_reload_zone unsigned "$(zone "3 1 1 $LEAF" "3 1 1 $NEXT")"
UNSIGNED=("${DANE[@]:0:${#DANE[@]}-2}" --trust-anchor "$DNS_PARENT_TRUST_ANCHOR")
expect "the zone served unsigned: CRITICAL, insecure" check_mail_tls CRITICAL \
    "DANE: the TLSA lookup of $TLSA_NAME is insecure \(not DNSSEC-signed\)" "${UNSIGNED[@]}"

# --- DANE-EE with a self-signed certificate ---------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=$MX" -keyout "$TP_TMP/self.key" -out "$TP_TMP/self.crt" 2>/dev/null
SELF=$(openssl x509 -in "$TP_TMP/self.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -d' ' -f1)
dns_reload_zone signed "$(zone "3 1 1 $SELF" "3 1 1 $NEXT")"
postconf -c "$PF_DIR" -e "smtpd_tls_chain_files = $TP_TMP/self.key, $TP_TMP/self.crt" &&
	fixture__postfix_settle && postfix -c "$PF_DIR" reload >/dev/null 2>&1
want_fp=$(openssl x509 -in "$TP_TMP/self.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
for _ in $(seq 100); do
	[ "$(fixture_served_fp "$PF_SMTP" smtp)" = "$want_fp" ] && break
	sleep 0.1
done
expect "DANE-EE on a self-signed certificate: OK, PKIX not needed" check_mail_tls OK "OK - " "${DANE[@]}"
tap_like "$OUT" "^\[OK\] chain does not verify against the trust store, which DANE makes unneeded" \
    "... the chain problem is said, as not needed"

# --- DNS failures ----------------------------------------------------------------------
expect "a name outside the zone (SERVFAIL from the resolver): CRITICAL, said as such" check_mail_tls CRITICAL \
    "the DNS lookup of mail\.example\.org A failed: (SERVFAIL|REFUSED) from 127\.0\.0\.1@$DNS_PORT" \
    -H mail.example.org "${DANE[@]:2}"
expect "a trust anchor that is no DNSSEC key: UNKNOWN (the check cannot run)" check_mail_tls UNKNOWN \
    "the DNS resolver cannot start with these settings: is the trust anchor a file of DS or DNSKEY records" \
    "${DANE[@]}" --trust-anchor "$PKI/root.crt"

# A resolver that loses TLSA queries: the lookups may use half of -t, the probe keeps the rest.
HD=$top_builddir/t/helpers/hostile_dns
if [ -x "$HD" ]; then
	fixture_start_helper HD_PORT "$HD" "$DNS_PORT" TLSA
	HD_PID=$FIXTURE_HELPER_PID
	TT=4; [ -n "${TP_WRAPPER:-}" ] && TT=8	# valgrind: DNSSEC validation alone takes seconds
	expect "TLSA queries lost: CRITICAL" check_mail_tls CRITICAL "mail\.example\.test:$PF_SMTP" \
	    "${DANE[@]}" --resolver "127.0.0.1@$HD_PORT" -t "$TT"
	tap_like "$OUT" "^\[CRITICAL\] DANE: no DNS answer for $TLSA_NAME TLSA from 127\.0\.0\.1@$HD_PORT within [0-9]{4} ms$" \
	    "... the TLSA lookup is named, having had its half of -t"
	tap_like "$OUT" "^sent\[0\] CN=" \
	    "... and the server is still probed on the other half (was: a millisecond, then a PROXY hint or 'a firewall')"
	tap_unlike "$OUT" "PROXY|before the deadline|took the whole timeout|firewall" "... no invented cause"
	kill "$HD_PID"
	wait "$HD_PID" 2>/dev/null
else
	tap_skip "t/helpers/hostile_dns not built (make check builds it)" 4
fi

# --- usage --------------------------------------------------------------------------------
expect "--dane with an address for -H: UNKNOWN" check_mail_tls UNKNOWN \
    "--dane needs -H to be the mail host's name" -H 127.0.0.1 -p "$PF_SMTP" -P smtp --dane
expect "--dane with an -H that is no DNS name: UNKNOWN, the name given (was CRITICAL 'failed: syntax error')" \
    check_mail_tls UNKNOWN "-H/--hostname: 'mail\.\.example\.test' is not a host name \(it has an empty label\)" \
    -H mail..example.test "${DANE[@]:2}"
expect "--resolver without --dane: UNKNOWN" check_mail_tls UNKNOWN \
    "--resolver and --trust-anchor are for --dane" -H "$MX" --resolver 127.0.0.1
expect "--resolver that is not an address: UNKNOWN" check_mail_tls UNKNOWN \
    "--resolver: 'dns\.example\.test' is not ADDR\[@PORT\] with an IP address" -H "$MX" --dane --resolver dns.example.test
expect "--trust-anchor that does not exist: UNKNOWN" check_mail_tls UNKNOWN \
    "--trust-anchor: cannot read '/nonexistent'" -H "$MX" --dane --trust-anchor /nonexistent
tap_done
