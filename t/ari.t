# ari.t - the CA's renewal window (ACME Renewal Information, RFC 9773) for
# certificates served by the fixture's real Postfix and Dovecot. The CA's
# renewalInfo endpoint is played by a private nginx on loopback (no real
# CA can be reached from here), one location per kind of answer: a window
# to come, one open now, one that ended, one the CA pulled forward with an
# explanation, broken answers, a slow one, and Retry-After. The cache must
# keep the CA from being asked more than once per certificate and hour.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/nginx.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_require_nginx
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fixture_pki
fixture__tmp
L=$TP_TMP/lifetimes
fixture_lifetimes "$L"

# A certificate for "localhost" (the https renewalInfo server) and one
# without an authority key identifier, from the same test intermediate.
(
	set -e
	cd "$L"
	fixture__leaf localhost localhost
	fixture__key noaki
	openssl req -new -key noaki.key -subj /CN=noaki.example.test -out noaki.csr
	printf 'basicConstraints = CA:FALSE\nsubjectAltName = DNS:noaki.example.test\n%s\n' \
	    'authorityKeyIdentifier = none' 'subjectKeyIdentifier = none' >noaki.ext
	openssl x509 -req -in noaki.csr -CA inter.crt -CAkey inter.key -set_serial 4242 \
	    -days 40 -extfile noaki.ext -out noaki.crt
	cat noaki.crt inter.crt >noaki.fullchain.crt
) >"$L/extra.log" 2>&1 || fixture__bail_log "cannot make the extra certificates" "$L/extra.log"
openssl x509 -in "$L/noaki.crt" -noout -ext authorityKeyIdentifier 2>/dev/null | grep -q . &&
	tap_bail "openssl added an authority key identifier to noaki.crt"

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
window() {	# window START END [EXPLANATION]: a renewalInfo answer
	printf '{"suggestedWindow":{"start":"%s","end":"%s"}%s}' "$(iso "$1")" "$(iso "$2")" \
	    "${3:+,\"explanationURL\":\"$3\"}"
}

# life45d-new: issued 2 days ago for 45 days, usually renewed from day 30.
# life90d-ok: issued 60 days ago for 90 days: its usual window opens now.
FUTURE=$(window "+28 days" "+30 days")
FORWARD=$(window "-1 hour" "+1 day" "https://ca.example.test/incidents/2026-12-06")
OPEN=$(window "-1 hour" "+2 days")
ENDED=$(window "-3 days" "-1 hour")
BACKWARDS=$(window "+30 days" "+28 days")
mkdir -p "$TP_TMP/www"
printf '%s' "$FUTURE" >"$TP_TMP/www/future.json"

ari_servers() {
	local loc var
	echo "server {"
	echo "  listen 127.0.0.1:${NG_PORT[0]};"
	echo "  default_type application/json;"
	for loc in future:FUTURE forward:FORWARD open:OPEN ended:ENDED backwards:BACKWARDS; do
		var=${loc#*:}
		echo "  location /${loc%%:*}/ { return 200 '${!var}'; }"
	done
	echo "  location /retry/ { add_header Retry-After 7200 always; return 200 '$FUTURE'; }"
	echo "  location /retry-short/ { add_header Retry-After 60 always; return 200 '$FUTURE'; }"
	echo "  location /retry-long/ { add_header Retry-After 604800 always; return 200 '$FUTURE'; }"
	echo "  location /busy/ { return 503 'try later'; }"
	echo "  location /html/ { default_type text/html; return 200 '<html>maintenance</html>'; }"
	echo "  location /wrongtype/ { return 200 '{\"suggestedWindow\":[\"soon\"]}'; }"
	echo "  location /slow/ { root $TP_TMP/www; try_files /future.json =404; limit_rate 1; }"
	echo "}"
	echo "server {"
	echo "  listen 127.0.0.1:${NG_PORT[1]} ssl;"
	echo "  ssl_certificate $L/localhost.fullchain.crt;"
	echo "  ssl_certificate_key $L/localhost.key;"
	echo "  default_type application/json;"
	echo "  location /future/ { return 200 '$FUTURE'; }"
	echo "}"
	echo "server {"
	echo "  listen 127.0.0.1:${NG_PORT[2]} ssl;"
	echo "  ssl_certificate $PKI/untrusted.fullchain.crt;"
	echo "  ssl_certificate_key $PKI/untrusted.key;"
	echo "  location /future/ { return 200 '$FUTURE'; }"
	echo "}"
}
fixture_start_nginx 3 ari_servers
ARI=http://127.0.0.1:${NG_PORT[0]}
ARI_TLS=https://localhost:${NG_PORT[1]}
ARI_UNTRUSTED=https://localhost:${NG_PORT[2]}
LOG=$NG_DIR/access.log

FIXTURE_SNI_MAP=$L/sni.map fixture_start_postfix
fixture_start_dovecot

requests() {	# requests PATH-PREFIX: how many GETs nginx saw for it
	grep -c "\"GET /$1/" "$LOG" || true
}
cache() {	# a fresh cache directory
	mktemp -d "$TP_TMP/cache.XXXXXX"
}
as() {	# as NAME ARGS...: submission with SNI NAME.example.test
	local name=$1
	shift
	printf '%s\n' -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission \
	    --sni "$name.example.test" "$@"
}

# --- the identifier (RFC 9773 4.1), computed here with openssl -------------
b64url() { perl -e 'print pack("H*", $ARGV[0])' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
ari_id() {	# ari_id CRT: CRT's renewalInfo identifier
	local keyid serial
	keyid=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier |
	    sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-F][0-9A-F:]*\)$/\2/p' | tr -d ':')
	serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
	[ $(( ${#serial} % 2 )) -eq 1 ] && serial=0$serial
	case $serial in [89A-Fa-f]*) serial=00$serial ;; esac
	printf '%s.%s' "$(b64url "$keyid")" "$(b64url "$serial")"
}
ID=$(ari_id "$L/life45d-new.crt")

C=$(cache)
mapfile -t A < <(as life45d-new --ari-url "$ARI/future" --cache-dir "$C")
expect "Postfix, a 45-day certificate 2 days old, the CA's window in 28 days: OK" \
    check_mail_tls OK "expires in 4[23] days" "${A[@]}"
tap_like "$OUT" "the CA suggests renewing 'life45d-new\.example\.test' between $(date -u -d '+28 days' +%Y-%m-%d) [0-9:]+ UTC and" \
    "... the long output says when the CA wants it renewed"
tap_is "$(grep -o 'GET /future/[^ ]*' "$LOG" | tail -n 1)" "GET /future/$ID" \
    "... asking for base64url(AKI keyIdentifier).base64url(serial), as openssl computes them"
tap_is "$(stat -c %a "$C/ari.cache")" 600 "... the cache file is 0600"
tap_is "$(head -n 1 "$C/ari.cache")" "tls-probe ari-cache 1" "... and a versioned tls-probe state file"

# --- never hammer the CA ----------------------------------------------------
C=$(cache)
mapfile -t A < <(as life45d-new --ari-url "$ARI/retry" --cache-dir "$C")
RUNS=20; [ -n "${TP_WRAPPER:-}" ] && RUNS=5	# the same path each time: valgrind needs few
for i in $(seq "$RUNS"); do
	run_plugin check_mail_tls "${A[@]}"
	[ "$RC" = 0 ] || break
done
tap_is "$RC $(requests retry)" "0 1" "$RUNS checks in a row ask the CA once (Retry-After: 7200)"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(printf '%s' "$OUT" | jq -r '.facts.ari[0] | "\(.from_cache) \((.next_fetch | fromdate) - (.fetched | fromdate))"')" \
    "true 7200" "... JSON: answered from the cache, next fetch 2 hours after the first"

retry_is() {	# retry_is PATH SECONDS WHY
	local c
	c=$(cache)
	mapfile -t A < <(as life45d-new --ari-url "$ARI/$1" --cache-dir "$c" --output json)
	run_plugin check_mail_tls "${A[@]}"
	tap_is "$(printf '%s' "$OUT" | jq -r '.facts.ari[0] | (.next_fetch | fromdate) - (.fetched | fromdate)')" \
	    "$2" "$3"
}
retry_is retry-short 3600 "Retry-After: 60 is taken as an hour (never sooner)"
retry_is retry-long 86400 "Retry-After: a week is taken as a day (never later)"
retry_is future 21600 "no Retry-After: six hours"

C=$(cache)
mapfile -t A < <(as life45d-new --ari-url "$ARI/busy" --cache-dir "$C")
expect "the CA answers 503: the lifetime decides (OK), said in the long output" \
    check_mail_tls OK "expires in 4[23] days" "${A[@]}"
tap_like "$OUT" "the CA's renewal information \($ARI/busy/[^)]*\) answered HTTP 503, not 200; the lifetime thresholds decide alone \(asked again after" \
    "... naming the URL, the status and when it is asked again"
for i in $(seq $((RUNS - 1))); do run_plugin check_mail_tls "${A[@]}"; done
tap_is "$(requests busy)" 1 "... and a failure is not retried for an hour either: $RUNS checks, one request"

# --- the verdicts, on Postfix and Dovecot ------------------------------------
mapfile -t A < <(as life45d-new --ari-url "$ARI/forward" --cache-dir "$(cache)")
expect "the CA pulled the window forward (a revocation coming): WARNING at once, with its explanation" \
    check_mail_tls WARNING "the CA moved the renewal window for 'life45d-new\.example\.test' forward to $(date -u -d '-1 hour' +%Y-%m-%d) [0-9:]+ UTC \(usually $(date -u -d '+28 days' +%Y-%m-%d)" \
    "${A[@]}"
tap_like "$OUT" "the CA explains: https://ca\.example\.test/incidents/2026-12-06" "... quoting its explanationURL"

fixture_swap_cert dovecot "$L/life90d-ok"
dovecot_args() {
	printf '%s\n' -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" -P imaps \
	    --sni life90d-ok.example.test "$@"
}
mapfile -t A < <(dovecot_args --ari-url "$ARI/open" --cache-dir "$(cache)")
expect "Dovecot, a 90-day certificate at day 60, its window open: OK" check_mail_tls OK \
    "expires in (29|30) days" "${A[@]}"
tap_like "$OUT" "the CA's renewal window for 'life90d-ok\.example\.test' is open \([^)]*\): the ACME client should renew now" \
    "... the long output says the ACME client should renew now"
mapfile -t A < <(dovecot_args --ari-url "$ARI/ended" --cache-dir "$(cache)")
expect "Dovecot, the CA's window ended an hour ago: WARNING, replace the certificate" \
    check_mail_tls WARNING "the CA's renewal window for 'life90d-ok\.example\.test' ended on $(date -u -d '-1 hour' +%Y-%m-%d) [0-9:]+ UTC: the certificate should have been replaced" \
    "${A[@]}"
expect "check_cert_chain on Dovecot's IMAPS, same window: WARNING" check_cert_chain WARNING \
    "renewal window for 'life90d-ok\.example\.test' ended" "${A[@]}"
mapfile -t A < <(as life45d-warn --ari-url "$ARI/ended" --cache-dir "$(cache)")
expect "a window that ended and a renewal overdue by the lifetime: both said" check_mail_tls WARNING \
    "renewal overdue: 'life45d-warn\.example\.test'" "${A[@]}"
tap_like "$OUT" "\[WARNING\] the CA's renewal window for 'life45d-warn\.example\.test' ended" \
    "... the window's line is in the long output"
mapfile -t A < <(as life45d-crit --ari-url "$ARI/ended" --cache-dir "$(cache)")
expect "... and CRITICAL by the lifetime thresholds as it nears expiry" check_mail_tls CRITICAL \
    "has [23] of its 45 days left" "${A[@]}"

# --- answers that cannot be believed: the lifetime decides, within -t -------
malformed_is() {	# malformed_is PATH ERE WHY
	mapfile -t A < <(as life45d-new --ari-url "$ARI/$1" --cache-dir "$(cache)")
	expect "$3: OK by the lifetime" check_mail_tls OK "expires in 4[23] days" "${A[@]}"
	tap_like "$OUT" "is malformed: $2; the lifetime thresholds decide alone" "... saying what is wrong"
}
malformed_is backwards "its suggestedWindow ends before it starts" "a window that ends before it starts"
malformed_is html "it is not JSON: '\\[' or '\\{' expected near '<' \\(line 1\\)" \
    "an HTML maintenance page"
malformed_is wrongtype "it has no \"suggestedWindow\" object" "a window of the wrong JSON type"

CLOSED=$(fixture__freeports 1)
mapfile -t A < <(as life45d-new --ari-url "http://127.0.0.1:$CLOSED/ari" --cache-dir "$(cache)")
expect "a renewalInfo endpoint where nothing listens: OK by the lifetime" check_mail_tls OK \
    "expires in 4[23] days" "${A[@]}"
tap_like "$OUT" "the CA's renewal information \(http://127\.0\.0\.1:$CLOSED/ari/[^)]*\) could not be fetched: .*refused" \
    "... saying the connection was refused"

TT=3; [ -n "${TP_WRAPPER:-}" ] && TT=8	# valgrind: a second to start, more under load
mapfile -t A < <(as life45d-new --ari-url "$ARI/slow" --cache-dir "$(cache)" -t "$TT")
expect "a renewalInfo server dripping one byte a second: OK by the lifetime" check_mail_tls OK \
    "expires in 4[23] days" "${A[@]}"
if [ -n "${TP_WRAPPER:-}" ]; then
	tap_skip "wall time under TP_WRAPPER"
else
	tap_ok "... within -t $TT (took ${SECONDS_TAKEN} ms)" \
	    test "$SECONDS_TAKEN" -lt $((TT * 1000 + ${TP_TIME_SLACK_MS:-800}))
fi
tap_like "$OUT" "could not be fetched: .*(timed out|time)" "... saying it timed out"

# --- https: the renewalInfo server must be who it says ------------------------
mapfile -t A < <(as life45d-new --ari-url "$ARI_TLS/future" --cache-dir "$(cache)")
expect "an https renewalInfo URL verified against -r's roots: OK" check_mail_tls OK \
    "expires in 4[23] days" "${A[@]}"
tap_like "$OUT" "the CA suggests renewing 'life45d-new\.example\.test'" "... and its window is read"
expect "... with -r read from a pipe: the roots the probe read serve the renewalInfo server too" \
    check_mail_tls OK "expires in 4[23] days" -r /dev/stdin -H 127.0.0.1 -p "$PF_SUBMISSION" \
    -P submission --sni life45d-new.example.test --ari-url "$ARI_TLS/future" \
    --cache-dir "$(cache)" <"$PKI/root.crt"
tap_like "$OUT" "the CA suggests renewing 'life45d-new\.example\.test'" "... and its window is read"
expect "check_cert_chain --file, the same https URL" check_cert_chain OK "chain complete" \
    -r "$PKI/root.crt" --file "$L/life45d-new.fullchain.crt" --ari-url "$ARI_TLS/future" \
    --cache-dir "$(cache)"
tap_like "$OUT" "the CA suggests renewing" "... reads the window too"
mapfile -t A < <(as life45d-new --ari-url "$ARI_UNTRUSTED/future" --cache-dir "$(cache)")
expect "an https renewalInfo server with a certificate from another CA: its answer is not used" \
    check_mail_tls OK "expires in 4[23] days" "${A[@]}"
tap_like "$OUT" "renewal information server \($ARI_UNTRUSTED/future/[^)]*\) is not to be believed: its certificate is not trusted" \
    "... saying its certificate is not trusted"
tap_unlike "$OUT" "the CA suggests" "... and its window is not read"

# --- nothing to ask ---------------------------------------------------------
before=$(wc -l <"$LOG")
expect "a certificate without an authority key identifier: OK, said once, nothing asked" \
    check_cert_chain OK "chain complete" -r "$PKI/root.crt" --file "$L/noaki.fullchain.crt" \
    --ari-url "$ARI/future" --cache-dir "$(cache)"
tap_like "$OUT" "the CA cannot be asked when it wants 'noaki\.example\.test' renewed \(ARI\): the certificate has no authority key identifier" \
    "... the long output says why"
tap_is "$(wc -l <"$LOG")" "$before" "... and no request was made"
C=$(cache)
expect "a CA without built-in renewal information and no --ari-url: OK, said once" \
    check_cert_chain OK "chain complete" -r "$PKI/root.crt" --file "$L/life45d-new.fullchain.crt" \
    --ari --cache-dir "$C"
tap_like "$OUT" "the issuer 'tls-probe Test Intermediate R1' publishes no renewal information \(ARI\) that tls-probe knows of; --ari-url names it for a private CA" \
    "... naming the issuer and --ari-url"
tap_is "$(ls -A "$C")" "" "... and nothing is written to the cache"

# --- the cache directory -------------------------------------------------------
C=$(cache)
mkdir "$C/ari.cache"
before=$(wc -l <"$LOG")
mapfile -t A < <(as life45d-new --ari-url "$ARI/future" --cache-dir "$C")
expect "a cache that cannot be opened: UNKNOWN (our error), and the CA is not asked" \
    check_mail_tls UNKNOWN "--ari: .*ari\.cache" "${A[@]}"
tap_is "$(wc -l <"$LOG")" "$before" "... no request: without a cache every check would ask"

# --- the default cache directory: private to the user ----------------------------
# As an unprivileged user (a uid no one else has), without --cache-dir: the
# answers go to /var/tmp/tls-probe-UID, made 0700; one planted there by
# someone else (a symlink, a directory others may write) is refused.
U=64123
SHARED=/var/tmp/tls-probe-$U
if command -v setpriv >/dev/null 2>&1 && [ ! -e /var/cache/tls-probe ]; then
	rm -rf "$SHARED"
	P=$(mktemp -d /tmp/tp-ari-files.XXXXXX)
	chmod 755 "$P"
	cp "$L/life45d-new.fullchain.crt" "$PKI/root.crt" "$P/"
	chmod 644 "$P"/*
	as_user() {
		RC=0
		OUT=$(setpriv --reuid=$U --regid=$U --clear-groups "$(plugin_path check_cert_chain)" \
		    -r "$P/root.crt" --file "$P/life45d-new.fullchain.crt" --ari-url "$ARI/future") || RC=$?
	}
	as_user
	tap_is "$RC $(stat -c '%u %a' "$SHARED" 2>&1) $(stat -c '%u %a' "$SHARED/ari.cache" 2>&1)" \
	    "0 $U 700 $U 600" "no --cache-dir, an unprivileged user: $SHARED is made 0700, its cache 0600"
	tap_like "$OUT" "the CA suggests renewing" "... and the window is read"
	rm -rf "$SHARED"
	ln -s "$P" "$SHARED"
	as_user
	tap_like "$RC ${OUT%%$'\n'*}" "^3 CERT_CHAIN UNKNOWN - .*cache directory '$SHARED' is not a private directory of this user" \
	    "a symlink planted at $SHARED: UNKNOWN, not followed"
	tap_is "$(ls "$P" | tr '\n' ' ')" "life45d-new.fullchain.crt root.crt " "... nothing written where it pointed"
	rm -f "$SHARED"
	mkdir -m 777 "$SHARED"
	chown "$U" "$SHARED"
	chmod 777 "$SHARED"
	as_user
	tap_like "$RC ${OUT%%$'\n'*}" "^3 CERT_CHAIN UNKNOWN - .*not a private directory" \
	    "a directory of this user that others may write to: refused"
	rm -rf "$SHARED" "$P"
else
	tap_skip "the default cache directory (no setpriv, or /var/cache/tls-probe exists)"
fi

# --- --key-types: each certificate its own renewal window ------------------------
# Dovecot with an RSA and an ECDSA certificate (ssl_alt_cert): each is
# asked about by its own identifier, judged with its type before its
# lines, cached on its own, and has its own answer in the JSON.
fixture_swap_cert dovecot mail mail-rsa || tap_bail "Dovecot does not serve mail and mail-rsa"
RSA_ID=$(ari_id "$PKI/mail-rsa.crt")
ECDSA_ID=$(ari_id "$PKI/mail.crt")
C=$(cache)
mapfile -t A < <(printf '%s\n' -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" -P imaps \
    --sni mail.example.test --key-types all --ari-url "$ARI/ended" --cache-dir "$C")
expect "--key-types all, the CA's window ended for both certificates: WARNING, by type" \
    check_mail_tls WARNING "RSA certificate: the CA's renewal window for 'mail\.example\.test' ended" \
    "${A[@]}"
tap_like "$OUT" "^\[WARNING\] RSA certificate: the CA's renewal window for 'mail\.example\.test' ended on" \
    "... the RSA certificate's line"
tap_like "$OUT" "^\[WARNING\] ECDSA certificate: the CA's renewal window for 'mail\.example\.test' ended on" \
    "... and the ECDSA certificate's"
tap_is "$(grep -c "GET /ended/$RSA_ID " "$LOG") $(grep -c "GET /ended/$ECDSA_ID " "$LOG")" "1 1" \
    "... each asked about once, by its own identifier"
run_plugin check_mail_tls "${A[@]}" --output json
tap_is "$(jq -r '[.facts.certificates[] | "\(.key_type) \(.ari[0].status) \(.ari[0].from_cache) \(.ari[0].url | sub(".*/"; ""))"] | join(", ")' <<<"$OUT")" \
    "RSA window true $RSA_ID, ECDSA window true $ECDSA_ID" \
    "... JSON: per certificate its own answer, both from the cache the second time"
RSA_END=$(jq -r '.facts.certificates[] | select(.key_type == "RSA") | .ari[0].window_end | fromdate' <<<"$OUT")
run_plugin check_mail_tls "${A[@]}" --output openmetrics
tap_is "$(printf '%s\n' "$OUT" | grep -E '^tls_probe_ari_window_end_seconds\{[^}]*key_type="rsa"' | sed 's/.* //')" \
    "$RSA_END" "... --output openmetrics: the RSA certificate's window end in Unix seconds"
tap_ok "... a document promtool accepts" sh -c 'printf "%s\n" "$1" | promtool check metrics' sh "$OUT"
expect "check_cert_chain --key-types all, the same windows: WARNING, by type" check_cert_chain WARNING \
    "RSA certificate: the CA's renewal window for 'mail\.example\.test' ended" "${A[@]}"
tap_like "$OUT" "^\[WARNING\] ECDSA certificate: the CA's renewal window for 'mail\.example\.test' ended on" \
    "... the ECDSA certificate's line too"
tap_is "$(grep -c "GET /ended/$RSA_ID " "$LOG") $(grep -c "GET /ended/$ECDSA_ID " "$LOG")" "1 1" \
    "... answered from the cache check_mail_tls filled"

# --- bad input: exit 3, one sentence naming the option ---------------------------
usage_is() {	# usage_is ERE WHY ARGS...
	local ere=$1 why=$2
	shift 2
	expect "usage error: $why" check_mail_tls UNKNOWN "$ere" -H 127.0.0.1 -p "$PF_SUBMISSION" \
	    -P submission "$@"
}
usage_is "--ari-url 'ftp://ca\.example/ari' must be an http or https URL" "an ftp URL" \
    --ari-url ftp://ca.example/ari
usage_is "--ari-url 'renewal-info' is not a URL" "a relative URL" --ari-url renewal-info
usage_is "--ari-url 'https://' is not a URL" "a URL without a host" --ari-url https://
usage_is "--ari-url 'https://ca\.example/renewal info' holds a space" "a URL with a space" \
    --ari-url "https://ca.example/renewal info"
usage_is "--ari-url '.*' must not hold a query" "a URL with a query" --ari-url "$ARI/future?x=1"
usage_is "--cache-dir '.*/nowhere' is not a directory \(create it first\)" \
    "a cache directory that does not exist" --ari --cache-dir "$TP_TMP/nowhere"
usage_is "--cache-dir '.*/www/future\.json' is not a directory" "a cache directory that is a file" \
    --ari --cache-dir "$TP_TMP/www/future.json"
usage_is "--cache-dir '.*' is where --ari keeps the CA's answers" "--cache-dir without --ari" \
    --cache-dir "$(cache)"
expect "usage error: check_cert_chain --cache-dir without --ari" check_cert_chain UNKNOWN \
    "--cache-dir '.*' is where --ari keeps" --file "$L/life45d-new.fullchain.crt" \
    --cache-dir "$(cache)"

tap_done
