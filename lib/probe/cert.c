/*
 * cert.c - facts about certificates and chains: names, dates, keys,
 * fingerprints, as plain strings and numbers a plugin can print.
 *
 * Each struct tp_cert holds its X509 and the strings derived from it,
 * computed once when the certificate enters a chain, so the accessors
 * are cheap and never fail.  A client's cache (cert_cache) keeps them by
 * SHA-256, so that the many probes of one check that are served one
 * certificate (100 names, one wildcard) derive its facts once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "probe_internal.h"

#define SAN_MAX 256	/* names we keep per certificate */

struct tp_cert {
	atomic_int refs;	/* chains holding it: a verified chain shares the sent one's */
	X509 *x509;
	char *subject, *issuer;
	char subject_cn[256], issuer_cn[256], issuer_org[256];
	char **sans;
	size_t san_count;
	char serial[128];
	time_t not_before, not_after;
	char sig_alg[64], sig_digest[32];
	char key_type[16];
	int key_bits;
	char sha256[65];
	char spki_sha256[65];
};

struct tp_chain {
	struct tp_cert **certs;
	size_t count;
};

/* --- derived strings ---------------------------------------------------- */

static char *
name_string(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;

	if (bio == NULL)
		return NULL;
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(bio, &data);
	out = malloc((size_t)len + 1);
	if (out != NULL) {
		if (len > 0)	/* an empty name (subject "") leaves DATA NULL */
			memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(bio);
	return out;
}

static void
name_field(const X509_NAME *name, int nid, char *out, size_t size)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	const ASN1_STRING *s;
	unsigned char *utf8 = NULL;
	int len;

	out[0] = '\0';
	if (i < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	len = ASN1_STRING_to_UTF8(&utf8, s);
	if (len >= 0) {
		copy_printable(out, size, (const char *)utf8);
		OPENSSL_free(utf8);
	}
}

time_t
asn1_time_to_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static int
add_san(struct tp_cert *c, const char *text)
{
	char **grown;

	if (c->san_count >= SAN_MAX)
		return 0;
	grown = realloc(c->sans, (c->san_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	c->sans = grown;
	c->sans[c->san_count] = strdup(text);
	if (c->sans[c->san_count] == NULL)
		return -1;
	c->san_count++;
	return 0;
}

static int
collect_sans(struct tp_cert *c)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(c->x509, NID_subject_alt_name, NULL, NULL);
	int rc = 0;

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && rc == 0; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		char text[256];

		if (gn->type == GEN_DNS) {
			copy_printable(text, sizeof(text),
			    (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
			rc = add_san(c, text);
		} else if (gn->type == GEN_IPADD) {
			int len = ASN1_STRING_length(gn->d.iPAddress);
			const unsigned char *b = ASN1_STRING_get0_data(gn->d.iPAddress);
			if ((len != 4 && len != 16) ||
			    inet_ntop(len == 4 ? AF_INET : AF_INET6, b, text, sizeof(text)) == NULL)
				snprintf(text, sizeof(text), "(malformed IP address)");
			rc = add_san(c, text);
		}
	}
	GENERAL_NAMES_free(names);
	return rc;
}

static void
collect_key(struct tp_cert *c)
{
	EVP_PKEY *key = X509_get0_pubkey(c->x509);
	int id = key ? EVP_PKEY_get_base_id(key) : 0;

	c->key_bits = key ? EVP_PKEY_get_bits(key) : 0;
	snprintf(c->key_type, sizeof(c->key_type), "%s",
	    id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" :
	    id == EVP_PKEY_ED25519 ? "ED25519" : id == EVP_PKEY_ED448 ? "ED448" :
	    id == EVP_PKEY_DSA ? "DSA" : "unknown");
}

static void
collect_signature(struct tp_cert *c)
{
	int sig_nid = X509_get_signature_nid(c->x509), md_nid = NID_undef, pk_nid;

	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", OBJ_nid2ln(sig_nid));
	if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) != 1 || md_nid == NID_undef)
		snprintf(c->sig_digest, sizeof(c->sig_digest), "%s",
		    sig_nid == NID_ED25519 || sig_nid == NID_ED448 ? "intrinsic" : "unknown");
	else
		snprintf(c->sig_digest, sizeof(c->sig_digest), "%s", OBJ_nid2sn(md_nid));
}

/* SHA-256 of the whole SubjectPublicKeyInfo (X509_pubkey_digest() hashes
 * the key bits only, which is not what TLSA "3 1 1" pins). */
static void
spki_digest(const struct tp_cert *c, unsigned char *md, unsigned int *md_len)
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x509), &der);

	*md_len = 0;
	if (len > 0 && EVP_Digest(der, (size_t)len, md, md_len, EVP_sha256(), NULL) != 1)
		*md_len = 0;
	OPENSSL_free(der);
}

static void
hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static void
collect_serial_and_digest(struct tp_cert *c)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x509), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	snprintf(c->serial, sizeof(c->serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	if (X509_digest(c->x509, EVP_sha256(), md, &md_len) == 1 && md_len == 32)
		hex_encode(c->sha256, md, md_len);
	spki_digest(c, md, &md_len);
	if (md_len == 32)
		hex_encode(c->spki_sha256, md, md_len);
}

/* Base64url of IN without padding (RFC 4648 5); -1 when SIZE is short. */
static int
base64url_encode(char *out, size_t size, const unsigned char *in, size_t len)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	if (size < (len * 4 + 2) / 3 + 1)
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = digits[(v >> 18) & 63];
		out[o++] = digits[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = digits[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = digits[v & 63];
	}
	out[o] = '\0';
	return 0;
}

int
tp_cert_ari_id(const struct tp_cert *c, char *out, size_t size)
{
	const ASN1_OCTET_STRING *keyid = X509_get0_authority_key_id(c->x509);
	unsigned char *der = NULL;
	const unsigned char *content;
	int der_len, tag, cls, rc = -1;
	long content_len;
	size_t kl;

	if (size > 0)
		out[0] = '\0';
	if (keyid == NULL || ASN1_STRING_length(keyid) <= 0)
		return -1;
	der_len = i2d_ASN1_INTEGER(X509_get0_serialNumber(c->x509), &der);
	content = der;
	/* The serial's content octets: its DER minus the tag and length. */
	if (der_len > 0 && (ASN1_get_object(&content, &content_len, &tag, &cls, der_len) &
	    0x80) == 0 && tag == V_ASN1_INTEGER && content_len > 0 &&
	    base64url_encode(out, size, ASN1_STRING_get0_data(keyid),
	    (size_t)ASN1_STRING_length(keyid)) == 0 && (kl = strlen(out)) + 1 < size) {
		out[kl] = '.';
		rc = base64url_encode(out + kl + 1, size - kl - 1, content, (size_t)content_len);
	}
	if (rc < 0 && size > 0)
		out[0] = '\0';
	OPENSSL_free(der);
	return rc;
}

/* The DER a TLSA selector names: 0 the certificate, 1 its public key. */
static int
tlsa_selected(const struct tp_cert *c, uint8_t selector, unsigned char **der)
{
	*der = NULL;
	if (selector == 0)
		return i2d_X509(c->x509, der);
	if (selector == 1)
		return i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x509), der);
	return -1;
}

bool
tp_cert_tlsa_matches(const struct tp_cert *c, uint8_t selector, uint8_t mtype,
    const unsigned char *data, size_t len)
{
	unsigned char *der, md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int der_len = tlsa_selected(c, selector, &der);
	bool match = false;

	if (der_len <= 0)
		return false;
	if (mtype == 0)
		match = (size_t)der_len == len && memcmp(der, data, len) == 0;
	else if ((mtype == 1 || mtype == 2) && EVP_Digest(der, (size_t)der_len, md, &md_len,
	    mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL) == 1)
		match = md_len == len && memcmp(md, data, len) == 0;
	OPENSSL_free(der);
	return match;
}

static void
cert_free(struct tp_cert *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) > 1)
		return;
	for (size_t i = 0; i < c->san_count; i++)
		free(c->sans[i]);
	free(c->sans);
	free(c->subject);
	free(c->issuer);
	X509_free(c->x509);
	free(c);
}

static struct tp_cert *
cert_new(X509 *x)
{
	struct tp_cert *c = calloc(1, sizeof(*c));

	if (c == NULL || X509_up_ref(x) != 1) {
		free(c);
		return NULL;
	}
	atomic_init(&c->refs, 1);
	c->x509 = x;
	c->subject = name_string(X509_get_subject_name(x));
	c->issuer = name_string(X509_get_issuer_name(x));
	name_field(X509_get_subject_name(x), NID_commonName, c->subject_cn, sizeof(c->subject_cn));
	name_field(X509_get_issuer_name(x), NID_commonName, c->issuer_cn, sizeof(c->issuer_cn));
	name_field(X509_get_issuer_name(x), NID_organizationName, c->issuer_org,
	    sizeof(c->issuer_org));
	c->not_before = asn1_time_to_time(X509_get0_notBefore(x));
	c->not_after = asn1_time_to_time(X509_get0_notAfter(x));
	collect_key(c);
	collect_signature(c);
	collect_serial_and_digest(c);
	if (c->subject == NULL || c->issuer == NULL || collect_sans(c) < 0) {
		cert_free(c);
		return NULL;
	}
	return c;
}

/* --- the cache ------------------------------------------------------------- */

#define CACHE_BUCKETS 256

struct cache_entry {
	struct cache_entry *next;
	unsigned char md[32];		/* SHA-256 of the DER */
	struct tp_cert *cert;		/* the cache's own reference */
};

struct cert_cache {
	pthread_mutex_t lock;
	struct cache_entry *buckets[CACHE_BUCKETS];
	/* Fetched once: EVP_sha256() makes OpenSSL 3 look it up on every digest. */
	EVP_MD *sha256;
};

struct cert_cache *
cert_cache_new(void)
{
	struct cert_cache *cache = calloc(1, sizeof(*cache));

	if (cache == NULL)
		return NULL;
	if ((cache->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    pthread_mutex_init(&cache->lock, NULL) != 0) {
		EVP_MD_free(cache->sha256);
		free(cache);
		ERR_clear_error();
		return NULL;
	}
	return cache;
}

void
cert_cache_free(struct cert_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t b = 0; b < CACHE_BUCKETS; b++) {
		struct cache_entry *e = cache->buckets[b], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			cert_free(e->cert);
			free(e);
		}
	}
	pthread_mutex_destroy(&cache->lock);
	EVP_MD_free(cache->sha256);
	free(cache);
}

/*
 * X's facts, with a reference for the caller: from CACHE when a certificate
 * of the same DER was seen, else derived now (and kept in CACHE, if any).
 * Two threads that miss together both derive; the first to insert wins.
 */
static struct tp_cert *
cert_get(struct cert_cache *cache, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	struct cache_entry *e, **bucket;
	struct tp_cert *c;

	if (cache == NULL || X509_digest(x, cache->sha256, md, &md_len) != 1 || md_len != 32)
		return cert_new(x);
	bucket = &cache->buckets[md[0]];
	pthread_mutex_lock(&cache->lock);
	for (e = *bucket; e != NULL && memcmp(e->md, md, 32) != 0; e = e->next)
		;
	if (e != NULL)
		atomic_fetch_add(&e->cert->refs, 1);
	pthread_mutex_unlock(&cache->lock);
	if (e != NULL)
		return e->cert;
	if ((c = cert_new(x)) == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return c;	/* uncached, still correct */
	memcpy(e->md, md, 32);
	e->cert = c;
	atomic_fetch_add(&c->refs, 1);	/* the cache's */
	pthread_mutex_lock(&cache->lock);
	e->next = *bucket;
	*bucket = e;
	pthread_mutex_unlock(&cache->lock);
	return c;
}

/* --- chains ----------------------------------------------------------------- */

struct tp_chain *
chain_new(void)
{
	return calloc(1, sizeof(struct tp_chain));
}

/* Appends C, taking over the caller's reference to it. */
static int
chain_append(struct tp_chain *chain, struct tp_cert *c)
{
	struct tp_cert **grown;

	grown = realloc(chain->certs, (chain->count + 1) * sizeof(*grown));
	if (grown == NULL) {
		cert_free(c);
		return -1;
	}
	chain->certs = grown;
	chain->certs[chain->count++] = c;
	return 0;
}

int
chain_push(struct tp_chain *chain, X509 *x)
{
	return chain_push_cached(chain, x, NULL);
}

int
chain_push_cached(struct tp_chain *chain, X509 *x, struct cert_cache *cache)
{
	struct tp_cert *c = cert_get(cache, x);

	return c != NULL ? chain_append(chain, c) : -1;
}

/*
 * The facts of a certificate never change once made, so chains share them;
 * the reference count is the one mutable part, atomic because const chains
 * may be read, and so shared, from several threads.
 */
int
chain_push_cert(struct tp_chain *chain, const struct tp_cert *c)
{
	struct tp_cert *shared = (struct tp_cert *)c;

	atomic_fetch_add(&shared->refs, 1);
	return chain_append(chain, shared);
}

/* The certificate of KNOWN that is X itself, if any. */
static const struct tp_cert *
chain_find(const struct tp_chain *known, const X509 *x)
{
	for (size_t i = 0; i < tp_chain_count(known); i++)
		if (known->certs[i]->x509 == x)
			return known->certs[i];
	return NULL;
}

struct tp_chain *
chain_from_stack(STACK_OF(X509) *stack, const struct tp_chain *known,
    struct cert_cache *cache)
{
	struct tp_chain *chain = chain_new();

	for (int i = 0; chain != NULL && i < sk_X509_num(stack); i++) {
		X509 *x = sk_X509_value(stack, i);
		const struct tp_cert *seen = chain_find(known, x);

		if ((seen != NULL ? chain_push_cert(chain, seen) :
		    chain_push_cached(chain, x, cache)) < 0) {
			tp_chain_free(chain);
			return NULL;
		}
	}
	return chain;
}

void
tp_chain_free(struct tp_chain *chain)
{
	if (chain == NULL)
		return;
	for (size_t i = 0; i < chain->count; i++)
		cert_free(chain->certs[i]);
	free(chain->certs);
	free(chain);
}

size_t
tp_chain_count(const struct tp_chain *chain)
{
	return chain ? chain->count : 0;
}

const struct tp_cert *
tp_chain_cert(const struct tp_chain *chain, size_t i)
{
	return chain && i < chain->count ? chain->certs[i] : NULL;
}

FILE *
pem_file_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	int fd;

	/* A device is never opened (opening a tape does something). */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file (a directory, device or "
		    "pipe)", path);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > PEM_FILE_MAX) {
		snprintf(err, errlen, S_ISREG(st.st_mode) ? "'%s' is larger than 4 MiB: not "
		    "a certificate or key file" : "'%s' is not a regular file (a directory, "
		    "device or pipe)", path);
		close(fd);
		return NULL;
	}
	/* Blocking again (a regular file never waits), then a stdio stream. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

struct tp_chain *
tp_chain_load_file(const char *path, char *err, size_t errlen)
{
	FILE *f = pem_file_open(path, err, errlen);
	struct tp_chain *chain;
	X509 *x;

	if (f == NULL)
		return NULL;
	chain = chain_new();
	while (chain != NULL && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		int rc = chain_push(chain, x);
		X509_free(x);
		if (rc < 0) {
			tp_chain_free(chain);
			chain = NULL;
		}
	}
	fclose(f);
	ERR_clear_error();
	if (chain != NULL && chain->count == 0) {
		snprintf(err, errlen, "'%s' holds no PEM certificate", path);
		tp_chain_free(chain);
		return NULL;
	}
	if (chain == NULL)
		snprintf(err, errlen, "out of memory reading '%s'", path);
	return chain;
}

/* --- accessors -------------------------------------------------------------- */

X509 *cert_x509(const struct tp_cert *c) { return c->x509; }
const char *tp_cert_subject(const struct tp_cert *c) { return c->subject; }
const char *tp_cert_issuer(const struct tp_cert *c) { return c->issuer; }
const char *tp_cert_subject_cn(const struct tp_cert *c) { return c->subject_cn; }
const char *tp_cert_issuer_cn(const struct tp_cert *c) { return c->issuer_cn; }
const char *tp_cert_issuer_org(const struct tp_cert *c) { return c->issuer_org; }
size_t tp_cert_san_count(const struct tp_cert *c) { return c->san_count; }
const char *tp_cert_serial(const struct tp_cert *c) { return c->serial; }
time_t tp_cert_not_before(const struct tp_cert *c) { return c->not_before; }
time_t tp_cert_not_after(const struct tp_cert *c) { return c->not_after; }
const char *tp_cert_signature_algorithm(const struct tp_cert *c) { return c->sig_alg; }
const char *tp_cert_signature_digest(const struct tp_cert *c) { return c->sig_digest; }
const char *tp_cert_key_type(const struct tp_cert *c) { return c->key_type; }
int tp_cert_key_bits(const struct tp_cert *c) { return c->key_bits; }
const char *tp_cert_sha256(const struct tp_cert *c) { return c->sha256; }
const char *tp_cert_spki_sha256(const struct tp_cert *c) { return c->spki_sha256; }

const char *
tp_cert_san(const struct tp_cert *c, size_t i)
{
	return i < c->san_count ? c->sans[i] : NULL;
}

bool
tp_cert_is_self_signed(const struct tp_cert *c)
{
	return (X509_get_extension_flags(c->x509) & EXFLAG_SS) != 0;
}

bool
tp_cert_is_ca(const struct tp_cert *c)
{
	return X509_check_ca(c->x509) > 0;
}

bool
tp_cert_matches_name(const struct tp_cert *c, const char *name)
{
	unsigned char ip[16];
	int rc;

	/* OpenSSL checks the CN only when there is no DNS SAN, as RFC 6125 asks. */
	if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1)
		rc = X509_check_ip_asc(c->x509, name, 0);
	else
		rc = X509_check_host(c->x509, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	return rc == 1;
}

int
tp_cert_matches_key_file(const struct tp_cert *c, const char *key_path, char *err,
    size_t errlen)
{
	FILE *f = pem_file_open(key_path, err, errlen);
	EVP_PKEY *key;
	int rc;

	if (f == NULL)
		return -1;
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "'%s' holds no unencrypted PEM private key", key_path);
		return -1;
	}
	rc = X509_check_private_key(c->x509, key) == 1;
	ERR_clear_error();
	EVP_PKEY_free(key);
	return rc;
}

bool
tp_cert_issued_by(const struct tp_cert *c, const struct tp_cert *issuer)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer->x509);
	bool ok;

	if (X509_check_issued(issuer->x509, c->x509) != X509_V_OK || key == NULL)
		return false;
	ok = X509_verify(c->x509, key) == 1;
	ERR_clear_error();
	return ok;
}
