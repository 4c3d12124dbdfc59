/*
 * key_types.c - asking a server for its certificate of one key type. A
 * server with an RSA and an ECDSA certificate (Postfix smtpd_tls_chain_files,
 * Dovecot ssl_alt_cert) presents the one the client's signature algorithms
 * allow; offering one type's alone makes it present that one or refuse.
 */
#include <stdio.h>
#include <string.h>

#include "probe_internal.h"

/*
 * TLS 1.3 and 1.2 signature algorithms, SHA-1 and SHA-224 included: the
 * client sees weak servers as they are, the plugin judges them.
 */
static const char rsa_sigalgs[] =
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "RSA+SHA256:RSA+SHA384:RSA+SHA512:RSA+SHA224:RSA+SHA1";
static const char ecdsa_sigalgs[] =
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ECDSA+SHA224:ECDSA+SHA1";

const char *
tp_key_type_name(enum tp_key_type type)
{
	switch (type) {
	case TP_KEY_RSA: return "RSA";
	case TP_KEY_ECDSA: return "ECDSA";
	default: return "any";
	}
}

bool
tp_key_type_of_cert(enum tp_key_type type, const struct tp_cert *cert)
{
	const char *key = tp_cert_key_type(cert);

	switch (type) {
	case TP_KEY_RSA: return strcmp(key, "RSA") == 0;
	case TP_KEY_ECDSA: return strcmp(key, "EC") == 0;
	default: return true;
	}
}

int
tp_config_set_key_type(struct tp_config *cfg, enum tp_key_type type)
{
	if (type != TP_KEY_ANY && type != TP_KEY_RSA && type != TP_KEY_ECDSA) {
		snprintf(cfg->error, sizeof(cfg->error), "unknown key type %d", (int)type);
		return -1;
	}
	cfg->key_type = type;
	return 0;
}

/*
 * On the session, not the context: a context may be shared by probes of
 * several types.  Up to TLS 1.2 the cipher suite names the certificate's
 * type too (ECDHE-ECDSA-..., ECDHE-RSA-... and plain RSA key exchange), so
 * only that type's suites are offered; TLS 1.3 suites name no key type.
 */
int
key_type_setup_ssl(struct tp_probe *p, const struct tp_config *cfg)
{
	const char *sigalgs = cfg->key_type == TP_KEY_RSA ? rsa_sigalgs : ecdsa_sigalgs;
	const char *ciphers = cfg->key_type == TP_KEY_RSA ? "aRSA:@SECLEVEL=0" :
	    "aECDSA:@SECLEVEL=0";

	if (cfg->key_type == TP_KEY_ANY)
		return 0;
	if (SSL_set1_sigalgs_list(p->ssl, sigalgs) != 1 ||
	    SSL_set_cipher_list(p->ssl, ciphers) != 1)
		return probe_fail(p, TP_FAIL_INTERNAL, "cannot offer only %s signatures "
		    "(OpenSSL refused the list)", tp_key_type_name(cfg->key_type));
	return 0;
}
