/*
 * check_tls_rpt - what the sending MTAs saw, from their TLS-RPT reports
 * (RFC 8460): the aggregate reports that Google, Microsoft, Postfix and
 * others mail to a domain's rua address, read from a directory, a Maildir
 * or an IMAP mailbox (lib/probe/tlsrpt_source.h, read-only), tallied over a
 * window by the end of their date-range, and judged per organisation x
 * policy domain x policy type x receiving MX x result type.
 *
 * Flow: options -> source -> each report parsed and tallied -> one line
 * per row, the worst on line one -> perfdata and facts -> one exit.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "check.h"
#include "endpoint_opts.h"
#include "plugin_opts.h"
#include "tlsrpt_report.h"
#include "tlsrpt_source.h"

#define PREFIX "TLS_RPT"
#define DOMAINS_MAX 64
#define UNREADABLE_KEPT 100		/* unreadable reports named; more are counted */
#define HOURS_MAX 8760			/* a year */
#define CLOCK_SKEW 3600			/* a report may end this far ahead of our clock */

struct options {
	struct common_opts common;
	struct tlsrpt_source_opts source;
	const char *source_option;	/* "--dir", "--maildir", "--imap" or NULL */
	const char *domains[DOMAINS_MAX];
	char domain_buf[DOMAINS_MAX][256];
	size_t domain_count;
	double window_hours;
	double max_silence_hours;	/* 0: not asked */
	struct threshold threshold;	/* -w/-c, in percent of sessions */
	bool thresholds_given;
};

struct unreadable {
	char *origin, *sender, *why;
};

struct run {
	const struct options *opts;
	time_t now;
	struct tlsrpt_tally *tally;
	size_t reports_read, reports_outside, reports_duplicate, examined, skipped;
	struct unreadable unreadable[UNREADABLE_KEPT];
	size_t unreadable_count;
	char source_error[600];
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_DIR = 0x2000, OPT_MAILDIR, OPT_IMAP, OPT_IMAP_USER, OPT_IMAP_PASSWORD_FILE,
	OPT_IMAP_INSECURE, OPT_WINDOW, OPT_MAX_SILENCE,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "maildir", required_argument, NULL, OPT_MAILDIR },
	{ "imap", required_argument, NULL, OPT_IMAP },
	{ "imap-user", required_argument, NULL, OPT_IMAP_USER },
	{ "imap-password-file", required_argument, NULL, OPT_IMAP_PASSWORD_FILE },
	{ "imap-insecure", no_argument, NULL, OPT_IMAP_INSECURE },
	{ "rootcert", required_argument, NULL, 'r' },
	{ "domain", required_argument, NULL, 'D' },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "max-silence", required_argument, NULL, OPT_MAX_SILENCE },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_tls_rpt %s - what sending MTAs saw, from their TLS-RPT reports\n\n",
	    PACKAGE_VERSION);
	printf("Reads the SMTP TLS Reporting aggregate reports (RFC 8460) that senders\n"
	    "(Google, Microsoft, Postfix, ...) mail to the rua address of a domain's\n"
	    "_smtp._tls record, and alerts on the sessions they could not deliver over\n"
	    "TLS: an expired certificate, a TLSA record that no longer matches, an MTA-STS\n"
	    "policy they cannot fetch. Reports count when their date-range ends within\n"
	    "--window hours. Nothing is ever moved, deleted, marked or written.\n\n");
	printf("Usage: check_tls_rpt (--maildir=DIR | --dir=DIR | --imap=URL [--imap-user=U\n"
	    "         --imap-password-file=F]) [-D DOMAIN]... [--window=HOURS] [-w RANGE]\n"
	    "         [-c RANGE] [--max-silence=HOURS] [--output nagios|json] [-t SECONDS] [-v]\n\n");
	printf("Options:\n"
	    "     --dir=DIR           a directory of report files (.json, .json.gz, .eml)\n"
	    "     --maildir=DIR       a Maildir (cur/ and new/; tmp/ is never read)\n"
	    "     --imap=URL          an IMAP mailbox, imaps://host/MAILBOX (read with\n"
	    "                         EXAMINE and BODY.PEEK: nothing is marked seen)\n"
	    "     --imap-user=USER    the IMAP login\n"
	    "     --imap-password-file=FILE  the IMAP password, the file's first line\n"
	    "     --imap-insecure     allow imap:// without TLS\n"
	    " -r, --rootcert=FILE     trust these roots for imaps:// (default: the system's)\n"
	    " -D, --domain=DOMAIN     only policies for this policy-domain (repeatable)\n"
	    "     --window=HOURS      reports whose date-range ended in the last HOURS\n"
	    "                         (default 48)\n"
	    " -w, --warning=RANGE     failure share in percent of a sender's sessions\n"
	    "                         (default 0: WARNING above 0%%)\n"
	    " -c, --critical=RANGE    (default 5: CRITICAL above 5%%)\n"
	    "     --max-silence=HOURS WARNING when no report's date-range ended within\n"
	    "                         HOURS (the rua mailbox or the TLS-RPT record broke)\n");
	common_opts_help(stdout);
	printf("\nStates: a failure share above -c is CRITICAL, above -w WARNING; without\n"
	    "-w and -c, any failure under a policy that blocks delivery (MTA-STS in enforce\n"
	    "mode, DANE TLSA) is CRITICAL. A report that cannot be read is named and makes\n"
	    "the result at least WARNING (it may hide a failure); so does --max-silence.\n"
	    "UNKNOWN for usage errors and a source that cannot be read.\n\n");
	printf("Examples:\n"
	    "  check_tls_rpt --maildir /var/vmail/example.com/tlsrpt/Maildir -D example.com\n"
	    "  check_tls_rpt --dir /var/lib/tlsrpt --window 72 -w 1 -c 10 --max-silence 72\n");
}

/* HOURS: a number above 0, at most a year. */
static int
hours_option(const char *option, const char *arg, double *out, char *err, size_t errlen)
{
	char *end;
	double h = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || !(h > 0) || h > HOURS_MAX) {
		snprintf(err, errlen, "%s: '%s' is not a number of hours (more than 0, at most "
		    "%d)", option, arg, HOURS_MAX);
		return -1;
	}
	*out = h;
	return 0;
}

static int
source_option(struct options *o, const char *option, enum tlsrpt_source_kind kind,
    const char *arg, char *err, size_t errlen)
{
	if (o->source_option != NULL) {
		snprintf(err, errlen, "%s and %s: give one source, not two", o->source_option, option);
		return -1;
	}
	o->source_option = option;
	o->source.kind = kind;
	if (kind == TLSRPT_SOURCE_IMAP) {
		if (strncasecmp(arg, "imaps://", 8) != 0 && strncasecmp(arg, "imap://", 7) != 0)
			return opt_error(err, errlen, "--imap: '%s' is not an imaps:// URL", arg);
		o->source.location = arg;
		return 0;
	}
	return opt_path(option, arg, OPT_PATH_DIR, &o->source.location, err, errlen);
}

static int
range_option(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	struct range *r = opt == 'w' ? &o->threshold.warning : &o->threshold.critical;
	char why[200];

	if (range_parse(arg, r, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: '%s' is not a range of percent: %s",
		    opt == 'w' ? "-w/--warning" : "-c/--critical", arg, why);
		return -1;
	}
	o->thresholds_given = true;	/* the other keeps its default */
	return 0;
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;

	switch (opt) {
	case OPT_DIR:
		return source_option(o, "--dir", TLSRPT_SOURCE_DIR, arg, err, errlen);
	case OPT_MAILDIR:
		return source_option(o, "--maildir", TLSRPT_SOURCE_MAILDIR, arg, err, errlen);
	case OPT_IMAP:
		return source_option(o, "--imap", TLSRPT_SOURCE_IMAP, arg, err, errlen);
	case OPT_IMAP_USER:
		if (arg[0] == '\0')
			return opt_error(err, errlen, "--imap-user: '%s' is empty", arg);
		o->source.imap_user = arg;
		return 0;
	case OPT_IMAP_PASSWORD_FILE:
		return opt_path("--imap-password-file", arg, OPT_PATH_FILE | OPT_PATH_PIPE,
		    &o->source.imap_password_file, err, errlen);
	case OPT_IMAP_INSECURE:
		o->source.imap_insecure = true;
		return 0;
	case 'r':
		return opt_path("-r/--rootcert", arg, OPT_PATH_FILE | OPT_PATH_PIPE,
		    &o->source.trust_file, err, errlen);
	case 'D':
		if (o->domain_count == DOMAINS_MAX)
			return opt_error(err, errlen, "-D/--domain: '%s' is one domain too many "
			    "(at most 64)", arg);
		if (host_name_option("-D/--domain", arg, o->domain_buf[o->domain_count],
		    sizeof(o->domain_buf[0]), err, errlen) < 0)
			return -1;
		if (strchr(arg, '/') != NULL || strchr(arg, ':') != NULL ||
		    strchr(o->domain_buf[o->domain_count], '.') == NULL)
			return opt_error(err, errlen, "-D/--domain: '%s' is not a domain name", arg);
		o->domains[o->domain_count] = o->domain_buf[o->domain_count];
		o->domain_count++;
		return 0;
	case OPT_WINDOW:
		return hours_option("--window", arg, &o->window_hours, err, errlen);
	case OPT_MAX_SILENCE:
		return hours_option("--max-silence", arg, &o->max_silence_hours, err, errlen);
	case 'w':
	case 'c':
		return range_option(o, opt, arg, err, errlen);
	default:
		snprintf(err, errlen, "unknown option; see check_tls_rpt --help");
		return -1;
	}
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS "D:r:w:c:", long_options, &o->common, NULL, handle_option, o,
	};
	bool imap;
	int rc;

	o->window_hours = 48;
	range_parse("0", &o->threshold.warning, NULL, 0);
	range_parse("5", &o->threshold.critical, NULL, 0);
	o->threshold.has_warning = o->threshold.has_critical = true;
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	if (rc != 0)
		return rc;
	imap = o->source_option != NULL && o->source.kind == TLSRPT_SOURCE_IMAP;
	if (o->source_option == NULL) {
		snprintf(err, errlen, "a source is required: --maildir=DIR, --dir=DIR or --imap=URL");
		return -1;
	}
	if (imap && strncasecmp(o->source.location, "imap://", 7) == 0 && !o->source.imap_insecure) {
		snprintf(err, errlen, "--imap: '%s' is not TLS; use imaps:// or add --imap-insecure",
		    o->source.location);
		return -1;
	}
	if (!imap && (o->source.imap_user || o->source.imap_password_file ||
	    o->source.imap_insecure || o->source.trust_file)) {
		snprintf(err, errlen, "%s applies to --imap only, not %s",
		    o->source.imap_user ? "--imap-user" : o->source.imap_password_file ?
		    "--imap-password-file" : o->source.imap_insecure ? "--imap-insecure" :
		    "-r/--rootcert", o->source_option);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* reading the reports                                                       */
/* ------------------------------------------------------------------------ */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
note_unreadable(struct run *r, const struct tlsrpt_candidate *cand, const char *why)
{
	struct unreadable *u;

	if (r->unreadable_count++ >= UNREADABLE_KEPT)
		return;
	u = &r->unreadable[r->unreadable_count - 1];
	u->origin = dup_or_null(cand->origin != NULL ? cand->origin : "(unnamed)");
	u->sender = dup_or_null(cand->sender);
	u->why = dup_or_null(why);
}

static void
read_reports(struct run *r, struct tlsrpt_source *src)
{
	struct tlsrpt_candidate cand;
	char err[512];
	int rc, added = 0;

	while ((rc = tlsrpt_source_next(src, &cand, r->source_error,
	    sizeof(r->source_error))) == 1) {
		struct tlsrpt_report *report;

		if (cand.unreadable != NULL || cand.json == NULL) {
			note_unreadable(r, &cand, cand.unreadable ? cand.unreadable : "it is empty");
			continue;
		}
		report = tlsrpt_report_parse(cand.json, cand.json_len, err, sizeof(err));
		if (report == NULL) {
			note_unreadable(r, &cand, err);
			continue;
		}
		check_verbose(&r->opts->common, 1, "%s: report %s from %s, %zu policies",
		    cand.origin, report->report_id, report->organization, report->policy_count);
		added = tlsrpt_tally_add(r->tally, report);
		if (added == 1)
			r->reports_read++;
		else if (added == 0)
			r->reports_outside++;
		else if (added == 2) {
			r->reports_duplicate++;
			check_verbose(&r->opts->common, 1, "%s: report %s from %s was read "
			    "already: counted once", cand.origin, report->report_id,
			    report->organization);
		}
		tlsrpt_report_free(report);
		if (added < 0) {
			snprintf(r->source_error, sizeof(r->source_error), "out of memory");
			break;
		}
	}
	r->examined = tlsrpt_source_examined(src);
	r->skipped = tlsrpt_source_skipped(src);
	if (rc == 0 && added >= 0)
		r->source_error[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* judging                                                                   */
/* ------------------------------------------------------------------------ */

/* 1204 -> "1,204". */
static const char *
thousands(uint64_t n, char buf[32])
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* The report ids of a row or group: "a, b and 3 more". */
static const char *
ids_text(const char *const *ids, size_t count, char *buf, size_t size)
{
	size_t kept = count < TLSRPT_IDS_MAX ? count : TLSRPT_IDS_MAX, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < kept && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", ids[i]);
	if (count > kept && used < size)
		snprintf(buf + used, size - used, " and %zu more", count - kept);
	return buf;
}

static bool
blocking(const struct tlsrpt_group *g)
{
	return g->type == TLSRPT_POLICY_TLSA || (g->type == TLSRPT_POLICY_STS && g->enforce);
}

static const char *
policy_text(const struct tlsrpt_group *g)
{
	if (g->type == TLSRPT_POLICY_STS)
		return g->enforce ? "MTA-STS (enforce)" : "MTA-STS (testing)";
	return g->type == TLSRPT_POLICY_TLSA ? "DANE TLSA" : "no policy found";
}

static double
share_of(uint64_t failures, uint64_t sessions)
{
	return sessions == 0 ? 100.0 : (double)failures * 100.0 / (double)sessions;
}

static enum check_state
row_state(const struct options *o, const struct tlsrpt_group *g, double share)
{
	if (!o->thresholds_given && blocking(g))
		return STATE_CRITICAL;
	return threshold_state(&o->threshold, share);
}

/* The window in words: "48 h". */
static const char *
window_text(const struct options *o, char buf[32])
{
	snprintf(buf, 32, "%g h", o->window_hours);
	return buf;
}

struct worst {
	enum check_state state;
	uint64_t failures;
	char line[700];
	size_t findings;
};

static void
judge_rows(struct check *c, struct run *r, struct worst *w)
{
	const struct options *o = r->opts;
	char a[32], b[32], win[32], ids[600];

	for (size_t i = 0; i < tlsrpt_tally_row_count(r->tally); i++) {
		const struct tlsrpt_row *row = tlsrpt_tally_row(r->tally, i);
		const struct tlsrpt_group *g = tlsrpt_tally_group(r->tally, row->group);
		double share = share_of(row->failures, g->sessions);
		enum check_state st = row_state(o, g, share);
		bool undetailed = row->known && strcmp(row->result_type, "unspecified") == 0;
		char line[700];

		snprintf(line, sizeof(line), "%s: %s of %s sessions%s%s failed (%s%s) in the last %s",
		    g->organization, thousands(row->failures, a), thousands(g->sessions, b),
		    row->mx[0] ? " to " : "", row->mx,
		    undetailed ? "the report gives no failure-details" : row->result_type,
		    row->known ? "" : ", a result type RFC 8460 does not list",
		    window_text(o, win));
		check_add(c, st, "%s; %s%s%s: %.1f%% of its sessions; report%s %s", line,
		    policy_text(g), g->domain[0] ? " for " : "", g->domain, share,
		    row->report_count == 1 ? "" : "s",
		    ids_text(row->report_ids, row->report_count, ids, sizeof(ids)));
		if (st != STATE_OK)
			w->findings++;
		if (check_state_worst(st, w->state) != w->state ||
		    (st == w->state && st != STATE_OK && row->failures > w->failures)) {
			w->state = st;
			w->failures = row->failures;
			snprintf(w->line, sizeof(w->line), "%s", line);
		}
	}
}

static void
judge_clean_groups(struct check *c, struct run *r)
{
	char a[32], ids[600];

	for (size_t i = 0; i < tlsrpt_tally_group_count(r->tally); i++) {
		const struct tlsrpt_group *g = tlsrpt_tally_group(r->tally, i);

		if (g->failures > 0)
			continue;
		check_add(c, STATE_OK, "%s: %s sessions, none failed; %s%s%s; report%s %s",
		    g->organization, thousands(g->sessions, a), policy_text(g),
		    g->domain[0] ? " for " : "", g->domain, g->report_count == 1 ? "" : "s",
		    ids_text(g->report_ids, g->report_count, ids, sizeof(ids)));
	}
}

static void
judge_unreadable(struct check *c, struct run *r)
{
	for (size_t i = 0; i < r->unreadable_count && i < UNREADABLE_KEPT; i++) {
		const struct unreadable *u = &r->unreadable[i];

		check_add(c, STATE_WARNING, "unreadable report %s%s%s: %s (it may hide a failure)",
		    u->origin, u->sender ? " from " : "", u->sender ? u->sender : "", u->why);
	}
	if (r->unreadable_count > UNREADABLE_KEPT)
		check_add(c, STATE_WARNING, "%zu more unreadable reports",
		    r->unreadable_count - UNREADABLE_KEPT);
}

static void
judge_silence(struct check *c, struct run *r)
{
	time_t latest = tlsrpt_tally_latest_end(r->tally);
	char when[64];

	if (r->opts->max_silence_hours <= 0)
		return;
	if (latest > 0 && (double)(r->now - latest) <= r->opts->max_silence_hours * 3600)
		return;
	if (latest > 0)
		strftime(when, sizeof(when), "the latest ended %Y-%m-%d %H:%M UTC", gmtime(&latest));
	else
		snprintf(when, sizeof(when), "none was found");
	check_add(c, STATE_WARNING, "no TLS-RPT report ended in the last %g h (%s): is mail "
	    "to the rua address still arriving here, and is the _smtp._tls record still "
	    "published?", r->opts->max_silence_hours, when);
}

/* Failed sessions of TYPE, as perfdata "failures_TYPE" (0 when none). */
static void
failure_perf(struct check *c, const struct run *r, const char *type)
{
	double zero = 0, n = 0;
	char label[64];

	for (size_t i = 0; i < tlsrpt_tally_row_count(r->tally); i++) {
		const struct tlsrpt_row *row = tlsrpt_tally_row(r->tally, i);

		if (row->known && strcmp(row->result_type, type) == 0)
			n += (double)row->failures;
	}
	snprintf(label, sizeof(label), "failures_%s", type);
	check_perf(c, label, n, NULL, NULL, &zero, NULL);
}

static void
perfdata(struct check *c, struct run *r)
{
	double zero = 0, sessions = 0, other = 0;

	for (size_t i = 0; i < tlsrpt_tally_group_count(r->tally); i++)
		sessions += (double)tlsrpt_tally_group(r->tally, i)->sessions;
	check_perf(c, "sessions", sessions, NULL, NULL, &zero, NULL);
	for (size_t t = 0; tlsrpt_result_type_name(t) != NULL; t++)
		failure_perf(c, r, tlsrpt_result_type_name(t));
	failure_perf(c, r, "unspecified");	/* counted without failure-details */
	for (size_t i = 0; i < tlsrpt_tally_row_count(r->tally); i++)
		if (!tlsrpt_tally_row(r->tally, i)->known)
			other += (double)tlsrpt_tally_row(r->tally, i)->failures;
	check_perf(c, "failures_other", other, NULL, NULL, &zero, NULL);
	check_perf(c, "reports_read", (double)r->reports_read, NULL, NULL, &zero, NULL);
	check_perf(c, "reports_unreadable", (double)r->unreadable_count, NULL, NULL, &zero, NULL);
}

static void
fact_ids(struct check *c, const char *const *ids, size_t count)
{
	check_fact_list(c, "report_ids");
	for (size_t i = 0; i < count && i < TLSRPT_IDS_MAX; i++) {
		check_fact_item(c);
		check_fact_str(c, "id", ids[i]);
		check_fact_end(c);
	}
	check_fact_end(c);
}

static void
facts(struct check *c, struct run *r)
{
	const struct options *o = r->opts;

	check_fact_num(c, "window_hours", o->window_hours);
	check_fact_num(c, "reports_read", (double)r->reports_read);
	check_fact_num(c, "reports_outside_window", (double)r->reports_outside);
	check_fact_num(c, "reports_duplicate", (double)r->reports_duplicate);
	check_fact_num(c, "reports_unreadable", (double)r->unreadable_count);
	check_fact_num(c, "examined", (double)r->examined);
	check_fact_num(c, "skipped_not_tlsrpt", (double)r->skipped);
	check_fact_num(c, "latest_report_end", (double)tlsrpt_tally_latest_end(r->tally));
	check_fact_num(c, "dropped", (double)tlsrpt_tally_dropped(r->tally));
	check_fact_list(c, "groups");
	for (size_t i = 0; i < tlsrpt_tally_group_count(r->tally); i++) {
		const struct tlsrpt_group *g = tlsrpt_tally_group(r->tally, i);

		check_fact_item(c);
		check_fact_str(c, "organization", g->organization);
		check_fact_str(c, "policy_domain", g->domain);
		check_fact_str(c, "policy_type", tlsrpt_policy_type_name(g->type));
		check_fact_bool(c, "enforce", g->enforce);
		check_fact_num(c, "sessions", (double)g->sessions);
		check_fact_num(c, "failures", (double)g->failures);
		fact_ids(c, g->report_ids, g->report_count);
		check_fact_end(c);
	}
	check_fact_end(c);
	check_fact_list(c, "failures");
	for (size_t i = 0; i < tlsrpt_tally_row_count(r->tally); i++) {
		const struct tlsrpt_row *row = tlsrpt_tally_row(r->tally, i);
		const struct tlsrpt_group *g = tlsrpt_tally_group(r->tally, row->group);
		double share = share_of(row->failures, g->sessions);

		check_fact_item(c);
		check_fact_str(c, "organization", g->organization);
		check_fact_str(c, "policy_domain", g->domain);
		check_fact_str(c, "policy_type", tlsrpt_policy_type_name(g->type));
		check_fact_str(c, "receiving_mx", row->mx);
		check_fact_str(c, "result_type", row->result_type);
		check_fact_bool(c, "known_result_type", row->known);
		check_fact_num(c, "failures", (double)row->failures);
		check_fact_num(c, "sessions", (double)g->sessions);
		check_fact_num(c, "share_percent", share);
		check_fact_str(c, "state", check_state_name(row_state(o, g, share)));
		fact_ids(c, row->report_ids, row->report_count);
		check_fact_end(c);
	}
	check_fact_end(c);
	check_fact_list(c, "unreadable");
	for (size_t i = 0; i < r->unreadable_count && i < UNREADABLE_KEPT; i++) {
		check_fact_item(c);
		check_fact_str(c, "origin", r->unreadable[i].origin);
		if (r->unreadable[i].sender)
			check_fact_str(c, "sender", r->unreadable[i].sender);
		check_fact_str(c, "why", r->unreadable[i].why);
		check_fact_end(c);
	}
	check_fact_end(c);
}

static void
summarise(struct check *c, struct run *r, const struct worst *w)
{
	char a[32], win[32];

	if (r->source_error[0] != '\0') {
		check_summary(c, "%s%s", r->source_error, w->findings ? " (what was read "
		    "before is below)" : "");
		return;
	}
	if (w->state != STATE_OK && w->findings > 0) {
		if (w->findings > 1)
			check_summary(c, "%s; and %zu more finding%s", w->line, w->findings - 1,
			    w->findings > 2 ? "s" : "");
		else
			check_summary(c, "%s", w->line);
		return;
	}
	if (r->reports_read == 0) {
		check_add(c, STATE_OK, "no TLS-RPT report ended in the last %s (%zu examined, %zu "
		    "not TLS-RPT)", window_text(r->opts, win), r->examined, r->skipped);
		return;
	}
	if (tlsrpt_tally_group_count(r->tally) == 0) {
		check_add(c, STATE_OK, "none of the %zu report%s of the last %s has a policy for "
		    "%s%s", r->reports_read, r->reports_read == 1 ? "" : "s",
		    window_text(r->opts, win), r->opts->domains[0],
		    r->opts->domain_count > 1 ? " or the other -D domains" : "");
		return;
	}
	if (check_state(c) != STATE_OK)
		return;		/* unreadable or silent: the lines say it */
	{
		double sessions = 0;

		for (size_t i = 0; i < tlsrpt_tally_group_count(r->tally); i++)
			sessions += (double)tlsrpt_tally_group(r->tally, i)->sessions;
		check_summary(c, "%zu report%s from %zu sender%s in the last %s: %s sessions, "
		    "none failed", r->reports_read, r->reports_read == 1 ? "" : "s",
		    tlsrpt_tally_group_count(r->tally), tlsrpt_tally_group_count(r->tally) == 1 ?
		    "" : "s", window_text(r->opts, win), thousands((uint64_t)sessions, a));
	}
}

static int
run(const struct options *o, struct check *c)
{
	struct run r = { .opts = o, .now = time(NULL) };
	struct tlsrpt_source_opts so = o->source;
	struct tlsrpt_source *src = NULL;
	struct worst w = { .state = STATE_OK };
	char err[600];
	int rc;

	{
		/* 90% of -t, to the nanosecond: -t 1 leaves 0.9 s, not 0 */
		long long ns = (long long)(o->common.timeout_seconds * 0.9 * 1e9);

		clock_gettime(CLOCK_MONOTONIC, &so.deadline);
		so.deadline.tv_sec += (time_t)(ns / 1000000000LL);
		so.deadline.tv_nsec += (long)(ns % 1000000000LL);
		if (so.deadline.tv_nsec >= 1000000000L) {
			so.deadline.tv_sec++;
			so.deadline.tv_nsec -= 1000000000L;
		}
	}
	so.max_report_bytes = TLSRPT_REPORT_MAX;
	r.tally = tlsrpt_tally_new(r.now - (time_t)(o->window_hours * 3600), r.now + CLOCK_SKEW,
	    o->domains, o->domain_count);
	if (r.tally == NULL)
		return check_usage_error(PREFIX, "out of memory");
	rc = tlsrpt_source_open(&so, &src, err, sizeof(err));
	if (rc == -2) {
		tlsrpt_tally_free(r.tally);
		return check_usage_error(PREFIX, err);
	}
	if (rc < 0) {
		check_add(c, STATE_UNKNOWN, "%s %s: %s", o->source_option, o->source.location, err);
		snprintf(r.source_error, sizeof(r.source_error), "%s", err);
	} else {
		read_reports(&r, src);
		if (r.source_error[0] != '\0')
			check_add(c, STATE_UNKNOWN, "%s", r.source_error);
	}
	judge_rows(c, &r, &w);
	judge_clean_groups(c, &r);
	judge_unreadable(c, &r);
	judge_silence(c, &r);
	if (tlsrpt_tally_dropped(r.tally) > 0)
		check_add(c, STATE_WARNING, "%zu policies or failure rows past the %d kept were "
		    "not counted", tlsrpt_tally_dropped(r.tally), TLSRPT_TALLY_MAX);
	if (r.reports_duplicate > 0)
		check_detail(c, "%zu report%s arrived more than once (the same sender and "
		    "report-id): counted once", r.reports_duplicate,
		    r.reports_duplicate == 1 ? "" : "s");
	summarise(c, &r, &w);
	perfdata(c, &r);
	facts(c, &r);
	rc = check_finish(c, o->common.output, stdout);
	for (size_t i = 0; i < r.unreadable_count && i < UNREADABLE_KEPT; i++) {
		free(r.unreadable[i].origin);
		free(r.unreadable[i].sender);
		free(r.unreadable[i].why);
	}
	tlsrpt_source_close(src);
	tlsrpt_tally_free(r.tally);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[512];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_tls_rpt", PREFIX, print_help, err);
	plugin_start(&o.common, PREFIX);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	rc = run(&o, c);
	check_free(c);
	return rc;
}
