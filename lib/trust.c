/*
 * trust.c - the trust anchors a strict client verifies against: the
 * system store, or the roots the caller names (-r FILE or a hashed DIR).
 *
 * Loaded once per probe or plugin run and shared by the handshake's
 * verification, the chain analysis and stapled OCSP checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "probe_internal.h"

struct tp_trust {
	X509_STORE *store;
};

struct tp_trust *
tp_trust_load(const char *file_or_dir, char *err, size_t errlen)
{
	struct tp_trust *t = calloc(1, sizeof(*t));
	struct stat st;
	int ok = 0;

	if (t == NULL || (t->store = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "out of memory loading the trust store");
		tp_trust_free(t);
		return NULL;
	}
	if (errlen > 0)
		err[0] = '\0';
	if (file_or_dir == NULL)
		ok = X509_STORE_set_default_paths(t->store);
	else if (stat(file_or_dir, &st) != 0)
		snprintf(err, errlen, "cannot read '%s': %s", file_or_dir, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		ok = X509_STORE_load_path(t->store, file_or_dir);
	else
		ok = X509_STORE_load_file(t->store, file_or_dir);
	ERR_clear_error();
	if (ok != 1) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, file_or_dir ? "'%s' holds no trusted "
			    "certificate: give a PEM file or a directory prepared with "
			    "openssl rehash" : "cannot load the system trust store%s",
			    file_or_dir ? file_or_dir : "");
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
	free(t);
}

X509_STORE *
trust_store(const struct tp_trust *t)
{
	return t->store;
}
