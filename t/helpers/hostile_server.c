/*
 * hostile_server - a test-only mail and TLS server that misbehaves on
 * purpose, for t/hostile_peers.t. It plays the peers that no real Postfix
 * or Dovecot can be configured to be (silent, slow, endless, lying,
 * resetting, alerting), so that the tests can show that check_mail_tls
 * ends each within -t, in bounded memory, with a sentence naming the cause.
 *
 * Usage: hostile_server SCENARIO [KEY CHAIN]
 *
 * Binds 127.0.0.1 on a port the kernel picks, prints that port on stdout
 * (one line), and serves connections one at a time with the scenario's
 * handler until it is killed, or for SELF_TIMEOUT seconds at most so that
 * it never lingers after a test. TLS scenarios serve a self-signed EC P-256
 * certificate for hostile.example.test made at start, or KEY and CHAIN
 * (PEM files) when given; proxy_expected and tls10_only want the test PKI.
 * Not for production: it trusts nothing and checks little.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define SELF_TIMEOUT	120		/* seconds the server lives at most */
#define IO_TIMEOUT	30		/* seconds one read or write may block */
#define LINE_MAX_LEN	1024
#define HOST_NAME	"hostile.example.test"
#define CHAIN_LENGTH	50
#define SUBJECT_BYTES	(64 * 1024)

struct scenario {
	const char *name;
	void (*serve)(int fd, SSL_CTX *ctx);
	SSL_CTX *(*setup)(void);	/* NULL: plain text only */
};

static const char *key_file, *chain_file;

static void __attribute__((noreturn))
fatal(const char *what)
{
	fprintf(stderr, "hostile_server: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

/* --- plain-text helpers ------------------------------------------------ */

static int
send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_str(int fd, const char *text)
{
	return send_all(fd, text, strlen(text));
}

/* Reads one line (CR LF stripped) of at most SIZE-1 bytes; -1 on EOF or error. */
static int
read_line(int fd, char *line, size_t size)
{
	size_t len = 0;

	for (;;) {
		char ch;
		ssize_t n = recv(fd, &ch, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (ch == '\n')
			break;
		if (len + 1 < size)
			line[len++] = ch;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return (int)len;
}

static int
read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads and discards until the client closes (or IO_TIMEOUT passes). */
static void
drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		continue;
}

/* Half-closes so that the client sees a clean EOF, not a reset. */
static void
close_gently(int fd)
{
	shutdown(fd, SHUT_WR);
	drain(fd);
}

/* Reads one TLS record that should hold the ClientHello; -1 when it is not TLS. */
static int
read_client_hello(int fd)
{
	unsigned char hdr[5], body[18432];
	size_t len;

	if (read_exact(fd, hdr, sizeof(hdr)) < 0 || hdr[0] != 0x16 || hdr[1] != 0x03)
		return -1;
	len = (size_t)hdr[3] << 8 | hdr[4];
	if (len > sizeof(body))
		return -1;
	return read_exact(fd, body, len);
}

static void
send_alert(int fd, unsigned char description)
{
	const unsigned char alert[7] = { 0x15, 0x03, 0x01, 0x00, 0x02, 0x02, description };

	if (read_client_hello(fd) == 0 && send_all(fd, alert, sizeof(alert)) == 0)
		close_gently(fd);
}

/* 220 greeting, then one EHLO answered with LAST as the final capability. */
static int
smtp_ehlo(int fd, const char *last)
{
	char line[LINE_MAX_LEN], reply[256];

	if (send_str(fd, "220 " HOST_NAME " ESMTP hostile\r\n") < 0 ||
	    read_line(fd, line, sizeof(line)) < 0)
		return -1;
	if (strncasecmp(line, "EHLO ", 5) != 0 && strncasecmp(line, "LHLO ", 5) != 0)
		return send_str(fd, "500 5.5.1 EHLO first\r\n"), -1;
	snprintf(reply, sizeof(reply), "250-" HOST_NAME "\r\n250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n250 %s\r\n", last);
	return send_str(fd, reply);
}

/* smtp_ehlo with STARTTLS, then the STARTTLS command answered with REPLY. */
static int
smtp_starttls(int fd, const char *reply)
{
	char line[LINE_MAX_LEN];

	if (smtp_ehlo(fd, "STARTTLS") < 0 || read_line(fd, line, sizeof(line)) < 0)
		return -1;
	if (strcasecmp(line, "STARTTLS") != 0)
		return send_str(fd, "503 5.5.1 STARTTLS expected\r\n"), -1;
	return send_str(fd, reply);
}

/* --- TLS helpers ---------------------------------------------------------- */

static EVP_PKEY *
make_key(void)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	EVP_PKEY *pkey = NULL;

	if (pctx == NULL || EVP_PKEY_keygen_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(pctx, NID_X9_62_prime256v1) <= 0 ||
	    EVP_PKEY_keygen(pctx, &pkey) <= 0)
		fatal("cannot generate an EC P-256 key");
	EVP_PKEY_CTX_free(pctx);
	return pkey;
}

/* CN=CN, plus one organizationalUnitName of OU_BYTES 'x' when not 0. */
static X509_NAME *
make_name(const char *cn, size_t ou_bytes)
{
	X509_NAME *name = X509_NAME_new();
	unsigned char *ou = NULL;

	if (name == NULL || X509_NAME_add_entry_by_NID(name, NID_commonName,
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) != 1)
		fatal("cannot make a name");
	if (ou_bytes > 0) {
		if ((ou = malloc(ou_bytes)) == NULL)
			fatal("out of memory");
		memset(ou, 'x', ou_bytes);
		/* A plain string type skips the 64-character upper bound of MBSTRING. */
		if (X509_NAME_add_entry_by_NID(name, NID_organizationalUnitName,
		    V_ASN1_UTF8STRING, ou, (int)ou_bytes, -1, 0) != 1)
			fatal("cannot make a name with a huge OU");
		free(ou);
	}
	return name;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
		fatal("cannot add an extension");
	X509_EXTENSION_free(ext);
}

/* A certificate for KEY named SUBJECT, signed by ISSUER (NULL: self-signed). */
static X509 *
make_cert(X509_NAME *subject, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca)
{
	static long serial = 0x4000;
	X509 *x = X509_new();

	if (x == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400) == NULL ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		fatal("cannot make a certificate");
	add_ext(x, issuer ? issuer : x, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (!ca)
		add_ext(x, issuer ? issuer : x, NID_subject_alt_name, "DNS:" HOST_NAME);
	if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) == 0)
		fatal("cannot sign a certificate");
	return x;
}

/* A server context for LEAF and KEY, sending CHAIN (may be NULL) after it. */
static SSL_CTX *
new_ctx(X509 *leaf, EVP_PKEY *key, X509 **chain, size_t count)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		fatal("cannot make a TLS context");
	if (key_file != NULL && chain_file != NULL && leaf == NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, chain_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
			fatal("cannot load KEY and CHAIN");
		return ctx;
	}
	if (leaf == NULL) {
		X509_NAME *name = make_name(HOST_NAME, 0);

		key = make_key();
		leaf = make_cert(name, key, NULL, NULL, false);
		X509_NAME_free(name);
	}
	if (SSL_CTX_use_certificate(ctx, leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		fatal("cannot use the certificate");
	for (size_t i = 0; i < count; i++)
		if (SSL_CTX_add1_chain_cert(ctx, chain[i]) != 1)
			fatal("cannot add a chain certificate");
	return ctx;
}

static SSL_CTX *
ctx_default(void)
{
	return new_ctx(NULL, NULL, NULL, 0);
}

/* TLS 1.0 and nothing else, which takes security level 0 on OpenSSL 3. */
static SSL_CTX *
ctx_tls10(void)
{
	SSL_CTX *ctx = ctx_default();

	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION) != 1)
		fatal("cannot limit the context to TLS 1.0");
	return ctx;
}

/* A leaf under a real chain of CHAIN_LENGTH - 1 CAs, all sent. */
static SSL_CTX *
ctx_chain_50(void)
{
	X509 *certs[CHAIN_LENGTH];
	EVP_PKEY *key = make_key();
	SSL_CTX *ctx;
	char cn[64];

	/* certs[0] is the leaf, certs[CHAIN_LENGTH - 1] the self-signed root. */
	for (int i = CHAIN_LENGTH - 1; i >= 0; i--) {
		X509_NAME *name;

		if (i == 0)
			snprintf(cn, sizeof(cn), "%s", HOST_NAME);
		else
			snprintf(cn, sizeof(cn), "hostile chain CA %d", i);
		name = make_name(cn, 0);
		certs[i] = make_cert(name, key, i == CHAIN_LENGTH - 1 ? NULL : certs[i + 1],
		    i == CHAIN_LENGTH - 1 ? NULL : key, i != 0);
		X509_NAME_free(name);
	}
	ctx = new_ctx(certs[0], key, certs + 1, CHAIN_LENGTH - 1);
	for (int i = 0; i < CHAIN_LENGTH; i++)
		X509_free(certs[i]);
	EVP_PKEY_free(key);
	return ctx;
}

/* A leaf whose subject holds a 64 KiB OU, issued by a small CA (also sent). */
static SSL_CTX *
ctx_huge_subject(void)
{
	EVP_PKEY *key = make_key();
	X509_NAME *ca_name = make_name("hostile huge-subject CA", 0);
	X509_NAME *leaf_name = make_name(HOST_NAME, SUBJECT_BYTES);
	X509 *ca = make_cert(ca_name, key, NULL, NULL, true);
	X509 *leaf = make_cert(leaf_name, key, ca, key, false);
	SSL_CTX *ctx = new_ctx(leaf, key, &ca, 1);

	X509_NAME_free(ca_name);
	X509_NAME_free(leaf_name);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(key);
	return ctx;
}

/*
 * Completes a handshake on FD and behaves like an implicit-TLS SMTP server:
 * a greeting, then "221" to whatever comes (the client's QUIT) and a clean
 * close. FLOOD instead streams lines after the handshake and never closes.
 */
static void
tls_session(int fd, SSL_CTX *ctx, bool flood)
{
	static const char greeting[] = "220 " HOST_NAME " ESMTP hostile\r\n";
	static const char bye[] = "221 2.0.0 Bye\r\n";
	SSL *ssl = SSL_new(ctx);
	char buf[512];

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		fatal("cannot make a TLS session");
	if (SSL_accept(ssl) != 1 ||
	    SSL_write(ssl, greeting, (int)sizeof(greeting) - 1) <= 0)
		goto done;
	if (flood) {
		memset(buf, 'F', sizeof(buf));
		memcpy(buf, "250-", 4);
		memcpy(buf + sizeof(buf) - 2, "\r\n", 2);
		while (SSL_write(ssl, buf, (int)sizeof(buf)) > 0)
			continue;
	} else if (SSL_read(ssl, buf, sizeof(buf)) > 0 &&
	    SSL_write(ssl, bye, (int)sizeof(bye) - 1) > 0)
		SSL_shutdown(ssl);
done:
	ERR_clear_error();
	SSL_free(ssl);
}

static void
tls_serve(int fd, SSL_CTX *ctx)
{
	tls_session(fd, ctx, false);
}

static void
serve_quit_flood(int fd, SSL_CTX *ctx)
{
	tls_session(fd, ctx, true);
}

/* --- PROXY protocol ------------------------------------------------------- */

static const unsigned char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Reads a PROXY v1 or v2 header and not a byte more; -1 when there is none. */
static int
read_proxy_header(int fd)
{
	unsigned char head[16], addr[216];
	char line[108], proto[8];
	size_t len;

	if (read_exact(fd, head, 6) < 0)
		return -1;
	if (memcmp(head, "PROXY ", 6) == 0) {
		memcpy(line, head, 6);
		if (read_line(fd, line + 6, sizeof(line) - 6) < 0)
			return -1;
		return sscanf(line, "PROXY %7s", proto) == 1 && (strcmp(proto, "TCP4") == 0 ||
		    strcmp(proto, "TCP6") == 0 || strcmp(proto, "UNKNOWN") == 0) ? 0 : -1;
	}
	if (memcmp(head, proxy_v2_sig, 6) != 0 || read_exact(fd, head + 6, 10) < 0 ||
	    memcmp(head, proxy_v2_sig, sizeof(proxy_v2_sig)) != 0 ||
	    (head[12] != 0x21 && head[12] != 0x20))
		return -1;
	len = (size_t)head[14] << 8 | head[15];
	return len <= sizeof(addr) ? read_exact(fd, addr, len) : -1;
}

/* --- the scenarios ---------------------------------------------------------- */

static void
serve_silent(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	drain(fd);
}

static void
serve_slow(int fd, SSL_CTX *ctx)
{
	const char *greeting = "220 " HOST_NAME " ESMTP slowly, one byte per second\r\n";

	(void)ctx;
	for (const char *p = greeting; *p != '\0'; p++) {
		if (send_all(fd, p, 1) < 0)
			return;
		sleep(1);
	}
	drain(fd);
}

static void
serve_huge_greeting(int fd, SSL_CTX *ctx)
{
	char chunk[16384];

	(void)ctx;
	memcpy(chunk, "220 ", 4);
	memset(chunk + 4, 'A', sizeof(chunk) - 4);
	if (send_all(fd, chunk, sizeof(chunk)) < 0)
		return;
	memset(chunk, 'A', 4);
	for (int i = 1; i < 64; i++)	/* 1 MiB in all, no line end */
		if (send_all(fd, chunk, sizeof(chunk)) < 0)
			return;
	drain(fd);
}

static void
serve_endless_multiline(int fd, SSL_CTX *ctx)
{
	char line[64];

	(void)ctx;
	if (send_str(fd, "220 " HOST_NAME " ESMTP hostile\r\n") < 0 ||
	    read_line(fd, line, sizeof(line)) < 0)
		return;
	for (long i = 0; i < 10000000; i++) {
		snprintf(line, sizeof(line), "250-X-HOSTILE-%ld\r\n", i);
		if (send_str(fd, line) < 0)
			return;
	}
}

static void
serve_greeting_554(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (send_str(fd, "554 5.3.2 " HOST_NAME " not accepting connections\r\n") == 0)
		drain(fd);
}

static void
serve_ehlo_silent(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "220 " HOST_NAME " ESMTP hostile\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0)
		drain(fd);
}

static void
serve_no_starttls(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_ehlo(fd, "8BITMIME") == 0)
		drain(fd);
}

static void
serve_starttls_454(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_starttls(fd, "454 4.7.0 TLS not available due to local problem\r\n") == 0)
		drain(fd);
}

/* Accepts STARTTLS, waits for the ClientHello, answers it in plain text. */
static void
serve_starttls_garbage(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_starttls(fd, "220 2.0.0 Ready to start TLS\r\n") == 0 &&
	    read_client_hello(fd) == 0 &&
	    send_str(fd, "garbage, not TLS: \x01\x02 hostile bytes\r\n") == 0)
		close_gently(fd);
}

/* The plain-text injection of CVE-2011-0411: bytes after the 220, at once. */
static void
serve_starttls_injection(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_starttls(fd, "220 2.0.0 Ready to start TLS\r\n250 injected\r\n") == 0)
		drain(fd);
}

static void
serve_close_after_greeting(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	send_str(fd, "220 " HOST_NAME " ESMTP closing now\r\n");
}

static void
serve_close_mid_handshake(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (read_client_hello(fd) == 0)
		close_gently(fd);
}

static void
serve_rst_mid_handshake(int fd, SSL_CTX *ctx)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)ctx;
	if (read_client_hello(fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	/* the caller's close() now sends RST */
}

/*
 * Servers that greeted and accepted STARTTLS, then hang up on the
 * ClientHello (a TLS library that fails to load its key, say): no PROXY
 * header has anything to do with it, as they have spoken.
 */
static void
reset_now(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void
serve_starttls_rst(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_starttls(fd, "220 2.0.0 Ready to start TLS\r\n") == 0 &&
	    read_client_hello(fd) == 0)
		reset_now(fd);
}

static void
serve_starttls_close(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (smtp_starttls(fd, "220 2.0.0 Ready to start TLS\r\n") == 0 &&
	    read_client_hello(fd) == 0)
		close_gently(fd);
}

static void
serve_imap_starttls_rst(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "* OK " HOST_NAME " IMAP4rev1 hostile ready\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0 &&
	    send_str(fd, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n"
	    "a001 OK CAPABILITY completed\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0 &&
	    send_str(fd, "a002 OK Begin TLS negotiation now.\r\n") == 0 &&
	    read_client_hello(fd) == 0)
		reset_now(fd);
}

static void
serve_pop3_stls_rst(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "+OK " HOST_NAME " POP3 hostile ready\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0 &&
	    send_str(fd, "+OK capabilities follow\r\nUSER\r\nSTLS\r\n.\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0 &&
	    send_str(fd, "+OK Begin TLS negotiation\r\n") == 0 &&
	    read_client_hello(fd) == 0)
		reset_now(fd);
}

static void
serve_stall_mid_handshake(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (read_client_hello(fd) == 0)
		drain(fd);
}

static void
serve_alert_handshake_failure(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	send_alert(fd, 40);
}

static void
serve_alert_unrecognized_name(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	send_alert(fd, 112);
}

static void
serve_imap_wrong_tag(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "* OK " HOST_NAME " IMAP4rev1 hostile ready\r\n") == 0 &&
	    read_line(fd, line, sizeof(line)) >= 0 &&
	    send_str(fd, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n"
	    "b999 OK CAPABILITY completed\r\n") == 0)
		drain(fd);
}

static void
serve_pop3_stls_err(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "+OK " HOST_NAME " POP3 hostile ready\r\n") < 0 ||
	    read_line(fd, line, sizeof(line)) < 0 ||
	    send_str(fd, "+OK capabilities follow\r\nUSER\r\nSTLS\r\nUIDL\r\n.\r\n") < 0 ||
	    read_line(fd, line, sizeof(line)) < 0 ||
	    send_str(fd, "-ERR TLS is not available right now\r\n") < 0)
		return;
	drain(fd);
}

static void
serve_pop3_endless_capa(int fd, SSL_CTX *ctx)
{
	char line[LINE_MAX_LEN];

	(void)ctx;
	if (send_str(fd, "+OK " HOST_NAME " POP3 hostile ready\r\n") < 0 ||
	    read_line(fd, line, sizeof(line)) < 0 ||
	    send_str(fd, "+OK capabilities follow\r\n") < 0)
		return;
	for (long i = 0; i < 10000000; i++) {
		snprintf(line, sizeof(line), "X-HOSTILE-%ld\r\n", i);
		if (send_str(fd, line) < 0)
			return;
	}
}

static void
serve_sieve_no_starttls(int fd, SSL_CTX *ctx)
{
	(void)ctx;
	if (send_str(fd, "\"IMPLEMENTATION\" \"hostile ManageSieve\"\r\n"
	    "\"SIEVE\" \"fileinto reject envelope\"\r\n\"SASL\" \"PLAIN\"\r\n"
	    "\"VERSION\" \"1.0\"\r\nOK \"hostile ready\"\r\n") == 0)
		drain(fd);
}

/* Without a PROXY header the client is dropped; with one, plain implicit TLS. */
static void
serve_proxy_expected(int fd, SSL_CTX *ctx)
{
	if (read_proxy_header(fd) < 0)
		close_gently(fd);
	else
		tls_serve(fd, ctx);
}

static const struct scenario scenarios[] = {
	{ "silent", serve_silent, NULL },
	{ "slow", serve_slow, NULL },
	{ "huge_greeting", serve_huge_greeting, NULL },
	{ "endless_multiline", serve_endless_multiline, NULL },
	{ "greeting_554", serve_greeting_554, NULL },
	{ "ehlo_silent", serve_ehlo_silent, NULL },
	{ "no_starttls", serve_no_starttls, NULL },
	{ "starttls_454", serve_starttls_454, NULL },
	{ "starttls_garbage", serve_starttls_garbage, NULL },
	{ "starttls_injection", serve_starttls_injection, NULL },
	{ "close_after_greeting", serve_close_after_greeting, NULL },
	{ "close_mid_handshake", serve_close_mid_handshake, NULL },
	{ "rst_mid_handshake", serve_rst_mid_handshake, NULL },
	{ "stall_mid_handshake", serve_stall_mid_handshake, NULL },
	{ "starttls_rst", serve_starttls_rst, NULL },
	{ "starttls_close", serve_starttls_close, NULL },
	{ "imap_starttls_rst", serve_imap_starttls_rst, NULL },
	{ "pop3_stls_rst", serve_pop3_stls_rst, NULL },
	{ "alert_handshake_failure", serve_alert_handshake_failure, NULL },
	{ "alert_unrecognized_name", serve_alert_unrecognized_name, NULL },
	{ "healthy", tls_serve, ctx_default },
	{ "quit_flood", serve_quit_flood, ctx_default },
	{ "tls10_only", tls_serve, ctx_tls10 },
	{ "chain_50", tls_serve, ctx_chain_50 },
	{ "huge_subject", tls_serve, ctx_huge_subject },
	{ "imap_wrong_tag", serve_imap_wrong_tag, NULL },
	{ "pop3_stls_err", serve_pop3_stls_err, NULL },
	{ "pop3_endless_capa", serve_pop3_endless_capa, NULL },
	{ "sieve_no_starttls", serve_sieve_no_starttls, NULL },
	{ "proxy_expected", serve_proxy_expected, ctx_default },
};

/* --- main ------------------------------------------------------------------- */

static int
listen_loopback(unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 16) < 0 || getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		fatal(strerror(errno));
	*port = ntohs(sin.sin_port);
	return fd;
}

/* No read or write of a handler blocks for longer than IO_TIMEOUT. */
static void
bound_io(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: hostile_server SCENARIO [KEY CHAIN]\nscenarios:");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct scenario *s = NULL;
	SSL_CTX *ctx = NULL;
	unsigned port;
	int lfd;

	if (argc != 2 && argc != 4)
		usage();
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			s = &scenarios[i];
	if (s == NULL)
		usage();
	if (argc == 4) {
		key_file = argv[2];
		chain_file = argv[3];
	}
	signal(SIGPIPE, SIG_IGN);
	alarm(SELF_TIMEOUT);	/* SIGALRM's default action ends the process */
	if (s->setup != NULL)
		ctx = s->setup();
	lfd = listen_loopback(&port);
	printf("%u\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fatal(strerror(errno));
		}
		bound_io(fd);
		s->serve(fd, ctx);
		close(fd);
	}
}
