/*
 * proxy.c - the PROXY protocol header (HAProxy's spec, v1 text and v2
 * binary) that a load balancer puts before the client's first byte.
 *
 * Sending it lets a plugin test a backend that expects one (Postfix with
 * smtpd_upstream_proxy_protocol=haproxy, Dovecot haproxy_trusted_networks)
 * directly, bypassing the proxy.
 *
 * proxy_diagnose() is the one place that says whether a refusal is the
 * header's doing or its absence's: every refusal in probe.c, starttls.c
 * and handshake.c goes through it (probe_refused()).
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "probe_internal.h"

static const unsigned char v2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static int
build_v1(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
    unsigned char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	unsigned sport, dport;
	const char *family;
	int n;

	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)src, *d4 = (const void *)dst;
		inet_ntop(AF_INET, &s4->sin_addr, s, sizeof(s));
		inet_ntop(AF_INET, &d4->sin_addr, d, sizeof(d));
		sport = ntohs(s4->sin_port);
		dport = ntohs(d4->sin_port);
		family = "TCP4";
	} else {
		const struct sockaddr_in6 *s6 = (const void *)src, *d6 = (const void *)dst;
		inet_ntop(AF_INET6, &s6->sin6_addr, s, sizeof(s));
		inet_ntop(AF_INET6, &d6->sin6_addr, d, sizeof(d));
		sport = ntohs(s6->sin6_port);
		dport = ntohs(d6->sin6_port);
		family = "TCP6";
	}
	n = snprintf((char *)buf, size, "PROXY %s %s %s %u %u\r\n", family, s, d,
	    sport, dport);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
build_v2(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
    unsigned char *buf, size_t size)
{
	size_t addr_len = src->ss_family == AF_INET ? 12 : 36;
	unsigned char *p = buf + 16;

	if (size < 16 + addr_len)
		return -1;
	memcpy(buf, v2_signature, sizeof(v2_signature));
	buf[12] = 0x21;		/* version 2, command PROXY */
	buf[13] = src->ss_family == AF_INET ? 0x11 : 0x21;	/* TCP over IPv4 / IPv6 */
	buf[14] = (unsigned char)(addr_len >> 8);
	buf[15] = (unsigned char)(addr_len & 0xff);
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)src, *d4 = (const void *)dst;
		memcpy(p, &s4->sin_addr, 4);
		memcpy(p + 4, &d4->sin_addr, 4);
		memcpy(p + 8, &s4->sin_port, 2);
		memcpy(p + 10, &d4->sin_port, 2);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)src, *d6 = (const void *)dst;
		memcpy(p, &s6->sin6_addr, 16);
		memcpy(p + 16, &d6->sin6_addr, 16);
		memcpy(p + 32, &s6->sin6_port, 2);
		memcpy(p + 34, &d6->sin6_port, 2);
	}
	return (int)(16 + addr_len);
}

int
proxy_header_build(enum tp_proxy version, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, unsigned char *buf, size_t size)
{
	if (src->ss_family != dst->ss_family ||
	    (src->ss_family != AF_INET && src->ss_family != AF_INET6))
		return -1;
	switch (version) {
	case TP_PROXY_V1:
		return build_v1(src, dst, buf, size);
	case TP_PROXY_V2:
		return build_v2(src, dst, buf, size);
	default:
		return -1;
	}
}

/*
 * A service that does not expect the header reads it as its own protocol:
 * a plain-text service greets and then answers it as a bad command first
 * of all (Postfix "500 5.5.2", Dovecot "PROXY BAD", "-ERR"), or hangs up;
 * a TLS stack takes it for a record and ends with a record-layer alert
 * (GnuTLS "unexpected message") or hangs up.  A service that expects a
 * header never speaks before it comes: it waits silently, closes or
 * resets, and answers a ClientHello read as a header with plain text
 * (Postfix "421") or a reset.  Once the server has answered a command, or
 * sent TLS records, it has read what came first the way it wanted to.
 */
enum proxy_verdict
proxy_diagnose(const struct proxy_evidence *e)
{
	if (e->said >= SAID_ANSWER)
		return PROXY_NOT_THE_CAUSE;
	if (e->header != TP_PROXY_NONE) {
		if (e->said == SAID_GREETING)	/* waiting for the first answer */
			return e->how == REFUSED_TEXT ? PROXY_HEADER_UNEXPECTED :
			    /* "220-" broken off by "521": postscreen's pre-greet test */
			    e->how == REFUSED_GREETING ? PROXY_HEADER_UNEXPECTED :
			    e->how == REFUSED_EOF || e->how == REFUSED_RST ?
			    PROXY_HEADER_MAYBE_UNEXPECTED : PROXY_NOT_THE_CAUSE;
		switch (e->how) {
		case REFUSED_TEXT:
		case REFUSED_ALERT_UNREADABLE:
			return PROXY_HEADER_UNEXPECTED;
		case REFUSED_EOF:
		case REFUSED_RST:
		case REFUSED_GREETING:	/* Exim's "554 SMTP synchronization error" */
			return PROXY_HEADER_MAYBE_UNEXPECTED;
		default:		/* silence, a negotiation alert: it read on */
			return PROXY_NOT_THE_CAUSE;
		}
	}
	if (e->said != SAID_NOTHING)
		return PROXY_NOT_THE_CAUSE;	/* it spoke first: it waits for no header */
	switch (e->how) {
	case REFUSED_EOF:
	case REFUSED_RST:
		return PROXY_HEADER_EXPECTED;
	case REFUSED_SILENCE:		/* only before this check spoke: a ClientHello is answered at once */
		return e->spoke ? PROXY_NOT_THE_CAUSE : PROXY_HEADER_EXPECTED;
	case REFUSED_TEXT:		/* text in answer to a ClientHello, not unprompted */
		return e->spoke ? PROXY_HEADER_EXPECTED : PROXY_NOT_THE_CAUSE;
	case REFUSED_GREETING:		/* Postfix's "421 4.3.0" when no header came */
		return e->spoke ? PROXY_NOT_THE_CAUSE : PROXY_HEADER_MAYBE_EXPECTED;
	default:
		return PROXY_NOT_THE_CAUSE;
	}
}

/* Short: it follows the sentence on line one, which is cut at 199 characters. */
const char *
proxy_advice(enum proxy_verdict v)
{
	switch (v) {
	case PROXY_HEADER_UNEXPECTED:
		return "the server does not expect a PROXY header: drop "
		    "--proxy-protocol, or enable it on the server";
	case PROXY_HEADER_MAYBE_UNEXPECTED:
		return "it may not expect a PROXY header: drop --proxy-protocol, "
		    "or enable it on the server";
	case PROXY_HEADER_EXPECTED:
		return "services expecting a PROXY header do this: try "
		    "--proxy-protocol v1 or v2";
	case PROXY_HEADER_MAYBE_EXPECTED:
		return "if it expects a PROXY header, try --proxy-protocol v1 or v2";
	default:
		return "";
	}
}
