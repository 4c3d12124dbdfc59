/*
 * tlsrpt_report.c - RFC 8460 aggregate reports read with jansson into the
 * facts of tlsrpt_report.h, and their tally over a window. Strings point
 * into the parsed JSON; the tally copies what it keeps. Every count is
 * bounded: bytes, policies, failure entries, groups and rows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "rfc3339.h"
#include "tlsrpt_report.h"

/* RFC 8460 4.3.2.1 to 4.3.2.3, in the order the RFC lists them. */
static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
	"certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
};

const char *
tlsrpt_policy_type_name(enum tlsrpt_policy_type type)
{
	static const char *const names[] = { "sts", "tlsa", "no-policy-found" };

	return names[type];
}

const char *
tlsrpt_result_type_name(size_t i)
{
	return i < sizeof(result_types) / sizeof(result_types[0]) ? result_types[i] : NULL;
}

bool
tlsrpt_result_type_known(const char *name)
{
	for (size_t i = 0; i < sizeof(result_types) / sizeof(result_types[0]); i++)
		if (strcmp(name, result_types[i]) == 0)
			return true;
	return false;
}

/* --- reading one report ----------------------------------------------------- */

struct internal {
	json_t *root;
	size_t n;		/* joined strings made for the report */
	char **joined;
};

struct parse {
	struct tlsrpt_report *r;
	struct internal *in;
	char *err;
	size_t errlen;
	char where[80];		/* "policy 2: failure-details entry 3: " or "" */
};

__attribute__((format(printf, 2, 3)))
static int
fail(struct parse *p, const char *fmt, ...)
{
	char sentence[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sentence, sizeof(sentence), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s%s", p->where, sentence);
	return -1;
}

/* A string field: NULL when missing or null (and OPTIONAL), else its text. */
static int
string_field(struct parse *p, json_t *obj, const char *key, bool optional, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if ((v == NULL || json_is_null(v)) && optional)
		return 0;
	if (v == NULL)
		return fail(p, "it has no \"%s\"", key);
	if (!json_is_string(v))
		return fail(p, "its \"%s\" is not a string", key);
	*out = json_string_value(v);
	return 0;
}

static const char *
json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a negative number";
	case JSON_REAL: return "a fraction";
	case JSON_TRUE: case JSON_FALSE: return "true or false";
	default: return "null";
	}
}

/* A count: a JSON integer from 0 up. IN names the object: "the summary". */
static int
count_field(struct parse *p, json_t *obj, const char *key, const char *in, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return fail(p, "%s has no \"%s\"", in, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(p, "the \"%s\" of %s is %s, not a count (a whole number from 0 up)",
		    key, in, json_kind(v));
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A string or an array of strings (policy-string, mx-host) joined with SEP. */
static int
joined_field(struct parse *p, json_t *obj, const char *key, const char *sep, const char **out)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i, len = 1;
	char *s, **grown;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if (!json_is_array(v))
		return fail(p, "its \"%s\" is neither a string nor a list of strings", key);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return fail(p, "its \"%s\" item %zu is not a string", key, i + 1);
		len += json_string_length(item) + strlen(sep);
	}
	if ((s = malloc(len)) == NULL ||
	    (grown = realloc(p->in->joined, (p->in->n + 1) * sizeof(*grown))) == NULL) {
		free(s);
		return fail(p, "out of memory");
	}
	p->in->joined = grown;
	p->in->joined[p->in->n++] = s;
	*out = s;
	json_array_foreach(v, i, item) {
		if (i > 0)
			s = stpcpy(s, sep);
		s = stpcpy(s, json_string_value(item));
	}
	*s = '\0';
	return 0;
}

/* Senders write "mode: enforce", sometimes with other spacing. */
static bool
says_enforce(json_t *policy_string)
{
	json_t *item;
	size_t i;

	if (json_is_string(policy_string))
		return strstr(json_string_value(policy_string), "mode: enforce") != NULL;
	json_array_foreach(policy_string, i, item) {
		const char *s = json_string_value(item);

		if (s == NULL || strncmp(s, "mode", 4) != 0)
			continue;
		s += 4;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != ':')
			continue;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "enforce", 7) == 0 && strspn(s + 7, " \t\r\n") == strlen(s + 7))
			return true;
	}
	return false;
}

static int
date_field(struct parse *p, json_t *range, const char *key, time_t *out)
{
	const char *text;
	char copy[64];

	if (string_field(p, range, key, false, &text) < 0)
		return -1;
	/* RFC 3339 5.6 allows a space for the 'T'; some senders write one. */
	snprintf(copy, sizeof(copy), "%s", text);
	if (strlen(text) > 10 && text[10] == ' ')
		copy[10] = 'T';
	if (strlen(text) >= sizeof(copy) || rfc3339_parse(copy, out) < 0)
		return fail(p, "its date-range's \"%s\" '%.40s' is not an RFC 3339 date-time",
		    key, text);
	return 0;
}

static int
failure_entry(struct parse *p, json_t *obj, size_t index, struct tlsrpt_failure *f)
{
	size_t outer = strlen(p->where);
	int rc = -1;

	snprintf(p->where + outer, sizeof(p->where) - outer, "failure-details entry %zu: ", index);
	if (!json_is_object(obj))
		fail(p, "it is not an object");
	else if (string_field(p, obj, "result-type", false, &f->result_type) < 0)
		;
	else if (f->result_type[0] == '\0')
		fail(p, "its \"result-type\" is empty");
	else if (count_field(p, obj, "failed-session-count", "the entry", &f->failed_sessions) == 0 &&
	    string_field(p, obj, "sending-mta-ip", true, &f->sending_mta_ip) == 0 &&
	    string_field(p, obj, "receiving-mx-hostname", true, &f->receiving_mx_hostname) == 0 &&
	    string_field(p, obj, "receiving-mx-helo", true, &f->receiving_mx_helo) == 0 &&
	    string_field(p, obj, "receiving-ip", true, &f->receiving_ip) == 0 &&
	    string_field(p, obj, "additional-information", true,
	    &f->additional_information) == 0 &&
	    string_field(p, obj, "failure-reason-code", true, &f->failure_reason_code) == 0) {
		f->known = tlsrpt_result_type_known(f->result_type);
		rc = 0;
	}
	p->where[outer] = '\0';
	return rc;
}

static int
policy_entry(struct parse *p, json_t *entry, struct tlsrpt_policy *pol, size_t *details)
{
	json_t *policy = json_object_get(entry, "policy");
	json_t *summary = json_object_get(entry, "summary");
	json_t *failures = json_object_get(entry, "failure-details"), *item;
	const char *type;
	size_t i;

	if (!json_is_object(entry))
		return fail(p, "it is not an object");
	if (!json_is_object(policy))
		return fail(p, "it has no \"policy\" object");
	if (string_field(p, policy, "policy-type", false, &type) < 0)
		return -1;
	if (strcmp(type, "sts") == 0)
		pol->type = TLSRPT_POLICY_STS;
	else if (strcmp(type, "tlsa") == 0)
		pol->type = TLSRPT_POLICY_TLSA;
	else if (strcmp(type, "no-policy-found") == 0)
		pol->type = TLSRPT_POLICY_NONE_FOUND;
	else
		return fail(p, "its policy-type '%.40s' is not sts, tlsa or no-policy-found", type);
	if (string_field(p, policy, "policy-domain", pol->type == TLSRPT_POLICY_NONE_FOUND,
	    &pol->domain) < 0)
		return -1;
	if (joined_field(p, policy, "policy-string", "; ", &pol->policy_string) < 0 ||
	    joined_field(p, policy, "mx-host", ", ", &pol->mx_host) < 0)
		return -1;
	pol->enforce = pol->type == TLSRPT_POLICY_STS &&
	    says_enforce(json_object_get(policy, "policy-string"));
	if (!json_is_object(summary))
		return fail(p, "it has no \"summary\" object");
	if (count_field(p, summary, "total-successful-session-count", "the summary",
	    &pol->successful_sessions) < 0 ||
	    count_field(p, summary, "total-failure-session-count", "the summary",
	    &pol->failed_sessions) < 0)
		return -1;
	if (failures == NULL || json_is_null(failures))
		return 0;
	if (!json_is_array(failures))
		return fail(p, "its \"failure-details\" is not a list");
	if (json_array_size(failures) > TLSRPT_DETAILS_MAX - *details)
		return fail(p, "the report has more than %d failure-details entries",
		    TLSRPT_DETAILS_MAX);
	*details += json_array_size(failures);
	pol->failure_count = json_array_size(failures);
	pol->failures = calloc(pol->failure_count + 1, sizeof(*pol->failures));
	if (pol->failures == NULL)
		return fail(p, "out of memory");
	json_array_foreach(failures, i, item)
		if (failure_entry(p, item, i + 1, &pol->failures[i]) < 0)
			return -1;
	return 0;
}

static int
report_fields(struct parse *p, json_t *root)
{
	struct tlsrpt_report *r = p->r;
	json_t *range = json_object_get(root, "date-range");
	json_t *policies = json_object_get(root, "policies"), *item;
	size_t i, details = 0;

	if (!json_is_object(root))
		return fail(p, "it is not a JSON object");
	if (string_field(p, root, "organization-name", false, &r->organization) < 0 ||
	    string_field(p, root, "report-id", false, &r->report_id) < 0 ||
	    string_field(p, root, "contact-info", true, &r->contact_info) < 0)
		return -1;
	if (!json_is_object(range))
		return fail(p, "it has no \"date-range\" object");
	if (date_field(p, range, "start-datetime", &r->start) < 0 ||
	    date_field(p, range, "end-datetime", &r->end) < 0)
		return -1;
	if (r->end < r->start)
		return fail(p, "its date-range ends before it starts");
	if (!json_is_array(policies))
		return fail(p, "it has no \"policies\" list");
	if (json_array_size(policies) > TLSRPT_POLICIES_MAX)
		return fail(p, "it has %zu policies, more than the %d read", json_array_size(policies),
		    TLSRPT_POLICIES_MAX);
	r->policy_count = json_array_size(policies);
	r->policies = calloc(r->policy_count + 1, sizeof(*r->policies));
	if (r->policies == NULL)
		return fail(p, "out of memory");
	json_array_foreach(policies, i, item) {
		snprintf(p->where, sizeof(p->where), "policy %zu: ", i + 1);
		if (policy_entry(p, item, &r->policies[i], &details) < 0)
			return -1;
	}
	p->where[0] = '\0';
	return 0;
}

/*
 * jansson allocates every value (an empty object costs it some 200 bytes),
 * so 16 MiB of "{}," would take a gigabyte: the values are counted first,
 * in one pass over the bytes (',', '{' and '[' outside strings).
 */
static size_t
count_values(const unsigned char *json, size_t len)
{
	size_t values = 1;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = json[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"')
			in_string = true;
		else if (c == ',' || c == '{' || c == '[')
			values++;
	}
	return values;
}

struct tlsrpt_report *
tlsrpt_report_parse(const unsigned char *json, size_t len, char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	json_error_t jerr;

	if (len > TLSRPT_REPORT_MAX) {
		snprintf(err, errlen, "it is larger than %u MiB", TLSRPT_REPORT_MAX >> 20);
		return NULL;
	}
	if (count_values(json, len) > TLSRPT_VALUES_MAX) {
		snprintf(err, errlen, "it holds more than %d JSON values", TLSRPT_VALUES_MAX);
		return NULL;
	}
	p.r = calloc(1, sizeof(*p.r));
	p.in = calloc(1, sizeof(*p.in));
	if (p.r == NULL || p.in == NULL) {
		free(p.r);
		free(p.in);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p.r->internal = p.in;
	/* jansson bounds the nesting (2048 levels), rejects \u0000 and bad UTF-8. */
	p.in->root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (p.in->root == NULL) {
		snprintf(err, errlen, "it is not JSON: %s (line %d)", jerr.text, jerr.line);
		tlsrpt_report_free(p.r);
		return NULL;
	}
	if (report_fields(&p, p.in->root) < 0) {
		tlsrpt_report_free(p.r);
		return NULL;
	}
	return p.r;
}

void
tlsrpt_report_free(struct tlsrpt_report *r)
{
	struct internal *in;

	if (r == NULL)
		return;
	in = r->internal;
	for (size_t i = 0; i < r->policy_count; i++)
		free(r->policies[i].failures);
	free(r->policies);
	for (size_t i = 0; i < in->n; i++)
		free(in->joined[i]);
	free(in->joined);
	json_decref(in->root);
	free(in);
	free(r);
}

/* --- the tally ---------------------------------------------------------------- */

/* A report counted: its organisation and report-id, and their hash to compare first. */
struct seen_report {
	uint64_t hash;
	const char *organization;
	const char *report_id;
};

struct tlsrpt_tally {
	time_t from, to, latest_end;
	char **domains;
	size_t domain_count;
	size_t reports, dropped;
	size_t group_count, row_count;
	struct tlsrpt_group *groups;
	struct tlsrpt_row *rows;
	char **strings;		/* every copy the tally made, to free */
	size_t string_count, string_cap;
	struct seen_report *seen;	/* organisation and report-id of each report counted */
	size_t seen_count, seen_cap;
};

/* A copy owned by T, or NULL when out of memory. */
static const char *
keep(struct tlsrpt_tally *t, const char *s)
{
	char *copy;

	if (t->string_count == t->string_cap) {
		size_t cap = t->string_cap ? t->string_cap * 2 : 64;
		char **grown = realloc(t->strings, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		t->strings = grown;
		t->string_cap = cap;
	}
	if ((copy = strdup(s)) == NULL)
		return NULL;
	t->strings[t->string_count++] = copy;
	return copy;
}

struct tlsrpt_tally *
tlsrpt_tally_new(time_t from, time_t to, const char *const *domains, size_t n)
{
	struct tlsrpt_tally *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->from = from;
	t->to = to;
	t->groups = calloc(TLSRPT_TALLY_MAX, sizeof(*t->groups));
	t->rows = calloc(TLSRPT_TALLY_MAX, sizeof(*t->rows));
	t->domains = calloc(n + 1, sizeof(*t->domains));
	if (t->groups == NULL || t->rows == NULL || t->domains == NULL) {
		tlsrpt_tally_free(t);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(domains[i]);

		if ((t->domains[i] = strdup(domains[i])) == NULL) {
			tlsrpt_tally_free(t);
			return NULL;
		}
		if (len > 1 && t->domains[i][len - 1] == '.')	/* "example.com." */
			t->domains[i][len - 1] = '\0';
		t->domain_count++;
	}
	return t;
}

static bool
domain_wanted(const struct tlsrpt_tally *t, const char *domain)
{
	size_t len;

	if (t->domain_count == 0)
		return true;
	if (domain == NULL)
		return false;
	len = strlen(domain);
	if (len > 1 && domain[len - 1] == '.')
		len--;
	for (size_t i = 0; i < t->domain_count; i++)
		if (strlen(t->domains[i]) == len && strncasecmp(t->domains[i], domain, len) == 0)
			return true;
	return false;
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Keeps ID among IDS (once); 0, or -1 when out of memory. */
static int
note_id(struct tlsrpt_tally *t, const char **ids, size_t *count, const char *id)
{
	size_t kept = *count < TLSRPT_IDS_MAX ? *count : TLSRPT_IDS_MAX;

	for (size_t i = 0; i < kept; i++)
		if (strcmp(ids[i], id) == 0)
			return 0;
	if (*count < TLSRPT_IDS_MAX && (ids[*count] = keep(t, id)) == NULL)
		return -1;
	(*count)++;
	return 0;
}

/* The group's index, made when new; SIZE_MAX when full (or out of memory: *OOM). */
static size_t
group_for(struct tlsrpt_tally *t, const struct tlsrpt_report *r, const struct tlsrpt_policy *p,
    bool *oom)
{
	const char *domain = p->domain != NULL ? p->domain : "";
	struct tlsrpt_group *g;

	for (size_t i = 0; i < t->group_count; i++) {
		g = &t->groups[i];
		if (g->type == p->type && strcasecmp(g->domain, domain) == 0 &&
		    strcmp(g->organization, r->organization) == 0)
			return i;
	}
	if (t->group_count == TLSRPT_TALLY_MAX)
		return SIZE_MAX;
	g = &t->groups[t->group_count];
	g->type = p->type;
	if ((g->domain = keep(t, domain)) == NULL ||
	    (g->organization = keep(t, r->organization)) == NULL) {
		*oom = true;
		return SIZE_MAX;
	}
	return t->group_count++;
}

static struct tlsrpt_row *
row_for(struct tlsrpt_tally *t, size_t group, const char *mx, const char *result, bool known,
    bool *oom)
{
	struct tlsrpt_row *row;

	for (size_t i = 0; i < t->row_count; i++) {
		row = &t->rows[i];
		if (row->group == group && strcasecmp(row->mx, mx) == 0 &&
		    strcmp(row->result_type, result) == 0)
			return row;
	}
	if (t->row_count == TLSRPT_TALLY_MAX)
		return NULL;
	row = &t->rows[t->row_count];
	row->group = group;
	row->known = known;
	if ((row->mx = keep(t, mx)) == NULL || (row->result_type = keep(t, result)) == NULL) {
		*oom = true;
		return NULL;
	}
	t->row_count++;
	return row;
}

static int
add_failures(struct tlsrpt_tally *t, const struct tlsrpt_report *r,
    const struct tlsrpt_policy *p, size_t group)
{
	uint64_t detailed = 0;
	bool oom = false;

	for (size_t i = 0; i <= p->failure_count; i++) {
		const struct tlsrpt_failure *f = i < p->failure_count ? &p->failures[i] : NULL;
		const char *mx = "", *result = "unspecified";
		uint64_t n;
		struct tlsrpt_row *row;

		if (f != NULL) {
			mx = f->receiving_mx_hostname != NULL ? f->receiving_mx_hostname :
			    f->receiving_ip != NULL ? f->receiving_ip : "";
			result = f->result_type;
			n = f->failed_sessions;
			detailed = add_sat(detailed, n);
		} else if (p->failed_sessions > detailed) {
			n = p->failed_sessions - detailed;	/* counted without details */
		} else
			break;
		if (n == 0)
			continue;
		if ((row = row_for(t, group, mx, result, f == NULL || f->known, &oom)) == NULL) {
			if (oom)
				return -1;
			t->dropped++;
			continue;
		}
		row->failures = add_sat(row->failures, n);
		if (note_id(t, row->report_ids, &row->report_count, r->report_id) < 0)
			return -1;
	}
	return 0;
}

/* FNV-1a over the organisation, a separator and the report-id. */
static uint64_t
report_hash(const char *organization, const char *report_id)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *s = organization; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *s = report_id; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * RFC 8460 makes report-id unique per report: the same one twice (a sender
 * that retried, a report sent both gzipped and plain, a copy in two
 * folders) is one report. 1 when R was counted already, 0 when it is noted
 * now, -1 out of memory.
 */
static int
seen_before(struct tlsrpt_tally *t, const struct tlsrpt_report *r)
{
	const char *org = r->organization != NULL ? r->organization : "";
	const char *id = r->report_id != NULL ? r->report_id : "";
	uint64_t hash = report_hash(org, id);
	struct seen_report *e;

	for (size_t i = 0; i < t->seen_count; i++) {
		e = &t->seen[i];
		if (e->hash == hash && strcmp(e->organization, org) == 0 &&
		    strcmp(e->report_id, id) == 0)
			return 1;
	}
	if (t->seen_count == t->seen_cap) {
		size_t cap = t->seen_cap ? t->seen_cap * 2 : 64;
		struct seen_report *grown = realloc(t->seen, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		t->seen = grown;
		t->seen_cap = cap;
	}
	e = &t->seen[t->seen_count];
	if ((e->organization = keep(t, org)) == NULL || (e->report_id = keep(t, id)) == NULL)
		return -1;
	e->hash = hash;
	t->seen_count++;
	return 0;
}

int
tlsrpt_tally_add(struct tlsrpt_tally *t, const struct tlsrpt_report *r)
{
	int seen;
	bool wanted = false;

	for (size_t i = 0; i < r->policy_count && !wanted; i++)
		wanted = domain_wanted(t, r->policies[i].domain);
	/* A date in the future (forged, or a broken clock) must not hide a silence. */
	if (wanted && r->end <= t->to && r->end > t->latest_end)
		t->latest_end = r->end;
	if (r->end < t->from || r->end > t->to)
		return 0;
	if ((seen = seen_before(t, r)) != 0)
		return seen < 0 ? -1 : 2;
	t->reports++;
	for (size_t i = 0; i < r->policy_count; i++) {
		const struct tlsrpt_policy *p = &r->policies[i];
		struct tlsrpt_group *g;
		bool oom = false;
		size_t gi;

		if (!domain_wanted(t, p->domain))
			continue;
		if ((gi = group_for(t, r, p, &oom)) == SIZE_MAX) {
			if (oom)
				return -1;
			t->dropped++;
			continue;
		}
		g = &t->groups[gi];
		g->enforce |= p->enforce;
		g->sessions = add_sat(g->sessions, add_sat(p->successful_sessions,
		    p->failed_sessions));
		g->failures = add_sat(g->failures, p->failed_sessions);
		if (note_id(t, g->report_ids, &g->report_count, r->report_id) < 0 ||
		    add_failures(t, r, p, gi) < 0)
			return -1;
	}
	return 1;
}

size_t
tlsrpt_tally_group_count(const struct tlsrpt_tally *t)
{
	return t->group_count;
}

const struct tlsrpt_group *
tlsrpt_tally_group(const struct tlsrpt_tally *t, size_t i)
{
	return &t->groups[i];
}

size_t
tlsrpt_tally_row_count(const struct tlsrpt_tally *t)
{
	return t->row_count;
}

const struct tlsrpt_row *
tlsrpt_tally_row(const struct tlsrpt_tally *t, size_t i)
{
	return &t->rows[i];
}

size_t
tlsrpt_tally_reports(const struct tlsrpt_tally *t)
{
	return t->reports;
}

size_t
tlsrpt_tally_dropped(const struct tlsrpt_tally *t)
{
	return t->dropped;
}

time_t
tlsrpt_tally_latest_end(const struct tlsrpt_tally *t)
{
	return t->latest_end;
}

void
tlsrpt_tally_free(struct tlsrpt_tally *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->domain_count; i++)
		free(t->domains[i]);
	free(t->domains);
	for (size_t i = 0; i < t->string_count; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->groups);
	free(t->rows);
	free(t->seen);
	free(t);
}
