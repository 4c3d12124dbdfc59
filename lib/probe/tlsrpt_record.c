/*
 * tlsrpt_record.c - the TLS-RPT TXT record (RFC 8460 3): v=TLSRPTv1 and a
 * rua field of mailto: and https: URIs, read with the TXT grammar shared
 * with MTA-STS (txt_record.h). See tlsrpt_record.h for what it returns.
 */
#include <string.h>

#include "tlsrpt_record.h"
#include "txt_record.h"

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
	bool mailto = len >= 7 && txt_same_ci(uri, 7, "mailto:", 7);
	bool https = len >= 6 && txt_same_ci(uri, 6, "https:", 6);
	size_t bad = uri_bad_byte(uri, len);
	struct txt_excerpt q;
	char b[16];

	if (len == 0)
		return txt_fail(err, errlen, "TLS-RPT record field %u: rua URI %zu is empty",
		    field, index);
	if (len > TLSRPT_URI_MAX)
		return txt_fail(err, errlen, "TLS-RPT record field %u: rua URI %zu is longer than "
		    "%d characters", field, index, TLSRPT_URI_MAX);
	if (bad < len)
		return txt_fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' holds %s, "
		    "which must be percent-encoded", field, index, txt_quote(&q, uri, len),
		    uri[bad] == '%' ? "a '%' not followed by two hex digits" :
		    txt_name_byte(b, uri[bad]));
	if (!mailto && !https)
		return txt_fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' is "
		    "neither mailto: nor https:", field, index, txt_quote(&q, uri, len));
	if (!uri_has_target(uri, len, mailto))
		return txt_fail(err, errlen, "TLS-RPT record field %u: rua URI %zu '%s' names "
		    "no %s", field, index, txt_quote(&q, uri, len),
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
		size_t start = index > 0 ? txt_skip_wsp(v, end, pos) : pos;
		size_t stop = end;

		while (comma != NULL && stop > start && is_wsp(v[stop - 1]))
			stop--;
		if (tlsrpt_uri(f->number, ++index, v + start, stop - start, err, errlen) < 0)
			return -1;
		if (out != NULL && out->rua_count == TLSRPT_RUA_MAX)
			return txt_fail(err, errlen, "TLS-RPT record field %u: more than %d rua URIs",
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
	if (txt_same(f->name, f->name_len, "rua")) {
		bool first = out->rua_count == 0;
		struct txt_excerpt q;

		if (tlsrpt_rua(f, first ? out : NULL, err, errlen) < 0)
			return -1;
		if (!first)
			txt_warn(out->warning, "TLS-RPT record field %u: a second rua ('%s') is "
			    "ignored; senders use the first", f->number,
			    txt_quote(&q, f->value, f->value_len));
		return 0;
	}
	if (txt_extension(c, f, err, errlen) < 0)
		return -1;
	if (txt_same(f->name, f->name_len, "v"))
		txt_warn(out->warning, "TLS-RPT record field %u: a second v= field is ignored",
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
		return txt_fail(err, errlen, "TLS-RPT record: no rua field");
	return 0;
}

enum mtasts_select
tlsrpt_record_select(const struct mtasts_txt *records, size_t n,
    struct tlsrpt_record *out, char *err, size_t errlen)
{
	size_t i = 0;
	enum mtasts_select found;

	memset(out, 0, sizeof(*out));
	found = txt_find_versioned(records, n, "TLS-RPT", "v=TLSRPTv1", &i, err, errlen);
	if (found != MTASTS_SELECT_ONE)
		return found;
	if (tlsrpt_record_parse(records[i].text, records[i].len, out, err, errlen) < 0)
		return MTASTS_SELECT_INVALID;
	return MTASTS_SELECT_ONE;
}
