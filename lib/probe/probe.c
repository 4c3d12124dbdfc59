/*
 * probe.c - the probe's verbs: configure, run, read the facts back.
 *
 * tp_probe_run() walks the phases in order (resolve, connect, PROXY header,
 * greeting and STARTTLS, handshake, polite close) under one deadline, with
 * the TLS context and roots of a shared client (client.c). Each
 * phase that fails leaves a classified failure and a sentence here; the
 * facts of a successful run stay readable until the probe is freed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "probe_internal.h"

#define DEFAULT_TIMEOUT_MS 10000

/* --- configuration ---------------------------------------------------- */

struct tp_config *
tp_config_new(void)
{
	struct tp_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg != NULL) {
		cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
		cfg->proto = TP_PROTO_SMTP;
	}
	return cfg;
}

void
tp_config_free(struct tp_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->host);
	free(cfg->sni);
	free(cfg->helo_name);
	free(cfg->dane_name);
	free(cfg->dane_alt_name);
	for (size_t i = 0; i < cfg->tlsa_count; i++)
		free(cfg->tlsa[i].data);
	free(cfg->tlsa);
	free(cfg);
}

const char *
tp_config_error(const struct tp_config *cfg)
{
	return cfg->error;
}

__attribute__((format(printf, 2, 3)))
static int
config_fail(struct tp_config *cfg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cfg->error, sizeof(cfg->error), fmt, ap);
	va_end(ap);
	return -1;
}

static int
set_string(struct tp_config *cfg, char **field, const char *value)
{
	char *copy = value ? strdup(value) : NULL;

	if (value != NULL && copy == NULL)
		return config_fail(cfg, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

int
tp_config_set_host(struct tp_config *cfg, const char *host)
{
	if (host == NULL || host[0] == '\0' || strlen(host) > 253)
		return config_fail(cfg, "the host name must be 1 to 253 characters");
	return set_string(cfg, &cfg->host, host);
}

int
tp_config_set_dane_name(struct tp_config *cfg, const char *name)
{
	return set_string(cfg, &cfg->dane_name, name);
}

int
tp_config_set_dane_alt_name(struct tp_config *cfg, const char *name)
{
	return set_string(cfg, &cfg->dane_alt_name, name);
}

int
tp_config_set_port(struct tp_config *cfg, unsigned port)
{
	if (port == 0 || port > 65535)
		return config_fail(cfg, "port %u is not between 1 and 65535", port);
	cfg->port = port;
	return 0;
}

int
tp_config_set_protocol(struct tp_config *cfg, enum tp_protocol proto)
{
	if (proto >= TP_PROTO_COUNT)
		return config_fail(cfg, "unknown protocol");
	cfg->proto = proto;
	cfg->proto_set = true;
	return 0;
}

int
tp_config_set_family(struct tp_config *cfg, enum tp_family family)
{
	cfg->family = family;
	return 0;
}

int
tp_config_set_sni(struct tp_config *cfg, const char *name)
{
	return set_string(cfg, &cfg->sni, name);
}

int
tp_config_set_proxy(struct tp_config *cfg, enum tp_proxy version)
{
	if (version != TP_PROXY_NONE && version != TP_PROXY_V1 && version != TP_PROXY_V2)
		return config_fail(cfg, "the PROXY protocol version must be 1 or 2");
	cfg->proxy = version;
	return 0;
}

static int
parse_address(struct tp_config *cfg, const char *addr, unsigned port,
    struct sockaddr_storage *out)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (port > 65535)
		return config_fail(cfg, "port %u is not between 0 and 65535", port);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return config_fail(cfg, "'%s' is not an IPv4 or IPv6 address", addr);
}

int
tp_config_set_proxy_source(struct tp_config *cfg, const char *addr, unsigned port)
{
	if (parse_address(cfg, addr, port, &cfg->proxy_src) < 0)
		return -1;
	cfg->proxy_src_set = true;
	return 0;
}

int
tp_config_set_proxy_destination(struct tp_config *cfg, const char *addr, unsigned port)
{
	if (parse_address(cfg, addr, port, &cfg->proxy_dst) < 0)
		return -1;
	cfg->proxy_dst_set = true;
	return 0;
}

int
tp_config_set_helo_name(struct tp_config *cfg, const char *name)
{
	if (name != NULL && strpbrk(name, " \r\n") != NULL)
		return config_fail(cfg, "the HELO name must be one word");
	return set_string(cfg, &cfg->helo_name, name);
}

int
tp_config_set_timeout_ms(struct tp_config *cfg, unsigned ms)
{
	if (ms == 0)
		return config_fail(cfg, "the timeout must be greater than 0");
	cfg->timeout_ms = ms;
	return 0;
}

/* --- failures ----------------------------------------------------------- */

void
copy_printable(char *dst, size_t size, const char *src)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = ch == '\n' ? ' ' : (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[i] = '\0';
}

int
probe_fail(struct tp_probe *p, enum tp_failure kind, const char *fmt, ...)
{
	va_list ap;

	if (p->failure != TP_FAIL_NONE)
		return -1;	/* the first failure is the cause; keep it */
	p->failure = kind;
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	return -1;
}

void
probe_said(struct tp_probe *p, enum proxy_said said)
{
	if (said > p->said)
		p->said = said;
}

int
probe_refused(struct tp_probe *p, enum tp_failure kind, enum proxy_refusal how,
    const char *quote, const char *fmt, ...)
{
	struct proxy_evidence e = { p->proxy_sent, p->spoke, p->said, how };
	enum proxy_verdict v = proxy_diagnose(&e);
	char base[TP_ERROR_MAX], shown[200] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(base, sizeof(base), fmt, ap);
	va_end(ap);
	if (quote != NULL)
		copy_printable(shown, sizeof(shown), quote);
	if (v == PROXY_NOT_THE_CAUSE)
		return probe_fail(p, kind, quote ? "%s: '%s'" : "%s%s", base, shown);
	/* The likely cause first: line one is cut at 199 characters. */
	if (v == PROXY_HEADER_UNEXPECTED)
		return probe_fail(p, kind, quote ? "%s; %s (the server said '%s')" : "%s; %s%s",
		    proxy_advice(v), base, shown);
	return probe_fail(p, kind, quote ? "%s; %s (the server said '%s')" : "%s; %s%s",
	    base, proxy_advice(v), shown);
}

int
probe_fail_io(struct tp_probe *p, enum io_status st, const char *waiting_for)
{
	switch (st) {
	case IO_TIMEOUT:
		return probe_refused(p, TP_FAIL_TIMEOUT, REFUSED_SILENCE, NULL,
		    "timeout in the %s phase: no %s from the server before the "
		    "deadline", tp_probe_phase_name(p->phase), waiting_for);
	case IO_CLOSED:
		return probe_refused(p, TP_FAIL_CLOSED, REFUSED_EOF, NULL,
		    "the server closed the connection while this check waited for "
		    "its %s", waiting_for);
	case IO_RESET:
		return probe_refused(p, TP_FAIL_RESET, REFUSED_RST, NULL,
		    "the server reset the connection while this check waited for "
		    "its %s", waiting_for);
	case IO_TOO_LONG:
		return probe_fail(p, TP_FAIL_PROTOCOL,
		    "the server's %s has a line longer than %d bytes; giving up",
		    waiting_for, TP_LINE_MAX);
	default:
		return probe_fail(p, TP_FAIL_UNREACHABLE,
		    "the connection failed while waiting for the %s: %s",
		    waiting_for, strerror(errno));
	}
}

/* --- the probe ----------------------------------------------------------- */

struct tp_probe *
tp_probe_new(void)
{
	return calloc(1, sizeof(struct tp_probe));
}

static void
probe_reset(struct tp_probe *p)
{
	SSL_free(p->ssl);
	tp_chain_free(p->peer_chain);
	tp_chain_check_free(p->chain_check);
	memset(p, 0, sizeof(*p));
}

void
tp_probe_free(struct tp_probe *p)
{
	if (p == NULL)
		return;
	probe_reset(p);
	free(p);
}

static int
send_proxy_header(struct tp_probe *p, struct conn *c, const struct tp_config *cfg)
{
	const struct sockaddr_storage *src = cfg->proxy_src_set ? &cfg->proxy_src : &c->local;
	const struct sockaddr_storage *dst = cfg->proxy_dst_set ? &cfg->proxy_dst : &c->peer;
	unsigned char header[232];
	int len;
	enum io_status st;

	p->phase = TP_PHASE_PROXY;
	len = proxy_header_build(cfg->proxy, src, dst, header, sizeof(header));
	if (len < 0)
		return probe_fail(p, TP_FAIL_CONFIG,
		    "cannot build a PROXY header: the source and destination "
		    "addresses must both be IPv4 or both IPv6");
	p->proxy_sent = cfg->proxy;	/* what the server may have read of it counts */
	st = conn_write_all(c, header, (size_t)len);
	if (st != IO_OK)
		return probe_fail_io(p, st, "acceptance of the PROXY header");
	return 0;
}

/* This host's name for EHLO, asked once: a check's probes all say the same. */
static char host_name[256];
static pthread_once_t host_name_once = PTHREAD_ONCE_INIT;

static void
read_host_name(void)
{
	if (gethostname(host_name, sizeof(host_name)) != 0)
		host_name[0] = '\0';
	host_name[sizeof(host_name) - 1] = '\0';
	if (host_name[0] == '\0' || strpbrk(host_name, " \r\n"))
		snprintf(host_name, sizeof(host_name), "localhost");
}

static const char *
helo_name(const struct tp_config *cfg)
{
	if (cfg->helo_name != NULL)
		return cfg->helo_name;
	pthread_once(&host_name_once, read_host_name);
	return host_name;
}

/*
 * The phases in order, each under the one deadline in C.  OpenSSL's own
 * work runs where the check would otherwise wait for the server: the TLS
 * session is built while the greeting is composed, and the chain verified
 * while it answers QUIT.
 */
static int
run_phases(struct tp_probe *p, struct conn *c, const struct tp_config *cfg,
    const struct tp_client *client)
{
	int64_t started = monotonic_ms();
	int quit_sent;

	if (net_connect(p, c, cfg) < 0)
		return -1;
	p->time_connect = (double)(monotonic_ms() - started) / 1000.0;
	if (cfg->proxy != TP_PROXY_NONE && send_proxy_header(p, c, cfg) < 0)
		return -1;
	if (handshake_prepare(p, c, cfg, client) < 0)
		return -1;
	if (!tp_protocol_is_implicit(cfg->proto) &&
	    starttls_negotiate(p, c, cfg->proto, helo_name(cfg)) < 0)
		return -1;
	if (handshake_run(p, c, cfg) < 0)
		return -1;
	if (tp_protocol_is_implicit(cfg->proto) && starttls_has_dialect(cfg->proto) &&
	    handshake_read_greeting(p, c, cfg->proto) < 0) {
		(void)handshake_collect_facts(p, cfg, client);	/* the chain is still news */
		return -1;
	}
	quit_sent = handshake_send_quit(p, starttls_quit_command(cfg->proto));
	if (handshake_collect_facts(p, cfg, client) < 0)
		return -1;
	handshake_close(p, c, quit_sent);
	p->phase = TP_PHASE_DONE;
	return 0;
}

int
probe_run(struct tp_probe *p, const struct tp_client *client, const struct tp_config *cfg,
    int64_t deadline_ms)
{
	struct conn c;
	int64_t end;
	int rc;

	probe_reset(p);
	p->start_ms = monotonic_ms();
	if (cfg->host == NULL || cfg->port == 0)
		return probe_fail(p, TP_FAIL_CONFIG, "no host or port was given");
	/* A -r that did not decode is the cause to report, whatever the server does. */
	if (tp_client_error(client) != NULL)
		return probe_fail(p, TP_FAIL_CONFIG, "%s", tp_client_error(client));
	end = p->start_ms + cfg->timeout_ms;
	conn_init(&c, deadline_ms > 0 && deadline_ms < end ? deadline_ms : end);
	rc = run_phases(p, &c, cfg, client);
	conn_close(&c);
	/* The facts are copied out: a window of 1,000 probes keeps no TLS buffers. */
	SSL_free(p->ssl);
	p->ssl = NULL;
	p->time_total = (double)(monotonic_ms() - p->start_ms) / 1000.0;
	return rc;
}

int
tp_probe_run(struct tp_probe *p, const struct tp_client *client, const struct tp_config *cfg)
{
	return probe_run(p, client, cfg, 0);
}

void
probe_not_started(struct tp_probe *p)
{
	probe_reset(p);
	probe_fail(p, TP_FAIL_TIMEOUT, "not started: less than the least time a probe "
	    "is given was left until the deadline");
}

/* --- facts ---------------------------------------------------------------- */

enum tp_failure tp_probe_failure(const struct tp_probe *p) { return p->failure; }
enum tp_phase tp_probe_phase(const struct tp_probe *p) { return p->phase; }
const char *tp_probe_error(const struct tp_probe *p) { return p->error; }
const char *tp_probe_peer(const struct tp_probe *p) { return p->peer; }
const char *tp_probe_greeting(const struct tp_probe *p) { return p->greeting; }
const char *tp_probe_tls_version(const struct tp_probe *p) { return p->tls_version; }
const char *tp_probe_cipher(const struct tp_probe *p) { return p->cipher; }
double tp_probe_time_connect(const struct tp_probe *p) { return p->time_connect; }
double tp_probe_time_tls(const struct tp_probe *p) { return p->time_tls; }
double tp_probe_time_total(const struct tp_probe *p) { return p->time_total; }
enum tp_ocsp_status tp_probe_ocsp_status(const struct tp_probe *p) { return p->ocsp_status; }
time_t tp_probe_ocsp_next_update(const struct tp_probe *p) { return p->ocsp_next_update; }

enum tp_tls_version
tp_probe_tls_version_number(const struct tp_probe *p)
{
	return (enum tp_tls_version)p->tls_version_number;
}

const struct tp_chain *
tp_probe_peer_chain(const struct tp_probe *p)
{
	return p->peer_chain;
}

const struct tp_chain_check *
tp_probe_chain_check(const struct tp_probe *p)
{
	return p->chain_check;
}

bool
tp_probe_verified(const struct tp_probe *p)
{
	return p->chain_check != NULL && tp_chain_check_verified(p->chain_check);
}

const struct tp_chain *
tp_probe_verified_chain(const struct tp_probe *p)
{
	return p->chain_check ? tp_chain_check_verified_chain(p->chain_check) : NULL;
}

const char *
tp_probe_verify_error(const struct tp_probe *p)
{
	if (p->chain_check == NULL)
		return "the server sent no certificate";
	return tp_chain_check_error(p->chain_check);
}

const char *
tp_probe_phase_name(enum tp_phase phase)
{
	static const char *const names[] = {
		[TP_PHASE_SETUP] = "setup",
		[TP_PHASE_RESOLVE] = "resolve",
		[TP_PHASE_CONNECT] = "connect",
		[TP_PHASE_PROXY] = "PROXY header",
		[TP_PHASE_GREETING] = "greeting",
		[TP_PHASE_STARTTLS] = "STARTTLS",
		[TP_PHASE_HANDSHAKE] = "TLS handshake",
		[TP_PHASE_DONE] = "done",
	};

	return phase <= TP_PHASE_DONE ? names[phase] : "?";
}

const char *
tp_ocsp_status_name(enum tp_ocsp_status status)
{
	switch (status) {
	case TP_OCSP_NONE: return "none";
	case TP_OCSP_GOOD: return "good";
	case TP_OCSP_REVOKED: return "revoked";
	case TP_OCSP_UNKNOWN: return "unknown";
	case TP_OCSP_INVALID: return "invalid";
	}
	return "?";
}
