/*
 * check_cert_chain - would a strict client (iOS Mail, Outlook) accept this
 * chain? Judges the chain a service serves, or the files on disk, for
 * completeness, order, expiry of every element and weak parts; compares
 * the served certificate with the renewed one on disk, and the ports of
 * one host with each other (incident 1).
 *
 * Flow: options -> sources (ports probed at once, files read) -> the table
 * of checks per source -> the checks across sources -> one exit.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addresses.h"
#include "cert_checks.h"
#include "ari.h"
#include "cert_history.h"
#include "check.h"
#include "dns.h"
#include "endpoint_opts.h"
#include "key_type_opts.h"
#include "plugin_opts.h"
#include "tlsprobe.h"

#define PREFIX "CERT_CHAIN"
#define PORTS_MAX 16
#define SOURCES_MAX 64		/* addresses x ports x key types, or a file */

struct port_spec {
	unsigned port;
	enum tp_protocol proto;
};

struct options {
	struct common_opts common;
	struct endpoint_opts endpoint;
	struct port_spec ports[PORTS_MAX];
	size_t port_count;
	const char *file;
	const char *key;
	const char *live_dir;
	const char *compare_file;
	struct expiry_policy expiry;
	struct cert_history_opts history;	/* --state-file, --change-hold */
	struct ari_opts ari;			/* --ari, --ari-url, --cache-dir */
	struct key_type_opts key_types;		/* --key-types */
	bool all_addresses;			/* --all-addresses */
	const char *resolver;			/* ... through this DNS server */
	const char *trust_anchor;
};

/* One chain to judge: served on a port (for a key type), or read from a file. */
struct source {
	char label[96];			/* "587/submission", "127.0.0.2 587/submission", a file */
	const char *address;		/* --all-addresses: the address probed */
	unsigned port;			/* live sources */
	enum tp_protocol proto;
	char name[128];			/* "587/submission (RSA)", or the label */
	enum tp_key_type key_type;	/* TP_KEY_ANY without --key-types */
	enum key_type_outcome outcome;	/* ... and whether the server has one */
	struct tp_probe *probe;		/* live sources */
	struct tp_chain *file_chain;	/* file sources */
	const struct tp_chain *sent;
	const struct tp_chain_check *cc;
	struct tp_chain_check *own_cc;	/* file sources: ours to free */
	struct ari_answer ari;		/* --ari: the CA's renewal window for the leaf */
	enum check_state own_state;	/* its own lines' worst, before the sources are compared */
	const char *own_text;		/* ... the first line of that state, or NULL */
	bool older;			/* serves an older certificate than another source */
};

struct run {
	const struct options *opts;
	struct source sources[SOURCES_MAX];
	size_t count;
	struct tp_client *client;	/* the roots, read once for every port */
	struct tp_live_dir live;
	bool have_live;
	time_t now;
	int64_t deadline_ms;		/* -t, for what is fetched after the probes */
	char where[SOURCES_MAX][140];	/* "587/submission: " when several */
	struct tp_addresses addrs;	/* --all-addresses */
	const char *addresses[TP_ADDRESSES_MAX];	/* ... each, else one NULL */
	size_t address_count;
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_PORTS = 0x2000, OPT_FILE, OPT_KEY, OPT_LIVE_DIR, OPT_COMPARE_FILE,
	OPT_STATE_FILE, OPT_CHANGE_HOLD, OPT_KEY_TYPES, OPT_ALL_ADDRESSES, OPT_RESOLVER,
	OPT_TRUST_ANCHOR,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	ENDPOINT_LONG_OPTS,
	{ "ports", required_argument, NULL, OPT_PORTS },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "live-dir", required_argument, NULL, OPT_LIVE_DIR },
	{ "compare-file", required_argument, NULL, OPT_COMPARE_FILE },
	{ "state-file", required_argument, NULL, OPT_STATE_FILE },
	{ "change-hold", required_argument, NULL, OPT_CHANGE_HOLD },
	{ "key-types", required_argument, NULL, OPT_KEY_TYPES },
	{ "all-addresses", no_argument, NULL, OPT_ALL_ADDRESSES },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	ARI_LONG_OPTS,
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_cert_chain %s - check a certificate chain as a strict client sees it\n\n",
	    PACKAGE_VERSION);
	printf("Judges the chain a mail service serves, or the files on disk, with only\n"
	    "what was sent plus the trust store (no fetching of intermediates): is it\n"
	    "complete, in order, free of unrelated certificates, is every element in\n"
	    "date and strong enough, does the service serve what is on disk, and do\n"
	    "all ports of the host serve the same certificate?\n\n");
	printf("Usage: check_cert_chain -H HOST [-p PORT] [-P PROTOCOL] [--ports LIST] [options]\n"
	    "       check_cert_chain --file FULLCHAIN.pem [--key PRIVKEY.pem] [options]\n"
	    "       check_cert_chain --live-dir DIR [-H HOST ...] [options]\n\n");
	printf("Options:\n");
	endpoint_opts_help(stdout);
	printf("     --ports=LIST        several endpoints at once, e.g.\n"
	    "                         25/smtp,465/submissions,587/submission,993/imaps\n"
	    "                         (PORT[/PROTOCOL], the protocol defaults from the port)\n"
	    KEY_TYPES_HELP
	    "     --all-addresses     every IPv4 and IPv6 address of -H at once, each port\n"
	    "                         of each; an address serving an older certificate\n"
	    "                         than another, or unreachable, is CRITICAL; -4 leaves\n"
	    "                         IPv6 out, -6 IPv4; an address as -H is that one address\n"
	    "     --resolver=ADDR[@PORT]  DNS server for --all-addresses (an IP address;\n"
	    "                         default: the system's lookup); bogus answers refused\n"
	    "     --trust-anchor=FILE DNSSEC trust anchor for --resolver (default:\n"
	    "                         /usr/share/dns/root.key from dns-root-data)\n"
	    "     --file=FILE         judge the chain in this PEM file (leaf first)\n"
	    "     --key=FILE          the private key that must match the leaf of --file\n"
	    "     --live-dir=DIR      a Let's Encrypt live directory: links, versions,\n"
	    "                         key, fullchain = cert + chain; with -H also compares\n"
	    "                         the served certificate with it\n"
	    "     --compare-file=FILE with -H: the certificate the service should serve\n"
	    EXPIRY_HELP
	    CERT_HISTORY_HELP
	    ARI_HELP);
	common_opts_help(stdout);
	printf("\nStates: CRITICAL for a chain that does not verify (a missing intermediate\n"
	    "is named), an expired or not yet valid element, a CA without CA:TRUE, a key\n"
	    "that does not match, dangling or stale links, a service serving something\n"
	    "other than the renewed file, a port serving an older certificate than the\n"
	    "others or than --state-file saw; WARNING for time left below -w, wrong\n"
	    "order, unrelated certificates, an intermediate only the local trust store\n"
	    "supplies, weak signatures or keys, another CA or names dropped since the\n"
	    "last check (--state-file), the CA's renewal window ended or pulled forward\n"
	    "(--ari).\n\n");
	printf("Examples:\n"
	    "  check_cert_chain -H mail.example.com --ports 465/submissions,587/submission,993/imaps\n"
	    "  check_cert_chain -H mail.example.com -P imaps \\\n"
	    "      --live-dir /etc/letsencrypt/live/mail.example.com\n"
	    "  check_cert_chain --file /etc/ssl/mail/fullchain.pem --key /etc/ssl/mail/privkey.pem\n");
}

static int
parse_one_port(const char *item, struct port_spec *out, char *err, size_t errlen)
{
	char buf[64];
	char *slash;
	long n;

	if (strlen(item) >= sizeof(buf))
		return opt_error(err, errlen, "--ports: '%s' is not PORT[/PROTOCOL]", item);
	snprintf(buf, sizeof(buf), "%s", item);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if ((n = parse_decimal(buf, 1, 65535)) < 0)
		return opt_error(err, errlen, "--ports: '%s' does not start with a port number (1 to 65535)", item);
	out->port = (unsigned)n;
	if (slash != NULL && tp_protocol_from_name(slash, &out->proto) < 0)
		return opt_error(err, errlen, "--ports: '%s' names an unknown protocol", item);
	if (slash == NULL && tp_protocol_from_port(out->port, &out->proto) < 0)
		return opt_error(err, errlen, "--ports: '%s' is not a well-known mail port; write PORT/PROTOCOL", item);
	return 0;
}

static int
parse_ports(struct options *o, const char *list, char *err, size_t errlen)
{
	char copy[512];
	char *save = NULL;

	if (strlen(list) >= sizeof(copy))
		return opt_error(err, errlen, "--ports: the list is longer than 511 characters%s", "");
	snprintf(copy, sizeof(copy), "%s", list);
	o->port_count = 0;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (o->port_count == PORTS_MAX)
			return opt_error(err, errlen, "--ports: more than 16 endpoints in '%s'", list);
		if (parse_one_port(item, &o->ports[o->port_count++], err, errlen) < 0)
			return -1;
	}
	if (o->port_count == 0)
		return opt_error(err, errlen, "--ports: '%s' names no port", list);
	return 0;
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;
	switch (opt) {
	case OPT_PORTS:
		return parse_ports(o, arg, err, errlen);
	case OPT_FILE:
		return opt_readable("--file", arg, &o->file, err, errlen);
	case OPT_KEY:
		return opt_readable("--key", arg, &o->key, err, errlen);
	case OPT_LIVE_DIR:
		return opt_path("--live-dir", arg, OPT_PATH_DIR, &o->live_dir, err, errlen);
	case OPT_STATE_FILE:
		return cert_history_file_option(&o->history, arg, err, errlen);
	case OPT_CHANGE_HOLD:
		return cert_history_hold_option(&o->history, arg, err, errlen);
	case OPT_COMPARE_FILE:
		return opt_readable("--compare-file", arg, &o->compare_file, err, errlen);
	case OPT_KEY_TYPES:
		return key_type_opts_parse(&o->key_types, arg, err, errlen);
	case OPT_ALL_ADDRESSES:
		o->all_addresses = true;
		return 0;
	case OPT_RESOLVER:
		return opt_resolver(arg, &o->resolver, err, errlen);
	case OPT_TRUST_ANCHOR:
		return opt_readable("--trust-anchor", arg, &o->trust_anchor, err, errlen);
	case 'w':
	case 'c':
		return expiry_option(&o->expiry, opt, arg, err, errlen);
	default: {
		int rc = ari_option(&o->ari, opt, arg, err, errlen);

		if (rc != 1)
			return rc;	/* one of --ari's */
		snprintf(err, errlen, "unknown option; see check_cert_chain --help");
		return -1;
	}
	}
}

/* The sources must make sense together. */
static int
complete_options(struct options *o, char *err, size_t errlen)
{
	bool live = o->endpoint.host != NULL;

	if (!live && o->file == NULL && o->live_dir == NULL)
		return opt_error(err, errlen, "give -H HOST, --file FILE or --live-dir DIR%s", "");
	if (live && o->file != NULL)
		return opt_error(err, errlen, "--file '%s' and -H do not go together: use --compare-file", o->file);
	if (!live && o->port_count > 0)
		return opt_error(err, errlen, "--ports needs -H%s", "");
	if (!live && o->key_types.count > 0)
		return opt_error(err, errlen, "--key-types needs -H: a file holds one certificate%s", "");
	if (!live && o->all_addresses)
		return opt_error(err, errlen, "--all-addresses needs -H: a file has no address%s", "");
	if ((o->resolver != NULL || o->trust_anchor != NULL) && !o->all_addresses)
		return opt_error(err, errlen, "--resolver and --trust-anchor are for --all-addresses%s", "");
	if (!live && o->compare_file != NULL)
		return opt_error(err, errlen, "--compare-file '%s' needs -H", o->compare_file);
	if (o->key != NULL && o->file == NULL)
		return opt_error(err, errlen, "--key '%s' needs --file (a --live-dir has its own privkey.pem)", o->key);
	if (ari_opts_complete(&o->ari, err, errlen) < 0)
		return -1;
	if (live && endpoint_opts_complete(&o->endpoint, err, errlen) < 0)
		return -1;
	if (live && o->port_count == 0) {
		o->ports[0] = (struct port_spec){ o->endpoint.port, o->endpoint.proto };
		o->port_count = 1;
	}
	return expiry_policy_complete(&o->expiry, err, errlen);
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS ENDPOINT_SHORT_OPTS "w:c:", long_options,
		&o->common, &o->endpoint, handle_option, o,
	};
	int rc;

	cert_history_opts_init(&o->history);
	ari_opts_init(&o->ari);
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	return rc != 0 ? rc : complete_options(o, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* sources                                                                   */
/* ------------------------------------------------------------------------ */

/* S for port P and key type T: its label and the name its lines use. */
static void
name_source(struct source *s, const char *address, const struct port_spec *p,
    enum tp_key_type t)
{
	snprintf(s->label, sizeof(s->label), "%s%s%u/%s", address ? address : "",
	    address ? " " : "", p->port, tp_protocol_name(p->proto));
	s->address = address;
	s->port = p->port;
	s->proto = p->proto;
	s->key_type = t;
	memcpy(s->name, s->label, sizeof(s->label));
	if (t != TP_KEY_ANY)
		snprintf(s->name + strlen(s->label), sizeof(s->name) - sizeof(s->label), " (%s)",
		    tp_key_type_name(t));
}

/*
 * --key-types: which types each port has no certificate of (see
 * key_types_judge); a port that hung up on one type is asked once more
 * without a key type, within what is left of -t, when needed.
 */
static void
judge_key_types(struct run *r, struct tp_probe **probes, int64_t deadline)
{
	const struct options *o = r->opts;
	size_t types = o->key_types.count;

	for (size_t i = 0; i < r->count / types; i++) {
		const struct port_spec *p = &o->ports[i % o->port_count];
		const char *address = r->addresses[i / o->port_count];
		enum key_type_outcome outcome[KEY_TYPES_MAX];
		char err[512];
		struct tp_config *confirm = endpoint_opts_config(&o->endpoint, p->port,
		    p->proto, o->common.timeout_seconds, err, sizeof(err));

		if (confirm != NULL &&
		    (tp_config_set_timeout_ms(confirm, (unsigned)tp_ms_left(deadline)) < 0 ||
		    (address != NULL && tp_config_set_host(confirm, address) < 0))) {
			tp_config_free(confirm);
			confirm = NULL;
		}
		key_types_judge(r->client, probes + i * types, o->key_types.types, types, confirm,
		    deadline, outcome);
		for (size_t k = 0; k < types; k++)
			r->sources[i * types + k].outcome = outcome[k];
		tp_config_free(confirm);
	}
}

/*
 * --all-addresses: every address of -H (through --resolver, else the
 * system's lookup), as many as fit SOURCES_MAX with the ports and key
 * types; else the one NULL, -H itself. -1 with a sentence when none.
 */
static int
find_addresses(struct run *r, char *err, size_t errlen)
{
	const struct options *o = r->opts;
	size_t per = o->port_count * (o->key_types.count ? o->key_types.count : 1);
	struct tp_resolver *resolver = NULL;
	int rc;

	r->address_count = 1;
	r->addresses[0] = NULL;
	if (!o->all_addresses)
		return 0;
	if (o->resolver != NULL &&
	    (resolver = tp_resolver_new(o->resolver, o->trust_anchor, err, errlen)) == NULL)
		return -1;
	rc = tp_addresses_lookup(resolver, o->endpoint.host, o->endpoint.family,
	    tp_monotonic_ms() + tp_ms_left(r->deadline_ms) / 2, &r->addrs, err, errlen);
	tp_resolver_free(resolver);
	if (rc < 0)
		return -1;
	if (r->addrs.count * per > SOURCES_MAX) {
		snprintf(err, errlen, "%s has %zu addresses: with %zu ports and key types each "
		    "that is more than the %d handshakes one check makes; give fewer ports or "
		    "-4/-6", o->endpoint.host, r->addrs.count, per, SOURCES_MAX);
		return -1;
	}
	r->address_count = r->addrs.count;
	for (size_t a = 0; a < r->addrs.count; a++)
		r->addresses[a] = r->addrs.addr[a];
	return 0;
}

/* Every port (of every address), once per key type of --key-types: all at once. */
static int
probe_ports(struct run *r, char *err, size_t errlen)
{
	const struct options *o = r->opts;
	size_t types = o->key_types.count ? o->key_types.count : 1, n = 0;
	struct tp_config *cfgs[SOURCES_MAX] = { NULL };
	struct tp_probe *probes[SOURCES_MAX];
	int rc = find_addresses(r, err, errlen);

	for (size_t a = 0; a < r->address_count && rc == 0; a++)
	for (size_t i = 0; i < o->port_count && rc == 0; i++)
		for (size_t k = 0; k < types && rc == 0; k++, n++) {
			struct source *s = &r->sources[r->count++];
			enum tp_key_type t = o->key_types.count ? o->key_types.types[k] : TP_KEY_ANY;

			name_source(s, r->addresses[a], &o->ports[i], t);
			cfgs[n] = endpoint_opts_config(&o->endpoint, o->ports[i].port,
			    o->ports[i].proto, o->common.timeout_seconds, err, errlen);
			s->probe = probes[n] = tp_probe_new();
			if (cfgs[n] == NULL || s->probe == NULL)
				rc = -1;
			else if (tp_config_set_key_type(cfgs[n], t) < 0 || (r->addresses[a] != NULL &&
			    tp_config_set_host(cfgs[n], r->addresses[a]) < 0))
				rc = opt_error(err, errlen, "%s", tp_config_error(cfgs[n]));
		}
	if (rc == 0)
		(void)tp_client_run_window(r->client, probes,
		    (const struct tp_config *const *)cfgs, n, n, r->deadline_ms);
	if (rc == 0 && o->key_types.count > 0)
		judge_key_types(r, probes, r->deadline_ms);
	for (size_t i = 0; i < n; i++) {
		struct source *s = &r->sources[i];

		tp_config_free(cfgs[i]);
		if (s->probe != NULL && tp_probe_failure(s->probe) == TP_FAIL_NONE) {
			s->sent = tp_probe_peer_chain(s->probe);
			s->cc = tp_probe_chain_check(s->probe);
		}
	}
	return rc;
}

static int
read_file_source(struct run *r, const char *path, char *err, size_t errlen)
{
	struct source *s = &r->sources[r->count++];
	const char *base = strrchr(path, '/');

	snprintf(s->label, sizeof(s->label), "%s", base ? base + 1 : path);
	memcpy(s->name, s->label, sizeof(s->label));
	s->file_chain = tp_chain_load_file(path, err, errlen);
	if (s->file_chain == NULL)
		return -1;
	s->sent = s->file_chain;
	s->own_cc = tp_chain_check_new(s->file_chain, tp_client_trust(r->client));
	s->cc = s->own_cc;
	if (s->cc == NULL)
		return opt_error(err, errlen, "out of memory judging '%s'", path);
	return 0;
}

static void
free_run(struct run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		tp_probe_free(r->sources[i].probe);
		tp_chain_free(r->sources[i].file_chain);
		tp_chain_check_free(r->sources[i].own_cc);
	}
	tp_client_free(r->client);
}

/* ------------------------------------------------------------------------ */
/* the checks of one chain                                                   */
/* ------------------------------------------------------------------------ */

static const struct tp_cert *
leaf(const struct source *s)
{
	return tp_chain_cert(s->sent, 0);
}

static void
check_completeness(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	const char *missing = tp_chain_check_missing_issuer(s->cc);
	const struct tp_chain *store = tp_chain_check_from_store(s->cc);
	const char *who = s->probe ? "the server sends" : "the file holds";

	(void)r;
	if (missing != NULL && tp_chain_count(s->sent) == 1)
		check_add(c, STATE_CRITICAL, "%s%s only the leaf; intermediate '%s' (issuer of "
		    "the leaf) is missing: serve the full chain (fullchain.pem, not cert.pem)",
		    w, who, missing);
	else if (missing != NULL && s->probe == NULL)
		check_add(c, STATE_CRITICAL, "%sintermediate '%s' is missing from the file's "
		    "chain: put the full chain in the file (fullchain.pem, not cert.pem), or "
		    "the issuing CA is not in the trust store", w, missing);
	else if (missing != NULL)
		check_add(c, STATE_CRITICAL, "%sintermediate '%s' is missing from the chain; %s",
		    w, missing, tp_chain_check_error(s->cc));
	else if (!tp_chain_check_verified(s->cc))
		check_add(c, STATE_CRITICAL, "%schain does not verify: %s", w,
		    tp_chain_check_error(s->cc));
	else
		check_add(c, STATE_OK, "%schain complete: %zu sent, verifies to '%s'", w,
		    tp_chain_count(s->sent), cert_label(tp_chain_cert(
		    tp_chain_check_verified_chain(s->cc),
		    tp_chain_count(tp_chain_check_verified_chain(s->cc)) - 1)));
	for (size_t i = 0; i < tp_chain_count(store); i++)
		check_add(c, STATE_WARNING, "%sintermediate '%s' is not sent; it verifies here "
		    "only because the local trust store has it: strict clients (iOS Mail, "
		    "Outlook) will fail", w, tp_cert_subject(tp_chain_cert(store, i)));
}

static void
check_order(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	size_t links = tp_chain_check_path_length(s->cc);

	for (size_t k = 1; k < links; k++) {
		size_t at = tp_chain_check_path_index(s->cc, k);

		if (at == k)
			continue;
		check_add(c, STATE_WARNING, "%sthe chain is out of order: the issuer of '%s' "
		    "is certificate #%zu, it should come right after it as #%zu", w,
		    cert_label(tp_chain_cert(s->sent, tp_chain_check_path_index(s->cc, k - 1))),
		    at + 1, k + 1);
		break;
	}
	for (size_t i = 0; i < tp_chain_check_extra_count(s->cc); i++) {
		size_t at = tp_chain_check_extra(s->cc, i);

		check_add(c, STATE_WARNING, "%scertificate #%zu '%s' does not belong to this "
		    "chain (unrelated or a duplicate): remove it", w, at + 1,
		    tp_cert_subject(tp_chain_cert(s->sent, at)));
	}
	/* Details are not in the group's name: say where by hand. */
	if (tp_chain_check_root_sent(s->cc))
		check_detail(c, "%sthe root is sent along (harmless: clients use their own)",
		    r->count > 1 ? r->where[s - r->sources] : w);
}

/* A server's own certificate comes first; a CA there means a mis-assembled file. */
static void
check_leaf_first(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	(void)r;
	if (tp_chain_count(s->sent) > 1 && tp_cert_is_ca(leaf(s)))
		check_add(c, STATE_CRITICAL, "%scertificate #1 '%s' is a CA, not the server's "
		    "certificate: the server's own certificate must come first", w,
		    tp_cert_subject(leaf(s)));
}

/* The chain whose dates count: the verified one, else what was sent. */
static const struct tp_chain *
held_chain(const struct source *s)
{
	const struct tp_chain *v = tp_chain_check_verified_chain(s->cc);

	return tp_chain_count(v) > 0 ? v : s->sent;
}

static void
check_dates(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	cert_check_expiry(c, held_chain(s), &r->opts->expiry, r->now, w);
}

static void
check_renewal_window(struct check *c, const struct run *r, const struct source *s,
    const char *w)
{
	if (r->opts->ari.enabled && tp_chain_count(s->sent) > 0)
		ari_judge(c, &s->ari, leaf(s), r->now, w);
}

static void
check_strength(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	(void)r;
	cert_check_strength(c, held_chain(s), w);
}

static void
check_ca_flags(struct check *c, const struct run *r, const struct source *s, const char *w)
{
	size_t links = tp_chain_check_path_length(s->cc);

	(void)r;
	for (size_t k = 1; k < links; k++) {
		const struct tp_cert *cert = tp_chain_cert(s->sent, tp_chain_check_path_index(s->cc, k));

		if (!tp_cert_is_ca(cert))
			check_add(c, STATE_CRITICAL, "%s'%s' issues certificates but is not a "
			    "CA (basicConstraints CA:TRUE missing)", w, cert_label(cert));
	}
}

/*
 * The table of checks every chain goes through, in the order of their
 * lines; line one names the first problems, the most telling first.
 */
static void (*const chain_checks[])(struct check *, const struct run *,
    const struct source *, const char *) = {
	check_leaf_first,
	check_ca_flags,		/* explains "invalid CA certificate" below */
	check_completeness,
	check_order,
	check_dates,
	check_renewal_window,
	check_strength,
};

/* ------------------------------------------------------------------------ */
/* the checks across sources and files                                       */
/* ------------------------------------------------------------------------ */

static void
compare_with_disk(struct check *c, const struct run *r, const char *path)
{
	char err[300], served_day[16], disk_day[16], renewed[16];
	struct tp_chain *disk = tp_chain_load_file(path, err, sizeof(err));

	if (disk == NULL) {
		check_add(c, STATE_CRITICAL, "cannot compare with the file on disk: %s", err);
		return;
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];
		const struct tp_cert *want = tp_chain_cert(disk, 0);

		/* --key-types: the file holds one type's certificate */
		if (s->probe == NULL || leaf(s) == NULL || !tp_key_type_of_cert(s->key_type, want))
			continue;
		cert_format_day(tp_cert_not_after(leaf(s)), served_day, sizeof(served_day));
		cert_format_day(tp_cert_not_after(want), disk_day, sizeof(disk_day));
		cert_format_day(tp_cert_not_before(want), renewed, sizeof(renewed));
		if (strcmp(tp_cert_sha256(want), tp_cert_sha256(leaf(s))) == 0)
			check_add(c, STATE_OK, "%s serves the certificate on disk", s->name);
		else if (tp_cert_not_before(want) > tp_cert_not_before(leaf(s)))
			check_add(c, STATE_CRITICAL, "renewed on disk on %s but %s still serves "
			    "the old certificate (expires %s): reload it", renewed, s->name,
			    served_day);
		else
			check_add(c, STATE_CRITICAL, "%s serves a different certificate than %s "
			    "(served expires %s, file expires %s)", s->name, path, served_day,
			    disk_day);
	}
	tp_chain_free(disk);
}

/* The ports serving key type T (TP_KEY_ANY: all) against each other. */
static void
check_ports_agree_for(struct check *c, struct run *r, enum tp_key_type t)
{
	const struct source *newest = NULL;
	size_t served = 0;
	bool same = true;

	/*
	 * The newest among the chains a client accepts (they verify): a node
	 * serving a fresh self-signed placeholder must not make every healthy
	 * one "older" (as check_mail_tls --all-addresses judges). Only when
	 * none verifies are all compared.
	 */
	for (int pass = 0; pass < 2 && newest == NULL; pass++)
		for (size_t i = 0; i < r->count; i++) {
			const struct source *s = &r->sources[i];

			if (s->probe == NULL || leaf(s) == NULL || s->key_type != t)
				continue;
			served += pass == 0;
			if (pass == 0 && (s->cc == NULL || !tp_chain_check_verified(s->cc)))
				continue;
			if (newest == NULL ||
			    tp_cert_not_before(leaf(s)) > tp_cert_not_before(leaf(newest)))
				newest = s;
		}
	if (served < 2)
		return;
	for (size_t i = 0; i < r->count; i++) {
		struct source *s = &r->sources[i];
		char old_day[16], new_day[16];

		if (s->probe == NULL || leaf(s) == NULL || s->key_type != t ||
		    strcmp(tp_cert_sha256(leaf(s)), tp_cert_sha256(leaf(newest))) == 0)
			continue;
		same = false;
		/* newer than every accepted one, and not accepted: its own lines say why */
		if (tp_cert_not_before(leaf(s)) > tp_cert_not_before(leaf(newest)))
			continue;
		s->older = true;
		cert_format_day(tp_cert_not_before(leaf(s)), old_day, sizeof(old_day));
		cert_format_day(tp_cert_not_before(leaf(newest)), new_day, sizeof(new_day));
		check_add(c, STATE_CRITICAL, "%s serves an older certificate (issued %s) than "
		    "%s (issued %s): reload the service behind %s", s->name, old_day,
		    newest->name, new_day, s->label);
	}
	if (same)
		check_add(c, STATE_OK, "all %zu endpoints serve the same %scertificate", served,
		    t == TP_KEY_ANY ? "" : t == TP_KEY_RSA ? "RSA " : "ECDSA ");
}

/* Ports compare like with like: an RSA leaf never equals an ECDSA one. */
static void
check_ports_agree(struct check *c, struct run *r)
{
	const struct key_type_opts *k = &r->opts->key_types;

	if (k->count == 0)
		check_ports_agree_for(c, r, TP_KEY_ANY);
	for (size_t i = 0; i < k->count; i++)
		check_ports_agree_for(c, r, k->types[i]);
}

/*
 * Adds a line when F is not a link to the newest archived version; true
 * then.  Line one names the live directory, so the lines name the file.
 */
static bool
check_link(struct check *c, const struct tp_live_dir *d, const struct tp_live_file *f)
{
	if (!f->present)
		check_add(c, STATE_CRITICAL, "%s is missing", f->name);
	else if (f->dangling)
		check_add(c, STATE_CRITICAL, "%s is a dangling link (pruned archive, or "
		    "a container still holding an old mount): '%s' does not exist",
		    f->name, f->target);
	else if (!f->is_link)
		check_add(c, STATE_WARNING, "%s is a regular file, not a link into the "
		    "archive: renewals will not update it", f->name);
	else if (!f->in_archive)
		check_add(c, STATE_WARNING, "%s points outside the archive: '%s'",
		    f->name, f->target);
	else if (d->newest_version >= 0 && f->version >= 0 && f->version < d->newest_version)
		check_add(c, STATE_CRITICAL, "%s points to version %d, the archive's newest "
		    "is %d: renewed, but the link was not moved", f->name, f->version,
		    d->newest_version);
	else
		return false;
	return true;
}

static void
check_live_dir(struct check *c, const struct run *r)
{
	bool problems = false;

	for (int i = 0; i < TP_LIVE_FILES; i++)
		problems |= check_link(c, &r->live, &r->live.files[i]);
	if (!problems)
		check_add(c, STATE_OK, "%s: every link points into the archive, version %d",
		    r->live.path, r->live.newest_version);
}

/* fullchain.pem must be cert.pem followed by chain.pem, certificate by certificate. */
static void
check_fullchain_parts(struct check *c, const struct run *r)
{
	char path[3][4200], err[300];
	struct tp_chain *parts[3];
	const char *names[3] = { "cert.pem", "chain.pem", "fullchain.pem" };
	bool same = true;

	for (int i = 0; i < 3; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", r->live.path, names[i]);
		parts[i] = tp_chain_load_file(path[i], err, sizeof(err));
	}
	if (parts[0] && parts[1] && parts[2]) {
		size_t n0 = tp_chain_count(parts[0]), n1 = tp_chain_count(parts[1]);

		same = tp_chain_count(parts[2]) == n0 + n1;
		for (size_t i = 0; same && i < n0 + n1; i++) {
			const struct tp_cert *want = i < n0 ? tp_chain_cert(parts[0], i) :
			    tp_chain_cert(parts[1], i - n0);
			same = strcmp(tp_cert_sha256(want),
			    tp_cert_sha256(tp_chain_cert(parts[2], i))) == 0;
		}
		if (!same)
			check_add(c, STATE_CRITICAL, "fullchain.pem is not cert.pem followed "
			    "by chain.pem: the files come from different renewals");
	}
	for (int i = 0; i < 3; i++)
		tp_chain_free(parts[i]);
}

static void
check_key(struct check *c, const struct run *r, const char *key_path)
{
	char err[300];
	const struct tp_cert *l = leaf(&r->sources[r->count - 1]);
	int rc;

	if (l == NULL)
		return;
	rc = tp_cert_matches_key_file(l, key_path, err, sizeof(err));
	if (rc < 0)
		check_add(c, STATE_CRITICAL, "private key: %s", err);
	else if (rc == 0)
		check_add(c, STATE_CRITICAL, "the private key %s does not belong to the "
		    "certificate '%s': the service will refuse to start or serve the wrong "
		    "pair", key_path, cert_label(l));
	else
		check_add(c, STATE_OK, "the private key matches the certificate");
}

/*
 * The labelled groups of source S (close them with close_groups): where it
 * was served (port, protocol, address) or the file it came from, and its
 * key type. Named, so that its lines start with "587/submission, RSA
 * certificate: ", when NAMED and there are several sources, as set_where
 * says. With PERF, perfdata labels inside end with the type and, when
 * ports (or sources) are several, the port: days_left_587_rsa.
 */
static size_t
open_groups(struct check *c, const struct run *r, const struct source *s, bool named,
    bool perf)
{
	bool several = named && r->count > 1;
	/* days_left_rsa; days_left_587_rsa or days_left_587 when ports are several */
	unsigned port_perf = perf && (s->key_type == TP_KEY_ANY ? r->count > 1 :
	    r->opts->port_count > 1) ? CHECK_GROUP_PERF : 0;
	size_t opened = 0;
	char port[16];

	if (s->probe != NULL && s->address != NULL) {
		/* --all-addresses: "127.0.0.2 25/smtp: ", days_left_127.0.0.2_25 */
		check_group(c, (const struct check_label[]){ { "address", s->address },
		    { NULL, NULL } }, (several ? CHECK_GROUP_NAMED : 0) |
		    (perf ? CHECK_GROUP_PERF : 0));
		snprintf(port, sizeof(port), "%u", s->port);
		check_group(c, (const struct check_label[]){ { "port", port },
		    { "protocol", tp_protocol_name(s->proto) }, { NULL, NULL } },
		    (several ? CHECK_GROUP_NAMED : 0) | (perf ? CHECK_GROUP_PERF : 0));
		opened += 2;
	} else if (s->probe != NULL) {
		snprintf(port, sizeof(port), "%u", s->port);
		check_group(c, (const struct check_label[]){ { "port", port },
		    { "protocol", tp_protocol_name(s->proto) }, { NULL, NULL } },
		    (several && (s->key_type == TP_KEY_ANY || r->opts->port_count > 1) ?
		    CHECK_GROUP_NAMED : 0) | port_perf);
		opened++;
	} else {
		check_group(c, (const struct check_label[]){ { "file", s->label },
		    { NULL, NULL } }, several ? CHECK_GROUP_NAMED : 0);
		opened++;
	}
	if (s->key_type != TP_KEY_ANY) {
		check_group(c, (const struct check_label[]){
		    { "key_type", key_type_slug(s->key_type) }, { NULL, NULL } },
		    (several ? CHECK_GROUP_NAMED : 0) | (perf ? CHECK_GROUP_PERF : 0));
		opened++;
	}
	return opened;
}

static void
close_groups(struct check *c, size_t opened)
{
	while (opened-- > 0)
		check_group_end(c);
}

/* ------------------------------------------------------------------------ */
/* output                                                                    */
/* ------------------------------------------------------------------------ */

static void
add_output(struct check *c, const struct run *r)
{
	const struct tp_cert *soonest = NULL;

	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];
		const struct tp_cert *first;
		size_t groups;

		if (s->sent == NULL)
			continue;
		groups = open_groups(c, r, s, false, true);
		check_detail(c, "%s:", s->name);
		cert_chain_details(c, s->sent, r->now, "  sent");
		first = expiry_soonest(held_chain(s), NULL);
		soonest = expiry_soonest(held_chain(s), soonest);
		/* the groups add the port and the type: days_left_587_rsa */
		if (first != NULL && (s->key_type != TP_KEY_ANY || (r->count > 1 && s->probe != NULL)))
			expiry_perfdata(c, "days_left", NULL, &r->opts->expiry, first, r->now);
		close_groups(c, groups);
	}
	if (soonest != NULL)
		expiry_perfdata(c, "days_left_min", NULL, &r->opts->expiry, soonest, r->now);
	if (r->count > 0 && r->sources[0].sent != NULL)
		check_perf(c, "chain_length", (double)tp_chain_count(r->sources[0].sent), "",
		    NULL, NULL, NULL);
	if (r->opts->key_types.count > 0)
		check_fact_str(c, "key_types", r->opts->key_types.text);
	check_fact_list(c, "sources");
	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];
		size_t groups = open_groups(c, r, s, false, false);

		check_fact_item(c);
		check_fact_str(c, "source", s->label);
		if (s->address != NULL)
			check_fact_str(c, "address", s->address);
		if (s->key_type != TP_KEY_ANY)
			check_fact_str(c, "key_type", tp_key_type_name(s->key_type));
		/* a live source that served nothing says why (an address unreachable, ...) */
		if (s->probe != NULL) {
			check_fact_bool(c, "served", s->sent != NULL);
			check_fact_bool(c, "older", s->older);
			if (s->outcome != KEY_TYPE_ASKED)
				check_fact_str(c, "error", key_type_absent_text(s->key_type));
			else if (tp_probe_failure(s->probe) != TP_FAIL_NONE)
				check_fact_str(c, "error", tp_probe_error(s->probe));
		}
		if (s->cc != NULL)
			check_fact_bool(c, "verified", tp_chain_check_verified(s->cc));
		if (s->sent != NULL)
			cert_chain_facts(c, "chain", s->sent, &r->opts->expiry, r->now);
		if (r->opts->ari.enabled && tp_chain_count(s->sent) > 0) {
			check_fact_list(c, "ari");
			ari_facts(c, &s->ari);
			check_fact_end(c);
		}
		check_fact_end(c);
		close_groups(c, groups);
	}
	check_fact_end(c);
}

/*
 * --key-types, all well: "HOST: RSA and ECDSA chains complete and in order
 * for NAME, 89 days left at the least", the ports when several, and the
 * types a server without them was asked for under "all".
 */
static void
summarize_key_types(struct check *c, const struct run *r, const char *what)
{
	const struct key_type_opts *k = &r->opts->key_types;
	const struct source *first = NULL;
	char types[64] = "", missing[64] = "", ports[48] = "";
	double days = INFINITY;

	for (size_t t = 0; t < k->count; t++) {
		bool any = false, lacking = false;

		for (size_t i = 0; i < r->count; i++) {
			const struct source *s = &r->sources[i];

			if (s->key_type != k->types[t])
				continue;
			if (s->sent != NULL && leaf(s) != NULL) {
				any = true;
				first = first ? first : s;
				if (chain_min_days(held_chain(s), r->now) < days)
					days = chain_min_days(held_chain(s), r->now);
			} else if (s->outcome != KEY_TYPE_ASKED)
				lacking = true;
		}
		if (any)
			snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%s",
			    types[0] ? " and " : "", tp_key_type_name(k->types[t]));
		if (lacking)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
			    "%s%s", missing[0] ? " or " : "", tp_key_type_name(k->types[t]));
	}
	if (first == NULL) {
		check_summary_prefix(c, "%s", what);
		return;
	}
	if (r->opts->port_count > 1)
		snprintf(ports, sizeof(ports), " on %zu endpoints", r->opts->port_count);
	check_summary(c, "%s: %s %s complete and in order%s for %s, %.0f days left at the "
	    "least%s%s%s", what, types, strchr(types, ' ') ? "chains" : "chain", ports,
	    cert_label(leaf(first)), days, missing[0] ? "; no " : "", missing,
	    missing[0] ? " certificate served" : "");
}

/* "live/NAME" of a Let's Encrypt live directory, for line one. */
static const char *
live_name(const char *path)
{
	size_t len = strlen(path);
	int slashes = 0;

	while (len > 0 && path[len - 1] == '/')
		len--;
	for (size_t i = len; i > 0; i--)
		if (path[i - 1] == '/' && ++slashes == 2)
			return path + i;
	return path;
}

/* Nothing answered at S's address: refused, no route, no answer to connect. */
static bool
unreachable(const struct source *s)
{
	enum tp_failure why = s->probe ? tp_probe_failure(s->probe) : TP_FAIL_NONE;

	return s->probe != NULL && s->outcome == KEY_TYPE_ASKED &&
	    tp_probe_phase(s->probe) <= TP_PHASE_CONNECT && (why == TP_FAIL_REFUSED ||
	    why == TP_FAIL_UNREACHABLE || why == TP_FAIL_TIMEOUT || why == TP_FAIL_RESOLVE);
}

/* --all-addresses: what is known of address A, from its sources (its ports and key types). */
struct address_verdict {
	bool older, unreachable;
	enum check_state own_state;	/* its sources' worst own line, and that line */
	const char *own_text;
};

/* The classes of line one, each naming its addresses. */
/* FAILS_OTHERWISE: CRITICAL for a reason of its own (a WARNING is no failure). */
enum address_class { SERVES_OLDER, UNREACHABLE, FAILS_OTHERWISE };

static bool
in_class(const struct address_verdict *v, enum address_class k)
{
	switch (k) {
	case SERVES_OLDER:
		return v->older;
	case UNREACHABLE:
		return v->unreachable && !v->older;
	default:
		return !v->older && !v->unreachable && v->own_state == STATE_CRITICAL;
	}
}

static struct address_verdict
address_verdict(const struct run *r, size_t a)
{
	struct address_verdict v = { .own_state = STATE_OK };

	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];

		if (s->address != r->addresses[a])
			continue;
		v.older |= s->older;
		v.unreachable |= unreachable(s);
		if (s->own_state != v.own_state &&
		    check_state_worst(s->own_state, v.own_state) == s->own_state) {
			v.own_state = s->own_state;
			v.own_text = s->own_text;
		}
	}
	return v;
}

/*
 * Line one of --all-addresses as check_mail_tls words it: "2 of 4
 * addresses serve an older certificate: A, B", those that cannot be
 * reached, then each address's worst line of its own, worst first; into
 * TEXT.  False when no address has anything wrong.
 */
static bool
address_problems(const struct run *r, char *text, size_t size)
{
	static const enum check_state order[] = { STATE_CRITICAL, STATE_WARNING, STATE_UNKNOWN };
	static const char *const one[] = { "serves an older certificate", "cannot be reached", "fails" };
	static const char *const many[] = { "serve an older certificate", "cannot be reached", "fail" };
	struct address_verdict v[TP_ADDRESSES_MAX];
	size_t n = r->address_count, len, wrong = 0;

	text[0] = '\0';
	for (size_t a = 0; a < n; a++) {
		v[a] = address_verdict(r, a);
		wrong += in_class(&v[a], SERVES_OLDER) || in_class(&v[a], UNREACHABLE) ||
		    in_class(&v[a], FAILS_OTHERWISE);
	}
	for (enum address_class k = SERVES_OLDER; k <= FAILS_OTHERWISE; k++) {
		size_t count = 0, i = 0;

		/* several addresses wrong: each named before any one's details */
		if (k == FAILS_OTHERWISE && wrong < 2)
			break;
		for (size_t a = 0; a < n; a++)
			count += in_class(&v[a], k);
		if (count == 0)
			continue;
		len = strlen(text);
		if (n == 1)
			len += (size_t)snprintf(text + len, size - len, "%sits one address %s: ",
			    len ? "; " : "", one[k]);
		else
			len += (size_t)snprintf(text + len, size - len, "%s%zu of %zu addresses %s: ",
			    len ? "; " : "", count, n, count == 1 ? one[k] : many[k]);
		for (size_t a = 0; a < n && len < size; a++)
			if (in_class(&v[a], k))
				len += (size_t)snprintf(text + len, size - len, "%s%s", i++ ? ", " :
				    "", r->addresses[a]);
	}
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t a = 0; a < n; a++) {
			len = strlen(text);
			if (v[a].unreachable || v[a].own_state != order[o] || v[a].own_text == NULL ||
			    len + 1 >= size)
				continue;
			snprintf(text + len, size - len, "%s%s", len ? "; " : "", v[a].own_text);
		}
	return text[0] != '\0';
}

static void
summarize(struct check *c, const struct run *r)
{
	const struct source *s = &r->sources[0];
	const char *what = r->opts->endpoint.host ? r->opts->endpoint.host :
	    r->opts->live_dir ? live_name(r->opts->live_dir) : s->label;
	char text[1200];
	size_t n = r->address_count;

	if (r->opts->all_addresses && r->count > 0 && check_state(c) != STATE_OK &&
	    address_problems(r, text, sizeof(text))) {
		check_summary(c, "%s: %s", what, text);
		return;
	}
	if (check_state(c) == STATE_OK && r->opts->key_types.count > 0) {
		summarize_key_types(c, r, what);
		return;
	}
	if (check_state(c) != STATE_OK || s->sent == NULL) {
		check_summary_prefix(c, "%s", what);
		return;
	}
	if (r->opts->all_addresses && n == 1)
		check_summary(c, "%s: its one address, %s, serves a complete chain%s for %s, "
		    "%.0f days left at the least", what, r->addresses[0], r->opts->port_count > 1 ?
		    " on every port" : "", cert_label(leaf(s)), chain_min_days(held_chain(s), r->now));
	else if (r->opts->all_addresses)
		check_summary(c, "%s: all %zu addresses serve the same complete chain%s for %s, "
		    "%.0f days left at the least", what, n, r->opts->port_count > 1 ?
		    " on every port" : "", cert_label(leaf(s)), chain_min_days(held_chain(s), r->now));
	else if (r->count > 1)
		check_summary(c, "%s: %zu endpoints serve the same complete chain for %s, "
		    "%.0f days left at the least", what, r->count, cert_label(leaf(s)),
		    chain_min_days(held_chain(s), r->now));
	else
		check_summary(c, "%s: chain complete and in order, %s from %s, %.0f days "
		    "left at the least", what, cert_label(leaf(s)), tp_cert_issuer_cn(leaf(s)),
		    chain_min_days(held_chain(s), r->now));
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

/* --ari: the CA's renewal window for each leaf, within what -t left. */
static void
look_up_renewal_windows(struct run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		struct source *s = &r->sources[i];

		if (tp_chain_count(s->sent) > 0)
			ari_lookup(&r->opts->ari, tp_client_trust(r->client), leaf(s), r->now, r->deadline_ms, &s->ari);
	}
}

/* Written after every check is judged: the CA's answers that were fetched. */
static void
save_renewal_windows(struct check *c, const struct run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];

		if (tp_chain_count(s->sent) > 0)
			ari_save(c, &r->opts->ari, &s->ari, leaf(s), r->now);
	}
}

static int
gather(struct run *r, char *err, size_t errlen)
{
	const struct options *o = r->opts;
	char path[4200];

	if (o->live_dir != NULL) {
		if (tp_live_dir_read(o->live_dir, &r->live, err, errlen) < 0)
			return -1;
		r->have_live = true;
	}
	if ((r->client = tp_client_new(o->endpoint.rootcert)) == NULL)
		return opt_error(err, errlen, "out of memory%s", "");
	/* Live, each port says what is wrong with -r, as any failure to probe. */
	if (o->endpoint.host != NULL)
		return probe_ports(r, err, errlen);
	if (tp_client_error(r->client) != NULL)
		return opt_error(err, errlen, "%s", tp_client_error(r->client));
	if (o->file != NULL)
		return read_file_source(r, o->file, err, errlen);
	snprintf(path, sizeof(path), "%s/fullchain.pem", r->live.path);
	return read_file_source(r, path, err, errlen);
}

/*
 * --state-file: each port's leaf against the one remembered for the host,
 * port, SNI and address; the file is written once, after every port.
 */
static void
check_history(struct check *c, struct run *r)
{
	const struct options *o = r->opts;
	char key[600];
	struct statefile *sf = cert_history_open(c, &o->history);

	if (sf == NULL)
		return;
	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];

		if (s->probe == NULL || tp_chain_count(s->sent) == 0)
			continue;
		snprintf(key, sizeof(key), "%s:%s sni=%s address=%s%s%s", o->endpoint.host,
		    s->label, o->endpoint.sni ? o->endpoint.sni : "", tp_probe_peer(s->probe),
		    s->key_type == TP_KEY_ANY ? "" : " key=", s->key_type == TP_KEY_ANY ? "" :
		    key_type_slug(s->key_type));
		cert_history_check(c, sf, &o->history, key, tp_chain_cert(s->sent, 0), r->now,
		    r->count > 1 ? r->where[i] : "");
	}
	cert_history_close(c, sf);
}

/*
 * What source I's lines start with when there are several: its port
 * ("587/submission: "), its key type ("RSA certificate: "), or both.
 */
static void
set_where(struct run *r, size_t i)
{
	const struct source *s = &r->sources[i];

	if (s->key_type == TP_KEY_ANY)
		snprintf(r->where[i], sizeof(r->where[i]), "%s: ", s->label);
	else if (r->opts->port_count > 1 || r->opts->all_addresses)
		snprintf(r->where[i], sizeof(r->where[i]), "%s, %s certificate: ", s->label,
		    tp_key_type_name(s->key_type));
	else
		snprintf(r->where[i], sizeof(r->where[i]), "%s certificate: ",
		    tp_key_type_name(s->key_type));
}

static void
judge(struct check *c, struct run *r)
{
	const struct options *o = r->opts;
	char path[4200];

	size_t absent = 0;

	for (size_t i = 0; i < r->count; i++) {
		const struct source *s = &r->sources[i];
		const char *w = "";	/* the group names the source */
		size_t groups, mark;

		set_where(r, i);
		if (s->outcome != KEY_TYPE_ASKED) {
			char port[112] = "";

			if (o->port_count > 1 || o->all_addresses)
				snprintf(port, sizeof(port), "%s: ", s->label);
			key_type_not_served(c, &o->key_types, s->key_type, s->outcome, port);
			absent++;
			continue;
		}
		groups = open_groups(c, r, s, true, false);
		mark = check_mark(c);
		if (s->probe != NULL && tp_probe_failure(s->probe) != TP_FAIL_NONE)
			check_add(c, (enum check_state)endpoint_failure_state(s->probe,
			    o->common.timeout_state), "%s%s", w, tp_probe_error(s->probe));
		else if (!key_type_mismatch(c, s->key_type, leaf(s), w))
			for (size_t k = 0; k < sizeof(chain_checks) / sizeof(chain_checks[0]); k++)
				chain_checks[k](c, r, s, w);
		r->sources[i].own_state = check_state_since(c, mark, &r->sources[i].own_text);
		close_groups(c, groups);
	}
	if (o->key_types.all && absent == r->count && r->count > 0)
		check_add(c, STATE_CRITICAL, "the server has neither an RSA nor an ECDSA "
		    "certificate");
	check_ports_agree(c, r);
	if (o->compare_file != NULL)
		compare_with_disk(c, r, o->compare_file);
	if (r->have_live) {
		check_live_dir(c, r);
		check_fullchain_parts(c, r);
		if (o->endpoint.host != NULL) {
			snprintf(path, sizeof(path), "%s/cert.pem", r->live.path);
			compare_with_disk(c, r, path);
		} else {
			snprintf(path, sizeof(path), "%s/privkey.pem", r->live.path);
			check_key(c, r, path);
		}
	}
	if (o->key != NULL)
		check_key(c, r, o->key);
	if (o->history.state_file != NULL && o->endpoint.host != NULL)
		check_history(c, r);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run r = { .opts = &o, .now = time(NULL) };
	char err[512];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_cert_chain", PREFIX, print_help, err);
	plugin_start(&o.common, PREFIX);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	r.deadline_ms = tp_monotonic_ms() + (int64_t)(o.common.timeout_seconds * 1000);
	if (o.endpoint.host != NULL) {
		/*
		 * "ports" tells apart two checks of one host (-p 465 and -p 993),
		 * whose state series would otherwise collide in Prometheus.
		 */
		char ports[160] = "";
		size_t len = 0;

		for (size_t i = 0; i < o.port_count && len < sizeof(ports); i++)
			len += (size_t)snprintf(ports + len, sizeof(ports) - len, "%s%u/%s",
			    i ? "," : "", o.ports[i].port, tp_protocol_name(o.ports[i].proto));
		check_group(c, (const struct check_label[]){ { "host", o.endpoint.host },
		    { "ports", ports[0] ? ports : NULL },
		    { "sni", o.endpoint.sni ? o.endpoint.sni : o.endpoint.host }, { NULL, NULL } }, 0);
	}
	if (gather(&r, err, sizeof(err)) < 0) {
		check_add(c, STATE_CRITICAL, "%s", err);
	} else {
		if (r.addrs.more > 0)
			check_add(c, STATE_WARNING, "%s has %zu more addresses than the %d probed "
			    "(the first in numeric order): check the others by address, or split "
			    "the check with -4 and -6", o.endpoint.host, r.addrs.more,
			    TP_ADDRESSES_MAX);
		if (o.ari.enabled)
			look_up_renewal_windows(&r);
		judge(c, &r);
		if (o.ari.enabled)
			save_renewal_windows(c, &r);
	}
	summarize(c, &r);
	add_output(c, &r);
	if (o.endpoint.host != NULL)
		check_group_end(c);
	rc = check_finish(c, o.common.output, stdout);
	check_free(c);
	free_run(&r);
	return rc;
}
