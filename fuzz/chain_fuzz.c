/*
 * chain_fuzz - feeds the input as a PEM chain (leaf first, as a server sends
 * it) through a PEM_read_bio_X509 loop into tp_chain_check_new() against a
 * trust store holding the test root, and reads every tp_chain_check_* fact.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "probe_internal.h"

#define PEM_MAX 16	/* certificates read from one input */

/* t/pki/root.crt of the generation the seed chains in corpus/chain come from. */
static const char root_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBrDCCAVKgAwIBAgIIEB8gUyyQV9kwCgYIKoZIzj0EAwIwOjEXMBUGA1UECgwO\n"
	"dGxzLXByb2JlIHRlc3QxHzAdBgNVBAMMFnRscy1wcm9iZSBUZXN0IFJvb3QgQ0Ew\n"
	"HhcNMjUxMTI1MDQyMzA3WhcNMzYxMTI1MDQyMzA3WjA6MRcwFQYDVQQKDA50bHMt\n"
	"cHJvYmUgdGVzdDEfMB0GA1UEAwwWdGxzLXByb2JlIFRlc3QgUm9vdCBDQTBZMBMG\n"
	"ByqGSM49AgEGCCqGSM49AwEHA0IABObovZXEsJgSWLjy9H9RfOFQ1eXTtD+MHT6u\n"
	"9WW3mevqw0Ogz9ZugKh3hhnmeX27Gf5ZOneRI1yirWBc+Pt7aT6jQjBAMA8GA1Ud\n"
	"EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBSA/H8Pg10i7AQd\n"
	"XMU0kW576/d90jAKBggqhkjOPQQDAgNIADBFAiEAnr4whSMEPX1nbRV1iUOzC4Zz\n"
	"Jl4qbKsqFlE+WVd9jx4CIFDRiVG7oSzRBBqFpTcNL2iCLEAFKr5HQN7G46ZiLTrM\n"
	"-----END CERTIFICATE-----\n";

static struct tp_trust *trust;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/chain_fuzz_root.XXXXXX", err[256];
	int fd = mkstemp(path);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, root_pem, sizeof(root_pem) - 1) != (ssize_t)sizeof(root_pem) - 1)
		abort();
	close(fd);
	trust = tp_trust_load(path, err, sizeof(err));
	unlink(path);
	if (trust == NULL) {
		fprintf(stderr, "chain_fuzz: %s\n", err);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_chain *chain = chain_new();
	struct tp_chain_check *cc;
	BIO *bio = BIO_new_mem_buf(data, (int)size);
	X509 *x;
	size_t n, len, extras;
	bool seen[PEM_MAX] = { false };

	if (chain == NULL || bio == NULL)
		abort();
	for (int i = 0; i < PEM_MAX && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL; i++) {
		(void)chain_push(chain, x);	/* fails only without memory */
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	n = tp_chain_count(chain);

	cc = tp_chain_check_new(chain, trust);
	if ((cc == NULL) != (n == 0))
		abort();
	if (cc != NULL) {
		const char *e = tp_chain_check_error(cc);
		const char *m = tp_chain_check_missing_issuer(cc);
		const struct tp_chain *v = tp_chain_check_verified_chain(cc);
		const struct tp_chain *s = tp_chain_check_from_store(cc);

		if (tp_chain_check_verified(cc) != (e == NULL))
			abort();
		if (e != NULL && (e[0] == '\0' || strnlen(e, TP_ERROR_MAX) == TP_ERROR_MAX))
			abort();
		if (m != NULL && strlen(m) == 0)
			abort();
		if (v == NULL || (tp_chain_check_verified(cc) != (tp_chain_count(v) > 0)))
			abort();
		if (tp_chain_check_verified(cc) && s == NULL)
			abort();
		for (size_t i = 0; i < tp_chain_count(v); i++)
			(void)strlen(tp_cert_subject(tp_chain_cert(v, i)));
		for (size_t i = 0; i < tp_chain_count(s); i++)
			(void)strlen(tp_cert_subject(tp_chain_cert(s, i)));
		/* The path and the extras partition the sent certificates. */
		len = tp_chain_check_path_length(cc);
		extras = tp_chain_check_extra_count(cc);
		if (len < 1 || len + extras != n || tp_chain_check_path_index(cc, 0) != 0)
			abort();
		for (size_t k = 0; k < len + extras; k++) {
			size_t i = k < len ? tp_chain_check_path_index(cc, k) :
			    tp_chain_check_extra(cc, k - len);
			if (i >= n || seen[i])
				abort();
			seen[i] = true;
		}
		if (tp_chain_check_path_index(cc, len) != (size_t)-1 ||
		    tp_chain_check_extra(cc, extras) != (size_t)-1)
			abort();
		(void)tp_chain_check_in_order(cc);
		(void)tp_chain_check_root_sent(cc);
		tp_chain_check_free(cc);
	}
	tp_chain_free(chain);
	ERR_clear_error();
	return 0;
}
