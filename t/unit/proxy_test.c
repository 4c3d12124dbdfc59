/*
 * proxy_test - the PROXY protocol headers byte for byte, as HAProxy's
 * specification (proxy-protocol.txt) lays them out.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "probe_internal.h"
#include "tap.h"

static struct sockaddr_storage
addr(const char *ip, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static void
v1(void)
{
	struct sockaddr_storage src = addr("192.0.2.1", 56324), dst = addr("198.51.100.7", 465);
	struct sockaddr_storage src6 = addr("2001:db8::1", 1), dst6 = addr("::1", 25);
	unsigned char buf[128];
	int n;

	n = proxy_header_build(TP_PROXY_V1, &src, &dst, buf, sizeof(buf));
	buf[n > 0 ? n : 0] = '\0';
	is_str((char *)buf, "PROXY TCP4 192.0.2.1 198.51.100.7 56324 465\r\n", "v1 over IPv4");
	n = proxy_header_build(TP_PROXY_V1, &src6, &dst6, buf, sizeof(buf));
	buf[n > 0 ? n : 0] = '\0';
	is_str((char *)buf, "PROXY TCP6 2001:db8::1 ::1 1 25\r\n", "v1 over IPv6");
	is_int(proxy_header_build(TP_PROXY_V1, &src, &dst, buf, 20), -1,
	    "v1 refuses a buffer that is too small");
	is_int(proxy_header_build(TP_PROXY_V1, &src, &dst6, buf, sizeof(buf)), -1,
	    "v1 refuses mixed address families");
}

static void
v2(void)
{
	static const unsigned char want4[28] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xd1,
	};
	struct sockaddr_storage src = addr("192.0.2.1", 56324), dst = addr("198.51.100.7", 465);
	struct sockaddr_storage src6 = addr("2001:db8::1", 1), dst6 = addr("::1", 25);
	unsigned char buf[64];
	int n;

	n = proxy_header_build(TP_PROXY_V2, &src, &dst, buf, sizeof(buf));
	is_int(n, 28, "v2 over IPv4 is 16 + 12 bytes");
	ok(n == 28 && memcmp(buf, want4, 28) == 0, "v2 over IPv4, byte for byte");
	n = proxy_header_build(TP_PROXY_V2, &src6, &dst6, buf, sizeof(buf));
	is_int(n, 52, "v2 over IPv6 is 16 + 36 bytes");
	is_int(buf[13], 0x21, "v2 over IPv6: family TCP6");
	is_int(buf[15], 36, "v2 over IPv6: address length 36");
	is_int(buf[16 + 32] << 8 | buf[16 + 33], 1, "v2 over IPv6: source port");
	is_int(buf[16 + 34] << 8 | buf[16 + 35], 25, "v2 over IPv6: destination port");
	is_int(buf[16 + 31], 1, "v2 over IPv6: destination ::1");
	is_int(proxy_header_build(TP_PROXY_V2, &src, &dst, buf, 27), -1,
	    "v2 refuses a buffer one byte too small");
	is_int(proxy_header_build(TP_PROXY_NONE, &src, &dst, buf, sizeof(buf)), -1,
	    "no header for TP_PROXY_NONE");
}

int
main(void)
{
	v1();
	v2();
	return done_testing();
}
