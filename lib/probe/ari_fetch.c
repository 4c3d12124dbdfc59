/*
 * ari_fetch.c - asking a CA when it wants a certificate renewed (ACME
 * Renewal Information, RFC 9773): the CAs built in, one GET through
 * lib/probe/http_fetch.c under the check's deadline, an https server
 * verified as the CA's own clients would, and the strict reading of the
 * answer (jansson). Facts only: lib/check/ari.c caches and judges them.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ari_fetch.h"
#include "http_fetch.h"
#include "rfc3339.h"

/* The CAs whose renewalInfo is built in, recognised by the issuer's O=. */
static const struct {
	const char *issuer_org;
	const char *base;
} known_cas[] = {
	{ "Let's Encrypt", "https://acme-v02.api.letsencrypt.org/acme/renewal-info" },
	{ "(STAGING) Let's Encrypt", "https://acme-staging-v02.api.letsencrypt.org/acme/renewal-info" },
};

static int
window_time(json_t *window, const char *name, time_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(window, name);

	if (v == NULL || !json_is_string(v)) {
		snprintf(err, errlen, "its suggestedWindow has no \"%s\" string", name);
		return -1;
	}
	if (rfc3339_parse(json_string_value(v), out) < 0) {
		snprintf(err, errlen, "its suggestedWindow's \"%s\" is not an RFC 3339 date: "
		    "'%.60s'", name, json_string_value(v));
		return -1;
	}
	return 0;
}

static int
explanation(json_t *root, struct ari_window *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, "explanationURL");
	const char *url;

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "its \"explanationURL\" is not a string");
		return -1;
	}
	url = json_string_value(v);
	if (strlen(url) >= sizeof(out->explanation_url) ||
	    (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
		snprintf(err, errlen, "its \"explanationURL\" is not an http(s) URL of at "
		    "most %zu bytes", sizeof(out->explanation_url) - 1);
		return -1;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "its \"explanationURL\" holds a space or a "
			    "control character");
			return -1;
		}
	snprintf(out->explanation_url, sizeof(out->explanation_url), "%s", url);
	return 0;
}

int
ari_parse(const char *body, size_t len, struct ari_window *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *window;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ARI_ANSWER_MAX) {
		snprintf(err, errlen, "it is larger than %d bytes", ARI_ANSWER_MAX);
		return -1;
	}
	/* jansson bounds the nesting (2048 levels) and rejects \u0000 in strings. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "it is not JSON: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	window = json_object_get(root, "suggestedWindow");
	if (!json_is_object(root))
		snprintf(err, errlen, "it is not a JSON object");
	else if (window == NULL || !json_is_object(window))
		snprintf(err, errlen, "it has no \"suggestedWindow\" object");
	else if (window_time(window, "start", &out->start, err, errlen) == 0 &&
	    window_time(window, "end", &out->end, err, errlen) == 0 &&
	    explanation(root, out, err, errlen) == 0) {
		if (out->end <= out->start)
			snprintf(err, errlen, "its suggestedWindow ends before it starts");
		else
			rc = 0;
	}
	json_decref(root);
	return rc;
}

const char *
ari_known_base(const struct tp_cert *leaf)
{
	for (size_t i = 0; i < sizeof(known_cas) / sizeof(known_cas[0]); i++)
		if (strcmp(tp_cert_issuer_org(leaf), known_cas[i].issuer_org) == 0)
			return known_cas[i].base;
	return NULL;
}

/* --- asking the CA ------------------------------------------------------------------ */

static void
failed(struct ari_answer *a, const char *fmt, const char *detail)
{
	a->kind = ARI_FAILED;
	snprintf(a->why, sizeof(a->why), fmt, a->url, detail);
}

void
ari_fetch(const struct tp_trust *trust, struct ari_answer *a, time_t now, int64_t deadline_ms)
{
	struct http_request req = { .url = a->url, .body_max = ARI_ANSWER_MAX + 1,
	    .timeout_ms = (unsigned)tp_ms_left(deadline_ms),
	    .user_agent = "tls-probe/" PACKAGE_VERSION " (monitoring; ARI)" };
	struct http_fetch *f = http_fetch_new();
	struct http_url u;
	char buf[512], status[32];
	const char *body, *problem;
	size_t len;
	long retry;

	a->fetched = now;
	a->next_fetch = now + ARI_RETRY_MIN;	/* after a failure: not sooner */
	a->to_save = true;
	if (f == NULL) {
		failed(a, "%s: %s", "out of memory");
		return;
	}
	if (http_fetch_run(f, &req) < 0) {
		failed(a, "the CA's renewal information (%s) could not be fetched: %s",
		    http_fetch_error(f));
	} else if (strncmp(a->url, "https:", 6) == 0 &&
	    http_url_parse(a->url, &u, buf, sizeof(buf)) == 0 &&
	    (problem = tp_chain_web_problem(http_fetch_peer_chain(f), trust, u.host, now,
	    buf, sizeof(buf))) != NULL) {
		/* an https renewalInfo server must be who it says, as the CA's clients require */
		failed(a, "the CA's renewal information server (%s) is not to be believed: its "
		    "certificate is not trusted: %s", problem);
	} else if (http_fetch_status(f) != 200) {
		snprintf(status, sizeof(status), "%ld", http_fetch_status(f));
		failed(a, "the CA's renewal information (%s) answered HTTP %s, not 200", status);
	} else if ((body = http_fetch_body(f, &len)),
	    ari_parse(body, http_fetch_body_truncated(f) ? ARI_ANSWER_MAX + 1 : len,
	    &a->window, buf, sizeof(buf)) < 0) {
		failed(a, "the CA's renewal information (%s) is malformed: %s", buf);
	} else {
		a->kind = ARI_WINDOW;
		retry = http_fetch_retry_after(f);
		if (retry <= 0)
			retry = ARI_RETRY_DEFAULT;
		a->next_fetch = now + (retry < ARI_RETRY_MIN ? ARI_RETRY_MIN :
		    retry > ARI_RETRY_MAX ? ARI_RETRY_MAX : retry);
	}
	http_fetch_free(f);
}
