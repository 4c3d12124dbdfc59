# tls_rpt_sources.t - where check_tls_rpt's reports come from, against the
# real servers: report mails of Google's, Microsoft's and Postfix/libtlsrpt's
# shapes, the RFC 8460 example, a message with two reports, two DMARC
# aggregate reports, a plain mail and four hostile ones are submitted over
# SMTP to Postfix, delivered over LMTP into Dovecot's Maildir, then read
# through lib/tlsrpt_source (t/helpers/tlsrpt_source_dump) from that Maildir,
# over IMAPS from that Dovecot, and as files. Every report is found once
# from each source, the rest skipped and counted, the hostile ones named
# with their sentences, and nothing in the mailbox changes: not a Maildir
# file name, not an IMAP flag.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/tlsrpt_mail.sh"
fixture_require
fixture_start_rpt

DUMP=$top_builddir/t/helpers/tlsrpt_source_dump
SLACK=${TP_TIME_SLACK_MS:-0}

# dump ARGS...: runs the driver; OUT, RC.
dump() {
	RC=0
	# shellcheck disable=SC2086
	OUT=$(${TP_WRAPPER:-} "$DUMP" "$@" 2>"$TP_TMP/dump.err") || RC=$?
	[ -s "$TP_TMP/dump.err" ] && tap_diag "stderr: $(head -c 2000 "$TP_TMP/dump.err")"
	return 0
}

# digests: the sorted SHA-256 of every report read (the JSON's, not the mail's).
digests() {
	printf '%s\n' "$OUT" | awk -F' [|] ' '$1 == "report" { print $5 }' | sort
}

M=$RPT_DIR/src
rpt_write_mails "$M"
WANT=$(for f in google microsoft postfix rfc8460 second postfix microsoft; do
	sha256sum <"$M/json/$f.json" | cut -d' ' -f1
done | sort)
BOMB='the report inflates to more than 16 MiB \(a gzip bomb\?\): refused after [0-9]+ bytes of gzip, not inflated further'
BIG='the message is [0-9]+ bytes, more than the 65 MiB a report mail may have \(four times the report limit\): not read'
WIDE='the message has more than 200 MIME boundary lines \(a TLS-RPT report mail has two or three parts\): not read further'

# --- delivery through Postfix into Dovecot ---------------------------------------
failed=
for f in "$M"/mail/*.eml; do
	r=$(rpt_smtp_send "$f") || failed="$failed ${f##*/} ($r)"
done
tap_is "$failed" "" "12 messages submitted over SMTP to Postfix"
tap_ok "Postfix delivered all 12 over LMTP into Dovecot's Maildir" rpt_wait_delivered 12 ||
	tap_diag "$(tail -n 20 "$PF_DIR/maillog")"
sleep 0.5	# Dovecot's LMTP renames into new/ last; let a late one land

# --- the Maildir ----------------------------------------------------------------
files_before=$(cd "$RPT_MAILDIR" && find cur new tmp -type f -printf '%p %s %T@\n' | sort)
dump maildir "$RPT_MAILDIR"
tap_is "$RC" 0 "Maildir: read to its end"
tap_is "$(digests)" "$WANT" "Maildir: each of the 7 reports once (two from one message), as sent"
tap_like "$OUT" "^report [|] message <2026\\.12\\.01T00\\.00\\.00Z\\+example\\.test@google\\.com> in .*/Maildir [|] noreply-smtp-tls-reporting@google\\.com [|] " \
	"Maildir: Google's report named by its Message-ID and sender"
tap_like "$OUT" "^unreadable [|] message <bomb@bomb\\.example> in .*Maildir [|] tlsrpt@bomb\\.example [|] $BOMB\$" \
	"Maildir: the gzip bomb is named with its sentence"
tap_like "$OUT" "^unreadable [|] message <big@big\\.example> in .*Maildir [|] tlsrpt@big\\.example [|] $BIG\$" \
	"Maildir: the 50 MiB attachment is named with its sentence, unread"
tap_like "$OUT" "^unreadable [|] message <wide@wide\\.example> in .*Maildir [|] tlsrpt@wide\\.example [|] $WIDE\$" \
	"Maildir: the MIME tree 1,000 parts wide is named with its sentence"
tap_is "$(printf '%s\n' "$OUT" | grep -c '^unreadable')" 3 "Maildir: three unreadable, no more"
tap_like "$OUT" "^report [|] message <utf8@utf8\\.example> in .*Maildir [|] tlsrpt@utf8\\.example [|] " \
	"Maildir: a report with invalid UTF-8 in its headers is read and named"
tap_like "$OUT" '^examined 12 skipped 3$' "Maildir: 12 messages examined, the DMARC reports and the plain mail skipped"
tap_unlike "$OUT" 'dmarc|plain@' "Maildir: DMARC and plain mail are not candidates"
if [ -z "${TP_WRAPPER:-}" ]; then
	rss=$(printf '%s\n' "$OUT" | sed -n 's/^peak rss \([0-9]*\) kB$/\1/p')
	tap_ok "Maildir: peak RSS ${rss:-?} kB, well under 512 MiB" test "${rss:-999999}" -lt 131072
else
	tap_skip "peak RSS is the wrapper's under ${TP_WRAPPER%% *}"
fi
files_after=$(cd "$RPT_MAILDIR" && find cur new tmp -type f -printf '%p %s %T@\n' | sort)
tap_is "$files_after" "$files_before" "Maildir: every file name (and so every flag), size and time unchanged"

# --- IMAP over TLS from the same Dovecot ------------------------------------------------
flags() {
	doveadm -c "$DV_CONF" fetch -u "$RPT_USER" 'uid flags' mailbox INBOX 2>&1 | tr '\n' ' '
}
flags_before=$(flags)
IMAPS=imaps://127.0.0.1:$DV_IMAPS/INBOX
A=(-u "$RPT_USER" -p "$RPT_PASSWORD_FILE" -r "$RPT_TRUST" -t 30)
dump imap "$IMAPS" "${A[@]}"
tap_is "$RC" 0 "IMAPS: read to its end"
tap_is "$(digests)" "$WANT" "IMAPS: each of the 7 reports once, as sent"
tap_like "$OUT" "^report [|] message <20261202000501\\.tlsrpt@mx\\.sender\\.example> in imaps://127\\.0\\.0\\.1:$DV_IMAPS/INBOX [|] tlsrpt@mx\\.sender\\.example [|] " \
	"IMAPS: Postfix's report named by its Message-ID and the mailbox URL"
tap_like "$OUT" "^unreadable [|] message <bomb@bomb\\.example> in imaps://.* [|] $BOMB\$" "IMAPS: the gzip bomb named"
tap_like "$OUT" "^unreadable [|] message <big@big\\.example> in imaps://.* [|] $BIG\$" \
	"IMAPS: the 50 MiB attachment named, never fetched"
tap_like "$OUT" "^unreadable [|] message <wide@wide\\.example> in imaps://.* [|] $WIDE\$" "IMAPS: the 1,000-part tree named"
tap_like "$OUT" '^examined 12 skipped 3$' "IMAPS: 12 examined, 3 skipped"
flags_after=$(flags)
tap_is "$flags_after" "$flags_before" "IMAPS: every message's flags unchanged (EXAMINE, BODY.PEEK)"
tap_unlike "$flags_after" 'Seen' "IMAPS: no message marked \\Seen"

dump imap "imap://127.0.0.1:$DV_IMAP/INBOX" "${A[@]}"
tap_is "$RC" 3 "imap:// without the insecure flag: refused as a usage error"
tap_like "$OUT" "^usage: --imap imap://127\\.0\\.0\\.1:$DV_IMAP/INBOX is not encrypted: use imaps://, or --imap-insecure" \
	"imap:// refused with a sentence naming --imap and the way out"
dump imap "imap://127.0.0.1:$DV_IMAP/INBOX" -k "${A[@]}"
tap_is "$(digests)" "$WANT" "imap:// with the insecure flag: the same reports"

printf 'Tr0ub4dor&3\n' >"$TP_TMP/wrong-password"
dump imap "$IMAPS" -u "$RPT_USER" -p "$TP_TMP/wrong-password" -r "$RPT_TRUST"
tap_is "$RC" 1 "a wrong password fails the source"
tap_like "$OUT" "^error: the IMAP server imaps://127\\.0\\.0\\.1:$DV_IMAPS refused the login: NO .*\\(user rua@example\\.test\\): check --imap-user and --imap-password-file\$" \
	"a wrong password: the server's refusal and what to check"
dump imap "$IMAPS" -u "$RPT_USER" -p "$RPT_PASSWORD_FILE" -r "$PKI/other-root.crt"
tap_like "$OUT" "^error: cannot connect to the IMAP server imaps://127\\.0\\.0\\.1:$DV_IMAPS: .*(certificate|SSL)" \
	"IMAPS against roots that do not hold the server's: refused, not read"
dump imap "$IMAPS" -u "$RPT_USER" -r "$RPT_TRUST"
tap_like "$OUT" "^usage: --imap .* needs --imap-user and --imap-password-file" "IMAP without a password file: a usage error"

# --- files and bad locations ---------------------------------------------------------------
mkdir -p "$TP_TMP/files"
cp "$M"/json/*.json.gz "$M"/json/rfc8460.json "$M"/json/dmarc.xml.gz "$M"/mail/05-two-reports.eml "$TP_TMP/files/"
dump dir "$TP_TMP/files"
WANT_FILES=$(for f in google microsoft postfix second rfc8460 second postfix; do
	sha256sum <"$M/json/$f.json" | cut -d' ' -f1
done | sort)
tap_is "$(digests)" "$WANT_FILES" "files: .json, .json.gz and .eml read, each report once"
tap_like "$OUT" "^unreadable [|] .*/bomb\\.json\\.gz [|] - [|] $BOMB\$" "files: a gzip bomb file named by its path"
tap_like "$OUT" '^examined 8 skipped 1$' "files: 8 examined, the DMARC .xml.gz skipped"

dump maildir "$TP_TMP/files"
tap_is "$RC" 3 "--maildir on a directory without cur/ and new/: a usage error"
tap_like "$OUT" "^usage: --maildir .*/files has no cur/ and new/: it is not a Maildir\$" "... saying so"
dump dir "$TP_TMP/no-such-dir"
tap_is "$RC" 3 "--dir on a missing directory: a usage error"
tap_like "$OUT" "^usage: --dir .*/no-such-dir: No such file or directory\$" "... naming the option and the path"

# --- check_tls_rpt itself, on the same mailbox ------------------------------------------
# The mails' reports ended on 2026-12-01 and -02: a window from 2026-11-30
# takes them and leaves out the RFC's example of 2016.
. "$top_srcdir/t/lib/plugin.sh"
WINDOW=$(( ($(date +%s) - $(date -d 2026-11-30T00:00:00Z +%s)) / 3600 ))
EXPIRED='^TLS_RPT CRITICAL - [^|]*sessions to mx1\.example\.test failed \((certificate-expired|tlsa-invalid)\)'
run_plugin check_tls_rpt --maildir "$RPT_MAILDIR" --window "$WINDOW" -D example.test
tap_is "$RC" 2 "check_tls_rpt --maildir: CRITICAL (certificate-expired and tlsa-invalid under enforce and TLSA)"
tap_like "$LINE1" "$EXPIRED" "... line one names the MX and the result type"
tap_like "$OUT" "unreadable report message <bomb@bomb\.example> in [^ ]*Maildir from tlsrpt@bomb\\.example: $BOMB" "... the gzip bomb named in the long output"
tap_like "$LINE1" " reports_read=4;;;0 reports_unreadable=3;;;0" \
    "... 4 reports read (Microsoft's and Postfix's, delivered twice, once each; the RFC's out of the window), 3 unreadable"
tap_like "$OUT" $'\n''Microsoft Corporation: 9 of 421 sessions to mx1\.example\.test failed' "... Microsoft's report counted once"
tap_like "$OUT" $'\n''2 reports arrived more than once \(the same sender and report-id\): counted once' "... and the long output says so"
flags_before=$(flags)
run_plugin check_tls_rpt --imap "$IMAPS" --imap-user "$RPT_USER" --imap-password-file "$RPT_PASSWORD_FILE" \
    -r "$RPT_TRUST" -t 30 --window "$WINDOW" -D example.test --output json
tap_is "$RC" 2 "check_tls_rpt --imap: CRITICAL as from the Maildir"
tap_like "$OUT" '"reports_read":4[,}]' "... JSON: the same 4 reports read"
tap_like "$OUT" '"reports_duplicate":2[,}]' "... and the 2 duplicates"
tap_is "$(flags)" "$flags_before" "... and not one IMAP flag changed by the plugin"
run_plugin check_tls_rpt --maildir "$RPT_MAILDIR" --window "$WINDOW" -D other.example
tap_like "$LINE1" '^TLS_RPT WARNING - ' "-D a domain no report is about: only the unreadable reports (WARNING) remain"

# --- a busy rua mailbox ---------------------------------------------------------------------
BULK=$TP_TMP/bulk/Maildir
rpt_maildir_bulk "$BULK" 10000
cp "$M/mail/01-google.eml" "$BULK/new/1764600000.M1P1.bulk.example"
cp "$M/mail/06-dmarc-zip.eml" "$BULK/cur/1764600001.M1P1.bulk.example:2,S"
cp "$M/mail/03-postfix.eml" "$BULK/tmp/1764600002.M1P1.bulk.example"	# a delivery in progress
start=$(fixture_now_ms)
dump maildir "$BULK" -t 60
took=$(($(fixture_now_ms) - start))
tap_like "$OUT" '^examined 10002 skipped 10001$' "10,002 messages: all examined, 10,001 skipped (the DMARC report among them), tmp/ not read"
tap_is "$(digests)" "$(sha256sum <"$M/json/google.json" | cut -d' ' -f1)" "10,002 messages: the one report found"
# The bound is for a normal build; ASan and UBSan make every read several times dearer.
LIMIT=3000; [ -n "${TP_SANITIZED:-}" ] && LIMIT=9000
tap_ok "10,002 messages read in ${took} ms (within $((LIMIT / 1000)) s, plus ${SLACK} ms slack)" test "$took" -lt $((LIMIT + SLACK * 4))

dump maildir "$BULK" -t 0.001
tap_is "$RC" 1 "a deadline that passes fails the source"
tap_like "$OUT" "^error: the time ran out after [0-9]+ of 10002 messages in .*/Maildir\$" "... saying how far it got"
dump imap "$IMAPS" "${A[@]}" -t 0.001
tap_like "$OUT" "^error: no time was left to connect to imaps://127\\.0\\.0\\.1:$DV_IMAPS\$" \
	"IMAP with no time left: not even connected"

tap_done
