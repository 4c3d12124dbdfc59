# tlsrpt_mail.sh - TLS-RPT report mails for the tests, delivered the way
# they arrive: submitted over SMTP to the fixture's real Postfix, which hands
# them over LMTP to a real Dovecot that files them in a Maildir and serves
# that Maildir over IMAPS. Source after fixture.sh. It provides:
#   rpt_write_mails DIR      the JSON reports (DIR/json) and the messages
#                            (DIR/mail/NN-name.eml) of the senders' shapes,
#                            DMARC and plain mail, and the hostile ones
#                            (a gzip bomb, a 50 MiB attachment, 1,000 parts,
#                            invalid UTF-8 in headers)
#   fixture_start_rpt        Dovecot (LMTP, IMAPS, IMAP; user RPT_USER with
#                            the password in RPT_PASSWORD_FILE) and Postfix
#                            delivering example.test to it; exports
#                            RPT_MAILDIR RPT_TRUST DV_IMAPS DV_IMAP PF_SMTP
#   rpt_smtp_send FILE       one message over SMTP to RPT_USER
#   rpt_wait_delivered N     until the Maildir holds N messages (60 s)
#   rpt_maildir_bulk DIR N   a Maildir of N messages written directly (only
#                            for the timing test: nothing real writes so many)

RPT_USER=rua@example.test

# ---- the reports ------------------------------------------------------------

# Google: RFC 8460's fields, an STS policy in enforce mode, an expired
# certificate seen on one MX from two sending addresses.
rpt__json_google() {
	cat <<-'EOF'
	{"organization-name":"Google Inc.","date-range":{"start-datetime":"2026-12-01T00:00:00Z","end-datetime":"2026-12-01T23:59:59Z"},"contact-info":"smtp-tls-reporting@google.com","report-id":"2026-12-01T00:00:00Z_example.test","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.test","mx: mx2.example.test","max_age: 604800"],"policy-domain":"example.test","mx-host":["mx1.example.test","mx2.example.test"]},"summary":{"total-successful-session-count":1180,"total-failure-session-count":24},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"209.85.220.41","receiving-mx-hostname":"mx1.example.test","receiving-ip":"192.0.2.25","failed-session-count":17},{"result-type":"certificate-expired","sending-mta-ip":"2607:f8b0:4864:20::f2f","receiving-mx-hostname":"mx1.example.test","receiving-ip":"2001:db8::25","failed-session-count":7}]}]}
	EOF
}

# Microsoft: no sending-mta-ip, fractional seconds.
rpt__json_microsoft() {
	cat <<-'EOF'
	{"organization-name":"Microsoft Corporation","date-range":{"start-datetime":"2026-12-01T00:00:00.0000000Z","end-datetime":"2026-12-01T23:59:59.9999999Z"},"contact-info":"tlsrpt-noreply@microsoft.com","report-id":"133462656000000000+example.test","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.test","mx: mx2.example.test","max_age: 604800"],"policy-domain":"example.test","mx-host":["mx1.example.test","mx2.example.test"]},"summary":{"total-successful-session-count":412,"total-failure-session-count":9},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx1.example.test","failed-session-count":9}]}]}
	EOF
}

# Postfix with libtlsrpt: two policies, a TLSA mismatch and a domain that
# publishes nothing (no policy-domain), contact-info null, an offset date.
rpt__json_postfix() {
	cat <<-'EOF'
	{"organization-name":"mx.sender.example","date-range":{"start-datetime":"2026-12-01T00:00:00+00:00","end-datetime":"2026-12-02T00:00:00+00:00"},"contact-info":null,"report-id":"mx.sender.example.2026-12-01.1","policies":[{"policy":{"policy-type":"tlsa","policy-string":["3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"],"policy-domain":"example.test","mx-host":["mx1.example.test"]},"summary":{"total-successful-session-count":0,"total-failure-session-count":3},"failure-details":[{"result-type":"tlsa-invalid","sending-mta-ip":"198.51.100.7","receiving-mx-hostname":"mx1.example.test","receiving-ip":"192.0.2.25","failed-session-count":3,"failure-reason-code":"tlsa-mismatch"}]},{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":5,"total-failure-session-count":0}}]}
	EOF
}

# The example of RFC 8460 section 4.9, for example.test.
rpt__json_rfc8460() {
	cat <<-'EOF'
	{"organization-name":"Company-X","date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},"contact-info":"sts-reporting@company-x.example","report-id":"5065427c-23d3-47ca-b6e0-946ea0e8c4be","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.mail.company-y.example","max_age: 86400"],"policy-domain":"company-y.example","mx-host":["*.mail.company-y.example"]},"summary":{"total-successful-session-count":5326,"total-failure-session-count":303},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"2001:db8:abcd:0012::1","receiving-mx-hostname":"mx1.mail.company-y.example","failed-session-count":100},{"result-type":"starttls-not-supported","sending-mta-ip":"2001:db8:abcd:0013::1","receiving-mx-hostname":"mx2.mail.company-y.example","receiving-ip":"203.0.113.56","failed-session-count":200,"additional-information":"https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"},{"result-type":"validation-failure","sending-mta-ip":"198.51.100.62","receiving-ip":"203.0.113.58","receiving-mx-hostname":"mx-backup.mail.company-y.example","failed-session-count":3,"failure-reason-code":"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"}]}]}
	EOF
}

# A second sender's view of the same day, for the two-reports message.
rpt__json_second() {
	rpt__json_google | sed 's/Google Inc\./Second Sender/; s/_example.test"/_second"/'
}

# ---- the messages -------------------------------------------------------------

# rpt__head FROM SUBJECT MESSAGE-ID [EXTRA-HEADER...]: the common headers.
rpt__head() {
	local from=$1 subject=$2 id=$3 h
	shift 3
	printf 'From: %s\nTo: <%s>\nDate: Wed, 02 Dec 2026 06:12:00 +0000\n' "$from" "$RPT_USER"
	printf 'Subject: %s\nMessage-ID: <%s>\nMIME-Version: 1.0\n' "$subject" "$id"
	for h in "$@"; do
		printf '%s\n' "$h"
	done
}

# rpt__part TYPE FILENAME FILE: a base64 attachment.
rpt__part() {
	printf -- '--%s\nContent-Type: %s\nContent-Transfer-Encoding: base64\n' "$RPT_BOUNDARY" "$1"
	printf 'Content-Disposition: attachment; filename="%s"\n\n' "$2"
	base64 -w 76 "$3"
}

# rpt__text TEXT: the human-readable first part of a multipart/report.
rpt__text() {
	printf -- '--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s\n' "$RPT_BOUNDARY" "$1"
}

rpt_write_mails() {
	local d=$1 j m
	j=$d/json m=$d/mail
	mkdir -p "$j" "$m"
	rpt__json_google >"$j/google.json"
	rpt__json_microsoft >"$j/microsoft.json"
	rpt__json_postfix >"$j/postfix.json"
	rpt__json_rfc8460 >"$j/rfc8460.json"
	rpt__json_second >"$j/second.json"
	local f
	for f in google microsoft postfix second; do
		gzip -9nc "$j/$f.json" >"$j/$f.json.gz"
	done
	RPT_BOUNDARY=----=_Part_rpt
	local mp="Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"$RPT_BOUNDARY\""

	# Google: multipart/report with RFC 8460's headers and file name.
	{
		rpt__head "TLS Reporting <noreply-smtp-tls-reporting@google.com>" \
		    "Report Domain: example.test Submitter: google.com Report-ID: <2026.12.01T00.00.00Z+example.test@google.com>" \
		    "2026.12.01T00.00.00Z+example.test@google.com" \
		    "TLS-Report-Domain: example.test" "TLS-Report-Submitter: google.com" "$mp"
		printf '\n'
		rpt__text "This is an aggregate TLS report from google.com"
		rpt__part application/tlsrpt+gzip "google.com!example.test!1764547200!1764633599!001.json.gz" \
		    "$j/google.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/01-google.eml"

	# Microsoft: no TLS-Report-* headers; the Subject and the type tell.
	{
		rpt__head "tlsrpt-noreply@microsoft.com" \
		    "Report Domain: example.test Submitter: microsoft.com Report-ID: <133462656000000000+example.test>" \
		    "MW4PR04MB7379.namprd04.prod.outlook.com-tlsrpt" "$mp"
		printf '\n'
		rpt__text "This is an aggregate TLS report from Microsoft."
		rpt__part application/tlsrpt+gzip "microsoft.com!example.test!1764547200!1764633599.json.gz" \
		    "$j/microsoft.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/02-microsoft.eml"

	# Postfix 3.10 with libtlsrpt.
	{
		rpt__head "<tlsrpt@mx.sender.example>" \
		    "Report Domain: example.test Submitter: mx.sender.example Report-ID: <mx.sender.example.2026-12-01.1>" \
		    "20261202000501.tlsrpt@mx.sender.example" \
		    "TLS-Report-Domain: example.test" "TLS-Report-Submitter: mx.sender.example" "$mp"
		printf '\n'
		rpt__text "TLS report for example.test from mx.sender.example"
		rpt__part application/tlsrpt+gzip "mx.sender.example!example.test!1764547200!1764633600.json.gz" \
		    "$j/postfix.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/03-postfix.eml"

	# Uncompressed, as application/tlsrpt+json (RFC 8460 allows it).
	{
		rpt__head "<sts-reporting@company-x.example>" \
		    "Report Domain: company-y.example Submitter: company-x.example Report-ID: <5065427c-23d3-47ca-b6e0-946ea0e8c4be>" \
		    "5065427c-23d3-47ca-b6e0-946ea0e8c4be@company-x.example" "$mp"
		printf '\n'
		rpt__part application/tlsrpt+json \
		    "company-x.example!company-y.example!1459468800!1459555199.json" "$j/rfc8460.json"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/04-rfc8460-json.eml"

	# Two reports in one message, the second as octet-stream with a .json.gz name.
	{
		rpt__head "<reports@second.example>" "Report Domain: example.test Submitter: second.example" \
		    "two-reports@second.example" "Content-Type: multipart/mixed; boundary=\"$RPT_BOUNDARY\""
		printf '\n'
		rpt__part application/tlsrpt+gzip "second.example!example.test!1!2.json.gz" "$j/second.json.gz"
		rpt__part application/octet-stream "second.example!example.test!3!4.json.gz" "$j/postfix.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/05-two-reports.eml"

	# DMARC aggregate reports: RFC 8460's Subject shape, .zip and .xml.gz.
	printf '<?xml version="1.0"?><feedback><report_metadata><org_name>google.com</org_name></report_metadata></feedback>\n' |
		gzip -9nc >"$j/dmarc.xml.gz"
	{
		rpt__head "noreply-dmarc-support@google.com" \
		    "Report domain: example.test Submitter: google.com Report-ID: 1234567890123456789" \
		    "dmarc-zip@google.com" "Content-Type: multipart/mixed; boundary=\"$RPT_BOUNDARY\""
		printf '\n'
		rpt__part application/zip "google.com!example.test!1764547200!1764633599.zip" "$j/dmarc.xml.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/06-dmarc-zip.eml"
	{
		rpt__head "dmarcreport@microsoft.com" \
		    "Report Domain: example.test Submitter: protection.outlook.com Report-ID: <dmarc-2>" \
		    "dmarc-xmlgz@microsoft.com" "Content-Type: multipart/mixed; boundary=\"$RPT_BOUNDARY\""
		printf '\n'
		rpt__text "This is a DMARC aggregate report from Microsoft Corporation."
		rpt__part application/gzip "protection.outlook.com!example.test!1764547200!1764633600.xml.gz" \
		    "$j/dmarc.xml.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/07-dmarc-xmlgz.eml"
	{
		rpt__head "Postmaster <postmaster@example.test>" "Certificate renewal on Friday" \
		    "plain@example.test" "Content-Type: text/plain; charset=utf-8"
		printf '\nThe mail certificate will be renewed on Friday.\n'
	} >"$m/08-plain.eml"

	# Invalid UTF-8 in From:, Subject: and the file name (a sender's bug).
	{
		printf 'From: "\xff\xfe Reporter" <tlsrpt@utf8.example>\nTo: <%s>\n' "$RPT_USER"
		printf 'Subject: Report Domain: example.test Submitter: \xc3\x28 utf8.example\n'
		printf 'Message-ID: <utf8@utf8.example>\nMIME-Version: 1.0\nTLS-Report-Domain: example.test\n%s\n\n' "$mp"
		rpt__part application/tlsrpt+gzip "utf8.example!example.test!1!2!\xe9\xff.json.gz" "$j/microsoft.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/12-bad-utf8.eml"

	# Hostile: a gzip bomb (64 MiB of zeros in some 64 KiB).
	head -c 64M /dev/zero | gzip -9nc >"$j/bomb.json.gz"
	{
		rpt__head "<tlsrpt@bomb.example>" "Report Domain: example.test Submitter: bomb.example" \
		    "bomb@bomb.example" "TLS-Report-Domain: example.test" "$mp"
		printf '\n'
		rpt__part application/tlsrpt+gzip "bomb.example!example.test!1!2.json.gz" "$j/bomb.json.gz"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/09-bomb.eml"

	# A 50 MiB attachment (some 70 MB of message).
	head -c 50M /dev/urandom >"$d/big.bin"
	{
		rpt__head "<tlsrpt@big.example>" "Report Domain: example.test Submitter: big.example" \
		    "big@big.example" "TLS-Report-Domain: example.test" "$mp"
		printf '\n'
		rpt__part application/tlsrpt+gzip "big.example!example.test!1!2.json.gz" "$d/big.bin"
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/10-oversize.eml"
	rm -f "$d/big.bin"

	# A MIME tree 1,000 parts wide.
	{
		rpt__head "<tlsrpt@wide.example>" "Report Domain: example.test Submitter: wide.example" \
		    "wide@wide.example" "TLS-Report-Domain: example.test" \
		    "Content-Type: multipart/mixed; boundary=\"$RPT_BOUNDARY\""
		printf '\n'
		local i
		for ((i = 0; i < 1000; i++)); do
			printf -- '--%s\nContent-Type: text/plain\n\npart %d\n' "$RPT_BOUNDARY" "$i"
		done
		printf -- '--%s--\n' "$RPT_BOUNDARY"
	} >"$m/11-wide.eml"
}

# ---- delivery ---------------------------------------------------------------------

# rpt__reply FD: reads one SMTP reply, prints its last line; 0 when 2xx/3xx.
rpt__reply() {
	local line
	while IFS= read -r -t 30 -u "$1" line; do
		line=${line%$'\r'}
		[ "${line:3:1}" = - ] && continue
		printf '%s\n' "$line"
		[[ $line =~ ^[23] ]]
		return
	done
	echo "no reply"
	return 1
}

# rpt_smtp_send FILE: EHLO, MAIL, RCPT, DATA (dot-stuffed, CRLF), QUIT.
rpt_smtp_send() {
	local fd r
	exec {fd}<>"/dev/tcp/127.0.0.1/$PF_SMTP" || return 1
	r=$(rpt__reply "$fd") || { echo "greeting: $r"; exec {fd}>&-; return 1; }
	local cmd
	for cmd in "EHLO sender.example" "MAIL FROM:<tlsrpt@sender.example>" "RCPT TO:<$RPT_USER>" DATA; do
		printf '%s\r\n' "$cmd" >&"$fd"
		r=$(rpt__reply "$fd") || { echo "$cmd: $r"; exec {fd}>&-; return 1; }
	done
	sed 's/^\./../; s/\r*$/\r/' "$1" >&"$fd"
	printf '.\r\n' >&"$fd"
	r=$(rpt__reply "$fd") || { echo "end of data: $r"; exec {fd}>&-; return 1; }
	printf 'QUIT\r\n' >&"$fd"
	exec {fd}>&-
}

# rpt_count_maildir DIR: messages in cur/ and new/.
rpt_count_maildir() {
	find "$1/cur" "$1/new" -type f | wc -l
}

rpt_wait_delivered() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -d "$RPT_MAILDIR/new" ] && [ "$(rpt_count_maildir "$RPT_MAILDIR")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the servers --------------------------------------------------------------------

fixture_start_rpt() {
	fixture_pki
	fixture__tmp
	RPT_DIR=$TP_TMP/rpt
	mkdir -p "$RPT_DIR"
	RPT_PASSWORD_FILE=$RPT_DIR/password
	printf 'correct horse battery staple\n' >"$RPT_PASSWORD_FILE"
	printf '%s:{PLAIN}correct horse battery staple\n' "$RPT_USER" >"$RPT_DIR/passwd"
	# A leaf for 127.0.0.1 under the suite's intermediate (x509 -req writes
	# nothing into the shared PKI), so that the URL can name the address.
	(
		cd "$RPT_DIR" &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out imap.key &&
		openssl req -new -key imap.key -subj /CN=127.0.0.1 -out imap.csr &&
		printf 'subjectAltName = IP:127.0.0.1, DNS:mail.example.test\nextendedKeyUsage = serverAuth\n' >imap.ext &&
		openssl x509 -req -in imap.csr -CA "$PKI/inter.crt" -CAkey "$PKI/inter.key" \
		    -set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile imap.ext -out imap.crt &&
		cat imap.crt "$PKI/inter.crt" >imap.fullchain.crt
	) >"$RPT_DIR/pki.log" 2>&1 || fixture__bail_log "cannot make the IMAP certificate" "$RPT_DIR/pki.log"
	RPT_TRUST=$PKI/root.crt
	DV_DIR=$TP_TMP/dovecot
	DV_CONF=$DV_DIR/dovecot.conf
	fixture_short_dir DV_RUN dovecot
	export DV_DIR DV_CONF DV_RUN RPT_DIR RPT_PASSWORD_FILE RPT_TRUST
	fixture__start rptdovecot "$DV_RUN/master.pid" "$DV_DIR/start.log" "$DV_DIR/dovecot.log"
	RPT_MAILDIR=$DV_DIR/home/$RPT_USER/Maildir
	export RPT_MAILDIR
	# Postfix, with example.test handed to Dovecot's LMTP.
	eval "$(declare -f fixture__postfix_main | sed '1s/fixture__postfix_main/rpt__postfix_main_base/')"
	fixture__postfix_main() {
		rpt__postfix_main_base
		cat <<-EOF
		# tlsrpt_mail.sh: report mails for example.test go to Dovecot
		virtual_mailbox_domains = example.test
		virtual_transport = lmtp:inet:127.0.0.1:$DV_LMTP
		message_size_limit = 150000000
		EOF
	}
	fixture_start_postfix
}

fixture__rptdovecot_try() {
	rm -rf "$DV_DIR" "${DV_RUN:?}"/*
	mkdir -p "$DV_DIR/state" "$DV_DIR/home/$RPT_USER"
	chown nobody:nogroup "$DV_DIR/home/$RPT_USER"
	local p
	p=($(fixture__freeports 3))
	export DV_IMAP=${p[0]} DV_IMAPS=${p[1]} DV_LMTP=${p[2]}
	{
		fixture__dovecot_base "$RPT_DIR/imap" |
			sed "/^passdb {/,/^}/{s|driver = static|driver = passwd-file|; s|args = nopassword=y|args = scheme=PLAIN $RPT_DIR/passwd|}" |
			sed 's/^protocols = .*/protocols = imap lmtp/; /^local_name /,/^}/d'
		echo "service imap-login {"
		fixture__dovecot_listener imap "$DV_IMAP"
		fixture__dovecot_listener imaps "$DV_IMAPS" ssl
		echo "}"
		echo "service lmtp {"
		fixture__dovecot_listener lmtp "$DV_LMTP"
		echo "}"
	} >"$DV_CONF"
	dovecot -c "$DV_CONF" >"$DV_DIR/start.log" 2>&1 &&
		fixture__wait_ports dovecot "127.0.0.1:$DV_IMAP" "127.0.0.1:$DV_IMAPS" "127.0.0.1:$DV_LMTP"
}

# rpt_maildir_bulk DIR N: N messages straight into DIR/cur (a few reports
# and DMARC reports among plain mail), as a busy rua mailbox holds them.
rpt_maildir_bulk() {
	local dir=$1 n=$2 i t=1764547200
	mkdir -p "$dir/cur" "$dir/new" "$dir/tmp"
	for ((i = 0; i < n; i++)); do
		printf 'From: <user%d@example.net>\nSubject: message %d\nMessage-ID: <bulk%d@example.net>\nContent-Type: text/plain\n\nHello %d\n' \
		    "$i" "$i" "$i" "$i" >"$dir/cur/$((t + i)).M${i}P1.bulk.example:2,S"
	done
}
