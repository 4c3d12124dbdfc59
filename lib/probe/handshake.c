/*
 * handshake.c - the TLS handshake with OpenSSL, as a strict client runs it,
 * and the facts it leaves: version, cipher, the chain as sent and as
 * verified, the verification verdict in words, a stapled OCSP response.
 *
 * The client accepts any version and key size so that weak servers can be
 * seen and described rather than refused; judging them is the plugin's
 * job. Failures are turned into sentences that name the likely cause.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "probe_internal.h"

static void
info_callback(const SSL *ssl, int where, int ret)
{
	struct tp_probe *p = SSL_get_app_data(ssl);

	/* READ and WRITE alerts share the SSL_CB_ALERT bit: ours are not the server's. */
	if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT && p != NULL) {
		p->alert_code = ret & 0xff;
		snprintf(p->alert, sizeof(p->alert), "%s", SSL_alert_desc_string_long(ret));
	}
}

/* Keeps the server's first bytes, to quote them when they are not TLS. */
static long
record_first_bytes(BIO *bio, int oper, const char *data, size_t len, int argi,
    long argl, int ret, size_t *processed)
{
	struct tp_probe *p = (struct tp_probe *)(void *)BIO_get_callback_arg(bio);
	size_t room, n;

	(void)argi;
	(void)argl;
	if (oper != (BIO_CB_READ | BIO_CB_RETURN) || ret <= 0 || p == NULL ||
	    processed == NULL)
		return ret;
	room = sizeof(p->first_bytes) - 1 - p->first_len;
	n = *processed < room ? *processed : room;
	(void)len;
	memcpy(p->first_bytes + p->first_len, data, n);
	p->first_len += n;
	p->first_bytes[p->first_len] = '\0';
	return ret;
}

static bool
is_ip_literal(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/*
 * Builds the TLS session for C on the client's shared context (built once,
 * client.c).  The probe calls it right after connecting, while the server
 * composes its greeting.
 */
int
handshake_prepare(struct tp_probe *p, struct conn *c, const struct tp_config *cfg,
    const struct tp_client *client)
{
	enum tp_phase phase = p->phase;
	const char *sni = cfg->sni ? cfg->sni : cfg->host;

	p->phase = TP_PHASE_HANDSHAKE;	/* a set-up failure belongs to TLS */
	p->ssl = SSL_new(client_ssl_ctx(client));
	if (p->ssl == NULL || SSL_set_fd(p->ssl, c->fd) != 1)
		return probe_fail(p, TP_FAIL_INTERNAL, "cannot create a TLS session");
	if (dane_setup_ssl(p, cfg) < 0 || key_type_setup_ssl(p, cfg) < 0)
		return -1;
	SSL_set_app_data(p->ssl, p);
	BIO_set_callback_ex(SSL_get_rbio(p->ssl), record_first_bytes);
	BIO_set_callback_arg(SSL_get_rbio(p->ssl), (char *)p);
	/* Verification happens after the handshake, in verify.c, on what was sent. */
	SSL_set_verify(p->ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_info_callback(p->ssl, info_callback);
	SSL_set_tlsext_status_type(p->ssl, TLSEXT_STATUSTYPE_ocsp);
	if (sni != NULL && sni[0] != '\0' && !is_ip_literal(sni))
		SSL_set_tlsext_host_name(p->ssl, sni);
	p->phase = phase;
	return 0;
}

/* --- failures --------------------------------------------------------- */

/* The server's first TLS bytes were handshake records: it read our ClientHello. */
static void
note_tls_said(struct tp_probe *p)
{
	if (p->first_len > 0 && (unsigned char)p->first_bytes[0] == 0x16)
		probe_said(p, SAID_TLS);
}

/* Alerts that say the server could not read a record, not what it held. */
static bool
alert_unreadable(int code)
{
	switch (code) {
	case SSL_AD_UNEXPECTED_MESSAGE:
	case SSL_AD_DECODE_ERROR:
	case SSL_AD_RECORD_OVERFLOW:
	case SSL_AD_BAD_RECORD_MAC:
	case SSL_AD_ILLEGAL_PARAMETER:
		return true;
	default:
		return false;
	}
}

static int
alert_failure(struct tp_probe *p, const struct tp_config *cfg)
{
	const char *hint = "";
	bool no_match = p->alert_code == SSL_AD_HANDSHAKE_FAILURE ||
	    p->alert_code == SSL_AD_INSUFFICIENT_SECURITY;

	if (no_match && cfg->key_type != TP_KEY_ANY) {
		/* It holds no certificate the offered signatures could sign with. */
		note_tls_said(p);
		return probe_refused(p, TP_FAIL_NO_KEY_TYPE, REFUSED_ALERT, NULL,
		    "the server has no %s certificate (offered only %s signatures, it "
		    "ended the handshake with the alert '%s')", tp_key_type_name(cfg->key_type),
		    tp_key_type_name(cfg->key_type), p->alert);
	}
	if (no_match)
		hint = ": no TLS version or cipher in common (the server may "
		    "require settings this client does not offer, or have no usable "
		    "certificate)";
	else if (p->alert_code == SSL_AD_UNRECOGNIZED_NAME)
		hint = ": the server has no certificate for the requested name "
		    "(check --sni and the server's SNI configuration)";
	else if (p->alert_code == SSL_AD_PROTOCOL_VERSION)
		hint = ": no TLS protocol version in common";
	note_tls_said(p);
	return probe_refused(p, TP_FAIL_TLS_ALERT,
	    alert_unreadable(p->alert_code) ? REFUSED_ALERT_UNREADABLE : REFUSED_ALERT, NULL,
	    "the server ended the TLS handshake with the alert '%s'%s", p->alert, hint);
}

static int
eof_failure(struct tp_probe *p, enum tp_failure kind)
{
	note_tls_said(p);
	return probe_refused(p, kind, kind == TP_FAIL_RESET ? REFUSED_RST : REFUSED_EOF, NULL,
	    "the server %s the connection mid-handshake, no TLS alert",
	    kind == TP_FAIL_RESET ? "reset" : "closed");
}

/* Reads what is left of the server's plain-text line, briefly. */
static void
read_rest_of_line(struct tp_probe *p, struct conn *c)
{
	int64_t until = monotonic_ms() + 300;

	while (p->first_len + 1 < sizeof(p->first_bytes) &&
	    memchr(p->first_bytes, '\n', p->first_len) == NULL && monotonic_ms() < until) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recv(c->fd, p->first_bytes + p->first_len,
		    sizeof(p->first_bytes) - 1 - p->first_len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		p->first_len += (size_t)n;
		p->first_bytes[p->first_len] = '\0';
	}
}

/*
 * The connection failed before OpenSSL read a byte (GnuTLS answers a
 * PROXY header with an alert and closes before our ClientHello is out:
 * the write fails): what the server sent is still queued, bounded by
 * first_bytes.  An alert there is the server's last word.
 */
static void
read_unread_reply(struct tp_probe *p, struct conn *c)
{
	const unsigned char *b = (const unsigned char *)p->first_bytes;
	ssize_t n;

	if (p->first_len > 0 || p->alert[0] != '\0')
		return;
	n = recv(c->fd, p->first_bytes, sizeof(p->first_bytes) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return;
	p->first_len = (size_t)n;
	p->first_bytes[n] = '\0';
	if (n >= 7 && b[0] == 0x15 && b[1] == 0x03 && b[3] == 0 && b[4] == 2) {
		p->alert_code = b[6];
		snprintf(p->alert, sizeof(p->alert), "%s", SSL_alert_desc_string_long(b[6]));
	}
}

/* The server answered a ClientHello with something else: say what. */
static int
not_tls_failure(struct tp_probe *p, struct conn *c, const struct tp_config *cfg)
{
	char text[sizeof(p->first_bytes)];
	bool greeting;
	int code = 0;

	read_rest_of_line(p, c);
	p->first_bytes[strcspn(p->first_bytes, "\r\n")] = '\0';
	copy_printable(text, sizeof(text), p->first_bytes);
	greeting = strncmp(text, "220", 3) == 0 || strncmp(text, "* OK", 4) == 0 ||
	    strncmp(text, "+OK", 3) == 0;
	if (!tp_protocol_is_implicit(cfg->proto))
		return probe_fail(p, TP_FAIL_TLS,
		    "the server accepted STARTTLS but then answered the TLS handshake "
		    "with plain text: '%s' (a broken server or proxy)", text);
	if (greeting)
		return probe_refused(p, TP_FAIL_TLS, REFUSED_GREETING, NULL,
		    "the server speaks plain text here ('%s'): this port uses "
		    "STARTTLS, not implicit TLS; use -P with smtp, submission, imap or pop3",
		    text);
	/* Exim's pre-greeting check: a ClientHello is a client talking too early. */
	if (smtp_reply_line(text, &code) == REPLY_LAST_FAIL &&
	    strcasestr(text, "synchronization error") != NULL)
		return probe_fail(p, TP_FAIL_TLS,
		    "this port uses STARTTLS, not implicit TLS: the SMTP server took "
		    "the TLS handshake for talk before its greeting ('%s'); use -P "
		    "with smtp or submission", text);
	return probe_refused(p, TP_FAIL_TLS, REFUSED_TEXT, text,
	    "the server answered the TLS handshake in plain text");
}

static int
ssl_failure(struct tp_probe *p, struct conn *c, const struct tp_config *cfg, int err)
{
	unsigned long e = ERR_peek_error();
	int reason = ERR_GET_REASON(e);
	char text[256];

	if (err == SSL_ERROR_SYSCALL)
		read_unread_reply(p, c);
	if (p->alert[0] != '\0')
		return alert_failure(p, cfg);
	if (p->first_len > 0 && (unsigned char)p->first_bytes[0] >= 0x20 &&
	    (unsigned char)p->first_bytes[0] < 0x7f && reason == 0)
		return not_tls_failure(p, c, cfg);	/* a reply, then a hang-up */
	if (err == SSL_ERROR_ZERO_RETURN || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
	    (err == SSL_ERROR_SYSCALL && e == 0 && (errno == 0 || errno == EPIPE)))
		return eof_failure(p, TP_FAIL_CLOSED);
	if (err == SSL_ERROR_SYSCALL && errno == ECONNRESET)
		return eof_failure(p, TP_FAIL_RESET);
	if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_RECORD_LENGTH_MISMATCH)
		return not_tls_failure(p, c, cfg);
	if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_NO_PROTOCOLS_AVAILABLE)
		return probe_fail(p, TP_FAIL_TLS,
		    "no TLS protocol version in common with the server");
	ERR_error_string_n(e, text, sizeof(text));
	return probe_fail(p, TP_FAIL_TLS,
	    "the TLS handshake failed (OpenSSL says: %s)", e ? text : "no reason given");
}

/* --- OCSP stapling ---------------------------------------------------- */

static enum tp_ocsp_status
ocsp_status_of(struct tp_probe *p, OCSP_BASICRESP *basic, X509 *leaf, X509 *issuer)
{
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
	ASN1_GENERALIZEDTIME *this_update = NULL, *next_update = NULL;
	int status = -1, reason;
	enum tp_ocsp_status result = TP_OCSP_INVALID;

	if (id != NULL && OCSP_resp_find_status(basic, id, &status, &reason, NULL,
	    &this_update, &next_update) == 1 &&
	    OCSP_check_validity(this_update, next_update, 300, -1) == 1) {
		p->ocsp_next_update = asn1_time_to_time(next_update);
		result = status == V_OCSP_CERTSTATUS_GOOD ? TP_OCSP_GOOD :
		    status == V_OCSP_CERTSTATUS_REVOKED ? TP_OCSP_REVOKED : TP_OCSP_UNKNOWN;
	}
	OCSP_CERTID_free(id);
	return result;
}

static void
collect_ocsp(struct tp_probe *p, const struct tp_trust *trust)
{
	const unsigned char *der;
	long len = SSL_get_tlsext_status_ocsp_resp(p->ssl, &der);
	STACK_OF(X509) *sent = SSL_get_peer_cert_chain(p->ssl);
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *basic = NULL;

	p->ocsp_status = TP_OCSP_NONE;
	if (len <= 0 || der == NULL)
		return;
	p->ocsp_status = TP_OCSP_INVALID;
	resp = d2i_OCSP_RESPONSE(NULL, &der, len);
	if (resp != NULL && OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL)
		basic = OCSP_response_get1_basic(resp);
	if (basic != NULL && sent != NULL && sk_X509_num(sent) >= 2 &&
	    OCSP_basic_verify(basic, sent, trust_store(trust), 0) == 1)
		p->ocsp_status = ocsp_status_of(p, basic, sk_X509_value(sent, 0),
		    sk_X509_value(sent, 1));
	OCSP_BASICRESP_free(basic);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

/* --- the handshake ------------------------------------------------------ */

static int
collect_facts(struct tp_probe *p, const struct tp_client *client)
{
	STACK_OF(X509) *sent = SSL_get_peer_cert_chain(p->ssl);
	const struct tp_trust *trust = tp_client_trust(client);
	struct cert_cache *cache = client_cert_cache(client);

	snprintf(p->tls_version, sizeof(p->tls_version), "%s", SSL_get_version(p->ssl));
	p->tls_version_number = SSL_version(p->ssl);
	snprintf(p->cipher, sizeof(p->cipher), "%s", SSL_get_cipher_name(p->ssl));
	p->peer_chain = sent ? chain_from_stack(sent, NULL, cache) : chain_new();
	if (p->peer_chain == NULL)
		return probe_fail(p, TP_FAIL_INTERNAL, "out of memory reading the chain");
	if (tp_chain_count(p->peer_chain) > 0 &&
	    (p->chain_check = chain_check_get(client_check_cache(client), p->peer_chain,
	    trust, cache)) == NULL)
		return probe_fail(p, TP_FAIL_INTERNAL, "out of memory verifying the chain");
	collect_ocsp(p, trust);
	return 0;
}

int
handshake_run(struct tp_probe *p, struct conn *c, const struct tp_config *cfg)
{
	int64_t started = monotonic_ms();

	p->phase = TP_PHASE_HANDSHAKE;
	p->spoke = true;	/* SSL_connect() sends the ClientHello */
	for (;;) {
		int rc, err;
		enum io_status st;

		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(p->ssl);
		if (rc == 1) {
			probe_said(p, SAID_TLS);	/* whatever fails now, it read the header */
			break;
		}
		err = SSL_get_error(p->ssl, rc);
		if (err == SSL_ERROR_WANT_READ)
			st = conn_wait(c, POLLIN);
		else if (err == SSL_ERROR_WANT_WRITE)
			st = conn_wait(c, POLLOUT);
		else
			return ssl_failure(p, c, cfg, err);
		if (st != IO_OK) {
			note_tls_said(p);
			return probe_fail_io(p, st, "TLS handshake");
		}
	}
	p->time_tls = (double)(monotonic_ms() - started) / 1000.0;
	return 0;
}

int
handshake_collect_facts(struct tp_probe *p, const struct tp_config *cfg,
    const struct tp_client *client)
{
	dane_collect(p, cfg);
	return collect_facts(p, client);
}

/* Reads one line over TLS within the deadline (longer lines are cut). */
static enum io_status
tls_read_line(struct tp_probe *p, struct conn *c, char *line, size_t size)
{
	size_t len = 0;
	char ch;

	for (;;) {
		int rc = SSL_read(p->ssl, &ch, 1);	/* a greeting is short; simplicity wins */
		enum io_status st;

		if (rc == 1) {
			if (ch == '\n')
				break;
			if (len + 1 < size)
				line[len++] = ch;
			else if (len + 1 >= TP_LINE_MAX)
				return IO_TOO_LONG;
			continue;
		}
		switch (SSL_get_error(p->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			st = conn_wait(c, POLLIN);
			break;
		case SSL_ERROR_WANT_WRITE:
			st = conn_wait(c, POLLOUT);
			break;
		case SSL_ERROR_ZERO_RETURN:
			return IO_CLOSED;
		default:
			ERR_clear_error();
			return errno == ECONNRESET ? IO_RESET : IO_CLOSED;
		}
		if (st != IO_OK)
			return st;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return IO_OK;
}

/*
 * A TLS endpoint whose service behind it is down (a proxy with no
 * backend) completes the handshake and then says nothing: a mail client
 * fails there, so the check does too.
 */
int
handshake_read_greeting(struct tp_probe *p, struct conn *c, enum tp_protocol proto)
{
	char line[TP_LINE_MAX], shown[200];
	int code = 0;

	p->phase = TP_PHASE_GREETING;
	for (int n = 0; n < TP_REPLY_LINES_MAX; n++) {
		enum io_status st = tls_read_line(p, c, line, sizeof(line));
		enum reply_line kind;

		if (st == IO_CLOSED || st == IO_RESET)
			return probe_fail(p, TP_FAIL_CLOSED, "TLS works, but the server closed "
			    "the connection after the handshake without a greeting: the mail "
			    "service behind the TLS endpoint is down or unreachable (a TLS "
			    "proxy without its backend?)");
		if (st == IO_TIMEOUT)
			return probe_fail(p, TP_FAIL_TIMEOUT, "timeout in the greeting phase: "
			    "TLS works, but no greeting came after the handshake (the service "
			    "behind the TLS endpoint hangs?)");
		if (st != IO_OK)
			return probe_fail_io(p, st, "greeting after the TLS handshake");
		if (n == 0)
			copy_printable(p->greeting, sizeof(p->greeting), line);
		if (starttls_reply_broken_off(proto, line, code))
			return starttls_fail_broken_off(p, "greeting", line);
		kind = starttls_greeting_line(proto, line, &code);
		copy_printable(shown, sizeof(shown), line);
		if (kind == REPLY_BAD)
			return probe_fail(p, TP_FAIL_PROTOCOL, "the greeting after the TLS "
			    "handshake is not %s: '%s' (is this the right -P protocol?)",
			    tp_protocol_name(proto), shown);
		if (kind == REPLY_LAST_FAIL)
			return probe_fail(p, TP_FAIL_PROTOCOL,
			    "the server greeted with a refusal: '%s'", shown);
		if (kind == REPLY_LAST_OK)
			return 0;
	}
	return probe_fail(p, TP_FAIL_PROTOCOL, "the greeting goes on for more than %d lines",
	    TP_REPLY_LINES_MAX);
}

/*
 * Reads and drops what the server still sends (an implicit-TLS greeting,
 * the reply to the quit command) until it closes: a client that closes
 * first, the reply unread, leaves "lost connection after QUIT", "unfinished
 * QUIT command" or "Connection closed" in the server's log.  A second at
 * most, and 200 ms after the last data: some servers wait for the client
 * to close.  False when the connection failed: send no close_notify then.
 */
static bool
drain_until_close(struct tp_probe *p, struct conn *c)
{
	int64_t cap = monotonic_ms() + 1000, until = cap;
	char buf[1024];

	for (;;) {
		int64_t now = monotonic_ms(), left = until - now;
		int64_t rest = conn_remaining_ms(c);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int rc;

		if (rest < left)
			left = rest;
		if (left <= 0)
			return true;
		rc = SSL_read(p->ssl, buf, sizeof(buf));
		if (rc > 0) {
			until = now + 200 < cap ? now + 200 : cap;
			continue;
		}
		switch (SSL_get_error(p->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			break;
		case SSL_ERROR_ZERO_RETURN:
			return true;		/* the server's close_notify */
		default:
			ERR_clear_error();
			return false;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			return true;
	}
}

int
handshake_send_quit(struct tp_probe *p, const char *quit)
{
	char line[64];
	int n;

	if (p->ssl == NULL || quit == NULL)
		return 0;
	n = snprintf(line, sizeof(line), "%s\r\n", quit);
	if (SSL_write(p->ssl, line, n) > 0)
		return 1;
	ERR_clear_error();
	return -1;
}

void
handshake_close(struct tp_probe *p, struct conn *c, int quit_sent)
{
	/* Best effort within the deadline: servers log fewer errors this way. */
	if (p->ssl == NULL || quit_sent < 0)
		return;
	if (quit_sent > 0 && !drain_until_close(p, c))
		return;
	if (conn_remaining_ms(c) > 0 && SSL_shutdown(p->ssl) < 0)
		ERR_clear_error();
}
