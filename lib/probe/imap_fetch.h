/*
 * imap_fetch.h - the items of one untagged IMAP FETCH response (RFC 9051
 * 7.5.2), "* 12 FETCH (UID 5 RFC822.SIZE 3012 BODY[] {3012}...)", read
 * from bytes an IMAP server sent: untrusted. Every item is walked in
 * turn, literals and lists included, so that "UID 5" inside a message's
 * header bytes is never taken for the UID item.
 */
#ifndef TLSPROBE_IMAP_FETCH_H
#define TLSPROBE_IMAP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#define IMAP_FETCH_DEPTH_MAX	8	/* nested lists (BODYSTRUCTURE) */

struct imap_fetch {
	unsigned long long seq;		/* the message sequence number */
	bool has_uid, has_size;
	unsigned long long uid;		/* UID */
	unsigned long long size;	/* RFC822.SIZE */
	/*
	 * BODY[HEADER.FIELDS (...)] and BODY[]: the literal's or quoted
	 * string's bytes, inside the response (a quoted string as sent, its
	 * escapes left in); NULL when absent or NIL.
	 */
	const char *header, *body;
	size_t header_len, body_len;
};

/*
 * Reads RESP (LEN bytes: one response with its literals, without the final
 * CRLF). Returns 1 when it is a FETCH response and every item was read, 0
 * when it is another untagged response (EXISTS, FLAGS...), -1 when it is a
 * FETCH response that does not parse. Numbers saturate rather than wrap.
 */
int imap_fetch_parse(const char *resp, size_t len, struct imap_fetch *out);

#endif
