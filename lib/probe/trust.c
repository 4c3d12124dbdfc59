/*
 * trust.c - the trust anchors a strict client verifies against: the
 * system store, or the roots the caller names (-r FILE or a hashed DIR).
 *
 * Loaded once per client (client.c), before any probe starts, and shared
 * by every probe's chain analysis and stapled OCSP checks: a pipe
 * (-r /dev/stdin) can be read only once.
 *
 * The system store comes from the hashed directory, looked up by subject
 * when needed, rather than from the bundle file: OpenSSL 3.0 decodes every
 * key of a bundle it loads, some 0.3 ms a certificate, 40 ms of each check
 * for Debian's 144.
 *
 * Loading is two steps: trust_open() checks what was named (a file
 * without a certificate block is refused before any decoding),
 * trust_decode() does the costly part.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "probe_internal.h"

#define PIPE_ROOTS_MAX (4 << 20)	/* -r <(...) larger than this is not a set of roots */

struct tp_trust {
	X509_STORE *store;
	char *file_or_dir;	/* NULL: the system store */
	bool is_dir, is_pipe, decoded;
};

/* "0a1b2c3d.0": a link "openssl rehash" or update-ca-certificates made. */
static bool
is_hash_link(const char *name)
{
	size_t hex = strspn(name, "0123456789abcdef");

	return hex == 8 && name[8] == '.' && name[9] != '\0' &&
	    name[9 + strspn(name + 9, "0123456789")] == '\0';
}

static bool
dir_has_hash_links(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	bool found = false;

	if (dir == NULL)
		return false;
	while (!found && (e = readdir(dir)) != NULL)
		found = is_hash_link(e->d_name);
	closedir(dir);
	return found;
}

/*
 * The system store.  SSL_CERT_FILE and SSL_CERT_DIR, when set, are used as
 * OpenSSL uses them.  Otherwise the hashed directory alone when it has hash
 * links (Debian's update-ca-certificates writes the same certificates to
 * the directory and the bundle), the bundle file when it has none.
 */
static int
load_system_store(X509_STORE *store)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());
	bool dir_set = dir != NULL && dir[0] != '\0';

	if (file != NULL && file[0] != '\0' &&
	    X509_STORE_load_file(store, file) != 1)
		ERR_clear_error();	/* as OpenSSL: a missing file adds nothing */
	if (!dir_set)
		dir = X509_get_default_cert_dir();
	if (dir_set || dir_has_hash_links(dir))
		return X509_STORE_load_path(store, dir);
	if (file == NULL || file[0] == '\0')
		return X509_STORE_load_file(store, X509_get_default_cert_file());
	return 1;
}

/* True when PATH holds a PEM certificate block (its contents not decoded). */
static bool
file_has_pem_certificate(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len;
	bool found = false;

	while (bio != NULL && !found && PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
		found = strcmp(name, PEM_STRING_X509) == 0 ||
		    strcmp(name, PEM_STRING_X509_OLD) == 0 ||
		    strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	BIO_free(bio);
	ERR_clear_error();
	return found;
}

/*
 * The certificates of a pipe (-r /dev/stdin, -r <(...)), read to its end
 * but no further than PIPE_ROOTS_MAX: a writer that never stops (or
 * /dev/zero given to the library) must not keep the check reading.
 * 1 when at least one certificate was added, 0 when none, -1 when too long.
 */
static int
load_pipe(X509_STORE *store, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(PIPE_ROOTS_MAX + 1);
	size_t len = f != NULL && buf != NULL ? fread(buf, 1, PIPE_ROOTS_MAX + 1, f) : 0;
	STACK_OF(X509_INFO) *infos = NULL;
	BIO *bio;
	int added = 0;

	if (f != NULL)
		fclose(f);
	if (len > PIPE_ROOTS_MAX) {
		free(buf);
		return -1;
	}
	bio = buf != NULL ? BIO_new_mem_buf(buf, (int)len) : NULL;
	if (bio != NULL)
		infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	for (int i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *info = sk_X509_INFO_value(infos, i);

		if (info->x509 != NULL && X509_STORE_add_cert(store, info->x509) == 1)
			added = 1;
		if (info->crl != NULL)
			X509_STORE_add_crl(store, info->crl);
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	free(buf);
	ERR_clear_error();
	return added;
}

static void
no_certificate_error(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' holds no trusted certificate: give a PEM file "
	    "or a directory prepared with openssl rehash", path);
}

static int trust_decode(struct tp_trust *t, char *err, size_t errlen);

static struct tp_trust *
trust_open(const char *file_or_dir, char *err, size_t errlen)
{
	struct tp_trust *t = calloc(1, sizeof(*t));
	struct stat st;

	if (t == NULL || (t->store = X509_STORE_new()) == NULL ||
	    (file_or_dir != NULL && (t->file_or_dir = strdup(file_or_dir)) == NULL)) {
		snprintf(err, errlen, "out of memory loading the trust store");
		tp_trust_free(t);
		return NULL;
	}
	if (file_or_dir == NULL)
		return t;
	if (stat(file_or_dir, &st) != 0) {
		snprintf(err, errlen, "cannot read '%s': %s", file_or_dir, strerror(errno));
		tp_trust_free(t);
		return NULL;
	}
	t->is_dir = S_ISDIR(st.st_mode);
	t->is_pipe = !t->is_dir && !S_ISREG(st.st_mode);
	/* A pipe (-r /dev/stdin, -r <(...)) can be read once: decode it now. */
	if (t->is_pipe && trust_decode(t, err, errlen) < 0) {
		tp_trust_free(t);
		return NULL;
	}
	if (S_ISREG(st.st_mode) && !file_has_pem_certificate(file_or_dir)) {
		no_certificate_error(file_or_dir, err, errlen);
		tp_trust_free(t);
		return NULL;
	}
	return t;
}

static int
trust_decode(struct tp_trust *t, char *err, size_t errlen)
{
	int ok;

	if (t->decoded)
		return 0;
	if (t->file_or_dir == NULL)
		ok = load_system_store(t->store);
	else if (t->is_dir)
		ok = X509_STORE_load_path(t->store, t->file_or_dir);
	else if (t->is_pipe)
		ok = load_pipe(t->store, t->file_or_dir);
	else
		ok = X509_STORE_load_file(t->store, t->file_or_dir);
	ERR_clear_error();
	if (ok != 1) {
		if (ok < 0)
			snprintf(err, errlen, "'%s' gives more than 4 MiB: not a set of roots; "
			    "give the PEM file itself", t->file_or_dir);
		else if (t->file_or_dir != NULL)
			no_certificate_error(t->file_or_dir, err, errlen);
		else
			snprintf(err, errlen, "cannot load the system trust store");
		return -1;
	}
	t->decoded = true;
	return 0;
}

struct tp_trust *
tp_trust_load(const char *file_or_dir, char *err, size_t errlen)
{
	struct tp_trust *t = trust_open(file_or_dir, err, errlen);

	if (t != NULL && trust_decode(t, err, errlen) < 0) {
		tp_trust_free(t);
		return NULL;
	}
	return t;
}

void
tp_trust_free(struct tp_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	free(t->file_or_dir);
	free(t);
}

X509_STORE *
trust_store(const struct tp_trust *t)
{
	return t->store;
}
