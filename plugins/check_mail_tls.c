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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "check.h"
#include "tlsprobe.h"

#define PREFIX "MAIL_TLS"
#define MATCH_MAX 16

struct options {
	struct common_opts common;
	const char *host;
	unsigned port;
	enum tp_protocol proto;
	bool proto_given;
	enum tp_family family;
	const char *sni;
	const char *match[MATCH_MAX];
	size_t match_count;
	const char *issuer_text;
	regex_t issuer;
	const char *rootcert;
	struct threshold days;
	enum tp_proxy proxy;
	enum tp_tls_version min_tls;
	char fingerprint[65];
	const char *cert_file;
};

/* Everything the checks look at, read once from the probe. */
struct facts {
	const struct options *opts;
	struct tp_probe *probe;
	const struct tp_chain *sent;		/* as the server sent it */
	const struct tp_chain *held;		/* verified chain, else the sent one */
	const struct tp_cert *leaf;
	time_t now;
	char endpoint[300];
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_SNI = 0x2000, OPT_PROXY, OPT_MIN_TLS, OPT_FINGERPRINT, OPT_CERT_FILE,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	{ "hostname", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "protocol", required_argument, NULL, 'P' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "match", required_argument, NULL, 'm' },
	{ "issuer", required_argument, NULL, 'i' },
	{ "rootcert", required_argument, NULL, 'r' },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "proxy-protocol", required_argument, NULL, OPT_PROXY },
	{ "min-tls", required_argument, NULL, OPT_MIN_TLS },
	{ "fingerprint", required_argument, NULL, OPT_FINGERPRINT },
	{ "cert-file", required_argument, NULL, OPT_CERT_FILE },
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
	printf("Options:\n"
	    " -H, --hostname=HOST     host name or address to connect to (required)\n"
	    " -p, --port=PORT         port (default: from -P, e.g. 587 for submission)\n"
	    " -P, --protocol=NAME     one of %s\n"
	    "                         (default: from the port; 25 if neither is given)\n"
	    " -4, --ipv4 / -6, --ipv6 connect over IPv4 / IPv6 only\n"
	    "     --sni=NAME          TLS server name (default: -H unless it is an address)\n"
	    " -m, --match=NAME        a name the certificate must cover (repeatable;\n"
	    "                         default: -H, or --sni when -H is an address)\n"
	    " -i, --issuer=REGEX      the leaf's issuer DN must match this extended regex\n"
	    " -r, --rootcert=FILE|DIR trust these roots instead of the system store\n"
	    " -w, --warning=DAYS      warn when a certificate has fewer days left (default 30)\n"
	    " -c, --critical=DAYS     critical below this many days left (default 14);\n"
	    "                         a range such as 10:20 or @0:5 is accepted too\n"
	    "     --proxy-protocol=v1|v2  send a PROXY protocol header first\n"
	    "     --min-tls=1.2|1.3   critical when the server negotiates less\n"
	    "     --fingerprint=SHA256  the leaf's SHA-256 fingerprint (hex, ':' allowed)\n"
	    "     --cert-file=FILE    the certificate the service should serve (e.g. the\n"
	    "                         renewed fullchain.pem); critical when it serves another\n",
	    tp_protocol_names());
	common_opts_help(stdout);
	printf("\nStates: CRITICAL for a broken service (no connection, no STARTTLS, chain\n"
	    "or name does not verify, expired, self-signed or proxy default certificate,\n"
	    "issuer/fingerprint/served-file mismatch, TLS below --min-tls); WARNING for\n"
	    "days below -w, SHA-1 signatures, RSA keys below 2048 bits; UNKNOWN only for\n"
	    "usage and internal errors.\n\n");
	printf("Examples:\n"
	    "  check_mail_tls -H mail.example.com -P submission -w 30 -c 15 -i \"Let's Encrypt\"\n"
	    "  check_mail_tls -H 192.0.2.10 -p 993 --sni mail.example.com\n"
	    "  check_mail_tls -H mx.example.com -p 10465 -P submissions --proxy-protocol v2\n"
	    "  check_mail_tls -H mail.example.com -P imap \\\n"
	    "      --cert-file /etc/letsencrypt/live/mail.example.com/fullchain.pem\n");
}

/* Strict whole-string unsigned parse; -1 for anything else. */
static long
parse_number(const char *text, long min, long max)
{
	char *end;
	long v;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	v = strtol(text, &end, 10);
	return *end == '\0' && v >= min && v <= max ? v : -1;
}

static int
usage(char *err, size_t errlen, const char *fmt, const char *value)
{
	snprintf(err, errlen, fmt, value);
	return -1;
}

/* A plain number N means "fewer than N days left": the range N: */
static int
parse_days(const char *option, const char *text, struct range *out, char *err, size_t errlen)
{
	char buf[80], why[200];
	bool plain = strpbrk(text, ":~@") == NULL;

	if (plain && strlen(text) < sizeof(buf) - 1)
		snprintf(buf, sizeof(buf), "%s:", text);
	if (range_parse(plain ? buf : text, out, why, sizeof(why)) == 0)
		return 0;
	if (plain)
		snprintf(err, errlen, "%s: '%s' is not a number of days", option, text);
	else
		snprintf(err, errlen, "%s: %s", option, why);
	return -1;
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
handle_option(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	long n;

	switch (opt) {
	case 'H':
		o->host = arg;
		return 0;
	case 'p':
		if ((n = parse_number(arg, 1, 65535)) < 0)
			return usage(err, errlen, "-p/--port: '%s' is not a port number (1 to 65535)", arg);
		o->port = (unsigned)n;
		return 0;
	case 'P':
		if (tp_protocol_from_name(arg, &o->proto) < 0) {
			snprintf(err, errlen, "-P/--protocol: '%s' is not a known protocol; use one of %s",
			    arg, tp_protocol_names());
			return -1;
		}
		o->proto_given = true;
		return 0;
	case '4':
	case '6':
		o->family = opt == '4' ? TP_FAMILY_IPV4 : TP_FAMILY_IPV6;
		return 0;
	case OPT_SNI:
		o->sni = arg;
		return 0;
	case 'm':
		if (o->match_count == MATCH_MAX)
			return usage(err, errlen, "-m/--match: too many names (at most 16), at '%s'", arg);
		o->match[o->match_count++] = arg;
		return 0;
	case 'i':
		if (regcomp(&o->issuer, arg, REG_EXTENDED | REG_NOSUB) != 0)
			return usage(err, errlen, "-i/--issuer: '%s' is not a valid extended regular expression", arg);
		o->issuer_text = arg;
		return 0;
	case 'r':
		if (access(arg, R_OK) != 0)
			return usage(err, errlen, "-r/--rootcert: cannot read '%s'", arg);
		o->rootcert = arg;
		return 0;
	case 'w':
		o->days.has_warning = true;
		return parse_days("-w/--warning", arg, &o->days.warning, err, errlen);
	case 'c':
		o->days.has_critical = true;
		return parse_days("-c/--critical", arg, &o->days.critical, err, errlen);
	case OPT_PROXY:
		if (strcmp(arg, "v1") == 0 || strcmp(arg, "1") == 0)
			o->proxy = TP_PROXY_V1;
		else if (strcmp(arg, "v2") == 0 || strcmp(arg, "2") == 0)
			o->proxy = TP_PROXY_V2;
		else
			return usage(err, errlen, "--proxy-protocol: '%s' is not a PROXY protocol version; use v1 or v2", arg);
		return 0;
	case OPT_MIN_TLS:
		if (strcmp(arg, "1.2") == 0)
			o->min_tls = TP_TLS_1_2;
		else if (strcmp(arg, "1.3") == 0)
			o->min_tls = TP_TLS_1_3;
		else
			return usage(err, errlen, "--min-tls: '%s' is not a TLS version this check enforces; use 1.2 or 1.3", arg);
		return 0;
	case OPT_FINGERPRINT:
		if (parse_fingerprint(arg, o->fingerprint) < 0)
			return usage(err, errlen, "--fingerprint: '%s' is not a SHA-256 fingerprint (64 hex digits, ':' allowed)", arg);
		return 0;
	case OPT_CERT_FILE:
		if (access(arg, R_OK) != 0)
			return usage(err, errlen, "--cert-file: cannot read '%s'", arg);
		o->cert_file = arg;
		return 0;
	default:
		snprintf(err, errlen, "unknown option; see check_mail_tls --help");
		return -1;
	}
}

/* Fills what was not given: port from protocol or protocol from port, names. */
static int
complete_options(struct options *o, char *err, size_t errlen)
{
	char why[200];

	if (o->host == NULL || o->host[0] == '\0')
		return usage(err, errlen, "-H/--hostname is required%s", "");
	if (o->port == 0)
		o->port = o->proto_given ? tp_protocol_default_port(o->proto) : 25;
	if (!o->proto_given && tp_protocol_from_port(o->port, &o->proto) < 0)
		return snprintf(err, errlen, "-P/--protocol is needed: port %u is not a "
		    "well-known mail port; use one of %s", o->port, tp_protocol_names()), -1;
	if (!o->days.has_warning)
		o->days.has_warning = range_parse("30:", &o->days.warning, why, sizeof(why)) == 0;
	if (!o->days.has_critical)
		o->days.has_critical = range_parse("14:", &o->days.critical, why, sizeof(why)) == 0;
	if (!o->days.warning.end_infinite || !o->days.critical.end_infinite ||
	    o->days.warning.alert_inside || o->days.critical.alert_inside)
		return 0;	/* explicit ranges: the user knows what they want */
	if (o->days.warning.start < o->days.critical.start) {
		snprintf(err, errlen, "-w/--warning %g is below -c/--critical %g: for days "
		    "left, the warning threshold must be the larger number",
		    o->days.warning.start, o->days.critical.start);
		return -1;
	}
	return 0;
}

static bool
is_address(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	int opt;

	common_opts_init(&o->common);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTS "H:p:P:46m:i:r:w:c:",
	    long_options, NULL)) != -1) {
		int rc = common_opts_handle(&o->common, opt, optarg, err, errlen);

		if (rc == 1)
			continue;
		if (rc != 0)
			return rc;
		if (opt == '?' || opt == ':') {
			snprintf(err, errlen, "unknown option or missing value: '%s'; see --help",
			    argv[optind - 1]);
			return -1;
		}
		if (handle_option(o, opt, optarg, err, errlen) < 0)
			return -1;
	}
	if (optind < argc)
		return usage(err, errlen, "unexpected argument '%s'; see --help", argv[optind]);
	return complete_options(o, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* the probe                                                                 */
/* ------------------------------------------------------------------------ */

static struct tp_config *
make_config(const struct options *o, char *err, size_t errlen)
{
	struct tp_config *cfg = tp_config_new();
	const char *sni = o->sni ? o->sni : o->host;

	if (cfg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tp_config_set_host(cfg, o->host) < 0 || tp_config_set_port(cfg, o->port) < 0 ||
	    tp_config_set_protocol(cfg, o->proto) < 0 ||
	    tp_config_set_family(cfg, o->family) < 0 ||
	    tp_config_set_sni(cfg, is_address(sni) ? NULL : sni) < 0 ||
	    tp_config_set_trust(cfg, o->rootcert) < 0 ||
	    tp_config_set_proxy(cfg, o->proxy) < 0 ||
	    tp_config_set_timeout_ms(cfg, (unsigned)ceil(o->common.timeout_seconds * 1000)) < 0) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		tp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ------------------------------------------------------------------------ */
/* the checks: each looks at the facts and adds one or more sub-results      */
/* ------------------------------------------------------------------------ */

static long
days_left(const struct tp_cert *cert, time_t now)
{
	return (long)floor(difftime(tp_cert_not_after(cert), now) / 86400.0);
}

static void
format_day(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

static const char *
cert_label(const struct tp_cert *cert)
{
	const char *cn = tp_cert_subject_cn(cert);

	return cn[0] != '\0' ? cn : tp_cert_subject(cert);
}

static void
check_verification(struct check *c, const struct facts *f)
{
	if (tp_probe_verified(f->probe))
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
	const char *fallback = is_address(o->host) ? o->sni : o->host;
	const char *const *names = o->match_count ? o->match : &fallback;
	size_t count = o->match_count ? o->match_count : (fallback ? 1 : 0);

	for (size_t i = 0; i < count; i++) {
		if (tp_cert_matches_name(f->leaf, names[i]))
			check_add(c, STATE_OK, "certificate covers %s", names[i]);
		else
			check_add(c, STATE_CRITICAL, "name mismatch: certificate '%s' does not "
			    "cover %s (it is for %s%s)", cert_label(f->leaf), names[i],
			    tp_cert_san_count(f->leaf) ? tp_cert_san(f->leaf, 0) : cert_label(f->leaf),
			    tp_cert_san_count(f->leaf) > 1 ? " and others" : "");
	}
}

/* Default certificates that proxies and ingress controllers serve when they have no real one. */
static const char *const proxy_defaults[] = {
	"TRAEFIK DEFAULT CERT",
	"Kubernetes Ingress Controller Fake Certificate",
};

static void
check_not_a_placeholder(struct check *c, const struct facts *f)
{
	const char *cn = tp_cert_subject_cn(f->leaf);

	for (size_t i = 0; i < sizeof(proxy_defaults) / sizeof(proxy_defaults[0]); i++) {
		if (strcasecmp(cn, proxy_defaults[i]) == 0) {
			check_add(c, STATE_CRITICAL, "the server presents a proxy's default "
			    "certificate '%s': the proxy in front has no certificate for this "
			    "name (an ACME renewal that never arrived?)", cn);
			return;
		}
	}
	if (tp_cert_is_self_signed(f->leaf))
		check_add(c, STATE_CRITICAL, "the certificate '%s' is self-signed",
		    cert_label(f->leaf));
}

static void
check_one_expiry(struct check *c, const struct facts *f, const struct tp_cert *cert,
    size_t index)
{
	long left = days_left(cert, f->now);
	enum check_state st = threshold_state(&f->opts->days, (double)left);
	const char *role = index == 0 ? "certificate" : tp_cert_is_self_signed(cert) ?
	    "root" : "intermediate";
	char day[16];

	format_day(tp_cert_not_after(cert), day, sizeof(day));
	if (tp_cert_not_before(cert) > f->now) {
		format_day(tp_cert_not_before(cert), day, sizeof(day));
		check_add(c, STATE_CRITICAL, "%s '%s' is not valid before %s",
		    role, cert_label(cert), day);
	} else if (left < 0 || tp_cert_not_after(cert) <= f->now)
		check_add(c, STATE_CRITICAL, "%s '%s' expired on %s", role, cert_label(cert), day);
	else if (st != STATE_OK || index == 0)
		check_add(c, st, "%s '%s' expires in %ld days (%s)", role, cert_label(cert),
		    left, day);
}

static void
check_expiry(struct check *c, const struct facts *f)
{
	for (size_t i = 0; i < tp_chain_count(f->held); i++)
		check_one_expiry(c, f, tp_chain_cert(f->held, i), i);
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
	for (size_t i = 0; i < tp_chain_count(f->held); i++) {
		const struct tp_cert *cert = tp_chain_cert(f->held, i);
		const char *digest = tp_cert_signature_digest(cert);

		if (!tp_cert_is_self_signed(cert) &&
		    (strcasecmp(digest, "SHA1") == 0 || strcasecmp(digest, "MD5") == 0))
			check_add(c, STATE_WARNING, "'%s' is signed with %s, which clients "
			    "reject", cert_label(cert), digest);
		if (strcmp(tp_cert_key_type(cert), "RSA") == 0 && tp_cert_key_bits(cert) < 2048)
			check_add(c, STATE_WARNING, "'%s' has a %d-bit RSA key (2048 is the "
			    "minimum clients accept)", cert_label(cert), tp_cert_key_bits(cert));
	}
}

static void
check_served_file(struct check *c, const struct facts *f)
{
	char err[300], served[16], on_disk[16];
	struct tp_chain *file;
	const struct tp_cert *want;

	if (f->opts->cert_file == NULL)
		return;
	file = tp_chain_load_file(f->opts->cert_file, err, sizeof(err));
	if (file == NULL) {
		check_add(c, STATE_UNKNOWN, "--cert-file: %s", err);
		return;
	}
	want = tp_chain_cert(file, 0);
	format_day(tp_cert_not_after(f->leaf), served, sizeof(served));
	format_day(tp_cert_not_after(want), on_disk, sizeof(on_disk));
	if (strcmp(tp_cert_sha256(want), tp_cert_sha256(f->leaf)) == 0)
		check_add(c, STATE_OK, "serves the certificate in %s", f->opts->cert_file);
	else
		check_add(c, STATE_CRITICAL, "serving a different certificate than %s "
		    "(served expires %s, file expires %s): reload the service",
		    f->opts->cert_file, served, on_disk);
	tp_chain_free(file);
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

/* The table of checks, in the order their lines appear. */
static void (*const checks[])(struct check *, const struct facts *) = {
	check_verification,
	check_names,
	check_not_a_placeholder,
	check_expiry,
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
add_chain_details(struct check *c, const struct facts *f)
{
	for (size_t i = 0; i < tp_chain_count(f->sent); i++) {
		const struct tp_cert *cert = tp_chain_cert(f->sent, i);
		char day[16];

		format_day(tp_cert_not_after(cert), day, sizeof(day));
		check_detail(c, "sent[%zu] %s, issuer %s, expires %s (%ld days), %s %d, %s, sha256 %.16s",
		    i, tp_cert_subject(cert), tp_cert_issuer(cert), day, days_left(cert, f->now),
		    tp_cert_key_type(cert), tp_cert_key_bits(cert),
		    tp_cert_signature_algorithm(cert), tp_cert_sha256(cert));
	}
}

static void
add_cert_facts(struct check *c, const struct tp_cert *cert, time_t now)
{
	check_fact_item(c);
	check_fact_str(c, "subject", tp_cert_subject(cert));
	check_fact_str(c, "issuer", tp_cert_issuer(cert));
	check_fact_str(c, "serial", tp_cert_serial(cert));
	check_fact_num(c, "not_before", (double)tp_cert_not_before(cert));
	check_fact_num(c, "not_after", (double)tp_cert_not_after(cert));
	check_fact_num(c, "days_left", (double)days_left(cert, now));
	check_fact_str(c, "signature_algorithm", tp_cert_signature_algorithm(cert));
	check_fact_str(c, "key_type", tp_cert_key_type(cert));
	check_fact_num(c, "key_bits", tp_cert_key_bits(cert));
	check_fact_str(c, "sha256", tp_cert_sha256(cert));
	check_fact_bool(c, "self_signed", tp_cert_is_self_signed(cert));
	check_fact_list(c, "san");
	for (size_t i = 0; i < tp_cert_san_count(cert); i++) {
		check_fact_item(c);
		check_fact_str(c, "name", tp_cert_san(cert, i));
		check_fact_end(c);
	}
	check_fact_end(c);
	check_fact_end(c);
}

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
	check_fact_list(c, "chain");
	for (size_t i = 0; i < tp_chain_count(f->sent); i++)
		add_cert_facts(c, tp_chain_cert(f->sent, i), f->now);
	check_fact_end(c);
}

static void
add_perfdata(struct check *c, const struct facts *f)
{
	double min_days = INFINITY;

	for (size_t i = 0; i < tp_chain_count(f->held); i++) {
		double d = (double)days_left(tp_chain_cert(f->held, i), f->now);
		if (d < min_days)
			min_days = d;
	}
	check_perf(c, "days_left", (double)days_left(f->leaf, f->now), "", &f->opts->days, NULL, NULL);
	if (isfinite(min_days))
		check_perf(c, "days_left_chain", min_days, "", &f->opts->days, NULL, NULL);
}

static void
add_timings(struct check *c, const struct tp_probe *probe)
{
	const double zero = 0;

	check_perf(c, "time_connect", tp_probe_time_connect(probe), "s", NULL, &zero, NULL);
	check_perf(c, "time_tls", tp_probe_time_tls(probe), "s", NULL, &zero, NULL);
	check_perf(c, "time", tp_probe_time_total(probe), "s", NULL, &zero, NULL);
}

static void
summarize_ok(struct check *c, const struct facts *f)
{
	const char *org = tp_cert_issuer_org(f->leaf);

	check_summary(c, "%s %s, cert %s from %s%s%s%s, expires in %ld days", f->endpoint,
	    tp_probe_tls_version(f->probe), cert_label(f->leaf), tp_cert_issuer_cn(f->leaf),
	    org[0] ? " (" : "", org, org[0] ? ")" : "", days_left(f->leaf, f->now));
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

static enum check_state backstop_state = STATE_CRITICAL;

/* The library honours the deadline; this catches what it cannot (DNS). */
static void
on_alarm(int sig)
{
	static const char msg[] = PREFIX " CRITICAL - the check did not finish within "
	    "its timeout (stuck resolving the host name?)\n";
	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(backstop_state);
	_exit(backstop_state);
}

static void
arm_backstop(const struct common_opts *common)
{
	backstop_state = common->timeout_state;
	signal(SIGALRM, on_alarm);
	alarm((unsigned)ceil(common->timeout_seconds) + 1);
}

static void
probe_failed(struct check *c, const struct facts *f)
{
	enum tp_failure why = tp_probe_failure(f->probe);
	enum check_state st = why == TP_FAIL_TIMEOUT ? f->opts->common.timeout_state :
	    why == TP_FAIL_INTERNAL || why == TP_FAIL_CONFIG ? STATE_UNKNOWN : STATE_CRITICAL;

	check_add(c, st, "%s", tp_probe_error(f->probe));
	check_summary(c, "%s: %s", f->endpoint, tp_probe_error(f->probe));
	if (tp_probe_greeting(f->probe)[0] != '\0')
		check_detail(c, "greeting: %s", tp_probe_greeting(f->probe));
}

static void
evaluate(struct check *c, struct facts *f)
{
	f->sent = tp_probe_peer_chain(f->probe);
	f->held = tp_chain_count(tp_probe_verified_chain(f->probe)) ?
	    tp_probe_verified_chain(f->probe) : f->sent;
	f->leaf = tp_chain_cert(f->sent, 0);
	if (f->leaf == NULL) {
		check_add(c, STATE_CRITICAL, "the server sent no certificate");
		return;
	}
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i](c, f);
	if (check_state(c) == STATE_OK)
		summarize_ok(c, f);
	else
		check_summary_prefix(c, "%s", f->endpoint);
	add_chain_details(c, f);
	add_perfdata(c, f);
	add_facts(c, f);
}

/* -v: what happened, on stderr, for a human running the check by hand. */
static void
report_verbose(const struct options *o, const struct tp_probe *probe)
{
	const struct tp_chain *sent = tp_probe_peer_chain(probe);

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

static int
run(const struct options *o, struct check *c)
{
	char err[512];
	struct tp_config *cfg = make_config(o, err, sizeof(err));
	struct facts f = { .opts = o, .now = time(NULL) };

	if (cfg == NULL)
		return check_usage_error(PREFIX, err);
	f.probe = tp_probe_new();
	snprintf(f.endpoint, sizeof(f.endpoint), "%s:%u (%s)", o->host, o->port,
	    tp_protocol_name(o->proto));
	check_fact_str(c, "host", o->host);
	check_fact_num(c, "port", o->port);
	check_fact_str(c, "protocol", tp_protocol_name(o->proto));
	if (f.probe == NULL)
		check_add(c, STATE_UNKNOWN, "out of memory");
	else if (tp_probe_run(f.probe, cfg) < 0)
		probe_failed(c, &f);
	else
		evaluate(c, &f);
	if (f.probe != NULL) {
		report_verbose(o, f.probe);
		add_timings(c, f.probe);
	}
	tp_probe_free(f.probe);
	tp_config_free(cfg);
	return check_finish(c, o->common.output, stdout);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[512];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc == COMMON_WANTS_HELP) {
		print_help();
		return STATE_UNKNOWN;
	}
	if (rc == COMMON_WANTS_VERSION) {
		printf("check_mail_tls %s\n", PACKAGE_VERSION);
		return STATE_UNKNOWN;
	}
	if (rc < 0)
		return check_usage_error(PREFIX, err);
	arm_backstop(&o.common);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	rc = run(&o, c);
	check_free(c);
	if (o.issuer_text != NULL)
		regfree(&o.issuer);
	return rc;
}
