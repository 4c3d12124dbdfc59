/*
 * dns.c - DNSSEC-validated lookups with libunbound, loaded on first use;
 * the interface and its rules are in dns.h.
 *
 * Queries run on libunbound's own thread (ub_ctx_async), so that this one
 * can wait on ub_fd() with poll() and give up at the check's deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns.h"
#include "dynlib.h"
#include "tlsprobe.h"

#ifndef LIBUNBOUND_SONAME
#define LIBUNBOUND_SONAME "libunbound.so.8"
#endif
#define ROOT_KEY "/usr/share/dns/root.key"

/* --- libunbound, loaded once --------------------------------------------- */

static struct {
	struct ub_ctx *(*ctx_create)(void);
	void (*ctx_delete)(struct ub_ctx *);
	int (*ctx_set_option)(struct ub_ctx *, const char *, const char *);
	int (*ctx_set_fwd)(struct ub_ctx *, const char *);
	int (*ctx_resolvconf)(struct ub_ctx *, const char *);
	int (*ctx_add_ta_file)(struct ub_ctx *, const char *);
	int (*ctx_async)(struct ub_ctx *, int);
	int (*fd)(struct ub_ctx *);
	int (*process)(struct ub_ctx *);
	int (*resolve_async)(struct ub_ctx *, const char *, int, int, void *,
	    ub_callback_type, int *);
	int (*cancel)(struct ub_ctx *, int);
	void (*resolve_free)(struct ub_result *);
	const char *(*strerror)(int);
} ub;

static const struct dynlib_symbol ub_symbols[] = {
	{ "ub_ctx_create", &ub.ctx_create },
	{ "ub_ctx_delete", &ub.ctx_delete },
	{ "ub_ctx_set_option", &ub.ctx_set_option },
	{ "ub_ctx_set_fwd", &ub.ctx_set_fwd },
	{ "ub_ctx_resolvconf", &ub.ctx_resolvconf },
	{ "ub_ctx_add_ta_file", &ub.ctx_add_ta_file },
	{ "ub_ctx_async", &ub.ctx_async },
	{ "ub_fd", &ub.fd },
	{ "ub_process", &ub.process },
	{ "ub_resolve_async", &ub.resolve_async },
	{ "ub_cancel", &ub.cancel },
	{ "ub_resolve_free", &ub.resolve_free },
	{ "ub_strerror", &ub.strerror },
	{ NULL, NULL }
};
static struct dynlib libunbound = DYNLIB(LIBUNBOUND_SONAME, "for DNSSEC lookups", "libunbound8",
    ub_symbols, NULL);

/* --- the resolver ---------------------------------------------------------- */

struct tp_resolver {
	struct ub_ctx *ctx;
	bool unusable;		/* libunbound could not start with these settings */
	bool system;		/* the resolvers of /etc/resolv.conf */
	char where[80];		/* "127.0.0.1@5353" or "the system's resolvers" */
};

bool
tp_dns_forwarder_valid(const char *spec)
{
	char addr[64];
	unsigned char buf[16];
	const char *at = strchr(spec, '@');
	size_t len = at ? (size_t)(at - spec) : strlen(spec);
	char *end;
	long port;

	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1)
		return false;
	if (at == NULL)
		return true;
	errno = 0;
	port = strtol(at + 1, &end, 10);
	return errno == 0 && *end == '\0' && end != at + 1 && port >= 1 && port <= 65535;
}

static int
resolver_configure(struct tp_resolver *r, const char *forward_to, const char *anchor,
    char *err, size_t errlen)
{
	int rc;

	/* Loopback forwarders (systemd-resolved, a test server) are fine. */
	ub.ctx_set_option(r->ctx, "do-not-query-localhost:", "no");
	ub.ctx_set_option(r->ctx, "trust-anchor-signaling:", "no");
	if (forward_to != NULL) {
		/* A resolver named by the user answers for the special-use .test
		 * too, which libunbound otherwise answers NXDOMAIN itself. */
		ub.ctx_set_option(r->ctx, "local-zone:", "test. transparent");
		rc = ub.ctx_set_fwd(r->ctx, forward_to);
	} else
		rc = ub.ctx_resolvconf(r->ctx, "/etc/resolv.conf");
	if (rc != 0) {
		snprintf(err, errlen, "cannot use %s as resolver: %s", r->where, ub.strerror(rc));
		return -1;
	}
	rc = ub.ctx_add_ta_file(r->ctx, anchor);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the DNSSEC trust anchor '%s': %s%s", anchor,
		    ub.strerror(rc), strcmp(anchor, ROOT_KEY) == 0 ? " (install dns-root-data, or give "
		    "--trust-anchor FILE)" : "");
		return -1;
	}
	rc = ub.ctx_async(r->ctx, 1);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the DNS resolver thread: %s", ub.strerror(rc));
		return -1;
	}
	return 0;
}

struct tp_resolver *
tp_resolver_new(const char *forward_to, const char *trust_anchor, char *err, size_t errlen)
{
	struct tp_resolver *r;

	if (forward_to != NULL && !tp_dns_forwarder_valid(forward_to)) {
		snprintf(err, errlen, "'%s' is not ADDR[@PORT] with an IP address", forward_to);
		return NULL;
	}
	if (dynlib_load(&libunbound) < 0) {
		snprintf(err, errlen, "%s", dynlib_error(&libunbound));
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->ctx = ub.ctx_create()) == NULL) {
		snprintf(err, errlen, "out of memory for the DNS resolver");
		free(r);
		return NULL;
	}
	snprintf(r->where, sizeof(r->where), "%s", forward_to ? forward_to :
	    "the resolvers of /etc/resolv.conf");
	r->system = forward_to == NULL;
	if (resolver_configure(r, forward_to, trust_anchor ? trust_anchor : ROOT_KEY,
	    err, errlen) < 0) {
		tp_resolver_free(r);
		return NULL;
	}
	return r;
}

/* A hint for bogus answers: a system resolver may strip DNSSEC records. */
const char *
tp_resolver_bogus_hint(const struct tp_resolver *r)
{
	return r->system ? " (if every signed domain looks bogus, the resolver in "
	    "/etc/resolv.conf drops DNSSEC records: give --resolver)" : "";
}

bool
tp_resolver_unusable(const struct tp_resolver *r)
{
	return r->unusable;
}

void
tp_resolver_free(struct tp_resolver *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		ub.ctx_delete(r->ctx);
	free(r);
}

/* --- one query ----------------------------------------------------------------- */

struct tp_dns_answer {
	struct ub_result *result;
	enum tp_dns_security security;
};

struct pending {
	bool done;
	int err;
	struct ub_result *result;
};

static void
query_done(void *arg, int err, struct ub_result *result)
{
	struct pending *p = arg;

	p->done = true;
	p->err = err;
	p->result = result;
}

static const char *
type_name(enum tp_dns_type type)
{
	switch (type) {
	case TP_DNS_A: return "A";
	case TP_DNS_MX: return "MX";
	case TP_DNS_TXT: return "TXT";
	case TP_DNS_AAAA: return "AAAA";
	case TP_DNS_TLSA: return "TLSA";
	}
	return "?";
}

static const char *
rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	    "NOTIMP", "REFUSED" };

	return rcode >= 0 && rcode < 6 ? names[rcode] : "an error rcode";
}

/* Waits for P until DEADLINE; false on timeout (the query is cancelled). */
static bool
wait_for(struct tp_resolver *r, struct pending *p, int id, int64_t deadline)
{
	while (!p->done) {
		int64_t left = deadline - tp_monotonic_ms();
		struct pollfd pfd = { .fd = ub.fd(r->ctx), .events = POLLIN };

		if (left <= 0) {
			ub.cancel(r->ctx, id);
			return false;
		}
		if (poll(&pfd, 1, (int)left) > 0 && ub.process(r->ctx) != 0 && !p->done) {
			/* P lives on the caller's stack: no callback may come later. */
			ub.cancel(r->ctx, id);
			return false;
		}
	}
	return true;
}

struct tp_dns_answer *
tp_dns_query(struct tp_resolver *r, const char *name, enum tp_dns_type type,
    int64_t timeout_ms, char *err, size_t errlen)
{
	struct pending p = { 0 };
	struct tp_dns_answer *a;
	int id, rc;

	rc = ub.resolve_async(r->ctx, name, (int)type, 1, &p, query_done, &id);
	if (rc == 0 && !wait_for(r, &p, id, tp_monotonic_ms() + timeout_ms)) {
		snprintf(err, errlen, "no DNS answer for %s %s from %s within %lld ms",
		    name, type_name(type), r->where, (long long)timeout_ms);
		return NULL;
	}
	if (rc == 0)
		rc = p.err;
	if (rc == UB_INITFAIL) {
		r->unusable = true;
		snprintf(err, errlen, "the DNS resolver cannot start with these settings: is "
		    "the trust anchor a file of DS or DNSKEY records, and %s reachable?", r->where);
		return NULL;
	}
	if (rc == UB_SYNTAX) {	/* the name we were given, not the DNS */
		r->unusable = true;
		snprintf(err, errlen, "'%s' is not a DNS name (a label is empty or over 63 "
		    "characters, or the name too long): check the name given", name);
		return NULL;
	}
	if (rc == UB_NOMEM || rc == UB_PIPE || rc == UB_FORKFAIL || rc == UB_AFTERFINAL) {
		r->unusable = true;	/* a failure on this side: no answer will say anything */
		snprintf(err, errlen, "the DNS resolver failed here looking up %s %s: %s", name,
		    type_name(type), ub.strerror(rc));
		return NULL;
	}
	if (rc != 0 || p.result == NULL) {
		snprintf(err, errlen, "the DNS lookup of %s %s failed: %s", name,
		    type_name(type), rc ? ub.strerror(rc) : "no result");
		return NULL;
	}
	/* A failure that is not a DNSSEC verdict (SERVFAIL, REFUSED) is no answer. */
	if (!p.result->bogus && p.result->rcode != 0 && p.result->rcode != 3) {
		snprintf(err, errlen, "the DNS lookup of %s %s failed: %s from %s", name,
		    type_name(type), rcode_name(p.result->rcode), r->where);
		ub.resolve_free(p.result);
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		ub.resolve_free(p.result);
		snprintf(err, errlen, "out of memory for a DNS answer");
		return NULL;
	}
	a->result = p.result;
	a->security = p.result->bogus ? TP_DNS_BOGUS :
	    p.result->secure ? TP_DNS_SECURE : TP_DNS_INSECURE;
	return a;
}

void
tp_dns_answer_free(struct tp_dns_answer *a)
{
	if (a == NULL)
		return;
	ub.resolve_free(a->result);
	free(a);
}

enum tp_dns_security tp_dns_answer_security(const struct tp_dns_answer *a) { return a->security; }
bool tp_dns_answer_nxdomain(const struct tp_dns_answer *a) { return a->result->nxdomain != 0; }
int tp_dns_answer_rcode(const struct tp_dns_answer *a) { return a->result->rcode; }

const char *
tp_dns_answer_why_bogus(const struct tp_dns_answer *a)
{
	return a->result->why_bogus ? a->result->why_bogus : "";
}

const char *
tp_dns_answer_name(const struct tp_dns_answer *a)
{
	return a->result->canonname ? a->result->canonname : a->result->qname;
}

size_t
tp_dns_answer_count(const struct tp_dns_answer *a)
{
	size_t n = 0;

	while (a->result->havedata && a->result->data[n] != NULL)
		n++;
	return n;
}

const unsigned char *
tp_dns_answer_rdata(const struct tp_dns_answer *a, size_t i, size_t *len)
{
	if (i >= tp_dns_answer_count(a))
		return NULL;
	*len = (size_t)a->result->len[i];
	return (const unsigned char *)a->result->data[i];
}

/* --- typed records ------------------------------------------------------------- */

bool
tp_dns_tlsa(const struct tp_dns_answer *a, size_t i, uint8_t *usage, uint8_t *selector,
    uint8_t *mtype, const unsigned char **data, size_t *len)
{
	size_t n;
	const unsigned char *rd = tp_dns_answer_rdata(a, i, &n);

	if (rd == NULL || n < 4)
		return false;
	*usage = rd[0];
	*selector = rd[1];
	*mtype = rd[2];
	*data = rd + 3;
	*len = n - 3;
	return true;
}

/* An uncompressed wire-format host name as text, letters, digits, '-', '_'. */
static bool
wire_name(const unsigned char *rd, size_t n, char *out, size_t size)
{
	size_t at = 0, len = 0;

	while (at < n && rd[at] != 0) {
		size_t label = rd[at++];

		if (label > 63 || at + label > n || len + label + 2 > size)
			return false;
		if (len > 0)
			out[len++] = '.';
		for (size_t k = 0; k < label; k++) {
			unsigned char ch = rd[at + k];

			if (!(ch == '-' || ch == '_' || (ch >= '0' && ch <= '9') ||
			    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
				return false;
			out[len++] = (char)(ch | (ch >= 'A' && ch <= 'Z' ? 0x20 : 0));
		}
		at += label;
	}
	if (at >= n || size == 0)
		return false;
	out[len] = '\0';
	return true;
}

bool
tp_dns_mx(const struct tp_dns_answer *a, size_t i, unsigned *preference, char *host,
    size_t size)
{
	size_t n;
	const unsigned char *rd = tp_dns_answer_rdata(a, i, &n);

	if (rd == NULL || n < 3)
		return false;
	*preference = (unsigned)rd[0] << 8 | rd[1];
	return wire_name(rd + 2, n - 2, host, size);
}

bool
tp_dns_txt(const struct tp_dns_answer *a, size_t i, char *text, size_t size, size_t *len)
{
	size_t n, at = 0;
	const unsigned char *rd = tp_dns_answer_rdata(a, i, &n);

	*len = 0;
	if (rd == NULL || size == 0)
		return false;
	while (at < n) {
		size_t part = rd[at++];

		if (at + part > n || *len + part >= size)
			return false;
		memcpy(text + *len, rd + at, part);
		*len += part;
		at += part;
	}
	text[*len] = '\0';
	return true;
}

bool
tp_dns_address(const struct tp_dns_answer *a, size_t i, char *text, size_t size)
{
	size_t n;
	const unsigned char *rd = tp_dns_answer_rdata(a, i, &n);

	if (rd == NULL || (n != 4 && n != 16))
		return false;
	return inet_ntop(n == 4 ? AF_INET : AF_INET6, rd, text, (socklen_t)size) != NULL;
}

const char *
tp_dns_security_name(enum tp_dns_security security)
{
	switch (security) {
	case TP_DNS_SECURE: return "secure";
	case TP_DNS_INSECURE: return "insecure (not DNSSEC-signed)";
	case TP_DNS_BOGUS: return "bogus (DNSSEC validation failed)";
	}
	return "?";
}

/* Why answer A (or its absence, WHY) gives HOST no address, into ERR. */
static void
address_problem(const struct tp_dns_answer *a, const char *why, const char *host,
    enum tp_family family, char *err, size_t errlen)
{
	if (a == NULL)
		snprintf(err, errlen, "%s", why);
	else if (tp_dns_answer_security(a) == TP_DNS_BOGUS)
		snprintf(err, errlen, "the address of %s is bogus in DNS (%s)", host,
		    tp_dns_answer_why_bogus(a));
	else
		snprintf(err, errlen, "%s has no %s address in DNS", host,
		    family == TP_FAMILY_ANY ? "IPv4 or IPv6" :
		    family == TP_FAMILY_IPV4 ? "IPv4" : "IPv6");
}

int
tp_dns_first_address(struct tp_resolver *resolver, const char *host,
    enum tp_family family, int64_t deadline_ms, char *addr, size_t size,
    char *secure_name, size_t name_size, char *err, size_t errlen)
{
	static const enum tp_dns_type types[2] = { TP_DNS_A, TP_DNS_AAAA };
	size_t first = family == TP_FAMILY_IPV6 ? 1 : 0, last = family == TP_FAMILY_IPV4 ? 0 : 1;

	err[0] = '\0';
	if (secure_name != NULL && name_size > 0)
		secure_name[0] = '\0';
	for (size_t t = first; t <= last && !tp_resolver_unusable(resolver); t++) {
		char why[400] = "";
		struct tp_dns_answer *a = tp_dns_query(resolver, host, types[t],
		    tp_ms_left(deadline_ms), why, sizeof(why));
		bool found = a != NULL && tp_dns_answer_security(a) != TP_DNS_BOGUS &&
		    tp_dns_address(a, 0, addr, size);

		if (found && secure_name != NULL && tp_dns_answer_security(a) == TP_DNS_SECURE)
			snprintf(secure_name, name_size, "%s", tp_dns_answer_name(a));
		if (!found && err[0] == '\0')
			address_problem(a, why, host, family, err, errlen);
		tp_dns_answer_free(a);
		if (found)
			return 0;
	}
	if (err[0] == '\0')	/* the resolver was unusable from the start */
		snprintf(err, errlen, "no resolver to look %s up with", host);
	return -1;
}
