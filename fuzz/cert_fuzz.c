/*
 * cert_fuzz - feeds the input to d2i_X509 (DER) and to a PEM_read_bio_X509
 * loop on a memory BIO, pushes every certificate into a struct tp_chain with
 * chain_push() (and chain_from_stack(), own and shared) and calls every tp_cert_*
 * accessor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "probe_internal.h"

#define PEM_MAX 8	/* certificates read from one input */

static void
check_str(const char *s)
{
	if (s == NULL)
		abort();
	(void)strlen(s);	/* ASan: NUL-terminated within its object */
}

static volatile size_t sink;

static void
exercise(const struct tp_chain *chain)
{
	size_t n = tp_chain_count(chain);

	for (size_t i = 0; i < n; i++) {
		const struct tp_cert *c = tp_chain_cert(chain, i);
		const char *sha;

		if (c == NULL)
			abort();
		check_str(tp_cert_subject(c));
		check_str(tp_cert_issuer(c));
		check_str(tp_cert_subject_cn(c));
		check_str(tp_cert_issuer_cn(c));
		check_str(tp_cert_issuer_org(c));
		for (size_t j = 0; j < tp_cert_san_count(c); j++)
			check_str(tp_cert_san(c, j));
		if (tp_cert_san(c, tp_cert_san_count(c)) != NULL)
			abort();
		check_str(tp_cert_serial(c));
		sink += (size_t)tp_cert_not_before(c) + (size_t)tp_cert_not_after(c);
		check_str(tp_cert_signature_algorithm(c));
		check_str(tp_cert_signature_digest(c));
		check_str(tp_cert_key_type(c));
		sink += (size_t)tp_cert_key_bits(c);
		sha = tp_cert_sha256(c);
		if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
			abort();
		sink += tp_cert_is_self_signed(c) + tp_cert_is_ca(c);
		sink += tp_cert_matches_name(c, "mail.example.test");
		sink += tp_cert_matches_name(c, "192.0.2.1");
		sink += tp_cert_issued_by(c, c);
		if (i > 0)
			sink += tp_cert_issued_by(tp_chain_cert(chain, i - 1), c);
	}
	if (tp_chain_cert(chain, n) != NULL)
		abort();
}

/* Pushes X into CHAIN and hands our reference to STACK (for chain_from_stack). */
static void
keep(struct tp_chain *chain, STACK_OF(X509) *stack, X509 *x)
{
	if (chain_push(chain, x) != 0) {
		X509_free(x);	/* out of memory only */
		return;
	}
	if (!sk_X509_push(stack, x))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_chain *chain = chain_new();
	STACK_OF(X509) *stack = sk_X509_new_null();
	const unsigned char *p = data;
	X509 *x;
	BIO *bio;

	if (chain == NULL || stack == NULL)
		abort();
	/* DER */
	x = d2i_X509(NULL, &p, (long)size);
	if (x != NULL)
		keep(chain, stack, x);
	/* PEM, possibly several certificates */
	bio = BIO_new_mem_buf(data, (int)size);
	if (bio == NULL)
		abort();
	for (int i = 0; i < PEM_MAX && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL; i++) {
		keep(chain, stack, x);
	}
	BIO_free(bio);
	ERR_clear_error();

	exercise(chain);
	{
		/* A chain of its own, and two sharing CHAIN's facts: one freed
		 * before CHAIN, one after (a shared certificate outlives any holder). */
		struct cert_cache *cache = cert_cache_new();
		struct tp_chain *copy = chain_from_stack(stack, NULL, NULL);
		struct tp_chain *early = chain_from_stack(stack, chain, NULL);
		struct tp_chain *shared = chain_from_stack(stack, chain, NULL);
		/* Two chains through one cache share each certificate's facts. */
		struct tp_chain *cached1 = chain_from_stack(stack, NULL, cache);
		struct tp_chain *cached2 = chain_from_stack(stack, NULL, cache);

		if (copy == NULL || tp_chain_count(copy) != (size_t)sk_X509_num(stack) ||
		    early == NULL || shared == NULL || cache == NULL || cached1 == NULL ||
		    cached2 == NULL || tp_chain_count(shared) != tp_chain_count(chain) ||
		    tp_chain_count(cached2) != tp_chain_count(copy))
			abort();
		for (size_t i = 0; i < tp_chain_count(cached2); i++)
			if (tp_chain_cert(cached1, i) != tp_chain_cert(cached2, i))
				abort();
		tp_chain_free(cached1);
		cert_cache_free(cache);
		exercise(cached2);
		tp_chain_free(cached2);
		exercise(early);
		tp_chain_free(early);
		for (size_t i = 0; i < tp_chain_count(shared); i++)
			if (tp_chain_cert(shared, i) != tp_chain_cert(chain, i) ||
			    strcmp(tp_cert_sha256(tp_chain_cert(copy, i)),
			    tp_cert_sha256(tp_chain_cert(shared, i))) != 0)
				abort();
		exercise(copy);
		tp_chain_free(copy);
		tp_chain_free(chain);
		exercise(shared);
		tp_chain_free(shared);
	}
	sk_X509_pop_free(stack, X509_free);
	ERR_clear_error();
	return 0;
}
