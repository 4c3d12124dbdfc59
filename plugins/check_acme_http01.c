/*
 * check_acme_http01 - would Let's Encrypt's HTTP-01 challenge reach this
 * server? Requests http://NAME/.well-known/acme-challenge/TOKEN and follows
 * redirects as the ACME validator does (RFC 8555 8.3 and Let's Encrypt's
 * rules), judging each hop: incident 5, a proxy redirecting the challenge
 * to HTTPS and answering with its own default certificate.
 *
 * Flow: options -> the walk (one fetch per hop, one deadline) -> the table
 * of checks over the hops -> one exit.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>

#include "cert_checks.h"
#include "check.h"
#include "endpoint_opts.h"
#include "http_fetch.h"
#include "plugin_opts.h"
#include "tlsprobe.h"

#define PREFIX "ACME_HTTP01"
#define REDIRECTS_MAX 10		/* Let's Encrypt follows at most 10 */
#define HOPS_MAX (REDIRECTS_MAX + 1)
#define TOKEN_MAX 255
#define HOP_MIN_MS 100			/* a hop is fetched with at least this much of -t left */
#define CHALLENGE_PATH "/.well-known/acme-challenge/"
#define USER_AGENT "check_acme_http01/" PACKAGE_VERSION " (tls-probe; like an ACME validation server)"

struct options {
	struct common_opts common;
	const char *name;		/* lowercase, as hosts in URLs are compared */
	char name_buf[254];
	const char *ip;
	char ip_buf[256];
	unsigned http_port;		/* stands in for 80 */
	unsigned https_port;		/* stands in for 443 */
	const char *token;
	const char *expect;		/* the canary's content, with --token */
	char random_token[48];
};

/* Why the walk stopped after a hop; HOP_FOLLOWED when it went on. */
enum hop_end {
	HOP_FOLLOWED,
	HOP_ANSWERED,		/* not a redirect: the end of the path */
	HOP_FAILED,		/* no HTTP answer */
	HOP_NO_LOCATION,	/* a redirect status without a usable Location */
	HOP_BAD_SCHEME,
	HOP_BAD_PORT,
	HOP_IP_ADDRESS,
	HOP_LOOP,
	HOP_TOO_MANY,
};

struct hop {
	char request[2300];		/* the URL as the validator sees it */
	char url[2300];			/* the same with the port actually used */
	char origin[300];		/* "https://name:port", to name the hop in a line */
	struct http_url at;
	struct http_fetch *fetch;
	enum hop_end end;
	struct http_url next;		/* where a redirect points (when parsed) */
	size_t loop_to;			/* HOP_LOOP: the earlier hop it returns to */
	char not_fetched[200];		/* HOP_FAILED before fetching: the time ran out */
};

struct run {
	const struct options *opts;
	struct hop hops[HOPS_MAX];
	size_t count;
	double seconds;
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum { OPT_IP = 0x2000, OPT_HTTPS_PORT, OPT_TOKEN, OPT_EXPECT };

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	{ "hostname", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "https-port", required_argument, NULL, OPT_HTTPS_PORT },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_acme_http01 %s - check that an ACME HTTP-01 challenge reaches this server\n\n",
	    PACKAGE_VERSION);
	printf("Requests http://NAME" CHALLENGE_PATH "TOKEN and follows redirects the way\n"
	    "Let's Encrypt's validator does (only http and https, only ports 80 and 443,\n"
	    "at most 10 redirects, never to an IP address), reporting every hop and the\n"
	    "certificate of every HTTPS hop. The validator does not verify certificates,\n"
	    "but a proxy's default certificate at the end of the path means the challenge\n"
	    "lands on the proxy, not on the server that asked for it.\n\n");
	printf("Usage: check_acme_http01 -H NAME [--ip ADDR] [-p PORT] [--https-port PORT] [options]\n"
	    "       check_acme_http01 -H NAME --token TOKEN --expect CONTENT [options]\n\n");
	printf("Options:\n"
	    " -H, --hostname=NAME     the domain name being validated\n"
	    "     --ip=ADDR           connect to ADDR for every hop to NAME instead of\n"
	    "                         resolving it (e.g. the server behind a NAT); hops\n"
	    "                         to other names are resolved as the validator would\n"
	    " -p, --port=PORT         use PORT where a hop says http on port 80 (default 80);\n"
	    "                         a redirect naming PORT counts as one to port 80\n"
	    "     --https-port=PORT   the same for https and port 443 (default 443)\n"
	    "     --token=TOKEN       the name of a canary file placed in the challenge\n"
	    "                         directory (base64url characters; default: a random\n"
	    "                         token, which the server should answer with 404)\n"
	    "     --expect=CONTENT    the canary's content (compared without surrounding\n"
	    "                         white space); required with --token\n");
	common_opts_help(stdout);
	printf("\nStates: CRITICAL when a redirect breaks the validator's rules (naming the\n"
	    "hop), for a redirect loop or more than 10 redirects, when the path ends at a\n"
	    "self-signed or proxy default certificate that does not cover NAME, at a status\n"
	    "other than 200 or 404 (or, with --token, anything but the canary), or at no\n"
	    "answer; WARNING when the challenge is redirected to HTTPS at all: it works,\n"
	    "but it breaks as soon as the proxy there loses its route or certificate.\n\n");
	printf("Examples:\n"
	    "  check_acme_http01 -H mail.example.com\n"
	    "  check_acme_http01 -H mail.example.com --token tls-probe-canary --expect ok\n"
	    "  check_acme_http01 -H mail.example.com --ip 192.0.2.10 -p 8080 --https-port 8443\n");
}

static int
port_option(const char *option, const char *arg, unsigned *out, char *err, size_t errlen)
{
	long n = parse_decimal(arg, 1, 65535);

	if (n < 0) {
		snprintf(err, errlen, "%s '%s' is not a port number (1 to 65535)", option, arg);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static bool
is_domain_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 253 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n && name[0] != '.' &&
	    name[0] != '-' && strstr(name, "..") == NULL;
}

/* A sentence for a bad --token; a long one is named by its length only. */
static int
token_error(const char *arg, char *err, size_t errlen)
{
	if (strlen(arg) > TOKEN_MAX)
		snprintf(err, errlen, "--token: %zu characters is too long for an ACME "
		    "token (1 to %d base64url characters)", strlen(arg), TOKEN_MAX);
	else
		snprintf(err, errlen, "--token '%s' is not an ACME token: 1 to %d "
		    "base64url characters (A-Z a-z 0-9 - _)", arg, TOKEN_MAX);
	return -1;
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;

	switch (opt) {
	case 'H':
		if (host_name_option("-H/--hostname", arg, o->name_buf, sizeof(o->name_buf),
		    err, errlen) < 0)
			return -1;
		if (is_ip_address(o->name_buf))
			return opt_error(err, errlen, "-H '%s' is an IP address: give the domain "
			    "name being validated (and --ip to connect to an address)", arg);
		if (!is_domain_name(o->name_buf))
			return opt_error(err, errlen, "-H '%s' is not a domain name", arg);
		for (char *p = o->name_buf; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		o->name = o->name_buf;
		return 0;
	case 'p':
		return port_option("-p/--port", arg, &o->http_port, err, errlen);
	case OPT_HTTPS_PORT:
		return port_option("--https-port", arg, &o->https_port, err, errlen);
	case OPT_IP:
		if (host_name_option("--ip", arg, o->ip_buf, sizeof(o->ip_buf), err, errlen) < 0 ||
		    !is_ip_address(o->ip_buf))
			return opt_error(err, errlen, "--ip '%s' is not an IP address", arg);
		o->ip = o->ip_buf;
		return 0;
	case OPT_TOKEN:
		if (arg[0] == '\0' || strlen(arg) > TOKEN_MAX ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_") != strlen(arg))
			return token_error(arg, err, errlen);
		o->token = arg;
		return 0;
	case OPT_EXPECT:
		o->expect = arg;
		return 0;
	default:
		snprintf(err, errlen, "unknown option; see check_acme_http01 --help");
		return -1;
	}
}

/* A token as Let's Encrypt makes them: 32 random bytes, base64url, 43 characters. */
static int
make_random_token(char *out, size_t size, char *err, size_t errlen)
{
	static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33] = { 0 };
	size_t n = 0;

	if (getrandom(raw, 32, 0) != 32) {
		snprintf(err, errlen, "cannot make a random token: getrandom failed");
		return -1;
	}
	for (size_t i = 0; i < 33 && n + 4 < size; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		for (int k = 3; k >= 0; k--)
			out[n++] = b64url[(v >> (6 * k)) & 63];
	}
	out[43] = '\0';		/* 32 bytes: 43 characters, the rest is padding */
	return 0;
}

static int
complete_options(struct options *o, char *err, size_t errlen)
{
	if (o->name == NULL)
		return opt_error(err, errlen, "-H NAME is required: the domain name being "
		    "validated%s", "");
	if (o->token != NULL && o->expect == NULL)
		return opt_error(err, errlen, "--token '%s' needs --expect CONTENT, the "
		    "canary file's content", o->token);
	if (o->expect != NULL && o->token == NULL)
		return opt_error(err, errlen, "--expect '%s' needs --token TOKEN, the canary "
		    "file's name", o->expect);
	if (o->token == NULL) {
		if (make_random_token(o->random_token, sizeof(o->random_token), err, errlen) < 0)
			return -1;
		o->token = o->random_token;
	}
	return 0;
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS "H:p:", long_options, &o->common, NULL, handle_option, o,
	};
	int rc;

	o->http_port = 80;
	o->https_port = 443;
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	return rc != 0 ? rc : complete_options(o, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* the walk                                                                  */
/* ------------------------------------------------------------------------ */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The port a hop connects to: the stand-ins replace the schemes' defaults. */
static unsigned
connect_port(const struct options *o, const struct http_url *u)
{
	if (u->port != 0 && u->port != u->default_port)
		return u->port;
	return strcmp(u->scheme, "https") == 0 ? o->https_port : o->http_port;
}

static bool
standard_port(const struct options *o, unsigned port)
{
	return port == 80 || port == 443 || port == o->http_port || port == o->https_port;
}

static bool
same_place(const struct options *o, const struct http_url *a, const struct http_url *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
	    connect_port(o, a) == connect_port(o, b) && strcmp(a->path, b->path) == 0;
}

/* The scheme URL starts with (RFC 3986 3.1), lowercased into OUT; false when none. */
static bool
url_scheme(const char *url, char *out, size_t size)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+-.");

	if (n == 0 || n >= size || url[n] != ':' || !isalpha((unsigned char)url[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)url[i]);
	out[n] = '\0';
	return true;
}

/* Would the validator follow HOP's redirect? Sets HOP->next and returns why not. */
static enum hop_end
judge_redirect(const struct run *r, struct hop *hop)
{
	const struct options *o = r->opts;
	const char *location = http_fetch_location(hop->fetch);
	char err[400];

	if (location == NULL)
		return HOP_NO_LOCATION;
	/* A scheme is named even when the rest is no URL we parse ("file:///x"). */
	if (url_scheme(location, hop->next.scheme, sizeof(hop->next.scheme)) &&
	    strcmp(hop->next.scheme, "http") != 0 && strcmp(hop->next.scheme, "https") != 0)
		return HOP_BAD_SCHEME;
	if (http_url_parse(location, &hop->next, err, sizeof(err)) < 0)
		return HOP_NO_LOCATION;
	if (r->count == HOPS_MAX)
		return HOP_TOO_MANY;
	if (strcmp(hop->next.scheme, "http") != 0 && strcmp(hop->next.scheme, "https") != 0)
		return HOP_BAD_SCHEME;
	if (hop->next.port != 0 && !standard_port(o, hop->next.port))
		return HOP_BAD_PORT;
	if (hop->next.host_is_ip)
		return HOP_IP_ADDRESS;
	for (size_t i = 0; i < r->count; i++) {
		if (same_place(o, &r->hops[i].at, &hop->next)) {
			hop->loop_to = i;
			return HOP_LOOP;
		}
	}
	return HOP_FOLLOWED;
}

static bool
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* "https://name:port": U without its path. */
static void
format_origin(const struct http_url *u, unsigned port, char *out, size_t size)
{
	struct http_url bare = *u;

	bare.path[0] = '\0';
	http_url_format(&bare, port, out, size);
}

/* Fetches hop after hop until an answer, a failure or a redirect the validator refuses. */
static void
walk(struct run *r, char *err, size_t errlen)
{
	const struct options *o = r->opts;
	double start = now_seconds(), deadline = start + o->common.timeout_seconds;
	struct http_url next;

	snprintf(next.scheme, sizeof(next.scheme), "http");
	snprintf(next.host, sizeof(next.host), "%s", o->name);
	next.host_is_ip = false;
	next.port = 0;
	next.default_port = 80;
	snprintf(next.path, sizeof(next.path), CHALLENGE_PATH "%s", o->token);
	for (;;) {
		struct hop *hop = &r->hops[r->count++];
		double left = deadline - now_seconds();
		struct http_request req = {
			.url = hop->request,
			.connect_addr = o->ip && strcmp(next.host, o->name) == 0 ? o->ip : NULL,
			.timeout_ms = left > 0.001 ? (unsigned)(left * 1000) : 0,
			.user_agent = USER_AGENT,
		};

		hop->at = next;
		req.connect_port = connect_port(o, &hop->at);
		http_url_format(&hop->at, hop->at.port, hop->request, sizeof(hop->request));
		http_url_format(&hop->at, req.connect_port, hop->url, sizeof(hop->url));
		format_origin(&hop->at, req.connect_port, hop->origin, sizeof(hop->origin));
		hop->fetch = http_fetch_new();
		if (hop->fetch == NULL) {
			snprintf(err, errlen, "out of memory");
			hop->end = HOP_FAILED;
			break;
		}
		/* A hop started on the last milliseconds would blame its server for them. */
		if (r->count > 1 && left * 1000 < HOP_MIN_MS) {
			char before[32] = "hop 1";

			if (r->count > 2)
				snprintf(before, sizeof(before), "hops 1 to %zu", r->count - 1);
			snprintf(hop->not_fetched, sizeof(hop->not_fetched), "not fetched: the time "
			    "ran out, %s took %.1f s of -t %g s", before, now_seconds() - start,
			    o->common.timeout_seconds);
			hop->end = HOP_FAILED;
		} else if (http_fetch_run(hop->fetch, &req) < 0)
			hop->end = HOP_FAILED;
		else if (!is_redirect(http_fetch_status(hop->fetch)))
			hop->end = HOP_ANSWERED;
		else
			hop->end = judge_redirect(r, hop);
		check_verbose(&o->common, 1, "hop %zu: %s -> %ld %s%s\n", r->count, hop->url,
		    http_fetch_status(hop->fetch), http_fetch_error(hop->fetch),
		    http_fetch_location(hop->fetch) ? http_fetch_location(hop->fetch) : "");
		if (hop->end != HOP_FOLLOWED)
			break;
		next = hop->next;
	}
	r->seconds = now_seconds() - start;
}

static void
free_run(struct run *r)
{
	for (size_t i = 0; i < r->count; i++)
		http_fetch_free(r->hops[i].fetch);
}

/* ------------------------------------------------------------------------ */
/* the checks                                                                */
/* ------------------------------------------------------------------------ */

static const struct hop *
last_hop(const struct run *r)
{
	return &r->hops[r->count - 1];
}

static const struct tp_cert *
hop_leaf(const struct hop *hop)
{
	const struct tp_chain *chain = hop->fetch ? http_fetch_peer_chain(hop->fetch) : NULL;

	return chain != NULL ? tp_chain_cert(chain, 0) : NULL;
}

/* TEXT's LEN bytes without surrounding white space: a new start, *LEN shortened. */
static const char *
trim(const char *text, size_t *len)
{
	const char *ws = " \t\r\n";

	while (*len > 0 && strchr(ws, text[0]) != NULL)
		text++, (*len)--;
	while (*len > 0 && strchr(ws, text[*len - 1]) != NULL)
		(*len)--;
	return text;
}

/* The body without surrounding white space equals the canary's content so trimmed. */
static bool
body_is(const struct hop *hop, const char *want)
{
	size_t len, wlen = strlen(want);
	const char *body = trim(http_fetch_body(hop->fetch, &len), &len);

	want = trim(want, &wlen);
	return !http_fetch_body_truncated(hop->fetch) && len == wlen &&
	    memcmp(body, want, len) == 0;
}

static bool
canary_found(const struct run *r)
{
	const struct hop *hop = last_hop(r);

	return r->opts->expect != NULL && hop->end == HOP_ANSWERED &&
	    http_fetch_status(hop->fetch) == 200 && body_is(hop, r->opts->expect);
}

static void
check_answered(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);
	enum check_state state = STATE_CRITICAL;

	if (hop->end != HOP_FAILED || hop->fetch == NULL)
		return;
	if (hop->not_fetched[0]) {
		check_add(c, r->opts->common.timeout_state, "hop %zu (%s): %s", r->count,
		    hop->origin, hop->not_fetched);
		return;
	}
	if (http_fetch_failure(hop->fetch) == TP_FAIL_TIMEOUT)
		state = r->opts->common.timeout_state;
	else if (http_fetch_failure(hop->fetch) == TP_FAIL_INTERNAL)
		state = STATE_UNKNOWN;
	else if (http_fetch_failure(hop->fetch) == TP_FAIL_CONFIG && r->count == 1)
		state = STATE_UNKNOWN;	/* the URL made from the options; later ones are the server's */
	check_add(c, state, "hop %zu (%s): %s", r->count, hop->origin, http_fetch_error(hop->fetch));
}

static void
check_redirect_rules(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);
	const char *to = http_fetch_location(hop->fetch);
	char where[64] = "";
	unsigned port = hop->next.port;

	if (r->opts->http_port != 80 || r->opts->https_port != 443)
		snprintf(where, sizeof(where), " (or %u and %u here)", r->opts->http_port,
		    r->opts->https_port);
	switch (hop->end) {
	case HOP_NO_LOCATION:
		check_add(c, STATE_CRITICAL, "hop %zu (%s) answered %ld without a usable "
		    "Location: the validator cannot follow it", r->count, hop->origin,
		    http_fetch_status(hop->fetch));
		break;
	case HOP_BAD_SCHEME:
		check_add(c, STATE_CRITICAL, "hop %zu redirects to %s: only http and https "
		    "redirects are followed, Let's Encrypt refuses '%s'", r->count, to,
		    hop->next.scheme);
		break;
	case HOP_BAD_PORT:
		check_add(c, STATE_CRITICAL, "hop %zu redirects to port %u, which Let's "
		    "Encrypt refuses to follow: only 80 and 443%s (%s)", r->count, port,
		    where, to);
		break;
	case HOP_IP_ADDRESS:
		check_add(c, STATE_CRITICAL, "hop %zu redirects to the IP address %s (%s): "
		    "Let's Encrypt follows redirects to domain names only", r->count,
		    hop->next.host, to);
		break;
	default:
		break;
	}
}

static void
check_loops(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);

	if (hop->end == HOP_LOOP)
		check_add(c, STATE_CRITICAL, "redirect loop: hop %zu redirects back to %s "
		    "(hop %zu)", r->count, r->hops[hop->loop_to].url, hop->loop_to + 1);
	else if (hop->end == HOP_TOO_MANY)
		check_add(c, STATE_CRITICAL, "more than %d redirects: hop %zu redirects again, "
		    "to %s; Let's Encrypt gives up", REDIRECTS_MAX, r->count,
		    http_fetch_location(hop->fetch));
}

/*
 * The leaf at the end of the path when it is a proxy's placeholder or
 * self-signed and not for NAME (incident 5), else NULL. A canary that
 * arrived anyway wins: the validator does not look at certificates.
 */
static const struct tp_cert *
placeholder_at_end(const struct run *r)
{
	const struct hop *hop = last_hop(r);
	const struct tp_cert *leaf = hop_leaf(hop);

	if (leaf == NULL || hop->end != HOP_ANSWERED || canary_found(r) ||
	    tp_cert_matches_name(leaf, r->opts->name))
		return NULL;
	return cert_proxy_default(leaf) != NULL || tp_cert_is_self_signed(leaf) ? leaf : NULL;
}

static void
check_final_certificate(struct check *c, const struct run *r)
{
	const struct tp_cert *leaf = placeholder_at_end(r);

	if (leaf == NULL)
		return;
	check_add(c, STATE_CRITICAL, "the challenge lands on a proxy: hop %zu (%s) "
	    "ends on %s certificate '%s' (%snot for %s)", r->count, last_hop(r)->origin,
	    cert_proxy_default(leaf) ? "its default" : "a self-signed", cert_label(leaf),
	    cert_proxy_default(leaf) && tp_cert_is_self_signed(leaf) ? "self-signed, " : "",
	    r->opts->name);
}

static void
check_origin_status(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);
	long status = hop->fetch ? http_fetch_status(hop->fetch) : 0;

	if (r->opts->expect != NULL || hop->end != HOP_ANSWERED)
		return;
	if (status != 404 && status != 200)
		check_add(c, STATE_CRITICAL, "the path ends at hop %zu (%s) with status %ld, "
		    "not 404 or 200: the challenge cannot be served there", r->count,
		    hop->origin, status);
	else if (placeholder_at_end(r) == NULL)
		check_add(c, STATE_OK, "hop %zu (%s) answers %ld for a random token: the "
		    "challenge path reaches a web server", r->count, hop->origin, status);
}

static void
check_canary(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);
	const char *body;
	size_t len, received;
	char got[64];

	if (r->opts->expect == NULL || hop->end != HOP_ANSWERED)
		return;
	if (canary_found(r)) {
		check_add(c, STATE_OK, "hop %zu (%s) serves the canary", r->count, hop->origin);
		return;
	}
	if (http_fetch_status(hop->fetch) != 200) {
		check_add(c, STATE_CRITICAL, "the canary is not served: the path ends at hop "
		    "%zu (%s) with status %ld", r->count, hop->origin, http_fetch_status(hop->fetch));
		return;
	}
	body = http_fetch_body(hop->fetch, &received);
	len = received;
	body = trim(body, &len);
	snprintf(got, sizeof(got), "%.*s", (int)(len < 60 ? len : 60), body);
	for (char *p = got; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	check_add(c, STATE_CRITICAL, "hop %zu (%s) answers 200 but not with the canary: "
	    "got '%s'%s (%zu bytes%s)", r->count, hop->origin, got, len > 60 ? "..." : "",
	    received,
	    http_fetch_body_truncated(hop->fetch) ? ", cut at the limit" : "");
}

/* Works with Let's Encrypt, but it is the fragile setup of incident 5. */
static void
check_https_redirect(struct check *c, const struct run *r)
{
	for (size_t i = 1; i < r->count; i++) {
		if (strcmp(r->hops[i].at.scheme, "https") != 0 ||
		    strcmp(r->hops[i - 1].at.scheme, "http") != 0)
			continue;
		check_add(c, STATE_WARNING, "hop %zu redirects the challenge to HTTPS (%s): "
		    "Let's Encrypt follows it, but renewals break when the proxy there loses "
		    "its route or certificate", i, r->hops[i].origin);
		return;
	}
}

/* The table of checks, in the order of their lines. */
static void (*const checks[])(struct check *, const struct run *) = {
	check_answered,
	check_redirect_rules,
	check_loops,
	check_final_certificate,
	check_origin_status,
	check_canary,
	check_https_redirect,
};

/* ------------------------------------------------------------------------ */
/* output                                                                    */
/* ------------------------------------------------------------------------ */

static void
hop_detail(struct check *c, const struct run *r, size_t i)
{
	const struct hop *hop = &r->hops[i];
	const struct tp_cert *leaf = hop_leaf(hop);
	char tls[800] = "";

	if (leaf != NULL)
		snprintf(tls, sizeof(tls), "; certificate '%s' from '%s'%s, %s %s",
		    cert_label(leaf), tp_cert_issuer_cn(leaf)[0] ? tp_cert_issuer_cn(leaf) :
		    tp_cert_issuer(leaf), tp_cert_is_self_signed(leaf) ? ", self-signed" : "",
		    tp_cert_matches_name(leaf, r->opts->name) ? "covers" : "does not cover",
		    r->opts->name);
	if (hop->not_fetched[0])
		check_detail(c, "hop %zu: %s -> %s", i + 1, hop->url, hop->not_fetched);
	else if (hop->end == HOP_FAILED)
		check_detail(c, "hop %zu: %s -> no answer: %s%s", i + 1, hop->url,
		    hop->fetch ? http_fetch_error(hop->fetch) : "", tls);
	else if (http_fetch_location(hop->fetch) != NULL)
		check_detail(c, "hop %zu: %s -> %ld Location: %s%s%s", i + 1, hop->url,
		    http_fetch_status(hop->fetch), http_fetch_location(hop->fetch),
		    hop->end == HOP_FOLLOWED ? "" : " (not followed)", tls);
	else
		check_detail(c, "hop %zu: %s -> %ld%s", i + 1, hop->url,
		    http_fetch_status(hop->fetch), tls);
}

/* The hops' certificates are shown, not judged: the default policy's facts. */
static const struct expiry_policy default_expiry;

static void
hop_facts(struct check *c, const struct run *r, size_t i, time_t now)
{
	const struct hop *hop = &r->hops[i];
	const struct tp_cert *leaf = hop_leaf(hop);

	check_fact_item(c);
	check_fact_str(c, "url", hop->url);
	if (hop->fetch == NULL) {
		check_fact_end(c);
		return;
	}
	check_fact_str(c, "peer", http_fetch_peer(hop->fetch));
	if (hop->not_fetched[0])
		check_fact_str(c, "error", hop->not_fetched);
	else if (hop->end == HOP_FAILED)
		check_fact_str(c, "error", http_fetch_error(hop->fetch));
	else
		check_fact_num(c, "status", (double)http_fetch_status(hop->fetch));
	if (http_fetch_location(hop->fetch) != NULL)
		check_fact_str(c, "location", http_fetch_location(hop->fetch));
	check_fact_bool(c, "followed", hop->end == HOP_FOLLOWED);
	check_fact_num(c, "time", http_fetch_time_total(hop->fetch));
	if (leaf != NULL) {
		check_fact_str(c, "tls_subject", tp_cert_subject(leaf));
		check_fact_str(c, "tls_issuer", tp_cert_issuer(leaf));
		check_fact_bool(c, "tls_self_signed", tp_cert_is_self_signed(leaf));
		check_fact_bool(c, "tls_proxy_default", cert_proxy_default(leaf) != NULL);
		check_fact_bool(c, "tls_covers_name", tp_cert_matches_name(leaf, r->opts->name));
		cert_chain_facts(c, "tls_chain", http_fetch_peer_chain(hop->fetch),
		    &default_expiry, now);
	}
	check_fact_end(c);
}

static void
add_output(struct check *c, const struct run *r)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < r->count; i++)
		hop_detail(c, r, i);
	check_perf(c, "hops", (double)r->count, "", NULL, NULL, NULL);
	check_perf(c, "time", r->seconds, "s", NULL, NULL, NULL);
	check_fact_str(c, "name", r->opts->name);
	check_fact_str(c, "token", r->opts->token);
	check_group(c, (const struct check_label[]){ { "host", r->opts->name }, { NULL, NULL } }, 0);
	check_fact_list(c, "hops");
	for (size_t i = 0; i < r->count; i++) {
		char hop[16];

		snprintf(hop, sizeof(hop), "%zu", i + 1);
		check_group(c, (const struct check_label[]){ { "hop", hop }, { NULL, NULL } }, 0);
		hop_facts(c, r, i, now);
		check_group_end(c);
	}
	check_fact_end(c);
	check_group_end(c);
}

static void
summarize(struct check *c, const struct run *r)
{
	const struct hop *hop = last_hop(r);

	if (check_state(c) != STATE_OK)
		check_summary_prefix(c, "%s", r->opts->name);
	else if (r->opts->expect != NULL)
		check_summary(c, "%s: the canary is served at hop %zu (%s)", r->opts->name,
		    r->count, hop->origin);
	else
		check_summary(c, "%s: the challenge path ends at hop %zu (%s) with %ld%s",
		    r->opts->name, r->count, hop->origin, http_fetch_status(hop->fetch),
		    r->count == 1 ? ", no redirect" : "");
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run r = { .opts = &o };
	char err[512] = "";
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_acme_http01", PREFIX, print_help, err);
	plugin_start(&o.common, PREFIX);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	walk(&r, err, sizeof(err));
	if (err[0] != '\0')
		check_add(c, STATE_UNKNOWN, "%s", err);
	for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++)
		checks[k](c, &r);
	summarize(c, &r);
	add_output(c, &r);
	rc = check_finish(c, o.common.output, stdout);
	check_free(c);
	free_run(&r);
	return rc;
}
