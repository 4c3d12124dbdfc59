/*
 * mtasts_fuzz - feeds the input to every parser of lib/probe/mtasts.c: whole, as
 * an MTA-STS record, a TLS-RPT record and a policy file (exactly SIZE
 * bytes, no terminator); split at '\n' into TXT records for the two select
 * functions; its first two lines to mtasts_mx_matches(). Checks what a
 * success promises (an id of 1-32 letters and digits taken from the input;
 * 1-64 valid mx patterns unless mode none, each matching itself with its
 * '*' replaced by a label; mailto:/https: URIs) against checks written
 * apart from the library, that select agrees with a count of versioned
 * records, and that every failure leaves one printable sentence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"
#include "tlsrpt_record.h"

#define MAX_RECORDS 16

/* A sentence: non-empty, terminated, printable ASCII, starting with PREFIX. */
static void
check_sentence(const char *s, size_t size, const char *prefix)
{
	size_t n = strnlen(s, size);

	if (n == 0 || n == size)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();	/* input is quoted with '?' for such bytes */
	if (prefix != NULL && strncmp(s, prefix, strlen(prefix)) != 0)
		abort();
}

static void
check_warning(const char *w, const char *prefix)
{
	if (w[0] != '\0')
		check_sentence(w, MTASTS_WARNING_MAX, prefix);
}

static bool
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ["*."] LDH labels of 1-63, 253 in all, no trailing dot: written apart from the library. */
static bool
valid_pattern(const char *p)
{
	size_t len = strlen(p);
	const char *label = p;

	if (len == 0 || len > MTASTS_NAME_MAX)
		return false;
	if (strncmp(p, "*.", 2) == 0)
		label = p + 2;
	for (;;) {
		size_t n = strcspn(label, ".");
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!alnum(label[i]) && label[i] != '-')
				return false;
		if (label[n] == '\0')
			return true;
		label += n + 1;
	}
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* The pattern against hosts it must and must not match. */
static void
check_pattern_matches(const struct mtasts_policy *p, const char *pattern)
{
	char host[MTASTS_NAME_MAX + 16], other[MTASTS_NAME_MAX + 16];
	bool wildcard = pattern[0] == '*';

	strcpy(host, wildcard ? "mx0" : "");
	strcat(host, wildcard ? pattern + 1 : pattern);
	if (!mtasts_mx_matches(pattern, host) || mtasts_policy_match(p, host) == NULL)
		abort();
	strcat(host, ".");
	if (!mtasts_mx_matches(pattern, host))
		abort();	/* a trailing dot is ignored */
	upper(host);
	if (!mtasts_mx_matches(pattern, host))
		abort();	/* and case */
	if (!wildcard) {
		strcpy(other, "x");
		strcat(other, host);
		if (mtasts_mx_matches(pattern, other))
			abort();	/* a longer first label is another name */
		return;
	}
	strcpy(other, "a.");
	strcat(other, host);
	if (mtasts_mx_matches(pattern, other) || mtasts_mx_matches(pattern, pattern + 2))
		abort();	/* exactly one label, not two or none */
}

static void
check_policy(const uint8_t *data, size_t size)
{
	struct mtasts_policy p;
	char err[512];
	unsigned prev = 0;

	if (mtasts_policy_parse((const char *)data, size, &p, err, sizeof(err)) < 0) {
		check_sentence(err, sizeof(err), "policy");
		return;
	}
	if (size == 0 || size > MTASTS_POLICY_MAX || memmem(data, size, "STSv1", 5) == NULL)
		abort();
	if (p.mode != MTASTS_MODE_ENFORCE && p.mode != MTASTS_MODE_TESTING &&
	    p.mode != MTASTS_MODE_NONE)
		abort();
	if (p.max_age < 0 || p.max_age > MTASTS_MAX_AGE_MAX || p.mx_count > MTASTS_MX_MAX)
		abort();
	if (p.mx_count == 0 && p.mode != MTASTS_MODE_NONE)
		abort();
	check_warning(p.warning, "policy line ");
	for (size_t i = 0; i < p.mx_count; i++) {
		const char *pattern = p.mx[i].pattern;
		if (strnlen(pattern, sizeof(p.mx[i].pattern)) == sizeof(p.mx[i].pattern) ||
		    !valid_pattern(pattern) || memmem(data, size, pattern, strlen(pattern)) == NULL)
			abort();
		if (p.mx[i].line <= prev)
			abort();	/* one mx a line, in order */
		prev = p.mx[i].line;
		check_pattern_matches(&p, pattern);
	}
}

static void
check_sts_record(const uint8_t *data, size_t size, struct mtasts_record *r, int *rc)
{
	char err[512], needle[MTASTS_ID_MAX + 4];
	size_t n;

	*rc = mtasts_record_parse((const char *)data, size, r, err, sizeof(err));
	if (*rc < 0) {
		check_sentence(err, sizeof(err), "MTA-STS record");
		return;
	}
	n = strnlen(r->id, sizeof(r->id));
	if (n == 0 || n > MTASTS_ID_MAX || size < 7 || memcmp(data, "v=STSv1", 7) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!alnum(r->id[i]))
			abort();
	strcpy(needle, "id=");
	strcat(needle, r->id);
	if (memmem(data, size, needle, strlen(needle)) == NULL)
		abort();
	check_warning(r->warning, "MTA-STS record field ");
}

static bool
uri_char(char c)
{
	return alnum(c) || (c != '\0' && strchr("-._~:/?#[]@$&'()*+=%", c) != NULL);
}

static void
check_tlsrpt_record(const uint8_t *data, size_t size, struct tlsrpt_record *r, int *rc)
{
	char err[512];

	*rc = tlsrpt_record_parse((const char *)data, size, r, err, sizeof(err));
	if (*rc < 0) {
		check_sentence(err, sizeof(err), "TLS-RPT record");
		return;
	}
	if (r->rua_count == 0 || r->rua_count > TLSRPT_RUA_MAX)
		abort();
	for (size_t i = 0; i < r->rua_count; i++) {
		const char *uri = r->rua[i];
		size_t n = strnlen(uri, sizeof(r->rua[i]));
		const char *rest = strchr(uri, ':');

		if (n == 0 || n > TLSRPT_URI_MAX)
			abort();
		if (strncmp(uri, "mailto:", 7) != 0 && strncmp(uri, "https://", 8) != 0)
			abort();
		for (size_t j = 0; j < n; j++)
			if (!uri_char(uri[j]))
				abort();	/* no ',', ';', '!', white space */
		if (memmem(data, size, rest, strlen(rest)) == NULL)
			abort();	/* all but the scheme's case as written */
	}
	check_warning(r->warning, "TLS-RPT record field ");
}

/* Splits the input at '\n' into at most MAX_RECORDS TXT records. */
static size_t
split_records(const uint8_t *data, size_t size, struct mtasts_txt *records)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= size && n < MAX_RECORDS; i++) {
		if (i == size || data[i] == '\n') {
			records[n].text = (const char *)data + start;
			records[n].len = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static size_t
count_versioned(const struct mtasts_txt *records, size_t n, const char *version, size_t *last)
{
	size_t found = 0, vlen = strlen(version);

	for (size_t i = 0; i < n; i++) {
		const char *t = records[i].text;
		size_t len = records[i].len;
		if (len >= vlen && memcmp(t, version, vlen) == 0 &&
		    (len == vlen || t[vlen] == ';' || t[vlen] == ' ' || t[vlen] == '\t')) {
			found++;
			*last = i;
		}
	}
	return found;
}

static enum mtasts_select
expected_selection(size_t found, int parse_rc)
{
	if (found == 0)
		return MTASTS_SELECT_NONE;
	return found == 1 && parse_rc == 0 ? MTASTS_SELECT_ONE : MTASTS_SELECT_INVALID;
}

static void
check_selection(const uint8_t *data, size_t size)
{
	struct mtasts_txt records[MAX_RECORDS];
	size_t n = split_records(data, size, records), last = 0, found;
	struct mtasts_record sts, sts_alone;
	struct tlsrpt_record rpt, rpt_alone;
	enum mtasts_select got;
	char err[512];
	int rc = -1;

	found = count_versioned(records, n, "v=STSv1", &last);
	if (found == 1)
		rc = mtasts_record_parse(records[last].text, records[last].len, &sts_alone, NULL, 0);
	got = mtasts_record_select(records, n, &sts, err, sizeof(err));
	if (got != expected_selection(found, rc))
		abort();
	if (got == MTASTS_SELECT_ONE && strcmp(sts.id, sts_alone.id) != 0)
		abort();
	if (got != MTASTS_SELECT_ONE)
		check_sentence(err, sizeof(err), NULL);

	rc = -1;
	found = count_versioned(records, n, "v=TLSRPTv1", &last);
	if (found == 1)
		rc = tlsrpt_record_parse(records[last].text, records[last].len, &rpt_alone, NULL, 0);
	got = tlsrpt_record_select(records, n, &rpt, err, sizeof(err));
	if (got != expected_selection(found, rc))
		abort();
	if (got == MTASTS_SELECT_ONE && (rpt.rua_count != rpt_alone.rua_count ||
	    strcmp(rpt.rua[0], rpt_alone.rua[0]) != 0))
		abort();
	if (got != MTASTS_SELECT_ONE)
		check_sentence(err, sizeof(err), NULL);
}

/* Lines 1 and 2 (up to a NUL) as pattern and host: properties of any pair. */
static void
check_matching(const uint8_t *data, size_t size)
{
	char pattern[300], host[300], variant[302];
	size_t n = 0, m = 0, i = 0;
	bool match;

	for (; i < size && data[i] != '\n' && n < sizeof(pattern) - 1; i++)
		pattern[n++] = (char)data[i];
	pattern[n] = '\0';
	for (i++; i < size && data[i] != '\n' && m < sizeof(host) - 1; i++)
		host[m++] = (char)data[i];
	host[m] = '\0';
	match = mtasts_mx_matches(pattern, host);
	strcpy(variant, host);
	upper(variant);
	if (mtasts_mx_matches(pattern, variant) != match)
		abort();	/* case never matters */
	if (m > 0 && host[m - 1] != '.' && strlen(host) == m) {
		strcpy(variant, host);
		strcat(variant, ".");
		if (mtasts_mx_matches(pattern, variant) != match)
			abort();	/* nor one trailing dot */
	}
	if (pattern[0] != '*' && host[0] != '*' && mtasts_mx_matches(host, pattern) != match)
		abort();	/* without wildcards, matching is equality */
}

/* The outcome must not depend on the room for the sentence. */
static void
check_small_buffers(const uint8_t *data, size_t size, int sts_rc, int rpt_rc)
{
	struct mtasts_record r;
	struct tlsrpt_record t;
	struct mtasts_policy *p = malloc(sizeof(*p));
	char tiny[8];
	int policy_rc;

	if (p == NULL)
		return;
	policy_rc = mtasts_policy_parse((const char *)data, size, p, NULL, 0);
	if (mtasts_policy_parse((const char *)data, size, p, tiny, sizeof(tiny)) != policy_rc)
		abort();
	if (policy_rc < 0 && strnlen(tiny, sizeof(tiny)) != sizeof(tiny) - 1)
		abort();	/* cut, terminated */
	if (mtasts_record_parse((const char *)data, size, &r, tiny, sizeof(tiny)) != sts_rc ||
	    mtasts_record_parse((const char *)data, size, &r, NULL, 0) != sts_rc)
		abort();
	if (tlsrpt_record_parse((const char *)data, size, &t, tiny, sizeof(tiny)) != rpt_rc ||
	    tlsrpt_record_parse((const char *)data, size, &t, NULL, 0) != rpt_rc)
		abort();
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers get exactly SIZE bytes of a buffer with no terminator. */
	uint8_t *exact = malloc(size ? size : 1);
	struct mtasts_record sts;
	struct tlsrpt_record rpt;
	int sts_rc, rpt_rc;

	if (exact == NULL)
		return 0;
	memcpy(exact, data, size);
	check_sts_record(exact, size, &sts, &sts_rc);
	check_tlsrpt_record(exact, size, &rpt, &rpt_rc);
	check_policy(exact, size);
	check_selection(exact, size);
	check_matching(exact, size);
	check_small_buffers(exact, size, sts_rc, rpt_rc);
	if (memcmp(exact, data, size) != 0)
		abort();	/* the input is const */
	free(exact);
	return 0;
}
