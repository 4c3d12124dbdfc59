/*
 * tlsrpt_record.h - the SMTP TLS Reporting TXT record at _smtp._tls.DOMAIN
 * (RFC 8460 3), parsed strictly: where a domain asks senders to mail or
 * post their reports. Same conventions as mtasts.h: pure functions into a
 * bounded struct, a pointer and a length in, 0 or -1 with one sentence.
 */
#ifndef TLSPROBE_TLSRPT_RECORD_H
#define TLSPROBE_TLSRPT_RECORD_H

#include "mtasts.h"

#define TLSRPT_RUA_MAX 16		/* reporting URIs kept; more is an error */
#define TLSRPT_URI_MAX 512		/* characters of one reporting URI */

/* --- the TLS-RPT TXT record: "v=TLSRPTv1; rua=mailto:tlsrpt@example.com" - */

struct tlsrpt_record {
	size_t rua_count;			/* 1 to TLSRPT_RUA_MAX */
	char rua[TLSRPT_RUA_MAX][TLSRPT_URI_MAX + 1];	/* scheme lowercased: "mailto:..." or "https://..." */
	char warning[MTASTS_WARNING_MAX];	/* "" or a repeated field senders skip */
};

/*
 * Parses one record: v=TLSRPTv1 first, fields as in the MTA-STS record, a
 * rua field required: one or more URIs separated by ',' (white space
 * allowed around it), each mailto:local@domain or https://host..., with
 * ',', ';' and '!' percent-encoded as RFC 8460 requires. OUT is cleared first.
 */
int tlsrpt_record_parse(const char *text, size_t len, struct tlsrpt_record *out,
    char *err, size_t errlen);

/* Picks the TLS-RPT record among the N TXT records at _smtp._tls.DOMAIN, as above. */
enum mtasts_select tlsrpt_record_select(const struct mtasts_txt *records, size_t n,
    struct tlsrpt_record *out, char *err, size_t errlen);

#endif
