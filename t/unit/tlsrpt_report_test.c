/*
 * tlsrpt_report_test - RFC 8460 aggregate reports as the senders write
 * them (the RFC's own example, Google, Microsoft without sending-mta-ip,
 * Postfix's libtlsrpt with no-policy-found and a null contact-info), every
 * result type, the strict parts refused with a sentence, hostile input
 * bounded, and the tally: the window by the end of the date-range, -D
 * policy by policy, the aggregation and the report ids it keeps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsrpt_report.h"
#include "tap.h"

static char err[512];

static struct tlsrpt_report *
parse(const char *json)
{
	err[0] = '\0';
	return tlsrpt_report_parse((const unsigned char *)json, strlen(json), err, sizeof(err));
}

/* RFC 8460 appendix B, written out again (with its "failure-error-code" spelling). */
static const char rfc_example[] =
    "{\"organization-name\": \"Company-X\",\n"
    " \"date-range\": {\"start-datetime\": \"2016-04-01T00:00:00Z\",\n"
    "                \"end-datetime\": \"2016-04-01T23:59:59Z\"},\n"
    " \"contact-info\": \"sts-reporting@company-x.example\",\n"
    " \"report-id\": \"5065427c-23d3-47ca-b6e0-946ea0e8c4be\",\n"
    " \"policies\": [{\n"
    "   \"policy\": {\"policy-type\": \"sts\",\n"
    "     \"policy-string\": [\"version: STSv1\", \"mode: testing\",\n"
    "                         \"mx: *.mail.company-y.example\", \"max_age: 86400\"],\n"
    "     \"policy-domain\": \"company-y.example\",\n"
    "     \"mx-host\": [\"*.mail.company-y.example\"]},\n"
    "   \"summary\": {\"total-successful-session-count\": 5326,\n"
    "               \"total-failure-session-count\": 303},\n"
    "   \"failure-details\": [\n"
    "    {\"result-type\": \"certificate-expired\", \"sending-mta-ip\": \"2001:db8:abcd:0012::1\",\n"
    "     \"receiving-mx-hostname\": \"mx1.mail.company-y.example\", \"failed-session-count\": 100},\n"
    "    {\"result-type\": \"starttls-not-supported\", \"sending-mta-ip\": \"2001:db8:abcd:0013::1\",\n"
    "     \"receiving-mx-hostname\": \"mx2.mail.company-y.example\", \"receiving-ip\": \"203.0.113.56\",\n"
    "     \"failed-session-count\": 200,\n"
    "     \"additional-information\": \"https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported\"},\n"
    "    {\"result-type\": \"validation-failure\", \"sending-mta-ip\": \"198.51.100.62\",\n"
    "     \"receiving-ip\": \"203.0.113.58\", \"receiving-mx-hostname\": \"mx-backup.mail.company-y.example\",\n"
    "     \"failed-session-count\": 3, \"failure-error-code\": \"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED\"}]\n"
    " }]}\n";

/* Google's shape: one line, mode enforce, no mx-host, the report id built from date and domain. */
static const char google[] =
    "{\"organization-name\":\"Google Inc.\",\"date-range\":{\"start-datetime\":"
    "\"2026-12-05T00:00:00Z\",\"end-datetime\":\"2026-12-05T23:59:59Z\"},\"contact-info\":"
    "\"smtp-tls-reporting@google.com\",\"report-id\":\"2026-12-05T00:00:00Z_example.com\","
    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\","
    "\"mode: enforce\",\"mx: mx1.example.com\",\"mx: mx2.example.com\",\"max_age: 604800\"],"
    "\"policy-domain\":\"example.com\"},\"summary\":{\"total-successful-session-count\":1167,"
    "\"total-failure-session-count\":37},\"failure-details\":[{\"result-type\":"
    "\"certificate-expired\",\"sending-mta-ip\":\"209.85.220.41\",\"receiving-mx-hostname\":"
    "\"mx1.example.com\",\"receiving-ip\":\"192.0.2.25\",\"failed-session-count\":37}]}]}";

/* Microsoft's shape: no sending-mta-ip, mx-host a list, a TLSA policy beside the STS one. */
static const char microsoft[] =
    "{\"organization-name\":\"Microsoft Corporation\",\"date-range\":{\"start-datetime\":"
    "\"2026-12-05T00:00:00Z\",\"end-datetime\":\"2026-12-05T23:59:59Z\"},\"contact-info\":"
    "\"tlsrpt-noreply@microsoft.com\",\"report-id\":\"134093376000000000+example.com\","
    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\","
    "\"mode: enforce\",\"mx: mx1.example.com\",\"max_age: 604800\"],\"policy-domain\":"
    "\"example.com\",\"mx-host\":[\"mx1.example.com\"]},\"summary\":{"
    "\"total-successful-session-count\":480,\"total-failure-session-count\":20},"
    "\"failure-details\":[{\"result-type\":\"certificate-expired\",\"receiving-mx-hostname\":"
    "\"mx1.example.com\",\"receiving-ip\":\"192.0.2.25\",\"failed-session-count\":20}]},"
    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":[\"3 1 1 "
    "0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6\"],\"policy-domain\":"
    "\"example.net\",\"mx-host\":[\"mx.example.net\"]},\"summary\":{"
    "\"total-successful-session-count\":0,\"total-failure-session-count\":12},"
    "\"failure-details\":[{\"result-type\":\"tlsa-invalid\",\"receiving-mx-hostname\":"
    "\"mx.example.net\",\"receiving-ip\":\"2001:db8::25\",\"failed-session-count\":12}]}]}";

/* Postfix with libtlsrpt: no-policy-found without a policy-domain, contact-info null, offsets. */
static const char postfix[] =
    "{\n  \"organization-name\": \"mail.example.org\",\n  \"date-range\": {\n"
    "    \"start-datetime\": \"2026-12-05T00:00:00+00:00\",\n"
    "    \"end-datetime\": \"2026-12-06T00:59:59.000+01:00\"\n  },\n"
    "  \"contact-info\": null,\n  \"report-id\": \"2026-12-05T00:00:00Z_mail.example.org\",\n"
    "  \"policies\": [\n    {\n      \"policy\": {\"policy-type\": \"no-policy-found\"},\n"
    "      \"summary\": {\"total-successful-session-count\": 12, \"total-failure-session-count\": 2},\n"
    "      \"failure-details\": [{\"result-type\": \"starttls-not-supported\", \"sending-mta-ip\": "
    "\"198.51.100.7\", \"receiving-mx-hostname\": \"mx.example.org\", \"receiving-mx-helo\": "
    "\"mx.example.org\", \"receiving-ip\": \"203.0.113.9\", \"failed-session-count\": 2, "
    "\"failure-reason-code\": \"no STARTTLS in EHLO\"}]\n    }\n  ],\n"
    "  \"x-postfix-extra\": {\"ignored\": true}\n}\n";

static void
rfc_example_as_written(void)
{
	struct tlsrpt_report *r = parse(rfc_example);

	if (!ok(r != NULL, "the RFC 8460 example parses"))
		printf("#   %s\n", err);
	if (r == NULL)
		return;
	is_str(r->organization, "Company-X", "organization-name");
	is_str(r->report_id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "report-id");
	is_str(r->contact_info, "sts-reporting@company-x.example", "contact-info");
	is_int(r->start, 1459468800, "start-datetime");
	is_int(r->end, 1459468800 + 86399, "end-datetime");
	is_int(r->policy_count, 1, "one policy");
	is_int(r->policies[0].type, TLSRPT_POLICY_STS, "sts");
	ok(!r->policies[0].enforce, "mode: testing is not enforce");
	is_str(r->policies[0].domain, "company-y.example", "policy-domain");
	is_str(r->policies[0].mx_host, "*.mail.company-y.example", "mx-host joined");
	is_str(r->policies[0].policy_string, "version: STSv1; mode: testing; "
	    "mx: *.mail.company-y.example; max_age: 86400", "policy-string joined");
	is_int(r->policies[0].successful_sessions, 5326, "successful sessions");
	is_int(r->policies[0].failed_sessions, 303, "failed sessions");
	is_int(r->policies[0].failure_count, 3, "three failure details");
	is_str(r->policies[0].failures[1].result_type, "starttls-not-supported", "a result type");
	ok(r->policies[0].failures[1].known, "known");
	is_str(r->policies[0].failures[1].receiving_ip, "203.0.113.56", "receiving-ip");
	like_str(r->policies[0].failures[1].additional_information, "StarttlsNotSupported",
	    "additional-information");
	is_int(r->policies[0].failures[2].failed_sessions, 3, "failed-session-count");
	ok(r->policies[0].failures[2].failure_reason_code == NULL,
	    "the example's failure-error-code is an extra field, not failure-reason-code");
	tlsrpt_report_free(r);
}

static void
senders_shapes(void)
{
	struct tlsrpt_report *r = parse(google);

	ok(r != NULL, "Google's shape parses");
	if (r != NULL) {
		ok(r->policies[0].enforce, "Google: mode enforce read from the policy-string");
		ok(r->policies[0].mx_host == NULL, "Google: no mx-host");
		is_str(r->policies[0].failures[0].sending_mta_ip, "209.85.220.41", "Google: sending-mta-ip");
		tlsrpt_report_free(r);
	}
	r = parse(microsoft);
	ok(r != NULL, "Microsoft's shape parses");
	if (r != NULL) {
		is_int(r->policy_count, 2, "Microsoft: two policies");
		ok(r->policies[0].failures[0].sending_mta_ip == NULL,
		    "Microsoft: sending-mta-ip omitted is tolerated");
		is_int(r->policies[1].type, TLSRPT_POLICY_TLSA, "Microsoft: a tlsa policy");
		ok(!r->policies[1].enforce, "tlsa has no mode");
		is_str(r->policies[1].failures[0].result_type, "tlsa-invalid", "tlsa-invalid");
		tlsrpt_report_free(r);
	}
	r = parse(postfix);
	if (!ok(r != NULL, "libtlsrpt's shape parses"))
		printf("#   %s\n", err);
	if (r != NULL) {
		ok(r->contact_info == NULL, "libtlsrpt: contact-info null");
		is_int(r->policies[0].type, TLSRPT_POLICY_NONE_FOUND, "no-policy-found");
		ok(r->policies[0].domain == NULL, "no-policy-found without policy-domain");
		is_int(r->end, 1796515199, "an offset and a fraction: 2026-12-05T23:59:59Z");
		is_str(r->policies[0].failures[0].failure_reason_code, "no STARTTLS in EHLO",
		    "failure-reason-code");
		is_str(r->policies[0].failures[0].receiving_mx_helo, "mx.example.org", "receiving-mx-helo");
		tlsrpt_report_free(r);
	}
}

/*
 * A one-policy report around FAILURE (a failure-details entry) or with the
 * fields given; each with a report-id of its own ("r1", "r2", ...).
 */
static char *
report_with(const char *start, const char *end, const char *policy, const char *summary,
    const char *failures)
{
	static char buf[4096];
	static int serial;

	snprintf(buf, sizeof(buf), "{\"organization-name\":\"Org\",\"report-id\":\"r%d\","
	    "\"date-range\":{\"start-datetime\":\"%s\",\"end-datetime\":\"%s\"},"
	    "\"policies\":[{\"policy\":%s,\"summary\":%s%s%s}]}", ++serial, start, end,
	    policy, summary, failures ? ",\"failure-details\":" : "", failures ? failures : "");
	return buf;
}

#define STS "{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\"}"
#define SUMMARY "{\"total-successful-session-count\":1,\"total-failure-session-count\":1}"
#define DAY "2026-12-05T00:00:00Z", "2026-12-05T23:59:59Z"

static void
every_result_type(void)
{
	static const char *const types[] = {
		"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
		"certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
		"dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
	};
	char entry[200];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct tlsrpt_report *r;

		snprintf(entry, sizeof(entry), "[{\"result-type\":\"%s\",\"failed-session-count\":1}]",
		    types[i]);
		r = parse(report_with(DAY, STS, SUMMARY, entry));
		ok(r != NULL && r->policies[0].failures[0].known, "%s is a known result type", types[i]);
		tlsrpt_report_free(r);
	}
	{
		struct tlsrpt_report *r = parse(report_with(DAY, STS, SUMMARY,
		    "[{\"result-type\":\"certificate-revoked\",\"failed-session-count\":1}]"));

		ok(r != NULL, "an unknown result type does not refuse the report");
		ok(r != NULL && !r->policies[0].failures[0].known, "it is kept as unknown");
		is_str(r ? r->policies[0].failures[0].result_type : NULL, "certificate-revoked",
		    "and named");
		tlsrpt_report_free(r);
	}
}

static void
refused(const char *json, const char *needle, const char *what)
{
	struct tlsrpt_report *r = parse(json);

	ok(r == NULL, "refused: %s", what);
	like_str(err, needle, "  with a sentence naming it: %s", needle);
	tlsrpt_report_free(r);
}

static void
strict_where_it_matters(void)
{
	refused(report_with(DAY, STS, "{\"total-successful-session-count\":-3,"
	    "\"total-failure-session-count\":1}", NULL),
	    "policy 1: the \"total-successful-session-count\" of the summary is a negative number",
	    "a negative count");
	refused(report_with(DAY, STS, "{\"total-successful-session-count\":1.5,"
	    "\"total-failure-session-count\":1}", NULL), "is a fraction, not a count", "a fraction");
	refused(report_with(DAY, STS, "{\"total-successful-session-count\":\"7\","
	    "\"total-failure-session-count\":1}", NULL), "is a string, not a count",
	    "a count written as a string");
	refused(report_with(DAY, STS, "{\"total-successful-session-count\":1}", NULL),
	    "the summary has no \"total-failure-session-count\"", "a missing count");
	refused(report_with(DAY, STS, SUMMARY, "[{\"result-type\":\"certificate-expired\"}]"),
	    "policy 1: failure-details entry 1: the entry has no \"failed-session-count\"",
	    "a failure entry without its count");
	refused(report_with(DAY, STS, SUMMARY, "[{\"failed-session-count\":1}]"),
	    "failure-details entry 1: it has no \"result-type\"", "a failure without result-type");
	refused(report_with(DAY, STS, SUMMARY, "[{\"result-type\":\"\",\"failed-session-count\":1}]"),
	    "empty", "an empty result-type");
	refused(report_with(DAY, "{\"policy-type\":\"smtp\",\"policy-domain\":\"example.com\"}",
	    SUMMARY, NULL), "policy-type 'smtp' is not sts, tlsa or no-policy-found",
	    "an unknown policy type");
	refused(report_with(DAY, "{\"policy-type\":\"sts\"}", SUMMARY, NULL),
	    "policy 1: it has no \"policy-domain\"", "an sts policy without its domain");
	refused(report_with("2026-12-05", "2026-12-05T23:59:59Z", STS, SUMMARY, NULL),
	    "\"start-datetime\" '2026-12-05' is not an RFC 3339 date-time", "a date without a time");
	refused(report_with("2026-12-06T00:00:00Z", "2026-12-05T00:00:00Z", STS, SUMMARY, NULL),
	    "ends before it starts", "a range backwards");
	refused("{\"report-id\":\"x\"}", "it has no \"organization-name\"", "no organization");
	refused("[1,2]", "it is not a JSON object", "a list");
	refused("{\"organization-name\":\"a\",\"organization-name\":\"b\"}", "it is not JSON",
	    "a duplicate key");
	refused("{\"organization-name\":\"a\\u0000b\"}", "it is not JSON", "\\u0000 in a string");
	refused("{\"organization-name\":\"\xff\xfe\"}", "it is not JSON", "invalid UTF-8");
	{
		struct tlsrpt_report *r = parse(report_with("2026-12-05 00:00:00Z",
		    "2026-12-05T23:59:59.123456z", STS, SUMMARY, NULL));

		ok(r != NULL, "tolerated: a space for the T, a fraction and a lowercase z");
		tlsrpt_report_free(r);
	}
	{
		struct tlsrpt_report *r = parse(report_with(DAY, STS, SUMMARY, "null"));

		ok(r != NULL && r->policies[0].failure_count == 0, "tolerated: failure-details null");
		tlsrpt_report_free(r);
	}
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
hostile_input(void)
{
	size_t n = 10000, len;
	char *deep = malloc(2 * n + 64), *p;
	struct timespec t0;
	struct tlsrpt_report *r;

	/* JSON nested 10,000 deep. */
	p = deep + sprintf(deep, "{\"organization-name\":");
	for (size_t i = 0; i < n; i++)
		*p++ = '[';
	for (size_t i = 0; i < n; i++)
		*p++ = ']';
	strcpy(p, "}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = tlsrpt_report_parse((unsigned char *)deep, strlen(deep), err, sizeof(err));
	ok(r == NULL, "JSON nested 10,000 deep is refused");
	like_str(err, "maximum parsing depth", "  with jansson's sentence");
	ok(seconds_since(&t0) < 2, "  at once");
	free(deep);

	/* Over the byte limit: refused before parsing. */
	len = TLSRPT_REPORT_MAX + 1;
	deep = calloc(1, len);
	r = tlsrpt_report_parse((unsigned char *)deep, len, err, sizeof(err));
	ok(r == NULL, "a report of 16 MiB and one byte is refused");
	is_str(err, "it is larger than 16 MiB", "  saying so");
	free(deep);

	/* 100,000 policies: refused with a sentence, within bounded time; and 10,001. */
	{
		static const char one[] = "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
		    "\"example.com\"},\"summary\":{\"total-successful-session-count\":1,"
		    "\"total-failure-session-count\":0}},";
		size_t counts[] = { 100000, TLSRPT_POLICIES_MAX + 1 };
		const char *said[] = { "it holds more than 500000 JSON values",
		    "it has 10001 policies, more than the 10000 read" };

		for (size_t c = 0; c < 2; c++) {
			char *big = malloc(counts[c] * strlen(one) + 256), *q;

			q = big + sprintf(big, "{\"organization-name\":\"Org\",\"report-id\":\"r\","
			    "\"date-range\":{\"start-datetime\":\"2026-12-05T00:00:00Z\","
			    "\"end-datetime\":\"2026-12-05T23:59:59Z\"},\"policies\":[");
			for (size_t i = 0; i < counts[c]; i++)
				q = stpcpy(q, one);
			strcpy(q - 1, "]}");
			clock_gettime(CLOCK_MONOTONIC, &t0);
			r = tlsrpt_report_parse((unsigned char *)big, strlen(big), err, sizeof(err));
			ok(r == NULL, "a report with %zu policies is refused", counts[c]);
			is_str(err, said[c], "  saying why");
			ok(seconds_since(&t0) < 5, "  within seconds (%.2f s)", seconds_since(&t0));
			free(big);
		}
	}
	/* 16 MiB of empty objects: refused before jansson allocates them. */
	{
		size_t size = TLSRPT_REPORT_MAX - 16;
		char *big = malloc(size + 1);

		big[0] = '[';
		for (size_t i = 1; i + 3 < size; i += 3)
			memcpy(big + i, "{},", 3);
		memcpy(big + size - 3, "{}]", 3);
		r = tlsrpt_report_parse((unsigned char *)big, size, err, sizeof(err));
		ok(r == NULL, "16 MiB of empty objects is refused");
		is_str(err, "it holds more than 500000 JSON values", "  before parsing");
		free(big);
	}
}

/* --- the tally -------------------------------------------------------------- */

static const struct tlsrpt_row *
find_row(const struct tlsrpt_tally *t, const char *org, const char *mx, const char *result)
{
	for (size_t i = 0; i < tlsrpt_tally_row_count(t); i++) {
		const struct tlsrpt_row *row = tlsrpt_tally_row(t, i);
		const struct tlsrpt_group *g = tlsrpt_tally_group(t, row->group);

		if (strcmp(g->organization, org) == 0 && strcmp(row->mx, mx) == 0 &&
		    strcmp(row->result_type, result) == 0)
			return row;
	}
	return NULL;
}

static void
tally_two_senders(void)
{
	/* The window: the 48 hours up to 2026-12-07T00:00:00Z. */
	time_t to = 1796428800 + 86400, from = to - 48 * 3600;
	struct tlsrpt_tally *t = tlsrpt_tally_new(from, to, NULL, 0);
	struct tlsrpt_report *g = parse(google), *m = parse(microsoft), *x = parse(rfc_example);
	const struct tlsrpt_row *row;

	is_int(tlsrpt_tally_add(t, g), 1, "Google's report ends in the window");
	is_int(tlsrpt_tally_add(t, m), 1, "Microsoft's too");
	is_int(tlsrpt_tally_add(t, g), 2, "the same report again (a resent mail): known, not added");
	is_int(tlsrpt_tally_add(t, x), 0, "the RFC's 2016 report does not");
	is_int(tlsrpt_tally_reports(t), 2, "two reports counted");
	is_int(tlsrpt_tally_latest_end(t), 1796515199, "the latest end seen");
	is_int(tlsrpt_tally_group_count(t), 3, "groups: Google sts, Microsoft sts, Microsoft tlsa");
	row = find_row(t, "Google Inc.", "mx1.example.com", "certificate-expired");
	ok(row != NULL, "Google's certificate-expired row at mx1.example.com");
	is_int(row ? row->failures : 0, 37, "  its failures counted once, not per copy");
	is_int(row ? row->report_count : 0, 1, "  its report id kept once");
	is_str(row ? row->report_ids[0] : NULL, "2026-12-05T00:00:00Z_example.com", "  the id");
	is_int(row ? tlsrpt_tally_group(t, row->group)->sessions : 0, 1204, "  of 1,204 sessions");
	ok(row && tlsrpt_tally_group(t, row->group)->enforce, "  under an enforced policy");
	row = find_row(t, "Microsoft Corporation", "mx1.example.com", "certificate-expired");
	is_int(row ? row->failures : 0, 20, "Microsoft's row of its own");
	row = find_row(t, "Microsoft Corporation", "mx.example.net", "tlsa-invalid");
	is_int(row ? row->failures : 0, 12, "the tlsa-invalid row");
	is_int(row ? (int)tlsrpt_tally_group(t, row->group)->type : -1, TLSRPT_POLICY_TLSA, "  a tlsa group");
	tlsrpt_tally_free(t);

	/* -D example.net: Microsoft's tlsa policy only, policy by policy. */
	{
		const char *domains[] = { "EXAMPLE.NET." };

		t = tlsrpt_tally_new(from, to, domains, 1);
		tlsrpt_tally_add(t, g);
		tlsrpt_tally_add(t, m);
		is_int(tlsrpt_tally_reports(t), 2, "-D: both reports in the window are counted");
		is_int(tlsrpt_tally_group_count(t), 1, "-D example.net: one group");
		is_str(tlsrpt_tally_group(t, 0)->domain, "example.net", "  the tlsa policy's");
		tlsrpt_tally_free(t);
	}
	/* A window that ends before the reports: by the end, not the start. */
	t = tlsrpt_tally_new(1796515199 - 3600, 1796515199, NULL, 0);
	is_int(tlsrpt_tally_add(t, g), 1, "a report ending at the window's end is in it");
	tlsrpt_tally_free(t);
	t = tlsrpt_tally_new(1796515199 - 3600, 1765065598, NULL, 0);
	is_int(tlsrpt_tally_add(t, g), 0, "a report ending a second after the window is not, "
	    "though it started long before the window's end");
	tlsrpt_tally_free(t);
	tlsrpt_report_free(g);
	tlsrpt_report_free(m);
	tlsrpt_report_free(x);
}

static void
tally_quirks(void)
{
	struct tlsrpt_tally *t = tlsrpt_tally_new(0, 2000000000, NULL, 0);
	struct tlsrpt_report *p = parse(postfix), *r;
	const struct tlsrpt_row *row;

	tlsrpt_tally_add(t, p);
	is_str(tlsrpt_tally_group(t, 0)->domain, "", "no-policy-found without a domain: \"\"");
	row = find_row(t, "mail.example.org", "mx.example.org", "starttls-not-supported");
	is_int(row ? row->failures : 0, 2, "its row");
	/* Failures counted without details: the rest is "unspecified", MX unknown. */
	r = parse(report_with(DAY, STS, "{\"total-successful-session-count\":10,"
	    "\"total-failure-session-count\":5}", "[{\"result-type\":\"dnssec-invalid\","
	    "\"receiving-ip\":\"192.0.2.1\",\"failed-session-count\":2}]"));
	tlsrpt_tally_add(t, r);
	row = find_row(t, "Org", "192.0.2.1", "dnssec-invalid");
	is_int(row ? row->failures : 0, 2, "no receiving-mx-hostname: the row is named by its IP");
	row = find_row(t, "Org", "", "unspecified");
	is_int(row ? row->failures : 0, 3, "3 failures without details: unspecified");
	is_int(tlsrpt_tally_dropped(t), 0, "nothing dropped");
	tlsrpt_tally_free(t);
	tlsrpt_report_free(r);
	tlsrpt_report_free(p);

	/* Past TLSRPT_TALLY_MAX groups the rest is counted as dropped, not kept. */
	t = tlsrpt_tally_new(0, 2000000000, NULL, 0);
	for (int i = 0; i < TLSRPT_TALLY_MAX + 5; i++) {
		char policy[128];

		snprintf(policy, sizeof(policy), "{\"policy-type\":\"sts\",\"policy-domain\":"
		    "\"d%d.example\"}", i);
		r = parse(report_with(DAY, policy, SUMMARY, NULL));
		tlsrpt_tally_add(t, r);
		tlsrpt_report_free(r);
	}
	is_int(tlsrpt_tally_group_count(t), TLSRPT_TALLY_MAX, "groups bounded");
	ok(tlsrpt_tally_dropped(t) >= 5, "the rest counted as dropped");
	tlsrpt_tally_free(t);
}

/* --max-silence reads the latest end: only of reports for the domains, never from the future. */
static void
tally_latest_end(void)
{
	const char *domains[] = { "example.com" };
	struct tlsrpt_tally *t = tlsrpt_tally_new(1796428800 - 48 * 3600, 1796515199 + 3600,
	    domains, 1);
	struct tlsrpt_report *r;

	r = parse(report_with(DAY, STS, SUMMARY, NULL));
	is_int(tlsrpt_tally_add(t, r), 1, "a report for example.com in the window");
	tlsrpt_report_free(r);
	r = parse(report_with("2026-12-06T00:00:00Z", "2026-12-06T00:30:00Z",
	    "{\"policy-type\":\"sts\",\"policy-domain\":\"example.org\"}", SUMMARY, NULL));
	tlsrpt_tally_add(t, r);
	tlsrpt_report_free(r);
	is_int(tlsrpt_tally_latest_end(t), 1796515199, "a later report for another domain does not move the latest end");
	r = parse(report_with("2099-01-01T00:00:00Z", "2099-01-01T23:59:59Z", STS, SUMMARY, NULL));
	is_int(tlsrpt_tally_add(t, r), 0, "a report that ends in 2099 is not in the window");
	tlsrpt_report_free(r);
	is_int(tlsrpt_tally_latest_end(t), 1796515199, "... and does not move the latest end (no forged silence)");
	tlsrpt_tally_free(t);
}

int
main(void)
{
	rfc_example_as_written();
	senders_shapes();
	every_result_type();
	strict_where_it_matters();
	hostile_input();
	tally_two_senders();
	tally_quirks();
	tally_latest_end();
	return done_testing();
}
