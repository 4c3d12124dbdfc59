/*
 * addresses.h - every address of a host, for the checks that probe each
 * one (--all-addresses): a cluster or a pool where one node was not
 * reloaded shows it only to the clients that land there.
 *
 * Through a validating resolver (struct tp_resolver: --resolver, --dane)
 * or, without one, the system's (getaddrinfo).  IPv4 first, then IPv6,
 * each in numeric order (the same from run to run, whatever order the
 * resolver answers in), duplicates dropped; the first TP_ADDRESSES_MAX in
 * that order are kept, the same ones from run to run.  An address literal
 * is that one address, asked of no resolver.
 */
#ifndef TLSPROBE_ADDRESSES_H
#define TLSPROBE_ADDRESSES_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "tlsprobe.h"

#define TP_ADDRESSES_MAX 16

struct tp_addresses {
	size_t count;
	size_t more;			/* found beyond the first TP_ADDRESSES_MAX, not kept */
	char addr[TP_ADDRESSES_MAX][64];
};

/*
 * HOST's addresses of FAMILY into OUT, through RESOLVER (NULL: the
 * system's), the DNS queries ending by DEADLINE_MS (tp_monotonic_ms()).
 * A bogus DNSSEC answer is refused.  0, or -1 with a sentence in ERR
 * (no address at all, a failed lookup, an address literal of the other
 * family).
 */
int tp_addresses_lookup(struct tp_resolver *resolver, const char *host,
    enum tp_family family, int64_t deadline_ms, struct tp_addresses *out,
    char *err, size_t errlen);

#endif
