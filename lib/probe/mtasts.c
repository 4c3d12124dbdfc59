/*
 * mtasts.c - strict parsers for what a domain publishes for MTA-STS (the
 * _mta-sts TXT record and the policy file, RFC 8461), the MX pattern match
 * of RFC 8461 4.1, and the TXT record grammar it shares with TLS-RPT
 * (txt_record.h; the TLS-RPT record itself is lib/probe/tlsrpt_record.c). The
 * grammar is the RFCs' ABNF, read byte by byte over a pointer and a length:
 * ASCII rules whatever the locale, nothing allocated, every count bounded.
 * See mtasts.h for what each function returns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mtasts.h"
#include "txt_record.h"

#define FIELD_NAME_MAX 32	/* RFC 8461/8460: a letter or digit and up to 31 more */

/* --- characters, sentences ---------------------------------------------- */

/* A control character in the RFC 5234 sense, tab included. */
static bool
is_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

bool
txt_same_ci(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return false;
	return true;
}

bool
txt_same(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

size_t
txt_skip_wsp(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_wsp(s[pos]))
		pos++;
	return pos;
}

/*
 * Input as it may appear in a sentence: at most EXCERPT_MAX bytes, each
 * byte outside printable ASCII shown as '?', a cut marked with "...".
 */
const char *
txt_quote(struct txt_excerpt *q, const char *s, size_t len)
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
const char *
txt_name_byte(char buf[16], char c)
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

int
txt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void
txt_warn(char warning[MTASTS_WARNING_MAX], const char *fmt, ...)
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

/* VERSION ("v=STSv1") followed by ';', white space or the record's end. */
static bool
starts_with_version(const char *text, size_t len, const char *version)
{
	size_t n = strlen(version);

	return len >= n && memcmp(text, version, n) == 0 &&
	    (len == n || text[n] == ';' || is_wsp(text[n]));
}

int
txt_start(struct txt_cursor *c, const char *kind, const char *version,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct txt_excerpt q;

	c->kind = kind;
	c->s = text;
	c->len = len;
	c->pos = strlen(version);
	c->field = 1;
	if (!starts_with_version(text, len, version))
		return txt_fail(err, errlen, "%s record '%s' does not start with %s", kind,
		    txt_quote(&q, text, len), version);
	return 0;
}

/* Splits "name=value" (white space trimmed off) into F. */
static int
txt_name_value(const struct txt_cursor *c, const char *s, size_t len,
    struct txt_field *f, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len);
	struct txt_excerpt q;

	f->number = c->field;
	if (eq == NULL)
		return txt_fail(err, errlen, "%s record field %u: '%s' is not name=value",
		    c->kind, c->field, txt_quote(&q, s, len));
	f->name = s;
	f->name_len = (size_t)(eq - s);
	f->value = eq + 1;
	f->value_len = len - f->name_len - 1;
	if (!valid_field_name(f->name, f->name_len))
		return txt_fail(err, errlen, "%s record field %u: '%s' is not a field name "
		    "(a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
		    c->kind, c->field, txt_quote(&q, f->name, f->name_len));
	if (f->value_len == 0)
		return txt_fail(err, errlen, "%s record field %u: '%s' has no value",
		    c->kind, c->field, txt_quote(&q, s, len));
	return 0;
}

/*
 * Reads the field after C->pos: *WSP ";" *WSP then up to the next ';'.
 * Returns 1 with F set, 0 at the end of the record, -1 with a sentence.
 */
int
txt_next_field(struct txt_cursor *c, struct txt_field *f, char *err, size_t errlen)
{
	size_t p = txt_skip_wsp(c->s, c->len, c->pos), start, end;
	const char *semicolon;
	struct txt_excerpt q;

	if (p == c->len && p > c->pos)
		return txt_fail(err, errlen, "%s record: white space at its end "
		    "(allowed only after a ';')", c->kind);
	if (p == c->len)
		return 0;
	if (c->s[p] != ';')	/* only after the version: a field runs up to a ';' */
		return txt_fail(err, errlen, "%s record: no ';' between the version and '%s'",
		    c->kind, txt_quote(&q, c->s + p, c->len - p));
	start = txt_skip_wsp(c->s, c->len, p + 1);
	if (start == c->len) {	/* a trailing ';' */
		c->pos = start;
		return 0;
	}
	c->field++;
	if (c->s[start] == ';')
		return txt_fail(err, errlen, "%s record field %u is empty (two ';' in a row)",
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

int
txt_extension(const struct txt_cursor *c, const struct txt_field *f, char *err,
    size_t errlen)
{
	struct txt_excerpt q, v;

	if (valid_txt_ext_value(f->value, f->value_len))
		return 0;
	return txt_fail(err, errlen, "%s record field %u: the value '%s' of '%s' holds a "
	    "character an extension value may not have ('=', a space, a control or "
	    "non-ASCII byte)", c->kind, f->number, txt_quote(&v, f->value, f->value_len),
	    txt_quote(&q, f->name, f->name_len));
}

/* The records among N that start with VERSION: exactly one is wanted. */
enum mtasts_select
txt_find_versioned(const struct mtasts_txt *records, size_t n, const char *kind,
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
		txt_fail(err, errlen, "%zu of the %zu TXT records start with %s; senders "
		    "need exactly one and ignore them all", found, n, version);
		return MTASTS_SELECT_INVALID;
	}
	if (n == 0)
		txt_fail(err, errlen, "no %s record: the name has no TXT record", kind);
	else
		txt_fail(err, errlen, "no %s record: none of the %zu TXT records starts with %s",
		    kind, n, version);
	return MTASTS_SELECT_NONE;
}

/* --- the MTA-STS record ------------------------------------------------------ */

static int
sts_id(struct mtasts_record *out, const struct txt_field *f, char *err, size_t errlen)
{
	struct txt_excerpt q;
	bool valid = f->value_len <= MTASTS_ID_MAX;

	for (size_t i = 0; valid && i < f->value_len; i++)
		valid = is_alnum(f->value[i]);
	if (!valid)
		return txt_fail(err, errlen, "MTA-STS record field %u: id '%s' is not 1 to %d "
		    "letters and digits", f->number, txt_quote(&q, f->value, f->value_len),
		    MTASTS_ID_MAX);
	if (out->id[0] != '\0') {
		txt_warn(out->warning, "MTA-STS record field %u: a second id ('%s') is ignored; "
		    "senders use the first ('%s')", f->number, txt_quote(&q, f->value,
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
	if (txt_same(f->name, f->name_len, "id"))
		return sts_id(out, f, err, errlen);
	if (txt_extension(c, f, err, errlen) < 0)
		return -1;
	if (txt_same(f->name, f->name_len, "v"))
		txt_warn(out->warning, "MTA-STS record field %u: a second v= field is ignored",
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
		return txt_fail(err, errlen, "MTA-STS record: no id field");
	return 0;
}

enum mtasts_select
mtasts_record_select(const struct mtasts_txt *records, size_t n,
    struct mtasts_record *out, char *err, size_t errlen)
{
	size_t i = 0;
	enum mtasts_select found;

	memset(out, 0, sizeof(*out));
	found = txt_find_versioned(records, n, "MTA-STS", "v=STSv1", &i, err, errlen);
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
		if (txt_same(name, len, policy_key_names[k]))
			return (enum policy_key)k;
	return KEY_OTHER;
}

/* Remembers "Mode" and the like, to explain a missing "mode" later. */
static void
note_case_miss(struct policy_parse *pp, const char *name, size_t len)
{
	for (int k = KEY_VERSION; k < KEY_OTHER; k++) {
		const char *want = policy_key_names[k];
		if (txt_same_ci(name, len, want, strlen(want)) && pp->case_miss[k].line == 0) {
			pp->case_miss[k].line = pp->line;
			memcpy(pp->case_miss[k].spelled, name, len);
			pp->case_miss[k].spelled[len] = '\0';
		}
	}
}

static int
policy_version(struct policy_parse *pp, const char *value, size_t len)
{
	struct txt_excerpt q;

	if (!txt_same(value, len, "STSv1"))
		return txt_fail(pp->err, pp->errlen, "policy line %u: version '%s' is not STSv1",
		    pp->line, txt_quote(&q, value, len));
	pp->seen[KEY_VERSION] = pp->line;
	return 0;
}

static int
policy_mode(struct policy_parse *pp, const char *value, size_t len)
{
	static const char *const modes[] = { "enforce", "testing", "none" };
	struct txt_excerpt q;

	for (int m = MTASTS_MODE_ENFORCE; m <= MTASTS_MODE_NONE; m++) {
		if (txt_same(value, len, modes[m])) {
			pp->out->mode = (enum mtasts_mode)m;
			pp->seen[KEY_MODE] = pp->line;
			return 0;
		}
	}
	for (int m = MTASTS_MODE_ENFORCE; m <= MTASTS_MODE_NONE; m++)
		if (txt_same_ci(value, len, modes[m], strlen(modes[m])))
			return txt_fail(pp->err, pp->errlen, "policy line %u: mode '%s' is not "
			    "enforce, testing or none (the values are case-sensitive)",
			    pp->line, txt_quote(&q, value, len));
	return txt_fail(pp->err, pp->errlen, "policy line %u: mode '%s' is not enforce, "
	    "testing or none", pp->line, txt_quote(&q, value, len));
}

/* 1*10DIGIT, at most MTASTS_MAX_AGE_MAX. */
static int
policy_max_age(struct policy_parse *pp, const char *value, size_t len)
{
	long seconds = 0;
	bool valid = len <= 10;
	struct txt_excerpt q;

	for (size_t i = 0; valid && i < len; i++) {
		valid = is_digit(value[i]);
		if (seconds <= MTASTS_MAX_AGE_MAX)	/* stops before any overflow */
			seconds = 10 * seconds + (value[i] - '0');
	}
	if (!valid || seconds > MTASTS_MAX_AGE_MAX)
		return txt_fail(pp->err, pp->errlen, "policy line %u: max_age '%s' is not a "
		    "number from 0 to %ld", pp->line, txt_quote(&q, value, len),
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
	struct txt_excerpt q;

	if (problem != NULL)
		return txt_fail(pp->err, pp->errlen, "policy line %u: mx '%s' %s", pp->line,
		    txt_quote(&q, value, len), problem);
	if (pp->out->mx_count == MTASTS_MX_MAX)
		return txt_fail(pp->err, pp->errlen, "policy line %u: more than %d mx lines",
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
	struct txt_excerpt q;
	char b[16];

	if (bad == len)
		return 0;
	if (value[bad] == '\t')
		return txt_fail(pp->err, pp->errlen, "policy line %u: the value of '%s' holds a "
		    "tab at column %zu (only spaces may separate its words)", pp->line,
		    txt_quote(&q, name, name_len), column + bad);
	return txt_fail(pp->err, pp->errlen, "policy line %u: the value of '%s' holds %s at "
	    "column %zu, which is not UTF-8 text", pp->line, txt_quote(&q, name, name_len),
	    txt_name_byte(b, value[bad]), column + bad);
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
	struct txt_excerpt q;

	if (policy_ext_value(pp, name, strlen(name), value, len, column) < 0)
		return -1;
	txt_warn(pp->out->warning, "policy line %u: a second %s line ('%s') is ignored; "
	    "senders use the one on line %u", pp->line, name, txt_quote(&q, value, len),
	    pp->seen[key]);
	return 0;
}

/* Control characters are refused everywhere in a line (tab is white space). */
static int
policy_line_bytes(const struct policy_parse *pp, const char *s, size_t n)
{
	char b[16];

	if (pp->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return txt_fail(pp->err, pp->errlen, "policy line 1 starts with a UTF-8 byte "
		    "order mark");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			return txt_fail(pp->err, pp->errlen, "policy line %u: a carriage return "
			    "not followed by a line feed at column %zu", pp->line, i + 1);
		if (is_ctl(s[i]) && s[i] != '\t')
			return txt_fail(pp->err, pp->errlen, "policy line %u: a control character "
			    "(%s) at column %zu", pp->line, txt_name_byte(b, s[i]), i + 1);
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
	struct txt_excerpt q;

	if (n == 0)
		return txt_fail(pp->err, pp->errlen, "policy line %u is empty", pp->line);
	if (policy_line_bytes(pp, s, n) < 0)
		return -1;
	if (is_wsp(s[0]))
		return txt_fail(pp->err, pp->errlen, "policy line %u starts with white space: "
		    "'%s'", pp->line, txt_quote(&q, s, n));
	if ((colon = memchr(s, ':', n)) == NULL)
		return txt_fail(pp->err, pp->errlen, "policy line %u: '%s' is not 'name: value'",
		    pp->line, txt_quote(&q, s, n));
	name_len = (size_t)(colon - s);
	if (name_len > 0 && is_wsp(s[name_len - 1]))
		return txt_fail(pp->err, pp->errlen, "policy line %u: white space before the ':' "
		    "in '%s'", pp->line, txt_quote(&q, s, n));
	if (!valid_field_name(s, name_len))
		return txt_fail(pp->err, pp->errlen, "policy line %u: '%s' does not start with a "
		    "field name (a letter or digit, then up to 31 letters, digits, '_', '-' "
		    "or '.')", pp->line, txt_quote(&q, s, n));
	value = txt_skip_wsp(s, n, name_len + 1);
	for (end = n; end > value && is_wsp(s[end - 1]); end--)
		;
	if (end == value)
		return txt_fail(pp->err, pp->errlen, "policy line %u: '%s' has no value",
		    pp->line, txt_quote(&q, s, name_len));
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
		return txt_fail(pp->err, pp->errlen, "policy: no %s line%s (line %u has '%s': "
		    "field names are case-sensitive)", policy_key_names[key], why,
		    pp->case_miss[key].line, pp->case_miss[key].spelled);
	return txt_fail(pp->err, pp->errlen, "policy: no %s line%s", policy_key_names[key], why);
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
		return txt_fail(err, errlen, "policy: %zu bytes, more than the %d tls-probe "
		    "accepts", len, MTASTS_POLICY_MAX);
	if (len == 0)
		return txt_fail(err, errlen, "policy: the file is empty");
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
		return txt_same_ci(pattern, plen, host, hlen);
	/* "*.example.com": one non-empty label, then exactly example.com */
	if (plen == 2 || (dot = memchr(host, '.', hlen)) == NULL || dot == host)
		return false;
	return txt_same_ci(pattern + 2, plen - 2, dot + 1, hlen - (size_t)(dot + 1 - host));
}

const char *
mtasts_policy_match(const struct mtasts_policy *policy, const char *host)
{
	for (size_t i = 0; i < policy->mx_count; i++)
		if (mtasts_mx_matches(policy->mx[i].pattern, host))
			return policy->mx[i].pattern;
	return NULL;
}
