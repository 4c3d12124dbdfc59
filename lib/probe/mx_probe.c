/*
 * mx_probe.c - every address of every MX of a domain, probed at once as a
 * sending MTA would try them; the rules are in mx_probe.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx_probe.h"

void
tp_mx_probes_find(struct tp_mx_probes *out, struct tp_resolver *resolver, const char *domain,
    bool implicit, enum tp_family family, int64_t deadline_ms, int64_t min_ms)
{
	memset(out, 0, sizeof(*out));
	out->outcome = tp_mx_lookup(resolver, domain, tp_ms_left(deadline_ms), &out->list,
	    out->error, sizeof(out->error));
	if (out->outcome == TP_MX_NONE && implicit) {
		out->count = 1;
		snprintf(out->mx[0].host, sizeof(out->mx[0].host), "%s", domain);
		out->mx[0].implicit = true;
	} else if (out->outcome == TP_MX_FOUND) {
		out->count = out->list.count;
		for (size_t m = 0; m < out->count; m++) {
			snprintf(out->mx[m].host, sizeof(out->mx[m].host), "%s",
			    out->list.hosts[m].host);
			out->mx[m].preference = out->list.hosts[m].preference;
		}
	}
	/* In preference order: when the time runs short, the MX senders try first are asked. */
	for (size_t m = 0; m < out->count; m++) {
		struct tp_mx_target *t = &out->mx[m];

		if (tp_ms_left(deadline_ms) < min_ms) {
			t->not_looked_up = true;
			continue;
		}
		if (tp_addresses_lookup(resolver, t->host, family, deadline_ms, &t->addrs,
		    t->error, sizeof(t->error)) < 0)
			t->addrs.count = 0;
	}
}

int
tp_mx_probes_prepare(struct tp_mx_probes *mx, size_t per_address, tp_mx_config_fn make,
    void *arg, char *err, size_t errlen)
{
	size_t n = 0;

	mx->per_address = per_address;
	for (size_t m = 0; m < mx->count; m++) {
		mx->mx[m].first = n;
		n += mx->mx[m].addrs.count * per_address;
	}
	mx->n = n;
	if (n == 0)
		return 0;
	mx->cfgs = calloc(n, sizeof(*mx->cfgs));
	mx->probes = calloc(n, sizeof(*mx->probes));
	if (mx->cfgs == NULL || mx->probes == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t a;
		const struct tp_mx_target *t = tp_mx_probes_target(mx, i, &a);
		const char *address = t->addrs.addr[a];

		mx->cfgs[i] = make(arg, t, address, (i - t->first) % per_address, i, err, errlen);
		if (mx->cfgs[i] == NULL)
			return -1;
		/* what a sending MTA does: the MX's address, and the MX name to match */
		if (tp_config_set_host(mx->cfgs[i], address) < 0 ||
		    tp_config_set_sni(mx->cfgs[i], t->host) < 0) {
			snprintf(err, errlen, "%s", tp_config_error(mx->cfgs[i]));
			return -1;
		}
		if ((mx->probes[i] = tp_probe_new()) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

void
tp_mx_probes_run(struct tp_mx_probes *mx, const struct tp_client *client, int64_t deadline_ms)
{
	/* -t counts from the start: the DNS lookups took some of it. */
	for (size_t i = 0; i < mx->n; i++)
		tp_config_set_timeout_ms(mx->cfgs[i], (unsigned)tp_ms_left(deadline_ms));
	mx->started = mx->n == 0 ? 0 : tp_client_run_window(client, mx->probes,
	    (const struct tp_config *const *)mx->cfgs, mx->n, mx->n < TP_MX_PROBES_WINDOW ?
	    mx->n : TP_MX_PROBES_WINDOW, deadline_ms);
}

const struct tp_mx_target *
tp_mx_probes_target(const struct tp_mx_probes *mx, size_t i, size_t *address)
{
	for (size_t m = 0; m < mx->count; m++) {
		const struct tp_mx_target *t = &mx->mx[m];

		if (i >= t->first && i < t->first + t->addrs.count * mx->per_address) {
			*address = (i - t->first) / mx->per_address;
			return t;
		}
	}
	*address = 0;
	return NULL;
}

void
tp_mx_probes_free(struct tp_mx_probes *mx)
{
	for (size_t i = 0; i < mx->n; i++) {
		if (mx->probes != NULL)
			tp_probe_free(mx->probes[i]);
		if (mx->cfgs != NULL)
			tp_config_free(mx->cfgs[i]);
	}
	free(mx->probes);
	free(mx->cfgs);
	mx->probes = NULL;
	mx->cfgs = NULL;
	mx->n = 0;
}
