# acme_http01_usage.t - bad command lines for check_acme_http01: exit 3
# with one sentence naming the option and the value, before any request.
USAGE_PLUGIN=check_acme_http01
. "$top_srcdir/t/lib/usage.sh"
N=(-H mail.example.test --ip 127.0.0.1)
usage_error "no -H" "-H NAME is required: the domain name being validated"
usage_error "-H an IP address" "-H '192\.0\.2\.1' is an IP address: give the domain name" -H 192.0.2.1
usage_error "-H not a name" "-H 'mail example\.test' is not a domain name" -H "mail example.test"
usage_error "-p 0" "-p/--port '0' is not a port number \(1 to 65535\)" "${N[@]}" -p 0
usage_error "-p too big" "-p/--port '65536' is not a port number" "${N[@]}" -p 65536
usage_error "-p not a number" "-p/--port '80x' is not a port number" "${N[@]}" -p 80x
usage_error "--https-port bad" "--https-port '-443' is not a port number" "${N[@]}" --https-port -443
usage_error "--ip not an address" "--ip 'mail\.example\.test' is not an IP address" -H mail.example.test --ip mail.example.test
usage_error "--token without --expect" "--token 'canary' needs --expect CONTENT" "${N[@]}" --token canary
usage_error "--expect without --token" "--expect 'ok' needs --token TOKEN" "${N[@]}" --expect ok
usage_error "--token with a slash" "--token '\.\./etc/passwd' is not an ACME token: 1 to 255 base64url characters" \
    "${N[@]}" --token ../etc/passwd --expect x
usage_error "--token with a dot" "--token 'a\.b' is not an ACME token" "${N[@]}" --token a.b --expect x
usage_error "--token with padding" "--token 'abc=' is not an ACME token" "${N[@]}" --token abc= --expect x
usage_error "--token empty" "--token '' is not an ACME token" "${N[@]}" --token "" --expect x
usage_error "--token too long" "--token: 256 characters is too long for an ACME token \(1 to 255 base64url characters\)" "${N[@]}" --token "$(printf 'a%.0s' {1..256})" --expect x
usage_error "-t 0" "-t/--timeout.*'0'" "${N[@]}" -t 0
usage_error "--output xml" "--output.*'xml'" "${N[@]}" --output xml
usage_error "a stray argument" "unexpected argument 'extra'" "${N[@]}" extra
usage_error "-H [::1] is an address too" "-H '\[::1\]' is an IP address: give the domain name" -H '[::1]'
usage_error "-H [name]" "-H/--hostname: '\[mail\.example\.test\]' is not an \[IP address\]" \
    -H '[mail.example.test]' --ip 127.0.0.1
run_plugin check_acme_http01 --help
tap_is "$RC" 3 "--help exits 3, as every plugin does"
tap_like "$OUT" "^Usage: check_acme_http01 -H NAME" "--help shows the usage"
for opt in --hostname --ip --port --https-port --token --expect --timeout --verbose --output; do
	tap_like "$OUT" "$opt" "--help documents $opt"
done
run_plugin check_acme_http01 -V
tap_like "$OUT" "^check_acme_http01 [0-9]" "-V prints the version"
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
