/*
 * hostile_dns - a test-only DNS forwarder that loses queries on purpose,
 * for t/mta_sts.t and t/dane.t. It stands between the plugins and the
 * fixture's NSD and never answers queries of the types it is told to drop
 * (as a firewall or a broken middlebox that eats TLSA or AAAA queries
 * does), so that the tests can show how a plugin shares -t out when a
 * lookup hangs, and that it says where the time went.
 *
 * Usage: hostile_dns UPSTREAM_PORT TYPE[,TYPE...]
 *
 * TYPE is a number or one of A, AAAA, MX, TXT, TLSA. Binds UDP on
 * 127.0.0.1 on a port the kernel picks, prints that port on stdout (one
 * line), forwards every other query to 127.0.0.1@UPSTREAM_PORT and relays
 * the answers, until it is killed or SELF_TIMEOUT seconds have passed.
 * UDP only: a TCP query finds nothing listening and fails at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#define SELF_TIMEOUT	120		/* seconds the forwarder lives at most */
#define DROP_MAX	8
#define MSG_MAX		65535

static const struct { const char *name; unsigned type; } type_names[] = {
	{ "A", 1 }, { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "TLSA", 52 },
};

static unsigned drop[DROP_MAX];
static size_t drop_count;

/* Who asked under each DNS id (the last one wins: ids are random). */
static struct sockaddr_in asker[65536];

static void __attribute__((noreturn))
fatal(const char *what)
{
	fprintf(stderr, "hostile_dns: %s: %s\n", what, strerror(errno));
	exit(2);
}

static bool
parse_types(char *list)
{
	for (char *t = strtok(list, ","); t != NULL; t = strtok(NULL, ",")) {
		unsigned type = 0;

		for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
			if (strcasecmp(t, type_names[i].name) == 0)
				type = type_names[i].type;
		if (type == 0)
			type = (unsigned)strtoul(t, NULL, 10);
		if (type == 0 || type > 65535 || drop_count == DROP_MAX)
			return false;
		drop[drop_count++] = type;
	}
	return drop_count > 0;
}

/* The QTYPE of the first question of MSG, or 0 when it does not parse. */
static unsigned
query_type(const unsigned char *msg, size_t len)
{
	size_t at = 12;

	if (len < 12 || (msg[4] << 8 | msg[5]) == 0)
		return 0;
	while (at < len && msg[at] != 0) {
		if (msg[at] & 0xc0)
			return 0;	/* no compression in a question we send on */
		at += (size_t)msg[at] + 1;
	}
	if (at + 3 > len)
		return 0;
	return (unsigned)msg[at + 1] << 8 | msg[at + 2];
}

static bool
dropped(unsigned type)
{
	for (size_t i = 0; i < drop_count; i++)
		if (drop[i] == type)
			return true;
	return false;
}

static int
udp_socket(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fatal("cannot bind a UDP socket on 127.0.0.1");
	return fd;
}

int
main(int argc, char **argv)
{
	static unsigned char msg[MSG_MAX];
	struct sockaddr_in up = { .sin_family = AF_INET }, me;
	socklen_t len = sizeof(me);
	long port = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	int front, back;

	if (port < 1 || port > 65535 || !parse_types(argv[2])) {
		fprintf(stderr, "usage: hostile_dns UPSTREAM_PORT TYPE[,TYPE...]\n");
		return 2;
	}
	up.sin_port = htons((uint16_t)port);
	up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	front = udp_socket(0);
	back = udp_socket(0);
	if (getsockname(front, (struct sockaddr *)&me, &len) < 0)
		fatal("getsockname");
	printf("%u\n", ntohs(me.sin_port));
	fflush(stdout);
	alarm(SELF_TIMEOUT);	/* SIGALRM's default action ends the process */
	for (;;) {
		struct pollfd pfd[2] = { { .fd = front, .events = POLLIN },
		    { .fd = back, .events = POLLIN } };
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			n = recvfrom(front, msg, sizeof(msg), 0, (struct sockaddr *)&from, &flen);
			if (n >= 12 && !dropped(query_type(msg, (size_t)n))) {
				asker[msg[0] << 8 | msg[1]] = from;
				sendto(back, msg, (size_t)n, 0, (struct sockaddr *)&up, sizeof(up));
			}
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(back, msg, sizeof(msg), 0);
			if (n >= 12) {
				struct sockaddr_in *to = &asker[msg[0] << 8 | msg[1]];

				if (to->sin_port != 0)
					sendto(front, msg, (size_t)n, 0, (struct sockaddr *)to,
					    sizeof(*to));
			}
		}
	}
}
