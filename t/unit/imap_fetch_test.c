/*
 * imap_fetch_test - lib/probe/imap_fetch.c on the FETCH responses Dovecot
 * sends to check_tls_rpt, and on the ones a hostile or odd server could:
 * "UID" inside the header bytes, items in another order, lists, quoted
 * strings, NIL, truncated literals.
 */
#include <string.h>

#include "imap_fetch.h"
#include "tap.h"

static int
parse(const char *resp, struct imap_fetch *f)
{
	return imap_fetch_parse(resp, strlen(resp), f);
}

int
main(void)
{
	struct imap_fetch f;
	const char *hdr;

	/* What check_tls_rpt asks Dovecot for. */
	hdr = "* 3 FETCH (UID 17 RFC822.SIZE 3120 BODY[HEADER.FIELDS (FROM MESSAGE-ID SUBJECT)] {38}\r\n"
	    "Subject: Report Domain: example.test\r\n)";
	is_int(parse(hdr, &f), 1, "the header listing: a FETCH response");
	is_int((int)f.seq, 3, "... its sequence number");
	ok(f.has_uid && f.uid == 17, "... UID 17");
	ok(f.has_size && f.size == 3120, "... RFC822.SIZE 3120");
	ok(f.header != NULL && f.header_len == 38 &&
	    strncmp(f.header, "Subject: Report Domain: example.test\r\n", 38) == 0,
	    "... the header literal, exactly its 38 bytes");
	ok(f.body == NULL, "... no BODY[]");

	/* "UID 99" inside the literal, before the real UID item. */
	is_int(parse("* 4 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: UID 99\n UID 5)", &f), 1,
	    "UID after a literal that says 'UID 99'");
	ok(f.has_uid && f.uid == 5, "... the item's UID (5), not the one inside the literal");

	is_int(parse("* 5 FETCH (UID 8 BODY[] {5}\r\nhello)", &f), 1, "BODY[] as a literal");
	ok(f.body != NULL && f.body_len == 5 && memcmp(f.body, "hello", 5) == 0, "... its 5 bytes");
	ok(!f.has_size && f.size == 0, "... no RFC822.SIZE");

	is_int(parse("* 6 FETCH (FLAGS (\\Seen \\Answered) UID 9 BODYSTRUCTURE ((\"text\" \"plain\" "
	    "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NIL) \"mixed\") BODY[] \"a \\\" b\")", &f), 1,
	    "flags, a nested BODYSTRUCTURE and a quoted BODY[]");
	ok(f.has_uid && f.uid == 9, "... UID 9 after the flags list");
	ok(f.body != NULL && f.body_len == 6 && memcmp(f.body, "a \\\" b", 6) == 0,
	    "... the quoted string as sent, escape kept");

	is_int(parse("* 7 FETCH (UID 10 BODY[] NIL)", &f), 1, "BODY[] NIL");
	ok(f.body == NULL && f.body_len == 0, "... no body");
	is_int(parse("* 8 FETCH (UID 11 BODY[]<0> {3+}\r\nabc)", &f), 1, "a partial and a non-synchronising literal");
	ok(f.body == NULL, "... BODY[]<0> is not BODY[]");
	is_int(parse("* 9 fetch (uid 12)", &f), 1, "lower case");
	ok(f.has_uid && f.uid == 12, "... uid 12");
	is_int(parse("* 10 FETCH (UID 99999999999999999999999)", &f), 1, "a huge UID");
	ok(f.uid == (unsigned long long)-1, "... saturates");

	/* Other responses. */
	is_int(parse("* 12 EXISTS", &f), 0, "EXISTS is another response");
	is_int(parse("* OK [UIDVALIDITY 3] ok", &f), 0, "OK is another response");
	is_int(parse("t1 OK done", &f), 0, "a tagged response is another response");

	/* Malformed FETCH responses. */
	is_int(parse("* 3 FETCH (UID 17 BODY[] {40}\r\nshort)", &f), -1, "a literal longer than the response");
	is_int(parse("* 3 FETCH (UID 17 BODY[] {4}\nabcd", &f), -1, "no closing parenthesis");
	is_int(parse("* 3 FETCH (UID 17) trailing", &f), -1, "bytes after the closing parenthesis");
	is_int(parse("* 3 FETCH (UID x)", &f), -1, "a UID that is not a number");
	is_int(parse("* 3 FETCH (UID)", &f), -1, "an item without a value");
	is_int(parse("* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT) {3}\r\nabc)", &f), -1, "an unclosed section");
	is_int(parse("* 3 FETCH (X ((((((((((1))))))))))", &f), -1, "lists nested deeper than 8");
	is_int(parse("* 3 FETCH (BODY[] \"abc)", &f), -1, "an unclosed quoted string");
	is_int(parse("* 3 FETCH UID 5", &f), -1, "no parenthesised list");
	is_int(imap_fetch_parse("* 3 FETCH (UID 5)", 12, &f), -1, "cut short by LEN: not read past it");
	return done_testing();
}
