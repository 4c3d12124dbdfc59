/*
 * http_fetch.c - one HTTP(S) GET with libcurl, the way a validator makes
 * it: no proxy, no redirects followed, HTTP/1.1, the peer's certificates
 * collected but not verified, the body cut at a limit, one deadline; and
 * libcurl's errors turned into the probe's failure classes and a sentence.
 *
 * libcurl is loaded with dlopen() by the first URL parsed or fetch made:
 * linked, it maps some 30 libraries into the plugin at start-up (about 8 ms
 * of every run, fetching or not). Its header gives the types; every call goes
 * through the pointers in `curl` (tp_curl.h's type-checking macros for
 * curl_easy_setopt/getinfo do not apply to them: pass longs as longs).
 *
 * http_url_parse() - the parts of a URL the redirect rules need (curl's
 *	own parser, so that we judge the URL libcurl would fetch).
 * http_fetch_run() - 0 for any HTTP answer, -1 with a classified failure.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "curl_api.h"
#include "http_fetch.h"
#include "pem_buffer.h"


#define ERROR_MAX 1024
#define PEM_MAX (256 * 1024)	/* certificates kept of one peer, as PEM text */

struct http_fetch {
	enum tp_failure failure;
	char error[ERROR_MAX];
	long status;
	char *location;
	char *body;
	size_t body_len, body_max;
	bool truncated;
	char peer[80];
	char target[300];	/* what we connect to, for the sentences */
	double time_total;
	long retry_after;	/* seconds, 0 when not said */
	struct tp_chain *chain;
};

/* --- libcurl, loaded once ------------------------------------------------- */


/* --- URLs --------------------------------------------------------------- */

static int
url_part(CURLU *h, CURLUPart part, char *out, size_t size, bool *present)
{
	char *value = NULL;
	CURLUcode uc = tp_curl.url_get(h, part, &value, 0);

	*present = uc == CURLUE_OK;
	out[0] = '\0';
	if (uc != CURLUE_OK)
		return 0;
	if (strlen(value) >= size) {
		tp_curl.free(value);
		return -1;
	}
	memcpy(out, value, strlen(value) + 1);
	tp_curl.free(value);
	return 0;
}

static void
lowercase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
http_url_parse(const char *text, struct http_url *out, char *err, size_t errlen)
{
	CURLU *h;
	char port[16], query[2048];
	bool has_port, has_query, present;
	CURLUcode uc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (curl_api_load(err, errlen) < 0)
		return -1;
	if ((h = tp_curl.url()) == NULL) {
		snprintf(err, errlen, "out of memory parsing a URL");
		return -1;
	}
	uc = tp_curl.url_set(h, CURLUPART_URL, text, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK)
		snprintf(err, errlen, "'%.300s' is not a URL: %s", text, tp_curl.url_strerror(uc));
	else if (url_part(h, CURLUPART_SCHEME, out->scheme, sizeof(out->scheme), &present) < 0 ||
	    url_part(h, CURLUPART_HOST, out->host, sizeof(out->host), &present) < 0 ||
	    url_part(h, CURLUPART_PORT, port, sizeof(port), &has_port) < 0 ||
	    url_part(h, CURLUPART_PATH, out->path, sizeof(out->path), &present) < 0 ||
	    url_part(h, CURLUPART_QUERY, query, sizeof(query), &has_query) < 0)
		snprintf(err, errlen, "'%.300s' has a part too long to judge", text);
	else if (out->host[0] == '\0')
		snprintf(err, errlen, "'%.300s' names no host", text);
	else
		rc = 0;
	tp_curl.url_cleanup(h);
	if (rc < 0)
		return -1;
	lowercase(out->scheme);
	lowercase(out->host);
	if (out->host[0] == '[') {	/* "[::1]" -> "::1" */
		size_t n = strcspn(out->host + 1, "]");
		memmove(out->host, out->host + 1, n);
		out->host[n] = '\0';
		out->host_is_ip = true;
	}
	if (!out->host_is_ip) {
		unsigned char addr[4];
		out->host_is_ip = inet_pton(AF_INET, out->host, addr) == 1;
	}
	out->port = has_port ? (unsigned)strtoul(port, NULL, 10) : 0;
	out->default_port = strcmp(out->scheme, "http") == 0 ? 80 :
	    strcmp(out->scheme, "https") == 0 ? 443 : 0;
	if (out->path[0] != '/') {
		memmove(out->path + 1, out->path, strnlen(out->path, sizeof(out->path) - 2) + 1);
		out->path[0] = '/';
	}
	if (has_query && strlen(out->path) + 1 + strlen(query) < sizeof(out->path)) {
		strcat(out->path, "?");
		strcat(out->path, query);
	} else if (has_query) {
		snprintf(err, errlen, "'%.300s' has a part too long to judge", text);
		return -1;
	}
	return 0;
}

void
http_url_format(const struct http_url *u, unsigned port, char *out, size_t size)
{
	bool v6 = strchr(u->host, ':') != NULL;

	char colon_port[16] = "";

	if (port != 0)
		snprintf(colon_port, sizeof(colon_port), ":%u", port);
	snprintf(out, size, "%s://%s%s%s%s%s", u->scheme, v6 ? "[" : "", u->host,
	    v6 ? "]" : "", colon_port, u->path);
}

/* --- fetching --------------------------------------------------------------- */

/* Loads libcurl, so that the first fetch's time is the network's; a libcurl
 * that cannot be loaded is reported by http_fetch_run(), as a sentence. */
struct http_fetch *
http_fetch_new(void)
{
	char ignored[8];

	(void)curl_api_load(ignored, sizeof(ignored));
	return calloc(1, sizeof(struct http_fetch));
}

static void
reset(struct http_fetch *f)
{
	free(f->location);
	free(f->body);
	tp_chain_free(f->chain);
	memset(f, 0, sizeof(*f));
}

void
http_fetch_free(struct http_fetch *f)
{
	if (f == NULL)
		return;
	reset(f);
	free(f);
}

static int
fail(struct http_fetch *f, enum tp_failure kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct http_fetch *f, enum tp_failure kind, const char *fmt, ...)
{
	va_list ap;

	f->failure = kind;
	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* Keeps the first body_max bytes; then stops the transfer (that is not a failure). */
static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http_fetch *f = ctx;
	size_t len = size * n, room = f->body_max - f->body_len;

	if (len > room) {
		memcpy(f->body + f->body_len, data, room);
		f->body_len += room;
		f->body[f->body_len] = '\0';
		f->truncated = true;
		return 0;
	}
	memcpy(f->body + f->body_len, data, len);
	f->body_len += len;
	f->body[f->body_len] = '\0';
	return len;
}

/* "name:80:127.0.0.1:8080": connect elsewhere while the URL, Host and SNI stay. */
static struct curl_slist *
connect_to(const struct http_request *req, const struct http_url *u, char *target,
    size_t size)
{
	char line[600];
	bool host6 = strchr(u->host, ':') != NULL;
	bool addr6 = req->connect_addr != NULL && strchr(req->connect_addr, ':') != NULL;
	unsigned url_port = u->port ? u->port : u->default_port;
	unsigned port = req->connect_port ? req->connect_port : url_port;
	const char *addr = req->connect_addr ? req->connect_addr : u->host;

	snprintf(target, size, "%s%s%s:%u", addr6 || (!req->connect_addr && host6) ? "[" : "",
	    addr, addr6 || (!req->connect_addr && host6) ? "]" : "", port);
	if (req->connect_addr == NULL && req->connect_port == 0)
		return NULL;
	snprintf(line, sizeof(line), "%s%s%s:%u:%s%s%s:%u", host6 ? "[" : "", u->host,
	    host6 ? "]" : "", url_port, addr6 ? "[" : "",
	    req->connect_addr ? req->connect_addr : "", addr6 ? "]" : "", port);
	return tp_curl.slist_append(NULL, line);
}

static bool
configure(CURL *h, struct http_fetch *f, const struct http_request *req,
    struct curl_slist *to, char *errbuf)
{
	return tp_curl.easy_setopt(h, CURLOPT_URL, req->url) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_CERTINFO, 1L) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_WRITEDATA, f) == CURLE_OK &&
	    tp_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	    (to == NULL || tp_curl.easy_setopt(h, CURLOPT_CONNECT_TO, to) == CURLE_OK) &&
	    (req->user_agent == NULL ||
	    tp_curl.easy_setopt(h, CURLOPT_USERAGENT, req->user_agent) == CURLE_OK);
}

/* The certificates the peer sent, from CERTINFO's "Cert:" PEM entries. */
static void
collect_chain(CURL *h, struct http_fetch *f)
{
	struct curl_certinfo *ci = NULL;
	char *pem, err[200];
	size_t len = 0;

	if (tp_curl.easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs <= 0 || (pem = malloc(PEM_MAX)) == NULL)
		return;
	for (int i = 0; i < ci->num_of_certs; i++) {
		for (struct curl_slist *e = ci->certinfo[i]; e != NULL; e = e->next) {
			size_t n;

			if (strncmp(e->data, "Cert:", 5) != 0)
				continue;
			n = strlen(e->data + 5);
			if (len + n + 2 > PEM_MAX)
				break;
			memcpy(pem + len, e->data + 5, n);
			len += n;
			pem[len++] = '\n';
		}
	}
	f->chain = tp_chain_load_pem_buffer(pem, len, err, sizeof(err));
	free(pem);
}

static void
collect_answer(CURL *h, struct http_fetch *f)
{
	char *ip = NULL, *loc = NULL;
	long port = 0;
	curl_off_t us = 0, retry = 0;

	tp_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f->status);
	if (tp_curl.easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
		f->retry_after = retry > LONG_MAX ? LONG_MAX : (long)retry;
	if (tp_curl.easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != NULL && *ip) {
		tp_curl.easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
		snprintf(f->peer, sizeof(f->peer), strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld",
		    ip, port);
	}
	if (tp_curl.easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		f->time_total = (double)us / 1e6;
	if (f->status >= 300 && f->status < 400 &&
	    tp_curl.easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
		f->location = strdup(loc);
	collect_chain(h, f);
}

/*
 * libcurl's result as one of the probe's failure classes, with a sentence.
 * libcurl reuses codes for the server's faults and for ours: it says
 * CURLE_UNSUPPORTED_PROTOCOL for a URL scheme it cannot fetch and for an
 * answer that is not HTTP/1.x (a bad status line, HTTP/0.9), and
 * CURLE_OUT_OF_MEMORY for a header line over its limit. The URL was
 * judged before the fetch (http_fetch_run), so once a connection is up
 * these are the server's doing. Only what this side did wrong (no memory,
 * a libcurl without a feature, an unusable local file) is INTERNAL.
 */
static int
classify(CURL *h, struct http_fetch *f, CURLcode rc, const char *errbuf, unsigned timeout_ms,
    bool https)
{
	long os_errno = 0;
	curl_off_t tls_done = 0;
	const char *why = errbuf[0] ? errbuf : tp_curl.easy_strerror(rc);
	bool connected = f->peer[0] != '\0';	/* libcurl names the peer once TCP is up */

	tp_curl.easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	tp_curl.easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &tls_done);
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_WRITE_ERROR:
		if (f->truncated)
			return 0;
		return fail(f, TP_FAIL_INTERNAL, "reading the answer of %s failed: %s",
		    f->target, why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return fail(f, TP_FAIL_RESOLVE, "cannot resolve %s: %s", f->target, why);
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return fail(f, TP_FAIL_REFUSED, "connection to %s refused: nothing "
			    "listens there", f->target);
		return fail(f, TP_FAIL_UNREACHABLE, "cannot connect to %s: %s", f->target, why);
	case CURLE_OPERATION_TIMEDOUT:
		if (!connected)
			return fail(f, TP_FAIL_TIMEOUT, "connecting to %s timed out after "
			    "%u ms (a firewall dropping packets?)", f->target, timeout_ms);
		if (https && tls_done == 0)
			return fail(f, TP_FAIL_TIMEOUT, "%s accepted the connection but the TLS "
			    "handshake did not finish within %u ms", f->target, timeout_ms);
		return fail(f, TP_FAIL_TIMEOUT, "%s accepted the connection but gave no "
		    "complete answer within %u ms", f->target, timeout_ms);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
		return fail(f, TP_FAIL_TLS, "TLS handshake with %s failed: %s (is it "
		    "speaking TLS on that port?)", f->target, why);
	case CURLE_GOT_NOTHING:
		return fail(f, TP_FAIL_CLOSED, "%s closed the connection without an HTTP "
		    "answer", f->target);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (os_errno == ECONNRESET)
			return fail(f, TP_FAIL_RESET, "%s reset the connection", f->target);
		return fail(f, TP_FAIL_CLOSED, "the connection to %s broke: %s", f->target, why);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
		if (!connected)
			break;
		return fail(f, TP_FAIL_PROTOCOL, "%s did not answer with HTTP/1.x: %s (a "
		    "broken web server or proxy, or another service on that port)",
		    f->target, why);
	case CURLE_PARTIAL_FILE:
		return fail(f, TP_FAIL_CLOSED, "%s closed the connection in the middle of "
		    "its answer: %s", f->target, why);
	case CURLE_OUT_OF_MEMORY:
		if (!connected)
			break;
		return fail(f, TP_FAIL_PROTOCOL, "the answer of %s holds a header too big "
		    "for libcurl (over 100 KiB): %s", f->target, why);
	case CURLE_BAD_CONTENT_ENCODING:
		return fail(f, TP_FAIL_PROTOCOL, "%s sent a body that does not decode as its "
		    "Content-Encoding says: %s", f->target, why);
	case CURLE_URL_MALFORMAT:
		return fail(f, TP_FAIL_CONFIG, "libcurl cannot fetch that URL: %s", why);
	case CURLE_SSL_CERTPROBLEM:		/* our client certificate: we send none */
	case CURLE_SSL_CACERT_BADFILE:		/* files libcurl reads here */
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_INTERFACE_FAILED:
	case CURLE_READ_ERROR:
	case CURLE_FAILED_INIT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_FUNCTION_NOT_FOUND:
	case CURLE_RECURSIVE_API_CALL:
	case CURLE_ABORTED_BY_CALLBACK:
		break;	/* this side's, even with a connection up */
	default:
		if (connected)
			return fail(f, TP_FAIL_PROTOCOL, "the answer of %s cannot be used: %s",
			    f->target, why);
		break;
	}
	/* Nothing came from a server: a fault on this side (libcurl, memory, files). */
	return fail(f, TP_FAIL_INTERNAL, "libcurl cannot fetch %s: %s (error %d)", f->target,
	    why, (int)rc);
}

int
http_fetch_run(struct http_fetch *f, const struct http_request *req)
{
	char errbuf[CURL_ERROR_SIZE] = "", err[400];
	struct http_url u;
	struct curl_slist *to = NULL;
	CURL *h;
	int rc;

	reset(f);
	f->body_max = req->body_max ? req->body_max : HTTP_BODY_MAX_DEFAULT;
	if (curl_api_load(err, sizeof(err)) < 0)
		return fail(f, TP_FAIL_INTERNAL, "%s", err);
	if (req->timeout_ms == 0)
		return fail(f, TP_FAIL_TIMEOUT, "no time was left to fetch %.300s", req->url);
	if (http_url_parse(req->url, &u, err, sizeof(err)) < 0)
		return fail(f, TP_FAIL_CONFIG, "%s", err);
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
		return fail(f, TP_FAIL_CONFIG, "'%.300s' is a %.16s URL: only http and https "
		    "are fetched", req->url, u.scheme);
	to = connect_to(req, &u, f->target, sizeof(f->target));
	if ((req->connect_addr != NULL || req->connect_port != 0) && to == NULL)
		return fail(f, TP_FAIL_INTERNAL, "out of memory");
	f->body = malloc(f->body_max + 1);
	h = f->body != NULL ? tp_curl.easy_init() : NULL;
	if (h == NULL) {
		tp_curl.slist_free_all(to);
		return fail(f, TP_FAIL_INTERNAL, "out of memory, or libcurl cannot start");
	}
	f->body[0] = '\0';
	if (!configure(h, f, req, to, errbuf))
		rc = fail(f, TP_FAIL_INTERNAL, "this libcurl lacks an option we need "
		    "(7.85 or newer is required)");
	else {
		CURLcode res = tp_curl.easy_perform(h);

		collect_answer(h, f);
		rc = classify(h, f, res, errbuf, req->timeout_ms,
		    strcmp(u.scheme, "https") == 0);
	}
	tp_curl.easy_cleanup(h);
	tp_curl.slist_free_all(to);
	return rc;
}

/* --- facts ------------------------------------------------------------------ */

enum tp_failure http_fetch_failure(const struct http_fetch *f) { return f->failure; }
const char *http_fetch_error(const struct http_fetch *f) { return f->error; }
long http_fetch_status(const struct http_fetch *f) { return f->status; }
const char *http_fetch_location(const struct http_fetch *f) { return f->location; }
bool http_fetch_body_truncated(const struct http_fetch *f) { return f->truncated; }
const char *http_fetch_peer(const struct http_fetch *f) { return f->peer; }
double http_fetch_time_total(const struct http_fetch *f) { return f->time_total; }
long http_fetch_retry_after(const struct http_fetch *f) { return f->retry_after; }
const struct tp_chain *http_fetch_peer_chain(const struct http_fetch *f) { return f->chain; }

const char *
http_fetch_body(const struct http_fetch *f, size_t *len)
{
	if (len != NULL)
		*len = f->body_len;
	return f->body != NULL ? f->body : "";
}
