/*
 * hostile_http - a test-only HTTP(S) server that misbehaves on purpose, for
 * t/acme_http01.t and t/mta_sts.t. It plays the web servers that no nginx
 * can be configured to be (a broken status line, an HTTP/0.9 reply, a
 * redirect to file://, a header over libcurl's limit, a body cut short, an
 * answer dripped one byte a second, a redirect after 900 ms), so that the
 * tests can show that the plugins blame the server, with a sentence about
 * what it did, and keep to -t.
 *
 * Usage: hostile_http SCENARIO [KEY CHAIN]
 *
 * Binds 127.0.0.1 on a port the kernel picks, prints that port on stdout
 * (one line) and serves each connection in a child process, so that a
 * slow one does not hold up the next, until it is killed or SELF_TIMEOUT
 * seconds have passed. With KEY and CHAIN (PEM files) it speaks HTTPS.
 * Not for production: it reads one request head and answers anything.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SELF_TIMEOUT	120		/* seconds the server lives at most */
#define IO_TIMEOUT	30		/* seconds one read or write may block */
#define HEAD_MAX	8192		/* bytes of a request head read */
#define HUGE_HEADER	(200 * 1024)	/* more than libcurl keeps of one header */

/* One connection, plain or TLS. */
struct conn {
	int fd;
	SSL *ssl;
};

struct scenario {
	const char *name;
	void (*serve)(struct conn *c);
};

static void __attribute__((noreturn))
fatal(const char *what)
{
	fprintf(stderr, "hostile_http: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

static int
conn_write(struct conn *c, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = c->ssl ? SSL_write(c->ssl, p, (int)len) :
		    send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && !c->ssl && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
conn_puts(struct conn *c, const char *text)
{
	return conn_write(c, text, strlen(text));
}

/* Reads the request head (up to the empty line); -1 on EOF or when too long. */
static int
read_head(struct conn *c)
{
	char head[HEAD_MAX];
	size_t len = 0;

	while (len < sizeof(head)) {
		ssize_t n = c->ssl ? SSL_read(c->ssl, head + len, 1) : recv(c->fd, head + len, 1, 0);

		if (n < 0 && !c->ssl && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len++;
		if (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0)
			return 0;
		if (len >= 2 && memcmp(head + len - 2, "\n\n", 2) == 0)
			return 0;
	}
	return -1;
}

/* --- the scenarios ---------------------------------------------------------- */

/* A status line that is not "HTTP/1.x NNN": libcurl says "Unsupported response code". */
static void
serve_bad_status(struct conn *c)
{
	if (read_head(c) == 0)
		conn_puts(c, "HTTP/1.1 2x0 Fine\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
}

/* No status line at all, as HTTP/0.9 answered: the body alone. */
static void
serve_http09(struct conn *c)
{
	if (read_head(c) == 0)
		conn_puts(c, "hello from 1991\n");
}

static void
serve_file_redirect(struct conn *c)
{
	if (read_head(c) == 0)
		conn_puts(c, "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

/* One header line longer than libcurl accepts. */
static void
serve_huge_header(struct conn *c)
{
	static char filler[HUGE_HEADER];

	if (read_head(c) < 0 || conn_puts(c, "HTTP/1.1 200 OK\r\nX-Filler: ") < 0)
		return;
	memset(filler, 'a', sizeof(filler));
	if (conn_write(c, filler, sizeof(filler)) == 0)
		conn_puts(c, "\r\nContent-Length: 2\r\n\r\nok");
}

/* Promises 100 bytes of body, sends 10 and closes. */
static void
serve_short_body(struct conn *c)
{
	if (read_head(c) == 0)
		conn_puts(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n"
		    "\r\n0123456789");
}

/* A redirect to another path after 900 ms: a slow front that leaves the next hop little time. */
static void
serve_late_redirect(struct conn *c)
{
	if (read_head(c) < 0)
		return;
	usleep(900 * 1000);
	conn_puts(c, "HTTP/1.1 302 Found\r\nLocation: /.well-known/acme-challenge/next\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

/* A good answer, one byte a second: a policy host that crawls. */
static void
serve_slow_drip(struct conn *c)
{
	const char *body = "version: STSv1\r\nmode: testing\r\nmx: *.example.test\r\n"
	    "max_age: 86400\r\n";
	char answer[512];

	if (read_head(c) < 0)
		return;
	snprintf(answer, sizeof(answer), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	for (const char *p = answer; *p; p++) {
		if (conn_write(c, p, 1) < 0)
			return;
		sleep(1);
	}
}

static const struct scenario scenarios[] = {
	{ "bad_status", serve_bad_status },
	{ "http09", serve_http09 },
	{ "file_redirect", serve_file_redirect },
	{ "huge_header", serve_huge_header },
	{ "short_body", serve_short_body },
	{ "slow_drip", serve_slow_drip },
	{ "late_redirect", serve_late_redirect },
};

/* --- serving ------------------------------------------------------------------ */

static SSL_CTX *
tls_context(const char *key, const char *chain)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		fatal("cannot load the key and chain");
	return ctx;
}

static int
listen_loopback(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		fatal("cannot listen on 127.0.0.1");
	printf("%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

static void
serve_one(int fd, SSL_CTX *ctx, const struct scenario *s)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT };
	struct conn c = { .fd = fd };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ctx != NULL) {
		c.ssl = SSL_new(ctx);
		if (c.ssl == NULL || SSL_set_fd(c.ssl, fd) != 1 || SSL_accept(c.ssl) != 1)
			return;
	}
	s->serve(&c);
	if (c.ssl != NULL)
		SSL_shutdown(c.ssl);
	shutdown(fd, SHUT_WR);
}

int
main(int argc, char **argv)
{
	const struct scenario *s = NULL;
	SSL_CTX *ctx = NULL;
	int lfd;

	for (size_t i = 0; argc > 1 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			s = &scenarios[i];
	if (s == NULL || (argc != 2 && argc != 4)) {
		fprintf(stderr, "usage: hostile_http SCENARIO [KEY CHAIN]; scenarios:");
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			fprintf(stderr, " %s", scenarios[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (argc == 4)
		ctx = tls_context(argv[2], argv[3]);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* children are reaped by the kernel */
	alarm(SELF_TIMEOUT);		/* SIGALRM's default action ends the process */
	lfd = listen_loopback();
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fatal("accept failed");
		}
		if (fork() == 0) {
			close(lfd);
			alarm(SELF_TIMEOUT);
			serve_one(fd, ctx, s);
			_exit(0);
		}
		close(fd);
	}
}
