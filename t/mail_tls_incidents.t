# mail_tls_incidents.t - the failures of ../shared/INCIDENTS.md that one
# endpoint shows, reproduced against real Postfix, Dovecot and HAProxy, each
# turned into the state and first line an on-call engineer should see.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot
fixture_start_haproxy

smtp_as() {	# smtp_as SNI [ARGS...]: the multi-certificate SMTP listener
	local sni=$1
	shift
	printf '%s\n' -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni "$sni" "$@"
}
mapfile -t A < <(smtp_as mail.example.test)

# --- incident 3: the operator's one service check --------------------------
expect "STARTTLS not offered is CRITICAL and quotes the capabilities" check_mail_tls CRITICAL \
    'does not offer STARTTLS: its capabilities are .*PIPELINING' \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_NOTLS" -P smtp --sni mail.example.test
mapfile -t A < <(smtp_as days10.example.test -w 30 -c 15)
expect "10 days left with -w 30 -c 15 is CRITICAL" check_mail_tls CRITICAL \
    "certificate 'days10\.example\.test' expires in (9|10) days" "${A[@]}"
tap_like "$LINE1" "days_left=(9|10);30:;15:" "perfdata carries the days and both thresholds"
mapfile -t A < <(smtp_as days20.example.test -w 30 -c 15)
expect "20 days left with -w 30 -c 15 is WARNING" check_mail_tls WARNING \
    "expires in (19|20) days" "${A[@]}"
mapfile -t A < <(smtp_as expired.example.test)
expect "an expired certificate is CRITICAL" check_mail_tls CRITICAL \
    "expired on [0-9]{4}-[0-9]{2}-[0-9]{2}" "${A[@]}"
# It ended a day before the PKI was built (up to a day ago): whole days
# left round down, so part of a day past the end already counts as -1.
tap_like "$LINE1" "days_left=-(1|2);" "an expired certificate has negative days left, rounded down"
mapfile -t A < <(smtp_as wrongname.example.test)
expect "a certificate for another name is CRITICAL" check_mail_tls CRITICAL \
    "name mismatch: certificate 'wrong\.example\.test' does not cover wrongname\.example\.test" "${A[@]}"
mapfile -t A < <(smtp_as mail.example.test -i "Let's Encrypt")
expect "an issuer that does not match -i is CRITICAL" check_mail_tls CRITICAL \
    "issuer 'CN=tls-probe Test Intermediate R1,O=tls-probe test' does not match 'Let's Encrypt'" "${A[@]}"
mapfile -t A < <(smtp_as mail.example.test -i "Intermediate R1" -m mail.example.test)
expect "an issuer that matches -i with an explicit -m is OK" check_mail_tls OK "OK - " "${A[@]}"
mapfile -t A < <(smtp_as untrusted.example.test)
expect "an untrusted root is CRITICAL and named" check_mail_tls CRITICAL \
    "chain does not verify: .*tls-probe Untrusted Root" "${A[@]}"
expect "without -r the test root is not trusted (system store)" check_mail_tls CRITICAL \
    "chain does not verify" -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni mail.example.test
# The system store: the hashed directory first, the bundle file on demand;
# SSL_CERT_DIR and SSL_CERT_FILE stand in for them as in OpenSSL.
mkdir -p "$TP_TMP/no-certs"
SYSTEM=(-H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni mail.example.test)
SSL_CERT_DIR=$PKI/trust SSL_CERT_FILE=$TP_TMP/no-such.pem \
    expect "system store: a root in the hashed directory verifies" check_mail_tls OK "OK - " "${SYSTEM[@]}"
SSL_CERT_DIR=$TP_TMP/no-certs SSL_CERT_FILE=$PKI/root.crt \
    expect "system store: a root only in the bundle file verifies" check_mail_tls OK "OK - " "${SYSTEM[@]}"
SSL_CERT_DIR=$TP_TMP/no-certs SSL_CERT_FILE=$PKI/other-root.crt \
    expect "system store: a root in neither is CRITICAL" check_mail_tls CRITICAL \
    "chain does not verify: .*tls-probe Test Root CA" "${SYSTEM[@]}"
printf 'not a certificate\n' >"$TP_TMP/junk.pem"
expect "-r FILE without a certificate is UNKNOWN and named" check_mail_tls UNKNOWN \
    "'.*/junk\.pem' holds no trusted certificate" -r "$TP_TMP/junk.pem" "${SYSTEM[@]}"
expect "... also when the server is down (the bad -r comes first)" check_mail_tls UNKNOWN \
    "'.*/junk\.pem' holds no trusted certificate" -r "$TP_TMP/junk.pem" \
    -H 127.0.0.1 -p "$(fixture__freeports 1)" -P smtp
# A certificate block whose contents do not decode passes the first look
# (before connecting) and fails when the roots are decoded mid-handshake.
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' \
    >"$TP_TMP/broken.pem"
expect "-r FILE with a certificate that does not decode is UNKNOWN and named" \
    check_mail_tls UNKNOWN "'.*/broken\.pem' holds no trusted certificate" \
    -r "$TP_TMP/broken.pem" "${SYSTEM[@]}"
expect "... also when the server is down (the -r problem is still the one named)" \
    check_mail_tls UNKNOWN "'.*/broken\.pem' holds no trusted certificate" \
    -r "$TP_TMP/broken.pem" -H 127.0.0.1 -p "$(fixture__freeports 1)" -P smtp
expect "-r from a pipe (read once, decoded before connecting) verifies" check_mail_tls OK \
    "OK - " -r <(cat "$PKI/root.crt") "${SYSTEM[@]}"
mapfile -t A < <(smtp_as rsa1024.example.test)
expect "a 1024-bit RSA key is WARNING" check_mail_tls WARNING "1024-bit RSA key" "${A[@]}"
mapfile -t A < <(smtp_as sha1.example.test)
expect "a SHA-1 signed leaf is WARNING" check_mail_tls WARNING "signed with SHA1" "${A[@]}"
mapfile -t A < <(smtp_as mail.example.test --fingerprint "$(fixture_cert_fp other)")
expect "a fingerprint mismatch is CRITICAL" check_mail_tls CRITICAL "fingerprint is [0-9a-f]{64}, not the expected" "${A[@]}"

# --- incident 1: valid certificate, clients still complain ----------------
mapfile -t A < <(smtp_as leafonly.example.test -m mail.example.test)
expect "a leaf served without its intermediate is CRITICAL, the intermediate named" \
    check_mail_tls CRITICAL \
    "the issuer 'CN=tls-probe Test Intermediate R1,O=tls-probe test' of 'CN=mail\.example\.test' was not sent by the server" "${A[@]}"
expect "the served certificate equals the file on disk" check_mail_tls OK "OK - " \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test \
    --cert-file "$PKI/mail.fullchain.crt"
expect "renewed on disk but not reloaded is CRITICAL" check_mail_tls CRITICAL \
    "reload the service: it serves a certificate expiring [0-9-]+, not the one in " \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test \
    --cert-file "$PKI/mail-renewed.fullchain.crt"
tap_like "$OUT" "^\[CRITICAL\] reload the service: it serves a certificate expiring [0-9-]+, not the one in .*/mail-renewed\.fullchain\.crt \(expiring [0-9-]+\)$" \
    "... the long output names the file and both dates"
fixture_swap_cert postfix mail-renewed
expect "Postfix reloaded: submission serves the renewed certificate" check_mail_tls OK "OK - " \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test \
    --cert-file "$PKI/mail-renewed.fullchain.crt"
expect "Dovecot not reloaded: IMAPS still serves the old certificate" check_mail_tls CRITICAL \
    "reload the service: it serves a certificate expiring [0-9-]+, not the one in" \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" -P imaps --sni mail.example.test \
    --cert-file "$PKI/mail-renewed.fullchain.crt"

# --- incident 4: port 465 silent behind PROXY protocol ---------------------
P=(-r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test -P submissions)
expect "PROXY-protocol service without a header: the diagnosis names the PROXY protocol" \
    check_mail_tls CRITICAL "answered the TLS handshake in plain text; services expecting a PROXY header do this: try --proxy-protocol v1 or v2" \
    "${P[@]}" -p "$PF_PROXY"
expect "PROXY-protocol service with a v1 header is OK" check_mail_tls OK "OK - " "${P[@]}" -p "$PF_PROXY" --proxy-protocol v1
expect "PROXY-protocol service with a v2 header is OK" check_mail_tls OK "OK - " "${P[@]}" -p "$PF_PROXY" --proxy-protocol v2
expect "through HAProxy send-proxy is OK" check_mail_tls OK "OK - " "${P[@]}" -p "$HA_V1"
expect "through HAProxy send-proxy-v2 is OK" check_mail_tls OK "OK - " "${P[@]}" -p "$HA_V2"
expect "through HAProxy send-proxy to STARTTLS SMTP is OK" check_mail_tls OK "OK - " \
    -r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test -P smtp -p "$HA_SMTP_V1"
expect "a header sent to a service that expects none: named" check_mail_tls CRITICAL \
    "may not expect a PROXY header: drop --proxy-protocol" "${P[@]}" -p "$PF_SUBMISSIONS" --proxy-protocol v1
expect "STARTTLS service expecting PROXY: silent greeting ends at -t with a PROXY hint" \
    check_mail_tls CRITICAL "timeout in the greeting phase.*PROXY header do this: try --proxy-protocol v1 or v2" \
    -r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test -P smtp -p "$PF_PROXY_SMTP" -t 2
tap_ok "... and ends within 3 s (took ${SECONDS_TAKEN} ms)" test "$SECONDS_TAKEN" -lt $((3000 + ${TP_TIME_SLACK_MS:-0}))

# --- incident 5: the proxy's default certificate -------------------------
mapfile -t A < <(smtp_as traefik.example.test)
expect "a proxy default certificate is CRITICAL and says so" check_mail_tls CRITICAL \
    "proxy's default certificate 'TRAEFIK DEFAULT CERT'" "${A[@]}"

# --- the connection itself ----------------------------------------------
expect "-6 with an IPv4 address: CRITICAL, said without asking any resolver" check_mail_tls CRITICAL \
    "cannot resolve '127\.0\.0\.1' to an IPv6 address" -6 -H 127.0.0.1 -P smtp -p "$PF_SMTP"
closed=$("$top_builddir/t/helpers/freeports" 1)
expect "a closed port is CRITICAL: refused" check_mail_tls CRITICAL \
    "connection to 127\.0\.0\.1 port $closed refused" -H 127.0.0.1 -p "$closed" -P smtp
expect "-t 2:UNKNOWN turns a timeout into UNKNOWN" check_mail_tls UNKNOWN "timeout in the greeting phase" \
    -r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test -P smtp -p "$PF_PROXY_SMTP" -t 2:UNKNOWN
tap_done
