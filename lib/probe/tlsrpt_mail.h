/*
 * tlsrpt_mail.h - from one mail message or one file to the TLS-RPT reports
 * it carries (RFC 8460 section 5.3): the MIME tree walked with GMime, each
 * application/tlsrpt+gzip or +json attachment decoded and inflated under a
 * bound, everything else (DMARC aggregate reports, other mail) left out.
 * Nothing here reads a mailbox or decides what a report means.
 */
#ifndef TLSPROBE_TLSRPT_MAIL_H
#define TLSPROBE_TLSRPT_MAIL_H

#include <stdbool.h>
#include <stddef.h>

/* Most MIME parts walked in one message; a report mail has two or three. */
#define TLSRPT_MAIL_MAX_PARTS 100
/* Deepest nesting of multiparts and forwarded messages walked. */
#define TLSRPT_MAIL_MAX_DEPTH 8

/* One report: its JSON, or the sentence that says why it could not be read. */
struct tlsrpt_payload {
	unsigned char *json;	/* NUL-terminated (not counted); NULL when unreadable */
	size_t json_len;
	char *unreadable;	/* one sentence, or NULL */
};

/* What one message (or file) held. n == 0: not a TLS-RPT report. */
struct tlsrpt_mail {
	char *message_id;	/* without <>, printable ASCII; NULL when none */
	char *sender;		/* the From: address, printable ASCII; NULL when none */
	size_t n;
	struct tlsrpt_payload *payloads;
	size_t parts_skipped;	/* MIME parts that were not reports */
};

/*
 * Can a message with these headers (the bytes up to the first empty line,
 * or a prefix of them) be a TLS-RPT report? 0 when certainly not, so that
 * its body is never read: a single part that is not a report's type, or a
 * multipart without any of RFC 8460's clues (TLS-Report-Domain or
 * TLS-Report-Submitter, "tlsrpt" in a content type, a Subject starting
 * "Report Domain:", which DMARC reports share).
 */
bool tlsrpt_mail_may_be_report(const char *headers, size_t len);

/*
 * Parses one message from memory or from a file descriptor (read from its
 * current offset; the descriptor stays open). Each report attachment becomes
 * a payload, inflated to at most MAX_REPORT bytes; a message that cannot be
 * walked (too many parts, nested too deep) becomes one unreadable payload
 * when its headers say it is a report. 0, or -1 with a sentence in ERR when
 * the message could not be read at all (out of memory, an I/O error).
 */
int tlsrpt_mail_from_message(const unsigned char *msg, size_t len, size_t max_report,
    struct tlsrpt_mail *out, char *err, size_t errlen);
int tlsrpt_mail_from_fd(int fd, size_t max_report, struct tlsrpt_mail *out,
    char *err, size_t errlen);

/*
 * Only the names (Message-ID, From:) of M, from the headers alone (bytes up
 * to the first empty line, or a prefix): for a message refused unread.
 * 0, or -1 out of memory.
 */
int tlsrpt_mail_names(const char *headers, size_t len, struct tlsrpt_mail *m);

/*
 * One report file's bytes (.json or .json.gz, told apart by gzip's magic
 * number, not the name): OUT gets the JSON or an unreadable sentence.
 * 0, or -1 out of memory.
 */
int tlsrpt_mail_payload(const unsigned char *data, size_t len, size_t max_report,
    struct tlsrpt_payload *out);
/* The same, read from FD up to its end. -1 with ERR on an I/O error. */
int tlsrpt_mail_payload_fd(int fd, size_t max_report, struct tlsrpt_payload *out,
    char *err, size_t errlen);

/* Frees what a parse left in M and zeroes it; M itself is the caller's. */
void tlsrpt_mail_clear(struct tlsrpt_mail *m);
void tlsrpt_payload_clear(struct tlsrpt_payload *p);

#endif
