# fixture.t - checks the test fixture itself, with openssl s_client only
# (no project code): the PKI is what the other tests assume, and every
# Postfix, Dovecot and HAProxy listener presents the certificate it should.
# Run: top_builddir=$PWD top_srcdir=$PWD bash t/fixture.t

set -u
. "${top_srcdir:-$top_builddir}/t/lib/fixture.sh"

fixture_require

# s_client PORT STARTTLS SNI [ARGS...]: handshake output (stdout+stderr);
# STARTTLS "" means implicit TLS.  Exit status is s_client's.
s_client() {
	local port=$1 starttls=$2 sni=$3
	shift 3
	[ -n "$starttls" ] && set -- -starttls "$starttls" "$@"
	# tr: some STARTTLS dialogues leave NUL bytes in the output
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername "$sni" \
		"$@" </dev/null 2>&1 | tr -d '\0'
	return "${PIPESTATUS[0]}"
}

# leaf_fp: SHA-256 fingerprint of the first certificate on stdin.
leaf_fp() {
	openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}

# chain_len: number of certificates in "s_client -showcerts" output.
chain_len() {
	grep -c -- '-----BEGIN CERTIFICATE-----'
}

# serves_verified WHAT PORT STARTTLS: the listener presents mail, and a
# strict client (our root, name check, verify errors fatal) accepts it.
serves_verified() {
	local out rc=0
	out=$(s_client "$2" "$3" mail.example.test -CAfile "$PKI/root.crt" \
		-verify_return_error -verify_hostname mail.example.test) || rc=$?
	tap_is "$rc" 0 "$1: strict handshake succeeds" ||
		tap_diag "$(printf '%s\n' "$out" | tail -n 5)"
	tap_is "$(leaf_fp <<<"$out")" "$(fixture_cert_fp mail)" \
		"$1: serves mail"
}

# serves WHAT PORT STARTTLS SNI NAME [ARGS...]: leaf served is NAME.
serves() {
	local what=$1 port=$2 starttls=$3 sni=$4 name=$5
	shift 5
	tap_is "$(s_client "$port" "$starttls" "$sni" \
		-cipher DEFAULT@SECLEVEL=0 "$@" | leaf_fp)" \
		"$(fixture_cert_fp "$name")" "$what: serves $name"
}

# ehlo PORT: the server's EHLO reply, via a plain bash socket.
ehlo() {
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	read -r -t 5 line <&3 || return 1		# 220 banner
	printf 'EHLO client.example.test\r\n' >&3
	while read -r -t 5 line <&3; do
		printf '%s\n' "${line%$'\r'}"
		[[ $line == 250\ * ]] && break
	done
	printf 'QUIT\r\n' >&3
	exec 3<&- 3>&-
}

# ---- the PKI ---------------------------------------------------------

check_pki() {
	local o
	fixture_pki
	tap_ok "mail chains to the root through inter" \
		openssl verify -CAfile "$PKI/root.crt" -untrusted "$PKI/inter.crt" \
		"$PKI/mail.crt"
	tap_ok "trust/ works as a CApath" \
		openssl verify -CApath "$PKI/trust" -untrusted "$PKI/inter.crt" \
		"$PKI/mail-renewed.crt"
	o=$(openssl verify -CAfile "$PKI/root.crt" "$PKI/untrusted.fullchain.crt" 2>&1)
	tap_unlike "$o" ': OK$' "untrusted does not chain to the root"
	tap_ok "expired has expired" \
		bash -c "! openssl x509 -checkend 0 -noout -in '$PKI/expired.crt'"
	tap_ok "days10 expires in 9 to 11 days" bash -c \
		"openssl x509 -checkend $((9 * 86400)) -noout -in '$PKI/days10.crt' &&
		! openssl x509 -checkend $((11 * 86400)) -noout -in '$PKI/days10.crt'"
	tap_ok "days20 expires in 19 to 21 days" bash -c \
		"openssl x509 -checkend $((19 * 86400)) -noout -in '$PKI/days20.crt' &&
		! openssl x509 -checkend $((21 * 86400)) -noout -in '$PKI/days20.crt'"
	o=$(openssl x509 -noout -text -in "$PKI/rsa1024.crt")
	tap_like "$o" 'Public-Key: \(1024 bit\)' "rsa1024 has a 1024-bit key"
	o=$(openssl x509 -noout -text -in "$PKI/sha1.crt")
	tap_like "$o" 'Signature Algorithm: .*SHA1' "sha1 is signed with SHA-1"
	o=$(openssl x509 -noout -subject -issuer -nameopt RFC2253 \
		-in "$PKI/traefik.crt")
	tap_is "$o" $'subject=CN=TRAEFIK DEFAULT CERT\nissuer=CN=TRAEFIK DEFAULT CERT' \
		"traefik is self-signed with Traefik's subject"
	tap_unlike "$(fixture_cert_fp mail-renewed)" "^$(fixture_cert_fp mail)$" \
		"mail-renewed differs from mail"
	tap_ok "mail-renewed has a new key" \
		bash -c "! cmp -s '$PKI/mail.key' '$PKI/mail-renewed.key'"
	check_pki_ocsp
}

# ocsp_check NAME RESPONSE [ARGS...]: "openssl ocsp" verifying RESPONSE
# for $PKI/NAME.crt against our root (stdout+stderr; status is openssl's).
ocsp_check() {
	local name=$1 resp=$2
	shift 2
	openssl ocsp -respin "$PKI/$resp" -issuer "$PKI/inter.crt" \
		-cert "$PKI/$name.crt" -CAfile "$PKI/root.crt" -no_nonce "$@" 2>&1
}

check_pki_ocsp() {
	local o rc
	o=$(ocsp_check mail mail.ocsp.der)
	tap_like "$o" "^Response verify OK" "mail's OCSP response verifies"
	tap_like "$o" "mail\.crt: good$" "mail's OCSP response says good"
	tap_like "$o" "Next Update: " "mail's OCSP response has a next update"
	o=$(ocsp_check revoked revoked.ocsp.der)
	tap_like "$o" "^Response verify OK" "revoked's OCSP response verifies"
	tap_like "$o" "revoked\.crt: revoked$" "revoked's OCSP response says revoked"
	rc=0
	o=$(ocsp_check mail-renewed mail-renewed.badocsp.der \
		-verify_other "$PKI/inter.crt") || rc=$?
	tap_unlike "$rc" '^0$' \
		"mail-renewed.badocsp.der does not verify (signed by other)"
	tap_like "$o" "missing ocspsigning usage" \
		"... because other is no delegated OCSP responder"
	tap_ok "haproxy/mail-ocsp.pem holds key and chain" \
		bash -c "openssl pkey -noout -in '$PKI/haproxy/mail-ocsp.pem' &&
		[ \$(grep -c 'BEGIN CERTIFICATE' '$PKI/haproxy/mail-ocsp.pem') = 2 ]"
	tap_ok "haproxy/mail.pem staples nothing (no .ocsp next to it)" \
		test ! -e "$PKI/haproxy/mail.pem.ocsp"
}

# ---- listeners ---------------------------------------------------------

check_default_listeners() {
	serves_verified PF_SMTP "$PF_SMTP" smtp
	serves_verified PF_SUBMISSION "$PF_SUBMISSION" smtp
	serves_verified PF_SUBMISSIONS "$PF_SUBMISSIONS" ""
	serves_verified DV_IMAP "$DV_IMAP" imap
	serves_verified DV_IMAPS "$DV_IMAPS" ""
	serves_verified DV_POP3 "$DV_POP3" pop3
	serves_verified DV_POP3S "$DV_POP3S" ""
	serves_verified DV_SIEVE "$DV_SIEVE" sieve
	serves_verified DV_LMTP "$DV_LMTP" lmtp
	serves_verified HA_V1 "$HA_V1" ""
	serves_verified HA_V2 "$HA_V2" ""
	serves_verified HA_SMTP_V1 "$HA_SMTP_V1" smtp
	tap_is "$(s_client "$PF_SMTP" smtp mail.example.test -showcerts |
		chain_len)" 2 "PF_SMTP sends leaf + intermediate"
}

check_no_starttls() {
	local reply
	reply=$(ehlo "$PF_SMTP")
	tap_like "$reply" '^250[- ]STARTTLS' "PF_SMTP offers STARTTLS"
	reply=$(ehlo "$PF_NOTLS")
	tap_like "$reply" '^250 ' "PF_NOTLS answers EHLO"
	tap_unlike "$reply" 'STARTTLS' "PF_NOTLS does not offer STARTTLS"
}

check_proxy_required() {
	local out rc=0
	out=$(s_client "$PF_PROXY" "" mail.example.test) || rc=$?
	tap_unlike "$rc" '^0$' "PF_PROXY without a PROXY header: handshake fails"
	tap_is "$(leaf_fp <<<"$out")" "" "PF_PROXY without a PROXY header: no cert"
}

check_postfix_sni() {
	local n d=example.test
	for n in other expired days10 days20 wrongname rsa1024 sha1 traefik \
	    untrusted; do
		serves "PF_SMTP SNI $n.$d" "$PF_SMTP" smtp "$n.$d" "$n"
	done
	serves "PF_SMTP SNI unknown.$d" "$PF_SMTP" smtp "unknown.$d" mail
	serves "PF_SMTP SNI leafonly.$d" "$PF_SMTP" smtp "leafonly.$d" mail
	tap_is "$(s_client "$PF_SMTP" smtp "leafonly.$d" -showcerts | chain_len)" \
		1 "PF_SMTP SNI leafonly.$d: leaf only, no intermediate"
	tap_is "$(s_client "$PF_SMTP" smtp "untrusted.$d" -showcerts | chain_len)" \
		2 "PF_SMTP SNI untrusted.$d: leaf + other-root"
	serves "PF_SUBMISSIONS SNI other.$d" "$PF_SUBMISSIONS" "" "other.$d" other
}

check_dovecot_sni() {
	serves "DV_IMAPS SNI other.example.test" "$DV_IMAPS" "" \
		other.example.test other
	serves "DV_IMAP SNI other.example.test" "$DV_IMAP" imap \
		other.example.test other
}

check_ipv6() {
	if ! fixture_have_ipv6; then
		tap_skip "no IPv6 loopback (::1)" 2
		return
	fi
	tap_is "$(fixture_served_fp "$PF_SMTP6" smtp mail.example.test ::1)" \
		"$(fixture_cert_fp mail)" "PF_SMTP6 on [::1]: serves mail"
	tap_is "$(fixture_served_fp "$DV_IMAPS6" "" mail.example.test ::1)" \
		"$(fixture_cert_fp mail)" "DV_IMAPS6 on [::1]: serves mail"
}

# Incident 1: renewed on disk, one server reloaded, the other not.
check_swap() {
	tap_ok "fixture_swap_cert postfix mail-renewed" \
		fixture_swap_cert postfix mail-renewed
	serves "after postfix swap, PF_SUBMISSION" "$PF_SUBMISSION" smtp \
		mail.example.test mail-renewed
	serves "after postfix swap, PF_SUBMISSIONS" "$PF_SUBMISSIONS" "" \
		mail.example.test mail-renewed
	serves "after postfix swap, HA_V1" "$HA_V1" "" mail.example.test \
		mail-renewed
	serves "after postfix swap, DV_IMAPS still" "$DV_IMAPS" "" \
		mail.example.test mail
	tap_ok "fixture_swap_cert dovecot mail-renewed" \
		fixture_swap_cert dovecot mail-renewed
	serves "after dovecot swap, DV_IMAPS" "$DV_IMAPS" "" \
		mail.example.test mail-renewed
	serves "after dovecot swap, DV_SIEVE" "$DV_SIEVE" sieve \
		mail.example.test mail-renewed
}

# HAProxy terminating TLS itself: stapling, strict-sni, a version cap.
# stapled PORT SNI: s_client -status output, with the stapled response.
stapled() {
	s_client "$1" "" "$2" -status -CAfile "$PKI/root.crt"
}

check_haproxy_tls() {
	local o rc
	serves_verified HT_OCSP_GOOD "$HT_OCSP_GOOD" ""
	o=$(stapled "$HT_OCSP_GOOD" mail.example.test)
	tap_like "$o" "OCSP Response Status: successful" "HT_OCSP_GOOD staples a response"
	tap_like "$o" "Cert Status: good" "HT_OCSP_GOOD: the response says good"
	tap_like "$o" "Responder Id: .*CN ?= ?tls-probe Test Intermediate R1" \
		"HT_OCSP_GOOD: signed by the issuer, inter"
	serves "HT_OCSP_REVOKED" "$HT_OCSP_REVOKED" "" revoked.example.test revoked
	o=$(stapled "$HT_OCSP_REVOKED" revoked.example.test)
	tap_like "$o" "Cert Status: revoked" "HT_OCSP_REVOKED: the response says revoked"
	tap_like "$o" "Revocation Reason: keyCompromise" \
		"HT_OCSP_REVOKED: ... for key compromise"
	serves "HT_OCSP_BADSIG" "$HT_OCSP_BADSIG" "" mail.example.test \
		mail-renewed
	o=$(stapled "$HT_OCSP_BADSIG" mail.example.test)
	tap_like "$o" "Responder Id: CN ?= ?other\.example\.test" \
		"HT_OCSP_BADSIG staples a response signed by other"
	serves_verified HT_STRICT_SNI "$HT_STRICT_SNI" ""
	o=$(stapled "$HT_STRICT_SNI" mail.example.test)
	tap_like "$o" "^OCSP response: no response sent" "HT_STRICT_SNI staples nothing"
	rc=0
	o=$(s_client "$HT_STRICT_SNI" "" unknown.example.test) || rc=$?
	tap_unlike "$rc" '^0$' "HT_STRICT_SNI, SNI unknown.example.test: handshake fails"
	tap_like "$o" "unrecognized name.*SSL alert number 112" \
		"... with the alert unrecognized_name (112)"
	tap_is "$(leaf_fp <<<"$o")" "" "... and no certificate"
	serves_verified HT_TLS12 "$HT_TLS12" ""
	o=$(s_client "$HT_TLS12" "" mail.example.test)
	tap_like "$o" "^New, TLSv1\.2, " "HT_TLS12 negotiates TLSv1.2"
	rc=0
	o=$(s_client "$HT_TLS12" "" mail.example.test -tls1_3) || rc=$?
	tap_unlike "$rc" '^0$' "HT_TLS12 refuses a TLSv1.3-only client"
	o=$(s_client "$HT_OCSP_GOOD" "" mail.example.test)
	tap_like "$o" "^New, TLSv1\.3, " "HT_OCSP_GOOD negotiates TLSv1.3"
}

# Dovecot needs the fixture's OpenSSL config (security level 0) for these;
# Postfix sets level 0 itself, see the SNI checks.
check_dovecot_weak_certs() {
	local n
	for n in rsa1024 sha1; do
		tap_ok "fixture_swap_cert dovecot $n" fixture_swap_cert dovecot "$n"
		serves "after dovecot swap, DV_POP3S" "$DV_POP3S" "" \
			mail.example.test "$n"
	done
}

# ---- main --------------------------------------------------------------

check_pki
t0=$(fixture_now_ms)
fixture_start_postfix
t1=$(fixture_now_ms)
fixture_start_dovecot
t2=$(fixture_now_ms)
fixture_start_haproxy
t3=$(fixture_now_ms)
fixture_start_haproxy_tls
t4=$(fixture_now_ms)
tap_diag "startup: postfix $((t1 - t0)) ms, dovecot $((t2 - t1)) ms, haproxy $((t3 - t2)) ms, haproxy-tls $((t4 - t3)) ms, total $((t4 - t0)) ms"

check_default_listeners
check_no_starttls
check_proxy_required
check_postfix_sni
check_dovecot_sni
check_ipv6
check_swap
check_dovecot_weak_certs
check_haproxy_tls
tap_done
