/*
 * starttls_fuzz - feeds the input (after its first byte, which picks SMTP,
 * LMTP, IMAP, POP3 or ManageSieve) as a server's byte stream through a
 * socketpair into starttls_negotiate(), the real greeting/capability/STARTTLS loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "probe_internal.h"

#define MAX_STREAM 65536	/* run with -max_len=65536 */
#define DEADLINE_MS 300

/* Input byte 0 % 5: 'A' SMTP, 'B' LMTP, 'C' IMAP, 'D' POP3, 'E' ManageSieve. */
static const enum tp_protocol protos[5] = {
	TP_PROTO_SMTP, TP_PROTO_LMTP, TP_PROTO_IMAP, TP_PROTO_POP3, TP_PROTO_SIEVE,
};

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		abort();
}

static void
check_printable(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort();	/* not NUL-terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int big = 1 << 20;
	struct tp_probe *p;
	struct conn c;
	enum tp_protocol proto;
	int sv[2], rc;
	size_t off = 0;

	if (size < 1)
		return 0;
	proto = protos[data[0] % 5];
	data++;
	size--;
	if (size > MAX_STREAM)
		size = MAX_STREAM;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* sv[0] is ours (non-blocking, as net.c expects); sv[1] plays the server. */
	set_nonblock(sv[0]);
	set_nonblock(sv[1]);
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	while (off < size) {
		ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;	/* buffer full: the server's stream ends here */
	}
	/* EOF after the stream: our side never waits for more than the deadline. */
	shutdown(sv[1], SHUT_WR);

	p = tp_probe_new();
	if (p == NULL)
		abort();
	conn_init(&c, monotonic_ms() + DEADLINE_MS);
	c.fd = sv[0];
	rc = starttls_negotiate(p, &c, proto, "fuzz.example.test");

	/* The contract: 0 with no failure, or -1 with a classified failure and a sentence. */
	if (rc == 0 && (p->failure != TP_FAIL_NONE || c.buf_len != 0))
		abort();
	if (rc == -1 && (p->failure == TP_FAIL_NONE || p->error[0] == '\0'))
		abort();
	if (rc != 0 && rc != -1)
		abort();
	if (p->failure == TP_FAIL_TIMEOUT)
		abort();	/* everything was sent before an EOF: nothing may wait */
	if (c.buf_len > sizeof(c.buf))
		abort();
	check_printable(p->greeting, sizeof(p->greeting));
	if (strnlen(p->error, sizeof(p->error)) == sizeof(p->error))
		abort();
	if (starttls_quit_command(proto) == NULL)
		abort();

	conn_close(&c);
	close(sv[1]);
	tp_probe_free(p);
	return 0;
}
