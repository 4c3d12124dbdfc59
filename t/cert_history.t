# cert_history.t - check_mail_tls --state-file against a real Postfix whose
# certificate is renewed, rolled back, moved to another CA and stripped of a
# name: a routine renewal stays OK, a material change warns (and keeps
# warning for --change-hold), a step back to an older certificate is
# CRITICAL; the file is 0600, rewritten only on change, shared safely by
# concurrent checks, and a damaged one is said once and replaced.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture_start_postfix
T=$TP_TMP
S=$T/state/history
mkdir -p "$T/state"
A=(-r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test)

# A second CA under the same root, of another organisation (as Let's
# Encrypt and ZeroSSL are), and its leaves: one with two names, one with one.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/r2.key" 2>/dev/null
openssl req -new -key "$T/r2.key" -subj "/O=Other CA test/CN=Other Test CA R2" -out "$T/r2.csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$T/ca.ext"
openssl x509 -req -in "$T/r2.csr" -CA "$PKI/root.crt" -CAkey "$PKI/root.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "$T/ca.ext" -out "$T/r2.crt" 2>/dev/null
leaf_of_r2() {	# leaf_of_r2 NAME SAN...: $T/NAME.{key,crt,fullchain.crt}
	local name=$1 san
	shift
	san=$(printf 'DNS:%s,' "$@")
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$name.key" 2>/dev/null
	openssl req -new -key "$T/$name.key" -subj "/CN=$1" -out "$T/$name.csr"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
	    "${san%,}" >"$T/$name.ext"
	openssl x509 -req -in "$T/$name.csr" -CA "$T/r2.crt" -CAkey "$T/r2.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 90 -extfile "$T/$name.ext" \
	    -out "$T/$name.crt" 2>/dev/null
	cat "$T/$name.crt" "$T/r2.crt" >"$T/$name.fullchain.crt"
}
leaf_of_r2 r2-two mail.example.test imap.example.test
sleep 1	# a later notBefore: the one-name certificate is the newer one
leaf_of_r2 r2-one mail.example.test

# --- first check, no change -------------------------------------------------
expect "first check: OK, the certificate remembered" check_mail_tls OK "" "${A[@]}" --state-file "$S"
tap_like "$OUT" "^\[OK\] first check with --state-file: remembering 'mail\.example\.test' \(sha256 [0-9a-f]{16}\)" \
    "... the long output says so"
tap_is "$(stat -c %a "$S")" 600 "the state file is 0600"
tap_is "$(head -1 "$S")" "tls-probe cert-history 1" "... and starts with its format and version"
before=$(stat -c '%i %Y' "$S")
sleep 1
expect "the same certificate again: OK" check_mail_tls OK "" "${A[@]}" --state-file "$S"
tap_is "$(stat -c '%i %Y' "$S")" "$before" "... and the file is not rewritten when nothing changed"

# --- renewal, then a step back ----------------------------------------------
fixture_swap_cert postfix mail-renewed
expect "a renewal (same CA, same names) is OK" check_mail_tls OK "" "${A[@]}" --state-file "$S"
tap_like "$OUT" "^\[OK\] renewed on [0-9-]{10} \(was sha256 [0-9a-f]{16}\)$" "... the long output says when and what it replaced"
fixture_swap_cert postfix mail
expect "the old certificate served again: CRITICAL, a service was not reloaded" check_mail_tls CRITICAL \
    "serving an older certificate than on [0-9-]{10} \(issued [0-9-]{10}, not [0-9-]{10}\): a node or a service was not reloaded" \
    "${A[@]}" --state-file "$S"
tap_like "$OUT" "^--state-file: served sha256 [0-9a-f]{64}, the newest seen [0-9a-f]{64}$" \
    "... the long output gives both fingerprints"
expect "... and again on the next check (the newer one stays remembered)" check_mail_tls CRITICAL \
    "serving an older certificate" "${A[@]}" --state-file "$S"

# --- another CA ---------------------------------------------------------------
fixture_swap_cert postfix "$T/r2-two"
expect "another CA: WARNING naming the old and the new one" check_mail_tls WARNING \
    "the CA changed from 'tls-probe test' to 'Other CA test' \([0-9-]{10}\): clients that cached or pinned the old one, such as iOS Mail, may complain" \
    "${A[@]}" --state-file "$S"
expect "... and still WARNING on the next check (--change-hold, 24 hours)" check_mail_tls WARNING \
    "the CA changed from 'tls-probe test' to 'Other CA test'" "${A[@]}" --state-file "$S"
tap_like "$OUT" "^\[WARNING\] the CA changed .* may complain; seen [0-9-]{10}, warned of for 24 hours \(--change-hold\)$" \
    "... the long output says for how long"
expect "--change-hold 0: the change is accepted, OK" check_mail_tls OK "" \
    "${A[@]}" --state-file "$S" --change-hold 0
expect "... and stays accepted with the default hold" check_mail_tls OK "" "${A[@]}" --state-file "$S"

# --- a name dropped -------------------------------------------------------------
fixture_swap_cert postfix "$T/r2-one"
expect "a renewal that drops a name: WARNING naming it" check_mail_tls WARNING \
    "names dropped in the renewal of [0-9-]{10}: imap\.example\.test \(clients asking for them now fail\)" \
    "${A[@]}" --state-file "$S"
tap_like "$OUT" "^\[OK\] renewed on" "... while the renewal itself is noted"

# --- a damaged file, concurrent checks, bad options -----------------------------
printf 'tls-probe cert-history 1\na line without its tab\n' >"$S"
expect "a damaged state file: WARNING, said once" check_mail_tls WARNING \
    "the state file .*/history is damaged at line 2: read as empty, rewritten" \
    "${A[@]}" --state-file "$S"
expect "... and rewritten: OK on the next check" check_mail_tls OK "" "${A[@]}" --state-file "$S"
printf 'tls-probe cert-history 0\n' >"$S"
expect "a state file of another version: WARNING, rewritten" check_mail_tls WARNING \
    "the state file .*/history is of another version \(its first line\): read as empty, rewritten" \
    "${A[@]}" --state-file "$S"
printf '[client]\npassword=secret\n' >"$S"
expect "somebody else's file named by mistake: UNKNOWN" check_mail_tls UNKNOWN \
    "the state file .*/history is not a tls-probe state file \(it does not begin with 'tls-probe '\): it is left alone" \
    "${A[@]}" --state-file "$S"
tap_is "$(cat "$S")" $'[client]\npassword=secret' "... and left as it was"
printf 'tls-probe mta-sts 1\nexample.test\tabc:0123\n' >"$S"
expect "check_mta_sts's state file given to check_mail_tls: UNKNOWN (it would wipe the other's records at every run)" \
    check_mail_tls UNKNOWN "the state file .*/history is another check's \('tls-probe mta-sts 1'\): it is left alone; give each plugin a file of its own" \
    "${A[@]}" --state-file "$S"
tap_is "$(cat "$S")" $'tls-probe mta-sts 1\nexample.test\tabc:0123' "... and left as it was"

names=(other days10 days20 wrongname rsa1024 sha1 traefik untrusted expired mail)
for n in "${names[@]}"; do
	"$(plugin_path check_mail_tls)" -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SMTP" -P smtp \
	    --sni "$n.example.test" --state-file "$T/state/shared" >/dev/null &
done
wait
tap_is "$(grep -c "%09fp	" "$T/state/shared")" "${#names[@]}" \
    "${#names[@]} checks at once into one file: every endpoint kept (locked, replaced atomically)"
tap_is "$(find "$T/state" -name '.*' -type f | wc -l)" 0 "... and no temporary file left behind"

# check_cert_chain --ports: one record per port, each judged
C=(-r "$PKI/root.crt" -H 127.0.0.1 --sni mail.example.test
    --ports "$PF_SUBMISSION/submission,$PF_SUBMISSIONS/submissions" --state-file "$T/state/chain")
expect "check_cert_chain --ports --state-file: first check OK" check_cert_chain OK "" "${C[@]}"
tap_is "$(grep -c "%09fp	" "$T/state/chain")" 2 "... one record per port"
fixture_swap_cert postfix mail
expect "... an older certificate on both ports: CRITICAL, each port named" check_cert_chain CRITICAL \
    "$PF_SUBMISSION/submission: serving an older certificate than on" "${C[@]}"
tap_like "$OUT" "^\[CRITICAL\] $PF_SUBMISSIONS/submissions: serving an older certificate" "... the other port too"

expect "--state-file in a missing directory: UNKNOWN at once" check_mail_tls UNKNOWN \
    "--state-file: cannot create '.*/none/x': its directory is missing or not writable" \
    "${A[@]}" --state-file "$T/none/x"
expect "--state-file that is not a regular file: UNKNOWN" check_mail_tls UNKNOWN \
    "--state-file: '/dev/null' is a device or socket, not a file" "${A[@]}" --state-file /dev/null
expect "--change-hold that is not a number: UNKNOWN" check_mail_tls UNKNOWN \
    "--change-hold: 'soon' is not a number of hours" "${A[@]}" --change-hold soon
tap_done
