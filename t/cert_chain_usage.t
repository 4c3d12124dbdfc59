# cert_chain_usage.t - bad command lines for check_cert_chain: exit 3 with
# one sentence naming the option and the value.
USAGE_PLUGIN=check_cert_chain
. "$top_srcdir/t/lib/usage.sh"
usage_error "no source" "give -H HOST, --file FILE or --live-dir DIR"
usage_error "missing file" "--file: cannot read '/nonexistent.pem'" --file /nonexistent.pem
usage_error "missing live dir" "--live-dir: cannot read '/nonexistent'" --live-dir /nonexistent
usage_error "--ports without -H" "--ports needs -H" --file /etc/hostname --ports 25
usage_error "--ports bad port" "--ports: '99999/smtp' does not start with a port number" -H 127.0.0.1 --ports 99999/smtp
usage_error "--ports bad protocol" "--ports: '25/smtpx' names an unknown protocol" -H 127.0.0.1 --ports 25/smtpx
usage_error "--ports unknown port" "--ports: '2525' is not a well-known mail port" -H 127.0.0.1 --ports 2525
usage_error "--key without --file" "--key '/etc/hostname' needs --file" -H 127.0.0.1 --key /etc/hostname
usage_error "--compare-file without -H" "--compare-file '/etc/hostname' needs -H" --file /etc/hostname --compare-file /etc/hostname
usage_error "-w below -c" "-w/--warning 10 is below -c/--critical 20" --file /etc/hostname -w 10 -c 20
usage_error "-t 0" "-t/--timeout.*'0'" --file /etc/hostname -t 0
usage_error "--proxy-protocol v3" "--proxy-protocol: 'v3'" -H 127.0.0.1 --proxy-protocol v3

# --- options that name a file: judged before anything is read (issue 15) ---
DOWN=(-H 127.0.0.1 -p 1 -P smtp)
usage_bad_paths --rootcert "zero fifo missing big" "${DOWN[@]}"
usage_bad_paths --file "dir zero fifo missing big"
usage_bad_paths --key "dir zero fifo missing big" --file /etc/hostname
usage_bad_paths --compare-file "dir zero fifo missing big" "${DOWN[@]}"
usage_bad_paths --live-dir "file zero fifo missing"
usage_error "-H [name]" "-H/--hostname: '\[mail\.example\.test\]' is not an \[IP address\]" \
    -H '[mail.example.test]'
run_plugin check_cert_chain --file /etc/hostname
tap_is "$RC" 2 "a file without certificates is CRITICAL, not a crash"
tap_like "$LINE1" "holds no PEM certificate" "... and says so"

# --- --key-types (issue 17): a type this check cannot ask for, none, twice ---
usage_bad_key_types
usage_error "--key-types without -H: a file holds one certificate" "--key-types needs -H" \
    --file /etc/hostname --key-types rsa

run_plugin check_cert_chain --help
tap_like "$OUT" "^Usage: check_cert_chain -H HOST" "--help shows the usage"
for opt in --ports --file --key --live-dir --compare-file --key-types --warning --critical --rootcert --timeout --output; do
	tap_like "$OUT" "$opt" "--help documents $opt"
done
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
