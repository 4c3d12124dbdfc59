# mail_servers.t - check_mail_tls against the mail servers users run besides
# Postfix and Dovecot, each with the quirk generic checkers trip on: Exim 4
# (GnuTLS; drops a client that does not wait for each reply), nginx's mail
# proxy (STARTTLS the last line of its EHLO reply) and Postfix postscreen (a
# "220-" greeting, then a pause that catches clients talking too early).
# For each: OK with a good chain, the leaf-only chain named, no STARTTLS
# named, and a wrong name.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
. "$top_srcdir/t/lib/nginx.sh"
. "$top_srcdir/t/lib/mail_servers.sh"
fixture_require
fixture_pki

R=(-r "$PKI/root.crt" -H 127.0.0.1)
D='tls-probe Test Intermediate R1'
ok() {	# ok PROTO: line one of a good check
	printf 'OK - 127\\.0\\.0\\.1:[0-9]+ \\(%s\\) TLSv1\\.[23], cert mail\\.example\\.test from %s' "$1" "$D"
}
LEAFONLY="chain does not verify: the issuer 'CN=$D,O=tls-probe test' of 'CN=mail\\.example\\.test' was not sent by the server"
WRONG="name mismatch: certificate 'mail\\.example\\.test' does not cover other\\.example\\.test"
notls() {	# notls CAPABILITY: line one when TLS is off
	printf 'the server does not offer %s: its capabilities are ' "$1"
}

# smtp_talk PORT WHEN TEXT: connect, send TEXT at once (WHEN "first"),
# or after the first line the server sends ("line", which is printed too),
# then print what the server says in 2 s.
smtp_talk() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit
		case $2 in
		first) ;;
		line) IFS= read -r line <&3 && printf "%s\n" "$line" ;;
		esac
		printf "%b" "$3" >&3
		timeout 2 cat <&3 2>/dev/null' sh "$@" | tr -d '\r'
}

# --- Exim 4 ---------------------------------------------------------------
why=$(fixture_exim_missing)
if [ -n "$why" ]; then
	tap_skip "$why" 10
else
	fixture_start_exim
	X=("${R[@]}" --sni mail.example.test)
	expect "Exim STARTTLS with a good chain is OK (synchronization enforced)" \
	    check_mail_tls OK "$(ok smtp)" "${X[@]}" -p "$EX_SMTP" -P smtp
	expect "Exim implicit TLS (tls_on_connect_ports) with a good chain is OK" \
	    check_mail_tls OK "$(ok smtps)" "${X[@]}" -p "$EX_SMTPS" -P smtps
	expect "Exim serving the leaf alone: the missing intermediate is named" \
	    check_mail_tls CRITICAL "$LEAFONLY" "${R[@]}" --sni leafonly.example.test \
	    -m mail.example.test -p "$EX_SMTP" -P smtp
	expect "Exim without STARTTLS (tls_advertise_hosts empty) is named" \
	    check_mail_tls CRITICAL "$(notls STARTTLS).*PIPELINING" "${X[@]}" -p "$EX_NOTLS" -P smtp
	expect "Exim STARTTLS with a wrong name (--sni) is CRITICAL" \
	    check_mail_tls CRITICAL "$WRONG" "${R[@]}" --sni other.example.test -p "$EX_SMTP" -P smtp
	expect "Exim implicit TLS with a wrong name (-m) is CRITICAL" \
	    check_mail_tls CRITICAL "$WRONG" "${X[@]}" -m other.example.test -p "$EX_SMTPS" -P smtps
	# The checks above are only worth something if this Exim drops
	# clients that talk out of turn; and none of them may have.
	tap_unlike "$(cat "$EX_SPOOL/log/mainlog")" 'synchronization error' \
	    "Exim logged no synchronization error for the checks"
	# The ClientHello is talk before the greeting to Exim: it answers
	# "554 SMTP synchronization error", which is no PROXY-protocol hint.
	# (A check slower than Exim's pause, under valgrind, meets the 220.)
	expect "implicit TLS on Exim's STARTTLS port names the port's STARTTLS (not a PROXY header)" \
	    check_mail_tls CRITICAL "this port uses STARTTLS" "${X[@]}" -p "$EX_SMTP" -P smtps
	tap_unlike "$LINE1" 'PROXY' "... and line one blames no PROXY header"
	tap_like "$(smtp_talk "$EX_SMTP" first 'EHLO early.example.test\r\n')" \
	    '^554 SMTP synchronization error' \
	    "Exim does drop a client that talks before the greeting (the checks above waited)"
fi

# --- nginx's mail proxy ---------------------------------------------------
why=$(fixture_nginx_mail_missing)
if [ -n "$why" ]; then
	tap_skip "$why" 15
else
	fixture_start_postfix
	fixture_start_dovecot
	fixture_start_nginx_mail
	N=("${R[@]}" --sni mail.example.test)
	tap_like "$(smtp_talk "$NM_SMTP" line 'EHLO client.example.test\r\n')" \
	    '^250 STARTTLS$' "nginx lists STARTTLS as the last line of its EHLO reply"
	expect "nginx SMTP STARTTLS (the last EHLO line) is OK" check_mail_tls OK \
	    "$(ok smtp)" "${N[@]}" -p "$NM_SMTP" -P smtp
	tap_like "$(smtp_talk "$NM_LONGCAPS" line 'EHLO client.example.test\r\n' | wc -c)" \
	    '^[0-9]{4,}$' "nginx can list more than 2 KB of capabilities before STARTTLS"
	expect "nginx SMTP STARTTLS after 2 KB of capabilities is still found (OK)" \
	    check_mail_tls OK "$(ok smtp)" "${N[@]}" -p "$NM_LONGCAPS" -P smtp
	expect "nginx IMAP STARTTLS is OK" check_mail_tls OK "$(ok imap)" \
	    "${N[@]}" -p "$NM_IMAP" -P imap
	expect "nginx POP3 STLS is OK" check_mail_tls OK "$(ok pop3)" \
	    "${N[@]}" -p "$NM_POP3" -P pop3
	expect "nginx implicit TLS (listen ... ssl) is OK" check_mail_tls OK "$(ok smtps)" \
	    "${N[@]}" -p "$NM_SMTPS" -P smtps
	expect "nginx serving the leaf alone: the missing intermediate is named" \
	    check_mail_tls CRITICAL "$LEAFONLY" "${N[@]}" -p "$NM_LEAFONLY" -P smtp
	expect "nginx SMTP with starttls off is named" check_mail_tls CRITICAL \
	    "$(notls STARTTLS)" "${N[@]}" -p "$NM_SMTP_NOTLS" -P smtp
	expect "nginx IMAP with starttls off is named" check_mail_tls CRITICAL \
	    "$(notls STARTTLS)" "${N[@]}" -p "$NM_IMAP_NOTLS" -P imap
	expect "nginx POP3 with starttls off is named" check_mail_tls CRITICAL \
	    "$(notls STLS)" "${N[@]}" -p "$NM_POP3_NOTLS" -P pop3
	expect "nginx SMTP STARTTLS with a wrong name (--sni) is CRITICAL" \
	    check_mail_tls CRITICAL "$WRONG" "${R[@]}" --sni other.example.test -p "$NM_SMTP" -P smtp
	expect "nginx IMAP STARTTLS with a wrong name (-m) is CRITICAL" \
	    check_mail_tls CRITICAL "$WRONG" "${N[@]}" -m other.example.test -p "$NM_IMAP" -P imap
	expect "nginx implicit TLS with a wrong name (-m) is CRITICAL" \
	    check_mail_tls CRITICAL "$WRONG" "${N[@]}" -m other.example.test -p "$NM_SMTPS" -P smtps
	# The proxy is really in front of Dovecot: a login reaches it.
	login=$(timeout 5 openssl s_client -quiet -connect "127.0.0.1:$NM_IMAP" -starttls imap \
	    -servername mail.example.test 2>/dev/null \
	    < <(sleep 1; printf 'a1 LOGIN probe x\r\n'; sleep 1; printf 'a2 LOGOUT\r\n'; sleep 1) |
	    tr -d '\r')
	tap_like "$login" '^a1 OK .*Logged in' "nginx hands an IMAP login to the fixture's Dovecot"
fi

# --- Postfix postscreen ---------------------------------------------------
fixture_start_postscreen
P=("${R[@]}" --sni mail.example.test -p "$PS_SMTP" -P smtp)
expect "postscreen: waiting for the whole 220 greeting passes the pre-greet test (OK)" \
    check_mail_tls OK "$(ok smtp)" "${P[@]}" -v
tap_like "$(cat "$TP_TMP/stderr.$$")" '^greeting: 220-tls-probe fixture postscreen' \
    "... the check met postscreen's 220- banner"
tap_ok "... and took the pre-greet wait (${SECONDS_TAKEN} ms)" test "$SECONDS_TAKEN" -ge 1000
expect "postscreen, then smtpd serving the leaf alone: the missing intermediate is named" \
    check_mail_tls CRITICAL "$LEAFONLY" "${R[@]}" --sni leafonly.example.test \
    -m mail.example.test -p "$PS_SMTP" -P smtp
expect "postscreen, then smtpd without STARTTLS: named" check_mail_tls CRITICAL \
    "$(notls STARTTLS)" "${R[@]}" --sni mail.example.test -p "$PS_NOTLS" -P smtp
expect "postscreen, then a wrong name (-m): CRITICAL" check_mail_tls CRITICAL \
    "$WRONG" "${P[@]}" -m other.example.test
expect "postscreen's own SMTP engine (after-220 tests on): STARTTLS through tlsproxy is OK" \
    check_mail_tls OK "$(ok smtp)" "${R[@]}" --sni mail.example.test -p "$PS_DEEP" -P smtp
expect "... and the leaf alone served there is named" check_mail_tls CRITICAL "$LEAFONLY" \
    "${R[@]}" --sni leafonly.example.test -m mail.example.test -p "$PS_DEEP" -P smtp
log=$(cat "$PS_DIR/maillog")
tap_like "$log" 'postscreen[^:]*/tlsproxy\[' "... the TLS there was postscreen's (tlsproxy), not smtpd's"
tap_unlike "$log" 'PREGREET|PIPELINING|NON-SMTP COMMAND|BARE NEWLINE' \
    "postscreen logged no pre-greet talker, pipelining, non-SMTP command or bare newline for the checks"
tap_unlike "$log" 'lost connection after' \
    "... and smtpd no lost connection: the check without STARTTLS said QUIT, too"
# A client that answers the first line: "220-", EHLO, "521".
tap_like "$(smtp_talk "$PS_SMTP" line 'EHLO early.example.test\r\n')" '^521 5\.5\.1 Protocol error' \
    "... and it does drop a client that talks before the whole greeting"
# The check talks first only with --proxy-protocol: postscreen without
# postscreen_upstream_proxy_protocol drops it mid-greeting.
expect "postscreen dropping a check that talked first (a PROXY header): the 521 and the cause named" \
    check_mail_tls CRITICAL "broke off its greeting with '521 5\.5\.1 Protocol error'.*PROXY header" \
    "${P[@]}" --proxy-protocol v1
tap_like "$OUT" "^\[CRITICAL\] .*pre-greet test.*turn PROXY protocol on for this service" \
    "... the long output says what to do"
expect "postscreen dropping the client: its 521 reply is named" check_mail_tls CRITICAL \
    "521 5\.3\.2 .*Service currently unavailable" "${R[@]}" --sni mail.example.test -p "$PS_DENY" -P smtp
tap_done
