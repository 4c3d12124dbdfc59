/*
 * dane_checks.h - DANE for one mail endpoint (RFC 7672), the plugin half:
 * looks up the TLSA records and the host's address with DNSSEC, hands the
 * records to the probe, then judges the answer and the handshake: no
 * match, insecure or bogus DNS, and the rollover hazards that break the
 * next certificate renewal.
 */
#ifndef TLSPROBE_DANE_CHECKS_H
#define TLSPROBE_DANE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "dns.h"
#include "tlsprobe.h"

struct dane_lookup {
	struct tp_resolver *resolver;
	struct tp_dns_answer *tlsa;	/* NULL when the lookup failed */
	char tlsa_name[300];		/* _PORT._tcp.HOST (or .EXPANDED) */
	char expanded[256];		/* HOST's secure CNAME target, or "" */
	char address[64];		/* HOST's address, to connect to */
	char host[256];			/* HOST as given */
	bool at_host;			/* the records are HOST's, not its target's */
	char error[400];		/* why the TLSA lookup failed, or "" */
};

/*
 * Resolves HOST's address (FAMILY) and its TLSA records at _PORT._tcp.HOST
 * (first at the CNAME-expanded name when HOST is a secure CNAME, RFC 7672)
 * through RESOLVER ("ADDR[@PORT]" or NULL) validated from TRUST_ANCHOR
 * (NULL: the root key), before DEADLINE_MS (tp_monotonic_ms() time), and
 * puts the address and the records into CFG.  With a sentence in ERR: -1
 * when the resolver cannot be set up (libunbound, trust anchor), -2 when
 * HOST has no usable address; a failed TLSA lookup is judged later.
 */
int dane_prepare(struct dane_lookup *l, const char *resolver, const char *trust_anchor,
    const char *host, unsigned port, enum tp_family family, int64_t deadline_ms,
    struct tp_config *cfg, char *err, size_t errlen);

/*
 * The DANE verdict on C: the DNS answer (secure, records present and
 * usable), OpenSSL's DANE verification of the handshake, the rollover
 * hazards, and in the long output every record, what it pins and whether
 * it matched.  SENT is the chain the server sent (NULL: no handshake).
 */
/* Puts what dane_prepare() found into one more CFG (another probe of HOST). */
int dane_configure(const struct dane_lookup *l, struct tp_config *cfg, char *err,
    size_t errlen);

void dane_judge(struct check *c, const struct dane_lookup *l, const struct tp_probe *probe,
    const struct tp_chain *sent);

void dane_lookup_free(struct dane_lookup *l);

#endif
