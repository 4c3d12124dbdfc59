/*
 * snimap_fuzz - feeds the input (after its first byte, whose low bit picks
 * a Postfix tls_server_sni_maps source or Dovecot local_name blocks) to
 * tp_sni_map_parse() and, when it parses, walks every entry and checks it
 * against the text: a valid non-empty name found on the entry's line, a line
 * within the text, files that are bounded, NUL-terminated, non-empty tokens
 * (at least one per Postfix entry). A failure must say "line N: why" with
 * N within the text. The files are never opened.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

#define MAX_FILES 8	/* SNI_FILES_PER_ENTRY in lib/probe/snimap.c */

struct text {
	const char *s;		/* the map text, NUL-terminated copy */
	size_t len;
	const char **lines;	/* start of line 1..nlines (index 0 unused) */
	unsigned nlines;
};

static void
check_err(const char *err, size_t errlen, const struct text *t)
{
	unsigned n;
	int used = 0;

	if (err[0] == '\0' || strnlen(err, errlen) == errlen)
		abort();	/* a failure must say why, NUL-terminated */
	if (strcmp(err, "out of memory") == 0)
		return;
	if (sscanf(err, "line %u: %n", &n, &used) != 1 || used == 0)
		abort();	/* "line N: what is wrong" */
	if (n < 1 || n > t->nlines)
		abort();
	if (err[used] == '\0')
		abort();
}

/* Does NAME occur as a whole token on line LINE of the text? */
static bool
name_on_line(const struct text *t, unsigned line, const char *name, bool first_token)
{
	const char *p = t->lines[line];
	const char *end = line < t->nlines ? t->lines[line + 1] : t->s + t->len;
	size_t n = strlen(name);

	if (first_token)
		return (size_t)(end - p) >= n && memcmp(p, name, n) == 0 &&
		    (p + n == end || strchr(" \t\r\n", p[n]) != NULL);
	for (; p + n <= end; p++)
		if (memcmp(p, name, n) == 0)
			return true;
	return false;
}

static void
check_name(const char *name, size_t size)
{
	size_t n = strnlen(name, size + 1);

	if (n == 0 || n > size || n > 254)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_' &&
		    !(ch == '*' && i == 0))
			abort();
	}
}

static void
check_file(const char *file, size_t size, enum tp_sni_map_type type)
{
	size_t n;

	if (file == NULL)
		abort();
	n = strnlen(file, size + 1);
	if (n > size)
		abort();	/* longer than the text it came from */
	if (type == TP_SNI_MAP_POSTFIX && n == 0)
		abort();	/* a token, never empty */
	if (strpbrk(file, type == TP_SNI_MAP_POSTFIX ? " \t,\r\n" : " \t\r\n") != NULL)
		abort();	/* separators never end up in a file name */
}

static void
check_map(const struct tp_sni_map *m, enum tp_sni_map_type type, const struct text *t)
{
	size_t count = tp_sni_map_count(m);
	unsigned prev_line = 0;

	if (count > t->len)
		abort();	/* every name takes at least one byte */
	for (size_t i = 0; i < count; i++) {
		const char *name = tp_sni_map_name(m, i);
		unsigned line = tp_sni_map_line(m, i);
		size_t files = tp_sni_map_file_count(m, i);

		if (name == NULL)
			abort();
		check_name(name, t->len);
		if (line < 1 || line > t->nlines || line < prev_line)
			abort();	/* within the text, in order */
		prev_line = line;
		if (!name_on_line(t, line, name, type == TP_SNI_MAP_POSTFIX))
			abort();	/* the entry's line names it */
		if (files > MAX_FILES)
			abort();
		if (type == TP_SNI_MAP_POSTFIX && files < 1)
			abort();
		for (size_t j = 0; j < files; j++)
			check_file(tp_sni_map_file(m, i, j), t->len, type);
		if (tp_sni_map_file(m, i, files) != NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum tp_sni_map_type type;
	struct tp_sni_map *m;
	struct text t;
	char *copy, err[512], tiny[8];

	if (size < 1)
		return 0;
	type = (data[0] & 1) ? TP_SNI_MAP_DOVECOT : TP_SNI_MAP_POSTFIX;
	data++;
	size--;

	/* A private copy: the parser must not need (or touch) a terminator. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	t.s = copy;
	t.len = size;
	t.nlines = 1;
	for (size_t i = 0; i < size; i++)
		t.nlines += copy[i] == '\n';
	if ((t.lines = malloc((t.nlines + 1) * sizeof(*t.lines))) == NULL) {
		free(copy);
		return 0;
	}
	t.lines[1] = copy;
	for (size_t i = 0, l = 1; i < size; i++)
		if (copy[i] == '\n')
			t.lines[++l] = copy + i + 1;

	/* The parser gets exactly SIZE bytes of a buffer with no terminator. */
	{
		char *exact = malloc(size ? size : 1);
		if (exact == NULL)
			abort();
		memcpy(exact, data, size);
		err[0] = '\0';
		m = tp_sni_map_parse(type, exact, size, err, sizeof(err));
		if (memcmp(exact, data, size) != 0)
			abort();	/* the text is const */
		free(exact);
	}
	if (m != NULL) {
		check_map(m, type, &t);
		tp_sni_map_free(m);
	} else
		check_err(err, sizeof(err), &t);

	/* Tiny and absent error buffers must be safe too. */
	tp_sni_map_free(tp_sni_map_parse(type, copy, size, tiny, sizeof(tiny)));
	tp_sni_map_free(tp_sni_map_parse(type, copy, size, NULL, 0));

	free(t.lines);
	free(copy);
	return 0;
}
