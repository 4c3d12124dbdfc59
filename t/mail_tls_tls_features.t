# mail_tls_tls_features.t - what check_mail_tls makes of TLS handshake
# features a real TLS terminator (HAProxy) shows: a stapled OCSP response
# (good, revoked, badly signed), strict-sni refusing an unknown name, a
# TLSv1.2 cap against --min-tls; and whether it leaves Postfix and Dovecot
# the way a polite client does (QUIT/LOGOUT answered, nothing "lost").
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fixture_pki
fixture_start_postfix
fixture_start_dovecot
fixture_start_haproxy_tls

# tls PORT SNI [ARGS...]: arguments for a plain TLS handshake check.
tls() {
	local port=$1 sni=$2
	shift 2
	printf '%s\n' -P tls -H 127.0.0.1 -p "$port" --sni "$sni" -r "$PKI/root.crt" "$@"
}

# fact NAME: facts.NAME of the JSON output in OUT.
fact() {
	jq -r ".facts.$1" <<<"$OUT"
}

# --- OCSP stapling -----------------------------------------------------------
mapfile -t A < <(tls "$HT_OCSP_GOOD" mail.example.test)
expect "a stapled OCSP response saying good is OK" check_mail_tls OK "OK - " "${A[@]}"
tap_like "$OUT" '^\[OK\] stapled OCSP response: good$' "... and the long output says so"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(fact ocsp)" good "... and the JSON facts have ocsp \"good\""

mapfile -t A < <(tls "$HT_OCSP_REVOKED" revoked.example.test)
expect "a stapled OCSP response saying revoked is CRITICAL" check_mail_tls CRITICAL \
    "the stapled OCSP response says the certificate is REVOKED" "${A[@]}"
tap_unlike "$OUT" '^\[(WARNING|CRITICAL)\] (name mismatch|chain)' \
    "... and nothing else is wrong with it"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(fact ocsp)" revoked "... and the JSON facts have ocsp \"revoked\""

mapfile -t A < <(tls "$HT_OCSP_BADSIG" mail.example.test)
expect "a stapled response signed by no OCSP responder is WARNING" check_mail_tls WARNING \
    "the stapled OCSP response is invalid or stale" "${A[@]}"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(fact ocsp)" invalid "... and the JSON facts have ocsp \"invalid\""

mapfile -t A < <(tls "$HT_TLS12" mail.example.test)
expect "no stapled response: OK" check_mail_tls OK "OK - " "${A[@]}"
tap_unlike "$OUT" 'OCSP' "... and no OCSP line"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(fact ocsp)" none "... and the JSON facts have ocsp \"none\""

# --- strict-sni --------------------------------------------------------------
mapfile -t A < <(tls "$HT_STRICT_SNI" mail.example.test)
expect "strict-sni, a name it has: OK" check_mail_tls OK "OK - " "${A[@]}"
mapfile -t A < <(tls "$HT_STRICT_SNI" unknown.example.test)
expect "strict-sni, a name it lacks: CRITICAL, the alert named" check_mail_tls CRITICAL \
    "the server ended the TLS handshake with the alert 'unrecognized name': the server has no certificate for the requested name \(check --sni" \
    "${A[@]}"
expect "strict-sni, no SNI at all (-H is an address): CRITICAL, the alert named" \
    check_mail_tls CRITICAL "the server ended the TLS handshake with the alert 'unrecognized name'" \
    -P tls -H 127.0.0.1 -p "$HT_STRICT_SNI" -r "$PKI/root.crt"

# --- TLS version ---------------------------------------------------------------
mapfile -t A < <(tls "$HT_TLS12" mail.example.test)
expect "TLSv1.2 server with --min-tls 1.3 is CRITICAL" check_mail_tls CRITICAL \
    "the server negotiated TLSv1\.2, below the required TLSv1\.3" "${A[@]}" --min-tls 1.3
expect "TLSv1.2 server with --min-tls 1.2 is OK" check_mail_tls OK \
    "OK - .* TLSv1\.2, cert mail\.example\.test" "${A[@]}" --min-tls 1.2
tap_like "$OUT" '^\[OK\] TLSv1\.2 meets --min-tls$' "... and the long output says so"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(fact tls_version)" TLSv1.2 "... and the JSON facts have tls_version TLSv1.2"
# The server puts an anonymous suite first: the check must not offer it,
# or it gets no certificate to judge ("the server sent no certificate").
tap_like "$(fact cipher)" '^ECDHE-(ECDSA|RSA)-AES256-GCM-SHA384$' \
    "... with a certificate's suite, though the server prefers an anonymous one"
mapfile -t A < <(tls "$HT_OCSP_GOOD" mail.example.test --min-tls 1.3)
expect "TLSv1.3 server with --min-tls 1.3 is OK" check_mail_tls OK "OK - .* TLSv1\.3" "${A[@]}"

# --- the monitoring host's OpenSSL configuration ------------------------------
# A system policy capping TLS at 1.2 is the host's business, not a fact
# about the server: the plugins leave the system openssl.cnf out, and read
# a configuration only when OPENSSL_CONF names one.
cat >"$TP_TMP/cap12.cnf" <<'EOF_CNF'
openssl_conf = tp_init
[tp_init]
ssl_conf = tp_ssl
[tp_ssl]
system_default = tp_system
[tp_system]
MaxProtocol = TLSv1.2
EOF_CNF
mapfile -t A < <(tls "$HT_OCSP_GOOD" mail.example.test)
OPENSSL_CONF=$TP_TMP/cap12.cnf expect "OPENSSL_CONF names a configuration: it applies (TLSv1.2)" \
    check_mail_tls OK "OK - .* TLSv1\.2, cert" "${A[@]}"
system_cnf=$(openssl version -d | sed 's/^OPENSSLDIR: "\(.*\)"$/\1/')/openssl.cnf
if unshare -m true 2>/dev/null; then
	# In a private mount namespace the system file reads as the cap; the
	# real file is not touched.
	# shellcheck disable=SC2086
	OUT=$(unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
	    "$TP_TMP/cap12.cnf" "$system_cnf" ${TP_WRAPPER:-} "$(plugin_path check_mail_tls)" \
	    "${A[@]}" 2>&1)
	tap_like "${OUT%%$'\n'*}" "^MAIL_TLS OK - .* TLSv1\.3, cert" \
	    "the system openssl.cnf capping TLS at 1.2 does not change what the check sees"
else
	tap_skip "unshare -m is not permitted here: cannot shadow $system_cnf"
fi

# --- a server that closes right after the handshake ------------------------
# HAProxy with no backend closes as soon as the handshake is done: the
# QUIT sent then must not kill the plugin with SIGPIPE (exit 141, no output).
A=(-P submissions -H 127.0.0.1 -p "$HT_OCSP_GOOD" --sni mail.example.test -r "$PKI/root.crt")
died=0
for i in 1 2 3 4 5; do
	run_plugin check_mail_tls "${A[@]}"
	if [ "$RC" -gt 3 ] || ! [[ $LINE1 =~ ^MAIL_TLS\ (OK|WARNING|CRITICAL|UNKNOWN)\ -\  ]]; then
		died=$((died + 1))
		tap_diag "run $i: exit code $RC, line one '$LINE1'"
	fi
done
tap_is "$died" 0 "implicit TLS, the server closes after the handshake: 5 of 5 runs report a state"
expect "a TLS proxy whose mail service is down (handshake, then no greeting) is CRITICAL" \
    check_mail_tls CRITICAL "TLS works, but the server closed the connection after the handshake without a greeting" "${A[@]}"

# --- a polite close ----------------------------------------------------------
# Each check must end its session the way a client that is done does: the
# QUIT or LOGOUT answered, no "lost connection" or "Connection closed".

# log_new FILE MARK: FILE's lines after line MARK.
log_new() {
	tail -n "+$(($2 + 1))" "$1"
}

# pf_ends MARK: Postfix's "disconnect from" line of each TLS session after
# line MARK (others are the fixture's port probes), from its smtpd pid.
pf_ends() {
	log_new "$PF_DIR/maillog" "$1" | awk '
	function pid() { match($0, /smtpd\[[0-9]+\]/); return substr($0, RSTART, RLENGTH) }
	/ TLS connection established from / { tls[pid()] = 1 }
	/: disconnect from / { p = pid(); if (p in tls) { delete tls[p]
		sub(/.*: disconnect from /, "disconnect from "); print } }'
}

# dv_ends SERVICE MARK: how Dovecot ended each SERVICE session after line
# MARK that got as far as TLS (the fixture's port probes did not: they end
# "before auth was ready" or while "TLS handshaking").
dv_ends() {
	if [ "$1" = lmtp ]; then
		log_new "$DV_DIR/dovecot.log" "$2" |
			sed -n '/(state=GREETING)/d; s/.* lmtp([0-9]*): Info: \(Disconnect from .*\)/\1/p'
	else
		log_new "$DV_DIR/dovecot.log" "$2" |
			grep -v -e 'TLS handshaking' -e 'before auth was ready' |
			sed -n "s/.* $1-login: Info: \(Disconnected: [^(:]*\)[(:].*/\1/p" |
			sed 's/ *$//'
	fi
}

# session_ends SERVER MARK: pf_ends for postfix, dv_ends for a Dovecot service.
session_ends() {
	if [ "$1" = postfix ]; then
		pf_ends "$2"
	else
		dv_ends "$1" "$2"
	fi
}

# polite WHAT N WANT SERVER PLUGIN-ARGS...: run the check N times, wait up
# to 5 s for N session ends in SERVER's log (postfix, or a Dovecot service
# such as imap), and expect each of them to be WANT.
polite() {
	local what=$1 n=$2 want=$3 server=$4 log=$DV_DIR/dovecot.log mark i got
	shift 4
	[ "$server" = postfix ] && log=$PF_DIR/maillog
	mark=$(wc -l <"$log")
	for ((i = 0; i < n; i++)); do
		run_plugin check_mail_tls "$@"
		[ "$RC" = 0 ] || tap_diag "$what: check $i: exit code $RC: $LINE1"
	done
	for ((i = 0; i < 50; i++)); do
		got=$(session_ends "$server" "$mark")
		[ "$(grep -c . <<<"$got")" -ge "$n" ] && break
		sleep 0.1
	done
	tap_is "$(sort <<<"$got" | uniq -c | sed 's/^ *//')" "$n $want" \
		"$what: $n of $n sessions end with '$want'" && return
	tap_diag "new lines in $log:" "$(log_new "$log" "$mark")"
	return 1
}

S=(-H 127.0.0.1 --sni mail.example.test -r "$PKI/root.crt")
polite "submission (STARTTLS)" 3 "disconnect from localhost[127.0.0.1] ehlo=1 starttls=1 quit=1 commands=3" \
    postfix -P submission -p "$PF_SUBMISSION" "${S[@]}"
polite "imap (STARTTLS)" 3 "Disconnected: Aborted login by logging out" \
    imap -P imap -p "$DV_IMAP" "${S[@]}"
polite "pop3 (STLS)" 3 "Disconnected: Aborted login by logging out" \
    pop3 -P pop3 -p "$DV_POP3" "${S[@]}"
# These need the client to read the reply to its QUIT/LOGOUT (and, with
# implicit TLS, the greeting) before it closes; a client that closes first
# races the server, which then logs the session as cut short.
polite "submissions (implicit TLS)" 5 "disconnect from localhost[127.0.0.1] quit=1 commands=1" \
    postfix -P submissions -p "$PF_SUBMISSIONS" "${S[@]}"
polite "imaps (implicit TLS)" 5 "Disconnected: Aborted login by logging out" \
    imap -P imaps -p "$DV_IMAPS" "${S[@]}"
polite "sieve (STARTTLS)" 5 "Disconnected: Aborted login by logging out" \
    managesieve -P sieve -p "$DV_SIEVE" "${S[@]}"
polite "lmtp (STARTTLS)" 5 "Disconnect from 127.0.0.1: Logged out (state=READY)" \
    lmtp -P lmtp -p "$DV_LMTP" "${S[@]}"
tap_done
