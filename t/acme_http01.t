# acme_http01.t - incident 5 ("ACME certificate never arrives") and its
# relatives, judged by check_acme_http01 against a private nginx: the
# challenge served directly, a front redirecting it to HTTPS where a
# proxy's self-signed default certificate answers, redirect loops, chains
# that are too long, redirects the validator refuses (other port, an IP
# address), and origins that answer 500.  Every hop is pinned to 127.0.0.1
# with --ip; nothing is resolved.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/nginx.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require_nginx
fixture_pki
fixture__tmp

NAME=mail.example.test
WEBROOT=$TP_TMP/webroot
CANARY=tls-probe-canary_01
mkdir -p "$WEBROOT/.well-known/acme-challenge"
printf 'canary-ok\n' >"$WEBROOT/.well-known/acme-challenge/$CANARY"

# Self-signed certificates that are no proxy's default: a snake-oil one for
# another name, and one for NAME itself.
selfsigned() {	# selfsigned FILE NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	    -keyout "$TP_TMP/$1.key" -out "$TP_TMP/$1.crt" -subj "/CN=$2" \
	    -addext "subjectAltName=DNS:$2" 2>/dev/null || tap_bail "openssl req -x509 failed"
}
selfsigned snakeoil localhost.localdomain
selfsigned self-for-name "$NAME"

# One nginx, one server per behaviour; the port indexes name them.
ORIGIN=0 TO_HTTPS=1 TRAEFIK=2 PROPER_TLS=3 LOOP=4 OTHER_PORT=5 TO_IP=6
FIVE_HUNDRED=7 ENDLESS=8 TO_HTTPS_PORT=9 TRAEFIK_WEBROOT=10 SNAKEOIL=11
SELF_FOR_NAME=12
servers() {
	local p=("${NG_PORT[@]}")
	cat <<-EOF
	absolute_redirect off;
	server { listen 127.0.0.1:${p[ORIGIN]}; root $WEBROOT; }
	server { listen 127.0.0.1:${p[TO_HTTPS]}; return 301 https://\$host\$request_uri; }
	server {
	  listen 127.0.0.1:${p[TRAEFIK]} ssl;
	  ssl_certificate $PKI/traefik.fullchain.crt; ssl_certificate_key $PKI/traefik.key;
	  return 404;
	}
	server {
	  listen 127.0.0.1:${p[PROPER_TLS]} ssl;
	  ssl_certificate $PKI/mail.fullchain.crt; ssl_certificate_key $PKI/mail.key;
	  return 404;
	}
	server {
	  listen 127.0.0.1:${p[LOOP]};
	  location = /.well-known/acme-challenge/b { return 302 /.well-known/acme-challenge/a; }
	  location / { return 302 /.well-known/acme-challenge/b; }
	}
	server { listen 127.0.0.1:${p[OTHER_PORT]}; return 301 http://\$host:81\$request_uri; }
	server { listen 127.0.0.1:${p[TO_IP]}; return 301 http://127.0.0.1\$request_uri; }
	server { listen 127.0.0.1:${p[FIVE_HUNDRED]}; return 500; }
	server { listen 127.0.0.1:${p[ENDLESS]}; rewrite ^(.*)\$ \$1x redirect; }
	server {
	  listen 127.0.0.1:${p[TO_HTTPS_PORT]};
	  return 301 https://\$host:${p[PROPER_TLS]}\$request_uri;
	}
	server {
	  listen 127.0.0.1:${p[TRAEFIK_WEBROOT]} ssl;
	  ssl_certificate $PKI/traefik.fullchain.crt; ssl_certificate_key $PKI/traefik.key;
	  root $WEBROOT;
	}
	server {
	  listen 127.0.0.1:${p[SNAKEOIL]} ssl;
	  ssl_certificate $TP_TMP/snakeoil.crt; ssl_certificate_key $TP_TMP/snakeoil.key;
	  return 404;
	}
	server {
	  listen 127.0.0.1:${p[SELF_FOR_NAME]} ssl;
	  ssl_certificate $TP_TMP/self-for-name.crt; ssl_certificate_key $TP_TMP/self-for-name.key;
	  return 404;
	}
	EOF
}
fixture_start_nginx 13 servers
P=("${NG_PORT[@]}")

# acme ARGS...: the plugin for NAME, every hop pinned to 127.0.0.1.
A=(-H "$NAME" --ip 127.0.0.1)
http() { echo "-p ${P[$1]}"; }

# --- the challenge served directly ------------------------------------------
expect "the canary served directly is OK" check_acme_http01 OK \
    "$NAME: the canary is served at hop 1 \(http://$NAME:${P[ORIGIN]}\)" \
    "${A[@]}" $(http ORIGIN) --token "$CANARY" --expect canary-ok
tap_like "$LINE1" "\| hops=1 time=[0-9.]+s$" "perfdata: hops and time"
tap_like "$OUT" "^hop 1: http://$NAME:${P[ORIGIN]}/\.well-known/acme-challenge/$CANARY -> 200$" \
    "long output: one line per hop"
expect "-H with the root dot and --ip in brackets: the same name and address (issue 15)" \
    check_acme_http01 OK "^ACME_HTTP01 OK - $NAME: the canary is served at hop 1 \(http://$NAME:${P[ORIGIN]}\)" \
    -H "$NAME." --ip '[127.0.0.1]' $(http ORIGIN) --token "$CANARY" --expect canary-ok
expect "the canary compares without surrounding white space" check_acme_http01 OK \
    "canary is served" "${A[@]}" $(http ORIGIN) --token "$CANARY" --expect $'  canary-ok\r\n'
expect "a wrong canary body is CRITICAL and quoted" check_acme_http01 CRITICAL \
    "hop 1 \(http://$NAME:${P[ORIGIN]}\) answers 200 but not with the canary: got 'canary-ok'" \
    "${A[@]}" $(http ORIGIN) --token "$CANARY" --expect something-else
expect "a canary that is not there is CRITICAL with the status" check_acme_http01 CRITICAL \
    "the canary is not served: the path ends at hop 1 .* with status 404" \
    "${A[@]}" $(http ORIGIN) --token missing-canary --expect canary-ok
expect "origin 404 for a random token, no redirect: OK" check_acme_http01 OK \
    "$NAME: the challenge path ends at hop 1 \(http://$NAME:${P[ORIGIN]}\) with 404, no redirect" \
    "${A[@]}" $(http ORIGIN)
tap_like "$OUT" "^hop 1: http://$NAME:${P[ORIGIN]}/\.well-known/acme-challenge/[A-Za-z0-9_-]{43} -> 404$" \
    "... for a random 43-character base64url token"
expect "origin 500: CRITICAL" check_acme_http01 CRITICAL \
    "the path ends at hop 1 \(http://$NAME:${P[FIVE_HUNDRED]}\) with status 500, not 404 or 200" \
    "${A[@]}" $(http FIVE_HUNDRED)

# --- incident 5: a front redirects to HTTPS, a proxy default cert answers ---
expect "incident 5: redirected to HTTPS onto a self-signed TRAEFIK DEFAULT CERT: CRITICAL" \
    check_acme_http01 CRITICAL \
    "the challenge lands on a proxy: hop 2 \(https://$NAME:${P[TRAEFIK]}\) ends on its default certificate 'TRAEFIK DEFAULT CERT'" \
    "${A[@]}" $(http TO_HTTPS) --https-port "${P[TRAEFIK]}"
tap_like "$OUT" "^\[CRITICAL\] the challenge lands on a proxy: .* 'TRAEFIK DEFAULT CERT' \(self-signed, not for $NAME\)$" \
    "... the long output says it is self-signed and not for the name"
INCIDENT5=$OUT
tap_like "$OUT" "^\[WARNING\] hop 1 redirects the challenge to HTTPS \(https://$NAME:${P[TRAEFIK]}\)" \
    "... and says hop 1 redirected it to HTTPS"
tap_unlike "$OUT" "^\[OK\]" "... with no OK line for the proxy's 404"
tap_like "$OUT" "^hop 1: http://$NAME:${P[TO_HTTPS]}/\.well-known/acme-challenge/[^ ]+ -> 301 Location: https://$NAME/\.well-known/acme-challenge/" \
    "... hop 1 shows the redirect"
tap_like "$OUT" "^hop 2: https://$NAME:${P[TRAEFIK]}/[^ ]+ -> 404; certificate 'TRAEFIK DEFAULT CERT' from 'TRAEFIK DEFAULT CERT', self-signed, does not cover $NAME$" \
    "... hop 2 shows the certificate found"
tap_like "$LINE1" "\| hops=2 time=" "... perfdata counts both hops"
run_plugin check_acme_http01 "${A[@]}" $(http TO_HTTPS) --https-port "${P[TRAEFIK]}" --output json
tap_is "$(jq -r '[.state, (.facts.hops | length), .facts.hops[0].status, .facts.hops[0].location[0:26],
    .facts.hops[1].status, .facts.hops[1].tls_subject, .facts.hops[1].tls_issuer,
    .facts.hops[1].tls_self_signed, .facts.hops[1].tls_covers_name] | map(tostring) | join(" ")' <<<"$OUT")" \
    "CRITICAL 2 301 https://$NAME/ 404 CN=TRAEFIK DEFAULT CERT CN=TRAEFIK DEFAULT CERT true false" \
    "--output json: the hops with status, location and the certificate found"
expect "the same front with the canary behind the proxy default: WARNING (the validator does not check it)" \
    check_acme_http01 WARNING "hop 1 redirects the challenge to HTTPS \(https://$NAME:${P[TRAEFIK_WEBROOT]}\)" \
    "${A[@]}" $(http TO_HTTPS) --https-port "${P[TRAEFIK_WEBROOT]}" --token "$CANARY" --expect canary-ok
expect "an HTTPS redirect to a proper certificate for NAME ending in 404: WARNING, naming the hop" \
    check_acme_http01 WARNING \
    "$NAME: hop 1 redirects the challenge to HTTPS \(https://$NAME:${P[PROPER_TLS]}\)" \
    "${A[@]}" $(http TO_HTTPS) --https-port "${P[PROPER_TLS]}"
tap_like "$OUT" "^hop 2: .* -> 404; certificate 'mail\.example\.test' from 'tls-probe Test Intermediate R1', covers $NAME$" \
    "... hop 2 shows the proper certificate"
expect "redirected to HTTPS onto a self-signed certificate for another name: CRITICAL" \
    check_acme_http01 CRITICAL \
    "the challenge lands on a proxy: hop 2 \(https://$NAME:${P[SNAKEOIL]}\) ends on a self-signed certificate 'localhost\.localdomain'" \
    "${A[@]}" $(http TO_HTTPS) --https-port "${P[SNAKEOIL]}"
tap_like "$OUT" "^\[CRITICAL\] the challenge lands on a proxy: .* 'localhost\.localdomain' \(not for $NAME\)$" \
    "... the long output says it is not for the name"
expect "redirected to HTTPS onto a self-signed certificate for NAME: only the WARNING" \
    check_acme_http01 WARNING "^[^;]*hop 1 redirects the challenge to HTTPS[^;]*$" \
    "${A[@]}" $(http TO_HTTPS) --https-port "${P[SELF_FOR_NAME]}"
tap_like "$OUT" "^hop 2: .* -> 404; certificate '$NAME' from '$NAME', self-signed, covers $NAME$" \
    "... and the long output says self-signed"
expect "a redirect naming the HTTPS stand-in port explicitly counts as 443: WARNING" \
    check_acme_http01 WARNING "hop 1 redirects the challenge to HTTPS \(https://$NAME:${P[PROPER_TLS]}\)" \
    "${A[@]}" $(http TO_HTTPS_PORT) --https-port "${P[PROPER_TLS]}"

# --- redirects the validator refuses ----------------------------------------
expect "a redirect loop is CRITICAL" check_acme_http01 CRITICAL \
    "redirect loop: hop 3 redirects back to http://$NAME:${P[LOOP]}/\.well-known/acme-challenge/b \(hop 2\)" \
    "${A[@]}" $(http LOOP)
expect "more than 10 redirects is CRITICAL" check_acme_http01 CRITICAL \
    "more than 10 redirects: hop 11 redirects again" "${A[@]}" $(http ENDLESS)
tap_like "$LINE1" "\| hops=11 " "... after 11 requests"
expect "a redirect to another port is CRITICAL, naming the hop" check_acme_http01 CRITICAL \
    "hop 1 redirects to port 81, which Let's Encrypt refuses to follow: only 80 and 443 \(or ${P[OTHER_PORT]} and 443 here\)" \
    "${A[@]}" $(http OTHER_PORT)
tap_like "$OUT" "^\[CRITICAL\] hop 1 redirects to port 81, .* \(http://$NAME:81/\.well-known/acme-challenge/[^ ]+\)$" \
    "... the long output names the whole redirect"
tap_like "$OUT" "^hop 1: .* -> 301 Location: http://$NAME:81/[^ ]+ \(not followed\)$" "... and does not follow it"
expect "a redirect to an IP address is CRITICAL (Let's Encrypt refuses)" check_acme_http01 CRITICAL \
    "hop 1 redirects to the IP address 127\.0\.0\.1 \(http://127\.0\.0\.1/\.well-known/acme-challenge/" \
    "${A[@]}" $(http TO_IP)

# --- no answer --------------------------------------------------------------
CLOSED=$(fixture__freeports 1)
expect "nothing listening is CRITICAL, naming the hop" check_acme_http01 CRITICAL \
    "hop 1 \(http://$NAME:$CLOSED\): connection to 127\.0\.0\.1:$CLOSED refused" \
    "${A[@]}" -p "$CLOSED"
expect "plain HTTP to a TLS port is CRITICAL" check_acme_http01 CRITICAL \
    "the path ends at hop 1 .* with status 400" "${A[@]}" $(http TRAEFIK)

# A peer that accepts and never answers: one deadline (-t) for all hops.
HS=$top_builddir/t/helpers/hostile_server
hs_start() {	# hs_start SCENARIO: run it in the background, set HS_PORT
	fixture_start_helper HS_PORT "$HS" "$1"
	HS_PIDS+=("$FIXTURE_HELPER_PID")
}
if [ -x "$HS" ]; then
	HS_PIDS=()
	T=1; [ -n "${TP_WRAPPER:-}" ] && T=5	# valgrind needs a second to start libcurl
	hs_start silent
	expect "a server that never answers: CRITICAL within -t" check_acme_http01 CRITICAL \
	    "hop 1 \(http://$NAME:$HS_PORT\): 127\.0\.0\.1:$HS_PORT accepted the connection but gave no complete answer within [0-9]+ ms" \
	    "${A[@]}" -p "$HS_PORT" -t "$T"
	TOOK=$SECONDS_TAKEN
	if [ -n "${TP_WRAPPER:-}" ]; then
		tap_skip "wall time under TP_WRAPPER"
	else
		tap_ok "... it took $TOOK ms, within -t 1 plus slack" \
		    test "$TOOK" -lt $((1000 + ${TP_TIME_SLACK_MS:-800}))
	fi
	expect "a silent HTTPS hop after a redirect: the one deadline covers both hops" \
	    check_acme_http01 CRITICAL "hop 2 \(https://$NAME:$HS_PORT\): 127\.0\.0\.1:$HS_PORT accepted the connection but the TLS handshake did not finish within [0-9]+ ms" \
	    "${A[@]}" $(http TO_HTTPS) --https-port "$HS_PORT" -t "$T"
	expect "-t 1:warning makes a timeout WARNING" check_acme_http01 WARNING \
	    "gave no complete answer" "${A[@]}" -p "$HS_PORT" -t "$T:warning"
	kill "${HS_PIDS[@]}" 2>/dev/null
	wait "${HS_PIDS[@]}" 2>/dev/null
else
	tap_skip "t/helpers/hostile_server not built (make check builds it)" 4
fi

# --- broken web servers: the server's fault is CRITICAL, with a sentence about it ---
# (t/helpers/hostile_http plays what no nginx can be made to say)
HH=$top_builddir/t/helpers/hostile_http
hh_start() {	# hh_start SCENARIO: run it in the background, set HH_PORT
	fixture_start_helper HH_PORT "$HH" "$1"
	HH_PIDS+=("$FIXTURE_HELPER_PID")
}
if [ -x "$HH" ]; then
	HH_PIDS=()
	hh_start bad_status
	expect "a status line that is not HTTP/1.x NNN is CRITICAL about the server (was UNKNOWN 'cannot fetch that URL')" \
	    check_acme_http01 CRITICAL \
	    "hop 1 \(http://$NAME:$HH_PORT\): 127\.0\.0\.1:$HH_PORT did not answer with HTTP/1\.x: Unsupported response code" \
	    "${A[@]}" -p "$HH_PORT"
	hh_start http09
	expect "an HTTP/0.9 answer (no status line) is CRITICAL about the server" check_acme_http01 CRITICAL \
	    "127\.0\.0\.1:$HH_PORT did not answer with HTTP/1\.x: Received HTTP/0\.9" "${A[@]}" -p "$HH_PORT"
	hh_start huge_header
	expect "a 200 KiB header line is CRITICAL about the server (was UNKNOWN 'Out of memory')" \
	    check_acme_http01 CRITICAL "the answer of 127\.0\.0\.1:$HH_PORT holds a header too big for libcurl" \
	    "${A[@]}" -p "$HH_PORT"
	hh_start short_body
	expect "a body cut short is said to be cut, not 'did not answer with HTTP'" check_acme_http01 CRITICAL \
	    "127\.0\.0\.1:$HH_PORT closed the connection in the middle of its answer" "${A[@]}" -p "$HH_PORT"
	hh_start file_redirect
	expect "a file:// redirect names its scheme (was 'without a usable Location')" check_acme_http01 CRITICAL \
	    "hop 1 redirects to file:///etc/passwd: only http and https redirects are followed, Let's Encrypt refuses 'file'" \
	    "${A[@]}" -p "$HH_PORT"
	hh_start late_redirect
	if [ -n "${TP_WRAPPER:-}" ] || [ -n "${TP_SANITIZED:-}" ]; then
		# 100 ms of margin: the normal pass's; valgrind and ASan start slower
		tap_skip "timing under TP_WRAPPER or the sanitizers" 2
	else
		expect "a redirect after 0.9 s of -t 1: the next hop is not fetched on the last milliseconds" \
		    check_acme_http01 CRITICAL \
		    "hop 2 \(http://$NAME:$HH_PORT\): not fetched: the time ran out, hop 1 took [0-9.]+ s of -t 1 s" \
		    "${A[@]}" -p "$HH_PORT" -t 1
		tap_like "$OUT" "^hop 2: http://$NAME:$HH_PORT/\.well-known/acme-challenge/next -> not fetched: the time ran out" \
		    "... and its hop line says so (was: fetched for a few ms, then its server blamed)"
	fi
	kill "${HH_PIDS[@]}" 2>/dev/null
	wait "${HH_PIDS[@]}" 2>/dev/null
else
	tap_skip "t/helpers/hostile_http not built (make check builds it)" 7
fi

# --- libcurl is loaded by the first fetch, not linked --------------------------------
# A host where it cannot be loaded gets one sentence, UNKNOWN: a file that
# is not a library shadows the real one through LD_LIBRARY_PATH.
SONAME=${TP_LIBCURL_SONAME:-libcurl.so.4}
mkdir -p "$TP_TMP/no-libcurl" && printf 'not a library\n' >"$TP_TMP/no-libcurl/$SONAME"
LD_LIBRARY_PATH=$TP_TMP/no-libcurl expect "libcurl cannot be loaded: UNKNOWN, saying which file and which package" \
    check_acme_http01 UNKNOWN "hop 1 \(http://$NAME:${NG_PORT[ORIGIN]}\): cannot load ${SONAME//./\\.} to fetch URLs \(install the package libcurl4\): .*$SONAME: " \
    "${A[@]}" -p "${NG_PORT[ORIGIN]}"
for plugin in check_mail_tls check_cert_chain check_sni_map check_acme_http01 check_mta_sts; do
	tap_unlike "$(ldd "$(plugin_path "$plugin")")" "libcurl|libunbound|libidn2" \
	    "$plugin links no libcurl, libunbound or libidn2 (each costs start-up; loaded when needed)"
done

tap_diag "incident 5, as the plugin reports it:" "$INCIDENT5"
tap_done
