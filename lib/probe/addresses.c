/*
 * addresses.c - every address of a host, from the system's resolver or a
 * validating one; the rules are in addresses.h.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addresses.h"

static const char *
family_words(enum tp_family family)
{
	return family == TP_FAMILY_IPV4 ? "IPv4" : family == TP_FAMILY_IPV6 ? "IPv6" :
	    "IPv4 or IPv6";
}

/*
 * Every address found, before the first TP_ADDRESSES_MAX in numeric order
 * are kept: which ones are probed must not depend on the order the
 * resolver answered in.
 */
#define FOUND_MAX 512

struct found {
	size_t count;
	size_t dropped;			/* past FOUND_MAX */
	char addr[FOUND_MAX][64];
};

static void
add(struct found *out, const char *addr)
{
	for (size_t i = 0; i < out->count; i++)
		if (strcmp(out->addr[i], addr) == 0)
			return;
	if (out->count == FOUND_MAX) {
		out->dropped++;
		return;
	}
	snprintf(out->addr[out->count++], sizeof(out->addr[0]), "%s", addr);
}

/* 4 or 6 for an address literal, else 0. */
static int
literal_family(const char *host)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, host, buf) == 1)
		return 4;
	return inet_pton(AF_INET6, host, buf) == 1 ? 6 : 0;
}

static int
lookup_system(const char *host, enum tp_family family, int64_t deadline_ms,
    struct found *out, char *err, size_t errlen)
{
	static const int families[2] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = families[f] };
		struct addrinfo *res = NULL;
		int rc;

		if ((family == TP_FAMILY_IPV4 && f == 1) || (family == TP_FAMILY_IPV6 && f == 0))
			continue;
		/* getaddrinfo() takes no deadline: at least none is started after it */
		if (tp_ms_left(deadline_ms) <= 0) {
			snprintf(err, errlen, "no time was left to look up the %s addresses of "
			    "'%s' (the system's resolver is slow: give -t more, or --resolver)",
			    f == 0 ? "IPv4" : "IPv6", host);
			return -1;
		}
		rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0 && rc != EAI_NONAME && rc != EAI_NODATA && rc != EAI_ADDRFAMILY) {
			snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
			return -1;
		}
		for (struct addrinfo *ai = rc == 0 ? res : NULL; ai != NULL; ai = ai->ai_next) {
			char text[64];

			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0,
			    NI_NUMERICHOST) == 0)
				add(out, text);
		}
		if (res != NULL)
			freeaddrinfo(res);
	}
	return 0;
}

static int
lookup_dns(struct tp_resolver *resolver, const char *host, enum tp_family family,
    int64_t deadline_ms, struct found *out, char *err, size_t errlen)
{
	static const enum tp_dns_type types[2] = { TP_DNS_A, TP_DNS_AAAA };

	for (size_t t = 0; t < 2; t++) {
		char why[400] = "";
		struct tp_dns_answer *a;

		if ((family == TP_FAMILY_IPV4 && t == 1) || (family == TP_FAMILY_IPV6 && t == 0))
			continue;
		a = tp_dns_query(resolver, host, types[t], tp_ms_left(deadline_ms), why,
		    sizeof(why));
		if (a == NULL) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (tp_dns_answer_security(a) == TP_DNS_BOGUS) {
			snprintf(err, errlen, "the %s addresses of %s are bogus in DNS (%s)%s",
			    t == 0 ? "IPv4" : "IPv6", host, tp_dns_answer_why_bogus(a),
			    tp_resolver_bogus_hint(resolver));
			tp_dns_answer_free(a);
			return -1;
		}
		for (size_t i = 0; i < tp_dns_answer_count(a); i++) {
			char text[64];

			if (tp_dns_address(a, i, text, sizeof(text)))
				add(out, text);
		}
		tp_dns_answer_free(a);
	}
	return 0;
}

/* Numeric order within each family, IPv4 first: line one and perfdata keep
 * their order from run to run whatever order the resolver answers in. */
static int
compare(const void *pa, const void *pb)
{
	const char *a = pa, *b = pb;
	unsigned char ba[17] = { 0 }, bb[17] = { 0 };

	ba[0] = inet_pton(AF_INET, a, ba + 1) == 1 ? 4 : 6;
	bb[0] = inet_pton(AF_INET, b, bb + 1) == 1 ? 4 : 6;
	if (ba[0] == 6)
		(void)inet_pton(AF_INET6, a, ba + 1);
	if (bb[0] == 6)
		(void)inet_pton(AF_INET6, b, bb + 1);
	return memcmp(ba, bb, sizeof(ba));
}

int
tp_addresses_lookup(struct tp_resolver *resolver, const char *host, enum tp_family family,
    int64_t deadline_ms, struct tp_addresses *out, char *err, size_t errlen)
{
	int literal = literal_family(host);
	struct found *found;
	int rc;

	memset(out, 0, sizeof(*out));
	if (literal != 0) {
		if (family != TP_FAMILY_ANY && (int)family != literal) {
			snprintf(err, errlen, "%s is not an %s address", host, family_words(family));
			return -1;
		}
		snprintf(out->addr[out->count++], sizeof(out->addr[0]), "%s", host);
		return 0;
	}
	if ((found = calloc(1, sizeof(*found))) == NULL) {
		snprintf(err, errlen, "out of memory looking up the addresses of '%s'", host);
		return -1;
	}
	rc = resolver != NULL ? lookup_dns(resolver, host, family, deadline_ms, found, err, errlen) :
	    lookup_system(host, family, deadline_ms, found, err, errlen);
	qsort(found->addr, found->count, sizeof(found->addr[0]), compare);
	out->count = found->count < TP_ADDRESSES_MAX ? found->count : TP_ADDRESSES_MAX;
	out->more = found->count - out->count + found->dropped;
	memcpy(out->addr, found->addr, out->count * sizeof(out->addr[0]));
	free(found);
	if (rc == 0 && out->count == 0) {
		snprintf(err, errlen, "%s has no %s address", host, family_words(family));
		return -1;
	}
	return rc;
}
