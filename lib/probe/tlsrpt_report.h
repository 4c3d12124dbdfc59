/*
 * tlsrpt_report.h - one SMTP TLS Reporting aggregate report (RFC 8460 4),
 * the JSON a sender mails to a domain's rua address, read strictly where it
 * matters (counts, result types, the date range) and tolerantly where real
 * senders differ (Microsoft omits sending-mta-ip, no-policy-found omits
 * policy-domain, contact-info may be null, extra fields); and the tally of
 * many reports over a window, per policy domain x policy type x receiving
 * MX x result type x reporting organisation. Facts only: the plugin judges.
 */
#ifndef TLSPROBE_TLSRPT_REPORT_H
#define TLSPROBE_TLSRPT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TLSRPT_REPORT_MAX	(16u << 20)	/* bytes of one report */
#define TLSRPT_VALUES_MAX	500000		/* JSON values of one report, before parsing */
#define TLSRPT_POLICIES_MAX	10000		/* policies of one report; more is refused */
#define TLSRPT_DETAILS_MAX	100000		/* failure-details of one report, all policies */
#define TLSRPT_TALLY_MAX	2000		/* groups, and rows, of a tally; more are counted */
#define TLSRPT_IDS_MAX		8		/* report ids kept per group or row */

enum tlsrpt_policy_type {
	TLSRPT_POLICY_STS,
	TLSRPT_POLICY_TLSA,
	TLSRPT_POLICY_NONE_FOUND,
};

/* "sts", "tlsa", "no-policy-found". */
const char *tlsrpt_policy_type_name(enum tlsrpt_policy_type type);

/* Is NAME one of RFC 8460 4.3's result types (section 4.3.2.x)? */
bool tlsrpt_result_type_known(const char *name);

/*
 * RFC 8460's result types by index, in the order the RFC lists them
 * ("starttls-not-supported" first); NULL past the last. For output that
 * names each type, whether or not a report had it.
 */
const char *tlsrpt_result_type_name(size_t i);

/* One failure-details entry. Strings are NULL when the report omits them. */
struct tlsrpt_failure {
	const char *result_type;		/* as written; see known */
	bool known;				/* one of RFC 8460's result types */
	const char *sending_mta_ip;
	const char *receiving_mx_hostname;
	const char *receiving_mx_helo;
	const char *receiving_ip;
	const char *additional_information;
	const char *failure_reason_code;
	uint64_t failed_sessions;
};

struct tlsrpt_policy {
	enum tlsrpt_policy_type type;
	const char *domain;			/* NULL only for no-policy-found */
	const char *policy_string;		/* its lines joined with "; ", or NULL */
	const char *mx_host;			/* its patterns joined with ", ", or NULL */
	bool enforce;				/* sts with a "mode: enforce" line */
	uint64_t successful_sessions, failed_sessions;
	size_t failure_count;
	struct tlsrpt_failure *failures;
};

struct tlsrpt_report {
	const char *organization;		/* organization-name */
	const char *report_id;
	const char *contact_info;		/* NULL when null or missing */
	time_t start, end;			/* date-range */
	size_t policy_count;
	struct tlsrpt_policy *policies;
	void *internal;				/* the JSON the strings point into */
};

/*
 * Parses one report of LEN bytes (at most TLSRPT_REPORT_MAX bytes and
 * TLSRPT_VALUES_MAX values, which bounds the memory; UTF-8, no
 * duplicate keys, no \u0000, nesting bounded by jansson). Returns a report
 * to free with tlsrpt_report_free, or NULL with one sentence in ERR that
 * says what is wrong ("policy 2: its summary's total-failure-session-count
 * is -3, not a count"). Unknown result types are kept, not refused.
 */
struct tlsrpt_report *tlsrpt_report_parse(const unsigned char *json, size_t len, char *err,
    size_t errlen);
void tlsrpt_report_free(struct tlsrpt_report *report);

/* --- the tally ------------------------------------------------------------ */

/* Sessions that one organisation reported for one policy domain and type. */
struct tlsrpt_group {
	const char *domain;			/* "" for no-policy-found without one */
	enum tlsrpt_policy_type type;
	const char *organization;
	bool enforce;				/* sts: some policy said mode: enforce */
	uint64_t sessions, failures;		/* successful + failed, and failed */
	size_t report_count;			/* reports that added to it */
	const char *report_ids[TLSRPT_IDS_MAX];
};

/* The failures of one group at one receiving MX with one result type. */
struct tlsrpt_row {
	size_t group;				/* index into the groups */
	const char *mx;				/* receiving-mx-hostname, else receiving-ip, else "" */
	const char *result_type;		/* "unspecified" when a count had no details */
	bool known;
	uint64_t failures;
	size_t report_count;
	const char *report_ids[TLSRPT_IDS_MAX];
};

struct tlsrpt_tally;

/*
 * A tally of the reports whose date-range ends within [FROM, TO], their
 * policies filtered by the N DOMAINS (exact, case-insensitive; none: all).
 * NULL when out of memory.
 */
struct tlsrpt_tally *tlsrpt_tally_new(time_t from, time_t to, const char *const *domains,
    size_t n);

/*
 * Adds REPORT: 1 when its date-range ends within the window (counted even
 * when no policy matched the domains), 0 when it does not, 2 when a report
 * with the same organization-name and report-id was counted already (one
 * report delivered twice: not counted again), -1 out of memory.
 */
int tlsrpt_tally_add(struct tlsrpt_tally *t, const struct tlsrpt_report *report);

size_t tlsrpt_tally_group_count(const struct tlsrpt_tally *t);
const struct tlsrpt_group *tlsrpt_tally_group(const struct tlsrpt_tally *t, size_t i);
size_t tlsrpt_tally_row_count(const struct tlsrpt_tally *t);
const struct tlsrpt_row *tlsrpt_tally_row(const struct tlsrpt_tally *t, size_t i);
/* Reports counted; policies and failure entries dropped past TLSRPT_TALLY_MAX. */
size_t tlsrpt_tally_reports(const struct tlsrpt_tally *t);
size_t tlsrpt_tally_dropped(const struct tlsrpt_tally *t);
/*
 * The latest date-range end of the reports added (in the window or not)
 * that have a policy for the domains and do not end after the window's end
 * (TO), or 0.
 */
time_t tlsrpt_tally_latest_end(const struct tlsrpt_tally *t);
void tlsrpt_tally_free(struct tlsrpt_tally *t);

#endif
