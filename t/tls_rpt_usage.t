# tls_rpt_usage.t - bad command lines for check_tls_rpt: exit 3 with one
# sentence naming the option and the value, before any report is read.
USAGE_PLUGIN=check_tls_rpt
. "$top_srcdir/t/lib/usage.sh"
mkdir "$TP_TMP/reports"
S=(--dir "$TP_TMP/reports")
usage_error "no source" "a source is required: --maildir=DIR, --dir=DIR or --imap=URL"
usage_error "no source, only -D" "a source is required" -D example.com
usage_error "two sources" "--dir and --maildir: give one source, not two" "${S[@]}" --maildir "$TP_TMP/reports"
usage_error "two sources, IMAP second" "--dir and --imap: give one source, not two" "${S[@]}" --imap imaps://127.0.0.1/INBOX
usage_error "a missing directory" "--dir: cannot read '$TP_TMP/missing': No such file" --dir "$TP_TMP/missing"
tap_like "$LINE1" "missing'" "... the line names the directory"
usage_error "--maildir missing" "--maildir: cannot read '$TP_TMP/nomail': No such file" --maildir "$TP_TMP/nomail"
echo x >"$TP_TMP/file.json"
usage_error "--dir names a file" "--dir: '.*file\.json' is a file, not a directory" --dir "$TP_TMP/file.json"
usage_error "imap:// without TLS" "--imap: 'imap://127\.0\.0\.1/INBOX' is not TLS; use imaps:// or add --imap-insecure" \
    --imap imap://127.0.0.1/INBOX
usage_error "--imap not an IMAP URL" "--imap: 'https://127\.0\.0\.1/' is not an imaps:// URL" --imap https://127.0.0.1/
usage_error "--imap-user without --imap" "--imap-user applies to --imap only, not --dir" "${S[@]}" --imap-user tlsrpt
usage_error "--imap-insecure without --imap" "--imap-insecure applies to --imap only" "${S[@]}" --imap-insecure
usage_bad_paths --imap-password-file "dir zero fifo missing big" --imap imaps://127.0.0.1:1/INBOX
usage_error "-w not a range" "-w/--warning: '1:x' is not a range of percent" "${S[@]}" -w 1:x
usage_error "-c backwards" "-c/--critical: '10:5' is not a range of percent" "${S[@]}" -c 10:5
usage_error "-w with a comma" "-w/--warning: '0,5' is not a range of percent" "${S[@]}" -w 0,5
usage_error "--window 0" "--window: '0' is not a number of hours \(more than 0, at most 8760\)" "${S[@]}" --window 0
usage_error "--window words" "--window: '2d' is not a number of hours" "${S[@]}" --window 2d
usage_error "--max-silence negative" "--max-silence: '-1' is not a number of hours" "${S[@]}" --max-silence -1
usage_error "-D not a domain" "-D/--domain: 'example' is not a domain name" "${S[@]}" -D example
usage_error "-D a URL" "-D/--domain: 'https://example\.com' is not a domain name" "${S[@]}" -D https://example.com
usage_error "-t 0" "-t/--timeout.*'0'" "${S[@]}" -t 0
usage_error "--output xml" "--output.*'xml'" "${S[@]}" --output xml
usage_error "a stray argument" "unexpected argument 'extra'" "${S[@]}" extra
run_plugin check_tls_rpt --output json
tap_like "$OUT" '"state": *"UNKNOWN"' "--output json: a usage error is JSON too"
run_plugin check_tls_rpt --help
tap_is "$RC" 3 "--help exits 3, as every plugin does"
tap_like "$OUT" "Usage: check_tls_rpt \(--maildir=DIR \| --dir=DIR \| --imap=URL" "--help shows the usage"
tap_is "$(ls -A "$TP_TMP/cwd")" "" "usage errors wrote no file in the working directory"
tap_done
