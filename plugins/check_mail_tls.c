/*
 * check_mail_tls - is TLS on one mail service endpoint what a strict client
 * expects? Connects (STARTTLS or implicit TLS), verifies the chain and the
 * name, and holds every certificate of the chain to the day thresholds.
 *
 * Flow: options -> probe -> facts -> the table of checks -> one exit.
 */
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>


#include "addresses.h"
#include "cert_checks.h"
#include "ari.h"
#include "cert_history.h"
#include "check.h"
#include "dane_checks.h"
#include "endpoint_opts.h"
#include "key_type_opts.h"
#include "mx.h"
#include "mx_probe.h"
#include "plugin_opts.h"
#include "tlsprobe.h"

#define PREFIX "MAIL_TLS"
#define MATCH_MAX 16
/* Probes in flight at once (--mx: TP_MX_PROBES_WINDOW). */
#define WINDOW_MAX 32

struct options {
	struct common_opts common;
	struct endpoint_opts endpoint;
	const char *match[MATCH_MAX];
	char match_buf[MATCH_MAX][256];
	size_t match_count;
	const char *issuer_text;
	regex_t issuer;
	struct expiry_policy expiry;
	enum tp_tls_version min_tls;
	char fingerprint[65];
	const char *cert_file;
	struct tp_chain *cert_chain;	/* --cert-file, read before connecting */
	bool dane;
	const char *resolver;
	const char *trust_anchor;
	struct cert_history_opts history;	/* --state-file, --change-hold */
	struct ari_opts ari;			/* --ari, --ari-url, --cache-dir */
	struct key_type_opts key_types;		/* --key-types */
	bool all_addresses;			/* --all-addresses */
	const char *mx;				/* --mx=DOMAIN */
	bool list_mx;				/* --list-mx */
	char mx_buf[256];
};

/* Everything the checks look at, read once from the probe (one per key type). */
struct facts {
	const struct options *opts;
	struct tp_probe *probe;
	const struct tp_chain *sent;		/* as the server sent it */
	const struct tp_chain *held;		/* verified chain, else the sent one */
	const struct tp_cert *leaf;
	time_t now;
	char endpoint[300];
	const struct dane_lookup *dane;		/* --dane: the DNS side */
	bool dane_verified;			/* DANE authenticated the server */
	int64_t deadline_ms;			/* -t, for what is fetched after the probe */
	const struct tp_trust *trust;		/* -r, decoded once by the client */
	struct ari_answer ari;			/* --ari: the CA's renewal window */
	enum tp_key_type key_type;		/* TP_KEY_ANY without --key-types */
	enum key_type_outcome outcome;		/* ... and whether the server has one */
	const char *address;			/* --all-addresses, --mx: the one probed, else NULL */
	const char *name;			/* --mx: the MX host, to match and send as SNI */
	char at[320];				/* "192.0.2.7: ", "MX mx1.example.com 192.0.2.7: " */
	char where[340];			/* AT, then "RSA certificate: ", or "" */
	char suffix[340];			/* "_rsa", "_192.0.2.7" for perfdata labels, or "" */
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_MIN_TLS = 0x2000, OPT_FINGERPRINT, OPT_CERT_FILE, OPT_DANE, OPT_RESOLVER,
	OPT_TRUST_ANCHOR, OPT_STATE_FILE, OPT_CHANGE_HOLD, OPT_KEY_TYPES, OPT_ALL_ADDRESSES,
	OPT_MX, OPT_LIST_MX,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	ENDPOINT_LONG_OPTS,
	{ "match", required_argument, NULL, 'm' },
	{ "issuer", required_argument, NULL, 'i' },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "min-tls", required_argument, NULL, OPT_MIN_TLS },
	{ "fingerprint", required_argument, NULL, OPT_FINGERPRINT },
	{ "cert-file", required_argument, NULL, OPT_CERT_FILE },
	{ "dane", no_argument, NULL, OPT_DANE },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	{ "state-file", required_argument, NULL, OPT_STATE_FILE },
	{ "change-hold", required_argument, NULL, OPT_CHANGE_HOLD },
	{ "key-types", required_argument, NULL, OPT_KEY_TYPES },
	{ "all-addresses", no_argument, NULL, OPT_ALL_ADDRESSES },
	{ "mx", required_argument, NULL, OPT_MX },
	{ "list-mx", no_argument, NULL, OPT_LIST_MX },
	ARI_LONG_OPTS,
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_mail_tls %s - check TLS on one mail service endpoint\n\n", PACKAGE_VERSION);
	printf("Connects to a mail service, starts TLS the way the protocol does it\n"
	    "(STARTTLS or implicit TLS), verifies the chain and the name as a strict\n"
	    "client would, and holds every certificate of the chain to day thresholds.\n\n");
	printf("Usage: check_mail_tls -H HOST [-p PORT] [-P PROTOCOL] [options]\n\n");
	printf("Options:\n");
	endpoint_opts_help(stdout);
	printf(" -m, --match=NAME        a name the certificate must cover (repeatable;\n"
	    "                         default: -H, or --sni when -H is an address)\n"
	    " -i, --issuer=REGEX      the leaf's issuer DN must match this extended regex\n"
	    EXPIRY_HELP
	    "     --min-tls=1.2|1.3   critical when the server negotiates less\n"
	    "     --fingerprint=SHA256  the leaf's SHA-256 fingerprint (hex, ':' allowed)\n"
	    "     --cert-file=FILE    the certificate the service should serve (e.g. the\n"
	    "                         renewed fullchain.pem); critical when it serves another\n"
	    KEY_TYPES_HELP
	    "     --all-addresses     probe every IPv4 and IPv6 address of -H at once (through\n"
	    "                         --resolver when given), judge each and name those\n"
	    "                         serving an older certificate or unreachable (CRITICAL);\n"
	    "                         -4 leaves IPv6 out, -6 IPv4; an address as -H is that\n"
	    "                         one address\n"
	    "     --mx=DOMAIN         instead of -H: every MX of DOMAIN as a sending MTA\n"
	    "                         sees it, by preference (no MX: DOMAIN itself), each\n"
	    "                         with all its addresses, port 25 STARTTLS, the\n"
	    "                         certificate matched against the MX name (and DANE\n"
	    "                         per MX with --dane); a null MX is CRITICAL\n"
	    "     --list-mx           with --mx: print the MX hosts of DOMAIN, one a line\n"
	    "                         (preference and name; no MX: 0 and DOMAIN; a null\n"
	    "                         MX: none), and check nothing (Zabbix discovery)\n"
	    "     --dane              DANE (RFC 7672): look up TLSA at _PORT._tcp.HOST and\n"
	    "                         the address of HOST with DNSSEC, verify the handshake\n"
	    "                         against the records; critical without a secure match,\n"
	    "                         warning for a rollover hazard (one record, or only\n"
	    "                         the current leaf key pinned)\n"
	    "     --resolver=ADDR[@PORT]  DNS resolver for --dane and --all-addresses (an IP\n"
	    "                         address; default: those of /etc/resolv.conf, and the\n"
	    "                         system's lookup for --all-addresses without --dane);\n"
	    "                         answers are validated here, bogus ones refused\n"
	    "     --trust-anchor=FILE DNSSEC trust anchor, DS or DNSKEY records (default:\n"
	    "                         /usr/share/dns/root.key from dns-root-data)\n"
	    CERT_HISTORY_HELP
	    ARI_HELP);
	common_opts_help(stdout);
	printf("\nStates: CRITICAL for a broken service (no connection, no STARTTLS, chain\n"
	    "or name does not verify, expired, self-signed or proxy default certificate,\n"
	    "issuer/fingerprint/served-file mismatch, TLS below --min-tls, an older\n"
	    "certificate than --state-file saw); WARNING for time left below -w, SHA-1\n"
	    "signatures, RSA keys below 2048 bits, another CA or names dropped since the\n"
	    "last check (--state-file), the CA's renewal window ended or pulled forward\n"
	    "(--ari); UNKNOWN only for usage and internal errors.\n\n");
	printf("Examples:\n"
	    "  check_mail_tls -H mail.example.com -P submission -w 30 -c 15 -i \"Let's Encrypt\"\n"
	    "  check_mail_tls -H 192.0.2.10 -p 993 --sni mail.example.com\n"
	    "  check_mail_tls -H mx.example.com -p 10465 -P submissions --proxy-protocol v2\n"
	    "  check_mail_tls -H mx1.example.com -P smtp --dane\n"
	    "  check_mail_tls -H mail.example.com -P imaps --key-types rsa,ecdsa\n"
	    "  check_mail_tls -H mail.example.com -P submission --all-addresses -4\n"
	    "  check_mail_tls --mx example.com --resolver 127.0.0.53\n"
	    "  check_mail_tls -H mail.example.com -P imap \\\n"
	    "      --cert-file /etc/letsencrypt/live/mail.example.com/fullchain.pem\n");
}

static int
parse_fingerprint(const char *text, char out[65])
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (n == 64 || strchr("0123456789abcdefABCDEF", *p) == NULL)
			return -1;
		out[n++] = (char)(*p | 0x20);	/* lower case */
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;
	switch (opt) {
	case 'm':
		if (o->match_count == MATCH_MAX)
			return opt_error(err, errlen, "-m/--match: too many names (at most 16), at '%s'", arg);
		if (host_name_option("-m/--match", arg, o->match_buf[o->match_count],
		    sizeof(o->match_buf[0]), err, errlen) < 0)
			return -1;
		o->match[o->match_count] = o->match_buf[o->match_count];
		o->match_count++;
		return 0;
	case 'i':
		if (regcomp(&o->issuer, arg, REG_EXTENDED | REG_NOSUB) != 0)
			return opt_error(err, errlen, "-i/--issuer: '%s' is not a valid extended regular expression", arg);
		o->issuer_text = arg;
		return 0;
	case 'w':
	case 'c':
		return expiry_option(&o->expiry, opt, arg, err, errlen);
	case OPT_MIN_TLS:
		if (strcmp(arg, "1.2") == 0)
			o->min_tls = TP_TLS_1_2;
		else if (strcmp(arg, "1.3") == 0)
			o->min_tls = TP_TLS_1_3;
		else
			return opt_error(err, errlen, "--min-tls: '%s' is not a TLS version this check enforces; use 1.2 or 1.3", arg);
		return 0;
	case OPT_FINGERPRINT:
		if (parse_fingerprint(arg, o->fingerprint) < 0)
			return opt_error(err, errlen, "--fingerprint: '%s' is not a SHA-256 fingerprint (64 hex digits, ':' allowed)", arg);
		return 0;
	case OPT_CERT_FILE:
		return opt_readable("--cert-file", arg, &o->cert_file, err, errlen);
	case OPT_DANE:
		o->dane = true;
		return 0;
	case OPT_RESOLVER:
		return opt_resolver(arg, &o->resolver, err, errlen);
	case OPT_STATE_FILE:
		return cert_history_file_option(&o->history, arg, err, errlen);
	case OPT_CHANGE_HOLD:
		return cert_history_hold_option(&o->history, arg, err, errlen);
	case OPT_TRUST_ANCHOR:
		return opt_readable("--trust-anchor", arg, &o->trust_anchor, err, errlen);
	case OPT_KEY_TYPES:
		return key_type_opts_parse(&o->key_types, arg, err, errlen);
	case OPT_ALL_ADDRESSES:
		o->all_addresses = true;
		return 0;
	case OPT_MX:
		if (host_name_option("--mx", arg, o->mx_buf, sizeof(o->mx_buf), err, errlen) < 0)
			return -1;
		if (is_ip_address(o->mx_buf))
			return opt_error(err, errlen, "--mx: '%s' is an address; give the mail "
			    "domain whose MX records to check (example.com)", arg);
		o->mx = o->mx_buf;
		return 0;
	case OPT_LIST_MX:
		o->list_mx = true;
		return 0;
	default: {
		int rc = ari_option(&o->ari, opt, arg, err, errlen);

		if (rc != 1)
			return rc;	/* one of --ari's */
		snprintf(err, errlen, "unknown option; see check_mail_tls --help");
		return -1;
	}
	}
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS ENDPOINT_SHORT_OPTS "m:i:w:c:", long_options,
		&o->common, &o->endpoint, handle_option, o,
	};
	int rc;

	cert_history_opts_init(&o->history);
	ari_opts_init(&o->ari);
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	if (rc != 0)
		return rc;
	o->history.dane = o->dane;
	if (ari_opts_complete(&o->ari, err, errlen) < 0)
		return -1;
	if (o->list_mx && o->mx == NULL) {
		snprintf(err, errlen, "--list-mx lists the MX hosts of --mx: give --mx=DOMAIN");
		return -1;
	}
	if (o->mx != NULL && (o->endpoint.host != NULL || o->endpoint.sni != NULL ||
	    o->match_count > 0)) {
		snprintf(err, errlen, "--mx: '%s' finds the hosts and the names to match; "
		    "leave out -H, --sni and -m", o->mx);
		return -1;
	}
	if (o->mx != NULL) {
		o->endpoint.host = o->mx;
		/* what a sending MTA speaks, also on another port (-p) */
		if (!o->endpoint.proto_given) {
			o->endpoint.proto = TP_PROTO_SMTP;
			o->endpoint.proto_given = o->endpoint.port != 0;
		}
	}
	if (endpoint_opts_complete(&o->endpoint, err, errlen) < 0)
		return -1;
	if ((o->resolver || o->trust_anchor) && !o->dane && !o->all_addresses && !o->mx) {
		snprintf(err, errlen, "--resolver and --trust-anchor are for --dane and "
		    "--all-addresses");
		return -1;
	}
	if (o->dane && is_ip_address(o->endpoint.host)) {
		snprintf(err, errlen, "--dane needs -H to be the mail host's name (the "
		    "TLSA records are at _PORT._tcp.NAME), not '%s'", o->endpoint.host);
		return -1;
	}
	if (o->fingerprint[0] != '\0' && o->key_types.count > 1) {
		snprintf(err, errlen, "--fingerprint names one certificate: give --key-types "
		    "one type with it (rsa or ecdsa), not '%s'", o->key_types.text);
		return -1;
	}
	if (expiry_policy_complete(&o->expiry, err, errlen) < 0)
		return -1;
	/* Read now, as -r is: a wrong file is said before the server is asked. */
	if (o->cert_file != NULL) {
		char why[400];

		o->cert_chain = tp_chain_load_file(o->cert_file, why, sizeof(why));
		if (o->cert_chain == NULL)
			return opt_error(err, errlen, "--cert-file: %s", why);
	}
	return 0;
}

static void
check_verification(struct check *c, const struct facts *f)
{
	if (f->dane_verified && !tp_probe_verified(f->probe))
		check_add(c, STATE_OK, "chain does not verify against the trust store, "
		    "which DANE makes unneeded: %s", tp_probe_verify_error(f->probe));
	else if (tp_probe_verified(f->probe))
		check_add(c, STATE_OK, "chain verifies (%zu certificates sent, %zu in the verified chain)",
		    tp_chain_count(f->sent), tp_chain_count(f->held));
	else
		check_add(c, STATE_CRITICAL, "chain does not verify: %s",
		    tp_probe_verify_error(f->probe));
}

static void
check_names(struct check *c, const struct facts *f)
{
	const struct options *o = f->opts;
	const char *fallback = f->name ? f->name : endpoint_opts_server_name(&o->endpoint);
	const char *const *names = o->match_count ? o->match : &fallback;
	size_t count = o->match_count ? o->match_count : (fallback ? 1 : 0);

	for (size_t i = 0; i < count; i++) {
		if (tp_cert_matches_name(f->leaf, names[i]))
			check_add(c, STATE_OK, "certificate covers %s", names[i]);
		else if (f->dane_verified)
			check_add(c, STATE_OK, "certificate '%s' does not cover %s, which DANE "
			    "makes unneeded (DANE-EE binds the key)", cert_label(f->leaf), names[i]);
		else
			check_add(c, STATE_CRITICAL, "name mismatch: certificate '%s' does not "
			    "cover %s (it is for %s%s)", cert_label(f->leaf), names[i],
			    tp_cert_san_count(f->leaf) ? tp_cert_san(f->leaf, 0) : cert_label(f->leaf),
			    tp_cert_san_count(f->leaf) > 1 ? " and others" : "");
	}
}

static void
check_not_a_placeholder(struct check *c, const struct facts *f)
{
	const char *placeholder = cert_proxy_default(f->leaf);

	if (placeholder != NULL) {
		check_add(c, STATE_CRITICAL, "the server presents a proxy's default "
		    "certificate '%s': the proxy in front has no certificate for this "
		    "name (an ACME renewal that never arrived?)", placeholder);
		return;
	}
	if (tp_cert_is_self_signed(f->leaf) && f->dane_verified)
		check_add(c, STATE_OK, "the certificate '%s' is self-signed, which DANE "
		    "makes fine (DANE-EE pins its key)", cert_label(f->leaf));
	else if (tp_cert_is_self_signed(f->leaf))
		check_add(c, STATE_CRITICAL, "the certificate '%s' is self-signed",
		    cert_label(f->leaf));
}

static void
check_expiry(struct check *c, const struct facts *f)
{
	cert_check_expiry(c, f->held, &f->opts->expiry, f->now, NULL);
}

static void
check_renewal_window(struct check *c, const struct facts *f)
{
	if (f->opts->ari.enabled)
		ari_judge(c, &f->ari, f->leaf, f->now, NULL);
}

static void
check_issuer(struct check *c, const struct facts *f)
{
	const char *issuer = tp_cert_issuer(f->leaf);

	if (f->opts->issuer_text == NULL)
		return;
	if (regexec(&f->opts->issuer, issuer, 0, NULL, 0) == 0)
		check_add(c, STATE_OK, "issuer '%s' matches '%s'", issuer, f->opts->issuer_text);
	else
		check_add(c, STATE_CRITICAL, "issuer '%s' does not match '%s' (did the CA "
		    "change?)", issuer, f->opts->issuer_text);
}

static void
check_fingerprint(struct check *c, const struct facts *f)
{
	if (f->opts->fingerprint[0] == '\0')
		return;
	if (strcmp(f->opts->fingerprint, tp_cert_sha256(f->leaf)) == 0)
		check_add(c, STATE_OK, "SHA-256 fingerprint matches");
	else
		check_add(c, STATE_CRITICAL, "SHA-256 fingerprint is %s, not the expected %s",
		    tp_cert_sha256(f->leaf), f->opts->fingerprint);
}

static void
check_tls_version(struct check *c, const struct facts *f)
{
	if (f->opts->min_tls == TP_TLS_ANY)
		return;
	if (tp_probe_tls_version_number(f->probe) < f->opts->min_tls)
		check_add(c, STATE_CRITICAL, "the server negotiated %s, below the required TLSv%s",
		    tp_probe_tls_version(f->probe), f->opts->min_tls == TP_TLS_1_3 ? "1.3" : "1.2");
	else
		check_add(c, STATE_OK, "%s meets --min-tls", tp_probe_tls_version(f->probe));
}

static void
check_strength(struct check *c, const struct facts *f)
{
	cert_check_strength(c, f->held, NULL);
}

static void
check_served_file(struct check *c, const struct facts *f)
{
	char served[16], on_disk[16];
	const struct tp_cert *want;

	if (f->opts->cert_chain == NULL)
		return;
	want = tp_chain_cert(f->opts->cert_chain, 0);
	if (!tp_key_type_of_cert(f->key_type, want))
		return;		/* --key-types: the file is the other type's */
	cert_format_day(tp_cert_not_after(f->leaf), served, sizeof(served));
	cert_format_day(tp_cert_not_after(want), on_disk, sizeof(on_disk));
	if (strcmp(tp_cert_sha256(want), tp_cert_sha256(f->leaf)) == 0)
		check_add(c, STATE_OK, "serves the certificate in %s", f->opts->cert_file);
	else
		check_add(c, STATE_CRITICAL, "reload the service: it serves a "
		    "certificate expiring %s, not the one in %s (expiring %s)",
		    served, f->opts->cert_file, on_disk);
}

static void
check_ocsp(struct check *c, const struct facts *f)
{
	enum tp_ocsp_status st = tp_probe_ocsp_status(f->probe);

	if (st == TP_OCSP_REVOKED)
		check_add(c, STATE_CRITICAL, "the stapled OCSP response says the certificate is REVOKED");
	else if (st == TP_OCSP_GOOD)
		check_add(c, STATE_OK, "stapled OCSP response: good");
	else if (st == TP_OCSP_INVALID)
		check_add(c, STATE_WARNING, "the stapled OCSP response is invalid or stale");
}

/*
 * The table of checks, in the order their lines appear; line one names the
 * first problems, so the most telling diagnosis comes first (a proxy's
 * placeholder explains both an untrusted chain and a wrong name).
 */
static void (*const checks[])(struct check *, const struct facts *) = {
	check_not_a_placeholder,
	check_verification,
	check_names,
	check_expiry,
	check_renewal_window,
	check_issuer,
	check_fingerprint,
	check_tls_version,
	check_strength,
	check_served_file,
	check_ocsp,
};

/* ------------------------------------------------------------------------ */
/* output                                                                    */
/* ------------------------------------------------------------------------ */

static void
add_facts(struct check *c, const struct facts *f)
{
	check_fact_str(c, "peer", tp_probe_peer(f->probe));
	check_fact_str(c, "tls_version", tp_probe_tls_version(f->probe));
	check_fact_str(c, "cipher", tp_probe_cipher(f->probe));
	check_fact_bool(c, "verified", tp_probe_verified(f->probe));
	if (!tp_probe_verified(f->probe))
		check_fact_str(c, "verify_error", tp_probe_verify_error(f->probe));
	check_fact_str(c, "ocsp", tp_ocsp_status_name(tp_probe_ocsp_status(f->probe)));
	cert_chain_facts(c, "chain", f->sent, &f->opts->expiry, f->now);
	if (f->opts->ari.enabled) {
		check_fact_list(c, "ari");
		ari_facts(c, &f->ari);
		check_fact_end(c);
	}
}

/* LABEL with the key type's suffix ("days_left_rsa") into OUT. */
static const char *
label(char *out, size_t size, const char *base, const struct facts *f)
{
	snprintf(out, size, "%s%s", base, f->suffix);
	return out;
}

static void
add_perfdata(struct check *c, const struct facts *f)
{
	const struct tp_cert *soonest = expiry_soonest(f->held, NULL);
	char days[400], left[400], chain[400];

	expiry_perfdata(c, label(days, sizeof(days), "days_left", f),
	    label(left, sizeof(left), "time_left", f), &f->opts->expiry, f->leaf, f->now);
	if (soonest != NULL)
		expiry_perfdata(c, label(chain, sizeof(chain), "days_left_chain", f), NULL,
		    &f->opts->expiry, soonest, f->now);
}

static void
add_timings(struct check *c, const struct facts *f)
{
	const double zero = 0;
	char name[400];

	check_perf(c, label(name, sizeof(name), "time_connect", f),
	    tp_probe_time_connect(f->probe), "s", NULL, &zero, NULL);
	check_perf(c, label(name, sizeof(name), "time_tls", f), tp_probe_time_tls(f->probe),
	    "s", NULL, &zero, NULL);
	check_perf(c, label(name, sizeof(name), "time", f), tp_probe_time_total(f->probe),
	    "s", NULL, &zero, NULL);
}

static void
summarize_ok(struct check *c, const struct facts *f)
{
	const char *org = tp_cert_issuer_org(f->leaf);
	char left[32];

	expiry_format_left(cert_seconds_left(f->leaf, f->now), left, sizeof(left));
	check_summary(c, "%s %s, cert %s from %s%s%s%s, expires in %s", f->endpoint,
	    tp_probe_tls_version(f->probe), cert_label(f->leaf), tp_cert_issuer_cn(f->leaf),
	    org[0] ? " (" : "", org, org[0] ? ")" : "", left);
}

/* The certificate of F was served and judged (not merely asked for). */
static bool
served(const struct facts *f)
{
	return f->probe != NULL && tp_probe_failure(f->probe) == TP_FAIL_NONE && f->leaf != NULL;
}

/*
 * --key-types, all well: "HOST:PORT (smtp) TLSv1.3: RSA certificate NAME
 * expires in 119 days, ECDSA certificate NAME expires in 89 days, from CA",
 * and the types a server without them was asked for under "all".
 */
static void
summarize_key_types_ok(struct check *c, const struct facts *f, size_t n)
{
	char text[600] = "", missing[64] = "", left[32];
	const struct facts *first = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!served(&f[i]) && f[i].outcome != KEY_TYPE_ASKED)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			    missing[0] ? " or " : "", tp_key_type_name(f[i].key_type));
		if (!served(&f[i]))
			continue;
		if (first == NULL)
			first = &f[i];
		expiry_format_left(cert_seconds_left(f[i].leaf, f[i].now), left, sizeof(left));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s certificate %s "
		    "expires in %s", len ? ", " : "", tp_key_type_name(f[i].key_type),
		    cert_label(f[i].leaf), left);
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
	}
	if (first == NULL)
		return;
	check_summary(c, "%s %s: %s, from %s%s%s%s", first->endpoint,
	    tp_probe_tls_version(first->probe), text, tp_cert_issuer_cn(first->leaf),
	    missing[0] ? "; no " : "", missing, missing[0] ? " certificate served" : "");
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

static void
probe_failed(struct check *c, const struct facts *f)
{
	enum check_state st = (enum check_state)endpoint_failure_state(f->probe,
	    f->opts->common.timeout_state);

	check_add(c, st, "%s", tp_probe_error(f->probe));
	if (f->where[0] == '\0')
		check_summary(c, "%s: %s", f->endpoint, tp_probe_error(f->probe));
	if (tp_probe_greeting(f->probe)[0] != '\0')
		check_detail(c, "%sgreeting: %s", f->where, tp_probe_greeting(f->probe));
}

/*
 * --state-file: the served leaf against the one remembered for this host,
 * port, SNI, address (and key type, with --key-types); the file is written
 * after every check is judged.
 */
static void
record_history(struct check *c, const struct facts *f)
{
	const struct endpoint_opts *e = &f->opts->endpoint;
	char key[600];
	struct statefile *sf = cert_history_open(c, &f->opts->history);

	if (sf == NULL)
		return;
	snprintf(key, sizeof(key), "%s:%d/%s sni=%s address=%s%s%s", f->name ? f->name : e->host,
	    e->port, tp_protocol_name(e->proto), f->name ? f->name : e->sni ? e->sni : "",
	    tp_probe_peer(f->probe),
	    f->key_type == TP_KEY_ANY ? "" : " key=", f->key_type == TP_KEY_ANY ? "" :
	    key_type_slug(f->key_type));
	cert_history_check(c, sf, &f->opts->history, key, f->leaf, f->now, NULL);
	cert_history_close(c, sf);
}

/* The table of checks, DANE and the history for one served certificate. */
static void
judge_served(struct check *c, struct facts *f)
{
	f->sent = tp_probe_peer_chain(f->probe);
	f->held = tp_chain_count(tp_probe_verified_chain(f->probe)) ?
	    tp_probe_verified_chain(f->probe) : f->sent;
	f->leaf = tp_chain_cert(f->sent, 0);
	if (f->leaf == NULL) {
		check_add(c, STATE_CRITICAL, "the server sent no certificate");
		return;
	}
	if (key_type_mismatch(c, f->key_type, f->leaf, ""))
		return;
	if (f->opts->ari.enabled)
		ari_lookup(&f->opts->ari, f->trust, f->leaf, f->now, f->deadline_ms, &f->ari);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i](c, f);
	if (f->dane != NULL)
		dane_judge(c, f->dane, f->probe, f->sent);
	if (f->opts->history.state_file != NULL)
		record_history(c, f);
	if (f->opts->ari.enabled)
		ari_save(c, &f->opts->ari, &f->ari, f->leaf, f->now);
}

/* The long output, perfdata and facts of one served certificate. */
static void
output_served(struct check *c, const struct facts *f)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "%s%s%s%ssent", f->address ? f->address : "",
	    f->address ? " " : "", f->key_type == TP_KEY_ANY ? "" :
	    tp_key_type_name(f->key_type), f->key_type == TP_KEY_ANY ? "" : " ");
	/*
	 * Labels for OpenMetrics and JSON: where this certificate was served.
	 * Unnamed and not for perfdata: the lines and labels of the Nagios
	 * output are built from f->where and f->suffix.
	 */
	check_group(c, (const struct check_label[]){
	    { "mx", f->name }, { NULL, NULL } }, 0);
	check_group(c, (const struct check_label[]){
	    { "key_type", f->key_type == TP_KEY_ANY ? NULL : key_type_slug(f->key_type) },
	    { "address", f->address },	/* --all-addresses, --mx: stable, no port */
	    { NULL, NULL } }, 0);
	cert_chain_details(c, f->sent, f->now, prefix);
	add_perfdata(c, f);
	add_facts(c, f);
	check_group_end(c);
	check_group_end(c);
}

/* -v: what happened, on stderr, for a human running the check by hand. */
static void
report_verbose(const struct options *o, const struct facts *f)
{
	const struct tp_probe *probe = f->probe;
	const struct tp_chain *sent = tp_probe_peer_chain(probe);

	if (f->key_type != TP_KEY_ANY)
		check_verbose(&o->common, 1, "asking for the %s certificate:",
		    tp_key_type_name(f->key_type));
	check_verbose(&o->common, 1, "connected to %s in %.3f s", tp_probe_peer(probe),
	    tp_probe_time_connect(probe));
	if (tp_probe_greeting(probe)[0] != '\0')
		check_verbose(&o->common, 1, "greeting: %s", tp_probe_greeting(probe));
	if (tp_probe_failure(probe) != TP_FAIL_NONE) {
		check_verbose(&o->common, 1, "stopped in the %s phase",
		    tp_probe_phase_name(tp_probe_phase(probe)));
		return;
	}
	check_verbose(&o->common, 1, "%s, %s, handshake %.3f s", tp_probe_tls_version(probe),
	    tp_probe_cipher(probe), tp_probe_time_tls(probe));
	check_verbose(&o->common, 1, "verification: %s", tp_probe_verified(probe) ?
	    "ok" : tp_probe_verify_error(probe));
	for (size_t i = 0; i < tp_chain_count(sent); i++) {
		const struct tp_cert *cert = tp_chain_cert(sent, i);

		check_verbose(&o->common, 2, "sent[%zu] subject %s", i, tp_cert_subject(cert));
		check_verbose(&o->common, 2, "        issuer  %s", tp_cert_issuer(cert));
		for (size_t n = 0; n < tp_cert_san_count(cert); n++)
			check_verbose(&o->common, 2, "        SAN     %s", tp_cert_san(cert, n));
		check_verbose(&o->common, 2, "        sha256  %s", tp_cert_sha256(cert));
	}
}

/* One probe, as before --key-types: the server's choice of certificate. */
static void
evaluate_one(struct check *c, struct facts *f, const struct dane_lookup *dane)
{
	if (tp_probe_failure(f->probe) != TP_FAIL_NONE) {
		probe_failed(c, f);
		if (dane != NULL)
			dane_judge(c, dane, f->probe, NULL);
		return;
	}
	f->dane = dane;
	f->dane_verified = dane != NULL && tp_probe_dane_result(f->probe) == TP_DANE_VERIFIED;
	judge_served(c, f);
	if (f->leaf == NULL)
		return;
	if (check_state(c) == STATE_OK)
		summarize_ok(c, f);
	else
		check_summary_prefix(c, "%s", f->endpoint);
	output_served(c, f);
}

/*
 * --key-types: one probe per type of one endpoint (F[0..N-1]), each
 * certificate judged in full, its lines prefixed with its type; a type the
 * server has none of is said once (CRITICAL when named, a note under "all").
 * ADDRESS_WHERE ("192.0.2.7: " or "") goes before the endpoint's own lines.
 */
static void
judge_key_types_lines(struct check *c, struct facts *f, size_t n, const struct dane_lookup *dane,
    const char *address_where)
{
	const struct key_type_opts *k = &f[0].opts->key_types;
	size_t absent = 0;

	for (size_t i = 0; i < n; i++) {
		if (f[i].outcome != KEY_TYPE_ASKED) {
			key_type_not_served(c, k, f[i].key_type, f[i].outcome, address_where);
			absent++;
			continue;
		}
		check_line_prefix(c, f[i].where);
		if (tp_probe_failure(f[i].probe) != TP_FAIL_NONE) {
			probe_failed(c, &f[i]);
			if (dane != NULL)
				dane_judge(c, dane, f[i].probe, NULL);
		} else {
			f[i].dane = dane;
			f[i].dane_verified = dane != NULL &&
			    tp_probe_dane_result(f[i].probe) == TP_DANE_VERIFIED;
			judge_served(c, &f[i]);
		}
		check_line_prefix(c, NULL);
	}
	if (absent == n && k->all) {
		check_line_prefix(c, address_where);
		check_add(c, STATE_CRITICAL, "the server has neither an RSA nor an ECDSA "
		    "certificate");
		check_line_prefix(c, NULL);
	}
}

/* facts.certificates[] of one endpoint's key types (F[0..N-1]). */
static void
key_types_facts(struct check *c, const struct facts *f, size_t n)
{
	check_fact_list(c, "certificates");
	for (size_t i = 0; i < n; i++) {
		check_fact_item(c);
		check_fact_str(c, "key_type", tp_key_type_name(f[i].key_type));
		check_fact_bool(c, "served", served(&f[i]));
		if (f[i].outcome != KEY_TYPE_ASKED)
			check_fact_str(c, "error", key_type_absent_text(f[i].key_type));
		else if (tp_probe_failure(f[i].probe) != TP_FAIL_NONE)
			check_fact_str(c, "error", tp_probe_error(f[i].probe));
		if (served(&f[i]))
			output_served(c, &f[i]);
		check_fact_end(c);
	}
	check_fact_end(c);
}

static void
evaluate_key_types(struct check *c, struct facts *f, size_t n, const struct dane_lookup *dane)
{
	judge_key_types_lines(c, f, n, dane, "");
	if (check_state(c) == STATE_OK)
		summarize_key_types_ok(c, f, n);
	else
		check_summary_prefix(c, "%s", f[0].endpoint);
	check_fact_str(c, "key_types", f[0].opts->key_types.text);
	key_types_facts(c, f, n);
}

/* --- --all-addresses ------------------------------------------------------ */

/* The leaf F's probe got, before judging, or NULL. */
static const struct tp_cert *
served_leaf(const struct facts *f)
{
	if (f->probe == NULL || f->outcome != KEY_TYPE_ASKED ||
	    tp_probe_failure(f->probe) != TP_FAIL_NONE)
		return NULL;
	return tp_chain_cert(tp_probe_peer_chain(f->probe), 0);
}

/* Nothing answered at F's address: refused, no route, no answer to connect. */
static bool
unreachable(const struct facts *f)
{
	enum tp_failure why = tp_probe_failure(f->probe);

	return tp_probe_phase(f->probe) <= TP_PHASE_CONNECT && (why == TP_FAIL_REFUSED ||
	    why == TP_FAIL_UNREACHABLE || why == TP_FAIL_TIMEOUT || why == TP_FAIL_RESOLVE);
}

struct address_verdict {
	enum check_state state;
	const char *text;		/* its worst line, prefix included, or NULL */
	enum check_state own_state;	/* ... before it was compared with the others */
	const char *own_text;
	bool older;			/* serves an older certificate than another address */
	bool unreachable;
};

/*
 * F (one address, one key type) against the newest certificate of its
 * type among all the addresses (ALL, N of them, NT types each): a
 * different leaf issued earlier is a node not reloaded after a renewal.
 */
/* F's leaf is one a client accepts: its chain verifies (or DANE binds it) and it covers the name. */
static bool
accepted(const struct facts *f)
{
	const char *name = f->name ? f->name : endpoint_opts_server_name(&f->opts->endpoint);
	bool dane = tp_probe_dane_result(f->probe) == TP_DANE_VERIFIED;

	return (tp_probe_verified(f->probe) || dane) &&
	    (name == NULL || dane || tp_cert_matches_name(served_leaf(f), name));
}

static void
check_address_agrees(struct check *c, const struct facts *f, const struct facts *all, size_t n,
    size_t nt, size_t k, struct address_verdict *v)
{
	const struct tp_cert *mine = served_leaf(f), *newest = NULL;
	const struct facts *owner = NULL;
	char old_day[16], new_day[16];

	/*
	 * The newest among the leaves a client accepts: a node that serves a
	 * fresh self-signed or placeholder certificate must not make every
	 * healthy node "older". Only when none verifies are all compared.
	 */
	for (int pass = 0; pass < 2 && newest == NULL; pass++)
		for (size_t a = 0; a < n && mine != NULL; a++) {
			const struct facts *other = &all[a * nt + k];
			const struct tp_cert *l = served_leaf(other);

			if (l == NULL || (pass == 0 && !accepted(other)))
				continue;
			if (newest == NULL || tp_cert_not_before(l) > tp_cert_not_before(newest)) {
				newest = l;
				owner = other;
			}
		}
	if (mine == NULL || newest == NULL || strcmp(tp_cert_sha256(mine), tp_cert_sha256(newest)) == 0)
		return;
	/* Newer than every accepted one, and not accepted: its own lines say why. */
	if (tp_cert_not_before(mine) > tp_cert_not_before(newest))
		return;
	cert_format_day(tp_cert_not_before(mine), old_day, sizeof(old_day));
	cert_format_day(tp_cert_not_before(newest), new_day, sizeof(new_day));
	check_line_prefix(c, f->where);
	if (tp_cert_not_before(mine) < tp_cert_not_before(newest)) {
		check_add(c, STATE_CRITICAL, "serves an older certificate (issued %s) than %s "
		    "(issued %s): reload the service on this address", old_day, owner->address,
		    new_day);
		v->older = true;
	} else {
		check_add(c, STATE_WARNING, "serves another certificate than %s, issued the "
		    "same day (%s): are both nodes meant to differ?", owner->address, old_day);
	}
	check_line_prefix(c, NULL);
}

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

/* "2 of 4 addresses serve an older certificate: A, B" into OUT (appended). */
static void
summary_class(char *out, size_t size, const struct address_verdict *v, const struct facts *f,
    size_t n, size_t nt, enum address_class k)
{
	static const char *const one[] = { "serves an older certificate", "cannot be reached", "fails" };
	static const char *const many[] = { "serve an older certificate", "cannot be reached", "fail" };
	size_t count = 0, len = strlen(out);

	for (size_t a = 0; a < n; a++)
		count += in_class(&v[a], k);
	if (count == 0)
		return;
	if (n == 1)
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "%sits one "
		    "address %s: ", len ? "; " : "", one[k]);
	else
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "%s%zu of %zu "
		    "addresses %s: ", len ? "; " : "", count, n, count == 1 ? one[k] : many[k]);
	for (size_t a = 0, i = 0; a < n; a++) {
		if (!in_class(&v[a], k))
			continue;
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "%s%s",
		    i++ ? ", " : "", f[a * nt].address);
	}
}

/*
 * What is wrong at N addresses (NT probes each) into TEXT: those serving
 * an older certificate, those that cannot be reached, those failing
 * otherwise (when more than one address is wrong), then each address's
 * worst line of its own, worst first. False when all is well.
 */
static bool
address_problems(char *text, size_t size, const struct facts *f, size_t n, size_t nt,
    const struct address_verdict *v)
{
	static const enum check_state order[] = { STATE_CRITICAL, STATE_WARNING, STATE_UNKNOWN };
	size_t wrong = 0;

	text[0] = '\0';
	for (size_t a = 0; a < n; a++)
		wrong += in_class(&v[a], SERVES_OLDER) || in_class(&v[a], UNREACHABLE) ||
		    in_class(&v[a], FAILS_OTHERWISE);
	summary_class(text, size, v, f, n, nt, SERVES_OLDER);
	summary_class(text, size, v, f, n, nt, UNREACHABLE);
	/* several addresses wrong: each named before any one's details */
	if (wrong > 1)
		summary_class(text, size, v, f, n, nt, FAILS_OTHERWISE);
	for (size_t s = 0; s < sizeof(order) / sizeof(order[0]); s++)
		for (size_t a = 0; a < n; a++) {
			size_t len = strlen(text);

			/* an older certificate may be expired too: say that as well */
			if (v[a].unreachable || v[a].own_state != order[s] || v[a].own_text == NULL)
				continue;
			snprintf(text + len, size - len, "%s%s", len ? "; " : "", v[a].own_text);
		}
	return text[0] != '\0';
}

/* Line one of --all-addresses: what is wrong, else how many agree on what. */
static void
summarize_addresses(struct check *c, const struct facts *f, size_t n, size_t nt,
    const struct address_verdict *v)
{
	char text[1200], left[32], who[120];
	const struct facts *first = NULL;

	if (address_problems(text, sizeof(text), f, n, nt, v)) {
		check_summary(c, "%s: %s", f[0].endpoint, text);
		return;
	}
	for (size_t i = 0; i < n * nt && first == NULL; i++)
		if (served(&f[i]))
			first = &f[i];
	if (first == NULL)
		return;
	expiry_format_left(cert_seconds_left(first->leaf, first->now), left, sizeof(left));
	if (n == 1)
		snprintf(who, sizeof(who), "its one address, %s, serves the", f[0].address);
	else
		snprintf(who, sizeof(who), "all %zu addresses serve the same", n);
	if (nt == 1 && first->key_type == TP_KEY_ANY)
		check_summary(c, "%s %s: %s certificate %s from %s, expires in %s", first->endpoint,
		    tp_probe_tls_version(first->probe), who, cert_label(first->leaf),
		    tp_cert_issuer_cn(first->leaf), left);
	else
		check_summary(c, "%s %s: %s %s certificate%s from %s", first->endpoint,
		    tp_probe_tls_version(first->probe), who,
		    f[0].opts->key_types.all ? "RSA and ECDSA" : f[0].opts->key_types.text,
		    nt > 1 ? "s" : "", tp_cert_issuer_cn(first->leaf));
}

/*
 * N addresses of one host, NT probes each (one per key type, or one),
 * F[a * NT + k]: each address judged in full under its own prefix, then
 * against the others, its verdict into V[a].
 */
static void
judge_addresses(struct check *c, struct facts *f, size_t n, size_t nt,
    const struct dane_lookup *dane, struct address_verdict *v)
{
	const struct key_type_opts *k = &f[0].opts->key_types;

	for (size_t a = 0; a < n; a++) {
		struct facts *g = &f[a * nt];
		size_t mark = check_mark(c);

		if (k->count > 0)
			judge_key_types_lines(c, g, nt, dane, g->at);
		else {
			check_line_prefix(c, g->where);
			if (tp_probe_failure(g->probe) != TP_FAIL_NONE) {
				probe_failed(c, g);
				if (dane != NULL)
					dane_judge(c, dane, g->probe, NULL);
			} else {
				g->dane = dane;
				g->dane_verified = dane != NULL &&
				    tp_probe_dane_result(g->probe) == TP_DANE_VERIFIED;
				judge_served(c, g);
			}
			check_line_prefix(c, NULL);
		}
		v[a].own_state = check_state_since(c, mark, &v[a].own_text);
		for (size_t t = 0; t < nt; t++)
			check_address_agrees(c, &g[t], f, n, nt, t, &v[a]);
		for (size_t t = 0; t < nt; t++)
			if (g[t].outcome == KEY_TYPE_ASKED && unreachable(&g[t]))
				v[a].unreachable = true;
		v[a].state = check_state_since(c, mark, &v[a].text);
	}
}

/* facts.addresses[] (or an MX's addresses[]): one entry per address. */
static void
addresses_facts(struct check *c, const struct facts *f, size_t n, size_t nt,
    const struct address_verdict *v)
{
	check_fact_list(c, "addresses");
	for (size_t a = 0; a < n; a++) {
		const struct facts *g = &f[a * nt];

		check_fact_item(c);
		check_fact_str(c, "address", g->address);
		check_fact_str(c, "state", check_state_name(v[a].state));
		check_fact_bool(c, "older", v[a].older);
		check_fact_bool(c, "reachable", !v[a].unreachable);
		if (f[0].opts->key_types.count > 0)
			key_types_facts(c, g, nt);
		else {
			check_fact_bool(c, "served", served(g));
			if (tp_probe_failure(g->probe) != TP_FAIL_NONE)
				check_fact_str(c, "error", tp_probe_error(g->probe));
			else if (served(g))
				output_served(c, g);
		}
		check_fact_end(c);
	}
	check_fact_end(c);
}

/* --all-addresses: every address judged, line one names them by what is wrong. */
static void
evaluate_addresses(struct check *c, struct facts *f, size_t n, size_t nt,
    const struct dane_lookup *dane)
{
	struct address_verdict v[TP_ADDRESSES_MAX] = { { 0 } };

	judge_addresses(c, f, n, nt, dane, v);
	summarize_addresses(c, f, n, nt, v);
	if (f[0].opts->key_types.count > 0)
		check_fact_str(c, "key_types", f[0].opts->key_types.text);
	addresses_facts(c, f, n, nt, v);
}

/* --- --mx ------------------------------------------------------------------- */

/*
 * --mx: the MX, their addresses and probes (lib/probe/mx_probe.c, shared with
 * check_mta_sts; MX M's probes are F[first .. first + addrs.count * NT - 1])
 * and, with --dane, each MX's TLSA records.
 */
struct mx_run {
	struct tp_mx_probes probes;
	struct dane_lookup dane[TP_MX_MAX];
	bool dane_ok[TP_MX_MAX];	/* DANE[M] looked up (else a line says why) */
};

/*
 * Every MX of --mx: each judged as --all-addresses judges a host (its
 * addresses against each other), then line one names the MX that fail a
 * sending MTA, in preference order.
 */
static void
evaluate_mx(struct check *c, const struct options *o, struct facts *f, size_t nt,
    struct mx_run *mx)
{
	char text[1500] = "", part[1200];
	size_t bad = 0, addresses = 0;

	check_fact_str(c, "domain", o->mx);
	if (mx->probes.list.skipped > 0)
		check_add(c, STATE_WARNING, "%zu more MX (the least preferred) were not checked: "
		    "this check looks at %d", mx->probes.list.skipped, TP_MX_MAX);
	check_fact_list(c, "mx");
	for (size_t m = 0; m < mx->probes.count; m++) {
		const struct tp_mx_target *h = &mx->probes.mx[m];
		struct address_verdict v[TP_ADDRESSES_MAX] = { { 0 } };
		const struct dane_lookup *dane = o->dane && mx->dane_ok[m] ? &mx->dane[m] : NULL;
		size_t len = strlen(text);
		bool problem;

		if (h->implicit && h->addrs.count > 0)
			check_add(c, STATE_OK, "%s has no MX record: senders deliver to its own "
			    "address (the implicit MX of RFC 5321)", o->mx);
		if (h->addrs.count == 0 && h->implicit) {	/* the error says it all */
			check_add(c, STATE_CRITICAL, "%s", h->error);
			snprintf(part, sizeof(part), "%s", h->error);
			problem = true;
		} else if (h->addrs.count == 0) {
			check_add(c, STATE_CRITICAL, "MX %s: %s: senders skip it", h->host, h->error);
			snprintf(part, sizeof(part), "MX %s: %s", h->host, h->error);
			problem = true;
		} else {
			char found[sizeof(part) - 300];

			judge_addresses(c, &f[h->first], h->addrs.count, nt, dane, v);
			problem = address_problems(found, sizeof(found), &f[h->first],
			    h->addrs.count, nt, v);
			if (strncmp(found, "MX ", 3) == 0)
				snprintf(part, sizeof(part), "%s", found);
			else	/* "1 of 2 addresses cannot be reached" needs the MX it is about */
				snprintf(part, sizeof(part), "MX %s: %s", h->host, found);
			addresses += h->addrs.count;
		}
		if (problem) {
			bad++;
			snprintf(text + len, sizeof(text) - len, "%s%s", len ? "; " : "", part);
		}
		check_fact_item(c);
		check_fact_str(c, "host", h->host);
		check_fact_num(c, "preference", h->preference);
		check_fact_bool(c, "implicit", h->implicit);
		if (h->addrs.count == 0)
			check_fact_str(c, "error", h->error);
		else
			addresses_facts(c, &f[h->first], h->addrs.count, nt, v);
		check_fact_end(c);
	}
	check_fact_end(c);
	if (bad > 0 && mx->probes.count == 1 && mx->probes.mx[0].implicit &&
	    mx->probes.mx[0].addrs.count == 0)
		check_summary(c, "%s", text);	/* no MX and no address: there is no "1 of 1" */
	else if (bad > 0)
		check_summary(c, "%s: %zu of %zu MX fail%s: %s", o->mx, bad, mx->probes.count,
		    bad == 1 ? "s" : "", text);
	else if (check_state(c) == STATE_OK)
		check_summary(c, "%s: %zu MX (%s%s), %zu address%s, each serving a valid "
		    "certificate for its name over STARTTLS", o->mx, mx->probes.count,
		    mx->probes.mx[0].host, mx->probes.count > 1 ? " and more" : "", addresses,
		    addresses == 1 ? "" : "es");
	else
		check_summary_prefix(c, "%s", o->mx);
}

/* --dane under --mx: the TLSA records of the MX whose probe F[I] is, or NULL. */
static const struct dane_lookup *
mx_dane_of(const struct options *o, const struct mx_run *mx, size_t i)
{
	size_t a;
	const struct tp_mx_target *t = tp_mx_probes_target(&mx->probes, i, &a);
	size_t m = t != NULL ? (size_t)(t - mx->probes.mx) : 0;

	return o->dane && t != NULL && mx->dane_ok[m] ? &mx->dane[m] : NULL;
}

/*
 * --mx: the MX hosts of the domain, each with every address, through
 * --resolver; DANE per MX with --dane. False with a line on C when no MX
 * can be probed (a null MX, the lookup failed).
 */
static bool
find_mx(struct check *c, const struct options *o, struct mx_run *mx, int64_t deadline)
{
	const struct endpoint_opts *e = &o->endpoint;
	int64_t dns_deadline = tp_monotonic_ms() + (deadline - tp_monotonic_ms()) / 2;
	char err[512];
	struct tp_resolver *resolver = tp_resolver_new(o->resolver, o->trust_anchor, err,
	    sizeof(err));

	if (resolver == NULL) {
		check_add(c, STATE_UNKNOWN, "%s", err);
		return false;
	}
	tp_mx_probes_find(&mx->probes, resolver, o->mx, true, e->family, dns_deadline, 0);
	switch (mx->probes.outcome) {
	case TP_MX_FAILED:
		check_add(c, tp_resolver_unusable(resolver) ? STATE_UNKNOWN : STATE_CRITICAL,
		    "%s", mx->probes.error);
		break;
	case TP_MX_NULL:
		check_add(c, STATE_CRITICAL, "%s has a null MX (RFC 7505): it accepts no mail, "
		    "every sender bounces it at once", o->mx);
		break;
	case TP_MX_UNUSABLE:
		check_add(c, STATE_CRITICAL, "none of the %zu MX records of %s names a host "
		    "name (labels of letters, digits, '-' and '_'): mail has nowhere to go",
		    mx->probes.list.unusable, o->mx);
		break;
	case TP_MX_NONE:
		break;
	case TP_MX_FOUND:
		if (mx->probes.list.unusable > 0)
			check_add(c, STATE_WARNING, "%zu MX record%s of %s name%s no host name "
			    "and %s not checked", mx->probes.list.unusable,
			    mx->probes.list.unusable == 1 ? "" : "s", o->mx,
			    mx->probes.list.unusable == 1 ? "s" : "",
			    mx->probes.list.unusable == 1 ? "was" : "were");
		break;
	}
	for (size_t m = 0; m < mx->probes.count; m++) {
		struct tp_mx_target *h = &mx->probes.mx[m];

		if (h->addrs.count == 0 && h->implicit)
			snprintf(h->error, sizeof(h->error), "%s has neither an MX record nor an "
			    "address: mail to it bounces", o->mx);
		else if (h->addrs.more > 0)
			check_add(c, STATE_WARNING, "MX %s has %zu more addresses than the %d "
			    "probed (the first in numeric order): check the others by address",
			    h->host, h->addrs.more, TP_ADDRESSES_MAX);
		if (o->dane && h->addrs.count > 0) {
			struct tp_config *cfg = endpoint_opts_config(e, e->port, e->proto,
			    o->common.timeout_seconds, err, sizeof(err));
			int rc = cfg == NULL ? -1 : dane_prepare(&mx->dane[m], o->resolver,
			    o->trust_anchor, h->host, e->port, e->family, dns_deadline, cfg, err,
			    sizeof(err));

			tp_config_free(cfg);
			mx->dane_ok[m] = rc == 0;
			if (rc < 0)
				check_add(c, rc == -1 ? STATE_UNKNOWN : STATE_CRITICAL, "MX %s: %s",
				    h->host, err);
		}
	}
	tp_resolver_free(resolver);
	if (mx->probes.count == 0)
		check_summary_prefix(c, "%s", o->mx);
	return mx->probes.count > 0;
}

/*
 * --dane: DNS first, so that the handshake can be verified against TLSA;
 * one deadline for both (the run's, DEADLINE): the lookups may use half of
 * what is left and the probes get the rest (a resolver that loses TLSA
 * queries would otherwise leave the probe a millisecond, and it would
 * blame the server).  False with a result on C when the check cannot go on.
 */
static bool
prepare_dane(struct check *c, const struct options *o, struct dane_lookup *dane,
    struct tp_config **cfgs, size_t n, int64_t deadline)
{
	const struct endpoint_opts *e = &o->endpoint;
	int64_t now = tp_monotonic_ms();
	char err[512];
	int rc = dane_prepare(dane, o->resolver, o->trust_anchor, e->host, e->port, e->family,
	    now + (deadline - now) / 2, cfgs[0], err, sizeof(err));

	for (size_t i = 1; i < n && rc == 0; i++)
		if (dane_configure(dane, cfgs[i], err, sizeof(err)) < 0)
			rc = -1;
	if (rc < 0) {
		check_add(c, rc == -1 ? STATE_UNKNOWN : STATE_CRITICAL, "%s", err);
		return false;
	}
	return true;
}

/*
 * The probe of F (key type K of --key-types, at ADDRESS with
 * --all-addresses or --mx, else NULL; of the MX host NAME with --mx): its
 * configuration and its names for the output.
 */
static struct tp_config *
setup_probe(const struct options *o, struct facts *f, size_t k, const char *address,
    const char *name, time_t now, char *err, size_t errlen)
{
	const struct endpoint_opts *e = &o->endpoint;
	struct tp_config *cfg = endpoint_opts_config(e, e->port, e->proto,
	    o->common.timeout_seconds, err, errlen);
	char base[300];

	*f = (struct facts){ .opts = o, .now = now, .address = address, .name = name };
	if (name != NULL)
		snprintf(f->endpoint, sizeof(f->endpoint), "%s:%u (%s)", name, e->port,
		    tp_protocol_name(e->proto));
	else
		endpoint_format(e, e->port, e->proto, f->endpoint, sizeof(f->endpoint));
	if (cfg == NULL)
		return NULL;
	if ((address != NULL && tp_config_set_host(cfg, address) < 0) ||
	    (name != NULL && tp_config_set_sni(cfg, name) < 0)) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		tp_config_free(cfg);
		return NULL;
	}
	if (o->key_types.count > 0)
		f->key_type = o->key_types.types[k];
	snprintf(base, sizeof(base), "%s%s%s%s", name ? "MX " : "", name ? name : "",
	    name && address ? " " : "", address ? address : "");
	snprintf(f->at, sizeof(f->at), "%s%s", base, base[0] ? ": " : "");
	if (f->key_type == TP_KEY_ANY)
		snprintf(f->where, sizeof(f->where), "%s", f->at);
	else
		snprintf(f->where, sizeof(f->where), "%s%s%s certificate: ", base,
		    base[0] ? ", " : "", tp_key_type_name(f->key_type));
	snprintf(f->suffix, sizeof(f->suffix), "%s%s%s%s%s%s", name ? "_" : "", name ? name : "",
	    address ? "_" : "", address ? address : "", f->key_type != TP_KEY_ANY ? "_" : "",
	    f->key_type != TP_KEY_ANY ? key_type_slug(f->key_type) : "");
	if (f->key_type != TP_KEY_ANY && tp_config_set_key_type(cfg, f->key_type) < 0) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		tp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * --key-types: which types the server has no certificate of.  A server
 * that hangs up on one type's handshake without an alert (Dovecot) is
 * asked once more without a key type, within what is left of -t, when no
 * other type's handshake shows that it works.
 */
static void
judge_key_types(const struct options *o, const struct tp_client *client, struct facts *f,
    struct tp_probe **probes, size_t n, const struct dane_lookup *dane, int64_t deadline)
{
	const struct endpoint_opts *e = &o->endpoint;
	enum key_type_outcome outcome[KEY_TYPES_MAX];
	char err[512];
	struct tp_config *confirm = endpoint_opts_config(e, e->port, e->proto,
	    o->common.timeout_seconds, err, sizeof(err));

	if (confirm != NULL && (tp_config_set_timeout_ms(confirm,
	    (unsigned)tp_ms_left(deadline)) < 0 ||
	    (dane != NULL && dane_configure(dane, confirm, err, sizeof(err)) < 0) ||
	    (f[0].address != NULL && tp_config_set_host(confirm, f[0].address) < 0) ||
	    (f[0].name != NULL && tp_config_set_sni(confirm, f[0].name) < 0))) {
		tp_config_free(confirm);
		confirm = NULL;
	}
	key_types_judge(client, probes, o->key_types.types, n, confirm, deadline, outcome);
	for (size_t i = 0; i < n; i++)
		f[i].outcome = outcome[i];
	tp_config_free(confirm);
}

/* What mx_probe_config() needs to set up the probes of --mx. */
struct mx_setup {
	const struct options *opts;
	struct facts *f;		/* one per probe, in the probes' order */
	const struct mx_run *mx;
	time_t now;
};

/* lib/probe/mx_probe.c's tp_mx_config_fn: probe I's configuration and facts, DANE per MX. */
static struct tp_config *
mx_probe_config(void *arg, const struct tp_mx_target *t, const char *address, size_t slot,
    size_t i, char *err, size_t errlen)
{
	const struct mx_setup *s = arg;
	const struct dane_lookup *d = mx_dane_of(s->opts, s->mx, i);
	struct tp_config *cfg = setup_probe(s->opts, &s->f[i], slot, address, t->host, s->now,
	    err, errlen);

	if (cfg != NULL && d != NULL && dane_configure(d, cfg, err, errlen) < 0) {
		tp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * --all-addresses: every address of -H into ADDRS, through the resolver
 * of --dane (DANE set up in DANE too) or of --resolver, else the
 * system's.  False with a line on C when there is none to probe.
 */
static bool
find_addresses(struct check *c, const struct options *o, struct dane_lookup *dane,
    struct tp_addresses *addrs, int64_t deadline)
{
	const struct endpoint_opts *e = &o->endpoint;
	struct tp_resolver *own = NULL, *resolver = NULL;
	int64_t dns_deadline = tp_monotonic_ms() + (deadline - tp_monotonic_ms()) / 2;
	char err[512];
	int rc = 0;

	if (o->dane) {
		struct tp_config *cfg = endpoint_opts_config(e, e->port, e->proto,
		    o->common.timeout_seconds, err, sizeof(err));

		rc = cfg == NULL ? -1 : dane_prepare(dane, o->resolver, o->trust_anchor, e->host,
		    e->port, e->family, dns_deadline, cfg, err, sizeof(err));
		tp_config_free(cfg);
		resolver = dane->resolver;
	} else if (o->resolver != NULL) {
		resolver = own = tp_resolver_new(o->resolver, o->trust_anchor, err, sizeof(err));
		rc = own == NULL ? -1 : 0;
	}
	if (rc == 0)
		rc = tp_addresses_lookup(resolver, e->host, e->family, dns_deadline, addrs, err,
		    sizeof(err)) == 0 ? 0 : resolver != NULL && tp_resolver_unusable(resolver) ?
		    -1 : -2;
	tp_resolver_free(own);
	if (rc < 0) {
		check_add(c, rc == -1 ? STATE_UNKNOWN : STATE_CRITICAL, "%s", err);
		check_summary_prefix(c, "%s", e->host);
		return false;
	}
	if (addrs->more > 0)
		check_add(c, STATE_WARNING, "%s has %zu more addresses than the %d probed (the "
		    "first in numeric order): check the others by address, or split the check "
		    "with -4 and -6", e->host, addrs->more, TP_ADDRESSES_MAX);
	return true;
}

static int
run(const struct options *o, struct check *c)
{
	char err[512], port[16];
	const struct endpoint_opts *e = &o->endpoint;
	size_t nt = o->key_types.count ? o->key_types.count : 1, na = 1, n;
	struct tp_addresses addrs = { 0 };
	struct mx_run *mx = NULL;
	struct tp_config **cfgs = NULL;
	struct tp_probe **probes = NULL;
	struct facts *f = NULL;
	struct dane_lookup dane = { 0 };
	struct tp_client *client;
	time_t now = time(NULL);
	int64_t deadline = tp_monotonic_ms() + (int64_t)(o->common.timeout_seconds * 1000);
	bool ready;
	int rc;

	check_fact_str(c, "host", e->host);
	check_fact_num(c, "port", e->port);
	check_fact_str(c, "protocol", tp_protocol_name(e->proto));
	snprintf(port, sizeof(port), "%d", e->port);
	check_group(c, (const struct check_label[]){ { "host", o->mx ? o->mx : e->host },
	    { "port", port }, { "protocol", tp_protocol_name(e->proto) },
	    { "sni", o->mx ? NULL : e->sni ? e->sni : e->host }, { NULL, NULL } }, 0);
	if (o->mx != NULL) {
		if ((mx = calloc(1, sizeof(*mx))) == NULL)
			return check_usage_error(PREFIX, "out of memory");
		if (!find_mx(c, o, mx, deadline)) {
			rc = check_finish(c, o->common.output, stdout);
			free(mx);
			return rc;
		}
		na = 0;
		for (size_t m = 0; m < mx->probes.count; m++)
			na += mx->probes.mx[m].addrs.count;
	} else if (o->all_addresses) {
		if (!find_addresses(c, o, &dane, &addrs, deadline)) {
			dane_lookup_free(&dane);
			return check_finish(c, o->common.output, stdout);
		}
		na = addrs.count;
	}
	n = na * nt;
	f = calloc(n, sizeof(*f));
	client = tp_client_new(e->rootcert);
	if (mx != NULL) {
		struct mx_setup setup = { o, f, mx, now };

		ready = client != NULL && (n == 0 || f != NULL);
		if (ready && tp_mx_probes_prepare(&mx->probes, nt, mx_probe_config, &setup, err,
		    sizeof(err)) < 0) {
			rc = check_usage_error(PREFIX, err);
			goto out;
		}
		cfgs = mx->probes.cfgs;
		probes = mx->probes.probes;
	} else {
		cfgs = calloc(n, sizeof(*cfgs));
		probes = calloc(n, sizeof(*probes));
		ready = client != NULL && cfgs != NULL && probes != NULL && f != NULL;
	}
	for (size_t i = 0; i < n && ready && mx == NULL; i++) {
		const char *address = o->all_addresses ? addrs.addr[i / nt] : NULL;
		const struct dane_lookup *d = o->dane && o->all_addresses ? &dane : NULL;

		cfgs[i] = setup_probe(o, &f[i], i % nt, address, NULL, now, err, sizeof(err));
		if (cfgs[i] == NULL) {
			rc = check_usage_error(PREFIX, err);
			goto out;
		}
		if (d != NULL && (dane_configure(d, cfgs[i], err, sizeof(err)) < 0 ||
		    tp_config_set_host(cfgs[i], address) < 0)) {
			rc = check_usage_error(PREFIX, err);
			goto out;
		}
		ready = (probes[i] = tp_probe_new()) != NULL;
	}
	for (size_t i = 0; i < n && ready; i++) {
		f[i].deadline_ms = deadline;
		f[i].trust = tp_client_trust(client);
		f[i].probe = probes[i];
	}
	if (!ready)
		check_add(c, STATE_UNKNOWN, "out of memory");
	else if (mx != NULL || o->all_addresses || !o->dane ||
	    prepare_dane(c, o, &dane, cfgs, n, deadline)) {
		const struct dane_lookup *d = o->dane ? &dane : NULL;

		/* -t counts from the start: the client's set-up and DNS took some of it. */
		for (size_t i = 0; i < n && mx == NULL; i++)
			tp_config_set_timeout_ms(cfgs[i], (unsigned)tp_ms_left(deadline));
		if (mx != NULL)
			tp_mx_probes_run(&mx->probes, client, deadline);
		else if (n == 1)
			(void)tp_probe_run(probes[0], client, cfgs[0]);
		else if (n > 1)
			(void)tp_client_run_window(client, probes,
			    (const struct tp_config *const *)cfgs, n, n < WINDOW_MAX ? n :
			    WINDOW_MAX, deadline);
		for (size_t a = 0; a < na && o->key_types.count > 0; a++)
			judge_key_types(o, client, &f[a * nt], &probes[a * nt], nt,
			    mx != NULL ? mx_dane_of(o, mx, a * nt) : d, deadline);
		if (mx != NULL)
			evaluate_mx(c, o, f, nt, mx);
		else if (o->all_addresses)
			evaluate_addresses(c, f, na, nt, d);
		else if (o->key_types.count == 0)
			evaluate_one(c, &f[0], d);
		else
			evaluate_key_types(c, f, n, d);
	}
	for (size_t i = 0; i < n && ready; i++) {
		report_verbose(o, &f[i]);
		add_timings(c, &f[i]);
	}
	check_group_end(c);
	rc = check_finish(c, o->common.output, stdout);
out:
	dane_lookup_free(&dane);
	for (size_t m = 0; mx != NULL && m < mx->probes.count; m++)
		dane_lookup_free(&mx->dane[m]);
	if (mx != NULL)
		tp_mx_probes_free(&mx->probes);
	free(mx);
	for (size_t i = 0; i < n && mx == NULL && probes != NULL && cfgs != NULL; i++) {
		tp_probe_free(probes[i]);
		tp_config_free(cfgs[i]);
	}
	if (mx == NULL) {
		free(probes);
		free(cfgs);
	}
	free(f);
	tp_client_free(client);
	return rc;
}

/*
 * --list-mx: the MX hosts of --mx as find_mx() would probe them, one line
 * each, "PREFERENCE NAME"; the domain itself with 0 when it has no MX, no
 * line for a null MX or records naming no host.  A failed lookup is UNKNOWN
 * with its sentence.
 */
static int
list_mx(const struct options *o)
{
	char err[512];
	struct tp_mx_list list;
	struct tp_resolver *resolver = tp_resolver_new(o->resolver, o->trust_anchor, err,
	    sizeof(err));

	if (resolver == NULL)
		return check_usage_error(PREFIX, err);
	switch (tp_mx_lookup(resolver, o->mx, (int64_t)(o->common.timeout_seconds * 1000),
	    &list, err, sizeof(err))) {
	case TP_MX_FAILED:
		tp_resolver_free(resolver);
		return check_usage_error(PREFIX, err);
	case TP_MX_NONE:
		printf("0 %s\n", o->mx);
		break;
	case TP_MX_FOUND:
		for (size_t m = 0; m < list.count; m++)
			printf("%u %s\n", list.hosts[m].preference, list.hosts[m].host);
		break;
	case TP_MX_NULL:
	case TP_MX_UNUSABLE:
		break;
	}
	tp_resolver_free(resolver);
	return fflush(stdout) == 0 ? STATE_OK : STATE_UNKNOWN;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[512];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_mail_tls", PREFIX, print_help, err);
	plugin_start(&o.common, PREFIX);
	if (o.list_mx)
		return list_mx(&o);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	rc = run(&o, c);
	check_free(c);
	if (o.issuer_text != NULL)
		regfree(&o.issuer);
	tp_chain_free(o.cert_chain);
	return rc;
}
