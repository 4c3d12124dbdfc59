/*
 * starttls_test - the reply parsers of every STARTTLS dialect, the
 * capability search, and the protocol table, on good and hostile lines.
 */
#include "probe_internal.h"
#include "tap.h"

static void
smtp(void)
{
	int code = 0;

	is_int(smtp_reply_line("250-mail.example.test", &code), REPLY_MORE, "SMTP 250- continues");
	is_int(code, 250, "SMTP code read");
	is_int(smtp_reply_line("250 STARTTLS", &code), REPLY_LAST_OK, "SMTP '250 ' ends, success");
	is_int(smtp_reply_line("220", &code), REPLY_LAST_OK, "SMTP bare code ends");
	is_int(smtp_reply_line("454 4.7.0 TLS not available", &code), REPLY_LAST_FAIL, "SMTP 454 is a refusal");
	is_int(smtp_reply_line("554 5.5.1 SMTP synchronization error", &code), REPLY_LAST_FAIL, "SMTP 554 is a refusal");
	is_int(smtp_reply_line("25", &code), REPLY_BAD, "SMTP two digits is not a reply");
	is_int(smtp_reply_line("250x", &code), REPLY_BAD, "SMTP code glued to text");
	is_int(smtp_reply_line("* OK IMAP4rev1", &code), REPLY_BAD, "an IMAP greeting is not SMTP");
	is_int(smtp_reply_line("650 nope", &code), REPLY_BAD, "SMTP codes start with 2 to 5");
	is_int(smtp_reply_line("", &code), REPLY_BAD, "SMTP empty line");
	/* postscreen's pre-greet drop: "220-..." then "521 5.5.1 Protocol error" */
	ok(starttls_reply_broken_off(TP_PROTO_SMTP, "521 5.5.1 Protocol error", 220),
	    "SMTP: a refusal under another code breaks the reply off");
	ok(!starttls_reply_broken_off(TP_PROTO_SMTP, "220 mail ESMTP", 220),
	    "SMTP: the same code ends the reply");
	ok(!starttls_reply_broken_off(TP_PROTO_SMTP, "250 mail", 220),
	    "SMTP: a success under another code is no refusal (still not SMTP)");
	ok(!starttls_reply_broken_off(TP_PROTO_SMTP, "521 nope", 0),
	    "SMTP: a first line breaks nothing off");
	ok(!starttls_reply_broken_off(TP_PROTO_IMAP, "521 nope", 220),
	    "IMAP replies have no codes to break off with");
}

static void
imap(void)
{
	is_int(imap_reply_line("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready", NULL), REPLY_LAST_OK, "IMAP greeting OK");
	is_int(imap_reply_line("* PREAUTH welcome", NULL), REPLY_LAST_OK, "IMAP greeting PREAUTH");
	is_int(imap_reply_line("* BYE go away", NULL), REPLY_LAST_FAIL, "IMAP greeting BYE");
	is_int(imap_reply_line("220 mail ESMTP", NULL), REPLY_BAD, "an SMTP greeting is not IMAP");
	is_int(imap_reply_line("* CAPABILITY IMAP4rev1 STARTTLS", "a001"), REPLY_MORE, "IMAP untagged continues");
	is_int(imap_reply_line("a001 OK done", "a001"), REPLY_LAST_OK, "IMAP tagged OK");
	is_int(imap_reply_line("a002 NO not now", "a002"), REPLY_LAST_FAIL, "IMAP tagged NO");
	is_int(imap_reply_line("a002 BAD syntax", "a002"), REPLY_LAST_FAIL, "IMAP tagged BAD");
	is_int(imap_reply_line("a009 OK done", "a001"), REPLY_BAD, "IMAP wrong tag is a protocol error");
	is_int(imap_reply_line("a0011 OK done", "a001"), REPLY_BAD, "IMAP tag prefix is not the tag");
	is_int(imap_reply_line("a001 OKAY", "a001"), REPLY_BAD, "IMAP OKAY is not OK");
}

static void
pop3_and_sieve(void)
{
	is_int(pop3_status_line("+OK Dovecot ready."), REPLY_LAST_OK, "POP3 +OK");
	is_int(pop3_status_line("+OK"), REPLY_LAST_OK, "POP3 bare +OK");
	is_int(pop3_status_line("-ERR no STLS here"), REPLY_LAST_FAIL, "POP3 -ERR");
	is_int(pop3_status_line("+OKAY"), REPLY_BAD, "POP3 +OKAY is not +OK");
	is_int(sieve_reply_line("\"IMPLEMENTATION\" \"Dovecot Pigeonhole\""), REPLY_MORE, "Sieve capability line");
	is_int(sieve_reply_line("\"STARTTLS\""), REPLY_MORE, "Sieve STARTTLS capability");
	is_int(sieve_reply_line("OK \"Ready.\""), REPLY_LAST_OK, "Sieve OK");
	is_int(sieve_reply_line("NO \"TLS unavailable\""), REPLY_LAST_FAIL, "Sieve NO");
	is_int(sieve_reply_line("BYE \"bye\""), REPLY_LAST_FAIL, "Sieve BYE");
	is_int(sieve_reply_line("220 smtp"), REPLY_BAD, "an SMTP line is not Sieve");
}

static void
capabilities(void)
{
	ok(capability_has("mail.example.test\nPIPELINING\nSTARTTLS\n8BITMIME", "STARTTLS"), "STARTTLS as an EHLO line");
	ok(capability_has("mail\nstarttls", "STARTTLS"), "capabilities are case-insensitive");
	ok(!capability_has("mail\nXSTARTTLS\nSTARTTLSX", "STARTTLS"), "STARTTLS inside another word does not count");
	ok(capability_has("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED", "STARTTLS"), "IMAP capability list");
	ok(capability_has("* OK [CAPABILITY IMAP4rev1 STARTTLS]", "STARTTLS"), "IMAP greeting capability code");
	ok(capability_has("USER\nSTLS\nSASL PLAIN", "STLS"), "POP3 STLS");
	ok(capability_has("\"SIEVE\" \"fileinto\"\n\"STARTTLS\"", "\"STARTTLS\""), "Sieve quoted STARTTLS");
	ok(!capability_has("\"SIEVE\" \"fileinto STARTTLS\"", "\"STARTTLS\""), "Sieve STARTTLS inside a value does not count");
	ok(!capability_has("", "STARTTLS"), "no capabilities, no STARTTLS");
}

static void
protocol_table(void)
{
	enum tp_protocol p;

	is_int(tp_protocol_from_name("submission", &p), 0, "submission is known");
	is_int(tp_protocol_default_port(p), 587, "submission is 587");
	ok(!tp_protocol_is_implicit(p), "submission uses STARTTLS");
	is_int(tp_protocol_from_name("IMAPS", &p), 0, "names are case-insensitive");
	ok(tp_protocol_is_implicit(p), "imaps is implicit TLS");
	is_int(tp_protocol_from_name("smtpx", &p), -1, "unknown names are refused");
	is_int(tp_protocol_from_port(465, &p), 0, "465 is known");
	is_str(tp_protocol_name(p), "submissions", "465 is submissions (RFC 8314)");
	is_int(tp_protocol_from_port(4190, &p), 0, "4190 is known");
	is_str(tp_protocol_name(p), "sieve", "4190 is ManageSieve");
	is_int(tp_protocol_from_port(995, &p), 0, "995 is known");
	is_str(tp_protocol_name(p), "pop3s", "995 is pop3s");
	is_int(tp_protocol_from_port(2525, &p), -1, "2525 needs -P");
	is_str(starttls_quit_command(TP_PROTO_IMAPS), "a003 LOGOUT", "IMAP ends with LOGOUT");
	ok(starttls_quit_command(TP_PROTO_TLS) == NULL, "plain TLS has no quit command");
}

int
main(void)
{
	smtp();
	imap();
	pop3_and_sieve();
	capabilities();
	protocol_table();
	return done_testing();
}
