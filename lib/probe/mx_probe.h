/*
 * mx_probe.h - a domain's inbound mail probed as a sending MTA tries it:
 * every MX in preference order (lib/mx.c), every address of each within
 * TP_ADDRESSES_MAX (lib/addresses.c), each handshake sending the MX name
 * as SNI, all of them in one window of the shared client under one
 * deadline.  The one MX-probing path of check_mta_sts and check_mail_tls
 * --mx; what a failure means (the policy's mode, a sender's view) is the
 * plugin's to say.
 *
 * tp_mx_probes_find() looks up the MX and their addresses,
 * tp_mx_probes_prepare() makes one probe per address and per-address
 * slot (a key type, or just one) from the caller's configuration,
 * tp_mx_probes_run() runs them all.  Probe I belongs to the MX whose
 * FIRST <= I < FIRST + addrs.count * PER_ADDRESS, at address
 * (I - FIRST) / PER_ADDRESS of it.
 */
#ifndef TLSPROBE_MX_PROBE_H
#define TLSPROBE_MX_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addresses.h"
#include "dns.h"
#include "mx.h"
#include "tlsprobe.h"

/* Probes in flight at once: 16 MX of 16 addresses, two key types each, would be 512. */
#define TP_MX_PROBES_WINDOW 32

struct tp_mx_target {
	char host[256];
	unsigned preference;
	bool implicit;			/* no MX record: the domain itself (RFC 5321 5.1) */
	bool not_looked_up;		/* the deadline came before its addresses were asked */
	struct tp_addresses addrs;	/* count 0: ERROR says why (unless NOT_LOOKED_UP) */
	char error[400];
	size_t first;			/* its first probe */
};

struct tp_mx_probes {
	enum tp_mx_outcome outcome;
	struct tp_mx_list list;		/* the lookup: SKIPPED and UNUSABLE records counted */
	char error[512];		/* TP_MX_FAILED: why */
	size_t count;			/* MX to probe: the list's, or the implicit one */
	struct tp_mx_target mx[TP_MX_MAX];
	size_t per_address;		/* probes per address */
	size_t n;			/* probes in all */
	struct tp_config **cfgs;	/* N of each, after tp_mx_probes_prepare() */
	struct tp_probe **probes;
	size_t started;			/* by tp_mx_probes_run(): PROBES[0 .. STARTED - 1] ran */
};

/*
 * DOMAIN's MX through RESOLVER and the addresses of FAMILY of each (NULL
 * resolver: the system's lookup for the addresses; the MX records need
 * one), all within DEADLINE_MS (tp_monotonic_ms()); no address lookup is
 * started with less than MIN_MS left (that MX is marked not_looked_up).
 * IMPLICIT: with no MX record, DOMAIN itself is the one MX (RFC 5321),
 * else there is none to probe.  OUT->outcome says what the lookup found;
 * TP_MX_FAILED leaves why in OUT->error.
 */
void tp_mx_probes_find(struct tp_mx_probes *out, struct tp_resolver *resolver,
    const char *domain, bool implicit, enum tp_family family, int64_t deadline_ms,
    int64_t min_ms);

/*
 * A configuration for probe INDEX, that of SLOT (0 to PER_ADDRESS - 1) at
 * ADDRESS of MX (port, protocol, PROXY, key type, DANE: the caller's); the probing
 * path sets the host to ADDRESS and the server name to the MX name.  NULL
 * with a sentence in ERR.
 */
typedef struct tp_config *(*tp_mx_config_fn)(void *arg, const struct tp_mx_target *mx,
    const char *address, size_t slot, size_t index, char *err, size_t errlen);

/*
 * One probe per address of every MX and per SLOT, configured by MAKE.
 * 0, or -1 with a sentence in ERR (out of memory, MAKE's).
 */
int tp_mx_probes_prepare(struct tp_mx_probes *mx, size_t per_address, tp_mx_config_fn make,
    void *arg, char *err, size_t errlen);

/* Every probe, at most TP_MX_PROBES_WINDOW at a time, none past DEADLINE_MS. */
void tp_mx_probes_run(struct tp_mx_probes *mx, const struct tp_client *client,
    int64_t deadline_ms);

/* The MX that probe I belongs to, and the index of its address (into ADDRESS). */
const struct tp_mx_target *tp_mx_probes_target(const struct tp_mx_probes *mx, size_t i,
    size_t *address);

void tp_mx_probes_free(struct tp_mx_probes *mx);

#endif
