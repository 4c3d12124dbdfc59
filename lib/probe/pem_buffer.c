/*
 * pem_buffer.c - tp_chain_load_pem_buffer(): the in-memory twin of
 * tp_chain_load_file(), for certificates that arrive as PEM text (libcurl's
 * CERTINFO) rather than from a probe's handshake or a file.
 */
#include <limits.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pem_buffer.h"
#include "probe_internal.h"

struct tp_chain *
tp_chain_load_pem_buffer(const char *pem, size_t len, char *err, size_t errlen)
{
	struct tp_chain *chain;
	BIO *bio;
	X509 *x;

	if (len > INT_MAX) {
		snprintf(err, errlen, "the PEM text is larger than %d bytes", INT_MAX);
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	chain = bio != NULL ? chain_new() : NULL;
	while (chain != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		int rc = chain_push(chain, x);

		X509_free(x);
		if (rc < 0) {
			tp_chain_free(chain);
			chain = NULL;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	if (chain != NULL && tp_chain_count(chain) == 0) {
		snprintf(err, errlen, "the PEM text holds no certificate");
		tp_chain_free(chain);
		return NULL;
	}
	if (chain == NULL)
		snprintf(err, errlen, "out of memory reading PEM certificates");
	return chain;
}
