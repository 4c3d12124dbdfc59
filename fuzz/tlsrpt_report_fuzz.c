/*
 * tlsrpt_report_fuzz - one TLS-RPT aggregate report (lib/probe/tlsrpt_report.c):
 * any bytes either parse into facts that keep the promises of
 * tlsrpt_report.h (strings set where required, no-policy-found the only
 * policy without a domain, counts as the JSON said, known result types
 * only from the RFC's list, a date-range that does not run backwards), or
 * are refused with one sentence. A parsed report then goes through two
 * tallies (every domain, and -D its first policy's domain) whose groups
 * and rows must add up to no more than what the report said.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_report.h"

static void
check_report(const struct tlsrpt_report *r)
{
	if (r->organization == NULL || r->report_id == NULL || r->end < r->start)
		abort();
	if (r->policy_count > TLSRPT_POLICIES_MAX)
		abort();
	for (size_t i = 0; i < r->policy_count; i++) {
		const struct tlsrpt_policy *p = &r->policies[i];

		if (p->domain == NULL && p->type != TLSRPT_POLICY_NONE_FOUND)
			abort();
		if (p->enforce && p->type != TLSRPT_POLICY_STS)
			abort();
		for (size_t k = 0; k < p->failure_count; k++) {
			const struct tlsrpt_failure *f = &p->failures[k];

			if (f->result_type == NULL || f->result_type[0] == '\0' ||
			    f->known != tlsrpt_result_type_known(f->result_type))
				abort();
		}
	}
}

/* Saturating, as the tally adds. */
static uint64_t
add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void
check_tally(const struct tlsrpt_report *r, const char *const *domains, size_t n)
{
	struct tlsrpt_tally *t = tlsrpt_tally_new(r->start, r->end, domains, n);
	uint64_t sessions = 0, failures = 0, said = 0;

	if (t == NULL)
		return;
	if (tlsrpt_tally_add(t, r) != 1 || tlsrpt_tally_reports(t) != 1)
		abort();	/* its end is in [start, end] */
	for (size_t i = 0; i < r->policy_count; i++) {
		said = add(said, add(r->policies[i].successful_sessions,
		    r->policies[i].failed_sessions));
		for (size_t k = 0; k < r->policies[i].failure_count; k++)
			said = add(said, r->policies[i].failures[k].failed_sessions);
	}
	for (size_t i = 0; i < tlsrpt_tally_group_count(t); i++) {
		const struct tlsrpt_group *g = tlsrpt_tally_group(t, i);

		if (g->failures > g->sessions || g->report_count != 1 ||
		    strcmp(g->report_ids[0], r->report_id) != 0)
			abort();
		sessions = add(sessions, g->sessions);
	}
	for (size_t i = 0; i < tlsrpt_tally_row_count(t); i++) {
		const struct tlsrpt_row *row = tlsrpt_tally_row(t, i);

		if (row->group >= tlsrpt_tally_group_count(t) || row->failures == 0 ||
		    row->mx == NULL || row->result_type == NULL)
			abort();
		failures = add(failures, row->failures);
	}
	if (sessions > said || failures > said)
		abort();
	tlsrpt_tally_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct tlsrpt_report *r = tlsrpt_report_parse(data, size, err, sizeof(err));

	if (r == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	check_report(r);
	check_tally(r, NULL, 0);
	if (r->policy_count > 0 && r->policies[0].domain != NULL) {
		const char *d[] = { r->policies[0].domain };

		check_tally(r, d, 1);
	}
	tlsrpt_report_free(r);
	return 0;
}
