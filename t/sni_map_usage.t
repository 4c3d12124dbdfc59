# sni_map_usage.t - bad command lines for check_sni_map: exit 3 with one
# sentence naming the option and the value.
USAGE_PLUGIN=check_sni_map
. "$top_srcdir/t/lib/usage.sh"
usage_error "nothing to check" "give --map FILE, or -H with --name NAME"
usage_error "--map that does not exist" "--map: cannot read '/nonexistent/sni.map'" --map /nonexistent/sni.map
usage_error "--map-type nginx" "--map-type: 'nginx' is not postfix or dovecot" --map /etc/hostname --map-type nginx
usage_error "--name without -H" "--name and --names-file need -H" --name mail.example.test
usage_error "--parallel 0" "--parallel: '0' is not a number from 1 to 64" --map /etc/hostname --parallel 0
usage_error "--parallel 65" "--parallel: '65'" --map /etc/hostname --parallel 65
usage_error "--expect-cert missing" "--expect-cert: cannot read '/nonexistent'" --map /etc/hostname --expect-cert /nonexistent
usage_error "-c abc" "-c/--critical: 'abc' is not a number of days" --map /etc/hostname -c abc
usage_error "-t 0" "-t/--timeout.*'0'" --map /etc/hostname -t 0
usage_error "--list-names without --map" "--list-names lists the names of --map only" --list-names --name a.example
usage_error "--list-names with -H" "--list-names lists the names of --map only: give --map FILE, without -H" \
    --map /etc/hostname --list-names -H 127.0.0.1 -P smtp
usage_error "--list-names, --map missing" "--map: cannot read '/nonexistent/sni.map'" --map /nonexistent/sni.map --list-names

# --- options that name a file (issue 15): a directory is not a map -------
usage_bad_paths --map "dir zero fifo missing big"
usage_bad_paths --names-file "dir zero fifo missing big" -H 127.0.0.1 -p 1 -P smtp
usage_bad_paths --expect-cert "dir zero fifo missing big" --map /etc/hostname
usage_bad_paths --rootcert "zero fifo missing big" --map /etc/hostname
usage_error "--name [name]" "--name: '\[mail\.example\.test\]' is not an \[IP address\]" \
    -H 127.0.0.1 -p 1 -P smtp --name '[mail.example.test]'
run_plugin check_sni_map --help
tap_like "$OUT" "^Usage: check_sni_map --map FILE" "--help shows the usage"
for opt in --map --map-type --list-names --name --names-file --expect-cert --parallel --warning --critical --hostname --timeout --output; do
	tap_like "$OUT" "$opt" "--help documents $opt"
done
# --list-names: the names a client can ask for, each once, in the map's order.
printf '%s\n' '# a map' 'mail.example.test /x.key /x.crt' '.example.org /y.pem' '*.wild.example /y.pem' \
    'MAIL.example.test /z.pem' 'other.example.test /z.pem' >"$TP_TMP/list.map"
run_plugin check_sni_map --map "$TP_TMP/list.map" --list-names
tap_is "$RC $(printf '%s' "$OUT" | tr '\n' ' ')" "0 mail.example.test other.example.test" \
    "--list-names: the map's names, not a parent domain, a wildcard or a name twice, exit 0"
printf 'local_name imap.example.test {\n  ssl_cert = </x.crt\n  ssl_key = </x.key\n}\n' >"$TP_TMP/dovecot.conf"
run_plugin check_sni_map --map "$TP_TMP/dovecot.conf" --map-type dovecot --list-names
tap_is "$RC $OUT" "0 imap.example.test" "--list-names: Dovecot's local_name blocks"
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
