/*
 * proxy_fuzz - feeds proxy_header_build() (v1, v2 and bogus versions) with
 * source/destination sockaddr_storage filled from the input and a buffer of
 * input-chosen size, then checks the header against the addresses.
 * Input: version, src family, dst family, buffer size, then address bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "probe_internal.h"

#define PROBE_HEADER_SIZE 232	/* what probe.c passes */

static sa_family_t
family(uint8_t sel, const uint8_t **data, size_t *size)
{
	switch (sel % 4) {
	case 0:
		return AF_INET;
	case 1:
		return AF_INET6;
	case 2:
		return AF_UNIX;
	default:
		if (*size >= 2) {
			sa_family_t f = (sa_family_t)((*data)[0] | (*data)[1] << 8);
			*data += 2;
			*size -= 2;
			return f;
		}
		return AF_UNSPEC;
	}
}

static void
fill(struct sockaddr_storage *ss, sa_family_t fam, const uint8_t **data, size_t *size)
{
	size_t n = sizeof(*ss) - sizeof(ss->ss_family);
	unsigned char *p = (unsigned char *)ss + sizeof(ss->ss_family);

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = fam;
	/* sockaddr_in/in6 put port and address right after the family. */
	if (n > *size)
		n = *size;
	memcpy(p, *data, n);
	*data += n;
	*size -= n;
}

static void
check_v1(const unsigned char *buf, int len, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst)
{
	char line[PROBE_HEADER_SIZE], fam[8], s[64], d[64];
	unsigned sport, dport;
	unsigned char sa[16], da[16];
	int af = src->ss_family, alen = af == AF_INET ? 4 : 16, consumed = 0;

	if (len < 2 || (size_t)len >= sizeof(line))
		abort();
	if (memchr(buf, '\0', (size_t)len) != NULL || buf[len] != '\0')
		abort();
	if (buf[len - 2] != '\r' || buf[len - 1] != '\n')
		abort();
	for (int i = 0; i < len - 2; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			abort();	/* one line only */
	memcpy(line, buf, (size_t)len + 1);
	if (sscanf(line, "PROXY %7s %63s %63s %u %u\r\n%n", fam, s, d, &sport, &dport,
	    &consumed) != 5 || consumed != len)
		abort();
	if (strcmp(fam, af == AF_INET ? "TCP4" : "TCP6") != 0)
		abort();
	if (inet_pton(af, s, sa) != 1 || inet_pton(af, d, da) != 1)
		abort();
	if (af == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)src, *d4 = (const void *)dst;
		if (memcmp(sa, &s4->sin_addr, 4) != 0 || memcmp(da, &d4->sin_addr, 4) != 0 ||
		    sport != ntohs(s4->sin_port) || dport != ntohs(d4->sin_port))
			abort();
	} else {
		const struct sockaddr_in6 *s6 = (const void *)src, *d6 = (const void *)dst;
		if (memcmp(sa, &s6->sin6_addr, 16) != 0 || memcmp(da, &d6->sin6_addr, 16) != 0 ||
		    sport != ntohs(s6->sin6_port) || dport != ntohs(d6->sin6_port))
			abort();
	}
	(void)alen;
}

static void
check_v2(const unsigned char *buf, int len, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst)
{
	static const unsigned char sig[12] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
	};
	bool v4 = src->ss_family == AF_INET;

	if (len != (v4 ? 16 + 12 : 16 + 36))
		abort();
	if (memcmp(buf, sig, 12) != 0 || buf[12] != 0x21 || buf[13] != (v4 ? 0x11 : 0x21))
		abort();
	if ((buf[14] << 8 | buf[15]) != len - 16)
		abort();
	if (v4) {
		const struct sockaddr_in *s4 = (const void *)src, *d4 = (const void *)dst;
		if (memcmp(buf + 16, &s4->sin_addr, 4) != 0 || memcmp(buf + 20, &d4->sin_addr, 4) != 0 ||
		    memcmp(buf + 24, &s4->sin_port, 2) != 0 || memcmp(buf + 26, &d4->sin_port, 2) != 0)
			abort();
	} else {
		const struct sockaddr_in6 *s6 = (const void *)src, *d6 = (const void *)dst;
		if (memcmp(buf + 16, &s6->sin6_addr, 16) != 0 ||
		    memcmp(buf + 32, &d6->sin6_addr, 16) != 0 ||
		    memcmp(buf + 48, &s6->sin6_port, 2) != 0 || memcmp(buf + 50, &d6->sin6_port, 2) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage src, dst;
	enum tp_proxy version;
	sa_family_t sf, df;
	unsigned char *buf;
	size_t bufsize;
	uint8_t sel, dsel;
	int len;

	if (size < 4)
		return 0;
	/* 0 none, 1 v1, 2 v2, anything else is passed as is. */
	version = (enum tp_proxy)(data[0] % 4 == 3 ? data[0] : data[0] % 4);
	sel = data[1];
	dsel = data[2];
	bufsize = data[3] == 0xff ? PROBE_HEADER_SIZE : data[3];
	data += 4;
	size -= 4;
	sf = family(sel, &data, &size);
	/* Mostly the same family for both ends: the only case that builds. */
	df = dsel & 0x80 ? family(dsel, &data, &size) : sf;
	fill(&src, sf, &data, &size);
	fill(&dst, df, &data, &size);

	buf = malloc(bufsize ? bufsize : 1);	/* exact size: ASan sees overflows */
	if (buf == NULL)
		return 0;
	len = proxy_header_build(version, &src, &dst, buf, bufsize);
	if (len < -1 || (len >= 0 && (size_t)len > bufsize))
		abort();
	if (len == 0)
		abort();
	if (len > 0) {
		if (src.ss_family != dst.ss_family ||
		    (src.ss_family != AF_INET && src.ss_family != AF_INET6))
			abort();	/* only TCP over one IP family may build */
		if (version == TP_PROXY_V1)
			check_v1(buf, len, &src, &dst);
		else if (version == TP_PROXY_V2)
			check_v2(buf, len, &src, &dst);
		else
			abort();
	} else if (bufsize >= PROBE_HEADER_SIZE && src.ss_family == dst.ss_family &&
	    (src.ss_family == AF_INET || src.ss_family == AF_INET6) &&
	    (version == TP_PROXY_V1 || version == TP_PROXY_V2))
		abort();	/* a valid request with probe.c's buffer must build */
	free(buf);
	return 0;
}
