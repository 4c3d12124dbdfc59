# mail_tls_usage.t - bad command lines: exit 3 (UNKNOWN) with one sentence
# naming the option and the value, and nothing else happens.
USAGE_PLUGIN=check_mail_tls
. "$top_srcdir/t/lib/usage.sh"

usage_error "missing -H" '-H/--hostname is required'
usage_error "unknown -P" "-P/--protocol: 'smtpx' is not a known protocol" -H 127.0.0.1 -P smtpx
usage_error "-w abc" "-w/--warning: .*'abc:?'" -H 127.0.0.1 -w abc
usage_error "-c empty" "-c/--critical" -H 127.0.0.1 -c ''
usage_error "-w below -c for days" '-w/--warning 10 is below -c/--critical 20' -H 127.0.0.1 -w 10 -c 20
usage_error "port 0" "-p/--port: '0' is not a port number" -H 127.0.0.1 -p 0
usage_error "port 70000" "-p/--port: '70000' is not a port number" -H 127.0.0.1 -p 70000
usage_error "port with junk" "-p/--port: '25x'" -H 127.0.0.1 -p 25x
usage_error "proxy v3" "--proxy-protocol: 'v3' is not a PROXY protocol version" -H 127.0.0.1 --proxy-protocol v3
usage_error "unreadable -r" "-r/--rootcert: cannot read '/nonexistent/ca.pem'" -H 127.0.0.1 -r /nonexistent/ca.pem
usage_error "-t 0" "-t/--timeout.*'0'" -H 127.0.0.1 -t 0
usage_error "-t abc" "-t/--timeout.*'abc'" -H 127.0.0.1 -t abc
usage_error "bad fingerprint" "--fingerprint: 'zz' is not a SHA-256 fingerprint" -H 127.0.0.1 --fingerprint zz
usage_error "bad issuer regex" "-i/--issuer: '\(' is not a valid" -H 127.0.0.1 -i '('
usage_error "--min-tls 1.1" "--min-tls: '1.1'" -H 127.0.0.1 --min-tls 1.1
usage_error "--output xml" "--output.*'xml'" -H 127.0.0.1 --output xml
usage_error "unknown option" "unknown option.*'--frobnicate'" -H 127.0.0.1 --frobnicate
usage_error "port needs -P" "-P/--protocol is needed: port 2525" -H 127.0.0.1 -p 2525
usage_error "unreadable --cert-file" "--cert-file: cannot read" -H 127.0.0.1 --cert-file /nonexistent

# --- --key-types (issue 17): a type this check cannot ask for, none, twice ---
usage_bad_key_types
usage_error "--fingerprint with two key types: it names one certificate" \
    "--fingerprint names one certificate: give --key-types one type with it \(rsa or ecdsa\), not 'ecdsa,rsa'" \
    -H 127.0.0.1 -p 1 -P smtp --key-types ECDSA,rsa --fingerprint "$(printf '%064d' 0)"

# --- options that name a file: judged before connecting (issue 15) --------
DOWN=(-H 127.0.0.1 -p 1 -P smtp)	# nothing listens: a bad file must not hide behind 'refused'
usage_bad_paths --rootcert "zero fifo missing big" "${DOWN[@]}"
usage_bad_paths --cert-file "dir zero fifo missing big" "${DOWN[@]}"
usage_bad_paths --trust-anchor "dir zero fifo missing big" -H mail.example.test -p 1 -P smtp \
    --dane --resolver 127.0.0.1@1
expect "-r from a pipe that never ends: UNKNOWN, read no further than 4 MiB" check_mail_tls UNKNOWN \
    "'/dev/fd/[0-9]+' gives more than 4 MiB: not a set of roots" "${DOWN[@]}" -r <(yes) -t 8
tap_ok "... at once, not until -t (took $SECONDS_TAKEN ms)" test "$SECONDS_TAKEN" -lt $((5000 + ${TP_TIME_SLACK_MS:-0}))
printf 'not a certificate\n' >"$TP_TMP/junk.pem"
usage_error "--cert-file without a certificate, server down: the file is named, not the server" \
    "--cert-file: '.*/junk\.pem' holds no PEM certificate" "${DOWN[@]}" --cert-file "$TP_TMP/junk.pem"

# --- host names as users type them (issue 15) ------------------------------
usage_error "-H [name]: brackets hold an address only" \
    "-H/--hostname: '\[mail\.example\.test\]' is not an \[IP address\]" -H '[mail.example.test]'
usage_error "-H [::1]:25: the port goes to -p" "-H/--hostname: '\[::1\]:25' is not an \[IP address\].*-p" \
    -H '[::1]:25'
usage_error "--sni [name]" "--sni: '\[mail\.example\.test\]' is not an \[IP address\]" \
    "${DOWN[@]}" --sni '[mail.example.test]'
usage_error "--sni with a character IDNA refuses: exit 3, the xn-- form asked for" \
    "--sni: 'a☃b\.example\.test': it is not a valid international name .*; give the name in its A-label form \(xn--\.\.\.\)" \
    "${DOWN[@]}" --sni 'a☃b.example.test'
usage_error "-m with two trailing dots is not a name" "-m/--match: 'mail\.example\.test\.\.' is not a host name" \
    "${DOWN[@]}" -m 'mail.example.test..'

run_plugin check_mail_tls --help
tap_is "$RC" 3 "--help exits 3 like every monitoring plugin"
tap_like "$OUT" '^Usage: check_mail_tls -H HOST' "--help shows the usage line"
for opt in --hostname --port --protocol --sni --match --issuer --rootcert --warning \
    --critical --proxy-protocol --min-tls --fingerprint --cert-file --key-types --timeout --verbose --output; do
	tap_like "$OUT" "$opt" "--help documents $opt"
done
run_plugin check_mail_tls -V
tap_like "$OUT" '^check_mail_tls [0-9]+\.[0-9]+' "-V prints the version"
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
