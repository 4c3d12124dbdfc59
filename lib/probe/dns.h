/*
 * dns.h - DNS lookups validated with DNSSEC inside the process (libunbound),
 * for the checks of mail transport policy: TLSA for DANE, MX, A/AAAA, TXT
 * for MTA-STS and TLS-RPT.  An answer says whether it is secure, insecure
 * or bogus (and why); the resolver's AD bit is never trusted.
 *
 * libunbound is loaded with dlopen() on first use, so that plugins which
 * never resolve (most runs of check_mail_tls) do not pay for loading it and
 * its dependencies (some 3 ms a run).
 */
#ifndef TLSPROBE_DNS_H
#define TLSPROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsprobe.h"

enum tp_dns_type {
	TP_DNS_A = 1,
	TP_DNS_MX = 15,
	TP_DNS_TXT = 16,
	TP_DNS_AAAA = 28,
	TP_DNS_TLSA = 52,
};

enum tp_dns_security {
	TP_DNS_SECURE,		/* validated from the trust anchor */
	TP_DNS_INSECURE,	/* provably unsigned, or outside the trust anchor */
	TP_DNS_BOGUS,		/* signed, but the validation failed */
};

struct tp_resolver;
struct tp_dns_answer;

/*
 * A validating resolver.  FORWARD_TO "ADDR[@PORT]" (an IP address) sends
 * every query there; NULL uses the resolvers of /etc/resolv.conf.
 * TRUST_ANCHOR is a file of DS or DNSKEY records; NULL: the system's root
 * key (/usr/share/dns/root.key, package dns-root-data).  NULL with a
 * sentence in ERR.
 */
struct tp_resolver *tp_resolver_new(const char *forward_to, const char *trust_anchor,
    char *err, size_t errlen);
void tp_resolver_free(struct tp_resolver *resolver);
/* "" or a hint to add to a bogus verdict (a system resolver may strip DNSSEC). */
const char *tp_resolver_bogus_hint(const struct tp_resolver *resolver);
/*
 * True once a query failed for a reason on this side, which no answer can
 * change: settings libunbound cannot start with (a bad trust anchor file),
 * a name given that is no DNS name, no memory. The check cannot run.
 */
bool tp_resolver_unusable(const struct tp_resolver *resolver);
/* True for "ADDR[@PORT]" with ADDR an IP address, as FORWARD_TO wants it. */
bool tp_dns_forwarder_valid(const char *spec);

/*
 * Looks NAME up (TYPE records, class IN) within TIMEOUT_MS.  An answer,
 * also for NXDOMAIN, no data and bogus results; NULL with a sentence in
 * ERR when there is none (timeout, no resolver reachable).
 */
struct tp_dns_answer *tp_dns_query(struct tp_resolver *resolver, const char *name,
    enum tp_dns_type type, int64_t timeout_ms, char *err, size_t errlen);
void tp_dns_answer_free(struct tp_dns_answer *answer);

enum tp_dns_security tp_dns_answer_security(const struct tp_dns_answer *answer);
/* The validator's reason for a bogus answer, or "". */
const char *tp_dns_answer_why_bogus(const struct tp_dns_answer *answer);
/* True when the name does not exist at all (NXDOMAIN). */
bool tp_dns_answer_nxdomain(const struct tp_dns_answer *answer);
/* The DNS rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ...). */
int tp_dns_answer_rcode(const struct tp_dns_answer *answer);
/* The name the answer is for after CNAMEs, or the name asked for. */
const char *tp_dns_answer_name(const struct tp_dns_answer *answer);
size_t tp_dns_answer_count(const struct tp_dns_answer *answer);
/* Record I's raw RDATA. */
const unsigned char *tp_dns_answer_rdata(const struct tp_dns_answer *answer, size_t i,
    size_t *len);

/* Typed views of record I; false when it is malformed. */
bool tp_dns_tlsa(const struct tp_dns_answer *answer, size_t i, uint8_t *usage,
    uint8_t *selector, uint8_t *mtype, const unsigned char **data, size_t *len);
bool tp_dns_mx(const struct tp_dns_answer *answer, size_t i, unsigned *preference,
    char *host, size_t size);
/*
 * A TXT record's strings joined, as RFC 7489 and 8461 read them, into TEXT
 * (NUL-terminated; it may hold NUL bytes too) and its length into *LEN.
 * SIZE above the record's RDATA length (tp_dns_answer_rdata) always holds
 * it; false when it does not fit or the record is malformed.
 */
bool tp_dns_txt(const struct tp_dns_answer *answer, size_t i, char *text, size_t size,
    size_t *len);
/* An A or AAAA record as an address literal. */
bool tp_dns_address(const struct tp_dns_answer *answer, size_t i, char *text, size_t size);

/*
 * HOST's first address of FAMILY (A before AAAA when either will do) into
 * ADDR, the queries ending by DEADLINE_MS (tp_monotonic_ms()).  When the
 * answer was validated, its owner name (a CNAME target, or HOST) goes to
 * SECURE_NAME if that is not NULL, else "".  -1 with the first problem in
 * ERR: a failed query, a bogus answer, or no such address.
 */
int tp_dns_first_address(struct tp_resolver *resolver, const char *host,
    enum tp_family family, int64_t deadline_ms, char *addr, size_t size,
    char *secure_name, size_t name_size, char *err, size_t errlen);

/* "secure", "insecure (not signed)", "bogus: WHY" for messages. */
const char *tp_dns_security_name(enum tp_dns_security security);

#endif
