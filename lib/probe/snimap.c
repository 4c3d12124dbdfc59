/*
 * snimap.c - the names a mail server gives their own certificates: a
 * Postfix tls_server_sni_maps source file ("name keyfile certfile...") or
 * Dovecot "local_name NAME { ssl_cert = <FILE ssl_key = <FILE }" blocks,
 * parsed strictly, with line numbers for every entry and every error
 * (incident 2: mailcow's empty sni.map).
 *
 * Also loads an entry's files the way Postfix reads chain files: every PEM
 * object in order, the first private key and the certificates after it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "probe_internal.h"

#define SNI_FILE_MAX (1 << 20)	/* a map larger than 1 MiB is not a map */
#define SNI_FILES_PER_ENTRY 8

struct sni_entry {
	char *name;
	char *files[SNI_FILES_PER_ENTRY];
	size_t file_count;
	unsigned line;
};

struct tp_sni_map {
	struct sni_entry *entries;
	size_t count, cap;
};

__attribute__((format(printf, 4, 5)))
static int
syntax(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "line %u: %s", line, what);
	return -1;
}

static void
entry_free(struct sni_entry *e)
{
	free(e->name);
	for (size_t i = 0; i < e->file_count; i++)
		free(e->files[i]);
}

void
tp_sni_map_free(struct tp_sni_map *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->count; i++)
		entry_free(&m->entries[i]);
	free(m->entries);
	free(m);
}

static struct sni_entry *
add_entry(struct tp_sni_map *m, const char *name, size_t len, unsigned line)
{
	struct sni_entry *grown = m->entries;

	if (m->count == m->cap) {	/* grown geometrically: linear in the names */
		size_t cap = m->cap ? 2 * m->cap : 8;
		if ((grown = realloc(m->entries, cap * sizeof(*grown))) == NULL)
			return NULL;
		m->entries = grown;
		m->cap = cap;
	}
	memset(&grown[m->count], 0, sizeof(*grown));
	grown[m->count].name = strndup(name, len);
	grown[m->count].line = line;
	if (grown[m->count].name == NULL)
		return NULL;
	return &grown[m->count++];
}

static int
add_file(struct sni_entry *e, const char *file, size_t len, char *err, size_t errlen)
{
	if (e->file_count == SNI_FILES_PER_ENTRY)
		return syntax(err, errlen, e->line, "more than %d files for '%s'",
		    SNI_FILES_PER_ENTRY, e->name);
	e->files[e->file_count] = strndup(file, len);
	if (e->files[e->file_count] == NULL)
		return syntax(err, errlen, e->line, "out of memory");
	e->file_count++;
	return 0;
}

/* A DNS name, optionally with a leading '.' (parent domain) or "*." */
static bool
valid_name(const char *s, size_t len)
{
	if (len == 0 || len > 254)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_' &&
		    !(ch == '*' && i == 0))
			return false;
	}
	return true;
}

/* --- Postfix ------------------------------------------------------------- */

/* Splits one logical line "name file..." into an entry. */
static int
postfix_entry(struct tp_sni_map *m, char *text, unsigned line, char *err, size_t errlen)
{
	const char *sep = " \t,";
	char *p = text;
	size_t len = strcspn(p, " \t");
	struct sni_entry *e;

	if (!valid_name(p, len))
		return syntax(err, errlen, line, "'%.*s' is not a host name", (int)(len > 80 ? 80 : len), p);
	if ((e = add_entry(m, p, len, line)) == NULL)
		return syntax(err, errlen, line, "out of memory");
	for (p += len; *p != '\0';) {
		p += strspn(p, sep);
		len = strcspn(p, sep);
		if (len > 0 && add_file(e, p, len, err, errlen) < 0)
			return -1;
		p += len;
	}
	if (e->file_count == 0)
		return syntax(err, errlen, line, "'%s' names no key or certificate file", e->name);
	return 0;
}

/* Joins continuation lines (those starting with white space) and parses. */
static int
parse_postfix(struct tp_sni_map *m, char *text, char *err, size_t errlen)
{
	char *logical = NULL;
	size_t logical_len = 0, logical_cap = 0;
	unsigned line = 0, logical_line = 0;
	int rc = 0;

	for (char *next, *cur = text; cur != NULL && rc == 0; cur = next) {
		next = strchr(cur, '\n');
		if (next != NULL)
			*next++ = '\0';
		line++;
		cur[strcspn(cur, "\r")] = '\0';
		char *body = cur + strspn(cur, " \t");
		if (*body == '#' || *body == '\0')
			continue;
		if (body != cur) {	/* continuation */
			if (logical == NULL)
				return syntax(err, errlen, line, "a continuation line with nothing to continue");
			/* Grown geometrically: joining is linear in the text. */
			size_t add = strlen(body);
			if (logical_len + add + 2 > logical_cap) {
				size_t cap = 2 * (logical_len + add + 2);
				char *grown = realloc(logical, cap);
				if (grown == NULL) {
					free(logical);
					return syntax(err, errlen, line, "out of memory");
				}
				logical = grown;
				logical_cap = cap;
			}
			logical[logical_len++] = ' ';
			memcpy(logical + logical_len, body, add + 1);
			logical_len += add;
			continue;
		}
		if (logical != NULL)
			rc = postfix_entry(m, logical, logical_line, err, errlen);
		free(logical);
		logical = strdup(body);
		logical_len = strlen(body);
		logical_cap = logical_len + 1;
		logical_line = line;
		if (logical == NULL)
			return syntax(err, errlen, line, "out of memory");
	}
	if (rc == 0 && logical != NULL)
		rc = postfix_entry(m, logical, logical_line, err, errlen);
	free(logical);
	return rc;
}

/* --- Dovecot ------------------------------------------------------------- */

/* "ssl_cert = </path": returns the path, or NULL when LINE sets no file. */
static const char *
dovecot_file_setting(char *line, const char **setting)
{
	char *eq = strchr(line, '=');
	char *end;

	if (eq == NULL)
		return NULL;
	*eq = '\0';
	end = eq;
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*setting = line;
	eq++;
	eq += strspn(eq, " \t");
	if (*eq != '<')
		return NULL;
	eq++;
	eq[strcspn(eq, " \t")] = '\0';
	return eq;
}

static int
dovecot_block_start(struct tp_sni_map *m, char *body, unsigned line, size_t *first,
    char *err, size_t errlen)
{
	char *p = body + strlen("local_name");
	char *brace = strchr(p, '{');

	if (brace == NULL)
		return syntax(err, errlen, line, "'local_name' without '{'");
	*brace = '\0';
	*first = m->count;
	for (char *save = NULL, *name = strtok_r(p, " \t\"", &save); name;
	    name = strtok_r(NULL, " \t\"", &save)) {
		if (!valid_name(name, strlen(name)))
			return syntax(err, errlen, line, "'%s' is not a host name", name);
		if (add_entry(m, name, strlen(name), line) == NULL)
			return syntax(err, errlen, line, "out of memory");
	}
	if (*first == m->count)
		return syntax(err, errlen, line, "'local_name' names no host");
	return 0;
}

/* Where the Dovecot parser is: blocks open, and which of them matter. */
struct dovecot_state {
	unsigned depth;
	unsigned local_depth;		/* depth of the open local_name block, or 0 */
	unsigned protocol_depth;	/* depth of the outermost protocol block, or 0 */
	size_t first;			/* the open local_name block's first entry */
};

/* "name ... {" with no '=' before the '{': a block opens (Dovecot's rule). */
static bool
opens_block(const char *body)
{
	const char *brace = strchr(body, '{'), *eq = strchr(body, '=');

	return brace != NULL && (eq == NULL || brace < eq);
}

static int
dovecot_open(struct tp_sni_map *m, struct dovecot_state *st, char *body, unsigned line,
    char *err, size_t errlen)
{
	size_t len = strlen(body);
	bool local = strncmp(body, "local_name", 10) == 0 && isspace((unsigned char)body[10]);

	if (body[len - 1] != '{')
		return syntax(err, errlen, line, "text after '{': Dovecot wants a block's "
		    "settings on lines of their own");
	if (local && (st->protocol_depth || st->local_depth))
		return syntax(err, errlen, line, "'local_name' inside a %s block, which "
		    "Dovecot refuses", st->protocol_depth ? "protocol" : "local_name");
	st->depth++;
	if (local) {
		st->local_depth = st->depth;
		return dovecot_block_start(m, body, line, &st->first, err, errlen);
	}
	if (strncmp(body, "protocol", 8) == 0 && isspace((unsigned char)body[8]) &&
	    st->protocol_depth == 0)
		st->protocol_depth = st->depth;
	return 0;
}

static int
dovecot_close(struct dovecot_state *st, const char *body, unsigned line, char *err,
    size_t errlen)
{
	if (body[1] != '\0')
		return syntax(err, errlen, line, "'%.40s': one '}' a line, alone", body);
	if (st->depth == 0)
		return syntax(err, errlen, line, "'}' without an open block");
	if (st->depth == st->local_depth)
		st->local_depth = 0;
	if (st->depth == st->protocol_depth)
		st->protocol_depth = 0;
	st->depth--;
	return 0;
}

/* ssl_cert and ssl_key of the open local_name block go to its entries. */
static int
dovecot_setting(struct tp_sni_map *m, const struct dovecot_state *st, char *body,
    char *err, size_t errlen)
{
	const char *setting, *file = dovecot_file_setting(body, &setting);

	if (st->local_depth == 0 || file == NULL ||
	    (strcmp(setting, "ssl_key") != 0 && strcmp(setting, "ssl_cert") != 0))
		return 0;
	for (size_t i = st->first; i < m->count; i++) {
		/* The key first, as Postfix orders chain files. */
		struct sni_entry *e = &m->entries[i];
		if (add_file(e, file, strlen(file), err, errlen) < 0)
			return -1;
		if (strcmp(setting, "ssl_key") == 0 && e->file_count == 2) {
			char *key = e->files[1];
			e->files[1] = e->files[0];
			e->files[0] = key;
		}
	}
	return 0;
}

/* Dovecot's block syntax as doveconf checks it, settings outside local_name skipped. */
static int
parse_dovecot(struct tp_sni_map *m, char *text, char *err, size_t errlen)
{
	struct dovecot_state st = { 0 };
	unsigned line = 0;

	for (char *next, *cur = text; cur != NULL; cur = next) {
		char *body, *end;
		int rc;

		next = strchr(cur, '\n');
		if (next != NULL)
			*next++ = '\0';
		line++;
		cur[strcspn(cur, "\r#")] = '\0';
		body = cur + strspn(cur, " \t");
		end = body + strlen(body);
		while (end > body && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*body == '\0')
			continue;
		if (*body == '}')
			rc = dovecot_close(&st, body, line, err, errlen);
		else if (opens_block(body))
			rc = dovecot_open(m, &st, body, line, err, errlen);
		else
			rc = dovecot_setting(m, &st, body, err, errlen);
		if (rc < 0)
			return -1;
	}
	if (st.depth > 0)
		return syntax(err, errlen, line, "%s block is not closed",
		    st.local_depth ? "the last 'local_name'" : "a");
	return 0;
}

/* --- entry points ------------------------------------------------------------ */

struct tp_sni_map *
tp_sni_map_parse(enum tp_sni_map_type type, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct tp_sni_map *m = calloc(1, sizeof(*m));
	char *copy = malloc(len + 1);
	int rc;

	if (m == NULL || copy == NULL) {
		free(copy);
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len) != NULL)
		rc = syntax(err, errlen, 1, "the file holds a NUL byte: not a text map");
	else if (type == TP_SNI_MAP_DOVECOT)
		rc = parse_dovecot(m, copy, err, errlen);
	else
		rc = parse_postfix(m, copy, err, errlen);
	free(copy);
	if (rc < 0) {
		tp_sni_map_free(m);
		return NULL;
	}
	return m;
}

struct tp_sni_map *
tp_sni_map_load(enum tp_sni_map_type type, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t len;
	struct tp_sni_map *m;
	char why[400];

	if (f == NULL) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(SNI_FILE_MAX + 1);
	len = buf ? fread(buf, 1, SNI_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL || len > SNI_FILE_MAX) {
		free(buf);
		snprintf(err, errlen, "'%s' is larger than 1 MiB: not a map", path);
		return NULL;
	}
	m = tp_sni_map_parse(type, buf, len, why, sizeof(why));
	free(buf);
	if (m == NULL)
		snprintf(err, errlen, "%s %s", path, why);
	return m;
}

size_t tp_sni_map_count(const struct tp_sni_map *m) { return m->count; }
const char *tp_sni_map_name(const struct tp_sni_map *m, size_t i) { return m->entries[i].name; }
unsigned tp_sni_map_line(const struct tp_sni_map *m, size_t i) { return m->entries[i].line; }
size_t tp_sni_map_file_count(const struct tp_sni_map *m, size_t i) { return m->entries[i].file_count; }

const char *
tp_sni_map_file(const struct tp_sni_map *m, size_t i, size_t j)
{
	return j < m->entries[i].file_count ? m->entries[i].files[j] : NULL;
}

/* --- an entry's key and chain ------------------------------------------------- */

static int
read_pem_objects(const char *path, EVP_PKEY **key, struct tp_chain *chain, char *err,
    size_t errlen)
{
	FILE *f = pem_file_open(path, err, errlen);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len;
	int rc = 0;

	if (f == NULL)
		return -1;
	while (rc == 0 && PEM_read(f, &name, &header, &data, &len) == 1) {
		const unsigned char *p = data;

		if (strstr(name, "PRIVATE KEY") != NULL && *key == NULL)
			*key = d2i_AutoPrivateKey(NULL, &p, len);
		else if (strcmp(name, "CERTIFICATE") == 0) {
			X509 *x = d2i_X509(NULL, &p, len);
			rc = x != NULL && chain_push(chain, x) == 0 ? 0 : -1;
			X509_free(x);
			if (rc < 0)
				snprintf(err, errlen, "'%s' holds a broken certificate", path);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	ERR_clear_error();
	fclose(f);
	return rc;
}

struct tp_chain *
tp_sni_map_load_entry(const struct tp_sni_map *m, size_t i, int *key_matches,
    char *err, size_t errlen)
{
	struct tp_chain *chain = chain_new();
	EVP_PKEY *key = NULL;

	*key_matches = -1;
	for (size_t j = 0; chain != NULL && j < m->entries[i].file_count; j++) {
		if (read_pem_objects(m->entries[i].files[j], &key, chain, err, errlen) < 0) {
			tp_chain_free(chain);
			EVP_PKEY_free(key);
			return NULL;
		}
	}
	if (chain != NULL && tp_chain_count(chain) == 0) {
		snprintf(err, errlen, "the files of '%s' hold no certificate", m->entries[i].name);
		tp_chain_free(chain);
		chain = NULL;
	}
	if (chain != NULL && key != NULL)
		*key_matches = X509_check_private_key(cert_x509(tp_chain_cert(chain, 0)), key) == 1;
	ERR_clear_error();
	EVP_PKEY_free(key);
	return chain;
}
