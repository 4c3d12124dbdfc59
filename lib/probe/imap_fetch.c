/*
 * imap_fetch.c - the items of one untagged IMAP FETCH response, walked one
 * value at a time (numbers, atoms, NIL, quoted strings, literals, nested
 * lists), never read past the response. See imap_fetch.h.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "imap_fetch.h"

struct cursor {
	const char *p, *end;
};

static bool
at(const struct cursor *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Skips the text TEXT (case-insensitive); false when it is not there. */
static bool
skip_text(struct cursor *c, const char *text)
{
	size_t n = strlen(text);

	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, text, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A decimal number, saturating; false when there is no digit. */
static bool
number(struct cursor *c, unsigned long long *out)
{
	unsigned long long n = 0;

	if (c->p >= c->end || !is_digit(*c->p))
		return false;
	for (; c->p < c->end && is_digit(*c->p); c->p++)
		n = n > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : n * 10 + (unsigned)(*c->p - '0');
	*out = n;
	return true;
}

/* "{N}" CRLF, then N bytes (also "{N+}", a non-synchronising literal). */
static bool
literal(struct cursor *c, const char **data, size_t *len)
{
	unsigned long long n;

	if (!skip_text(c, "{") || !number(c, &n))
		return false;
	if (at(c, '+'))
		c->p++;
	if (!skip_text(c, "}"))
		return false;
	if (at(c, '\r'))
		c->p++;
	if (!skip_text(c, "\n") || n > (unsigned long long)(c->end - c->p))
		return false;
	*data = c->p;
	*len = (size_t)n;
	c->p += n;
	return true;
}

/* A quoted string, its escapes (\" and \\) kept as sent. */
static bool
quoted(struct cursor *c, const char **data, size_t *len)
{
	const char *start;

	if (!skip_text(c, "\""))
		return false;
	for (start = c->p; c->p < c->end && *c->p != '"'; c->p++) {
		if (*c->p == '\r' || *c->p == '\n')
			return false;
		if (*c->p == '\\' && ++c->p == c->end)
			return false;
	}
	if (c->p == c->end)
		return false;
	*data = start;
	*len = (size_t)(c->p - start);
	c->p++;
	return true;
}

/* An atom, a flag (\Seen) or a number: up to a space, a bracket or a parenthesis. */
static bool
atom(struct cursor *c)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p != ' ' && *c->p != '(' && *c->p != ')' &&
	    *c->p != '"' && *c->p != '{' && *c->p != '\r' && *c->p != '\n')
		c->p++;
	return c->p > start;
}

/*
 * One value: NIL, a number, an atom, a quoted string, a literal or a list.
 * A string's bytes in *DATA and *LEN (NULL for anything else).
 */
static bool
value(struct cursor *c, int depth, const char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (at(c, '"'))
		return quoted(c, data, len);
	if (at(c, '{'))
		return literal(c, data, len);
	if (!at(c, '('))
		return atom(c);		/* NIL and numbers too */
	if (depth >= IMAP_FETCH_DEPTH_MAX)
		return false;
	c->p++;
	while (!at(c, ')')) {
		const char *d;
		size_t n;

		if (!value(c, depth + 1, &d, &n))
			return false;
		if (at(c, ' '))
			c->p++;
		else if (!at(c, ')'))
			return false;
	}
	c->p++;
	return true;
}

/*
 * An item's name: an atom, with a section "[...]" (which may hold a list
 * of header names) and a partial "<N>" or "<N.M>". Its span in *NAME, *LEN.
 */
static bool
item_name(struct cursor *c, const char **name, size_t *len)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p != ' ' && *c->p != '[' && *c->p != '(' &&
	    *c->p != ')' && *c->p != '"' && *c->p != '{')
		c->p++;
	if (c->p == start)
		return false;
	if (at(c, '[')) {
		while (c->p < c->end && *c->p != ']') {
			if (*c->p == '\r' || *c->p == '\n' || *c->p == '{' || *c->p == '"')
				return false;
			c->p++;
		}
		if (!skip_text(c, "]"))
			return false;
		if (at(c, '<')) {	/* <N> or <N.M> */
			c->p++;
			while (c->p < c->end && (is_digit(*c->p) || *c->p == '.'))
				c->p++;
			if (!skip_text(c, ">"))
				return false;
		}
	}
	*name = start;
	*len = (size_t)(c->p - start);
	return true;
}

static bool
named(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int
imap_fetch_parse(const char *resp, size_t len, struct imap_fetch *out)
{
	struct cursor c = { resp, resp + len };

	memset(out, 0, sizeof(*out));
	if (!skip_text(&c, "* ") || !number(&c, &out->seq) || !skip_text(&c, " FETCH "))
		return 0;
	if (!skip_text(&c, "("))
		return -1;
	while (!at(&c, ')')) {
		const char *name, *data;
		size_t nlen, dlen;
		struct cursor v;
		unsigned long long n;

		if (!item_name(&c, &name, &nlen) || !skip_text(&c, " "))
			return -1;
		v = c;
		if (!value(&c, 0, &data, &dlen))
			return -1;
		if (named(name, nlen, "UID")) {
			if (!number(&v, &n) || v.p != c.p)
				return -1;
			out->has_uid = true;
			out->uid = n;
		} else if (named(name, nlen, "RFC822.SIZE")) {
			if (!number(&v, &n) || v.p != c.p)
				return -1;
			out->has_size = true;
			out->size = n;
		} else if (named(name, nlen, "BODY[]")) {
			out->body = data;
			out->body_len = dlen;
		} else if (nlen > 18 && strncasecmp(name, "BODY[HEADER.FIELDS", 18) == 0) {
			out->header = data;
			out->header_len = dlen;
		}
		if (at(&c, ' '))
			c.p++;
		else if (!at(&c, ')'))
			return -1;
	}
	c.p++;
	return c.p == c.end ? 1 : -1;
}
