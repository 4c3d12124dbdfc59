/*
 * dane_checks.c - DANE for one mail endpoint, the plugin half; see
 * dane_checks.h.  RFC 7672 is the rule book: only DANE-TA(2) and
 * DANE-EE(3) count for SMTP, the TLSA answer must be DNSSEC-secure, and a
 * key change must be announced in DNS before it happens (RFC 7671 8.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane_checks.h"

/* One TLSA record as the checks see it. */
struct record {
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t len;
	bool wellformed;	/* known parameters, digest of the right length */
	int depth;		/* the served certificate it matches, or -1 */
};

static const char *const usage_names[] = { "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE" };

/* --- lookups ---------------------------------------------------------------- */

static bool
wellformed(uint8_t usage, uint8_t selector, uint8_t mtype, size_t len)
{
	if (usage > 3 || selector > 1 || mtype > 2 || len == 0)
		return false;
	return mtype == 0 || len == (mtype == 1 ? 32u : 64u);
}

/* A secure CNAME from HOST to NAME: RFC 7672 2.2.2 looks TLSA up there first. */
static void
note_expansion(struct dane_lookup *l, const char *host, const char *name)
{
	size_t len = strlen(name), hlen = strlen(host);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (len > 0 && len < sizeof(l->expanded) && (len != hlen || strncasecmp(name, host, len)))
		snprintf(l->expanded, sizeof(l->expanded), "%.*s", (int)len, name);
}

/* HOST's first address of FAMILY into L, noting a secure CNAME on the way. */
static int
lookup_address(struct dane_lookup *l, const char *host, enum tp_family family,
    int64_t deadline_ms, char *err, size_t errlen)
{
	char name[256];

	if (tp_dns_first_address(l->resolver, host, family, deadline_ms, l->address,
	    sizeof(l->address), name, sizeof(name), err, errlen) < 0)
		return -1;
	if (name[0] != '\0')
		note_expansion(l, host, name);
	return 0;
}

/* The TLSA answer at _PORT._tcp.NAME into L (true when there is one). */
static bool
lookup_tlsa(struct dane_lookup *l, const char *name, unsigned port, int64_t deadline_ms)
{
	tp_dns_answer_free(l->tlsa);
	l->error[0] = '\0';
	snprintf(l->tlsa_name, sizeof(l->tlsa_name), "_%u._tcp.%s", port, name);
	l->tlsa = tp_dns_query(l->resolver, l->tlsa_name, TP_DNS_TLSA, tp_ms_left(deadline_ms),
	    l->error, sizeof(l->error));
	return l->tlsa != NULL;
}

static void
add_records(const struct dane_lookup *l, struct tp_config *cfg)
{
	for (size_t i = 0; i < tp_dns_answer_count(l->tlsa); i++) {
		uint8_t u, s, m;
		const unsigned char *data;
		size_t len;

		if (tp_dns_tlsa(l->tlsa, i, &u, &s, &m, &data, &len) && wellformed(u, s, m, len))
			tp_config_add_tlsa(cfg, u, s, m, data, len);
	}
}

/* A secure "no such records" at the CNAME target sends the lookup back to HOST. */
static bool
secure_denial(const struct tp_dns_answer *a)
{
	return a != NULL && tp_dns_answer_security(a) == TP_DNS_SECURE &&
	    tp_dns_answer_count(a) == 0;
}

int
dane_prepare(struct dane_lookup *l, const char *resolver, const char *trust_anchor,
    const char *host, unsigned port, enum tp_family family, int64_t deadline_ms,
    struct tp_config *cfg, char *err, size_t errlen)
{
	const char *base = host;

	memset(l, 0, sizeof(*l));
	l->resolver = tp_resolver_new(resolver, trust_anchor, err, errlen);
	if (l->resolver == NULL)
		return -1;
	if (lookup_address(l, host, family, deadline_ms, err, errlen) < 0)
		return tp_resolver_unusable(l->resolver) ? -1 : -2;
	/* RFC 7672 2.2.2: the target's records first; a lookup that fails there
	 * stops (as a validating MTA defers), only a secure denial goes on. */
	if (l->expanded[0] != '\0') {
		base = l->expanded;
		if (lookup_tlsa(l, l->expanded, port, deadline_ms) && secure_denial(l->tlsa))
			base = host;
	}
	if (base == host)
		lookup_tlsa(l, host, port, deadline_ms);
	snprintf(l->host, sizeof(l->host), "%s", host);
	l->at_host = base == host;
	return dane_configure(l, cfg, err, errlen);
}

int
dane_configure(const struct dane_lookup *l, struct tp_config *cfg, char *err, size_t errlen)
{
	const char *base = l->at_host ? l->host : l->expanded;

	if (l->tlsa != NULL && tp_dns_answer_security(l->tlsa) == TP_DNS_SECURE)
		add_records(l, cfg);
	if (tp_config_set_host(cfg, l->address) < 0 || tp_config_set_dane_name(cfg, base) < 0 ||
	    (l->expanded[0] && tp_config_set_dane_alt_name(cfg, l->at_host ?
	    l->expanded : l->host) < 0)) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		return -1;
	}
	return 0;
}

void
dane_lookup_free(struct dane_lookup *l)
{
	tp_dns_answer_free(l->tlsa);
	tp_resolver_free(l->resolver);
	memset(l, 0, sizeof(*l));
}

/* --- the records ------------------------------------------------------------- */

static struct record
record_at(const struct dane_lookup *l, size_t i, const struct tp_chain *sent)
{
	struct record r = { .depth = -1 };

	if (!tp_dns_tlsa(l->tlsa, i, &r.usage, &r.selector, &r.mtype, &r.data, &r.len))
		return r;
	r.wellformed = wellformed(r.usage, r.selector, r.mtype, r.len);
	for (size_t k = 0; r.wellformed && sent != NULL && k < tp_chain_count(sent); k++) {
		/* DANE-EE and PKIX-EE speak of the leaf only. */
		if ((r.usage == 1 || r.usage == 3) && k > 0)
			break;
		if (tp_cert_tlsa_matches(tp_chain_cert(sent, k), r.selector, r.mtype, r.data, r.len)) {
			r.depth = (int)k;
			break;
		}
	}
	return r;
}

/* "3 1 1 1a2b3c4d5e6f..." as in a zone file, the data cut to 16 digits. */
static void
record_text(const struct record *r, char *out, size_t size)
{
	int n = snprintf(out, size, "%u %u %u ", r->usage, r->selector, r->mtype);

	for (size_t i = 0; i < r->len && i < 8 && n > 0 && (size_t)n + 3 < size; i++)
		n += snprintf(out + n, size - (size_t)n, "%02x", r->data[i]);
	if (r->len > 8 && n > 0 && (size_t)n + 4 < size)
		snprintf(out + n, size - (size_t)n, "...");
}

/* The long-output line: what the record pins and whether it matched. */
static void
describe(struct check *c, const struct record *r, size_t i, size_t n,
    const struct tp_chain *sent)
{
	char text[64];
	const char *what = r->selector == 1 ? "public key" : "certificate";

	record_text(r, text, sizeof(text));
	if (!r->wellformed)
		check_detail(c, "TLSA %zu/%zu %s: malformed or unsupported parameters", i + 1, n, text);
	else if (r->usage < 2)
		check_detail(c, "TLSA %zu/%zu %s: %s, unusable for SMTP (RFC 7672 section 3.1.3)",
		    i + 1, n, text, usage_names[r->usage]);
	else if (r->depth >= 0)
		check_detail(c, "TLSA %zu/%zu %s: %s, pins the %s of '%s' (chain depth %d): matches",
		    i + 1, n, text, usage_names[r->usage], what,
		    tp_cert_subject_cn(tp_chain_cert(sent, (size_t)r->depth)), r->depth);
	else
		check_detail(c, "TLSA %zu/%zu %s: %s, matches nothing the server sent%s", i + 1, n,
		    text, usage_names[r->usage], sent ? "" : " (no handshake)");
}

/* Zone-file order: usage, selector, matching type, data; stable output. */
static int
record_order(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d;

	if (x->usage != y->usage)
		return x->usage - y->usage;
	if (x->selector != y->selector)
		return x->selector - y->selector;
	if (x->mtype != y->mtype)
		return x->mtype - y->mtype;
	d = n ? memcmp(x->data, y->data, n) : 0;
	return d != 0 ? d : (x->len > y->len) - (x->len < y->len);
}

#define RECORDS_MAX 64	/* judged; more in one RRset is not a real zone */

struct tally {
	size_t total, usable, malformed;
	size_t pins_leaf;	/* DANE-EE records matching the current leaf */
	struct record first_match;	/* the first usable record that matches */
};

static struct tally
judge_records(struct check *c, const struct dane_lookup *l, const struct tp_chain *sent)
{
	struct record records[RECORDS_MAX];
	struct tally t = { .total = tp_dns_answer_count(l->tlsa), .first_match.depth = -1 };
	size_t n = t.total < RECORDS_MAX ? t.total : RECORDS_MAX;

	for (size_t i = 0; i < n; i++)
		records[i] = record_at(l, i, sent);
	qsort(records, n, sizeof(records[0]), record_order);
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &records[i];
		char text[64];

		describe(c, r, i, t.total, sent);
		record_text(r, text, sizeof(text));
		if (!r->wellformed) {
			t.malformed++;
			check_add(c, STATE_WARNING, "DANE: TLSA record '%s' at %s is malformed "
			    "or unsupported: fix or remove it", text, l->tlsa_name);
		} else if (r->usage >= 2) {
			t.usable++;
			t.pins_leaf += r->usage == 3 && r->depth == 0;
			if (r->depth >= 0 && t.first_match.depth < 0)
				t.first_match = *r;
		}
	}
	return t;
}

/* --- verdicts ------------------------------------------------------------------ */

/* False when the TLSA answer itself rules DANE out (a CRITICAL is added). */
static bool
judge_answer(struct check *c, const struct dane_lookup *l)
{
	const struct tp_dns_answer *a = l->tlsa;

	if (a == NULL)
		check_add(c, STATE_CRITICAL, "DANE: %s", l->error);
	else if (tp_dns_answer_security(a) == TP_DNS_BOGUS)
		check_add(c, STATE_CRITICAL, "DANE: the TLSA answer for %s is bogus (DNSSEC "
		    "validation failed): validating MTAs defer mail; %s%s", l->tlsa_name,
		    tp_dns_answer_why_bogus(a), tp_resolver_bogus_hint(l->resolver));
	else if (tp_dns_answer_security(a) == TP_DNS_INSECURE)
		check_add(c, STATE_CRITICAL, "DANE: the TLSA lookup of %s is insecure (not "
		    "DNSSEC-signed): DANE needs a signed zone", l->tlsa_name);
	else if (tp_dns_answer_count(a) == 0)
		check_add(c, STATE_CRITICAL, "DANE: no TLSA record at %s%s", l->tlsa_name,
		    tp_dns_answer_nxdomain(a) ? " (the name does not exist)" : "");
	else
		return true;
	return false;
}

static void
judge_handshake(struct check *c, const struct dane_lookup *l, const struct tp_probe *p,
    const struct tp_chain *sent, const struct tally *t)
{
	const struct tp_cert *leaf = tp_chain_cert(sent, 0);
	struct record used = { .depth = -1 };
	uint8_t params[3];
	char text[64];
	int depth;

	tp_probe_dane_match(p, &depth);
	if (tp_probe_dane_record(p, params, &used.data, &used.len)) {
		used.usage = params[0];
		used.selector = params[1];
		used.mtype = params[2];
		record_text(&used, text, sizeof(text));
		check_add(c, STATE_OK, "DANE: TLSA %s matches at chain depth %d of %zu "
		    "records, DNSSEC secure", text, depth, t->total);
	} else if (t->first_match.depth >= 0) {
		record_text(&t->first_match, text, sizeof(text));
		check_add(c, STATE_CRITICAL, "DANE: TLSA %s matches the served chain, but DANE "
		    "verification fails: %s (check the names and dates of the chain)", text,
		    tp_probe_dane_error(p));
	} else
		check_add(c, STATE_CRITICAL, "DANE: no TLSA record matches the served key: "
		    "publish '3 1 1 %s' at %s, or serve the pinned key", tp_cert_spki_sha256(leaf),
		    l->tlsa_name);
}

/* RFC 7671 section 8.1: the next key's record must be published first. */
static void
judge_rollover(struct check *c, const struct dane_lookup *l, const struct tally *t)
{
	if (t->total == 1)
		check_add(c, STATE_WARNING, "DANE: a single TLSA record at %s: the next "
		    "change of what it pins (a new key, a new issuer) breaks delivery unless "
		    "a second record is published first", l->tlsa_name);
	else if (t->pins_leaf > 0 && t->pins_leaf == t->usable)
		check_add(c, STATE_WARNING, "DANE: every usable TLSA record at %s pins the "
		    "current leaf key: the next renewal with a new key breaks delivery "
		    "(publish the next key's record, or a 2 1 1 for the issuer)", l->tlsa_name);
}

void
dane_judge(struct check *c, const struct dane_lookup *l, const struct tp_probe *p,
    const struct tp_chain *sent)
{
	struct tally t;

	if (!judge_answer(c, l))
		return;
	t = judge_records(c, l, sent);
	if (t.usable == 0)
		check_add(c, STATE_CRITICAL, "DANE: none of the %zu TLSA records at %s is "
		    "usable for SMTP: publish DANE-EE(3) or DANE-TA(2) records", t.total,
		    l->tlsa_name);
	else if (sent != NULL && tp_chain_count(sent) > 0)
		judge_handshake(c, l, p, sent, &t);
	judge_rollover(c, l, &t);
	check_fact_num(c, "tlsa_records", (double)t.total);
}
