# key_types.t - dual certificates (issue 17): Postfix with an RSA and an
# ECDSA chain in smtpd_tls_chain_files, Dovecot with ssl_cert and
# ssl_alt_cert. The ACME client renews one, the other was installed by hand
# and rots; our default handshake always gets the ECDSA one. --key-types
# asks for each by its signature algorithms and judges each in full; a type
# the server lacks is CRITICAL when named, a note under "all".
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
command -v jq >/dev/null || tap_skip_all "jq not installed"
fixture_pki
fixture_start_postfix
fixture_start_dovecot
T=$TP_TMP
R=(-r "$PKI/root.crt")
PF=("${R[@]}" -H 127.0.0.1 --sni mail.example.test -p "$PF_SMTP" -P smtp)
DV=("${R[@]}" -H 127.0.0.1 --sni mail.example.test -p "$DV_IMAPS" -P imaps)

# text_of LINE1: line one without its perfdata.
text_of() {
	printf '%s' "${1%% | *}"
}
# fp NAME: $PKI/NAME.crt's (or NAME.crt's) SHA-256 as the JSON has it.
fp() {
	fixture_cert_fp "$1" | tr -d : | tr A-F a-f
}
# leaf_only NAME KEY CRT: $T/NAME.key and a "fullchain" that is the leaf alone.
leaf_only() {
	cp "$PKI/$2.key" "$T/$1.key"
	cp "$PKI/$3.crt" "$T/$1.crt"
	cp "$PKI/$3.crt" "$T/$1.fullchain.crt"
}

# --- servers with an ECDSA certificate only (the fixture's default) -----------
expect "ecdsa_only_postfix_asked_for_rsa_by_name: CRITICAL, the server has no RSA certificate" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - 127\.0\.0\.1:$PF_SMTP \(smtp\): the server has no RSA certificate, so clients without ECDSA support cannot connect" \
    "${PF[@]}" --key-types rsa
tap_like "$OUT" "^\[CRITICAL\] the server has no RSA certificate, so clients without ECDSA support cannot connect: install one beside the ECDSA certificate \(Postfix: a second key and chain in smtpd_tls_chain_files; Dovecot: ssl_alt_cert and ssl_alt_key\) or leave rsa out of --key-types$" \
    "... the long output says what to do"
expect "ecdsa_only_dovecot_asked_for_rsa_by_name: check_cert_chain CRITICAL too" \
    check_cert_chain CRITICAL "^CERT_CHAIN CRITICAL - 127\.0\.0\.1: the server has no RSA certificate" \
    "${DV[@]}" --key-types rsa
tap_like "$OUT" "^RSA: the server closed the connection without a TLS alert when offered only RSA signatures, and completed a handshake with another certificate \(Dovecot refuses this way\)$" \
    "... Dovecot hangs up without an alert: the long output says how the check knows"
run_plugin check_cert_chain "${DV[@]}" --key-types all --output json
tap_is "$(jq -r '[.facts.sources[] | "\(.key_type) \(.served) \(.error // "")"] | join(", ")' <<<"$OUT")" \
    "RSA false the server has no RSA certificate, ECDSA true " \
    "... --output json says so per certificate, not the hang-up's PROXY hint"
expect "dovecot_expecting_a_proxy_header_hangs_up_on_every_handshake: down, not short of a certificate" \
    check_mail_tls CRITICAL \
    "\(imaps\): RSA certificate: the server (reset|closed) the connection mid-handshake, no TLS alert; services expecting a PROXY header do this" \
    "${R[@]}" -H 127.0.0.1 --sni mail.example.test -p "$DV_PROXY_IMAPS" -P imaps --key-types rsa
tap_unlike "$OUT" "no RSA certificate" "... it is not said to have no RSA certificate"
expect "ecdsa_only_postfix_under_key_types_all: OK, the missing RSA certificate noted" \
    check_mail_tls OK \
    "\(smtp\) TLSv1\.3: ECDSA certificate mail\.example\.test expires in [0-9]+ days, from tls-probe Test Intermediate R1; no RSA certificate served \|" \
    "${PF[@]}" --key-types all
tap_like "$OUT" "^\[OK\] no RSA certificate: clients without ECDSA support cannot connect \(a note; --key-types all alerts only on what is served\)$" \
    "... the long output notes it without an alert"
tap_like "$LINE1" " days_left_ecdsa=[0-9]+;" "... perfdata of the ECDSA certificate carry its type"
tap_unlike "$LINE1" "days_left_rsa" "... and there are none of an RSA certificate never served"
expect "ecdsa_only_dovecot_under_key_types_all: check_cert_chain OK with the note" \
    check_cert_chain OK \
    "^CERT_CHAIN OK - 127\.0\.0\.1: ECDSA chain complete and in order for mail\.example\.test, [0-9]+ days left at the least; no RSA certificate served \|" \
    "${DV[@]}" --key-types all

# --- both certificates fine -------------------------------------------------------
fixture_swap_cert postfix mail mail-rsa || tap_bail "Postfix does not serve mail and mail-rsa"
fixture_swap_cert dovecot mail mail-rsa || tap_bail "Dovecot does not serve mail and mail-rsa"
expect "postfix_dual_certificates_both_fine: OK naming both" check_mail_tls OK \
    "\(smtp\) TLSv1\.3: RSA certificate mail\.example\.test expires in 1[01][0-9] days, ECDSA certificate mail\.example\.test expires in (8[89]|90) days, from tls-probe Test Intermediate R1 \|" \
    "${PF[@]}" --key-types rsa,ecdsa
tap_like "$LINE1" " days_left_rsa=1[01][0-9];30:;12\.[0-9]+: .* days_left_ecdsa=(8[89]|90);30:;12: " \
    "... perfdata per key type, each with its certificate's thresholds"
tap_like "$LINE1" " time_left_rsa=[0-9]+s;.* lifetime_rsa=[0-9]+s;;;0 .* time_rsa=[0-9.]+s;;;0 " \
    "... time left, lifetime and timings per key type too"
tap_like "$OUT" "^RSA sent\[0\] CN=mail\.example\.test, .* RSA 2048, " "... the long output's chains carry the type"
run_plugin check_mail_tls "${PF[@]}" --key-types all --output json
tap_is "$(jq -r '[.facts.certificates[] | "\(.key_type) \(.served) \(.chain[0].sha256)"] | join(", ")' <<<"$OUT")" \
    "RSA true $(fp mail-rsa), ECDSA true $(fp mail)" \
    "--output json: per certificate its key type, and each handshake got that type's certificate"
tap_is "$(jq -r '.facts.key_types' <<<"$OUT")" "all" "... and what --key-types asked for"
expect "dovecot_ssl_alt_cert_both_fine: check_cert_chain OK naming both" check_cert_chain OK \
    "^CERT_CHAIN OK - 127\.0\.0\.1: RSA and ECDSA chains complete and in order for mail\.example\.test, (8[89]|90) days left at the least \| days_left_rsa=1[01][0-9];.* days_left_ecdsa=(8[89]|90);" \
    "${DV[@]}" --key-types all
run_plugin check_cert_chain "${DV[@]}" --key-types all --output json
tap_is "$(jq -r '[.facts.sources[] | "\(.source) \(.key_type) \(.chain[0].sha256)"] | join(", ")' <<<"$OUT")" \
    "$DV_IMAPS/imaps RSA $(fp mail-rsa), $DV_IMAPS/imaps ECDSA $(fp mail)" \
    "check_cert_chain --output json: per source its key type and certificate"
expect "without --key-types the check still makes one handshake, as before" check_mail_tls OK \
    "\(smtp\) TLSv1\.3, cert mail\.example\.test from .* \| days_left=" "${PF[@]}"
tap_unlike "$OUT" "RSA certificate|ECDSA certificate" "... and names no key type"

# --- --state-file remembers each key type's certificate ---------------------------
S=$T/history
expect "state file, first check: both certificates remembered" check_mail_tls OK "" \
    "${PF[@]}" --key-types all --state-file "$S"
tap_like "$OUT" "^\[OK\] RSA certificate: first check with --state-file: remembering 'mail\.example\.test' \(sha256 $(fp mail-rsa | cut -c1-16)\)" \
    "... the RSA one under its own key"
tap_like "$OUT" "^\[OK\] ECDSA certificate: first check with --state-file: remembering 'mail\.example\.test' \(sha256 $(fp mail | cut -c1-16)\)" \
    "... the ECDSA one under its own"
expect "state file, second check: the two types do not pass for a change of each other" \
    check_mail_tls OK "" "${PF[@]}" --key-types all --state-file "$S"

# --- incidents: one of the two rots -----------------------------------------------
fixture_swap_cert postfix mail mail-rsa-expired || tap_bail "Postfix does not serve mail and mail-rsa-expired"
expect "rsa_certificate_renewed_by_hand_expired_while_ecdsa_is_fine: the default handshake sees nothing" \
    check_mail_tls OK "cert mail\.example\.test .* expires in (8[89]|90) days" "${PF[@]}"
expect "rsa_certificate_renewed_by_hand_expired_while_ecdsa_is_fine: --key-types all is CRITICAL naming RSA" \
    check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - 127\.0\.0\.1:$PF_SMTP \(smtp\): RSA certificate: chain does not verify: 'CN=mail\.example\.test' expired on [0-9-]{10}" \
    "${PF[@]}" --key-types all -w 100 -c 5
tap_unlike "$(text_of "$LINE1")" "ECDSA" "... line one does not blame the ECDSA certificate"
tap_like "$OUT" "^\[CRITICAL\] RSA certificate: certificate 'mail\.example\.test' expired on [0-9-]{10}" \
    "... the long output names the expired RSA certificate"
tap_like "$OUT" "^\[WARNING\] ECDSA certificate: certificate 'mail\.example\.test' expires in (8[89]|90) days" \
    "... and judges the ECDSA one in full (-w 100)"
tap_like "$LINE1" " days_left_rsa=-[0-9]+;100:;5: .* days_left_ecdsa=(8[89]|90);100:;5: " \
    "... perfdata per type with -w/-c"
expect "rsa_certificate_renewed_by_hand_expired: --state-file flags the older RSA certificate only" \
    check_mail_tls CRITICAL "RSA certificate: " "${PF[@]}" --key-types all --state-file "$S"
tap_like "$OUT" "^\[CRITICAL\] RSA certificate: serving an older certificate than on [0-9-]{10}" \
    "... the RSA certificate is older than the one seen before"
tap_unlike "$OUT" "ECDSA certificate: serving an older" "... the ECDSA one is not"
expect "rsa_certificate_renewed_by_hand_expired: check_cert_chain --ports names the port and the type" \
    check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - 127\.0\.0\.1: $PF_SMTP/smtp, RSA certificate: chain does not verify" \
    "${R[@]}" -H 127.0.0.1 --sni mail.example.test --ports "$PF_SMTP/smtp,$PF_SUBMISSIONS/submissions" --key-types rsa,ecdsa
tap_like "$OUT" "^\[CRITICAL\] $PF_SUBMISSIONS/submissions, RSA certificate: chain does not verify" \
    "... the other port too"
tap_like "$OUT" "^\[OK\] all 2 endpoints serve the same ECDSA certificate$" \
    "... ports are compared within a key type, not RSA against ECDSA"
tap_like "$LINE1" " days_left_${PF_SMTP}_rsa=-[0-9]+;.* days_left_${PF_SUBMISSIONS}_ecdsa=" "... perfdata per port and type"

leaf_only rsa-leafonly mail-rsa mail-rsa
fixture_swap_cert postfix mail "$T/rsa-leafonly" || tap_bail "Postfix does not serve mail and the RSA leaf alone"
expect "rsa_chain_installed_leaf_only_while_ecdsa_is_complete: CRITICAL naming RSA and the missing intermediate" \
    check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - 127\.0\.0\.1: RSA certificate: the server sends only the leaf; intermediate 'CN=tls-probe Test Intermediate R1,O=tls-probe test' \(issuer of the leaf\) is missing" \
    "${PF[@]}" --key-types all
tap_like "$OUT" "^\[OK\] ECDSA certificate: chain complete: 2 sent" "... the ECDSA chain is complete"
expect "rsa_chain_installed_leaf_only: check_mail_tls CRITICAL naming RSA" check_mail_tls CRITICAL \
    "\(smtp\): RSA certificate: chain does not verify" "${PF[@]}" --key-types rsa,ecdsa

# the reverse, on Dovecot: the ECDSA certificate rots, the RSA one is fine
fixture_swap_cert dovecot mail-expired mail-rsa || tap_bail "Dovecot does not serve mail-expired and mail-rsa"
expect "ecdsa_certificate_expired_while_rsa_is_fine: CRITICAL naming ECDSA" check_mail_tls CRITICAL \
    "^MAIL_TLS CRITICAL - 127\.0\.0\.1:$DV_IMAPS \(imaps\): ECDSA certificate: chain does not verify: 'CN=mail\.example\.test' expired on" \
    "${DV[@]}" --key-types rsa,ecdsa
tap_like "$OUT" "^\[OK\] RSA certificate: certificate 'mail\.example\.test' expires in 1[01][0-9] days" "... the RSA one is fine"
expect "ecdsa_certificate_expired_while_rsa_is_fine: the same through --proxy-protocol v2" check_mail_tls CRITICAL \
    "\(imaps\): ECDSA certificate: chain does not verify: 'CN=mail\.example\.test' expired on" \
    "${R[@]}" -H 127.0.0.1 --sni mail.example.test -p "$DV_PROXY_IMAPS" -P imaps --proxy-protocol v2 --key-types all
tap_like "$OUT" "^\[OK\] RSA certificate: chain verifies" "... the RSA handshake through the PROXY header works"
leaf_only ecdsa-leafonly mail mail
fixture_swap_cert dovecot "$T/ecdsa-leafonly" mail-rsa || tap_bail "Dovecot does not serve the ECDSA leaf alone and mail-rsa"
expect "ecdsa_chain_installed_leaf_only_while_rsa_is_complete: CRITICAL naming ECDSA" check_cert_chain CRITICAL \
    "^CERT_CHAIN CRITICAL - 127\.0\.0\.1: ECDSA certificate: the server sends only the leaf" \
    "${DV[@]}" --key-types rsa,ecdsa
tap_like "$OUT" "^\[OK\] RSA certificate: chain complete: 2 sent" "... the RSA chain is complete"
expect "ecdsa_chain_leaf_only: --key-types rsa asks for the RSA certificate alone: OK" check_cert_chain OK \
    "RSA chain complete and in order for mail\.example\.test" "${DV[@]}" --key-types rsa

# --- a server with neither (an Ed25519 certificate alone) --------------------------
openssl genpkey -algorithm ED25519 -out "$T/ed25519.key" 2>/dev/null
openssl req -new -key "$T/ed25519.key" -subj "/CN=mail.example.test" -out "$T/ed25519.csr"
printf 'subjectAltName=DNS:mail.example.test\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' >"$T/ed25519.ext"
openssl x509 -req -in "$T/ed25519.csr" -CA "$PKI/inter.crt" -CAkey "$PKI/inter.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 90 -extfile "$T/ed25519.ext" -out "$T/ed25519.crt" 2>/dev/null
cat "$T/ed25519.crt" "$PKI/inter.crt" >"$T/ed25519.fullchain.crt"
fixture_swap_cert postfix "$T/ed25519" || tap_bail "Postfix does not serve the Ed25519 certificate"
expect "ed25519_only_server_under_key_types_all: CRITICAL, neither an RSA nor an ECDSA certificate" \
    check_mail_tls CRITICAL "\(smtp\): the server has neither an RSA nor an ECDSA certificate" \
    "${PF[@]}" --key-types all
expect "ed25519_only_server: check_cert_chain says the same" check_cert_chain CRITICAL \
    "127\.0\.0\.1: the server has neither an RSA nor an ECDSA certificate" "${PF[@]}" --key-types all

# --- TLS 1.2: the cipher suite names the key type too ------------------------------
postconf -c "$PF_DIR" -e "smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1.3" ||
	tap_bail "cannot keep Postfix at TLS 1.2"
fixture_swap_cert postfix mail mail-rsa || tap_bail "Postfix does not serve mail and mail-rsa over TLS 1.2"
expect "tls12_dual_certificates: OK naming both" check_mail_tls OK \
    "\(smtp\) TLSv1\.2: RSA certificate mail\.example\.test expires in 1[01][0-9] days, ECDSA certificate" \
    "${PF[@]}" --key-types all
run_plugin check_mail_tls "${PF[@]}" --key-types all --output json
tap_like "$(jq -r '[.facts.certificates[] | "\(.key_type) \(.cipher) \(.chain[0].sha256)"] | join(", ")' <<<"$OUT")" \
    "^RSA ECDHE-RSA-[A-Z0-9-]+ $(fp mail-rsa), ECDSA ECDHE-ECDSA-[A-Z0-9-]+ $(fp mail)$" \
    "... each handshake negotiated its type's cipher suite and got its certificate"
fixture_swap_cert postfix mail-rsa || tap_bail "Postfix does not serve mail-rsa alone over TLS 1.2"
expect "tls12_rsa_only_server_asked_for_ecdsa: CRITICAL, no ECDSA certificate (not RSA key exchange)" \
    check_mail_tls CRITICAL "\(smtp\): the server has no ECDSA certificate, so clients without RSA support cannot connect" \
    "${PF[@]}" --key-types ecdsa
expect "tls12_rsa_only_server_under_all: OK with the note" check_mail_tls OK \
    "TLSv1\.2: RSA certificate mail\.example\.test expires in 1[01][0-9] days, from .*; no ECDSA certificate served" \
    "${PF[@]}" --key-types all
tap_done
