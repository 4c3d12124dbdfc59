/*
 * cert_checks.h - the judgements every plugin makes about certificates:
 * time left against the expiry policy, validity dates, weak signatures and keys, plus
 * the long-output and JSON views of a chain. Plugin side: these decide
 * states, the probe library only reports facts.
 */
#ifndef TLSPROBE_CERT_CHECKS_H
#define TLSPROBE_CERT_CHECKS_H

#include <time.h>

#include "check.h"
#include "expiry.h"
#include "tlsprobe.h"

/* Whole days until notAfter (negative once expired). */
long cert_days_left(const struct tp_cert *cert, time_t now);
/* "2027-02-23" */
void cert_format_day(time_t t, char *out, size_t size);
/* The commonName, or the whole subject when there is none. */
const char *cert_label(const struct tp_cert *cert);

/*
 * The known default certificate a proxy or ingress controller serves when
 * it has no real one ("TRAEFIK DEFAULT CERT"...), by CN; NULL when CERT is
 * not one of them.
 */
const char *cert_proxy_default(const struct tp_cert *cert);

/*
 * Holds every certificate of CHAIN to its expiry limits under POLICY and to
 * its validity dates, naming the one that trips; WHERE ("993/imaps: ")
 * prefixes each line, or NULL. The leaf always gets a line; the others only
 * when they are not OK. A short-lived leaf past its lifetime-relative
 * warning point is said to be overdue for renewal. An intermediate or root
 * is held to the leaf's limits as well as its own: when it expires, so
 * does the leaf's chain.
 */
void cert_check_expiry(struct check *c, const struct tp_chain *chain,
    const struct expiry_policy *policy, time_t now, const char *where);
/* SHA-1/MD5 signatures below the root and RSA keys below 2048 bits: WARNING. */
void cert_check_strength(struct check *c, const struct tp_chain *chain, const char *where);
/* The fewest days left of any certificate in CHAIN (INFINITY when empty). */
double chain_min_days(const struct tp_chain *chain, time_t now);

/* One long-output line per certificate, each starting with PREFIX. */
void cert_chain_details(struct check *c, const struct tp_chain *chain, time_t now,
    const char *prefix);
/* Adds "KEY": [ {certificate facts}... ] to the JSON facts. */
void cert_chain_facts(struct check *c, const char *key, const struct tp_chain *chain,
    const struct expiry_policy *policy, time_t now);

#endif
