# proxy_hints.t - the PROXY-protocol diagnosis, both ways, against real
# servers: a header sent to services that do not expect one (Postfix,
# Dovecot, HAProxy, GnuTLS's gnutls-serv) and no header sent to services
# that wait for one (Postfix smtpd_upstream_proxy_protocol, Dovecot
# haproxy_trusted_networks, HAProxy accept-proxy), for each way they
# refuse: plain text, EOF, RST, a TLS alert, silence until -t.  The hint
# must follow what the server already said: once it greeted, answered or
# accepted STARTTLS, the header (or its absence) is not the cause.  Peers
# no real server plays come from t/helpers/hostile_server.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot
fixture_start_haproxy

UNEXPECTED='the server does not expect a PROXY header: drop --proxy-protocol, or enable it'
MAYBE_UNEXPECTED='it may not expect a PROXY header: drop --proxy-protocol'
EXPECTED='services expecting a PROXY header do this: try --proxy-protocol v1 or v2'
MAYBE_EXPECTED='if it expects a PROXY header, try --proxy-protocol v1 or v2'
B=(-r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test)

# no_proxy_hint NAME: line one names no PROXY cause (after an expect).
no_proxy_hint() {
	tap_unlike "$LINE1" 'PROXY|proxy-protocol' "$1: no PROXY hint"
}

# --- a header sent, not expected: plain-text services ------------------------
for v in v1 v2; do
	expect "smtp, $v header, Postfix answers it with 500 after its greeting" check_mail_tls CRITICAL \
	    "$UNEXPECTED" "${B[@]}" -P smtp -p "$PF_SMTP" --proxy-protocol "$v"
	tap_like "$OUT" "rejected 'EHLO [^']*': '500 5\.5\.2 Error" "... and the long output quotes Postfix's 500"
done
expect "imap, v1 header, Dovecot answers it with 'PROXY BAD'" check_mail_tls CRITICAL \
    "$UNEXPECTED" "${B[@]}" -P imap -p "$DV_IMAP" --proxy-protocol v1
tap_like "$OUT" "'PROXY BAD Error in IMAP command" "... and the long output quotes Dovecot's BAD"
expect "imap, v2 header, Dovecot hangs up after its greeting (EOF or RST)" check_mail_tls CRITICAL \
    "(closed|reset) the connection while this check waited for its capability reply; $MAYBE_UNEXPECTED" \
    "${B[@]}" -P imap -p "$DV_IMAP" --proxy-protocol v2
for v in v1 v2; do
	expect "pop3, $v header, Dovecot answers it with -ERR (not: 'does not offer STLS')" \
	    check_mail_tls CRITICAL "$UNEXPECTED" "${B[@]}" -P pop3 -p "$DV_POP3" --proxy-protocol "$v"
	tap_like "$OUT" "rejected 'CAPA': '-ERR" "... and the long output quotes the -ERR"
done

# --- a header sent, not expected: implicit TLS ----------------------------------
expect "submissions, v1 header, Postfix (OpenSSL) hangs up (RST or EOF)" check_mail_tls CRITICAL \
    "(reset|closed) the connection mid-handshake, no TLS alert; $MAYBE_UNEXPECTED" \
    "${B[@]}" -P submissions -p "$PF_SUBMISSIONS" --proxy-protocol v1
expect "imaps, v2 header, Dovecot hangs up (EOF or RST)" check_mail_tls CRITICAL \
    "(closed|reset) the connection mid-handshake, no TLS alert; $MAYBE_UNEXPECTED" \
    "${B[@]}" -P imaps -p "$DV_IMAPS" --proxy-protocol v2
expect "smtps, v1 header, HAProxy terminating TLS hangs up (EOF or RST)" check_mail_tls CRITICAL \
    "(closed|reset) the connection mid-handshake, no TLS alert; $MAYBE_UNEXPECTED" \
    "${B[@]}" -P smtps -p "$HA_TLS" --proxy-protocol v1
expect "smtps, v1 header, a STARTTLS port greets in plain text: named first" \
    check_mail_tls CRITICAL "speaks plain text here \('220 .*this port uses STARTTLS" \
    "${B[@]}" -P smtps -p "$PF_SMTP" --proxy-protocol v1
tap_like "$OUT" "^\[CRITICAL\] .*-P with smtp, .*; $MAYBE_UNEXPECTED" "... and the header maybe too, in the long output"

# GnuTLS answers the header with the alert 'unexpected message'.  It cannot
# bind an address, so it runs in a network namespace of its own that holds
# only loopback, and the check joins it.
GN_PID=
if ! command -v gnutls-serv >/dev/null 2>&1 || ! unshare -n true 2>/dev/null; then
	tap_skip "gnutls-serv is not installed or unshare -n is not permitted" 4
else
	unshare -n sh -c 'ip link set lo up && exec gnutls-serv -q -p 465 --x509keyfile "$1" --x509certfile "$2"' \
	    sh "$PKI/mail.key" "$PKI/mail.fullchain.crt" >"$TP_TMP/gnutls.log" 2>&1 &
	GN_PID=$!
	echo "$GN_PID" >"$TP_TMP/gnutls.pid"
	FIXTURE_PIDFILES+=("$TP_TMP/gnutls.pid")
	GN_NET="nsenter --net=/proc/$GN_PID/ns/net"
	for ((i = 0; i < 100; i++)); do
		$GN_NET timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/465' 2>/dev/null && break
		sleep 0.1
	done
	((i < 100)) || tap_bail "gnutls-serv did not start: $(cat "$TP_TMP/gnutls.log")"
	TP_WRAPPER="$GN_NET ${TP_WRAPPER:-}" expect "gnutls-serv without a header: OK (control)" \
	    check_mail_tls OK "OK - " "${B[@]}" -P tls -p 465
	for v in v1 v2; do
		TP_WRAPPER="$GN_NET ${TP_WRAPPER:-}" expect "tls, $v header, gnutls-serv answers it with an alert" \
		    check_mail_tls CRITICAL "$UNEXPECTED" "${B[@]}" -P tls -p 465 --proxy-protocol "$v"
		tap_like "$OUT" "the alert 'unexpected.message'" "... and the long output names the alert"
	done
fi

# --- no header sent, expected -------------------------------------------------------
# -t counts from the start, and under valgrind the check's own start-up can
# take over a second: give it room there, still short of Dovecot's 4 s
# haproxy_timeout, which counts from the connection.
T1=1; [ -n "${TP_WRAPPER:-}" ] && T1=3
expect "smtp, no header, Postfix waits silently until -t" check_mail_tls CRITICAL \
    "timeout in the greeting phase: .*; $EXPECTED" "${B[@]}" -P smtp -p "$PF_PROXY_SMTP" -t "$T1"
expect "smtp, no header, HAProxy accept-proxy hangs up after 2 s (EOF)" check_mail_tls CRITICAL \
    "closed the connection while this check waited for its greeting; $EXPECTED" \
    "${B[@]}" -P smtp -p "$HA_ACCEPT_SMTP" -t 6
expect "smtp, no header, Postfix greets with 421 when none came within 1 s" check_mail_tls CRITICAL \
    "greeted with a refusal: '421 4\.3\.0 .*; $MAYBE_EXPECTED" "${B[@]}" -P smtp -p "$PF_PROXY_BRIEF" -t 6
for p in imap pop3; do
	port=DV_PROXY_${p^^}
	expect "$p, no header, Dovecot waits silently until -t" check_mail_tls CRITICAL \
	    "timeout in the greeting phase: .*; $EXPECTED" "${B[@]}" -P "$p" -p "${!port}" -t "$T1"
	expect "$p, no header, Dovecot hangs up after haproxy_timeout (EOF)" check_mail_tls CRITICAL \
	    "closed the connection while this check waited for its greeting; $EXPECTED" \
	    "${B[@]}" -P "$p" -p "${!port}" -t 9
	expect "$p, v1 header, Dovecot expecting one: OK" check_mail_tls OK "OK - " \
	    "${B[@]}" -P "$p" -p "${!port}" --proxy-protocol v1
done
expect "imaps, no header, Dovecot resets on the ClientHello" check_mail_tls CRITICAL \
    "(reset|closed) the connection mid-handshake, no TLS alert; $EXPECTED" "${B[@]}" -P imaps -p "$DV_PROXY_IMAPS"
expect "pop3s, no header, Dovecot resets on the ClientHello" check_mail_tls CRITICAL \
    "(reset|closed) the connection mid-handshake, no TLS alert; $EXPECTED" "${B[@]}" -P pop3s -p "$DV_PROXY_POP3S"
expect "submissions, no header, HAProxy accept-proxy resets on the ClientHello" check_mail_tls CRITICAL \
    "(reset|closed) the connection mid-handshake, no TLS alert; $EXPECTED" "${B[@]}" -P submissions -p "$HA_ACCEPT_TLS"
expect "submissions, v2 header, HAProxy accept-proxy: OK" check_mail_tls OK "OK - " \
    "${B[@]}" -P submissions -p "$HA_ACCEPT_TLS" --proxy-protocol v2
expect "submissions, no header, Postfix answers the ClientHello with 421" check_mail_tls CRITICAL \
    "answered the TLS handshake in plain text; $EXPECTED" "${B[@]}" -P submissions -p "$PF_PROXY"
tap_like "$OUT" "\(the server said '421 4\.3\.0 " "... and the long output quotes Postfix's 421"

# --- what the server already said rules the PROXY protocol out -----------------
HS=$top_builddir/t/helpers/hostile_server
HS_PID=
hs_start() {	# hs_start SCENARIO: start the hostile server (the previous one stopped), set HS_PORT
	[ -n "$HS_PID" ] && kill -TERM "$HS_PID" 2>/dev/null && wait "$HS_PID" 2>/dev/null
	fixture_start_helper HS_PORT "$HS" "$@"
	HS_PID=$FIXTURE_HELPER_PID
}
# Under TP_WRAPPER (valgrind) the plugin runs many times slower: -t 20, as
# in hostile_peers.t, lest the backstop (-t + 1 s) end it first.
H=(-H 127.0.0.1 -r "$PKI/root.crt" -t "$([ -n "${TP_WRAPPER:-}" ] && echo 20 || echo 3)")
hs_start starttls_rst
expect "smtp, no header: RST after '220 Ready to start TLS'" check_mail_tls CRITICAL \
    'reset the connection mid-handshake, no TLS alert' "${H[@]}" -p "$HS_PORT" -P smtp
no_proxy_hint "smtp, no header: RST after STARTTLS was accepted"
hs_start starttls_close
expect "smtp, no header: EOF after '220 Ready to start TLS'" check_mail_tls CRITICAL \
    'closed the connection mid-handshake, no TLS alert' "${H[@]}" -p "$HS_PORT" -P smtp
no_proxy_hint "smtp, no header: EOF after STARTTLS was accepted"
hs_start imap_starttls_rst
expect "imap, no header: RST after 'OK Begin TLS negotiation'" check_mail_tls CRITICAL \
    'reset the connection mid-handshake, no TLS alert' "${H[@]}" -p "$HS_PORT" -P imap
no_proxy_hint "imap, no header: RST after STARTTLS was accepted"
hs_start pop3_stls_rst
expect "pop3, no header: RST after '+OK Begin TLS negotiation'" check_mail_tls CRITICAL \
    'reset the connection mid-handshake, no TLS alert' "${H[@]}" -p "$HS_PORT" -P pop3
no_proxy_hint "pop3, no header: RST after STLS was accepted"
hs_start silent
expect "smtp, v1 header, a server that never greets: silence until -t" check_mail_tls CRITICAL \
    'timeout in the greeting phase' "${H[@]}" -p "$HS_PORT" -P smtp --proxy-protocol v1
no_proxy_hint "smtp, v1 header, silence (a service not expecting it greets all the same)"
expect "smtps, v1 header, a TLS server that never answers: silence until -t" check_mail_tls CRITICAL \
    'timeout in the TLS handshake phase' "${H[@]}" -p "$HS_PORT" -P smtps --proxy-protocol v1
no_proxy_hint "smtps, v1 header, silence"
hs_start close_after_greeting
expect "smtp, no header: EOF after the greeting" check_mail_tls CRITICAL \
    '(closed|reset) the connection while this check waited for its capability reply' \
    "${H[@]}" -p "$HS_PORT" -P smtp
no_proxy_hint "smtp, no header: EOF after the greeting"
kill -TERM "$HS_PID" 2>/dev/null
wait "$HS_PID" 2>/dev/null
tap_done
