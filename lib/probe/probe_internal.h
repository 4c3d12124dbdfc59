/*
 * probe_internal.h - what the files of libtls-probe share and callers never
 * see: the config and probe structures, the connection with its deadline,
 * the client's shared parts, and the verbs each file provides to probe.c.
 */
#ifndef TLSPROBE_INTERNAL_H
#define TLSPROBE_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlsprobe.h"

#define TP_ERROR_MAX 1024
#define TP_LINE_MAX 4096	/* longest reply line we accept */
#define TP_REPLY_LINES_MAX 200	/* longest multi-line reply we accept */
#define TP_REPLY_TEXT_MAX 2048	/* reply text kept for diagnoses */

struct tp_config {
	char *host;
	unsigned port;
	enum tp_protocol proto;
	bool proto_set;
	enum tp_family family;
	char *sni;
	enum tp_proxy proxy;
	struct sockaddr_storage proxy_src, proxy_dst;
	bool proxy_src_set, proxy_dst_set;
	char *helo_name;
	unsigned timeout_ms;
	struct tp_tlsa *tlsa;		/* DANE: records to verify against */
	size_t tlsa_count;
	char *dane_name;		/* DANE: the reference name (MX host) */
	char *dane_alt_name;		/* ... and its CNAME target, or NULL */
	enum tp_key_type key_type;	/* the certificate asked for, or any */
	char error[TP_ERROR_MAX];
};

struct tp_tlsa {
	uint8_t usage, selector, mtype;
	unsigned char *data;
	size_t len;
};

/* --- net.c: one connection under one deadline ------------------------- */

struct conn {
	int fd;
	int64_t deadline_ms;		/* monotonic */
	char buf[TP_LINE_MAX];
	size_t buf_len;
	struct sockaddr_storage local, peer;
};

enum io_status {
	IO_OK = 0,
	IO_TIMEOUT,
	IO_CLOSED,
	IO_RESET,
	IO_TOO_LONG,
	IO_ERROR,
};

int64_t monotonic_ms(void);
int64_t conn_remaining_ms(const struct conn *c);
void conn_init(struct conn *c, int64_t deadline_ms);
void conn_close(struct conn *c);
/* Returns IO_OK when VALUE reading or writing can go on, or IO_TIMEOUT. */
enum io_status conn_wait(struct conn *c, short events);
enum io_status conn_write_all(struct conn *c, const void *data, size_t len);
/* Reads one line, CR LF or LF stripped, NUL-terminated, at most TP_LINE_MAX. */
enum io_status conn_read_line(struct conn *c, char *line, size_t size);
/* Resolves and connects within the deadline; -1 sets the probe's failure. */
struct tp_probe;
int net_connect(struct tp_probe *p, struct conn *c, const struct tp_config *cfg);
int net_record_addresses(struct tp_probe *p, struct conn *c);
/* Format an address as "127.0.0.1:25" or "[::1]:25". */
void sockaddr_format(const struct sockaddr_storage *ss, char *out, size_t size);

/* --- proxy.c --------------------------------------------------------- */

/*
 * Builds a PROXY protocol header of VERSION for SRC -> DST into BUF.
 * Returns its length, or -1 when the addresses are not TCP over IPv4/IPv6
 * of one family or BUF is too small.
 */
int proxy_header_build(enum tp_proxy version, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, unsigned char *buf, size_t size);

/*
 * The PROXY diagnosis: whether a refusal can be the header's doing (sent
 * to a service that does not expect one) or its absence (a service that
 * waits for one), judged from what the server had said before refusing.
 */
enum proxy_said {		/* what the server said before it refused */
	SAID_NOTHING,		/* not a byte */
	SAID_GREETING,		/* (part of) its greeting, not yet an answer */
	SAID_ANSWER,		/* an answer to this check's first command */
	SAID_STARTTLS_OK,	/* accepted STARTTLS */
	SAID_TLS,		/* TLS handshake records */
};
enum proxy_refusal {		/* how it refused */
	REFUSED_EOF,
	REFUSED_RST,
	REFUSED_SILENCE,	/* nothing until the deadline */
	REFUSED_TEXT,		/* a plain-text refusal, or text not of the protocol */
	REFUSED_GREETING,	/* a greeting: a refusal as its first words, or a
				 * plain-text greeting where TLS was due */
	REFUSED_ALERT,		/* a TLS alert about the handshake's content */
	REFUSED_ALERT_UNREADABLE, /* a TLS alert saying it could not read a record */
};
struct proxy_evidence {
	enum tp_proxy header;	/* the header this check sent, or TP_PROXY_NONE */
	bool spoke;		/* the check had sent its first bytes (ClientHello, command) */
	enum proxy_said said;
	enum proxy_refusal how;
};
enum proxy_verdict {
	PROXY_NOT_THE_CAUSE,
	PROXY_HEADER_UNEXPECTED,	/* the server read the header as its protocol */
	PROXY_HEADER_MAYBE_UNEXPECTED,
	PROXY_HEADER_EXPECTED,		/* no header: the server behaves as one waiting for it */
	PROXY_HEADER_MAYBE_EXPECTED,
};
enum proxy_verdict proxy_diagnose(const struct proxy_evidence *e);
/* The verdict as a clause for the on-call engineer ("" for NOT_THE_CAUSE). */
const char *proxy_advice(enum proxy_verdict v);

/* --- starttls.c ------------------------------------------------------ */

/* Reads the greeting and negotiates STARTTLS for PROTO; -1 sets the failure. */
int starttls_negotiate(struct tp_probe *p, struct conn *c, enum tp_protocol proto,
    const char *helo_name);
/* False for "tls": no mail protocol is spoken, before or after TLS. */
bool starttls_has_dialect(enum tp_protocol proto);
/*
 * Classifies LINE as part of PROTO's greeting (for implicit TLS, read
 * after the handshake). *CODE carries SMTP's code from line to line; start
 * it at 0. Protocols without a dialect ("tls") have no greeting: LAST_OK.
 */
enum reply_line starttls_greeting_line(enum tp_protocol proto, const char *line, int *code);
/* The command that ends a session politely ("QUIT\r\n"), or NULL. */
const char *starttls_quit_command(enum tp_protocol proto);

/*
 * Reply parsing, exposed for unit tests. A reply is one or more lines;
 * these say whether LINE ends it and whether it is a success.
 */
enum reply_line {
	REPLY_MORE,		/* another line follows */
	REPLY_LAST_OK,
	REPLY_LAST_FAIL,
	REPLY_BAD,		/* not this protocol */
};
enum reply_line smtp_reply_line(const char *line, int *code);
enum reply_line imap_reply_line(const char *line, const char *tag);
enum reply_line pop3_status_line(const char *line);
enum reply_line sieve_reply_line(const char *line);
/*
 * True when LINE, read within PROTO's multi-line reply begun with FIRST_CODE,
 * ends it with a refusal under another code: the server broke the reply off
 * (Postfix postscreen ends its "220-" greeting with "521 5.5.1 Protocol
 * error" for a client that talked too early). SMTP and LMTP only.
 */
bool starttls_reply_broken_off(enum tp_protocol proto, const char *line, int first_code);
/* Sets the failure for such a LINE, cutting off the server's WAITING_FOR. */
int starttls_fail_broken_off(struct tp_probe *p, const char *waiting_for, const char *line);
/* True when capability TOKEN appears as a word in LINE's capability text. */
bool capability_has(const char *caps, const char *token);

/* --- handshake.c ----------------------------------------------------- */

/* Builds the TLS session on C from CLIENT's context; -1 sets the failure. */
int handshake_prepare(struct tp_probe *p, struct conn *c, const struct tp_config *cfg,
    const struct tp_client *client);
/* Runs the TLS handshake on C; -1 sets the failure. */
int handshake_run(struct tp_probe *p, struct conn *c, const struct tp_config *cfg);
/* After the handshake: the chain verified against CLIENT's roots, DANE, OCSP. */
int handshake_collect_facts(struct tp_probe *p, const struct tp_config *cfg,
    const struct tp_client *client);
/* Implicit TLS: reads the service's greeting over TLS; -1 sets the failure. */
int handshake_read_greeting(struct tp_probe *p, struct conn *c, enum tp_protocol proto);
/* Sends QUIT (NULL: none) over TLS: 1 sent, 0 none, -1 the connection failed. */
int handshake_send_quit(struct tp_probe *p, const char *quit);
/* Reads the answer to what handshake_send_quit() sent and closes TLS politely. */
void handshake_close(struct tp_probe *p, struct conn *c, int quit_sent);

/* --- dane.c ---------------------------------------------------------- */

/* After SSL_new(): the reference name and the usable records. */
int dane_setup_ssl(struct tp_probe *p, const struct tp_config *cfg);
/* After the handshake: OpenSSL's DANE verdict into the probe's facts. */
void dane_collect(struct tp_probe *p, const struct tp_config *cfg);

/* --- key_types.c ----------------------------------------------------- */

/* After SSL_new(): offer only CFG's key type, if it names one. */
int key_type_setup_ssl(struct tp_probe *p, const struct tp_config *cfg);

/* --- cert.c ---------------------------------------------------------- */

struct cert_cache;

struct tp_chain *chain_new(void);
/* Appends a reference to X (the chain takes its own reference). */
int chain_push(struct tp_chain *chain, X509 *x);
/* Appends C itself: the chains share its facts. */
int chain_push_cert(struct tp_chain *chain, const struct tp_cert *c);
/*
 * The chain of STACK; certificates that are in KNOWN (or NULL) share its
 * facts, the others come from CACHE (or NULL: derived anew).
 */
struct tp_chain *chain_from_stack(STACK_OF(X509) *stack, const struct tp_chain *known,
    struct cert_cache *cache);
/* Appends X's facts, from CACHE when its DER was seen before. */
int chain_push_cached(struct tp_chain *chain, X509 *x, struct cert_cache *cache);
/* Certificate facts by SHA-256 of the DER, shared by threads (it locks). */
struct cert_cache *cert_cache_new(void);
void cert_cache_free(struct cert_cache *cache);
X509 *cert_x509(const struct tp_cert *cert);
/* An ASN1_TIME as seconds since the epoch (0 when unreadable). */
time_t asn1_time_to_time(const ASN1_TIME *t);
/*
 * PATH opened for reading when it is a regular file of at most PEM_FILE_MAX
 * bytes: a map line or a live link naming /dev/zero, a FIFO or a directory
 * must not be read for ever (or as nothing).  NULL with a sentence in ERR.
 */
#define PEM_FILE_MAX (4 << 20)
FILE *pem_file_open(const char *path, char *err, size_t errlen);

/* --- trust.c --------------------------------------------------------- */

/* The decoded store. */
X509_STORE *trust_store(const struct tp_trust *trust);

/* --- verify.c -------------------------------------------------------- */

/* tp_chain_check_new(), the facts of certificates not in SENT from CACHE. */
struct tp_chain_check *chain_check_new(const struct tp_chain *sent,
    const struct tp_trust *trust, struct cert_cache *cache);
/* Judgements by the sent chain (its facts from one cert cache), shared by threads. */
struct chain_check_cache;
struct chain_check_cache *chain_check_cache_new(void);
void chain_check_cache_free(struct chain_check_cache *cache);
/* The judgement of SENT, with a reference: CACHE's when it has one, else made now. */
struct tp_chain_check *chain_check_get(struct chain_check_cache *cache,
    const struct tp_chain *sent, const struct tp_trust *trust, struct cert_cache *certs);

/* --- client.c -------------------------------------------------------- */

/* The shared TLS context (DANE enabled); NULL when tp_client_error() is set. */
SSL_CTX *client_ssl_ctx(const struct tp_client *client);
struct cert_cache *client_cert_cache(const struct tp_client *client);
struct chain_check_cache *client_check_cache(const struct tp_client *client);

/* --- probe.c: shared by the phases ----------------------------------- */

struct tp_probe {
	enum tp_failure failure;
	enum tp_phase phase;
	char error[TP_ERROR_MAX];
	char peer[128];
	char greeting[TP_REPLY_TEXT_MAX];
	int64_t start_ms;
	double time_connect, time_tls, time_total;
	enum tp_proxy proxy_sent;	/* the PROXY header sent, if any */
	bool spoke;			/* a ClientHello or command has been sent */
	enum proxy_said said;		/* what the server has said so far */

	SSL *ssl;			/* freed when the run ends */
	char tls_version[32];
	char cipher[128];
	int tls_version_number;
	char alert[128];		/* last alert received, if any */
	int alert_code;			/* its description (SSL_AD_*), when alert[0] */
	char first_bytes[160];		/* what the server sent first in the handshake */
	size_t first_len;
	struct tp_chain *peer_chain;
	struct tp_chain_check *chain_check;
	enum tp_ocsp_status ocsp_status;
	time_t ocsp_next_update;
	bool dane_on;			/* TLSA records went into the handshake */
	enum tp_dane_result dane_result;
	int dane_match;			/* index into the config's TLSA records */
	int dane_depth;			/* chain depth it matched at */
	uint8_t dane_params[3];		/* the matched record: usage, selector, type */
	unsigned char dane_data[64];	/* ... the start of its data */
	size_t dane_len;		/* ... and that data's whole length */
	char dane_error[128];
};

/*
 * tp_probe_run() with CLIENT and no later than DEADLINE_MS (monotonic; 0:
 * CFG's timeout alone), for tp_client_run_window().
 */
int probe_run(struct tp_probe *p, const struct tp_client *client,
    const struct tp_config *cfg, int64_t deadline_ms);
/* Marks P as not run: the deadline was too close when its turn came. */
void probe_not_started(struct tp_probe *p);

/* Records a failure of KIND in the current phase; always returns -1. */
int probe_fail(struct tp_probe *p, enum tp_failure kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Turns an I/O status into a classified failure with a sentence. */
int probe_fail_io(struct tp_probe *p, enum io_status st, const char *waiting_for);
/*
 * Records a failure of KIND after the server refused HOW: FMT's sentence,
 * with the PROXY diagnosis of that refusal (proxy_diagnose) added, and
 * QUOTE (the server's words, or NULL) last, as line one may cut it.
 */
int probe_refused(struct tp_probe *p, enum tp_failure kind, enum proxy_refusal how,
    const char *quote, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Raises what the server has said to SAID (it never goes back). */
void probe_said(struct tp_probe *p, enum proxy_said said);
/* Copies at most SIZE-1 bytes of SRC, replacing control characters. */
void copy_printable(char *dst, size_t size, const char *src);

#endif
