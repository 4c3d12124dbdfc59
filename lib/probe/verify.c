/*
 * verify.c - a chain judged as a strict client judges it: only the
 * certificates the server sent plus the trust store, no AIA fetching, no
 * cached intermediates. Says in words why verification failed, which
 * issuer is missing, whether the sent order is right, which certificates
 * are unrelated, and which intermediates only the local store supplied.
 *
 * A judgement never changes once made: the probes of one client that are
 * sent the same chain share one (chain_check_get), so 100 names served
 * one certificate verify its signatures once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "probe_internal.h"

#define PATH_MAX_LINKS 64

/* The first verification error, with the certificate it concerns. */
struct verify_note {
	int code;
	const struct tp_cert *at;	/* NULL when the cert is not one we hold */
	char subject[256];
	char issuer[256];
	time_t not_before, not_after;
};

struct tp_chain_check {
	atomic_int refs;		/* probes sharing it (chain_check_get) */
	bool verified;
	char error[TP_ERROR_MAX];
	char missing_issuer[256];	/* DN nobody supplied, or "" */
	struct tp_chain *verified_chain;
	struct tp_chain *from_store;	/* intermediates the server did not send */
	size_t path[PATH_MAX_LINKS];	/* indices into the sent chain, from the leaf */
	size_t path_len;
	size_t extras[PATH_MAX_LINKS];	/* sent but not on the path */
	size_t extra_count;
	bool root_sent;
};

/* --- verification --------------------------------------------------------- */

static void
name_oneline(const X509_NAME *name, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (bio == NULL)
		return;
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_read(bio, out, (int)size - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

static int
note_first_error(int preverify_ok, X509_STORE_CTX *ctx)
{
	struct verify_note *note = X509_STORE_CTX_get_app_data(ctx);
	X509 *cert = X509_STORE_CTX_get_current_cert(ctx);

	if (preverify_ok || note == NULL || note->code != X509_V_OK)
		return preverify_ok;
	note->code = X509_STORE_CTX_get_error(ctx);
	if (cert != NULL) {
		name_oneline(X509_get_subject_name(cert), note->subject, sizeof(note->subject));
		name_oneline(X509_get_issuer_name(cert), note->issuer, sizeof(note->issuer));
		note->not_before = asn1_time_to_time(X509_get0_notBefore(cert));
		note->not_after = asn1_time_to_time(X509_get0_notAfter(cert));
	}
	return preverify_ok;
}

static void
format_day(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

static void
describe_error(struct tp_chain_check *cc, const struct verify_note *n)
{
	char day[16];
	const char *who = n->subject[0] ? n->subject : "the server certificate";

	switch (n->code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		format_day(n->not_after, day, sizeof(day));
		snprintf(cc->error, sizeof(cc->error), "'%s' expired on %s", who, day);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		format_day(n->not_before, day, sizeof(day));
		snprintf(cc->error, sizeof(cc->error),
		    "'%s' is not valid before %s (check the server's clock too)", who, day);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		snprintf(cc->missing_issuer, sizeof(cc->missing_issuer), "%s", n->issuer);
		snprintf(cc->error, sizeof(cc->error),
		    "the issuer '%s' of '%s' was not sent by the server and is not "
		    "trusted: serve the full chain (intermediate included), or the "
		    "issuing CA is not in the trust store", n->issuer, who);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(cc->error, sizeof(cc->error), "'%s' is self-signed and not trusted", who);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(cc->error, sizeof(cc->error),
		    "the chain ends in the root '%s', which is not trusted", who);
		break;
	default:
		snprintf(cc->error, sizeof(cc->error), "'%s' does not verify: %s", who,
		    X509_verify_cert_error_string(n->code));
		break;
	}
}

/* Intermediates of the verified chain that are not among the sent ones. */
static int
collect_from_store(struct tp_chain_check *cc, const struct tp_chain *sent)
{
	size_t n = tp_chain_count(cc->verified_chain);

	cc->from_store = chain_new();
	if (cc->from_store == NULL)
		return -1;
	for (size_t i = 1; i + 1 < n; i++) {	/* not the leaf, not the anchor */
		const struct tp_cert *c = tp_chain_cert(cc->verified_chain, i);
		bool was_sent = false;

		for (size_t j = 0; j < tp_chain_count(sent) && !was_sent; j++)
			was_sent = strcmp(tp_cert_sha256(tp_chain_cert(sent, j)),
			    tp_cert_sha256(c)) == 0;
		if (!was_sent && chain_push_cert(cc->from_store, c) < 0)
			return -1;
	}
	return 0;
}

static int
run_verification(struct tp_chain_check *cc, const struct tp_chain *sent,
    const struct tp_trust *trust, struct cert_cache *cache)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	struct verify_note note = { .code = X509_V_OK };
	int rc = -1;

	for (size_t i = 1; untrusted != NULL && i < tp_chain_count(sent); i++)
		if (!sk_X509_push(untrusted, cert_x509(tp_chain_cert(sent, i))))
			goto out;
	if (ctx == NULL || untrusted == NULL ||
	    X509_STORE_CTX_init(ctx, trust_store(trust), cert_x509(tp_chain_cert(sent, 0)),
	    untrusted) != 1)
		goto out;
	X509_STORE_CTX_set_default(ctx, "ssl_server");
	X509_STORE_CTX_set_app_data(ctx, &note);
	X509_STORE_CTX_set_verify_cb(ctx, note_first_error);
	cc->verified = X509_verify_cert(ctx) == 1;
	if (!cc->verified) {
		if (note.code == X509_V_OK)
			note.code = X509_STORE_CTX_get_error(ctx);
		describe_error(cc, &note);
		cc->verified_chain = chain_new();
	} else
		cc->verified_chain = chain_from_stack(X509_STORE_CTX_get0_chain(ctx), sent, cache);
	rc = cc->verified_chain != NULL && (!cc->verified ||
	    collect_from_store(cc, sent) == 0) ? 0 : -1;
out:
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	return rc;
}

/* --- order ----------------------------------------------------------------- */

/* True when ISSUER follows C in the verified chain: signature checked. */
static bool
verified_pair(const struct tp_chain_check *cc, const struct tp_cert *c,
    const struct tp_cert *issuer)
{
	const struct tp_chain *v = cc->verified_chain;

	for (size_t k = 0; cc->verified && k + 1 < tp_chain_count(v); k++)
		if (X509_cmp(cert_x509(tp_chain_cert(v, k)), cert_x509(c)) == 0)
			return X509_cmp(cert_x509(tp_chain_cert(v, k + 1)),
			    cert_x509(issuer)) == 0;
	return false;
}

/* Follows issuers among the sent certificates, from the leaf. */
static void
trace_path(struct tp_chain_check *cc, const struct tp_chain *sent)
{
	size_t n = tp_chain_count(sent);
	bool used[PATH_MAX_LINKS] = { false };

	if (n > PATH_MAX_LINKS)
		n = PATH_MAX_LINKS;
	cc->path[cc->path_len++] = 0;
	used[0] = true;
	for (size_t cur = 0;;) {
		const struct tp_cert *c = tp_chain_cert(sent, cur);
		size_t next = n;

		if (tp_cert_is_self_signed(c)) {
			cc->root_sent = cc->path_len > 1;	/* a self-signed leaf is no root */
			break;
		}
		for (size_t j = 0; j < n && next == n; j++)
			if (!used[j] && (verified_pair(cc, c, tp_chain_cert(sent, j)) ||
			    tp_cert_issued_by(c, tp_chain_cert(sent, j))))
				next = j;
		if (next == n)
			break;
		used[next] = true;
		cc->path[cc->path_len++] = next;
		cur = next;
	}
	for (size_t j = 0; j < n; j++)
		if (!used[j])
			cc->extras[cc->extra_count++] = j;
}

/* --- the public verbs ------------------------------------------------------ */

struct tp_chain_check *
tp_chain_check_new(const struct tp_chain *sent, const struct tp_trust *trust)
{
	return chain_check_new(sent, trust, NULL);
}

struct tp_chain_check *
chain_check_new(const struct tp_chain *sent, const struct tp_trust *trust,
    struct cert_cache *cache)
{
	struct tp_chain_check *cc;

	if (tp_chain_count(sent) == 0 || trust == NULL)
		return NULL;
	cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		return NULL;
	atomic_init(&cc->refs, 1);
	if (run_verification(cc, sent, trust, cache) < 0) {
		tp_chain_check_free(cc);
		return NULL;
	}
	trace_path(cc, sent);
	return cc;
}

void
tp_chain_check_free(struct tp_chain_check *cc)
{
	if (cc == NULL || atomic_fetch_sub(&cc->refs, 1) > 1)
		return;
	tp_chain_free(cc->verified_chain);
	tp_chain_free(cc->from_store);
	free(cc);
}

const char *
tp_chain_web_problem(const struct tp_chain *chain, const struct tp_trust *trust,
    const char *host, time_t now, char *buf, size_t size)
{
	struct tp_trust *own = NULL;
	struct tp_chain_check *cc = NULL;
	const char *problem = NULL;

	if (chain == NULL || tp_chain_count(chain) == 0)
		problem = "no certificate was sent";
	else if (trust == NULL && (trust = own = tp_trust_load(NULL, buf, size)) == NULL)
		problem = buf;		/* the system store's own sentence */
	else if ((cc = tp_chain_check_new(chain, trust)) == NULL)
		problem = "out of memory verifying the chain";
	else if (!tp_chain_check_verified(cc))
		problem = tp_chain_check_error(cc);
	else if (!tp_cert_matches_name(tp_chain_cert(chain, 0), host)) {
		snprintf(buf, size, "the certificate does not cover '%s'", host);
		problem = buf;
	} else if (tp_cert_not_after(tp_chain_cert(chain, 0)) < now)
		problem = "the certificate has expired";
	if (problem != NULL && problem != buf)
		snprintf(buf, size, "%s", problem);	/* before cc, which may hold it, is freed */
	tp_chain_check_free(cc);
	tp_trust_free(own);
	return problem != NULL ? buf : NULL;
}

/* --- judgements shared ------------------------------------------------------ */

struct check_entry {
	struct check_entry *next;
	struct tp_chain *sent;		/* the key: certificates from the cert cache */
	struct tp_chain_check *cc;	/* the cache's own reference */
};

struct chain_check_cache {
	pthread_mutex_t lock;
	struct check_entry *entries;
};

struct chain_check_cache *
chain_check_cache_new(void)
{
	struct chain_check_cache *cache = calloc(1, sizeof(*cache));

	if (cache != NULL && pthread_mutex_init(&cache->lock, NULL) != 0) {
		free(cache);
		return NULL;
	}
	return cache;
}

void
chain_check_cache_free(struct chain_check_cache *cache)
{
	struct check_entry *e, *next;

	if (cache == NULL)
		return;
	for (e = cache->entries; e != NULL; e = next) {
		next = e->next;
		tp_chain_free(e->sent);
		tp_chain_check_free(e->cc);
		free(e);
	}
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

/*
 * True when A and B hold the very same facts in the same order: with the
 * cert cache, the same certificates (same DER) as sent.
 */
static bool
same_certs(const struct tp_chain *a, const struct tp_chain *b)
{
	if (tp_chain_count(a) != tp_chain_count(b))
		return false;
	for (size_t i = 0; i < tp_chain_count(a); i++)
		if (tp_chain_cert(a, i) != tp_chain_cert(b, i))
			return false;
	return true;
}

static struct tp_chain_check *
cache_find(struct chain_check_cache *cache, const struct tp_chain *sent)
{
	struct tp_chain_check *cc = NULL;

	pthread_mutex_lock(&cache->lock);
	for (struct check_entry *e = cache->entries; e != NULL && cc == NULL; e = e->next)
		if (same_certs(e->sent, sent)) {
			cc = e->cc;
			atomic_fetch_add(&cc->refs, 1);
		}
	pthread_mutex_unlock(&cache->lock);
	return cc;
}

struct tp_chain_check *
chain_check_get(struct chain_check_cache *cache, const struct tp_chain *sent,
    const struct tp_trust *trust, struct cert_cache *certs)
{
	struct tp_chain_check *cc;
	struct check_entry *e;

	if (cache == NULL)
		return chain_check_new(sent, trust, certs);
	if ((cc = cache_find(cache, sent)) != NULL)
		return cc;
	cc = chain_check_new(sent, trust, certs);
	if (cc == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return cc;	/* unshared, still correct */
	e->sent = chain_new();
	for (size_t i = 0; e->sent != NULL && i < tp_chain_count(sent); i++)
		if (chain_push_cert(e->sent, tp_chain_cert(sent, i)) < 0) {
			tp_chain_free(e->sent);
			e->sent = NULL;	/* chain_push_cert freed nothing of SENT */
		}
	if (e->sent == NULL) {
		free(e);
		return cc;
	}
	e->cc = cc;
	atomic_fetch_add(&cc->refs, 1);	/* the cache's */
	pthread_mutex_lock(&cache->lock);
	e->next = cache->entries;
	cache->entries = e;
	pthread_mutex_unlock(&cache->lock);
	return cc;
}

bool tp_chain_check_verified(const struct tp_chain_check *cc) { return cc->verified; }
const struct tp_chain *tp_chain_check_verified_chain(const struct tp_chain_check *cc) { return cc->verified_chain; }
const struct tp_chain *tp_chain_check_from_store(const struct tp_chain_check *cc) { return cc->from_store; }
size_t tp_chain_check_path_length(const struct tp_chain_check *cc) { return cc->path_len; }
size_t tp_chain_check_extra_count(const struct tp_chain_check *cc) { return cc->extra_count; }
bool tp_chain_check_root_sent(const struct tp_chain_check *cc) { return cc->root_sent; }

const char *
tp_chain_check_error(const struct tp_chain_check *cc)
{
	return cc->verified ? NULL : cc->error;
}

const char *
tp_chain_check_missing_issuer(const struct tp_chain_check *cc)
{
	return cc->missing_issuer[0] ? cc->missing_issuer : NULL;
}

size_t
tp_chain_check_path_index(const struct tp_chain_check *cc, size_t k)
{
	return k < cc->path_len ? cc->path[k] : (size_t)-1;
}

size_t
tp_chain_check_extra(const struct tp_chain_check *cc, size_t i)
{
	return i < cc->extra_count ? cc->extras[i] : (size_t)-1;
}

bool
tp_chain_check_in_order(const struct tp_chain_check *cc)
{
	for (size_t k = 0; k < cc->path_len; k++)
		if (cc->path[k] != k)
			return false;
	return true;
}
