# mta_sts_usage.t - bad command lines for check_mta_sts: exit 3 with one
# sentence naming the option and the value, before any DNS query.
USAGE_PLUGIN=check_mta_sts
. "$top_srcdir/t/lib/usage.sh"
D=(-D example.test --resolver 127.0.0.1@1)	# a resolver nobody answers on
usage_error "-D [::1]: an address is not a mail domain" "-D/--domain: '\[::1\]' is not a domain name" \
    -D '[::1]' --resolver 127.0.0.1@1
usage_error "-D [name]" "-D/--domain: '\[example\.test\]' is not an \[IP address\]" \
    -D '[example.test]' --resolver 127.0.0.1@1

# --- options that name a file (issue 15): judged at once, read bounded -----
usage_bad_paths --rootcert "zero fifo missing big" "${D[@]}"
usage_bad_paths --trust-anchor "dir zero fifo missing big" "${D[@]}"
usage_bad_paths --state-file "dir zero fifo big" "${D[@]}"
usage_error "--state-file in a directory that does not exist" \
    "--state-file: cannot create '$TP_TMP/no-such-dir/state': its directory is missing" \
    "${D[@]}" --state-file "$TP_TMP/no-such-dir/state"
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
