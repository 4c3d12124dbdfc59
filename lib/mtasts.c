/*
 * mtasts.c - strict parsers for what a domain publishes for MTA-STS (the
 * _mta-sts TXT record and the policy file, RFC 8461) and for SMTP TLS
 * Reporting (the _smtp._tls TXT record, RFC 8460), and the MX pattern match
 * of RFC 8461 4.1. The grammar is the RFCs' ABNF, read byte by byte over a
 * pointer and a length: ASCII rules whatever the locale, nothing allocated,
 * every count bounded. See mtasts.h for what each function returns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mtasts.h"

#define EXCERPT_MAX 40		/* bytes of input quoted in a sentence */
#define FIELD_NAME_MAX 32	/* RFC 8461/8460: a letter or digit and up to 31 more */

/* --- characters, sentences ---------------------------------------------- */

static bool is_wsp(char c) { return c == ' ' || c == '\t'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static char to_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool
is_hex(char c)
{
	return is_digit(c) || (to_lower(c) >= 'a' && to_lower(c) <= 'f');
}

/* A control character in the RFC 5234 sense, tab included. */
static bool
is_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

static bool
same_ci(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return false;
	return true;
}

static bool
same(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

static size_t
skip_wsp(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_wsp(s[pos]))
		pos++;
	return pos;
}

/* Room for EXCERPT_MAX bytes, "..." and the NUL. */
struct excerpt {
	char s[EXCERPT_MAX + 4];
};

/*
 * Input as it may appear in a sentence: at most EXCERPT_MAX bytes, each
 * byte outside printable ASCII shown as '?', a cut marked with "...".
 */
static const char *
quote(struct excerpt *q, const char *s, size_t len)
{
	size_t n = len > EXCERPT_MAX ? EXCERPT_MAX : len, i;

	for (i = 0; i < n; i++)
		q->s[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	if (len > n) {
		memcpy(q->s + i, "...", 3);
		i += 3;
	}
	q->s[i] = '\0';
	return q->s;
}

/* "a space", "'!'" or "byte 0x00": one byte named in a sentence. */
static const char *
name_byte(char buf[16], char c)
{
	if (c == ' ')
		return "a space";
	if (c == '\t')
		return "a tab";
	if ((unsigned char)c > 0x20 && (unsigned char)c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02X", (unsigned)(unsigned char)c);
	return buf;
}

__attribute__((format(printf, 3, 4)))
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Keeps the first warning only: the one a reader fixes first. */
__attribute__((format(printf, 2, 3)))
static void
warn(char warning[MTASTS_WARNING_MAX], const char *fmt, ...)
{
	va_list ap;

	if (warning[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(warning, MTASTS_WARNING_MAX, fmt, ap);
	va_end(ap);
}

/* --- shared syntax -------------------------------------------------------- */

/* (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."): field names everywhere. */
static bool
valid_field_name(const char *s, size_t len)
{
	if (len == 0 || len > FIELD_NAME_MAX || !is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/*
 * RFC 5321 Domain: dot-separated labels of 1 to 63 letters, digits and
 * inner hyphens, MTASTS_NAME_MAX in all, no trailing dot.
 */
static bool
valid_domain(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > MTASTS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_alnum(s[i]) || (s[i] == '-' && label > 0))
			label++;
		else
			return false;
	}
	return true;
}

/* Why S is not an mx pattern (["*."] Domain), or NULL when it is one. */
static const char *
mx_pattern_problem(const char *s, size_t len)
{
	bool wildcard = len >= 2 && s[0] == '*' && s[1] == '.';

	if (len > MTASTS_NAME_MAX)
		return "is longer than 253 characters";
	if (len > 0 && s[len - 1] == '.')
		return "ends in a dot (patterns are written without one)";
	if (memchr(wildcard ? s + 1 : s, '*', wildcard ? len - 1 : len) != NULL)
		return "has a '*' that is not the whole leftmost label";
	if (!valid_domain(wildcard ? s + 2 : s, wildcard ? len - 2 : len))
		return "is not a host name or a *.domain pattern";
	return NULL;
}

/* --- TXT records: "v=VERSION; name=value; ..." ---------------------------- */

struct txt_cursor {
	const char *kind;	/* "MTA-STS" or "TLS-RPT", for sentences */
	const char *s;
	size_t len;
	size_t pos;		/* after the last field (or the version) */
	unsigned field;		/* the number of the last field; the version is 1 */
};

struct txt_field {
	const char *name, *value;
	size_t name_len, value_len;
	unsigned number;
};

/* VERSION ("v=STSv1") followed by ';', white space or the record's end. */
static bool
starts_with_version(const char *text, size_t len, const char *version)
{
	size_t n = strlen(version);

	return len >= n && memcmp(text, version, n) == 0 &&
	    (len == n || text[n] == ';' || is_wsp(text[n]));
}

static int
txt_start(struct txt_cursor *c, const char *kind, const char *version,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct excerpt q;

	c->kind = kind;
	c->s = text;
	c->len = len;
	c->pos = strlen(version);
	c->field = 1;
	if (!starts_with_version(text, len, version))
		return fail(err, errlen, "%s record '%s' does not start with %s", kind,
		    quote(&q, text, len), version);
	return 0;
}

/* Splits "name=value" (white space trimmed off) into F. */
static int
txt_name_value(const struct txt_cursor *c, const char *s, size_t len,
    struct txt_field *f, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len);
	struct excerpt q;

	f->number = c->field;
	if (eq == NULL)
		return fail(err, errlen, "%s record field %u: '%s' is not name=value",
		    c->kind, c->field, quote(&q, s, len));
	f->name = s;
	f->name_len = (size_t)(eq - s);
	f->value = eq + 1;
	f->value_len = len - f->name_len - 1;
	if (!valid_field_name(f->name, f->name_len))
		return fail(err, errlen, "%s record field %u: '%s' is not a field name "
		    "(a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
		    c->kind, c->field, quote(&q, f->name, f->name_len));
	if (f->value_len == 0)
		return fail(err, errlen, "%s record field %u: '%s' has no value",
		    c->kind, c->field, quote(&q, s, len));
	return 0;
}

/*
 * Reads the field after C->pos: *WSP ";" *WSP then up to the next ';'.
 * Returns 1 with F set, 0 at the end of the record, -1 with a sentence.
 */
static int
txt_next_field(struct txt_cursor *c, struct txt_field *f, char *err, size_t errlen)
{
	size_t p = skip_wsp(c->s, c->len, c->pos), start, end;
	const char *semicolon;
	struct excerpt q;

	if (p == c->len && p > c->pos)
		return fail(err, errlen, "%s record: white space at its end "
		    "(allowed only after a ';')", c->kind);
	if (p == c->len)
		return 0;
	if (c->s[p] != ';')	/* only after the version: a field runs up to a ';' */
		return fail(err, errlen, "%s record: no ';' between the version and '%s'",
		    c->kind, quote(&q, c->s + p, c->len - p));
	start = skip_wsp(c->s, c->len, p + 1);
	if (start == c->len) {	/* a trailing ';' */
		c->pos = start;
		return 0;
	}
	c->field++;
	if (c->s[start] == ';')
		return fail(err, errlen, "%s record field %u is empty (two ';' in a row)",
		    c->kind, c->field);
	semicolon = memchr(c->s + start, ';', c->len - start);
	end = semicolon != NULL ? (size_t)(semicolon - c->s) : c->len;
	while (is_wsp(c->s[end - 1]))
		end--;
	c->pos = end;
	if (txt_name_value(c, c->s + start, end - start, f, err, errlen) < 0)
		return -1;
	return 1;
}

/* 1*(%x21-3A / %x3C / %x3E-7E): no '=', ';', space or control character. */
static bool
valid_txt_ext_value(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e || c == '=' || c == ';')
			return false;
	}
	return len > 0;
}

static int
txt_extension(const struct txt_cursor *c, const struct txt_field *f, char *err,
    size_t errlen)
{
	struct excerpt q, v;

	if (valid_txt_ext_value(f->value, f->value_len))
		return 0;
	return fail(err, errlen, "%s record field %u: the value '%s' of '%s' holds a "
	    "character an extension value may not have ('=', a space, a control or "
	    "non-ASCII byte)", c->kind, f->number, quote(&v, f->value, f->value_len),
	    quote(&q, f->name, f->name_len));
}

/* The records among N that start with VERSION: exactly one is wanted. */
static enum mtasts_select
find_versioned(const struct mtasts_txt *records, size_t n, const char *kind,
    const char *version, size_t *index, char *err, size_t errlen)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		if (starts_with_version(records[i].text, records[i].len, version)) {
			if (found++ == 0)
				*index = i;
		}
	}
	if (found == 1)
		return MTASTS_SELECT_ONE;
	if (found > 1) {
		fail(err, errlen, "%zu of the %zu TXT records start with %s; senders "
		    "need exactly one and ignore them all", found, n, version);
		return MTASTS_SELECT_INVALID;
	}
	if (n == 0)
		fail(err, errlen, "no %s record: the name has no TXT record", kind);
	else
		fail(err, errlen, "no %s record: none of the %zu TXT records starts with %s",
		    kind, n, version);
	return MTASTS_SELECT_NONE;
}

/* --- the MTA-STS record ------------------------------------------------------ */

static int
sts_id(struct mtasts_record *out, const struct txt_field *f, char *err, size_t errlen)
{
	struct excerpt q;
	bool valid = f->value_len <= MTASTS_ID_MAX;

	for (size_t i = 0; valid && i < f->value_len; i++)
		valid = is_alnum(f->value[i]);
	if (!valid)
		return fail(err, errlen, "MTA-STS record field %u: id '%s' is not 1 to %d "
		    "letters and digits", f->number, quote(&q, f->value, f->value_len),
		    MTASTS_ID_MAX);
	if (out->id[0] != '\0') {
		warn(out->warning, "MTA-STS record field %u: a second id ('%s') is ignored; "
		    "senders use the first ('%s')", f->number, quote(&q, f->value,
		    f->value_len), out->id);
		return 0;
	}
	memcpy(out->id, f->value, f->value_len);
	out->id[f->value_len] = '\0';
	return 0;
}

static int
sts_field(const struct txt_cursor *c, struct mtasts_record *out,
    const struct txt_field *f, char *err, size_t errlen)
{
	if (same(f->name, f->name_len, "id"))
		return sts_id(out, f, err, errlen);
	if (txt_extension(c, f, err, errlen) < 0)
		return -1;
	if (same(f->name, f->name_len, "v"))
		warn(out->warning, "MTA-STS record field %u: a second v= field is ignored",
		    f->number);
	return 0;
}

int
mtasts_record_parse(const char *text, size_t len, struct mtasts_record *out,
    char *err, size_t errlen)
{
	struct txt_cursor c;
	struct txt_field f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (txt_start(&c, "MTA-STS", "v=STSv1", text, len, err, errlen) < 0)
		return -1;
	while ((rc = txt_next_field(&c, &f, err, errlen)) > 0)
		if (sts_field(&c, out, &f, err, errlen) < 0)
			return -1;
	if (rc < 0)
		return -1;
	if (out->id[0] == '\0')
		return fail(err, errlen, "MTA-STS record: no id field");
	return 0;
}

enum mtasts_select
mtasts_record_select(const struct mtasts_txt *records, size_t n,
    struct mtasts_record *out, char *err, size_t errlen)
{
	size_t i = 0;
	enum mtasts_select found;

	memset(out, 0, sizeof(*out));
	found = find_versioned(records, n, "MTA-STS", "v=STSv1", &i, err, errlen);
	if (found != MTASTS_SELECT_ONE)
		return found;
	if (mtasts_record_parse(records[i].text, records[i].len, out, err, errlen) < 0)
		return MTASTS_SELECT_INVALID;
	return MTASTS_SELECT_ONE;
}

/* --- the policy file --------------------------------------------------------- */

enum policy_key { KEY_VERSION, KEY_MODE, KEY_MAX_AGE, KEY_MX, KEY_OTHER };

static const char *const policy_key_names[] = { "version", "mode", "max_age", "mx" };

struct policy_parse {
	struct mtasts_policy *out;
	unsigned line;
	unsigned seen[KEY_OTHER];	/* the line a field was first set on, or 0 */
	struct {
		unsigned line;		/* first line naming the field in another case */
		char spelled[8];
	} case_miss[KEY_OTHER];
	char *err;
	size_t errlen;
};

/* Only the standard names, exactly: "Mode" is an extension field. */
static enum policy_key
policy_key(const char *name, size_t len)
{
	for (int k = KEY_VERSION; k < KEY_OTHER; k++)
		if (same(name, len, policy_key_names[k]))
			return (enum policy_key)k;
	return KEY_OTHER;
}

/* Remembers "Mode" and the like, to explain a missing "mode" later. */
static void
note_case_miss(struct policy_parse *pp, const char *name, size_t len)
{
	for (int k = KEY_VERSION; k < KEY_OTHER; k++) {
		const char *want = policy_key_names[k];
		if (same_ci(name, len, want, strlen(want)) && pp->case_miss[k].line == 0) {
			pp->case_miss[k].line = pp->line;
			memcpy(pp->case_miss[k].spelled, name, len);
			pp->case_miss[k].spelled[len] = '\0';
		}
	}
}

static int
policy_version(struct policy_parse *pp, const char *value, size_t len)
{
	struct excerpt q;

	if (!same(value, len, "STSv1"))
		return fail(pp->err, pp->errlen, "policy line %u: version '%s' is not STSv1",
		    pp->line, quote(&q, value, len));
	pp->seen[KEY_VERSION] = pp->line;
	return 0;
}

static int
policy_mode(struct policy_parse *pp, const char *value, size_t len)
{
	static const char *const modes[] = { "enforce", "testing", "none" };
	struct excerpt q;

	for (int m = MTASTS_MODE_ENFORCE; m <= MTASTS_MODE_NONE; m++) {
		if (same(value, len, modes[m])) {
			pp->out->mode = (enum mtasts_mode)m;
			pp->seen[KEY_MODE] = pp->line;
			return 0;
		}
	}
	for (int m = MTASTS_MODE_ENFORCE; m <= MTASTS_MODE_NONE; m++)
		if (same_ci(value, len, modes[m], strlen(modes[m])))
			return fail(pp->err, pp->errlen, "policy line %u: mode '%s' is not "
			    "enforce, testing or none (the values are case-sensitive)",
			    pp->line, quote(&q, value, len));
	return fail(pp->err, pp->errlen, "policy line %u: mode '%s' is not enforce, "
	    "testing or none", pp->line, quote(&q, value, len));
}

/* 1*10DIGIT, at most MTASTS_MAX_AGE_MAX. */
static int
policy_max_age(struct policy_parse *pp, const char *value, size_t len)
{
	long seconds = 0;
	bool valid = len <= 10;
	struct excerpt q;

	for (size_t i = 0; valid && i < len; i++) {
		valid = is_digit(value[i]);
		if (seconds <= MTASTS_MAX_AGE_MAX)	/* stops before any overflow */
			seconds = 10 * seconds + (value[i] - '0');
	}
	if (!valid || seconds > MTASTS_MAX_AGE_MAX)
		return fail(pp->err, pp->errlen, "policy line %u: max_age '%s' is not a "
		    "number from 0 to %ld", pp->line, quote(&q, value, len),
		    MTASTS_MAX_AGE_MAX);
	pp->out->max_age = seconds;
	pp->seen[KEY_MAX_AGE] = pp->line;
	return 0;
}

static int
policy_mx(struct policy_parse *pp, const char *value, size_t len)
{
	const char *problem = mx_pattern_problem(value, len);
	struct mtasts_mx *mx;
	struct excerpt q;

	if (problem != NULL)
		return fail(pp->err, pp->errlen, "policy line %u: mx '%s' %s", pp->line,
		    quote(&q, value, len), problem);
	if (pp->out->mx_count == MTASTS_MX_MAX)
		return fail(pp->err, pp->errlen, "policy line %u: more than %d mx lines",
		    pp->line, MTASTS_MX_MAX);
	mx = &pp->out->mx[pp->out->mx_count++];
	memcpy(mx->pattern, value, len);
	mx->pattern[len] = '\0';
	mx->line = pp->line;
	pp->seen[KEY_MX] = pp->seen[KEY_MX] ? pp->seen[KEY_MX] : pp->line;
	return 0;
}

/* The length of the valid UTF-8 sequence of 2 to 4 bytes at S (RFC 3629), or 0. */
static size_t
utf8_length(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* no overlong forms */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* nothing past U+10FFFF */
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* An extension's value: visible ASCII, spaces and UTF-8, no tab. Returns the bad byte's offset or LEN. */
static size_t
policy_ext_value_bad_byte(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const unsigned char *u = (const unsigned char *)value + i;
		size_t n;

		if (*u >= 0x20 && *u < 0x7f)
			continue;
		if ((n = utf8_length(u, len - i)) == 0)
			return i;
		i += n - 1;
	}
	return len;
}

/* An extension's value, or a repeated field's, read by the extension rule. */
static int
policy_ext_value(const struct policy_parse *pp, const char *name, size_t name_len,
    const char *value, size_t len, size_t column)
{
	size_t bad = policy_ext_value_bad_byte(value, len);
	struct excerpt q;
	char b[16];

	if (bad == len)
		return 0;
	if (value[bad] == '\t')
		return fail(pp->err, pp->errlen, "policy line %u: the value of '%s' holds a "
		    "tab at column %zu (only spaces may separate its words)", pp->line,
		    quote(&q, name, name_len), column + bad);
	return fail(pp->err, pp->errlen, "policy line %u: the value of '%s' holds %s at "
	    "column %zu, which is not UTF-8 text", pp->line, quote(&q, name, name_len),
	    name_byte(b, value[bad]), column + bad);
}

static int
policy_extension(struct policy_parse *pp, const char *name, size_t name_len,
    const char *value, size_t len, size_t column)
{
	note_case_miss(pp, name, name_len);
	return policy_ext_value(pp, name, name_len, value, len, column);
}

/*
 * RFC 8461 3.2: of a repeated single-valued field only the first counts;
 * the others are read as extension fields, then skipped with a warning.
 */
static int
policy_repeat(struct policy_parse *pp, enum policy_key key, const char *value,
    size_t len, size_t column)
{
	const char *name = policy_key_names[key];
	struct excerpt q;

	if (policy_ext_value(pp, name, strlen(name), value, len, column) < 0)
		return -1;
	warn(pp->out->warning, "policy line %u: a second %s line ('%s') is ignored; "
	    "senders use the one on line %u", pp->line, name, quote(&q, value, len),
	    pp->seen[key]);
	return 0;
}

/* Control characters are refused everywhere in a line (tab is white space). */
static int
policy_line_bytes(const struct policy_parse *pp, const char *s, size_t n)
{
	char b[16];

	if (pp->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return fail(pp->err, pp->errlen, "policy line 1 starts with a UTF-8 byte "
		    "order mark");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			return fail(pp->err, pp->errlen, "policy line %u: a carriage return "
			    "not followed by a line feed at column %zu", pp->line, i + 1);
		if (is_ctl(s[i]) && s[i] != '\t')
			return fail(pp->err, pp->errlen, "policy line %u: a control character "
			    "(%s) at column %zu", pp->line, name_byte(b, s[i]), i + 1);
	}
	return 0;
}

/* One line without its terminator: "name:" *WSP value *WSP. */
static int
policy_line(struct policy_parse *pp, const char *s, size_t n)
{
	const char *colon;
	size_t name_len, value, end;
	enum policy_key key;
	struct excerpt q;

	if (n == 0)
		return fail(pp->err, pp->errlen, "policy line %u is empty", pp->line);
	if (policy_line_bytes(pp, s, n) < 0)
		return -1;
	if (is_wsp(s[0]))
		return fail(pp->err, pp->errlen, "policy line %u starts with white space: "
		    "'%s'", pp->line, quote(&q, s, n));
	if ((colon = memchr(s, ':', n)) == NULL)
		return fail(pp->err, pp->errlen, "policy line %u: '%s' is not 'name: value'",
		    pp->line, quote(&q, s, n));
	name_len = (size_t)(colon - s);
	if (name_len > 0 && is_wsp(s[name_len - 1]))
		return fail(pp->err, pp->errlen, "policy line %u: white space before the ':' "
		    "in '%s'", pp->line, quote(&q, s, n));
	if (!valid_field_name(s, name_len))
		return fail(pp->err, pp->errlen, "policy line %u: '%s' does not start with a "
		    "field name (a letter or digit, then up to 31 letters, digits, '_', '-' "
		    "or '.')", pp->line, quote(&q, s, n));
	value = skip_wsp(s, n, name_len + 1);
	for (end = n; end > value && is_wsp(s[end - 1]); end--)
		;
	if (end == value)
		return fail(pp->err, pp->errlen, "policy line %u: '%s' has no value",
		    pp->line, quote(&q, s, name_len));
	key = policy_key(s, name_len);
	if (key != KEY_OTHER && key != KEY_MX && pp->seen[key] != 0)
		return policy_repeat(pp, key, s + value, end - value, value + 1);
	switch (key) {
	case KEY_VERSION: return policy_version(pp, s + value, end - value);
	case KEY_MODE: return policy_mode(pp, s + value, end - value);
	case KEY_MAX_AGE: return policy_max_age(pp, s + value, end - value);
	case KEY_MX: return policy_mx(pp, s + value, end - value);
	default: return policy_extension(pp, s, name_len, s + value, end - value, value + 1);
	}
}

/* The field KEY must have been seen; WHY adds what needed it. */
static int
policy_require(const struct policy_parse *pp, enum policy_key key, const char *why)
{
	if (pp->seen[key] != 0)
		return 0;
	if (pp->case_miss[key].line != 0)
		return fail(pp->err, pp->errlen, "policy: no %s line%s (line %u has '%s': "
		    "field names are case-sensitive)", policy_key_names[key], why,
		    pp->case_miss[key].line, pp->case_miss[key].spelled);
	return fail(pp->err, pp->errlen, "policy: no %s line%s", policy_key_names[key], why);
}

static int
policy_complete(const struct policy_parse *pp)
{
	char why[40];

	if (policy_require(pp, KEY_VERSION, "") < 0 ||
	    policy_require(pp, KEY_MODE, "") < 0 ||
	    policy_require(pp, KEY_MAX_AGE, "") < 0)
		return -1;
	if (pp->out->mode == MTASTS_MODE_NONE)
		return 0;
	snprintf(why, sizeof(why), ", which mode %s needs", mtasts_mode_name(pp->out->mode));
	return policy_require(pp, KEY_MX, why);
}

int
mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *out,
    char *err, size_t errlen)
{
	struct policy_parse pp;

	memset(out, 0, sizeof(*out));
	memset(&pp, 0, sizeof(pp));
	pp.out = out;
	pp.err = err;
	pp.errlen = errlen;
	if (len > MTASTS_POLICY_MAX)
		return fail(err, errlen, "policy: %zu bytes, more than the %d tls-probe "
		    "accepts", len, MTASTS_POLICY_MAX);
	if (len == 0)
		return fail(err, errlen, "policy: the file is empty");
	for (size_t pos = 0; pos < len;) {
		const char *lf = memchr(text + pos, '\n', len - pos);
		size_t end = lf != NULL ? (size_t)(lf - text) : len;
		size_t content = end;

		if (lf != NULL && content > pos && text[content - 1] == '\r')
			content--;	/* CRLF */
		pp.line++;
		if (policy_line(&pp, text + pos, content - pos) < 0)
			return -1;
		pos = lf != NULL ? end + 1 : len;
	}
	return policy_complete(&pp);
}

const char *
mtasts_mode_name(enum mtasts_mode mode)
{
	switch (mode) {
	case MTASTS_MODE_ENFORCE: return "enforce";
	case MTASTS_MODE_TESTING: return "testing";
	case MTASTS_MODE_NONE: return "none";
	}
	return "?";
}

/* --- MX matching ------------------------------------------------------------- */

/* The length of NAME without one trailing dot (the root). */
static size_t
undotted_length(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && name[len - 1] == '.' ? len - 1 : len;
}

bool
mtasts_mx_matches(const char *pattern, const char *host)
{
	size_t plen, hlen;
	const char *dot;

	if (pattern == NULL || host == NULL)
		return false;
	plen = undotted_length(pattern);
	hlen = undotted_length(host);
	if (plen == 0 || hlen == 0)
		return false;
	if (pattern[0] != '*' || plen < 2 || pattern[1] != '.')
		return same_ci(pattern, plen, host, hlen);
	/* "*.example.com": one non-empty label, then exactly example.com */
	if (plen == 2 || (dot = memchr(host, '.', hlen)) == NULL || dot == host)
		return false;
	return same_ci(pattern + 2, plen - 2, dot + 1, hlen - (size_t)(dot + 1 - host));
}

const char *
mtasts_policy_match(const struct mtasts_policy *policy, const char *host)
{
	for (size_t i = 0; i < policy->mx_count; i++)
		if (mtasts_mx_matches(policy->mx[i].pattern, host))
			return policy->mx[i].pattern;
	return NULL;
}

/* --- the TLS-RPT record -------------------------------------------------------- */

/* RFC 3986 characters, without the ',', ';' and '!' RFC 8460 wants encoded. */
static bool
is_uri_char(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~:/?#[]@$&'()*+=%", c) != NULL);
}

/* Index of the first byte of URI that is not a URI character or a good %HH, or LEN. */
static size_t
uri_bad_byte(const char *uri, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_uri_char(uri[i]))
			return i;
		if (uri[i] == '%' && (i + 2 >= len || !is_hex(uri[i + 1]) || !is_hex(uri[i + 2])))
			return i;
	}
	return len;
}

/* mailto:local@domain[?hfields] or https://authority[/path]: the part after the scheme. */
static bool
uri_has_target(const char *uri, size_t len, bool mailto)
{
	const char *rest = uri + (mailto ? 7 : 6);
	size_t n = len - (mailto ? 7 : 6), target;

	if (mailto) {
		const char *query = memchr(rest, '?', n);
		const char *at;

		target = query != NULL ? (size_t)(query - rest) : n;
		at = memchr(rest, '@', target);
		return at != NULL && at > rest && at < rest + target - 1;
	}
	if (n < 2 || rest[0] != '/' || rest[1] != '/')
		return false;
	for (target = 2; target < n && strchr("/?#", rest[target]) == NULL; target++)
		;
	return target > 2 && rest[2] != ':' && rest[2] != '@';
}

static int
tlsrpt_uri(unsigned field, size_t index, const char *uri, size_t len, char *err,
    size_t errlen)
{
	bool mailto = len >= 7 && same_ci(uri, 7, "mailto:", 7);
	bool https = len >= 6 && same_ci(uri, 6, "https:", 6);
	size_t bad = uri_bad_byte(uri, len);
	struct excerpt q;
	char b[16];

	if (len == 0)
		return fail(err, errlen, "TLS-RPT record field %u: rua URI %zu is empty",
		    field, index);
	if (len > TLSRPT_URI_MAX)
		return fail(err, errlen, "TLS-RPT record field %u: rua URI %zu is longer than "
		    "%d characters", field, index, TLSRPT_URI_MAX);
	if (bad < len)
		return fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' holds %s, "
		    "which must be percent-encoded", field, index, quote(&q, uri, len),
		    uri[bad] == '%' ? "a '%' not followed by two hex digits" :
		    name_byte(b, uri[bad]));
	if (!mailto && !https)
		return fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' is "
		    "neither mailto: nor https:", field, index, quote(&q, uri, len));
	if (!uri_has_target(uri, len, mailto))
		return fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' names "
		    "no %s", field, index, quote(&q, uri, len),
		    mailto ? "address (local@domain)" : "host (https://host/...)");
	return 0;
}

static void
tlsrpt_store(struct tlsrpt_record *out, const char *uri, size_t len)
{
	char *to = out->rua[out->rua_count++];
	size_t scheme = (size_t)((const char *)memchr(uri, ':', len) - uri);

	memcpy(to, uri, len);
	to[len] = '\0';
	for (size_t i = 0; i < scheme; i++)
		to[i] = to_lower(to[i]);
}

/*
 * rua=URI *(*WSP "," *WSP URI): checks every URI and, when OUT is not NULL
 * (the first rua field), keeps them.
 */
static int
tlsrpt_rua(const struct txt_field *f, struct tlsrpt_record *out, char *err, size_t errlen)
{
	const char *v = f->value;
	size_t pos = 0, index = 0;

	for (;;) {
		const char *comma = memchr(v + pos, ',', f->value_len - pos);
		size_t end = comma != NULL ? (size_t)(comma - v) : f->value_len;
		size_t start = index > 0 ? skip_wsp(v, end, pos) : pos;
		size_t stop = end;

		while (comma != NULL && stop > start && is_wsp(v[stop - 1]))
			stop--;
		if (tlsrpt_uri(f->number, ++index, v + start, stop - start, err, errlen) < 0)
			return -1;
		if (out != NULL && out->rua_count == TLSRPT_RUA_MAX)
			return fail(err, errlen, "TLS-RPT record field %u: more than %d rua URIs",
			    f->number, TLSRPT_RUA_MAX);
		if (out != NULL)
			tlsrpt_store(out, v + start, stop - start);
		if (comma == NULL)
			return 0;
		pos = end + 1;
	}
}

static int
tlsrpt_field(const struct txt_cursor *c, struct tlsrpt_record *out,
    const struct txt_field *f, char *err, size_t errlen)
{
	if (same(f->name, f->name_len, "rua")) {
		bool first = out->rua_count == 0;
		struct excerpt q;

		if (tlsrpt_rua(f, first ? out : NULL, err, errlen) < 0)
			return -1;
		if (!first)
			warn(out->warning, "TLS-RPT record field %u: a second rua ('%s') is "
			    "ignored; senders use the first", f->number,
			    quote(&q, f->value, f->value_len));
		return 0;
	}
	if (txt_extension(c, f, err, errlen) < 0)
		return -1;
	if (same(f->name, f->name_len, "v"))
		warn(out->warning, "TLS-RPT record field %u: a second v= field is ignored",
		    f->number);
	return 0;
}

int
tlsrpt_record_parse(const char *text, size_t len, struct tlsrpt_record *out,
    char *err, size_t errlen)
{
	struct txt_cursor c;
	struct txt_field f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (txt_start(&c, "TLS-RPT", "v=TLSRPTv1", text, len, err, errlen) < 0)
		return -1;
	while ((rc = txt_next_field(&c, &f, err, errlen)) > 0)
		if (tlsrpt_field(&c, out, &f, err, errlen) < 0)
			return -1;
	if (rc < 0)
		return -1;
	if (out->rua_count == 0)
		return fail(err, errlen, "TLS-RPT record: no rua field");
	return 0;
}

enum mtasts_select
tlsrpt_record_select(const struct mtasts_txt *records, size_t n,
    struct tlsrpt_record *out, char *err, size_t errlen)
{
	size_t i = 0;
	enum mtasts_select found;

	memset(out, 0, sizeof(*out));
	found = find_versioned(records, n, "TLS-RPT", "v=TLSRPTv1", &i, err, errlen);
	if (found != MTASTS_SELECT_ONE)
		return found;
	if (tlsrpt_record_parse(records[i].text, records[i].len, out, err, errlen) < 0)
		return MTASTS_SELECT_INVALID;
	return MTASTS_SELECT_ONE;
}
