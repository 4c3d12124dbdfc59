# openmetrics.t - --output openmetrics for a Prometheus set-up: every
# plugin's document passes `promtool check metrics`, ends with "# EOF", and
# carries the state and the served certificates' dates as the fixture made
# them (not_after is the certificate's notAfter as openssl reads it), with
# bounded labels. A usage error writes nothing on stdout (no half document
# for the textfile collector) and its one sentence on stderr, exit 3; a
# check that times out is still a whole document with its state.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
command -v promtool >/dev/null 2>&1 || tap_bail "promtool not installed (Debian: prometheus; contrib/setup-debian.sh)"
fixture_pki
fixture_start_postfix
fixture_start_dovecot

R=(-r "$PKI/root.crt")
CLOSED=$(fixture__freeports 1)

# om_run NAME STATE PLUGIN ARGS...: ARGS with --output openmetrics exit with
# STATE, end with "# EOF" and pass promtool check metrics.
om_run() {
	local name=$1 state=$2 plugin=$3 want lint rc=0
	shift 3
	want=$(state_code "$state")
	run_plugin "$plugin" --output openmetrics "$@"
	lint=$(printf '%s\n' "$OUT" | promtool check metrics 2>&1) || rc=$?
	if [ "$RC" = "$want" ] && [ "${OUT##*$'\n'}" = "# EOF" ] && [ "$rc" = 0 ] && [ -z "$lint" ]; then
		tap__result 0 "$name"
		return 0
	fi
	tap__result 1 "$name"
	tap_diag "  command: $plugin --output openmetrics $*" "  exit status $RC, want $want" \
	    "  promtool ($rc): $lint" "  output:" "$OUT"
	return 1
}

# series NAME LABEL-ERE: the value of the one series of NAME whose labels
# match LABEL-ERE (empty when none; "2 series" when more than one).
series() {
	local got
	got=$(printf '%s\n' "$OUT" | grep -E "^$1\{[^}]*$2[^}]*\} " | sed 's/.* //')
	[ "$(printf '%s' "$got" | grep -c .)" -gt 1 ] && got="$(printf '%s' "$got" | grep -c .) series"
	printf '%s' "$got"
}

# The certificate's dates as openssl reads them, in Unix seconds.
cert_date() {
	date -u -d "$(openssl x509 -in "$PKI/$1.crt" -noout "-$2" | sed 's/^[^=]*=//')" +%s
}
MAIL_NOT_AFTER=$(cert_date mail enddate)
MAIL_NOT_BEFORE=$(cert_date mail startdate)
INTER_NOT_AFTER=$(cert_date inter enddate)
EXPIRED_NOT_AFTER=$(cert_date expired enddate)
MAIL_FP=$(fixture_cert_fp mail | tr -d : | tr A-F a-f)

# --- a good endpoint: Postfix submission ----------------------------------------
om_run "check_mail_tls OK on Postfix submission: a valid document" OK check_mail_tls "${R[@]}" \
    -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test
L="check=\"mail_tls\",host=\"127\.0\.0\.1\",port=\"$PF_SUBMISSION\",protocol=\"submission\",sni=\"mail\.example\.test\""
tap_is "$(series tls_probe_check_state "$L")" 0 "... the state is 0, labelled with host, port, protocol and SNI"
tap_like "$(series tls_probe_check_duration_seconds "$L")" '^0\.[0-9]+$|^[1-9][0-9]*(\.[0-9]+)?$' \
    "... the check's duration in seconds"
tap_is "$(series tls_probe_certificate_not_after_seconds "$L,position=\"0\",key_type=\"ecdsa\"")" \
    "$MAIL_NOT_AFTER" "... the leaf's not_after is its notAfter (openssl x509 -enddate)"
tap_is "$(series tls_probe_certificate_not_before_seconds 'position="0"')" "$MAIL_NOT_BEFORE" \
    "... its not_before is its notBefore"
tap_is "$(series tls_probe_certificate_lifetime_seconds 'position="0"')" \
    "$((MAIL_NOT_AFTER - MAIL_NOT_BEFORE))" "... its lifetime is notAfter - notBefore"
tap_like "$(series tls_probe_certificate_lifetime_left_ratio 'position="0"')" '^0\.(6|7)[0-9]*$' \
    "... about two thirds of its lifetime left (issued 30 days ago for 120)"
tap_is "$(series tls_probe_certificate_not_after_seconds 'position="1"')" "$INTER_NOT_AFTER" \
    "... the intermediate at position 1 with its own notAfter"
tap_is "$(series tls_probe_certificate_key_size 'position="0"')" 256 "... the leaf's key size in bits"
tap_like "$(series tls_probe_certificate_info 'position="0"')" '^1$' "... one info series for the leaf"
tap_like "$OUT" "tls_probe_certificate_info\{[^}]*sha256=\"$MAIL_FP\"" "... the fingerprint only in the info series"
tap_unlike "$(printf '%s\n' "$OUT" | grep -v '^tls_probe_certificate_info' | grep -v '^#')" \
    'sha256=|subject=|issuer=|serial=' "... and in no other series"
tap_unlike "$OUT" 'address=' "... no address label for one address (whichever answered: a new series at every change)"

# --- Dovecot, implicit TLS ----------------------------------------------------
om_run "check_mail_tls OK on Dovecot imaps" OK check_mail_tls "${R[@]}" \
    -H 127.0.0.1 -p "$DV_IMAPS" -P imaps --sni mail.example.test
tap_is "$(series tls_probe_certificate_not_after_seconds "protocol=\"imaps\".*position=\"0\"")" \
    "$MAIL_NOT_AFTER" "... Dovecot's leaf: the same notAfter, protocol imaps"

# --- broken endpoints ---------------------------------------------------------------
om_run "check_mail_tls on an expired certificate: CRITICAL, still a valid document" CRITICAL \
    check_mail_tls "${R[@]}" -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni expired.example.test
tap_is "$(series tls_probe_check_state 'check="mail_tls"')" 2 "... the state is 2"
tap_is "$(series tls_probe_certificate_not_after_seconds 'position="0"')" "$EXPIRED_NOT_AFTER" \
    "... the expired leaf's notAfter"
tap_like "$(series tls_probe_certificate_lifetime_left_ratio 'position="0"')" '^-0\.0[0-9]*$' \
    "... a negative share of its lifetime left"
om_run "check_cert_chain on a leaf-only server: CRITICAL" CRITICAL check_cert_chain "${R[@]}" \
    -H 127.0.0.1 --sni leafonly.example.test -p "$PF_SMTP" -P smtp
tap_is "$(series tls_probe_check_state 'check="cert_chain",host="127\.0\.0\.1",ports="[0-9]+/[a-z0-9]+",sni="leafonly\.example\.test"')" 2 \
    "... state 2 with host and SNI"
tap_is "$(series tls_probe_certificate_not_after_seconds "port=\"$PF_SMTP\",protocol=\"smtp\".*position=\"0\"")" \
    "$MAIL_NOT_AFTER" "... the one certificate served, with its port"
tap_is "$(series tls_probe_certificate_not_after_seconds 'position="1"')" "" "... and nothing at position 1"
om_run "check_cert_chain on two ports" OK check_cert_chain "${R[@]}" -H 127.0.0.1 \
    --sni mail.example.test --ports "$PF_SUBMISSION/submission,$DV_IMAPS/imaps"
tap_is "$(series tls_probe_certificate_not_after_seconds "port=\"$DV_IMAPS\".*position=\"0\"")" \
    "$MAIL_NOT_AFTER" "... a series per port (imaps)"
tap_is "$(series tls_probe_certificate_not_after_seconds "port=\"$PF_SUBMISSION\".*position=\"0\"")" \
    "$MAIL_NOT_AFTER" "... a series per port (submission)"
om_run "check_cert_chain on a file" OK check_cert_chain "${R[@]}" --file "$PKI/mail.fullchain.crt"
tap_is "$(series tls_probe_certificate_not_after_seconds 'position="0"')" "$MAIL_NOT_AFTER" \
    "... the file's leaf"

# --- a timeout: Postfix waiting for a PROXY header --------------------------------
om_run "check_mail_tls timeout: a whole document with the -t state" UNKNOWN check_mail_tls \
    -t 1:UNKNOWN -H 127.0.0.1 -p "$PF_PROXY_SMTP" -P smtp
tap_is "$(series tls_probe_check_state 'check="mail_tls"')" 3 "... the state is 3"

# --- the other plugins ----------------------------------------------------------------
om_run "check_sni_map OK (live name)" OK check_sni_map "${R[@]}" \
    -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --name mail.example.test
om_run "check_acme_http01 refused: CRITICAL" CRITICAL check_acme_http01 \
    -H mail.example.test --ip 127.0.0.1 -p "$CLOSED"
tap_is "$(series tls_probe_check_state 'check="acme_http01"')" 2 "... the state is 2"
om_run "check_mta_sts, no resolver answering: a document" CRITICAL check_mta_sts \
    -D example.test --resolver "127.0.0.1@$CLOSED" -t 2

# --- usage errors: nothing on stdout, one line on stderr, exit 3 --------------------
for cmd in "check_mail_tls -H 127.0.0.1 -p 0" "check_cert_chain --file /nonexistent" \
    "check_sni_map --parallel 0 --map /etc/hostname" "check_acme_http01 --token ../x" \
    "check_mta_sts -D [::1]"; do
	# shellcheck disable=SC2086
	run_plugin $cmd --output openmetrics
	err=$(cat "$TP_TMP/stderr.$$")
	if [ "$RC" = 3 ] && [ -z "$OUT" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
	    [[ $err == *" UNKNOWN - "* ]]; then
		tap__result 0 "usage error of ${cmd%% *}: exit 3, stdout empty, one line on stderr"
	else
		tap__result 1 "usage error of ${cmd%% *}: exit 3, stdout empty, one line on stderr"
		tap_diag "  exit $RC" "  stdout: $OUT" "  stderr: $err"
	fi
done
run_plugin check_mail_tls -p 0 -H 127.0.0.1 --output=openmetrics
tap_is "$OUT" "" "a usage error before --output=openmetrics: still nothing on stdout"
run_plugin check_mail_tls --output xml -H 127.0.0.1
tap_like "$LINE1" "use nagios, json or openmetrics" "a bad --output names the three formats"
run_plugin check_mail_tls --help
tap_like "$OUT" "openmetrics:" "--help describes openmetrics"

# --- a dual-certificate Postfix: one series per key type ------------------------------
fixture_swap_cert postfix mail mail-rsa || tap_bail "Postfix does not serve mail and mail-rsa"
RSA_NOT_AFTER=$(cert_date mail-rsa enddate)
om_run "check_mail_tls --key-types all on RSA + ECDSA" OK check_mail_tls "${R[@]}" \
    -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni mail.example.test --key-types all
tap_is "$(series tls_probe_certificate_not_after_seconds 'key_type="rsa",position="0"')" \
    "$RSA_NOT_AFTER" "... the RSA leaf's notAfter, labelled rsa"
tap_is "$(series tls_probe_certificate_not_after_seconds 'key_type="ecdsa",position="0"')" \
    "$MAIL_NOT_AFTER" "... the ECDSA leaf's, labelled ecdsa"
tap_is "$(series tls_probe_certificate_key_size 'key_type="rsa",.*position="0"')" 2048 "... the RSA key's size"
om_run "check_cert_chain --key-types all on RSA + ECDSA" OK check_cert_chain "${R[@]}" \
    -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni mail.example.test --key-types all
tap_is "$(series tls_probe_certificate_not_after_seconds 'key_type="rsa",position="0"')" \
    "$RSA_NOT_AFTER" "... check_cert_chain: the RSA leaf, labelled rsa"
tap_is "$(series tls_probe_certificate_not_after_seconds 'key_type="ecdsa",position="1"')" \
    "$INTER_NOT_AFTER" "... the ECDSA chain's intermediate at position 1"
tap_done
