/*
 * mx.c - a domain's MX hosts, most preferred first; the rules are in mx.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mx.h"

/* Host names equal but for case and a trailing dot. */
static bool
same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static int
compare_mx(const void *a, const void *b)
{
	const struct tp_mx_host *x = a, *y = b;

	return x->preference != y->preference ? (x->preference > y->preference) -
	    (x->preference < y->preference) : strcmp(x->host, y->host);
}

/*
 * All records are read (one answer bounds them) and sorted, the first
 * TP_MX_MAX kept and the rest counted; a record whose name cannot be used
 * is counted too, never taken for no record.
 */
enum tp_mx_outcome
tp_mx_lookup(struct tp_resolver *resolver, const char *domain, int64_t timeout_ms,
    struct tp_mx_list *out, char *err, size_t errlen)
{
	struct tp_dns_answer *a;
	struct tp_mx_host *all = NULL;
	size_t count, n = 0;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	a = tp_dns_query(resolver, domain, TP_DNS_MX, timeout_ms, err, errlen);
	if (a == NULL)
		return TP_MX_FAILED;
	count = tp_dns_answer_count(a);
	if (tp_dns_answer_security(a) == TP_DNS_BOGUS) {
		snprintf(err, errlen, "the MX answer for %s is bogus (DNSSEC validation failed): "
		    "%s", domain, tp_dns_answer_why_bogus(a));
		tp_dns_answer_free(a);
		return TP_MX_FAILED;
	}
	if (count > 0 && (all = calloc(count, sizeof(*all))) == NULL) {
		snprintf(err, errlen, "out of memory reading the MX records of %s", domain);
		tp_dns_answer_free(a);
		return TP_MX_FAILED;
	}
	for (size_t i = 0; i < count; i++) {
		if (tp_dns_mx(a, i, &all[n].preference, all[n].host, sizeof(all[n].host)))
			n++;
		else
			out->unusable++;
	}
	tp_dns_answer_free(a);
	if (n == 1 && all[0].host[0] == '\0' && out->unusable == 0) {
		free(all);
		return TP_MX_NULL;
	}
	if (n == 0) {
		free(all);
		return out->unusable > 0 ? TP_MX_UNUSABLE : TP_MX_NONE;
	}
	qsort(all, n, sizeof(all[0]), compare_mx);
	/* One host named twice ("10 mx", "20 mx") is one MX, at its best preference. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (same_host(all[i].host, all[j].host)) {
				memmove(&all[i], &all[i + 1], (n - i - 1) * sizeof(all[0]));
				n--;
				i--;
				break;
			}
	out->skipped = n > TP_MX_MAX ? n - TP_MX_MAX : 0;
	out->count = n - out->skipped;
	memcpy(out->hosts, all, out->count * sizeof(all[0]));
	free(all);
	return TP_MX_FOUND;
}
