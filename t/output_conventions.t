# output_conventions.t - what every plugin's output keeps to, whatever the
# path: --output json is one object jq reads (usage errors and failures
# included) whose exit_code is the exit status; line one's text stays under
# 200 characters however long the input; no ANSI escape, not even on a
# terminal.  (Every expect in the other tests checks the last two as well.)
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
fixture_pki
fixture_start_postfix

R=(-r "$PKI/root.crt")
SUB=(-H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test)
CLOSED=$(fixture__freeports 1)
LONG=$(printf 'x%.0s' {1..400})

# json_path NAME STATE PLUGIN ARGS...: ARGS with --output json give one JSON
# object, valid for jq, with STATE, a matching exit status and a summary.
json_path() {
	local name=$1 state=$2 plugin=$3 want got
	shift 3
	want=$(state_code "$state")
	run_plugin "$plugin" "$@"
	got=$(jq -c '[.state, .exit_code, (.summary | type), (.results | type)]' <<<"$OUT" 2>&1)
	if [ "$(wc -l <<<"$OUT")" = 1 ] &&
	    [ "$got" = "[\"$state\",$want,\"string\",\"array\"]" ] && [ "$RC" = "$want" ]; then
		tap__result 0 "json: $name"
		return
	fi
	tap__result 1 "json: $name"
	tap_diag "  command: $plugin $*" "  exit status $RC, want $want; jq: $got" "  output:" "$OUT"
}

# --- --output json on every path ---------------------------------------------
json_path "check_mail_tls OK" OK check_mail_tls --output json "${R[@]}" "${SUB[@]}"
json_path "check_mail_tls CRITICAL (untrusted)" CRITICAL check_mail_tls --output json "${SUB[@]}" \
    -r "$PKI/other-root.crt"
json_path "check_mail_tls refused" CRITICAL check_mail_tls --output=json -H 127.0.0.1 -p "$CLOSED" -P smtp
json_path "check_mail_tls timeout as UNKNOWN" UNKNOWN check_mail_tls --output json -t 1:UNKNOWN \
    -H 127.0.0.1 -p "$PF_PROXY_SMTP" -P smtp
json_path "check_mail_tls usage error after --output" UNKNOWN check_mail_tls --output json -H 127.0.0.1 -p 0
json_path "check_mail_tls usage error before --output" UNKNOWN check_mail_tls -p 0 -H 127.0.0.1 --output json
json_path "check_mail_tls usage error, --output abbreviated (--out json)" UNKNOWN check_mail_tls --out json -p 0 -H 127.0.0.1
json_path "check_mail_tls usage error, --outp=json" UNKNOWN check_mail_tls -p 0 --outp=json -H 127.0.0.1
json_path "check_mail_tls missing -H" UNKNOWN check_mail_tls --output json
json_path "check_cert_chain OK (live)" OK check_cert_chain --output json "${R[@]}" "${SUB[@]}"
json_path "check_cert_chain CRITICAL (leaf only)" CRITICAL check_cert_chain --output json "${R[@]}" \
    --file "$PKI/mail.crt"
json_path "check_cert_chain usage error" UNKNOWN check_cert_chain --file /nonexistent --output json
json_path "check_sni_map OK (live name)" OK check_sni_map --output json "${R[@]}" \
    -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --name mail.example.test
json_path "check_sni_map usage error" UNKNOWN check_sni_map --output json --parallel 0 --map /etc/hostname
json_path "check_acme_http01 usage error" UNKNOWN check_acme_http01 --token '../x' --output json
json_path "check_acme_http01 refused" CRITICAL check_acme_http01 --output json \
    -H mail.example.test --ip 127.0.0.1 -p "$CLOSED"
run_plugin check_mail_tls --output xml -H 127.0.0.1
tap_like "$LINE1" "^MAIL_TLS UNKNOWN - --output: 'xml' is not a valid output format" \
    "a bad --output value itself is said in plain text"

# --- line one stays short --------------------------------------------------------
expect "a 400-character -H is named by its length" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - -H/--hostname: 400 characters is not a host name \(1 to 253\)$" \
    -H "$LONG" -p "$PF_SUBMISSION" -P submission
expect "a 400-character -p: line one cut under 200 characters" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - -p/--port: 'x+ \.\.\.$" -H 127.0.0.1 -p "$LONG" -P submission
expect "a 413-character --sni is no host name: UNKNOWN, named by its length" check_mail_tls UNKNOWN \
    "^MAIL_TLS UNKNOWN - --sni: 413 characters is not a host name \(1 to 253\)$" \
    "${R[@]}" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni "$LONG.example.test"
expect "a 400-character -i: line one cut under 200 characters" check_mail_tls CRITICAL \
    "" "${R[@]}" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test -i "$LONG"
tap_like "$LINE1" " \.\.\. " "... marked where it was cut"
run_plugin check_mail_tls --output json "${R[@]}" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission \
    --sni mail.example.test -i "$LONG"
tap_like "$(jq -r '.results[] | select(.state == "CRITICAL") | .text' <<<"$OUT")" "$LONG" \
    "... while the results keep the whole text"

# --- no colour, not even on a terminal ----------------------------------------------
if command -v script >/dev/null 2>&1; then
	TTY_OUT=$(TERM=xterm-256color script -qec "$(printf '%q ' "$(plugin_path check_mail_tls)" \
	    "${SUB[@]}" -r "$PKI/other-root.crt")" /dev/null)
	tap_like "$TTY_OUT" "MAIL_TLS CRITICAL - " "on a terminal (script): the plugin ran"
	tap_unlike "$TTY_OUT" $'\e' "... and wrote no ANSI escape"
else
	tap_skip "script (bsdutils) not installed: no terminal test" 2
fi
tap_done
