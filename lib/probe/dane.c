/*
 * dane.c - DANE for SMTP (RFC 7672) with OpenSSL's own DANE verification:
 * the TLSA records a check looked up go into the handshake, and OpenSSL
 * says whether the served chain matches one and which.
 *
 * Only DANE-TA(2) and DANE-EE(3) records are handed to OpenSSL: RFC 7672
 * section 3.1.3 makes PKIX-TA(0) and PKIX-EE(1) unusable for SMTP.  The
 * plugin names those itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "probe_internal.h"

int
tp_config_add_tlsa(struct tp_config *cfg, uint8_t usage, uint8_t selector, uint8_t mtype,
    const unsigned char *data, size_t len)
{
	struct tp_tlsa *grown = realloc(cfg->tlsa, (cfg->tlsa_count + 1) * sizeof(*grown));
	struct tp_tlsa *t;

	if (grown == NULL)
		return -1;
	cfg->tlsa = grown;
	t = &cfg->tlsa[cfg->tlsa_count];
	t->data = malloc(len ? len : 1);
	if (t->data == NULL)
		return -1;
	memcpy(t->data, data, len);
	t->len = len;
	t->usage = usage;
	t->selector = selector;
	t->mtype = mtype;
	cfg->tlsa_count++;
	return 0;
}

static bool
usable_for_smtp(const struct tp_tlsa *t)
{
	return t->usage == 2 || t->usage == 3;
}

static bool
dane_wanted(const struct tp_config *cfg)
{
	for (size_t i = 0; i < cfg->tlsa_count; i++)
		if (usable_for_smtp(&cfg->tlsa[i]))
			return true;
	return false;
}

int
dane_setup_ssl(struct tp_probe *p, const struct tp_config *cfg)
{
	const char *name = cfg->dane_name ? cfg->dane_name : cfg->sni ? cfg->sni : cfg->host;

	p->dane_match = -1;
	p->dane_on = false;
	p->dane_depth = -1;
	if (!dane_wanted(cfg))
		return 0;
	if (SSL_dane_enable(p->ssl, name) <= 0)
		return probe_fail(p, TP_FAIL_INTERNAL, "cannot enable DANE for %s", name);
	p->dane_on = true;	/* OpenSSL's own chain verification matches the records */
	if (cfg->dane_alt_name != NULL && SSL_add1_host(p->ssl, cfg->dane_alt_name) != 1)
		return probe_fail(p, TP_FAIL_INTERNAL, "cannot add %s as DANE reference name",
		    cfg->dane_alt_name);
	/* RFC 7672 section 3.1.1: DANE-EE(3) binds the key; names do not matter. */
	SSL_dane_set_flags(p->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (size_t i = 0; i < cfg->tlsa_count; i++) {
		const struct tp_tlsa *t = &cfg->tlsa[i];

		/* 0: malformed or unsupported; the plugin reports such records. */
		if (usable_for_smtp(t) && SSL_dane_tlsa_add(p->ssl, t->usage, t->selector,
		    t->mtype, t->data, t->len) < 0)
			ERR_clear_error();
	}
	ERR_clear_error();
	return 0;
}

/* The index of the record OpenSSL matched, or -1. */
static int
matched_record(const struct tp_probe *p, const struct tp_config *cfg)
{
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t len;

	if (SSL_get0_dane_tlsa(p->ssl, &usage, &selector, &mtype, &data, &len) < 0)
		return -1;
	for (size_t i = 0; i < cfg->tlsa_count; i++) {
		const struct tp_tlsa *t = &cfg->tlsa[i];

		if (t->usage == usage && t->selector == selector && t->mtype == mtype &&
		    t->len == len && memcmp(t->data, data, len) == 0)
			return (int)i;
	}
	return -1;
}

void
dane_collect(struct tp_probe *p, const struct tp_config *cfg)
{
	long verify;

	if (!dane_wanted(cfg) || SSL_get0_dane(p->ssl) == NULL)
		return;
	verify = SSL_get_verify_result(p->ssl);
	p->dane_depth = SSL_get0_dane_authority(p->ssl, NULL, NULL);
	p->dane_match = matched_record(p, cfg);
	if (p->dane_match >= 0) {
		const struct tp_tlsa *t = &cfg->tlsa[p->dane_match];

		p->dane_params[0] = t->usage;
		p->dane_params[1] = t->selector;
		p->dane_params[2] = t->mtype;
		p->dane_len = t->len;
		memcpy(p->dane_data, t->data, t->len < sizeof(p->dane_data) ?
		    t->len : sizeof(p->dane_data));
	}
	p->dane_result = verify == X509_V_OK && p->dane_depth >= 0 ?
	    TP_DANE_VERIFIED : TP_DANE_FAILED;
	if (p->dane_result == TP_DANE_FAILED)
		snprintf(p->dane_error, sizeof(p->dane_error), "%s",
		    verify == X509_V_OK ? "no TLSA record matched" :
		    X509_verify_cert_error_string(verify));
}

enum tp_dane_result tp_probe_dane_result(const struct tp_probe *p) { return p->dane_result; }
const char *tp_probe_dane_error(const struct tp_probe *p) { return p->dane_error; }

int
tp_probe_dane_match(const struct tp_probe *p, int *depth)
{
	if (depth != NULL)
		*depth = p->dane_depth;
	return p->dane_match;
}

bool
tp_probe_dane_record(const struct tp_probe *p, uint8_t params[3],
    const unsigned char **data, size_t *len)
{
	if (p->dane_match < 0 || p->dane_result != TP_DANE_VERIFIED)
		return false;
	memcpy(params, p->dane_params, 3);
	*data = p->dane_data;
	*len = p->dane_len;
	return true;
}
