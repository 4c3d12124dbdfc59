/*
 * client.c - what every probe of one check shares, and the runner that
 * fans probes out: the TLS context, the decoded trust anchors and the
 * DANE context set-up are made once per client (Postfix's tls_client_init
 * beside tls_client_start), then read by any number of probes at once.
 *
 * tp_client_new() reads the roots once, so that a pipe (-r /dev/stdin)
 * serves every probe; tp_client_run_window() keeps at most WIDTH probes
 * in flight, a worker taking the next probe as soon as its last ends
 * (a sliding window, not batches), all under one monotonic deadline.
 * The client is not changed after tp_client_new() but for its caches of
 * certificate facts (by SHA-256) and chain judgements (by the chain sent),
 * which have their own locks: 100 names served one wildcard certificate
 * derive its facts and verify its chain once.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "probe_internal.h"

#define WINDOW_MIN_MS 100	/* a probe is started with at least this much left */

struct tp_client {
	SSL_CTX *ssl_ctx;
	struct tp_trust *trust;
	struct cert_cache *certs;	/* facts by digest, for the client's lifetime */
	struct chain_check_cache *checks;	/* judgements by the chain sent */
	char error[TP_ERROR_MAX];	/* "" when usable */
};

/*
 * OpenSSL verifies the sent chain in the handshake even under
 * SSL_VERIFY_NONE, against the context's empty store, and the result is
 * thrown away: verify.c judges each distinct chain against -r once for
 * all probes.  Only a DANE probe needs that pass, as OpenSSL matches the
 * TLSA records inside it (dane.c reads its result).
 */
static int
verify_for_dane_only(X509_STORE_CTX *ctx, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	const struct tp_probe *p = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

	(void)arg;
	return p == NULL || p->dane_on ? X509_verify_cert(ctx) : 1;
}

struct tp_client *
tp_client_new(const char *trust_file_or_dir)
{
	struct tp_client *cl = calloc(1, sizeof(*cl));

	if (cl == NULL || (cl->certs = cert_cache_new()) == NULL ||
	    (cl->checks = chain_check_cache_new()) == NULL) {
		if (cl != NULL)
			cert_cache_free(cl->certs);
		free(cl);
		return NULL;
	}
	cl->trust = tp_trust_load(trust_file_or_dir, cl->error, sizeof(cl->error));
	if (cl->trust == NULL)
		return cl;	/* unusable: every probe says why */
	cl->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (cl->ssl_ctx == NULL) {
		snprintf(cl->error, sizeof(cl->error), "cannot create a TLS context");
		ERR_clear_error();
		return cl;
	}
	/* See weak servers as they are: the plugin judges versions and keys. */
	SSL_CTX_set_security_level(cl->ssl_ctx, 0);
	SSL_CTX_set_min_proto_version(cl->ssl_ctx, TLS1_VERSION);
	/*
	 * Every suite but the anonymous ones: a server that prefers its own
	 * order and puts aNULL first (opportunistic TLS allows it) would
	 * otherwise send no certificate at all, though it has one for every
	 * client that asks as verifying clients do.
	 */
	SSL_CTX_set_cipher_list(cl->ssl_ctx, "ALL:!aNULL:@SECLEVEL=0");
	/* DANE for whichever probe brings TLSA records; the others are unaffected. */
	if (SSL_CTX_dane_enable(cl->ssl_ctx) <= 0)
		snprintf(cl->error, sizeof(cl->error), "cannot enable DANE in OpenSSL");
	SSL_CTX_set_cert_verify_callback(cl->ssl_ctx, verify_for_dane_only, NULL);
	/*
	 * Read what the socket holds, not each record's header and then its
	 * body: the server's flight (hello, certificates, finished) is one
	 * read instead of a dozen, and every read is a system call.
	 */
	SSL_CTX_set_read_ahead(cl->ssl_ctx, 1);
	ERR_clear_error();
	return cl;
}

void
tp_client_free(struct tp_client *cl)
{
	if (cl == NULL)
		return;
	SSL_CTX_free(cl->ssl_ctx);
	tp_trust_free(cl->trust);
	chain_check_cache_free(cl->checks);	/* before the facts its chains share */
	cert_cache_free(cl->certs);
	free(cl);
}

const char *
tp_client_error(const struct tp_client *cl)
{
	return cl->error[0] != '\0' ? cl->error : NULL;
}

const struct tp_trust *
tp_client_trust(const struct tp_client *cl)
{
	return cl->error[0] == '\0' ? cl->trust : NULL;
}

SSL_CTX *client_ssl_ctx(const struct tp_client *cl) { return cl->ssl_ctx; }
struct cert_cache *client_cert_cache(const struct tp_client *cl) { return cl->certs; }
struct chain_check_cache *client_check_cache(const struct tp_client *cl) { return cl->checks; }

/* --- the window ------------------------------------------------------------ */

struct window {
	const struct tp_client *client;
	struct tp_probe *const *probes;
	const struct tp_config *const *cfgs;
	size_t n, width;
	int64_t deadline_ms;
	pthread_mutex_t lock;
	size_t next;			/* the next probe to start */
	bool closed;			/* the deadline is too close: start no more */
};

/*
 * The next probe to run, or false.  The first WIDTH always start (a
 * check with a short -t still probes); a later one only with
 * WINDOW_MIN_MS left, and once one is refused all after it are, so that
 * the probes started are the first ones, in order.
 */
static bool
window_take(struct window *w, size_t *i)
{
	bool ok;

	pthread_mutex_lock(&w->lock);
	if (!w->closed && w->next < w->n && w->next >= w->width && w->deadline_ms > 0 &&
	    w->deadline_ms - monotonic_ms() < WINDOW_MIN_MS)
		w->closed = true;
	ok = !w->closed && w->next < w->n;
	if (ok)
		*i = w->next++;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static void *
window_worker(void *arg)
{
	struct window *w = arg;
	size_t i;

	while (window_take(w, &i))
		probe_run(w->probes[i], w->client, w->cfgs[i], w->deadline_ms);
	return NULL;
}

size_t
tp_client_run_window(const struct tp_client *cl, struct tp_probe *const *probes,
    const struct tp_config *const *cfgs, size_t n, size_t width, int64_t deadline_ms)
{
	struct window w = {
		.client = cl, .probes = probes, .cfgs = cfgs, .n = n,
		.width = width > 0 ? width : 1, .deadline_ms = deadline_ms,
	};
	size_t workers = w.width < n ? w.width : n, helpers = 0;
	pthread_t *threads = workers > 1 ? calloc(workers - 1, sizeof(*threads)) : NULL;

	pthread_mutex_init(&w.lock, NULL);
	/* This thread is a worker too; fewer helpers when threads run out. */
	for (size_t k = 0; threads != NULL && k + 1 < workers; k++) {
		if (pthread_create(&threads[k], NULL, window_worker, &w) != 0)
			break;
		helpers++;
	}
	window_worker(&w);
	for (size_t k = 0; k < helpers; k++)
		pthread_join(threads[k], NULL);
	free(threads);
	pthread_mutex_destroy(&w.lock);
	for (size_t i = w.next; i < n; i++)
		probe_not_started(probes[i]);
	return w.next;
}
