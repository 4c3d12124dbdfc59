/* tlsrpt_source.h - where TLS-RPT reports come from: a directory of files, a Maildir, an IMAP mailbox. Read-only. */
#ifndef TLSPROBE_TLSRPT_SOURCE_H
#define TLSPROBE_TLSRPT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum tlsrpt_source_kind { TLSRPT_SOURCE_DIR, TLSRPT_SOURCE_MAILDIR, TLSRPT_SOURCE_IMAP };
struct tlsrpt_source_opts {
	enum tlsrpt_source_kind kind;
	const char *location;            /* directory path, or imaps:// URL */
	const char *imap_user;           /* NULL: none */
	const char *imap_password_file;  /* NULL: none */
	bool imap_insecure;              /* allow imap:// without TLS */
	const char *trust_file;          /* -r for IMAP over TLS; NULL: system roots */
	struct timespec deadline;        /* CLOCK_MONOTONIC; nothing blocks past it */
	size_t max_report_bytes;         /* bound on one inflated report, e.g. 16 MiB */
};
struct tlsrpt_source;   /* opaque */
/* 0, or -1 with one sentence in ERR (the plugin says it; the MAIL helper decides which failures are usage errors, e.g. a --maildir without cur/ and new/: return -2 for those). */
int tlsrpt_source_open(const struct tlsrpt_source_opts *opts, struct tlsrpt_source **out, char *err, size_t errlen);
struct tlsrpt_candidate {
	const char *origin;        /* "FILE" or "message <MESSAGE-ID> in MAILBOX" - names it in the long output */
	const char *sender;        /* From: address, or NULL for files */
	const unsigned char *json; /* the inflated report, NULL when unreadable */
	size_t json_len;
	const char *unreadable;    /* non-NULL: one sentence why this report could not be read (gzip bomb, broken MIME, too large) */
};
/* 1 with the next report in OUT (valid until the next call), 0 at the end, -1 when the source itself failed (sentence in ERR: IMAP login refused, directory vanished, deadline passed). Candidates that are not TLS-RPT reports (DMARC aggregate reports, other mail) are skipped silently and counted. A message with two report attachments yields two candidates. */
int tlsrpt_source_next(struct tlsrpt_source *src, struct tlsrpt_candidate *out, char *err, size_t errlen);
/* How many messages/files were looked at and skipped as not TLS-RPT. */
size_t tlsrpt_source_skipped(const struct tlsrpt_source *src);
size_t tlsrpt_source_examined(const struct tlsrpt_source *src);
void tlsrpt_source_close(struct tlsrpt_source *src);

#endif
