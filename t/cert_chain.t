# cert_chain.t - incident 1 ("valid certificate, clients still complain")
# and its relatives, judged by check_cert_chain on files made from the test
# PKI and on real Postfix and Dovecot: incomplete, misordered and padded
# chains, an expiring intermediate, a key that does not match, Let's
# Encrypt live directories with broken links, and a renewal that only one
# of two services picked up.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot
R=(-r "$PKI/root.crt")
T=$TP_TMP

# --- chains in files ------------------------------------------------------
expect "a full chain with its key is OK" check_cert_chain OK \
    "chain complete and in order, mail\.example\.test from tls-probe Test Intermediate R1" \
    "${R[@]}" --file "$PKI/mail.fullchain.crt" --key "$PKI/mail.key"
tap_like "$LINE1" "\| days_left_min=(8[89]|90);30:;12: chain_length=2$" "perfdata: fewest days and chain length"
expect "a leaf without its intermediate is CRITICAL and names it" check_cert_chain CRITICAL \
    "the file holds only the leaf; intermediate 'CN=tls-probe Test Intermediate R1,O=tls-probe test' \(issuer of the leaf\) is missing" \
    "${R[@]}" --file "$PKI/mail.crt"
cat "$PKI/mail.crt" "$PKI/other-root.crt" >"$T/wrong-inter.pem"
expect "a leaf with an unrelated CA instead of its intermediate: CRITICAL, the file named" \
    check_cert_chain CRITICAL \
    "intermediate 'CN=tls-probe Test Intermediate R1,O=tls-probe test' is missing from the file's chain: put the full chain in the file" \
    "${R[@]}" --file "$T/wrong-inter.pem"
tap_unlike "$OUT" "sent by the server" "... and says nothing of a server"
cat "$PKI/mail.crt" "$PKI/root.crt" "$PKI/inter.crt" >"$T/misordered.pem"
expect "leaf, root, intermediate: WARNING, where the order breaks" check_cert_chain WARNING \
    "out of order: the issuer of 'mail\.example\.test' is certificate #3, it should come right after it as #2" \
    "${R[@]}" --file "$T/misordered.pem"
tap_like "$OUT" "the root is sent along" "long output notes the root sent along"
cat "$PKI/inter.crt" "$PKI/mail.crt" >"$T/ca-first.pem"
expect "a file that starts with the CA is CRITICAL" check_cert_chain CRITICAL \
    "certificate #1 'CN=tls-probe Test Intermediate R1,O=tls-probe test' is a CA, not the server's certificate" \
    "${R[@]}" --file "$T/ca-first.pem"
cat "$PKI/mail.fullchain.crt" "$PKI/other.crt" >"$T/padded.pem"
expect "an unrelated certificate in the chain is WARNING and named" check_cert_chain WARNING \
    "certificate #3 'CN=other\.example\.test' does not belong to this chain" \
    "${R[@]}" --file "$T/padded.pem"
expect "a key that is not the leaf's is CRITICAL" check_cert_chain CRITICAL \
    "the private key .*/other\.key does not belong to the certificate 'mail\.example\.test'" \
    "${R[@]}" --file "$PKI/mail.fullchain.crt" --key "$PKI/other.key"
tap_like "$OUT" "^\[CRITICAL\] the private key ${PKI//./\\.}/other\.key does not belong" \
    "... the long output names the key by its full path"

# An intermediate that expires before the leaf: the intermediate trips -c.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/inter2.key" 2>/dev/null
openssl req -new -key "$T/inter2.key" -subj "/O=tls-probe test/CN=tls-probe Short Intermediate" -out "$T/inter2.csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$T/ca.ext"
openssl x509 -req -in "$T/inter2.csr" -CA "$PKI/root.crt" -CAkey "$PKI/root.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 10 -extfile "$T/ca.ext" -out "$T/inter2.crt" 2>/dev/null
openssl req -new -key "$PKI/mail.key" -subj "/CN=mail.example.test" -out "$T/leaf2.csr"
printf 'subjectAltName=DNS:mail.example.test\nextendedKeyUsage=serverAuth\n' >"$T/leaf.ext"
openssl x509 -req -in "$T/leaf2.csr" -CA "$T/inter2.crt" -CAkey "$T/inter2.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 60 -extfile "$T/leaf.ext" -out "$T/leaf2.crt" 2>/dev/null
cat "$T/leaf2.crt" "$T/inter2.crt" >"$T/short-inter.pem"
expect "an intermediate expiring in 10 days trips -c 15, named" check_cert_chain CRITICAL \
    "intermediate 'tls-probe Short Intermediate' expires in (9|10) days" \
    "${R[@]}" --file "$T/short-inter.pem" -w 30 -c 15
tap_like "$OUT" "^\[OK\] certificate 'mail\.example\.test' expires in (59|60) days" "... while the leaf itself is fine"
# An "intermediate" without basicConstraints CA:TRUE: clients refuse it.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/notca.key" 2>/dev/null
openssl req -new -key "$T/notca.key" -subj "/O=tls-probe test/CN=tls-probe Not A CA" -out "$T/notca.csr"
printf 'basicConstraints=critical,CA:FALSE\n' >"$T/notca.ext"
openssl x509 -req -in "$T/notca.csr" -CA "$PKI/root.crt" -CAkey "$PKI/root.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 100 -extfile "$T/notca.ext" -out "$T/notca.crt" 2>/dev/null
openssl x509 -req -in "$T/leaf2.csr" -CA "$T/notca.crt" -CAkey "$T/notca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 60 -extfile "$T/leaf.ext" -out "$T/leaf3.crt" 2>/dev/null
cat "$T/leaf3.crt" "$T/notca.crt" >"$T/notca-chain.pem"
expect "an issuer that is not a CA is CRITICAL and named" check_cert_chain CRITICAL \
    "'tls-probe Not A CA' issues certificates but is not a CA \(basicConstraints CA:TRUE missing\)" \
    "${R[@]}" --file "$T/notca-chain.pem"
run_plugin check_cert_chain "${R[@]}" --file "$T/short-inter.pem" --output json
tap_is "$(jq -r '"\(.state) \(.facts.sources[0].verified) \(.facts.sources[0].chain[1].subject)"' <<<"$OUT")" \
    "WARNING true CN=tls-probe Short Intermediate,O=tls-probe test" "--output json carries the sources and their chains (an intermediate with 10 days left, under the 60-day leaf's 15)"
cp "$PKI/root.crt" "$T/root-and-inter.pem"; cat "$PKI/inter.crt" >>"$T/root-and-inter.pem"
expect "an intermediate only the local store has: WARNING, strict clients fail" check_cert_chain WARNING \
    "intermediate 'CN=tls-probe Test Intermediate R1,O=tls-probe test' is not sent; it verifies here only because the local trust store has it" \
    -r "$T/root-and-inter.pem" --file "$PKI/mail.crt"

# --- Let's Encrypt live directories ----------------------------------------
make_live() {	# make_live DIR VERSION_LINKED: archive versions 1 (mail) and 2 (mail-renewed)
	local dir=$1 v=$2 n name
	rm -rf "$dir"
	mkdir -p "$dir/archive/mail.example.test" "$dir/live/mail.example.test"
	for n in 1 2; do
		[ "$n" = 1 ] && name=mail || name=mail-renewed
		cp "$PKI/$name.crt" "$dir/archive/mail.example.test/cert$n.pem"
		cp "$PKI/inter.crt" "$dir/archive/mail.example.test/chain$n.pem"
		cp "$PKI/$name.fullchain.crt" "$dir/archive/mail.example.test/fullchain$n.pem"
		cp "$PKI/$name.key" "$dir/archive/mail.example.test/privkey$n.pem"
	done
	for name in cert chain fullchain privkey; do
		ln -s "../../archive/mail.example.test/$name$v.pem" "$dir/live/mail.example.test/$name.pem"
	done
}
make_live "$T/le" 2
expect "a good live directory is OK" check_cert_chain OK "chain complete and in order" \
    "${R[@]}" --live-dir "$T/le/live/mail.example.test"
tap_like "$OUT" "every link points into the archive, version 2" "long output: the links and their version"
make_live "$T/le" 1
expect "links left on an old version after renewal: CRITICAL" check_cert_chain CRITICAL \
    "CRITICAL - live/mail\.example\.test: cert\.pem points to version 1, the archive's newest is 2: renewed, but the link was not moved \(\+3 more below\)" \
    "${R[@]}" --live-dir "$T/le/live/mail.example.test"
tap_like "$OUT" "^\[CRITICAL\] fullchain\.pem points to version 1, the archive's newest is 2" "... the long output names every stale link"
make_live "$T/le" 2
ln -sfn ../../archive/mail.example.test/cert9.pem "$T/le/live/mail.example.test/cert.pem"
expect "a dangling link: CRITICAL, target named" check_cert_chain CRITICAL \
    "cert\.pem is a dangling link \(pruned archive, or a container still holding an old mount\): '\.\./\.\./archive/mail\.example\.test/cert9\.pem' does not exist" \
    "${R[@]}" --live-dir "$T/le/live/mail.example.test"
make_live "$T/le" 2
mkdir -p "$T/elsewhere"; cp "$PKI/mail-renewed.key" "$T/elsewhere/privkey.pem"
ln -sfn ../../../elsewhere/privkey.pem "$T/le/live/mail.example.test/privkey.pem"
expect "a link out of the archive: WARNING, target named" check_cert_chain WARNING \
    "privkey\.pem points outside the archive: '\.\./\.\./\.\./elsewhere/privkey\.pem'" \
    "${R[@]}" --live-dir "$T/le/live/mail.example.test"
make_live "$T/le" 2
ln -sfn ../../archive/mail.example.test/chain1.pem "$T/le/live/mail.example.test/chain.pem"
cp "$PKI/mail.fullchain.crt" "$T/le/archive/mail.example.test/fullchain2.pem"
expect "fullchain.pem from another renewal than cert.pem: CRITICAL" check_cert_chain CRITICAL \
    "chain\.pem points to version 1, .* \(\+[0-9]+ more below\)" \
    "${R[@]}" --live-dir "$T/le/live/mail.example.test"
tap_like "$OUT" "^\[CRITICAL\] fullchain\.pem is not cert\.pem followed by chain\.pem: the files come from different renewals$" \
    "... the long output says fullchain.pem is not cert.pem + chain.pem"

# --- live: what the services serve ----------------------------------------
L=("${R[@]}" -H 127.0.0.1 --sni mail.example.test)
expect "the served chain, live, is OK" check_cert_chain OK "chain complete and in order" \
    "${L[@]}" -p "$PF_SUBMISSION" -P submission
expect "a live leaf without its intermediate names it" check_cert_chain CRITICAL \
    "the server sends only the leaf; intermediate 'CN=tls-probe Test Intermediate R1,O=tls-probe test' \(issuer of the leaf\) is missing" \
    "${R[@]}" -H 127.0.0.1 --sni leafonly.example.test -p "$PF_SMTP" -P smtp
PORTS="$PF_SUBMISSION/submission,$DV_IMAPS/imaps,$DV_POP3S/pop3s,$PF_SUBMISSIONS"
expect "four ports of one host serve the same chain" check_cert_chain OK \
    "4 endpoints serve the same complete chain for mail\.example\.test" \
    "${L[@]}" --ports "$PORTS/submissions"
tap_like "$LINE1" "days_left_$DV_IMAPS=(8[89]|90);30:;12:" "perfdata per port"
# The roots from a pipe are read once, for every port: each port re-read
# -r, and the second found the pipe drained ("holds no trusted certificate").
expect "-r from a pipe: every port verifies against it (was: the second port 'holds no trusted certificate')" \
    check_cert_chain OK "3 endpoints serve the same complete chain for mail\.example\.test" \
    -r <(cat "$PKI/root.crt") -H 127.0.0.1 --sni mail.example.test \
    --ports "$PF_SUBMISSION/submission,$DV_IMAPS/imaps,$PF_SUBMISSIONS/submissions"
tap_unlike "$OUT" "holds no trusted certificate" "... and no port says the roots hold no certificate"
expect "-H [127.0.0.1] is the address, not a name to resolve (issue 15)" check_cert_chain OK \
    "^CERT_CHAIN OK - 127\.0\.0\.1: chain complete and in order" "${R[@]}" -H '[127.0.0.1]' \
    --sni mail.example.test -p "$PF_SUBMISSION" -P submission
expect "--sni with the root dot: the name's own chain, no false mismatch (issue 15)" check_cert_chain OK \
    "chain complete and in order, other\.example\.test" "${R[@]}" -H 127.0.0.1 \
    --sni other.example.test. -p "$DV_IMAPS" -P imaps

make_live "$T/le" 2
fixture_swap_cert postfix mail-renewed
expect "Postfix reloaded, Dovecot not: CRITICAL names the stale ports" check_cert_chain CRITICAL \
    "$DV_IMAPS/imaps serves an older certificate \(issued [0-9-]+\) than $PF_SUBMISSION/submission \(issued [0-9-]+\): reload the service behind $DV_IMAPS/imaps" \
    "${L[@]}" --ports "$PF_SUBMISSION/submission,$DV_IMAPS/imaps,$DV_POP3S/pop3s"
tap_like "$OUT" "^\[CRITICAL\] $DV_POP3S/pop3s serves an older certificate" "... and the other Dovecot port too"
tap_unlike "$OUT" "^\[CRITICAL\] $PF_SUBMISSION/submission serves" "... but not the reloaded Postfix"
expect "Dovecot against the renewed file on disk: CRITICAL, reload it" check_cert_chain CRITICAL \
    "renewed on disk on $(date -u +%Y-%m-%d -d "$(openssl x509 -noout -startdate -in "$PKI/mail-renewed.crt" | cut -d= -f2)") but $DV_IMAPS/imaps still serves the old certificate \(expires [0-9-]+\): reload it" \
    "${L[@]}" -p "$DV_IMAPS" -P imaps --compare-file "$PKI/mail-renewed.fullchain.crt"
expect "Postfix against the live directory (renewed): OK" check_cert_chain OK "chain complete" \
    "${L[@]}" -p "$PF_SUBMISSION" -P submission --live-dir "$T/le/live/mail.example.test"
expect "Dovecot against the live directory (renewed): CRITICAL" check_cert_chain CRITICAL \
    "renewed on disk on [0-9-]+ but $DV_IMAPS/imaps still serves the old certificate" \
    "${L[@]}" -p "$DV_IMAPS" -P imaps --live-dir "$T/le/live/mail.example.test"

closed=$("$top_builddir/t/helpers/freeports" 1)
expect "one port down among several: CRITICAL, that port named" check_cert_chain CRITICAL \
    "$closed/submission: connection to 127\.0\.0\.1 port $closed refused" \
    "${L[@]}" --ports "$PF_SUBMISSION/submission,$closed/submission"
tap_done
