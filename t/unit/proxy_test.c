/*
 * proxy_test - the PROXY protocol headers byte for byte, as HAProxy's
 * specification (proxy-protocol.txt) lays them out; and the PROXY
 * diagnosis of each way a server refuses, in both directions.
 */
#include <string.h>

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

/* One row: what was sent, what the server had said, how it refused. */
struct diagnosis_case {
	const char *name;
	struct proxy_evidence e;
	enum proxy_verdict want;
};

#define H1 TP_PROXY_V1
#define H2 TP_PROXY_V2
#define NO TP_PROXY_NONE

static const struct diagnosis_case cases[] = {
	/* a header sent to a service that does not expect one */
	{ "header, STARTTLS: '500' as the first answer after the greeting (Postfix)",
	    { H1, true, SAID_GREETING, REFUSED_TEXT }, PROXY_HEADER_UNEXPECTED },
	{ "header, STARTTLS: EOF after the greeting (Dovecot IMAP, v2)",
	    { H2, true, SAID_GREETING, REFUSED_EOF }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, STARTTLS: RST after the greeting",
	    { H1, true, SAID_GREETING, REFUSED_RST }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, STARTTLS: silence after the greeting is not the header's doing",
	    { H1, true, SAID_GREETING, REFUSED_SILENCE }, PROXY_NOT_THE_CAUSE },
	{ "header, STARTTLS: no greeting at all is not the header's doing",
	    { H1, false, SAID_NOTHING, REFUSED_SILENCE }, PROXY_NOT_THE_CAUSE },
	{ "header, STARTTLS: a refusal for a greeting (Exim's synchronization error)",
	    { H1, false, SAID_NOTHING, REFUSED_GREETING }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, STARTTLS: text not of the protocol answering the header",
	    { H1, false, SAID_NOTHING, REFUSED_TEXT }, PROXY_HEADER_UNEXPECTED },
	{ "header, STARTTLS: EOF before the greeting",
	    { H1, false, SAID_NOTHING, REFUSED_EOF }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, implicit TLS: alert 'unexpected message' (GnuTLS)",
	    { H1, true, SAID_NOTHING, REFUSED_ALERT_UNREADABLE }, PROXY_HEADER_UNEXPECTED },
	{ "header, implicit TLS: alert 'unexpected message', v2",
	    { H2, true, SAID_NOTHING, REFUSED_ALERT_UNREADABLE }, PROXY_HEADER_UNEXPECTED },
	{ "header, implicit TLS: a negotiation alert means the ClientHello was read",
	    { H1, true, SAID_NOTHING, REFUSED_ALERT }, PROXY_NOT_THE_CAUSE },
	{ "header, implicit TLS: RST (Postfix wrapper mode)",
	    { H1, true, SAID_NOTHING, REFUSED_RST }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, implicit TLS: EOF (Dovecot, HAProxy)",
	    { H2, true, SAID_NOTHING, REFUSED_EOF }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, implicit TLS: plain text answering it",
	    { H1, true, SAID_NOTHING, REFUSED_TEXT }, PROXY_HEADER_UNEXPECTED },
	{ "header, implicit TLS: a greeting (a STARTTLS port)",
	    { H1, true, SAID_NOTHING, REFUSED_GREETING }, PROXY_HEADER_MAYBE_UNEXPECTED },
	{ "header, implicit TLS: silence is not the header's doing",
	    { H1, true, SAID_NOTHING, REFUSED_SILENCE }, PROXY_NOT_THE_CAUSE },
	{ "header: an answered command shows the header was accepted",
	    { H1, true, SAID_ANSWER, REFUSED_TEXT }, PROXY_NOT_THE_CAUSE },
	{ "header: RST after STARTTLS was accepted",
	    { H1, true, SAID_STARTTLS_OK, REFUSED_RST }, PROXY_NOT_THE_CAUSE },
	{ "header: EOF after TLS records",
	    { H2, true, SAID_TLS, REFUSED_EOF }, PROXY_NOT_THE_CAUSE },
	/* no header sent to a service that expects one */
	{ "no header, STARTTLS: silence before any greeting (Postfix, Dovecot, HAProxy)",
	    { NO, false, SAID_NOTHING, REFUSED_SILENCE }, PROXY_HEADER_EXPECTED },
	{ "no header, STARTTLS: EOF before any greeting (Dovecot, HAProxy timeouts)",
	    { NO, false, SAID_NOTHING, REFUSED_EOF }, PROXY_HEADER_EXPECTED },
	{ "no header, STARTTLS: RST before any greeting",
	    { NO, false, SAID_NOTHING, REFUSED_RST }, PROXY_HEADER_EXPECTED },
	{ "no header, STARTTLS: '421' for a greeting (Postfix's header timeout)",
	    { NO, false, SAID_NOTHING, REFUSED_GREETING }, PROXY_HEADER_MAYBE_EXPECTED },
	{ "no header, STARTTLS: unprompted text not of the protocol",
	    { NO, false, SAID_NOTHING, REFUSED_TEXT }, PROXY_NOT_THE_CAUSE },
	{ "no header, implicit TLS: RST on the ClientHello (Dovecot, HAProxy)",
	    { NO, true, SAID_NOTHING, REFUSED_RST }, PROXY_HEADER_EXPECTED },
	{ "no header, implicit TLS: EOF on the ClientHello",
	    { NO, true, SAID_NOTHING, REFUSED_EOF }, PROXY_HEADER_EXPECTED },
	{ "no header, implicit TLS: '421' answering the ClientHello (Postfix)",
	    { NO, true, SAID_NOTHING, REFUSED_TEXT }, PROXY_HEADER_EXPECTED },
	{ "no header, implicit TLS: a greeting means a STARTTLS port",
	    { NO, true, SAID_NOTHING, REFUSED_GREETING }, PROXY_NOT_THE_CAUSE },
	{ "no header, implicit TLS: an alert is no header parser's answer",
	    { NO, true, SAID_NOTHING, REFUSED_ALERT_UNREADABLE }, PROXY_NOT_THE_CAUSE },
	{ "no header, implicit TLS: a stalled handshake is not a header parser",
	    { NO, true, SAID_NOTHING, REFUSED_SILENCE }, PROXY_NOT_THE_CAUSE },
	{ "no header: EOF after the greeting",
	    { NO, true, SAID_GREETING, REFUSED_EOF }, PROXY_NOT_THE_CAUSE },
	{ "no header: '500' after the greeting",
	    { NO, true, SAID_GREETING, REFUSED_TEXT }, PROXY_NOT_THE_CAUSE },
	{ "no header: RST after 'OK Begin TLS negotiation'",
	    { NO, true, SAID_STARTTLS_OK, REFUSED_RST }, PROXY_NOT_THE_CAUSE },
	{ "no header: EOF after 'OK Begin TLS negotiation'",
	    { NO, true, SAID_STARTTLS_OK, REFUSED_EOF }, PROXY_NOT_THE_CAUSE },
	{ "no header: EOF after the ServerHello",
	    { NO, true, SAID_TLS, REFUSED_EOF }, PROXY_NOT_THE_CAUSE },
};

static void
diagnosis(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(proxy_diagnose(&cases[i].e), cases[i].want, "%s", cases[i].name);
	is_str(proxy_advice(PROXY_NOT_THE_CAUSE), "", "no advice when PROXY is not the cause");
	ok(strstr(proxy_advice(PROXY_HEADER_UNEXPECTED), "drop --proxy-protocol") != NULL,
	    "a header not expected: the advice is to drop --proxy-protocol");
	ok(strstr(proxy_advice(PROXY_HEADER_MAYBE_UNEXPECTED), "drop --proxy-protocol") != NULL,
	    "a header maybe not expected: the same advice");
	ok(strstr(proxy_advice(PROXY_HEADER_EXPECTED), "--proxy-protocol v1 or v2") != NULL,
	    "a header expected: the advice is to send one");
	ok(strstr(proxy_advice(PROXY_HEADER_MAYBE_EXPECTED), "--proxy-protocol v1 or v2") != NULL,
	    "a header maybe expected: the same advice");
}

int
main(void)
{
	v1();
	v2();
	diagnosis();
	return done_testing();
}
