/*
 * net.c - one TCP connection under one deadline.
 *
 * Every wait polls with the time left until the probe's deadline, so no
 * silent, slow or half-open peer can hold a plugin past -t. Lines are read
 * through a bounded buffer; a line longer than TP_LINE_MAX is an error, not
 * a reason to grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "probe_internal.h"

int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
tp_monotonic_ms(void)
{
	return monotonic_ms();
}

int64_t
tp_ms_left(int64_t deadline_ms)
{
	int64_t left = deadline_ms - monotonic_ms();

	return left > 0 ? left : 1;
}

int64_t
conn_remaining_ms(const struct conn *c)
{
	int64_t left = c->deadline_ms - monotonic_ms();

	return left > 0 ? left : 0;
}

void
conn_init(struct conn *c, int64_t deadline_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = deadline_ms;
}

void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

enum io_status
conn_wait(struct conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };

#ifdef TCP_QUICKACK
	/*
	 * Acknowledge at once what arrives: a server that writes twice in a
	 * row (a TLS session ticket, then its greeting) with Nagle's algorithm
	 * on would otherwise wait for our delayed ACK, 40 ms on Linux.  The
	 * kernel may fall back to delayed ACKs, so this is said before each wait.
	 */
	if (events & POLLIN)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 1 }, sizeof(int));
#endif
	for (;;) {
		int64_t left = conn_remaining_ms(c);
		int n;

		if (left == 0)
			return IO_TIMEOUT;
		n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return IO_OK;
		if (n < 0 && errno != EINTR)
			return IO_ERROR;
	}
}

static enum io_status
errno_status(int err)
{
	switch (err) {
	case ECONNRESET:
		return IO_RESET;
	case EPIPE:
		return IO_CLOSED;
	default:
		return IO_ERROR;
	}
}

enum io_status
conn_write_all(struct conn *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			enum io_status st = conn_wait(c, POLLOUT);
			if (st != IO_OK)
				return st;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return errno_status(errno);
	}
	return IO_OK;
}

/* Moves one complete line out of the buffer, if there is one. */
static bool
take_line(struct conn *c, char *line, size_t size)
{
	char *nl = memchr(c->buf, '\n', c->buf_len);
	size_t len, used;

	if (nl == NULL)
		return false;
	used = (size_t)(nl - c->buf) + 1;
	len = used - 1;
	if (len > 0 && c->buf[len - 1] == '\r')
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(line, c->buf, len);
	line[len] = '\0';
	memmove(c->buf, c->buf + used, c->buf_len - used);
	c->buf_len -= used;
	return true;
}

enum io_status
conn_read_line(struct conn *c, char *line, size_t size)
{
	while (!take_line(c, line, size)) {
		ssize_t n;

		if (c->buf_len == sizeof(c->buf))
			return IO_TOO_LONG;
		n = recv(c->fd, c->buf + c->buf_len, sizeof(c->buf) - c->buf_len, 0);
		if (n > 0) {
			c->buf_len += (size_t)n;
			continue;
		}
		if (n == 0)
			return IO_CLOSED;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			enum io_status st = conn_wait(c, POLLIN);
			if (st != IO_OK)
				return st;
			continue;
		}
		if (errno != EINTR)
			return errno_status(errno);
	}
	return IO_OK;
}

void
sockaddr_format(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(out, size, "[%s]:%u", addr, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(out, size, "%s:%u", addr, ntohs(s4->sin_port));
	}
}

/* Starts a non-blocking connect to AI and waits for it within the deadline. */
static int
connect_one(struct conn *c, const struct addrinfo *ai, int *err)
{
	socklen_t len = sizeof(*err);

	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (c->fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		*err = errno;
		conn_close(c);
		return -1;
	}
	if (conn_wait(c, POLLOUT) != IO_OK) {
		*err = ETIMEDOUT;
		conn_close(c);
		return -1;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
		*err = errno;
	if (*err != 0) {
		conn_close(c);
		return -1;
	}
	return 0;
}

static int
connect_failure(struct tp_probe *p, const struct tp_config *cfg, int err)
{
	const char *host = cfg->host;

	switch (err) {
	case ECONNREFUSED:
		return probe_fail(p, TP_FAIL_REFUSED,
		    "connection to %s port %u refused: nothing listens there "
		    "(is the service running and bound to this address?)",
		    host, cfg->port);
	case ETIMEDOUT:
		return probe_fail(p, TP_FAIL_TIMEOUT,
		    "no answer to the TCP connection to %s port %u before the "
		    "timeout (a firewall dropping packets, or the host is down)",
		    host, cfg->port);
	case ENETUNREACH:
	case EHOSTUNREACH:
		return probe_fail(p, TP_FAIL_UNREACHABLE,
		    "no route to %s port %u (%s)", host, cfg->port, strerror(err));
	default:
		return probe_fail(p, TP_FAIL_UNREACHABLE,
		    "cannot connect to %s port %u: %s", host, cfg->port,
		    strerror(err));
	}
}

static bool
is_address_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * Addresses are parsed, never looked up: no resolver is asked about
 * "127.0.0.1", so a slow or unreachable DNS server cannot touch them.
 */
static int
resolve(const struct tp_config *cfg, const char *port, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	int rc;

	hints.ai_family = cfg->family == TP_FAMILY_IPV4 ? AF_INET :
	    cfg->family == TP_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;
	if (is_address_literal(cfg->host)) {
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		rc = getaddrinfo(cfg->host, port, &hints, res);
		return rc == EAI_NONAME ? EAI_ADDRFAMILY : rc;
	}
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	rc = getaddrinfo(cfg->host, port, &hints, res);
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME || rc == EAI_NODATA) {
		hints.ai_flags = AI_NUMERICSERV;	/* loopback-only hosts have no "configured" address */
		rc = getaddrinfo(cfg->host, port, &hints, res);
	}
	return rc;
}

int
net_connect(struct tp_probe *p, struct conn *c, const struct tp_config *cfg)
{
	struct addrinfo *res, *ai;
	char port[8];
	int rc, err = ECONNREFUSED;

	snprintf(port, sizeof(port), "%u", cfg->port);
	p->phase = TP_PHASE_RESOLVE;
	rc = resolve(cfg, port, &res);
	if (rc != 0)
		return probe_fail(p, TP_FAIL_RESOLVE,
		    "cannot resolve '%s'%s: %s", cfg->host,
		    cfg->family == TP_FAMILY_IPV4 ? " to an IPv4 address" :
		    cfg->family == TP_FAMILY_IPV6 ? " to an IPv6 address" : "",
		    gai_strerror(rc));
	if (conn_remaining_ms(c) == 0) {
		freeaddrinfo(res);
		return probe_fail(p, TP_FAIL_TIMEOUT,
		    "timeout in the resolve phase: resolving '%s' took the whole "
		    "timeout, leaving none to connect (a slow DNS server?)", cfg->host);
	}
	p->phase = TP_PHASE_CONNECT;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(c, ai, &err) == 0)
			break;
		if (conn_remaining_ms(c) == 0)
			break;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return connect_failure(p, cfg, err);
	return net_record_addresses(p, c);
}

int
net_record_addresses(struct tp_probe *p, struct conn *c)
{
	socklen_t len = sizeof(c->peer);

	if (getpeername(c->fd, (struct sockaddr *)&c->peer, &len) < 0)
		return probe_fail(p, TP_FAIL_CLOSED,
		    "the connection was closed right after it was opened");
	len = sizeof(c->local);
	if (getsockname(c->fd, (struct sockaddr *)&c->local, &len) < 0)
		return probe_fail(p, TP_FAIL_INTERNAL, "getsockname: %s",
		    strerror(errno));
	sockaddr_format(&c->peer, p->peer, sizeof(p->peer));
	return 0;
}
