/*
 * key_type_opts.h - --key-types for the live plugins: which certificates
 * of a server holding several (an RSA and an ECDSA one) to ask for, one
 * handshake per type, and the sentence for a type the server lacks.
 * Plugin side: it decides states.
 */
#ifndef TLSPROBE_KEY_TYPE_OPTS_H
#define TLSPROBE_KEY_TYPE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "tlsprobe.h"

#define KEY_TYPES_MAX 2

/* The --help lines. */
#define KEY_TYPES_HELP \
	"     --key-types=LIST    rsa, ecdsa or all: judge each type's certificate (one\n" \
	"                         handshake each); a named type not served is CRITICAL\n"

struct key_type_opts {
	enum tp_key_type types[KEY_TYPES_MAX];
	size_t count;		/* 0: one handshake, whatever the server picks */
	bool all;		/* "all": a type not served is a note, no alert */
	char text[16];		/* "all", "rsa", "ecdsa,rsa": as asked, in lower case */
};

/* --key-types=LIST; 0, or -1 with a sentence naming the option and LIST. */
int key_type_opts_parse(struct key_type_opts *k, const char *list, char *err,
    size_t errlen);

/* "rsa", "ecdsa": for perfdata labels and state file keys. */
const char *key_type_slug(enum tp_key_type type);

/* How a probe asked for one key type ended. */
enum key_type_outcome {
	KEY_TYPE_ASKED,		/* served, or failed for another reason */
	KEY_TYPE_REFUSED,	/* no such certificate: the server said so (an alert) */
	KEY_TYPE_HUNG_UP,	/* no such certificate: the server hung up without an
				 * alert (Dovecot) on this type, not on another */
};

/*
 * Judges PROBES[0..N-1], run with CLIENT, one endpoint asked for TYPES[i]
 * each, into OUT.
 * A handshake cut off without an alert counts as no such certificate only
 * when another type's handshake got its certificate, or else when CONFIRM
 * (the endpoint without a key type; run here only then, may be NULL) gets
 * a certificate of another type (no later than DEADLINE_MS, monotonic): a
 * server that hangs up on everyone is down, not short of a certificate.
 */
void key_types_judge(const struct tp_client *client, struct tp_probe *const *probes,
    const enum tp_key_type *types, size_t n, const struct tp_config *confirm,
    int64_t deadline_ms, enum key_type_outcome *out);

/*
 * The line for TYPE when the server has no such certificate (the probe
 * the outcome HOW), prefixed with WHERE: CRITICAL when the type was
 * named, OK (a note) under "all"; a detail line says how it was seen.
 */
void key_type_not_served(struct check *c, const struct key_type_opts *k,
    enum tp_key_type type, enum key_type_outcome how, const char *where);

/* "the server has no RSA certificate": for JSON, whatever the probe's own error. */
const char *key_type_absent_text(enum tp_key_type type);

/*
 * A CRITICAL line when the server presented a leaf of another type than
 * asked for (it ignored the offered signature algorithms); true then.
 */
bool key_type_mismatch(struct check *c, enum tp_key_type type, const struct tp_cert *leaf,
    const char *where);

#endif
