/*
 * freeports - prints N free TCP ports on 127.0.0.1, one per line, for the
 * test fixture. All N sockets are held open until every port is known, so
 * the N ports are distinct; the kernel hands out ephemeral ports in a way
 * that makes immediate reuse by another caller unlikely.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 1;
	int fds[256];

	if (count < 1 || count > 256) {
		fprintf(stderr, "freeports: COUNT must be 1..256, not '%s'\n", argv[1]);
		return 2;
	}
	for (int i = 0; i < count; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sin, &len) < 0) {
			perror("freeports");
			return 1;
		}
		printf("%u\n", ntohs(sin.sin_port));
	}
	for (int i = 0; i < count; i++)
		close(fds[i]);
	return 0;
}
