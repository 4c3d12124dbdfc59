/*
 * check_mta_sts - will MTA-STS senders (RFC 8461) deliver to this domain?
 * Reads the _mta-sts TXT record, fetches the policy over HTTPS with full
 * verification (no redirects), parses it strictly, then checks every MX:
 * covered by a policy pattern, and at every address STARTTLS with a chain
 * valid for its name, all at once under the one -t (lib/probe/mx_probe.c, as
 * check_mail_tls --mx).  Also the TLS-RPT record, so that failures get
 * reported to the owner.
 *
 * Flow: options -> DNS, policy, MX probes -> facts -> table of checks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "cert_checks.h"
#include "check.h"
#include "dns.h"
#include "http_fetch.h"
#include "mtasts.h"
#include "mx.h"
#include "mx_probe.h"
#include "tlsrpt_record.h"
#include "plugin_opts.h"
#include "statefile.h"
#include "tlsprobe.h"

#define PREFIX "MTA_STS"
#define MX_MAX TP_MX_MAX
#define STATE_KIND "tls-probe mta-sts 1"	/* one record per domain: "ID:SHA256" */

struct options {
	struct common_opts common;
	const char *domain;
	char domain_buf[256];
	const char *resolver;
	const char *trust_anchor;
	const char *rootcert;
	struct expiry_policy expiry;
	unsigned https_port;
	unsigned smtp_port;
	const char *state_file;
};

/*
 * -t is shared out between the phases, so that a slow one (a policy host
 * dripping its answer) cannot leave the next without time and make it
 * blame a healthy MX or DNS: each phase may use a share of what is left
 * when it starts (PHASE_*), the MX probes all that remains. Work that
 * would start with less than WORK_MIN_MS is not done, and its line says
 * where the time went instead of inventing a cause.
 */
struct phase {
	const char *name;		/* "the policy fetch", for sentences */
	int64_t start_ms, end_ms;	/* monotonic; END: the share's end */
};

#define WORK_MIN_MS 100		/* the least a DNS query or a probe is started with */
#define PHASE_RECORDS 0.25	/* the _mta-sts and _smtp._tls TXT lookups */
#define PHASE_POLICY 0.5	/* the policy host's address and the fetch */
#define PHASE_MX_DNS 0.5	/* the MX and their addresses; the probes get the rest */

/* Everything the checks look at, gathered once. */
struct run {
	const struct options *opts;
	struct tp_resolver *resolver;
	struct tp_client *client;	/* -r read once: the policy host's chain and every MX */
	time_t now;
	int64_t deadline_ms;		/* monotonic: start + -t */
	struct phase phase;		/* the current phase and its share of -t */
	struct phase longest;		/* the phase that took the most time so far */
	char policy_host[300];
	enum mtasts_select sts;
	struct mtasts_record record;
	char record_error[400];
	enum check_state record_state;	/* of RECORD_ERROR: CRITICAL, or -t's when not looked up */
	enum mtasts_select rpt;
	struct tlsrpt_record tlsrpt;
	char tlsrpt_error[400];
	enum check_state tlsrpt_state;
	struct http_fetch *fetch;
	bool policy_ok;			/* fetched, verified and parsed */
	struct mtasts_policy policy;
	char policy_error[1024];
	enum check_state policy_state;	/* of POLICY_ERROR */
	char policy_sha256[65];
	struct tp_mx_probes mx;		/* the MX, their addresses and probes (lib/probe/mx_probe.c) */
	const char *pattern[MX_MAX];	/* the policy's mx pattern covering MX i, or NULL */
	char mx_error[512];		/* no MX to probe: why */
	enum check_state mx_state;	/* of MX_ERROR */
	char probes_error[400];		/* the probes could not be run: why */
	enum check_state probes_state;	/* of PROBES_ERROR */
	struct statefile *state;	/* --state-file, open from reading it to writing it */
	char state_key[256];		/* the domain, lowercased: its record's key */
	char state_error[4700];		/* --state-file unusable (the path and why), or "" */
	bool state_migrated;		/* it held the one-line format of earlier versions */
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_RESOLVER = 0x2000, OPT_TRUST_ANCHOR, OPT_HTTPS_PORT, OPT_SMTP_PORT, OPT_STATE_FILE,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	{ "domain", required_argument, NULL, 'D' },
	{ "rootcert", required_argument, NULL, 'r' },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	{ "https-port", required_argument, NULL, OPT_HTTPS_PORT },
	{ "smtp-port", required_argument, NULL, OPT_SMTP_PORT },
	{ "state-file", required_argument, NULL, OPT_STATE_FILE },
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_mta_sts %s - will MTA-STS senders deliver to this domain?\n\n",
	    PACKAGE_VERSION);
	printf("Checks a domain's MTA-STS (RFC 8461) as a sending MTA applies it: the\n"
	    "_mta-sts TXT record, the policy at https://mta-sts.DOMAIN/.well-known/\n"
	    "mta-sts.txt (verified, no redirects, parsed strictly), every MX covered by\n"
	    "the policy and offering STARTTLS with a valid certificate for its name at\n"
	    "each of its IPv4 and IPv6 addresses (the first 16; of an MX with several,\n"
	    "the address that fails is named), and the TLS-RPT record (RFC 8460) that\n"
	    "reports failures.\n\n");
	printf("Usage: check_mta_sts -D DOMAIN [options]\n\n");
	printf("Options:\n"
	    " -D, --domain=DOMAIN     the mail domain (required)\n"
	    " -r, --rootcert=FILE|DIR trust these roots instead of the system store\n"
	    EXPIRY_HELP
	    "     --resolver=ADDR[@PORT]  DNS resolver (an IP address; default: those of\n"
	    "                         /etc/resolv.conf); answers are DNSSEC-validated here\n"
	    "     --trust-anchor=FILE DNSSEC trust anchor (default: the system's root key)\n"
	    "     --https-port=PORT   the policy host's port (default 443; for tests)\n"
	    "     --smtp-port=PORT    the MX port (default 25; for tests)\n"
	    "     --state-file=FILE   remember each domain's policy id and body here (one\n"
	    "                         file may serve many domains), to warn when the\n"
	    "                         body changes but the id does not\n");
	common_opts_help(stdout);
	printf("\nStates: CRITICAL when senders will not deliver: no or invalid MTA-STS\n"
	    "record, policy unreachable, unverifiable or invalid, in enforce mode an MX\n"
	    "not covered by the policy or without valid STARTTLS; WARNING for the same\n"
	    "MX failures in testing mode, max_age under a day, a changed policy under an\n"
	    "unchanged id, no TLS-RPT record, time left below -w, a damaged --state-file\n"
	    "(read as empty and rewritten) or one that cannot be written; UNKNOWN for\n"
	    "usage errors and a --state-file that is not tls-probe's (left alone).\n\n");
	printf("Examples:\n"
	    "  check_mta_sts -D example.com\n"
	    "  check_mta_sts -D example.com --state-file /var/lib/nagios/mta-sts.state\n");
}

static int
parse_port(const char *option, const char *arg, unsigned *out, char *err, size_t errlen)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || n < 1 || n > 65535) {
		snprintf(err, errlen, "%s: '%s' is not a port number (1 to 65535)", option, arg);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;

	switch (opt) {
	case 'D':
		if (host_name_option("-D/--domain", arg, o->domain_buf, sizeof(o->domain_buf),
		    err, errlen) < 0)
			return -1;
		if (strchr(arg, '/') != NULL || strchr(arg, '[') != NULL || is_ip_address(arg))
			return opt_error(err, errlen, "-D/--domain: '%s' is not a domain name", arg);
		o->domain = o->domain_buf;
		return 0;
	case 'r':
		return opt_path("-r/--rootcert", arg, OPT_PATH_FILE | OPT_PATH_DIR | OPT_PATH_PIPE,
		    &o->rootcert, err, errlen);
	case 'w':
	case 'c':
		return expiry_option(&o->expiry, opt, arg, err, errlen);
	case OPT_RESOLVER:
		return opt_resolver(arg, &o->resolver, err, errlen);
	case OPT_TRUST_ANCHOR:
		return opt_readable("--trust-anchor", arg, &o->trust_anchor, err, errlen);
	case OPT_HTTPS_PORT:
		return parse_port("--https-port", arg, &o->https_port, err, errlen);
	case OPT_SMTP_PORT:
		return parse_port("--smtp-port", arg, &o->smtp_port, err, errlen);
	case OPT_STATE_FILE:
		return opt_path("--state-file", arg, OPT_PATH_FILE | OPT_PATH_NEW, &o->state_file,
		    err, errlen);
	default:
		snprintf(err, errlen, "unknown option; see check_mta_sts --help");
		return -1;
	}
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS "D:r:w:c:", long_options, &o->common, NULL, handle_option, o,
	};
	int rc;

	o->https_port = 443;
	o->smtp_port = 25;
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	if (rc != 0)
		return rc;
	if (o->domain == NULL) {
		snprintf(err, errlen, "-D/--domain is required: the mail domain to check");
		return -1;
	}
	return expiry_policy_complete(&o->expiry, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* gathering: DNS, the policy, the MX                                        */
/* ------------------------------------------------------------------------ */

/* Ends the current phase and starts NAME with SHARE (0 to 1) of the time left. */
static void
phase_start(struct run *r, const char *name, double share)
{
	int64_t now = tp_monotonic_ms(), left = r->deadline_ms - now;

	if (r->phase.name != NULL && now - r->phase.start_ms > r->longest.end_ms -
	    r->longest.start_ms) {
		r->longest = r->phase;
		r->longest.end_ms = now;
	}
	r->phase.name = name;
	r->phase.start_ms = now;
	r->phase.end_ms = now + (left > 0 ? (int64_t)((double)left * share) : 0);
}

/* The least work is started with: WORK_MIN_MS, less under a short -t. */
static int64_t
work_min_ms(const struct run *r)
{
	int64_t eighth = (int64_t)(r->opts->common.timeout_seconds * 1000 / 8);

	return eighth < WORK_MIN_MS ? eighth : WORK_MIN_MS;
}

/*
 * The milliseconds the current phase has left for one more piece of work,
 * or 0 when that is too little to start it: then ERR says where the time went.
 */
static int64_t
phase_left(struct run *r, char *err, size_t errlen)
{
	int64_t now = tp_monotonic_ms(), left = r->phase.end_ms - now;
	const struct phase *took = &r->longest;
	int64_t took_ms = took->end_ms - took->start_ms;

	if (left >= work_min_ms(r))
		return left;
	/* A phase that got a share and used it up is named; else the one before that took longest. */
	if (took->name == NULL || r->phase.end_ms - r->phase.start_ms >= work_min_ms(r)) {
		took = &r->phase;
		took_ms = now - r->phase.start_ms;
	}
	snprintf(err, errlen, "not checked: the time ran out in %s (it took %.1f s of -t %g s)",
	    took->name, (double)took_ms / 1000, r->opts->common.timeout_seconds);
	return 0;
}

/*
 * The TXT records at one name, each its strings joined. Every record is
 * read whole: DNS bounds them (an answer is at most 65,535 bytes), so none
 * is cut or left out, and "no record" is never said of one that is there.
 */
struct txt_set {
	struct mtasts_txt *records;
	size_t n;
	char *text;		/* the joined texts, one after the other */
};

static void
txt_set_free(struct txt_set *set)
{
	free(set->records);
	free(set->text);
	memset(set, 0, sizeof(*set));
}

static void
read_txt(const struct tp_dns_answer *a, const char *name, struct txt_set *set, char *err,
    size_t errlen)
{
	size_t count = tp_dns_answer_count(a), total = 0, at = 0, len;

	for (size_t i = 0; i < count; i++) {
		tp_dns_answer_rdata(a, i, &len);
		total += len + 1;
	}
	set->records = calloc(count ? count : 1, sizeof(*set->records));
	set->text = malloc(total ? total : 1);
	if (set->records == NULL || set->text == NULL) {
		snprintf(err, errlen, "out of memory reading the TXT records at %s", name);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		tp_dns_answer_rdata(a, i, &len);
		if (!tp_dns_txt(a, i, set->text + at, len + 1, &set->records[i].len)) {
			snprintf(err, errlen, "TXT record %zu of %zu at %s is malformed: a "
			    "string runs past the record's end", i + 1, count, name);
			return;
		}
		set->records[i].text = set->text + at;
		at += set->records[i].len + 1;
		set->n++;
	}
}

/*
 * The TXT records at NAME into SET; ERR set when there is no usable answer.
 * False when the time ran out before the lookup (ERR says so).
 */
static bool
lookup_txt(struct run *r, const char *name, struct txt_set *set, char *err, size_t errlen)
{
	int64_t left = phase_left(r, err, errlen);
	struct tp_dns_answer *a = left > 0 ? tp_dns_query(r->resolver, name, TP_DNS_TXT,
	    left, err, errlen) : NULL;

	if (a != NULL && tp_dns_answer_security(a) == TP_DNS_BOGUS)
		snprintf(err, errlen, "the TXT answer for %s is bogus (DNSSEC validation "
		    "failed): %s", name, tp_dns_answer_why_bogus(a));
	else if (a != NULL)
		read_txt(a, name, set, err, errlen);
	tp_dns_answer_free(a);
	/* No answer within the phase's share is the -t timeout, not the domain's fault. */
	return left > 0 && !(a == NULL && tp_monotonic_ms() >= r->phase.end_ms);
}

static void
gather_records(struct run *r)
{
	struct txt_set set = { 0 };
	char name[300];

	phase_start(r, "the DNS lookups of the MTA-STS and TLS-RPT records", PHASE_RECORDS);
	snprintf(name, sizeof(name), "_mta-sts.%s", r->opts->domain);
	r->record_error[0] = '\0';
	r->record_state = lookup_txt(r, name, &set, r->record_error, sizeof(r->record_error)) ?
	    STATE_CRITICAL : r->opts->common.timeout_state;
	r->sts = r->record_error[0] ? MTASTS_SELECT_INVALID :
	    mtasts_record_select(set.records, set.n, &r->record, r->record_error,
	    sizeof(r->record_error));
	txt_set_free(&set);
	snprintf(name, sizeof(name), "_smtp._tls.%s", r->opts->domain);
	r->tlsrpt_error[0] = '\0';
	r->tlsrpt_state = lookup_txt(r, name, &set, r->tlsrpt_error, sizeof(r->tlsrpt_error)) ?
	    STATE_WARNING : r->opts->common.timeout_state;
	r->rpt = r->tlsrpt_error[0] ? MTASTS_SELECT_INVALID :
	    tlsrpt_record_select(set.records, set.n, &r->tlsrpt, r->tlsrpt_error,
	    sizeof(r->tlsrpt_error));
	txt_set_free(&set);
}

/* HOST's first IPv4 address, else its first IPv6 one, into ADDR; -2: no time to look. */
static int
lookup_address(struct run *r, const char *host, char *addr, size_t size, char *err,
    size_t errlen)
{
	if (phase_left(r, err, errlen) == 0)
		return -2;
	return tp_dns_first_address(r->resolver, host, TP_FAMILY_ANY, r->phase.end_ms, addr,
	    size, NULL, 0, err, errlen);
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1)
		return;
	for (unsigned i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
fetch_policy(struct run *r)
{
	char url[400], addr[64], err[400] = "", why[400];
	struct http_request req = { .url = url, .connect_addr = addr,
	    .connect_port = r->opts->https_port, .body_max = MTASTS_POLICY_MAX + 1 };
	const char *body, *problem;
	size_t len;
	int rc;

	phase_start(r, "the policy fetch", PHASE_POLICY);
	r->policy_state = STATE_CRITICAL;
	snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt", r->policy_host);
	rc = lookup_address(r, r->policy_host, addr, sizeof(addr), err, sizeof(err));
	if (rc < 0) {
		snprintf(r->policy_error, sizeof(r->policy_error), "the policy host: %s", err);
		if (rc == -2)
			r->policy_state = r->opts->common.timeout_state;
		return;
	}
	req.timeout_ms = (unsigned)phase_left(r, err, sizeof(err));
	if (req.timeout_ms == 0) {
		snprintf(r->policy_error, sizeof(r->policy_error), "the policy: %s", err);
		r->policy_state = r->opts->common.timeout_state;
		return;
	}
	r->fetch = http_fetch_new();
	if (r->fetch == NULL || http_fetch_run(r->fetch, &req) < 0) {
		enum tp_failure failure = r->fetch ? http_fetch_failure(r->fetch) : TP_FAIL_INTERNAL;

		snprintf(r->policy_error, sizeof(r->policy_error), "%s cannot be fetched: %s%s",
		    url, r->fetch ? http_fetch_error(r->fetch) : "out of memory",
		    failure == TP_FAIL_TIMEOUT ? " (the policy fetch gets half of the time "
		    "left, the MX the rest)" : "");
		/* CONFIG: the URL made from -D, the user's; INTERNAL: this side's. */
		r->policy_state = failure == TP_FAIL_TIMEOUT ? r->opts->common.timeout_state :
		    failure == TP_FAIL_INTERNAL || failure == TP_FAIL_CONFIG ? STATE_UNKNOWN :
		    STATE_CRITICAL;
		return;
	}
	problem = tp_chain_web_problem(http_fetch_peer_chain(r->fetch),
	    tp_client_trust(r->client), r->policy_host, r->now, why, sizeof(why));
	body = http_fetch_body(r->fetch, &len);
	if (problem != NULL)
		snprintf(r->policy_error, sizeof(r->policy_error), "the policy host %s fails "
		    "certificate verification, so senders cannot fetch the policy: %s",
		    r->policy_host, problem);
	else if (http_fetch_status(r->fetch) != 200)
		snprintf(r->policy_error, sizeof(r->policy_error), "%s answers %ld%s, not 200",
		    url, http_fetch_status(r->fetch), http_fetch_location(r->fetch) ?
		    " (a redirect, which senders do not follow: RFC 8461 section 3.3)" : "");
	else if (mtasts_policy_parse(body, len, &r->policy, err, sizeof(err)) < 0)
		snprintf(r->policy_error, sizeof(r->policy_error), "the policy at %s is "
		    "invalid: %s", url, err);
	else {
		r->policy_ok = true;
		sha256_hex(body, len, r->policy_sha256);
	}
}

/*
 * The domain's MX, most preferred first, and every address of each
 * (lib/probe/mx_probe.c): the first MX_MAX checked and the rest counted, as are
 * records naming no host name.  An MX whose addresses the time left no
 * room to look up says where the time went.
 */
static void
gather_mx(struct run *r)
{
	int64_t left;

	phase_start(r, "the DNS lookups of the MX", PHASE_MX_DNS);
	left = phase_left(r, r->mx_error, sizeof(r->mx_error));
	r->mx_state = left > 0 ? STATE_CRITICAL : r->opts->common.timeout_state;
	if (left == 0) {
		r->mx.outcome = TP_MX_FAILED;
		return;
	}
	tp_mx_probes_find(&r->mx, r->resolver, r->opts->domain, false, TP_FAMILY_ANY,
	    r->phase.end_ms, work_min_ms(r));
	switch (r->mx.outcome) {
	case TP_MX_FAILED:
		snprintf(r->mx_error, sizeof(r->mx_error), "%s", r->mx.error);
		return;
	case TP_MX_NULL:
		snprintf(r->mx_error, sizeof(r->mx_error), "%s has a null MX (RFC 7505): it "
		    "accepts no mail, so an MTA-STS policy serves no purpose", r->opts->domain);
		return;
	case TP_MX_UNUSABLE:
		snprintf(r->mx_error, sizeof(r->mx_error), "none of the %zu MX records of %s "
		    "names a host name (labels of letters, digits, '-' and '_'): mail has "
		    "nowhere to go", r->mx.list.unusable, r->opts->domain);
		return;
	case TP_MX_NONE:
		snprintf(r->mx_error, sizeof(r->mx_error), "%s has no MX record", r->opts->domain);
		return;
	case TP_MX_FOUND:
		break;
	}
	for (size_t i = 0; i < r->mx.count; i++)
		if (r->mx.mx[i].not_looked_up)
			(void)phase_left(r, r->mx.mx[i].error, sizeof(r->mx.mx[i].error));
}

/* lib/probe/mx_probe.c's tp_mx_config_fn: what a sending MTA speaks, on --smtp-port. */
static struct tp_config *
mx_config(void *arg, const struct tp_mx_target *mx, const char *address, size_t slot,
    size_t index, char *err, size_t errlen)
{
	const struct run *r = arg;
	struct tp_config *cfg = tp_config_new();

	(void)mx, (void)address, (void)slot, (void)index;
	if (cfg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tp_config_set_port(cfg, r->opts->smtp_port) < 0 ||
	    tp_config_set_protocol(cfg, TP_PROTO_SMTP) < 0) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		tp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * Every address of every MX is probed at once, under what is left of -t;
 * when nothing is left, each MX says where the time went.
 */
static void
probe_mx(struct run *r)
{
	for (size_t i = 0; r->policy_ok && i < r->mx.count; i++)
		r->pattern[i] = mtasts_policy_match(&r->policy, r->mx.mx[i].host);
	if (tp_mx_probes_prepare(&r->mx, 1, mx_config, r, r->probes_error,
	    sizeof(r->probes_error)) < 0) {
		r->probes_state = STATE_UNKNOWN;
		tp_mx_probes_free(&r->mx);
		return;
	}
	phase_start(r, "the MX probes", 1);
	if (r->mx.n > 0 && phase_left(r, r->probes_error, sizeof(r->probes_error)) == 0) {
		r->probes_state = r->opts->common.timeout_state;
		tp_mx_probes_free(&r->mx);
		return;
	}
	tp_mx_probes_run(&r->mx, r->client, r->phase.end_ms);
}

/* ------------------------------------------------------------------------ */
/* the checks                                                                */
/* ------------------------------------------------------------------------ */

/* How much a broken MX matters: per the policy's mode. */
static enum check_state
mx_failure_state(const struct run *r)
{
	if (!r->policy_ok || r->policy.mode == MTASTS_MODE_ENFORCE)
		return STATE_CRITICAL;
	return r->policy.mode == MTASTS_MODE_TESTING ? STATE_WARNING : STATE_OK;
}

static void
check_record(struct check *c, const struct run *r)
{
	if (r->sts == MTASTS_SELECT_ONE) {
		check_add(c, STATE_OK, "MTA-STS record: id %s", r->record.id);
		if (r->record.warning[0])
			check_add(c, STATE_WARNING, "the MTA-STS record: %s", r->record.warning);
	} else
		check_add(c, r->record_state, "%s", r->record_error);
}

static void
check_policy(struct check *c, const struct run *r)
{
	if (r->sts != MTASTS_SELECT_ONE)
		return;
	if (!r->policy_ok) {
		check_add(c, r->policy_state, "%s", r->policy_error);
		return;
	}
	check_add(c, STATE_OK, "policy: mode %s, max_age %ld, %zu mx pattern%s",
	    mtasts_mode_name(r->policy.mode), r->policy.max_age, r->policy.mx_count,
	    r->policy.mx_count == 1 ? "" : "s");
	if (r->policy.max_age < 86400)
		check_add(c, STATE_WARNING, "the policy's max_age is %ld s, under a day: "
		    "senders refetch it all the time (RFC 8461 suggests weeks)", r->policy.max_age);
	if (r->policy.warning[0])
		check_add(c, STATE_WARNING, "the policy: %s", r->policy.warning);
}

static void
check_mx_coverage(struct check *c, const struct run *r)
{
	size_t unusable = r->mx.list.unusable;

	if (r->mx.count == 0) {
		check_add(c, r->mx_state, "%s", r->mx_error);
		return;
	}
	if (r->mx.list.skipped > 0)
		check_add(c, STATE_WARNING, "%zu more MX (the least preferred) were not checked: "
		    "this check looks at %d", r->mx.list.skipped, MX_MAX);
	if (unusable > 0)
		check_add(c, STATE_WARNING, "%zu MX record%s of %s name%s no host name (labels "
		    "of letters, digits, '-' and '_') and %s not checked", unusable,
		    unusable == 1 ? "" : "s", r->opts->domain, unusable == 1 ? "s" : "",
		    unusable == 1 ? "was" : "were");
	for (size_t i = 0; r->policy_ok && i < r->mx.count; i++) {
		const struct tp_mx_target *m = &r->mx.mx[i];

		if (r->pattern[i] == NULL && r->policy.mode != MTASTS_MODE_NONE)
			check_add(c, mx_failure_state(r), "MX %s is not covered by the "
			    "policy's mx patterns: %s senders %s", m->host,
			    mtasts_mode_name(r->policy.mode), r->policy.mode ==
			    MTASTS_MODE_ENFORCE ? "will not deliver to it" : "report it");
	}
}

/*
 * Why a sender fails at probe I (an address of MX T), into BUF with its
 * state in *STATE, or NULL when it delivers there: STARTTLS, a chain that
 * verifies, a certificate that covers the MX name.
 */
static const char *
mx_address_problem(const struct run *r, const struct tp_mx_target *t, size_t i,
    enum check_state *state, char *buf, size_t size)
{
	const struct tp_probe *p = r->mx.probes[i];
	const struct tp_cert *leaf = tp_chain_cert(tp_probe_peer_chain(p), 0);

	*state = mx_failure_state(r);
	if (i >= r->mx.started) {
		*state = r->opts->common.timeout_state;
		snprintf(buf, size, "not checked: the time ran out before its turn (%zu of %zu "
		    "MX addresses were probed within -t %g s)", r->mx.started, r->mx.n,
		    r->opts->common.timeout_seconds);
	} else if (tp_probe_failure(p) != TP_FAIL_NONE)
		snprintf(buf, size, "%s", tp_probe_error(p));
	else if (leaf == NULL)
		snprintf(buf, size, "the server sent no certificate");
	else if (!tp_probe_verified(p))
		snprintf(buf, size, "the chain does not verify: %s", tp_probe_verify_error(p));
	else if (!tp_cert_matches_name(leaf, t->host))
		snprintf(buf, size, "the certificate '%s' does not cover the MX name",
		    cert_label(leaf));
	else
		return NULL;
	return buf;
}

/* True when a sender delivers to every address of MX T over valid STARTTLS. */
static bool
mx_all_ok(const struct run *r, const struct tp_mx_target *t)
{
	enum check_state state;
	char buf[400];

	if (t->addrs.count == 0 || r->mx.probes == NULL)
		return false;
	for (size_t a = 0; a < t->addrs.count; a++)
		if (mx_address_problem(r, t, t->first + a, &state, buf, sizeof(buf)) != NULL)
			return false;
	return true;
}

/*
 * Each MX at each of its addresses: an MX of several addresses names the
 * address on every line, so that the node a sender fails at is named.
 */
static void
check_mx_tls(struct check *c, const struct run *r)
{
	for (size_t i = 0; i < r->mx.count; i++) {
		const struct tp_mx_target *m = &r->mx.mx[i];

		if (m->not_looked_up) {
			check_add(c, r->opts->common.timeout_state, "MX %s: %s", m->host, m->error);
			continue;
		}
		if (m->addrs.count == 0) {
			check_add(c, mx_failure_state(r), "MX %s: %s", m->host, m->error);
			continue;
		}
		if (r->mx.probes == NULL) {
			check_add(c, r->probes_state, "MX %s: %s", m->host, r->probes_error);
			continue;
		}
		if (m->addrs.more > 0)
			check_add(c, STATE_WARNING, "MX %s has %zu more addresses than the %d "
			    "probed (the first in numeric order)", m->host, m->addrs.more,
			    TP_ADDRESSES_MAX);
		for (size_t a = 0; a < m->addrs.count; a++) {
			const struct tp_chain *sent = tp_probe_peer_chain(r->mx.probes[m->first + a]);
			enum check_state state;
			char where[340], buf[400];
			const char *problem = mx_address_problem(r, m, m->first + a, &state, buf,
			    sizeof(buf));

			snprintf(where, sizeof(where), "MX %s%s%s", m->host, m->addrs.count > 1 ?
			    " " : "", m->addrs.count > 1 ? m->addrs.addr[a] : "");
			if (problem != NULL) {
				check_add(c, state, "%s: %s", where, problem);
				continue;
			}
			check_add(c, STATE_OK, "%s (preference %u): STARTTLS, chain valid for its "
			    "name", where, m->preference);
			snprintf(where + strlen(where), sizeof(where) - strlen(where), ": ");
			cert_check_expiry(c, sent, &r->opts->expiry, r->now, where);
		}
	}
}

static void
check_tlsrpt(struct check *c, const struct run *r)
{
	if (r->rpt == MTASTS_SELECT_ONE) {
		check_add(c, STATE_OK, "TLS-RPT: reports go to %s%s", r->tlsrpt.rua[0],
		    r->tlsrpt.rua_count > 1 ? " and more" : "");
		if (r->tlsrpt.warning[0])
			check_add(c, STATE_WARNING, "the TLS-RPT record: %s", r->tlsrpt.warning);
	} else if (r->tlsrpt_state != STATE_WARNING)
		check_add(c, r->tlsrpt_state, "the TLS-RPT record: %s", r->tlsrpt_error);
	else
		check_add(c, STATE_WARNING, "%s (senders cannot report delivery failures "
		    "to the owner)", r->tlsrpt_error);
}

/*
 * --state-file (lib/check/statefile.c): one record per domain, "ID:SHA256", the
 * policy body first seen under the current id (a ':', not a space, which
 * the file would escape). Read before the checks, judged by
 * check_policy_id, written by remember_policy after every check is judged.
 */

static bool
is_ascii_alnum(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* True for "ID<SEP>SHA256": an id of 1 to 32 letters and digits, a lowercase hex SHA-256. */
static bool
valid_state_value(const char *text, size_t len, char sep)
{
	size_t id = 0;

	while (id < len && is_ascii_alnum(text[id]))
		id++;
	if (id == 0 || id > MTASTS_ID_MAX || len != id + 1 + 64 || text[id] != sep)
		return false;
	for (size_t i = id + 1; i < len; i++)
		if (!(text[i] >= '0' && text[i] <= '9') && !(text[i] >= 'a' && text[i] <= 'f'))
			return false;
	return true;
}

/*
 * The file earlier versions wrote: the one line "ID SHA256\n", with no
 * domain (it served one); taken as this domain's record, anything else is
 * not ours.
 */
static bool
read_old_format(struct statefile *sf, const char *buf, size_t len, void *arg)
{
	struct run *r = arg;
	char value[MTASTS_ID_MAX + 66];

	if (len < 2 || buf[len - 1] != '\n' || !valid_state_value(buf, len - 1, ' '))
		return false;
	snprintf(value, sizeof(value), "%.*s", (int)(len - 1), buf);
	value[strcspn(value, " ")] = ':';
	r->state_migrated = true;
	return statefile_set(sf, r->state_key, value) == 0;
}

/* Opens --state-file when there is a policy to compare; STATE_ERROR says why it cannot. */
static void
read_state(struct run *r)
{
	char err[4600];		/* the path (up to 4 KiB) and why */
	size_t i;

	if (r->opts->state_file == NULL || !r->policy_ok || r->sts != MTASTS_SELECT_ONE)
		return;
	for (i = 0; r->opts->domain[i] != '\0' && i + 1 < sizeof(r->state_key); i++) {
		char ch = r->opts->domain[i];

		r->state_key[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	r->state_key[i] = '\0';
	r->state = statefile_open_legacy(r->opts->state_file, STATE_KIND, read_old_format, r,
	    err, sizeof(err));
	if (r->state == NULL)
		snprintf(r->state_error, sizeof(r->state_error), "--state-file: %s (the policy "
		    "is not compared with the last one)", err);
}

/* The domain's remembered "ID:SHA256", or NULL; ID_LEN: the length of its id. */
static const char *
remembered(const struct run *r, size_t *id_len)
{
	const char *value = statefile_get(r->state, r->state_key);

	if (value == NULL || !valid_state_value(value, strlen(value), ':'))
		return NULL;
	*id_len = strcspn(value, ":");
	return value;
}

/* True when the policy is to be remembered: none yet, or under another id. */
static bool
policy_is_new(const struct run *r)
{
	size_t id_len;
	const char *old = remembered(r, &id_len);

	return old == NULL || id_len != strlen(r->record.id) ||
	    strncmp(old, r->record.id, id_len) != 0;
}

/*
 * A different body under the same id warns until the id changes (senders
 * keep the cached body until max_age runs out), so the warning stays up
 * for the monitoring system to notify.
 */
static void
check_policy_id(struct check *c, const struct run *r)
{
	size_t id_len;
	const char *old;

	if (r->opts->state_file == NULL || !r->policy_ok || r->sts != MTASTS_SELECT_ONE)
		return;
	if (r->state == NULL) {
		check_add(c, STATE_UNKNOWN, "%s", r->state_error);
		return;
	}
	if (statefile_problem(r->state) != NULL)
		check_add(c, STATE_WARNING, "%s", statefile_problem(r->state));
	if (r->state_migrated)
		check_add(c, STATE_OK, "--state-file: %s held the one-line format of earlier "
		    "versions; rewritten as '%s'", r->opts->state_file, STATE_KIND);
	old = remembered(r, &id_len);
	if (old == NULL)
		check_add(c, STATE_OK, "first check of %s with --state-file: remembering "
		    "policy id %s (sha256 %.16s)", r->opts->domain, r->record.id,
		    r->policy_sha256);
	else if (policy_is_new(r))
		check_add(c, STATE_OK, "the policy id changed from '%.*s' to '%s': "
		    "remembering the new policy", (int)id_len, old, r->record.id);
	else if (strcmp(old + id_len + 1, r->policy_sha256) != 0)
		check_add(c, STATE_WARNING, "the policy changed but its id '%s' did not: "
		    "senders keep the cached old policy until max_age runs out; change "
		    "the id in _mta-sts.%s", r->record.id, r->opts->domain);
}

/* After every check is judged: a new policy is remembered, the file written and closed. */
static void
remember_policy(struct check *c, struct run *r)
{
	char value[MTASTS_ID_MAX + 66], err[4600];

	if (r->state == NULL)
		return;
	snprintf(value, sizeof(value), "%s:%s", r->record.id, r->policy_sha256);
	if (policy_is_new(r) && statefile_set(r->state, r->state_key, value) < 0)
		check_add(c, STATE_WARNING, "--state-file: the policy of %s could not be "
		    "stored (out of memory, or over the state file's limit of %d records)",
		    r->opts->domain, STATEFILE_MAX_RECORDS);
	if (statefile_commit(r->state, err, sizeof(err)) < 0)
		check_add(c, STATE_WARNING, "--state-file: %s", err);
	statefile_close(r->state);
	r->state = NULL;
}

/* The table of checks, in the order their lines appear. */
static void (*const checks[])(struct check *, const struct run *) = {
	check_record,
	check_policy,
	check_mx_coverage,
	check_mx_tls,
	check_tlsrpt,
	check_policy_id,
};

/* ------------------------------------------------------------------------ */
/* output and main                                                           */
/* ------------------------------------------------------------------------ */

static void
summarize(struct check *c, const struct run *r)
{
	if (check_state(c) != STATE_OK)
		check_summary_prefix(c, "%s", r->opts->domain);
	else if (!r->policy_ok)
		check_summary(c, "%s: no usable MTA-STS policy", r->opts->domain);
	else if (r->policy.mode == MTASTS_MODE_NONE)
		check_summary(c, "%s: MTA-STS mode none (the policy is being withdrawn), "
		    "policy id %s, max_age %ld", r->opts->domain, r->record.id, r->policy.max_age);
	else
		check_summary(c, "%s: MTA-STS %s, %zu MX covered with valid STARTTLS, policy "
		    "id %s, max_age %ld", r->opts->domain, mtasts_mode_name(r->policy.mode),
		    r->mx.count, r->record.id, r->policy.max_age);
}

static void
add_perfdata(struct check *c, const struct run *r)
{
	size_t ok = 0;
	const struct tp_cert *soonest = NULL;

	/* an MX counts as ok when a sender delivers at each address: verified and named */
	for (size_t i = 0; i < r->mx.count; i++)
		ok += mx_all_ok(r, &r->mx.mx[i]);
	for (size_t i = 0; i < r->mx.started; i++)
		soonest = expiry_soonest(tp_probe_peer_chain(r->mx.probes[i]), soonest);
	check_perf(c, "mx", (double)r->mx.count, NULL, NULL, NULL, NULL);
	check_perf(c, "mx_ok", (double)ok, NULL, NULL, NULL, NULL);
	if (soonest != NULL)
		expiry_perfdata(c, "days_left_min", NULL, &r->opts->expiry, soonest, r->now);
}

static void
free_run(struct run *r)
{
	tp_mx_probes_free(&r->mx);
	statefile_close(r->state);
	http_fetch_free(r->fetch);
	tp_client_free(r->client);
	tp_resolver_free(r->resolver);
}

static int
run(const struct options *o, struct check *c)
{
	struct run r = { .opts = o, .now = time(NULL) };
	char err[512];

	r.deadline_ms = tp_monotonic_ms() + (int64_t)(o->common.timeout_seconds * 1000);
	snprintf(r.policy_host, sizeof(r.policy_host), "mta-sts.%s", o->domain);
	r.resolver = tp_resolver_new(o->resolver, o->trust_anchor, err, sizeof(err));
	if (r.resolver != NULL && (r.client = tp_client_new(o->rootcert)) == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (r.resolver != NULL && tp_client_error(r.client) != NULL)
		snprintf(err, sizeof(err), "%s", tp_client_error(r.client));
	if (r.resolver == NULL || r.client == NULL || tp_client_error(r.client) != NULL) {
		free_run(&r);
		return check_usage_error(PREFIX, err);
	}
	gather_records(&r);
	if (tp_resolver_unusable(r.resolver)) {
		snprintf(err, sizeof(err), "%s", r.record_error);
		free_run(&r);
		return check_usage_error(PREFIX, err);
	}
	if (r.sts == MTASTS_SELECT_ONE)
		fetch_policy(&r);
	gather_mx(&r);
	probe_mx(&r);
	read_state(&r);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i](c, &r);
	remember_policy(c, &r);
	summarize(c, &r);
	add_perfdata(c, &r);
	check_group(c, (const struct check_label[]){ { "domain", o->domain }, { NULL, NULL } }, 0);
	check_fact_str(c, "domain", o->domain);
	if (r.policy_ok)
		check_fact_str(c, "mode", mtasts_mode_name(r.policy.mode));
	check_group_end(c);
	free_run(&r);
	return check_finish(c, o->common.output, stdout);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char err[512];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_mta_sts", PREFIX, print_help, err);
	plugin_start(&o.common, PREFIX);
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	rc = run(&o, c);
	check_free(c);
	return rc;
}
