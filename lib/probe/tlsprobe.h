/*
 * tlsprobe.h - libtls-probe: connect to a mail service, negotiate TLS the
 * way a strict client does, and read back what was seen.
 *
 * A caller makes one struct tp_client for a check (the TLS context and the
 * trust anchors, shared), fills a struct tp_config per endpoint, runs a
 * struct tp_probe with both (or many, through a window), and reads facts
 * (protocol, cipher, chains, verification, timings) or, when the run
 * failed, a classified failure with a sentence for a human. The
 * library never decides OK or CRITICAL and never exits. No OpenSSL type
 * appears here: callers need not include <openssl/ssl.h>.
 */
#ifndef TLSPROBE_H
#define TLSPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* --- protocols -------------------------------------------------------- */

enum tp_protocol {
	TP_PROTO_SMTP,
	TP_PROTO_SUBMISSION,
	TP_PROTO_LMTP,
	TP_PROTO_IMAP,
	TP_PROTO_POP3,
	TP_PROTO_SIEVE,
	TP_PROTO_SMTPS,
	TP_PROTO_SUBMISSIONS,
	TP_PROTO_IMAPS,
	TP_PROTO_POP3S,
	TP_PROTO_TLS,		/* implicit TLS, no application protocol */
	TP_PROTO_COUNT,
};

/* Returns 0 and sets OUT for a name such as "smtp" or "imaps", else -1. */
int tp_protocol_from_name(const char *name, enum tp_protocol *out);
/* Returns 0 and sets OUT for a well-known mail port (25, 587, 993...), else -1. */
int tp_protocol_from_port(unsigned port, enum tp_protocol *out);
const char *tp_protocol_name(enum tp_protocol proto);
unsigned tp_protocol_default_port(enum tp_protocol proto);
/* True when TLS starts at once (465, 993, 995, "tls"), false for STARTTLS. */
bool tp_protocol_is_implicit(enum tp_protocol proto);
/* "smtp|submission|lmtp|..." for help and error texts. */
const char *tp_protocol_names(void);

/* --- configuration ---------------------------------------------------- */

enum tp_family {
	TP_FAMILY_ANY = 0,
	TP_FAMILY_IPV4 = 4,
	TP_FAMILY_IPV6 = 6,
};

enum tp_proxy {
	TP_PROXY_NONE = 0,
	TP_PROXY_V1 = 1,
	TP_PROXY_V2 = 2,
};

enum tp_tls_version {
	TP_TLS_ANY = 0,
	TP_TLS_1_0 = 0x0301,
	TP_TLS_1_1 = 0x0302,
	TP_TLS_1_2 = 0x0303,
	TP_TLS_1_3 = 0x0304,
};

struct tp_config;

struct tp_config *tp_config_new(void);
void tp_config_free(struct tp_config *cfg);

/* Each setter returns 0, or -1 with a sentence in tp_config_error(). */
int tp_config_set_host(struct tp_config *cfg, const char *host);
int tp_config_set_port(struct tp_config *cfg, unsigned port);
int tp_config_set_protocol(struct tp_config *cfg, enum tp_protocol proto);
int tp_config_set_family(struct tp_config *cfg, enum tp_family family);
/* The TLS server name (SNI). Default: the host, unless it is an address. */
int tp_config_set_sni(struct tp_config *cfg, const char *name);
int tp_config_set_proxy(struct tp_config *cfg, enum tp_proxy version);
/* Addresses announced in the PROXY header. Default: the socket's own. */
int tp_config_set_proxy_source(struct tp_config *cfg, const char *addr, unsigned port);
int tp_config_set_proxy_destination(struct tp_config *cfg, const char *addr, unsigned port);
/* The name sent in EHLO/LHLO. Default: the local host name. */
int tp_config_set_helo_name(struct tp_config *cfg, const char *name);
/* One deadline for the whole probe: resolve, connect, STARTTLS, handshake. */
int tp_config_set_timeout_ms(struct tp_config *cfg, unsigned ms);
/*
 * DANE (RFC 7672): the handshake is also verified against these TLSA
 * records by OpenSSL's DANE code, with NAME (the MX host) as reference
 * name.  Only DANE-TA(2) and DANE-EE(3) are used, as RFC 7672 requires for
 * SMTP; DANE-EE ignores names and dates.
 */
int tp_config_add_tlsa(struct tp_config *cfg, uint8_t usage, uint8_t selector,
    uint8_t mtype, const unsigned char *data, size_t len);
int tp_config_set_dane_name(struct tp_config *cfg, const char *name);
/* A second reference name for DANE-TA: HOST's CNAME target (RFC 7672 3.2.2). */
int tp_config_set_dane_alt_name(struct tp_config *cfg, const char *name);

struct tp_cert;

/* The key types of the server certificates a client can ask for. */
enum tp_key_type {
	TP_KEY_ANY = 0,		/* whatever the server prefers (the default) */
	TP_KEY_RSA,
	TP_KEY_ECDSA,
};

/* "RSA", "ECDSA"; "any" for TP_KEY_ANY. */
const char *tp_key_type_name(enum tp_key_type type);
/* True when CERT's key is of TYPE (RSA, or EC for ECDSA); always for TP_KEY_ANY. */
bool tp_key_type_of_cert(enum tp_key_type type, const struct tp_cert *cert);
/*
 * Offer only TYPE's signature algorithms (TLS 1.3 and 1.2) and, up to TLS
 * 1.2, only cipher suites authenticated by TYPE, so that a server holding
 * an RSA and an ECDSA certificate must present that one. A server that
 * says it has none (a handshake_failure alert) fails the probe with
 * TP_FAIL_NO_KEY_TYPE; some (Dovecot) hang up instead: TP_FAIL_CLOSED.
 */
int tp_config_set_key_type(struct tp_config *cfg, enum tp_key_type type);
const char *tp_config_error(const struct tp_config *cfg);

/* Milliseconds of a monotonic clock: for deadlines that span several steps. */
int64_t tp_monotonic_ms(void);
/* What is left until DEADLINE_MS of that clock, at least 1 ms (a step given
 * it then times out at once rather than waiting without a limit). */
int64_t tp_ms_left(int64_t deadline_ms);

/* --- certificates ----------------------------------------------------- */

struct tp_cert;
struct tp_chain;

size_t tp_chain_count(const struct tp_chain *chain);
const struct tp_cert *tp_chain_cert(const struct tp_chain *chain, size_t i);

/*
 * Loads every certificate of a PEM file, in file order. Returns NULL with
 * a sentence in ERR when the file cannot be read or holds no certificate.
 */
struct tp_chain *tp_chain_load_file(const char *path, char *err, size_t errlen);
void tp_chain_free(struct tp_chain *chain);

/* One-line RFC 2253 names, "CN=mail.example.com,O=Example". */
const char *tp_cert_subject(const struct tp_cert *cert);
const char *tp_cert_issuer(const struct tp_cert *cert);
/* The commonName and organizationName fields, or "" when absent. */
const char *tp_cert_subject_cn(const struct tp_cert *cert);
const char *tp_cert_issuer_cn(const struct tp_cert *cert);
const char *tp_cert_issuer_org(const struct tp_cert *cert);
/* DNS names and IP addresses of subjectAltName. */
size_t tp_cert_san_count(const struct tp_cert *cert);
const char *tp_cert_san(const struct tp_cert *cert, size_t i);
const char *tp_cert_serial(const struct tp_cert *cert);	/* hex */
time_t tp_cert_not_before(const struct tp_cert *cert);
time_t tp_cert_not_after(const struct tp_cert *cert);
/* "sha256WithRSAEncryption"; the digest alone ("SHA256", "SHA1"). */
const char *tp_cert_signature_algorithm(const struct tp_cert *cert);
const char *tp_cert_signature_digest(const struct tp_cert *cert);
const char *tp_cert_key_type(const struct tp_cert *cert);	/* "RSA", "EC", "ED25519" */
int tp_cert_key_bits(const struct tp_cert *cert);
/* SHA-256 of the DER, 64 lowercase hex digits. */
const char *tp_cert_sha256(const struct tp_cert *cert);
bool tp_cert_is_self_signed(const struct tp_cert *cert);
/* SHA-256 of the public key (SubjectPublicKeyInfo), 64 hex digits: "3 1 1". */
const char *tp_cert_spki_sha256(const struct tp_cert *cert);
/* True when a TLSA record's selector, matching type and data match CERT. */
bool tp_cert_tlsa_matches(const struct tp_cert *cert, uint8_t selector, uint8_t mtype,
    const unsigned char *data, size_t len);
bool tp_cert_is_ca(const struct tp_cert *cert);
/*
 * The certificate's ACME renewal identifier (RFC 9773 4.1): the
 * authority key identifier's keyIdentifier and the serial number's DER
 * content octets, each base64url without padding, joined by a dot. Returns
 * 0, or -1 when CERT has no authority key identifier (or SIZE is short).
 */
int tp_cert_ari_id(const struct tp_cert *cert, char *out, size_t size);
/* True when NAME is covered: SANs with wildcards, the CN only without SANs. */
bool tp_cert_matches_name(const struct tp_cert *cert, const char *name);
/*
 * Whether the private key in the PEM file KEY_PATH belongs to CERT: 1 yes,
 * 0 no, -1 when the key cannot be read (a sentence in ERR).
 */
int tp_cert_matches_key_file(const struct tp_cert *cert, const char *key_path,
    char *err, size_t errlen);
/* True when CERT was issued by ISSUER (names match and the signature verifies). */
bool tp_cert_issued_by(const struct tp_cert *cert, const struct tp_cert *issuer);

/* --- trust anchors and chain analysis ---------------------------------- */

struct tp_trust;

/* Loads a PEM file or hashed directory of roots; NULL: the system store. */
struct tp_trust *tp_trust_load(const char *file_or_dir, char *err, size_t errlen);
void tp_trust_free(struct tp_trust *trust);

struct tp_chain_check;

/*
 * Judges CHAIN (leaf first, as served or as found in a file) as a strict
 * client does: the sent certificates plus TRUST, nothing fetched. Returns
 * NULL only for an empty chain or when memory runs out.
 */
struct tp_chain_check *tp_chain_check_new(const struct tp_chain *chain,
    const struct tp_trust *trust);
void tp_chain_check_free(struct tp_chain_check *cc);
bool tp_chain_check_verified(const struct tp_chain_check *cc);
/* Why verification failed, as a sentence; NULL when it succeeded. */
const char *tp_chain_check_error(const struct tp_chain_check *cc);
/*
 * Why a web client verifying CHAIN against TRUST (NULL: the system store)
 * for HOST at NOW would refuse it: the verification error, "the
 * certificate does not cover 'HOST'" or "the certificate has expired", in
 * BUF; NULL when it would accept it. For servers a check only talks to
 * (an MTA-STS policy host, a CA's renewalInfo), not the ones it judges.
 */
const char *tp_chain_web_problem(const struct tp_chain *chain, const struct tp_trust *trust,
    const char *host, time_t now, char *buf, size_t size);
/* The DN of an issuer neither sent nor trusted, or NULL. */
const char *tp_chain_check_missing_issuer(const struct tp_chain_check *cc);
/* The chain built to a trust anchor (empty when verification failed). */
const struct tp_chain *tp_chain_check_verified_chain(const struct tp_chain_check *cc);
/* Intermediates the verified chain needed that the server did not send. */
const struct tp_chain *tp_chain_check_from_store(const struct tp_chain_check *cc);
/*
 * The issuer path through the sent certificates, from the leaf: the K-th
 * link is certificate tp_chain_check_path_index(cc, K) of the sent chain.
 * In order when link K is certificate K for every K.
 */
size_t tp_chain_check_path_length(const struct tp_chain_check *cc);
size_t tp_chain_check_path_index(const struct tp_chain_check *cc, size_t k);
bool tp_chain_check_in_order(const struct tp_chain_check *cc);
/* Sent certificates that are not on the path (unrelated or duplicates). */
size_t tp_chain_check_extra_count(const struct tp_chain_check *cc);
size_t tp_chain_check_extra(const struct tp_chain_check *cc, size_t i);
/* True when the path ends in a self-signed root that was sent along. */
bool tp_chain_check_root_sent(const struct tp_chain_check *cc);

/* --- SNI maps ----------------------------------------------------------- */

enum tp_sni_map_type {
	TP_SNI_MAP_POSTFIX,	/* tls_server_sni_maps source: "name keyfile certfile..." */
	TP_SNI_MAP_DOVECOT,	/* local_name NAME { ssl_cert = <F  ssl_key = <F } */
};

struct tp_sni_map;

/*
 * Parses a map from a file (at most 1 MiB) or from memory. Returns NULL
 * with "FILE line N: what is wrong" (or "line N: ...") in ERR on a syntax
 * error. An empty map is not an error: it has no entries.
 */
struct tp_sni_map *tp_sni_map_load(enum tp_sni_map_type type, const char *path,
    char *err, size_t errlen);
struct tp_sni_map *tp_sni_map_parse(enum tp_sni_map_type type, const char *text,
    size_t len, char *err, size_t errlen);
void tp_sni_map_free(struct tp_sni_map *map);
size_t tp_sni_map_count(const struct tp_sni_map *map);
/* Entry I: its name (".example.com" for a parent domain), line and files. */
const char *tp_sni_map_name(const struct tp_sni_map *map, size_t i);
unsigned tp_sni_map_line(const struct tp_sni_map *map, size_t i);
size_t tp_sni_map_file_count(const struct tp_sni_map *map, size_t i);
const char *tp_sni_map_file(const struct tp_sni_map *map, size_t i, size_t j);
/*
 * Reads entry I's files as Postfix does (every PEM object in order): the
 * certificates as a chain, leaf first. *KEY_MATCHES is 1 or 0 when a
 * private key was found, -1 when none was. NULL with a sentence in ERR.
 */
struct tp_chain *tp_sni_map_load_entry(const struct tp_sni_map *map, size_t i,
    int *key_matches, char *err, size_t errlen);

/* --- Let's Encrypt style live directories ------------------------------ */

enum tp_live_file_id {
	TP_LIVE_CERT,
	TP_LIVE_CHAIN,
	TP_LIVE_FULLCHAIN,
	TP_LIVE_PRIVKEY,
	TP_LIVE_FILES,
};

struct tp_live_file {
	char name[16];		/* "cert.pem" */
	bool present;		/* the directory entry exists */
	bool is_link;
	bool dangling;		/* a link whose target does not exist */
	bool in_archive;	/* the target lies inside the archive directory */
	int version;		/* N of "certN.pem" in the link, or -1 */
	char target[512];	/* the link's text */
};

struct tp_live_dir {
	char path[4096];
	char name[256];		/* the certificate name: the directory's own name */
	char archive[4096];	/* DIR/../../archive/NAME */
	bool archive_exists;
	struct tp_live_file files[TP_LIVE_FILES];
	int newest_version;	/* highest N of certN.pem in the archive, or -1 */
};

/* Reads the facts of DIR (e.g. /etc/letsencrypt/live/NAME); -1 with a sentence. */
int tp_live_dir_read(const char *dir, struct tp_live_dir *out, char *err, size_t errlen);

/* --- the probe -------------------------------------------------------- */

/* Where a probe was when it stopped. */
enum tp_phase {
	TP_PHASE_SETUP,
	TP_PHASE_RESOLVE,
	TP_PHASE_CONNECT,
	TP_PHASE_PROXY,
	TP_PHASE_GREETING,
	TP_PHASE_STARTTLS,
	TP_PHASE_HANDSHAKE,
	TP_PHASE_DONE,
};

/* Why a probe failed. */
enum tp_failure {
	TP_FAIL_NONE = 0,
	TP_FAIL_CONFIG,		/* the caller's configuration is incomplete */
	TP_FAIL_INTERNAL,	/* out of memory, OpenSSL setup */
	TP_FAIL_RESOLVE,	/* the host name does not resolve */
	TP_FAIL_REFUSED,	/* connection refused */
	TP_FAIL_UNREACHABLE,	/* no route, network unreachable */
	TP_FAIL_TIMEOUT,	/* the deadline passed; see the phase */
	TP_FAIL_CLOSED,		/* the server closed the connection */
	TP_FAIL_RESET,		/* the server reset the connection */
	TP_FAIL_PROTOCOL,	/* a reply that breaks the protocol */
	TP_FAIL_STARTTLS_NOT_OFFERED,
	TP_FAIL_STARTTLS_REFUSED,
	TP_FAIL_TLS_ALERT,	/* the server sent a TLS alert */
	TP_FAIL_TLS,		/* any other handshake failure */
	TP_FAIL_NO_KEY_TYPE,	/* no certificate of tp_config_set_key_type()'s type */
};

enum tp_ocsp_status {
	TP_OCSP_NONE,		/* nothing stapled */
	TP_OCSP_GOOD,
	TP_OCSP_REVOKED,
	TP_OCSP_UNKNOWN,
	TP_OCSP_INVALID,	/* stapled but unparsable or not for this leaf */
};

struct tp_probe;
struct tp_client;

/*
 * What every probe of a check shares: the TLS context and the trust
 * anchors TRUST (a PEM file, a hashed directory or a pipe, read once
 * here; NULL: the system store), decoded now. Not changed afterwards, so
 * any number of probes may use it at once. Returns NULL only when memory
 * runs out; a client whose roots or context are unusable has a sentence
 * in tp_client_error(), and every probe run with it fails with that
 * sentence (TP_FAIL_CONFIG).
 */
struct tp_client *tp_client_new(const char *trust);
void tp_client_free(struct tp_client *client);
/* Why the client is unusable, or NULL. */
const char *tp_client_error(const struct tp_client *client);
/* The decoded trust anchors, for chains read from files; NULL when unusable. */
const struct tp_trust *tp_client_trust(const struct tp_client *client);

struct tp_probe *tp_probe_new(void);
void tp_probe_free(struct tp_probe *probe);

/*
 * Connects, negotiates TLS and collects the facts. Returns 0, or -1 with
 * tp_probe_failure(), tp_probe_phase() and tp_probe_error() set. A failed
 * chain verification is not a failure of the run: see tp_probe_verified().
 */
int tp_probe_run(struct tp_probe *probe, const struct tp_client *client,
    const struct tp_config *cfg);

/*
 * Runs N probes, every PROBES[i] with CFGS[i] and CLIENT, at most WIDTH at
 * a time: a few threads each take the next probe as soon as their last
 * one ends (a sliding window, so that a slow server holds up no batch).
 * No probe runs past DEADLINE_MS (tp_monotonic_ms(); 0: each config's
 * timeout alone), and once the first WIDTH have started, a probe whose
 * turn comes with less than 100 ms left is not started (its failure
 * TP_FAIL_TIMEOUT in TP_PHASE_SETUP) nor is any after it. Returns how
 * many were started: PROBES[0] to PROBES[returned - 1].
 */
size_t tp_client_run_window(const struct tp_client *client, struct tp_probe *const *probes,
    const struct tp_config *const *cfgs, size_t n, size_t width, int64_t deadline_ms);

enum tp_failure tp_probe_failure(const struct tp_probe *probe);
enum tp_phase tp_probe_phase(const struct tp_probe *probe);
const char *tp_probe_phase_name(enum tp_phase phase);
/* A sentence saying what happened and what to look at next. */
const char *tp_probe_error(const struct tp_probe *probe);

/* "127.0.0.1:587". */
const char *tp_probe_peer(const struct tp_probe *probe);
/* The server's first line (greeting), if any was read. */
const char *tp_probe_greeting(const struct tp_probe *probe);
/* "TLSv1.3", "TLS_AES_256_GCM_SHA384". */
const char *tp_probe_tls_version(const struct tp_probe *probe);
enum tp_tls_version tp_probe_tls_version_number(const struct tp_probe *probe);
const char *tp_probe_cipher(const struct tp_probe *probe);

/* Seconds from the start to TCP connected, for the handshake, and in all. */
double tp_probe_time_connect(const struct tp_probe *probe);
double tp_probe_time_tls(const struct tp_probe *probe);
double tp_probe_time_total(const struct tp_probe *probe);

/* The chain as the server sent it, leaf first, order kept. */
const struct tp_chain *tp_probe_peer_chain(const struct tp_probe *probe);
/* The chain OpenSSL built to a trust anchor (empty when verification failed). */
const struct tp_chain *tp_probe_verified_chain(const struct tp_probe *probe);
/* The strict-client analysis of the sent chain (NULL before a handshake). */
const struct tp_chain_check *tp_probe_chain_check(const struct tp_probe *probe);
/* Chain verification against the trust store (names are not checked here). */
bool tp_probe_verified(const struct tp_probe *probe);
/* Why verification failed, as a sentence; NULL when it succeeded. */
const char *tp_probe_verify_error(const struct tp_probe *probe);

enum tp_dane_result {
	TP_DANE_OFF,		/* no usable TLSA record was given */
	TP_DANE_VERIFIED,	/* a record matched and the chain verified with it */
	TP_DANE_FAILED,
};

enum tp_dane_result tp_probe_dane_result(const struct tp_probe *probe);
/* The record that matched (index in the order added) and its chain depth. */
int tp_probe_dane_match(const struct tp_probe *probe, int *depth);
/*
 * The record OpenSSL verified the chain with: usage, selector, matching
 * type, and the first bytes of its data (*LEN is the data's whole length;
 * at most 64 bytes are kept).  False when DANE did not verify.
 */
bool tp_probe_dane_record(const struct tp_probe *probe, uint8_t params[3],
    const unsigned char **data, size_t *len);
/* OpenSSL's reason when DANE verification failed, or "". */
const char *tp_probe_dane_error(const struct tp_probe *probe);

enum tp_ocsp_status tp_probe_ocsp_status(const struct tp_probe *probe);
time_t tp_probe_ocsp_next_update(const struct tp_probe *probe);
const char *tp_ocsp_status_name(enum tp_ocsp_status status);

#endif
