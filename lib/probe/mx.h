/*
 * mx.h - a domain's MX hosts as a sending MTA reads them (RFC 5321 5.1):
 * most preferred first, a null MX (RFC 7505), records naming no usable
 * host, no MX at all (where RFC 5321 falls back to the domain itself).
 * One lookup for check_mta_sts and check_mail_tls --mx; the plugins word
 * what each outcome means for them.
 */
#ifndef TLSPROBE_MX_H
#define TLSPROBE_MX_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define TP_MX_MAX 16		/* hosts kept, the most preferred; the rest counted */

enum tp_mx_outcome {
	TP_MX_FOUND,		/* COUNT hosts (and maybe some SKIPPED, UNUSABLE) */
	TP_MX_NULL,		/* one record "0 ." (RFC 7505): no mail accepted */
	TP_MX_NONE,		/* no MX record: the implicit MX of RFC 5321 applies */
	TP_MX_UNUSABLE,		/* records, none naming a host name */
	TP_MX_FAILED,		/* the lookup failed or is bogus: a sentence in ERR */
};

struct tp_mx_host {
	char host[256];
	unsigned preference;
};

struct tp_mx_list {
	size_t count;		/* hosts[0..count-1], by preference, then name */
	size_t skipped;		/* beyond TP_MX_MAX: not kept */
	size_t unusable;	/* records naming no host name */
	struct tp_mx_host hosts[TP_MX_MAX];
};

/*
 * DOMAIN's MX records through RESOLVER within TIMEOUT_MS, into OUT.
 * TP_MX_FAILED leaves why in ERR: the query failed, the answer is bogus,
 * memory ran out.
 */
enum tp_mx_outcome tp_mx_lookup(struct tp_resolver *resolver, const char *domain,
    int64_t timeout_ms, struct tp_mx_list *out, char *err, size_t errlen);

#endif
