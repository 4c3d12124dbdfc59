/*
 * mx_probe_test - lib/probe/mx_probe.c's bookkeeping without a network: which
 * MX and address each probe belongs to, the slots a caller's configuration
 * is asked for, an MX without an address left out, a caller's failure
 * passed on and everything made so far freed.
 */
#include <stdio.h>
#include <string.h>

#include "mx_probe.h"
#include "tap.h"

struct calls {
	size_t n;
	char seen[16][300];	/* "HOST ADDRESS SLOT INDEX" */
	size_t fail_at;		/* the call that fails, or SIZE_MAX */
};

static struct tp_config *
make(void *arg, const struct tp_mx_target *mx, const char *address, size_t slot,
    size_t index, char *err, size_t errlen)
{
	struct calls *calls = arg;
	struct tp_config *cfg;

	if (calls->n == calls->fail_at) {
		snprintf(err, errlen, "no configuration for %s", address);
		return NULL;
	}
	snprintf(calls->seen[calls->n++], sizeof(calls->seen[0]), "%s %s %zu %zu", mx->host,
	    address, slot, index);
	cfg = tp_config_new();
	if (cfg != NULL)
		tp_config_set_port(cfg, 25);
	return cfg;
}

/* mx1 (two addresses), mx2 (none: its lookup failed), mx3 (one IPv6 address). */
static void
three_mx(struct tp_mx_probes *mx)
{
	memset(mx, 0, sizeof(*mx));
	mx->outcome = TP_MX_FOUND;
	mx->count = 3;
	snprintf(mx->mx[0].host, sizeof(mx->mx[0].host), "mx1.example.test");
	mx->mx[0].addrs.count = 2;
	snprintf(mx->mx[0].addrs.addr[0], sizeof(mx->mx[0].addrs.addr[0]), "192.0.2.1");
	snprintf(mx->mx[0].addrs.addr[1], sizeof(mx->mx[0].addrs.addr[1]), "192.0.2.2");
	snprintf(mx->mx[1].host, sizeof(mx->mx[1].host), "mx2.example.test");
	snprintf(mx->mx[1].error, sizeof(mx->mx[1].error), "mx2.example.test has no address");
	snprintf(mx->mx[2].host, sizeof(mx->mx[2].host), "mx3.example.test");
	mx->mx[2].addrs.count = 1;
	snprintf(mx->mx[2].addrs.addr[0], sizeof(mx->mx[2].addrs.addr[0]), "2001:db8::3");
}

int
main(void)
{
	struct tp_mx_probes mx;
	struct calls calls = { .fail_at = (size_t)-1 };
	char err[200] = "";
	const struct tp_mx_target *t;
	size_t a;

	three_mx(&mx);
	is_int(tp_mx_probes_prepare(&mx, 2, make, &calls, err, sizeof(err)), 0,
	    "two slots per address: prepared");
	is_int(mx.n, 6, "3 addresses x 2 slots: 6 probes");
	is_int(calls.n, 6, "a configuration asked for each");
	is_str(calls.seen[0], "mx1.example.test 192.0.2.1 0 0", "probe 0: mx1's first address, slot 0");
	is_str(calls.seen[1], "mx1.example.test 192.0.2.1 1 1", "probe 1: the same address, slot 1");
	is_str(calls.seen[3], "mx1.example.test 192.0.2.2 1 3", "probe 3: mx1's second address");
	is_str(calls.seen[4], "mx3.example.test 2001:db8::3 0 4",
	    "probe 4: mx3, the MX without an address left out");
	is_int(mx.mx[2].first, 4, "mx3's probes start at 4");
	t = tp_mx_probes_target(&mx, 3, &a);
	ok(t == &mx.mx[0] && a == 1, "probe 3 belongs to mx1, address 1");
	t = tp_mx_probes_target(&mx, 5, &a);
	ok(t == &mx.mx[2] && a == 0, "probe 5 belongs to mx3, address 0");
	ok(tp_mx_probes_target(&mx, 6, &a) == NULL, "no probe 6");
	ok(mx.probes != NULL && mx.probes[5] != NULL && mx.cfgs[5] != NULL,
	    "every probe and configuration made");
	tp_mx_probes_free(&mx);
	ok(mx.probes == NULL && mx.cfgs == NULL && mx.n == 0, "freed");
	tp_mx_probes_free(&mx);
	ok(1, "freed twice: nothing left to free");

	three_mx(&mx);
	calls = (struct calls){ .fail_at = 1 };
	is_int(tp_mx_probes_prepare(&mx, 1, make, &calls, err, sizeof(err)), -1,
	    "the caller's configuration fails: -1");
	is_str(err, "no configuration for 192.0.2.2", "... with the caller's sentence");
	tp_mx_probes_free(&mx);
	ok(mx.probes == NULL, "what was made so far freed (ASan and valgrind see no leak)");

	memset(&mx, 0, sizeof(mx));
	mx.outcome = TP_MX_NULL;
	is_int(tp_mx_probes_prepare(&mx, 1, make, &calls, err, sizeof(err)), 0,
	    "a null MX: nothing to prepare");
	is_int(mx.n, 0, "... no probe");
	tp_mx_probes_run(&mx, NULL, 0);
	is_int(mx.started, 0, "... none run");
	tp_mx_probes_free(&mx);

	return done_testing();
}
