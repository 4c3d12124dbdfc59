/*
 * ari_test - ACME Renewal Information (RFC 9773): the certificate
 * identifier of the RFC's own example, the strict reading of the CA's
 * answer (the RFC's example and each way of getting it wrong), RFC 3339
 * dates, and which issuers have a built-in renewalInfo URL.
 */
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ari.h"
#include "rfc3339.h"
#include "tap.h"

static char err[512];

/* --- certificates made here: the RFC's serial and key identifier ----------- */

/*
 * A certificate with SERIAL and, when KEYID is given, an authority key
 * identifier of KEYID_LEN bytes, issued by O=ISSUER_ORG; loaded through
 * the library as a plugin would load it.
 */
static struct tp_chain *
make_cert(uint64_t serial, const unsigned char *keyid, size_t keyid_len, const char *issuer_org)
{
	char path[] = "/tmp/ari_test.XXXXXX";
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *issuer = X509_NAME_new(), *subject = X509_NAME_new();
	struct tp_chain *chain = NULL;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(issuer, "O", MBSTRING_UTF8, (const unsigned char *)issuer_org,
	    -1, -1, 0);
	X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC, (const unsigned char *)"R10", -1,
	    -1, 0);
	X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
	    (const unsigned char *)"mail.example.com", -1, -1, 0);
	X509_set_issuer_name(x, issuer);
	X509_set_subject_name(x, subject);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400);
	X509_set_pubkey(x, key);
	if (keyid != NULL) {
		AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();

		akid->keyid = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(akid->keyid, keyid, (int)keyid_len);
		X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0);
		AUTHORITY_KEYID_free(akid);
	}
	if (X509_sign(x, key, EVP_sha256()) > 0 && f != NULL && PEM_write_X509(f, x) == 1 &&
	    fclose(f) == 0) {
		f = NULL;
		chain = tp_chain_load_file(path, err, sizeof(err));
	}
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		unlink(path);
	X509_NAME_free(issuer);
	X509_NAME_free(subject);
	X509_free(x);
	EVP_PKEY_free(key);
	return chain;
}

/* RFC 9773 4.1: keyIdentifier 69:88:5B:..., serial 0x0087654321. */
static const unsigned char rfc_keyid[] = { 0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41,
	0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4 };

static void
identifier_of_the_rfc_example(void)
{
	struct tp_chain *chain = make_cert(0x87654321, rfc_keyid, sizeof(rfc_keyid), "Example CA");
	char id[200] = "(untouched)";

	ok(chain != NULL, "the RFC's example certificate loads");
	if (chain == NULL)
		return;
	is_int(tp_cert_ari_id(tp_chain_cert(chain, 0), id, sizeof(id)), 0,
	    "RFC 9773's example has an identifier");
	is_str(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
	    "... base64url(keyIdentifier) '.' base64url(serial with its leading zero octet)");
	is_int(tp_cert_ari_id(tp_chain_cert(chain, 0), id, 20), -1,
	    "a buffer too short for it is refused");
	is_str(id, "", "... and left empty, not cut");
	tp_chain_free(chain);
}

static void
identifier_of_a_small_serial(void)
{
	static const unsigned char keyid[] = { 0xff };
	struct tp_chain *chain = make_cert(1, keyid, sizeof(keyid), "Example CA");
	char id[200];

	if (!ok(chain != NULL, "a certificate with serial 1 loads"))
		return;
	tp_cert_ari_id(tp_chain_cert(chain, 0), id, sizeof(id));
	is_str(id, "_w.AQ", "serial 1 and keyIdentifier 0xff: '_w.AQ' (URL-safe, no padding)");
	tp_chain_free(chain);
}

static void
identifier_without_authority_key_id(void)
{
	struct tp_chain *chain = make_cert(0x1234, NULL, 0, "Example CA");
	char id[200] = "(untouched)";

	if (!ok(chain != NULL, "a certificate without an authority key identifier loads"))
		return;
	is_int(tp_cert_ari_id(tp_chain_cert(chain, 0), id, sizeof(id)), -1,
	    "without an authority key identifier there is no renewal identifier");
	is_str(id, "", "... and the identifier is empty");
	tp_chain_free(chain);
}

static void
known_issuers(void)
{
	struct tp_chain *le = make_cert(1, rfc_keyid, sizeof(rfc_keyid), "Let's Encrypt");
	struct tp_chain *staging = make_cert(1, rfc_keyid, sizeof(rfc_keyid),
	    "(STAGING) Let's Encrypt");
	struct tp_chain *other = make_cert(1, rfc_keyid, sizeof(rfc_keyid), "ZeroSSL");

	if (!ok(le && staging && other, "three issuers' certificates load"))
		return;
	is_str(ari_known_base(tp_chain_cert(le, 0)),
	    "https://acme-v02.api.letsencrypt.org/acme/renewal-info",
	    "O=Let's Encrypt (any of its intermediates): production's renewalInfo");
	is_str(ari_known_base(tp_chain_cert(staging, 0)),
	    "https://acme-staging-v02.api.letsencrypt.org/acme/renewal-info",
	    "O=(STAGING) Let's Encrypt: staging's");
	ok(ari_known_base(tp_chain_cert(other, 0)) == NULL, "another CA: none built in");
	tp_chain_free(le);
	tp_chain_free(staging);
	tp_chain_free(other);
}

/* --- RFC 3339 dates ------------------------------------------------------- */

static void
dates(void)
{
	static const struct {
		const char *text;
		long long want;	/* -1: refused */
	} cases[] = {
		{ "2025-01-02T04:00:00Z", 1735790400 },
		{ "2025-01-02t04:00:00z", 1735790400 },
		{ "2025-01-02T04:00:00.123456Z", 1735790400 },
		{ "2025-01-02T06:30:00+02:30", 1735790400 },
		{ "2025-01-01T23:00:00-05:00", 1735790400 },
		{ "2024-02-29T00:00:00Z", 1709164800 },
		{ "2025-02-29T00:00:00Z", -1 },
		{ "2025-01-02 04:00:00Z", -1 },
		{ "2025-01-02T04:00Z", -1 },
		{ "2025-01-02T04:00:00", -1 },
		{ "2025-01-02T04:00:00Z ", -1 },
		{ "2025-01-02T04:00:00.Z", -1 },
		{ "2025-13-02T04:00:00Z", -1 },
		{ "2025-01-02T24:00:00Z", -1 },
		{ "2025-01-02T04:00:00+24:00", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t t = 0;
		int rc = rfc3339_parse(cases[i].text, &t);

		if (cases[i].want < 0)
			is_int(rc, -1, "date '%s' is refused", cases[i].text);
		else
			is_int(rc == 0 ? (long long)t : -1, cases[i].want, "date '%s'",
			    cases[i].text);
	}
}

/* --- the CA's answer -------------------------------------------------------- */

static int
answer(const char *json, struct ari_window *w)
{
	strcpy(err, "(untouched)");
	return ari_parse(json, strlen(json), w, err, sizeof(err));
}

static void
refused(const char *json, const char *want, const char *why)
{
	struct ari_window w;

	is_int(answer(json, &w), -1, "refused: %s", why);
	like_str(err, want, "... saying '%s'", want);
}

static void
answers(void)
{
	struct ari_window w;
	char big[ARI_ANSWER_MAX + 64];

	/* RFC 9773 4.2's example answer. */
	is_int(answer("{\n  \"suggestedWindow\": {\n    \"start\": \"2025-01-02T04:00:00Z\",\n"
	    "    \"end\": \"2025-01-03T04:00:00Z\"\n  },\n  \"explanationURL\": "
	    "\"https://acme.example.com/docs/ari\"\n}", &w), 0, "the RFC's example answer");
	is_int(w.start, 1735790400, "... its window starts 2025-01-02 04:00 UTC");
	is_int(w.end, 1735876800, "... and ends a day later");
	is_str(w.explanation_url, "https://acme.example.com/docs/ari", "... with its explanationURL");
	is_int(answer("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\",\"future\":1},\"retryAfter\":[]}", &w), 0,
	    "members the RFC does not define are ignored");
	is_str(w.explanation_url, "", "... and no explanationURL is none");

	refused("", "not JSON", "an empty answer");
	refused("<html>busy</html>", "not JSON", "an HTML error page");
	refused("[]", "not a JSON object", "an array");
	refused("{}", "no \"suggestedWindow\" object", "no window");
	refused("{\"suggestedWindow\":\"soon\"}", "no \"suggestedWindow\" object",
	    "a window that is a string");
	refused("{\"suggestedWindow\":{\"end\":\"2025-01-03T04:00:00Z\"}}",
	    "no \"start\" string", "no start");
	refused("{\"suggestedWindow\":{\"start\":1735790400,\"end\":\"2025-01-03T04:00:00Z\"}}",
	    "no \"start\" string", "a start that is a number");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02\",\"end\":\"2025-01-03T04:00:00Z\"}}",
	    "\"start\" is not an RFC 3339 date", "a date without a time");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\",\"end\":"
	    "\"2025-01-02T04:00:00Z\"}}", "ends before it starts", "a window that ends before it starts");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"}}", "ends before it starts", "an empty window");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"start\":"
	    "\"2025-01-01T04:00:00Z\",\"end\":\"2025-01-03T04:00:00Z\"}}", "not JSON",
	    "a start given twice (which one would a client take?)");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"},\"explanationURL\":42}", "\"explanationURL\" is not a string",
	    "an explanationURL that is a number");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"},\"explanationURL\":\"javascript:alert(1)\"}",
	    "not an http(s) URL", "an explanationURL that is not http(s)");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"},\"explanationURL\":\"https://x/\\u001b[31m\"}",
	    "control character", "an explanationURL with a terminal escape");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00\\u0000Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"}}", "not JSON", "a NUL inside a string");
	refused("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\",\"end\":"
	    "\"2025-01-03T04:00:00Z\"}} trailing", "not JSON", "bytes after the object");

	memset(big, ' ', sizeof(big));
	memcpy(big, "{}", 2);
	is_int(ari_parse(big, sizeof(big), &w, err, sizeof(err)), -1,
	    "an answer over %d bytes is refused before it is parsed", ARI_ANSWER_MAX);
	like_str(err, "larger than", "... saying it is too large");
}

int
main(void)
{
	identifier_of_the_rfc_example();
	identifier_of_a_small_serial();
	identifier_without_authority_key_id();
	known_issuers();
	dates();
	answers();
	return done_testing();
}
