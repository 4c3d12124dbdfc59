#!/bin/bash
# demo.sh - install what is missing, build, start a demo mail server (real
# Postfix and Dovecot with a throw-away test PKI, 127.0.0.1 only) and run the
# plugins against it, printing their real output. Everything stops on exit.
set -u
cd "$(dirname "$0")/.."
contrib/setup-debian.sh || exit 1

top_srcdir=$PWD top_builddir=$PWD/_build
export top_srcdir top_builddir
. t/lib/fixture.sh >/dev/null
fixture_require >/dev/null
fixture_pki
fixture_start_postfix
fixture_start_dovecot
fixture_start_haproxy

run() {
	printf '\n$ %s\n' "$*" | sed "s|$PKI|\$PKI|g; s|$top_srcdir/||g"
	"$@"
	printf '(exit code %d)\n' "$?"
}
PLUGIN=$top_builddir/plugins/check_mail_tls
echo "Demo mail server on 127.0.0.1: Postfix submission $PF_SUBMISSION, submissions $PF_SUBMISSIONS,"
echo "Dovecot IMAP $DV_IMAP, IMAPS $DV_IMAPS; test PKI in $PKI (root: \$PKI/root.crt)."
echo "Its SNI map ($PF_DIR/sni) holds broken names on purpose: expired, wrong name, leaf only..."
run $PLUGIN -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission --sni mail.example.test -r "$PKI/root.crt"
run $PLUGIN -H 127.0.0.1 -p "$DV_IMAPS" -P imaps --sni mail.example.test -r "$PKI/root.crt" -w 100 -c 14
run $PLUGIN -H 127.0.0.1 -p "$PF_SMTP" -P smtp --sni leafonly.example.test -m mail.example.test -r "$PKI/root.crt"
run $PLUGIN -H 127.0.0.1 -p "$PF_PROXY" -P submissions --sni mail.example.test -r "$PKI/root.crt"
run $PLUGIN -H 127.0.0.1 -p "$PF_PROXY" -P submissions --sni mail.example.test -r "$PKI/root.crt" --proxy-protocol v2
run $PLUGIN -H 127.0.0.1 -p "$PF_NOTLS" -P smtp
P=$top_builddir/plugins
run $P/check_cert_chain -H 127.0.0.1 --sni mail.example.test -r "$PKI/root.crt" \
    --ports "$PF_SUBMISSION/submission,$PF_SUBMISSIONS/submissions,$DV_IMAPS/imaps,$DV_POP3S/pop3s"
run $P/check_cert_chain --file "$PKI/mail.crt" -r "$PKI/root.crt"
run $P/check_sni_map --map "$PF_DIR/sni" -H 127.0.0.1 -p "$PF_SMTP" -P smtp -r "$PKI/root.crt"
echo
echo "The demo servers stop now. Run the whole test suite with: contrib/test.sh"
