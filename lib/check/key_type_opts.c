/*
 * key_type_opts.c - --key-types: parsed once for check_mail_tls and
 * check_cert_chain, which say the same sentences about a missing type.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "key_type_opts.h"

static int
bad(char *err, size_t errlen, const char *list, const char *why)
{
	snprintf(err, errlen, "--key-types: '%s' %s; use rsa, ecdsa, rsa,ecdsa or all",
	    list, why);
	return -1;
}

int
key_type_opts_parse(struct key_type_opts *k, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	memset(k, 0, sizeof(*k));
	if (list[0] == '\0')
		return bad(err, errlen, list, "names no key type");
	if (strcasecmp(list, "all") == 0) {
		k->types[0] = TP_KEY_RSA;
		k->types[1] = TP_KEY_ECDSA;
		k->count = 2;
		k->all = true;
		snprintf(k->text, sizeof(k->text), "all");
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		enum tp_key_type t;
		char item[32];

		snprintf(item, sizeof(item), "%.*s", (int)(len < sizeof(item) ? len : sizeof(item) - 1), p);
		if (len == 0)
			return bad(err, errlen, list, "has an empty item");
		if (len < sizeof(item) && strcasecmp(item, "rsa") == 0)
			t = TP_KEY_RSA;
		else if (len < sizeof(item) && strcasecmp(item, "ecdsa") == 0)
			t = TP_KEY_ECDSA;
		else if (len < sizeof(item) && strcasecmp(item, "all") == 0)
			return bad(err, errlen, list, "mixes all with other types");
		else
			return bad(err, errlen, list, "names a key type this check does not know");
		for (size_t i = 0; i < k->count; i++)
			if (k->types[i] == t)
				return bad(err, errlen, list, "names a key type twice");
		k->types[k->count++] = t;
		snprintf(k->text + strlen(k->text), sizeof(k->text) - strlen(k->text), "%s%s",
		    k->count > 1 ? "," : "", key_type_slug(t));
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

const char *
key_type_slug(enum tp_key_type type)
{
	return type == TP_KEY_RSA ? "rsa" : type == TP_KEY_ECDSA ? "ecdsa" : "any";
}

/* Closed or reset in the handshake, with no alert: Dovecot's way of refusing. */
static bool
hung_up(const struct tp_probe *p)
{
	enum tp_failure f = tp_probe_failure(p);

	return (f == TP_FAIL_CLOSED || f == TP_FAIL_RESET) &&
	    tp_probe_phase(p) == TP_PHASE_HANDSHAKE;
}

/* The probe got a certificate, and not one of TYPE. */
static bool
served_other(const struct tp_probe *p, enum tp_key_type type)
{
	const struct tp_cert *leaf = tp_chain_cert(tp_probe_peer_chain(p), 0);

	return tp_probe_failure(p) == TP_FAIL_NONE && leaf != NULL &&
	    !tp_key_type_of_cert(type, leaf);
}

void
key_types_judge(const struct tp_client *client, struct tp_probe *const *probes,
    const enum tp_key_type *types, size_t n, const struct tp_config *confirm,
    int64_t deadline_ms, enum key_type_outcome *out)
{
	struct tp_probe *check = NULL;

	for (size_t i = 0; i < n; i++) {
		bool other = false;

		out[i] = tp_probe_failure(probes[i]) == TP_FAIL_NO_KEY_TYPE ?
		    KEY_TYPE_REFUSED : KEY_TYPE_ASKED;
		if (!hung_up(probes[i]))
			continue;
		for (size_t j = 0; j < n && !other; j++)
			other = j != i && served_other(probes[j], types[i]);
		if (!other && confirm != NULL && check == NULL &&
		    (check = tp_probe_new()) != NULL)
			(void)tp_client_run_window(client, &check, &confirm, 1, 1,
			    deadline_ms);	/* once, for every type */
		if (!other && check != NULL)
			other = served_other(check, types[i]);
		if (other)
			out[i] = KEY_TYPE_HUNG_UP;
	}
	tp_probe_free(check);
}

void
key_type_not_served(struct check *c, const struct key_type_opts *k, enum tp_key_type type,
    enum key_type_outcome how, const char *where)
{
	const char *name = tp_key_type_name(type);
	const char *other = tp_key_type_name(type == TP_KEY_RSA ? TP_KEY_ECDSA : TP_KEY_RSA);

	if (how == KEY_TYPE_HUNG_UP)
		check_detail(c, "%s%s: the server closed the connection without a TLS alert "
		    "when offered only %s signatures, and completed a handshake with another "
		    "certificate (Dovecot refuses this way)", where, name, name);

	if (k->all)
		check_add(c, STATE_OK, "%sno %s certificate: clients without %s support cannot "
		    "connect (a note; --key-types all alerts only on what is served)", where,
		    name, other);
	else
		check_add(c, STATE_CRITICAL, "%sthe server has no %s certificate, so clients "
		    "without %s support cannot connect: install one beside the %s certificate "
		    "(Postfix: a second key and chain in smtpd_tls_chain_files; Dovecot: "
		    "ssl_alt_cert and ssl_alt_key) or leave %s out of --key-types", where, name,
		    other, other, key_type_slug(type));
}

const char *
key_type_absent_text(enum tp_key_type type)
{
	return type == TP_KEY_RSA ? "the server has no RSA certificate" :
	    "the server has no ECDSA certificate";
}

bool
key_type_mismatch(struct check *c, enum tp_key_type type, const struct tp_cert *leaf,
    const char *where)
{
	if (leaf == NULL || tp_key_type_of_cert(type, leaf))
		return false;
	check_add(c, STATE_CRITICAL, "%sasked for the %s certificate, the server presented "
	    "one whose key type is %s", where, tp_key_type_name(type), tp_cert_key_type(leaf));
	return true;
}
