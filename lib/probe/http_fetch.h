/*
 * http_fetch.h - fetch one URL over HTTP or HTTPS and read back what came
 * back: the status, the Location of a redirect (never followed: the caller
 * judges every hop), a bounded body and the certificates an HTTPS peer
 * sent, or a classified failure with a sentence for a human.
 *
 * Like the probe, it reports facts and decides nothing. No libcurl type
 * appears here.
 */
#ifndef TLSPROBE_HTTP_FETCH_H
#define TLSPROBE_HTTP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsprobe.h"

#define HTTP_BODY_MAX_DEFAULT 65536	/* bytes of a body kept when not told */

/* The parts of an absolute URL that the redirect rules look at. */
struct http_url {
	char scheme[16];	/* lowercase: "http", "https", or whatever it said */
	char host[256];		/* lowercase; an IPv6 address without brackets */
	bool host_is_ip;
	unsigned port;		/* the port the URL names, 0 when it names none */
	unsigned default_port;	/* the scheme's: 80, 443, 0 for any other */
	char path[2048];	/* path and query, always starting with '/' */
};

/*
 * Parses the absolute URL TEXT. Any scheme is accepted (so that a caller
 * can name a bad one). Returns 0, or -1 with a sentence in ERR.
 */
int http_url_parse(const char *text, struct http_url *out, char *err, size_t errlen);

/* "scheme://host:port/path" with PORT (none when 0), brackets around an IPv6 host. */
void http_url_format(const struct http_url *u, unsigned port, char *out, size_t size);

struct http_request {
	const char *url;
	const char *connect_addr;	/* connect here instead of resolving the host; NULL: resolve */
	unsigned connect_port;		/* connect to this port instead of the URL's; 0: the URL's */
	unsigned timeout_ms;		/* for the whole fetch, connect included; must be > 0 */
	size_t body_max;		/* bytes kept of the body; 0: HTTP_BODY_MAX_DEFAULT */
	const char *user_agent;		/* NULL: libcurl's */
};

struct http_fetch;

/*
 * NULL only when out of memory. libcurl is loaded (once) here or by the first
 * http_url_parse(): when it cannot be, http_fetch_run() fails with
 * TP_FAIL_INTERNAL and a sentence naming the file and its package.
 */
struct http_fetch *http_fetch_new(void);
void http_fetch_free(struct http_fetch *f);

/*
 * Sends one GET for REQ->url (HTTP/1.1, no proxy, no cookies, redirects
 * not followed, the certificate read but not verified) and collects the
 * answer. Returns 0 when an HTTP answer came back, whatever its status,
 * or -1 with http_fetch_failure() and http_fetch_error() set. A body cut
 * at body_max is not a failure: see http_fetch_body_truncated().
 */
int http_fetch_run(struct http_fetch *f, const struct http_request *req);

/* Why the fetch failed (TP_FAIL_NONE after a success), and as a sentence. */
enum tp_failure http_fetch_failure(const struct http_fetch *f);
const char *http_fetch_error(const struct http_fetch *f);

long http_fetch_status(const struct http_fetch *f);
/* The absolute URL a 3xx answer's Location points to, or NULL. */
const char *http_fetch_location(const struct http_fetch *f);
/* The body as received (NUL-terminated after LEN bytes), at most body_max bytes. */
const char *http_fetch_body(const struct http_fetch *f, size_t *len);
bool http_fetch_body_truncated(const struct http_fetch *f);
/* "127.0.0.1:8080", the address actually connected to ("" when none was). */
const char *http_fetch_peer(const struct http_fetch *f);
/* The answer's Retry-After in seconds (a date counted from now), 0 when none. */
long http_fetch_retry_after(const struct http_fetch *f);
/* Seconds from the start to the end of the answer. */
double http_fetch_time_total(const struct http_fetch *f);
/*
 * The chain an HTTPS peer sent, leaf first (NULL for plain HTTP or when
 * the handshake failed). Unverified: this is what the peer showed.
 */
const struct tp_chain *http_fetch_peer_chain(const struct http_fetch *f);

#endif
