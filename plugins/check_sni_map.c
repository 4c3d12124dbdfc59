/*
 * check_sni_map - does every name of a multi-domain mail server get its
 * own certificate? Reads a Postfix tls_server_sni_maps source (or Dovecot
 * local_name blocks), checks each entry's files statically, the compiled
 * map's age, and, with -H, what the server really presents for each name
 * (incident 2: mailcow's empty sni.map, "not matched, using default chain").
 *
 * Flow: options -> map and names -> static checks per entry -> the names
 * probed, --parallel at a time -> live checks per name -> one exit.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cert_checks.h"
#include "check.h"
#include "endpoint_opts.h"
#include "plugin_opts.h"
#include "tlsprobe.h"

#define PREFIX "SNI_MAP"
#define NAMES_MAX 1024
#define EXTRA_NAMES_MAX 64

struct options {
	struct common_opts common;
	struct endpoint_opts endpoint;
	const char *map;
	enum tp_sni_map_type map_type;
	const char *names[EXTRA_NAMES_MAX];
	char names_buf[EXTRA_NAMES_MAX][256];
	size_t name_count;
	const char *names_file;
	const char *expect_cert;
	unsigned parallel;
	bool list_names;
	struct expiry_policy expiry;
};

/* One name to judge: from the map, or given with --name. */
struct name {
	char *text;
	size_t entry;			/* index in the map, or SIZE_MAX */
	struct tp_chain *map_chain;	/* the entry's certificates, if readable */
	const struct name *files_of;	/* an earlier name naming the same files, or NULL */
	int key_matches;		/* of the entry's files: 1, 0, -1 (no key) */
	struct tp_chain_check *map_cc;	/* the chain in the files, judged */
	struct tp_probe *probe;		/* live */
	bool not_checked;		/* its turn came after the time ran out */
	enum check_state state;
	char reason[48];		/* for line one: "default chain", "expired" */
};

struct run {
	const struct options *opts;
	struct tp_sni_map *map;
	struct tp_client *client;	/* one TLS context and -r for every name */
	struct name *names;
	size_t count;
	struct tp_probe *default_probe;	/* the chain served without SNI */
	size_t probed;			/* probes run before the time ran out, the default's too */
	double probe_seconds;		/* the time they took */
	time_t now;
	int64_t started_ms;		/* when -t started: the map is read in it too */
	char *names_file_text;
};

/* ------------------------------------------------------------------------ */
/* options                                                                   */
/* ------------------------------------------------------------------------ */

enum {
	OPT_MAP = 0x2000, OPT_MAP_TYPE, OPT_NAME, OPT_NAMES_FILE, OPT_EXPECT_CERT,
	OPT_PARALLEL, OPT_LIST_NAMES,
};

static const struct option long_options[] = {
	COMMON_LONG_OPTS,
	ENDPOINT_LONG_OPTS,
	{ "map", required_argument, NULL, OPT_MAP },
	{ "map-type", required_argument, NULL, OPT_MAP_TYPE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "names-file", required_argument, NULL, OPT_NAMES_FILE },
	{ "expect-cert", required_argument, NULL, OPT_EXPECT_CERT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "list-names", no_argument, NULL, OPT_LIST_NAMES },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static void
print_help(void)
{
	printf("check_sni_map %s - check that every name gets its own certificate\n\n",
	    PACKAGE_VERSION);
	printf("Reads a Postfix tls_server_sni_maps source file (or Dovecot local_name\n"
	    "blocks) and checks every entry: its files exist, the key matches, the\n"
	    "certificate covers the name, is in date and verifies; the compiled map is\n"
	    "not older than the source or the certificates (postmap -F copies them).\n"
	    "With -H, each name is also asked for live (SNI) and the served certificate\n"
	    "must be the one the map names, not the server's default chain.\n\n");
	printf("Usage: check_sni_map --map FILE [--map-type postfix|dovecot] [-H HOST -p PORT -P PROTOCOL]\n"
	    "       check_sni_map -H HOST -p PORT -P PROTOCOL --name NAME [--name NAME]...\n\n");
	printf("Options:\n"
	    "     --map=FILE          the map source file (as given to postmap)\n"
	    "     --map-type=TYPE     postfix (default) or dovecot (local_name blocks)\n"
	    "     --name=NAME         a name to check live (repeatable, up to 64)\n"
	    "     --names-file=FILE   names to check live, one per line\n"
	    "     --expect-cert=FILE  a certificate that exists: an empty map is then CRITICAL\n"
	    "     --parallel=N        names probed at once (default 8, at most 64)\n"
	    "     --list-names        print the map's names a client can ask for, one a\n"
	    "                         line, and check nothing (for discovery in Zabbix)\n"
	    EXPIRY_HELP
	    "Live target (optional with --map):\n");
	endpoint_opts_help(stdout);
	common_opts_help(stdout);
	printf("\nStates: CRITICAL for a syntax error (file and line named), an empty map\n"
	    "while --expect-cert exists, a missing file, a key that does not match, a\n"
	    "certificate that does not cover its name, is expired or does not verify,\n"
	    "and a name the server answers with its default or another certificate;\n"
	    "WARNING for time left below -w, duplicate names and a compiled map older than\n"
	    "its source or its certificates (run postmap -F).\n\n");
	printf("Examples:\n"
	    "  check_sni_map --map /etc/postfix/sni.map -H mail.example.com -P smtp\n"
	    "  check_sni_map --map /opt/mailcow/data/conf/postfix/sni.map \\\n"
	    "      --expect-cert /opt/mailcow/data/assets/ssl/cert.pem\n"
	    "  check_sni_map --map-type dovecot --map /etc/dovecot/conf.d/10-ssl.conf -H mail -P imaps\n");
}

static int
handle_option(void *ctx, int opt, const char *arg, char *err, size_t errlen)
{
	struct options *o = ctx;
	long n;

	switch (opt) {
	case OPT_MAP:
		return opt_readable("--map", arg, &o->map, err, errlen);
	case OPT_MAP_TYPE:
		if (strcmp(arg, "postfix") == 0)
			o->map_type = TP_SNI_MAP_POSTFIX;
		else if (strcmp(arg, "dovecot") == 0)
			o->map_type = TP_SNI_MAP_DOVECOT;
		else
			return opt_error(err, errlen, "--map-type: '%s' is not postfix or dovecot", arg);
		return 0;
	case OPT_NAME:
		if (o->name_count == EXTRA_NAMES_MAX)
			return opt_error(err, errlen, "--name: more than 64 names, at '%s'; use --names-file", arg);
		if (host_name_option("--name", arg, o->names_buf[o->name_count],
		    sizeof(o->names_buf[0]), err, errlen) < 0)
			return -1;
		o->names[o->name_count] = o->names_buf[o->name_count];
		o->name_count++;
		return 0;
	case OPT_NAMES_FILE:
		return opt_readable("--names-file", arg, &o->names_file, err, errlen);
	case OPT_EXPECT_CERT:
		return opt_readable("--expect-cert", arg, &o->expect_cert, err, errlen);
	case OPT_PARALLEL:
		if ((n = parse_decimal(arg, 1, 64)) < 0)
			return opt_error(err, errlen, "--parallel: '%s' is not a number from 1 to 64", arg);
		o->parallel = (unsigned)n;
		return 0;
	case OPT_LIST_NAMES:
		o->list_names = true;
		return 0;
	case 'w':
	case 'c':
		return expiry_option(&o->expiry, opt, arg, err, errlen);
	default:
		snprintf(err, errlen, "unknown option; see check_sni_map --help");
		return -1;
	}
}

static int
parse_options(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct plugin_opts_spec spec = {
		COMMON_SHORT_OPTS ENDPOINT_SHORT_OPTS "w:c:", long_options,
		&o->common, &o->endpoint, handle_option, o,
	};
	int rc;

	o->parallel = 8;
	rc = plugin_opts_parse(&spec, argc, argv, err, errlen);
	if (rc != 0)
		return rc;
	if (o->list_names && (o->map == NULL || o->endpoint.host != NULL ||
	    o->name_count > 0 || o->names_file != NULL))
		return opt_error(err, errlen, "--list-names lists the names of --map only: give "
		    "--map FILE, without -H, --name or --names-file%s", "");
	if (o->map == NULL && o->name_count == 0 && o->names_file == NULL)
		return opt_error(err, errlen, "give --map FILE, or -H with --name NAME%s", "");
	if (o->map == NULL && o->endpoint.host == NULL)
		return opt_error(err, errlen, "--name and --names-file need -H to check names live%s", "");
	if (o->endpoint.host != NULL && endpoint_opts_complete(&o->endpoint, err, errlen) < 0)
		return -1;
	return expiry_policy_complete(&o->expiry, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* names                                                                     */
/* ------------------------------------------------------------------------ */

/* Raises name N's state to ST, keeping the first reason of the worst state. */
static void
name_mark(struct name *n, enum check_state st, const char *reason)
{
	if (st != STATE_OK && check_state_worst(st, n->state) != n->state) {
		n->state = st;
		snprintf(n->reason, sizeof(n->reason), "%s", reason);
	}
}

/* Records a finding for name N: a sub-result line, and the reason for line one. */
__attribute__((format(printf, 5, 6)))
static void
name_result(struct check *c, struct name *n, enum check_state st, const char *reason,
    const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	check_add(c, st, "%s: %s", n->text, text);
	name_mark(n, st, reason);
}

/*
 * Line one's words for a chain the day thresholds flagged: what is true of
 * its dates, whichever range fired (-w @100:200 flags a far date too).
 */
static void
dates_reason(const struct tp_chain *chain, time_t now, char *out, size_t size)
{
	const char *what = NULL;

	for (size_t i = 0; i < tp_chain_count(chain); i++) {
		const struct tp_cert *cert = tp_chain_cert(chain, i);

		if (tp_cert_not_after(cert) <= now)
			what = "expired";
		else if (tp_cert_not_before(cert) > now && what == NULL)
			what = "not yet valid";
	}
	if (what != NULL)
		snprintf(out, size, "%s", what);
	else
		snprintf(out, size, "%.0f days left", chain_min_days(chain, now));
}

/* Holds CHAIN to the day thresholds and strength rules, lines prefixed WHERE. */
static void
name_chain_rules(struct check *c, const struct run *r, struct name *n,
    const struct tp_chain *chain, const char *where)
{
	struct check *scratch = check_new("");
	enum check_state dates, strength;
	char why[48];

	cert_check_expiry(scratch, chain, &r->opts->expiry, r->now, NULL);
	dates = check_state(scratch);
	check_free(scratch);
	scratch = check_new("");
	cert_check_strength(scratch, chain, NULL);
	strength = check_state(scratch) == STATE_UNKNOWN ? STATE_OK : check_state(scratch);
	check_free(scratch);
	if (dates != STATE_OK)
		cert_check_expiry(c, chain, &r->opts->expiry, r->now, where);
	cert_check_strength(c, chain, where);
	dates_reason(chain, r->now, why, sizeof(why));
	name_mark(n, dates, why);
	name_mark(n, strength, "weak");
}

static int
add_name(struct run *r, const char *text, size_t entry)
{
	struct name *grown;

	if (r->count == NAMES_MAX)
		return -1;
	grown = realloc(r->names, (r->count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	r->names = grown;
	memset(&grown[r->count], 0, sizeof(*grown));
	grown[r->count].text = strdup(text);
	grown[r->count].entry = entry;
	return grown[r->count++].text != NULL ? 0 : -1;
}

static int
read_names_file(struct run *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[300];

	if (f == NULL)
		return snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno)), -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name = line + strspn(line, " \t");
		name[strcspn(name, " \t\r\n#")] = '\0';
		if (*name != '\0' && add_name(r, name, SIZE_MAX) < 0) {
			fclose(f);
			return snprintf(err, errlen, "%s: more than %d names", path, NAMES_MAX), -1;
		}
	}
	fclose(f);
	return 0;
}

static int
gather_names(struct run *r, char *err, size_t errlen)
{
	const struct options *o = r->opts;

	for (size_t i = 0; r->map != NULL && i < tp_sni_map_count(r->map); i++)
		if (add_name(r, tp_sni_map_name(r->map, i), i) < 0)
			return snprintf(err, errlen, "the map has more than %d names", NAMES_MAX), -1;
	for (size_t i = 0; i < o->name_count; i++)
		if (add_name(r, o->names[i], SIZE_MAX) < 0)
			return snprintf(err, errlen, "more than %d names", NAMES_MAX), -1;
	if (o->names_file != NULL)
		return read_names_file(r, o->names_file, err, errlen);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* static checks                                                             */
/* ------------------------------------------------------------------------ */

/* The name a parent-domain entry (".example.com") must cover: any child. */
static const char *
name_to_cover(const char *name, char *buf, size_t size)
{
	if (name[0] != '.')
		return name;
	snprintf(buf, size, "any-host%s", name);
	return buf;
}

/* Line one's word for an entry whose files did not load: missing, or there but not read. */
static const char *
entry_files_reason(const struct tp_sni_map *m, size_t i)
{
	struct stat st;

	for (size_t j = 0; j < tp_sni_map_file_count(m, i); j++)
		if (stat(tp_sni_map_file(m, i, j), &st) != 0)
			return "missing file";
	return "unreadable file";
}

/*
 * An earlier name whose entry names the same files as N's, or NULL: a
 * wildcard or many-name certificate is named on many lines, and its files
 * (a key to decode, a chain to verify) are read and judged once.
 */
static const struct name *
same_files(const struct run *r, const struct name *n)
{
	size_t count = tp_sni_map_file_count(r->map, n->entry);

	for (const struct name *o = r->names; o < n; o++) {
		bool same = o->entry != SIZE_MAX && o->files_of == NULL &&
		    o->map_chain != NULL && tp_sni_map_file_count(r->map, o->entry) == count;

		for (size_t j = 0; same && j < count; j++)
			same = strcmp(tp_sni_map_file(r->map, o->entry, j),
			    tp_sni_map_file(r->map, n->entry, j)) == 0;
		if (same)
			return o;
	}
	return NULL;
}

/* Reads N's files, or takes what an earlier name read of the same ones; false if unreadable. */
static bool
read_entry(struct run *r, struct name *n, char *err, size_t errlen)
{
	const struct name *o = same_files(r, n);

	if (o != NULL) {
		n->files_of = o;
		n->map_chain = o->map_chain;
		n->key_matches = o->key_matches;
		n->map_cc = o->map_cc;
		return true;
	}
	n->map_chain = tp_sni_map_load_entry(r->map, n->entry, &n->key_matches, err, errlen);
	if (n->map_chain != NULL)
		n->map_cc = tp_chain_check_new(n->map_chain, tp_client_trust(r->client));
	return n->map_chain != NULL;
}

static void
check_entry(struct check *c, struct run *r, struct name *n)
{
	char err[512], cover[300], where[300];
	const struct tp_cert *leaf;
	const struct tp_chain_check *cc;

	if (!read_entry(r, n, err, sizeof(err))) {
		name_result(c, n, STATE_CRITICAL, entry_files_reason(r->map, n->entry), "map line %u: %s",
		    tp_sni_map_line(r->map, n->entry), err);
		return;
	}
	leaf = tp_chain_cert(n->map_chain, 0);
	if (n->key_matches < 0)
		name_result(c, n, STATE_CRITICAL, "no key", "no private key in the files of map line %u",
		    tp_sni_map_line(r->map, n->entry));
	else if (n->key_matches == 0)
		name_result(c, n, STATE_CRITICAL, "key mismatch", "the private key does not "
		    "belong to the certificate '%s' (map line %u)", cert_label(leaf),
		    tp_sni_map_line(r->map, n->entry));
	if (!tp_cert_matches_name(leaf, name_to_cover(n->text, cover, sizeof(cover))))
		name_result(c, n, STATE_CRITICAL, "name not covered", "the certificate '%s' in "
		    "the map does not cover %s", cert_label(leaf), n->text);
	snprintf(where, sizeof(where), "%s: in the map's files, ", n->text);
	name_chain_rules(c, r, n, n->map_chain, where);
	cc = n->map_cc;
	if (cc != NULL && !tp_chain_check_verified(cc) && tp_chain_check_missing_issuer(cc))
		name_result(c, n, STATE_CRITICAL, "chain", "the map's files lack the "
		    "intermediate '%s' (map line %u): name the full chain (fullchain.pem, "
		    "not cert.pem)", tp_chain_check_missing_issuer(cc),
		    tp_sni_map_line(r->map, n->entry));
	else if (cc != NULL && !tp_chain_check_verified(cc))
		name_result(c, n, STATE_CRITICAL, "chain", "the chain in the map's files does "
		    "not verify: %s", tp_chain_check_error(cc));
}

static time_t
mtime_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mtime : 0;
}

/* postmap -F copies the files into the compiled map: it must be newer than all. */
static void
check_compiled_map(struct check *c, const struct run *r)
{
	static const char *const suffixes[] = { ".lmdb", ".db", ".cdb" };
	const char *map = r->opts->map;
	char compiled[4200] = "";
	time_t built = 0;

	for (size_t i = 0; i < 3 && built == 0; i++) {
		snprintf(compiled, sizeof(compiled), "%s%s", map, suffixes[i]);
		built = mtime_of(compiled);
	}
	if (built == 0) {
		check_add(c, STATE_WARNING, "no compiled map (.db, .lmdb or .cdb) next "
		    "to it: run postmap -F %s", map);
		return;
	}
	if (built < mtime_of(map)) {
		check_add(c, STATE_WARNING, "the compiled map is older than the map: run "
		    "postmap -F %s (%s)", map, compiled);
		return;
	}
	for (size_t i = 0; i < tp_sni_map_count(r->map); i++) {
		for (size_t j = 0; j < tp_sni_map_file_count(r->map, i); j++) {
			const char *file = tp_sni_map_file(r->map, i, j);

			/* A wildcard's files, named on every line, are looked at once. */
			if (i > 0 && j < tp_sni_map_file_count(r->map, i - 1) &&
			    strcmp(file, tp_sni_map_file(r->map, i - 1, j)) == 0)
				continue;
			if (mtime_of(file) > built) {
				check_add(c, STATE_WARNING, "run postmap -F: for %s Postfix "
				    "still serves the copy taken before %s changed",
				    tp_sni_map_name(r->map, i), file);
				return;
			}
		}
	}
	check_add(c, STATE_OK, "%s is newer than the map and its files", compiled);
}

static void
check_map_itself(struct check *c, const struct run *r)
{
	size_t n = tp_sni_map_count(r->map);

	if (n == 0 && r->opts->expect_cert != NULL)
		check_add(c, STATE_CRITICAL, "the SNI map is empty: every name gets the "
		    "default certificate, although %s exists", r->opts->expect_cert);
	else if (n == 0)
		check_add(c, STATE_WARNING, "the SNI map is empty: every name gets the "
		    "default certificate");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcasecmp(tp_sni_map_name(r->map, i), tp_sni_map_name(r->map, j)) == 0)
				check_add(c, STATE_WARNING, "%s appears twice, lines %u and %u",
				    tp_sni_map_name(r->map, i), tp_sni_map_line(r->map, i),
				    tp_sni_map_line(r->map, j));
	if (r->opts->map_type == TP_SNI_MAP_POSTFIX && n > 0)
		check_compiled_map(c, r);
}

/* ------------------------------------------------------------------------ */
/* live checks                                                               */
/* ------------------------------------------------------------------------ */

static struct tp_config *
name_config(const struct run *r, const char *sni, int64_t ms_left)
{
	const struct endpoint_opts *e = &r->opts->endpoint;
	char err[300];
	struct tp_config *cfg = endpoint_opts_config(e, e->port, e->proto,
	    (double)ms_left / 1000, err, sizeof(err));

	if (cfg != NULL)
		tp_config_set_sni(cfg, sni);
	return cfg;
}

/*
 * Probes the default chain and every name, --parallel at a time (a window:
 * the next name starts as soon as one is done), under one deadline.  The
 * names whose turn came too close to it are marked not checked, not probed
 * for a millisecond and then blamed for the timeout.
 */
static void
probe_names(struct run *r)
{
	size_t total = r->count + 1, started = 0;
	struct tp_probe **probes = calloc(total, sizeof(*probes));
	struct tp_config **cfgs = calloc(total, sizeof(*cfgs));
	int64_t start_ms = tp_monotonic_ms();
	/* From the start, as the -t backstop counts: reading the map took some of it. */
	int64_t deadline = r->started_ms + (int64_t)(r->opts->common.timeout_seconds * 1000);

	if (probes == NULL || cfgs == NULL)
		goto out;
	for (size_t i = 0; i < total; i++) {
		const char *sni = i == 0 ? NULL : r->names[i - 1].text;
		char any[300];

		if (sni != NULL && sni[0] == '.')
			sni = name_to_cover(sni, any, sizeof(any));
		probes[i] = tp_probe_new();
		cfgs[i] = name_config(r, sni, tp_ms_left(deadline));
		if (probes[i] == NULL || cfgs[i] == NULL)
			goto out;
	}
	started = tp_client_run_window(r->client, probes, (const struct tp_config *const *)cfgs,
	    total, r->opts->parallel, deadline);
	for (size_t i = started > 0 ? started : 1; i < total; i++)
		r->names[i - 1].not_checked = true;
	r->probed = started;
	r->probe_seconds = (double)(tp_monotonic_ms() - start_ms) / 1000;
	r->default_probe = probes[0];
	for (size_t i = 0; i < r->count; i++)
		r->names[i].probe = probes[i + 1];
	probes[0] = NULL;
	for (size_t i = 1; i < total; i++)
		probes[i] = NULL;
out:
	for (size_t i = 0; i < total; i++) {
		if (probes != NULL)
			tp_probe_free(probes[i]);
		if (cfgs != NULL)
			tp_config_free(cfgs[i]);
	}
	free(cfgs);
	free(probes);
}

static const struct tp_cert *
served_leaf(const struct tp_probe *p)
{
	return p != NULL && tp_probe_failure(p) == TP_FAIL_NONE ?
	    tp_chain_cert(tp_probe_peer_chain(p), 0) : NULL;
}

static bool
same_cert(const struct tp_cert *a, const struct tp_cert *b)
{
	return a != NULL && b != NULL && strcmp(tp_cert_sha256(a), tp_cert_sha256(b)) == 0;
}

static void
check_served(struct check *c, const struct run *r, struct name *n)
{
	const struct tp_cert *got = served_leaf(n->probe);
	const struct tp_cert *fallback = served_leaf(r->default_probe);
	const struct tp_cert *want = tp_chain_cert(n->map_chain, 0);
	char cover[300], got_day[16], want_day[16];

	if (n->not_checked) {
		name_result(c, n, r->opts->common.timeout_state, "not checked", "not checked: "
		    "the time ran out, the %zu probes before took %.1f s of -t %g s (--parallel %u)",
		    r->probed, r->probe_seconds, r->opts->common.timeout_seconds,
		    r->opts->parallel);
		return;
	}
	if (got == NULL) {
		name_result(c, n, (enum check_state)endpoint_failure_state(n->probe,
		    r->opts->common.timeout_state), "unreachable", "%s", tp_probe_error(n->probe));
		return;
	}
	cert_format_day(tp_cert_not_after(got), got_day, sizeof(got_day));
	if (want != NULL && !same_cert(got, want) && same_cert(got, fallback))
		name_result(c, n, STATE_CRITICAL, "default chain", "server answered with the "
		    "default certificate (%s), not the one in the map", tp_cert_subject(got));
	else if (want != NULL && !same_cert(got, want)) {
		cert_format_day(tp_cert_not_after(want), want_day, sizeof(want_day));
		name_result(c, n, STATE_CRITICAL, "not the map's", "the server presents another "
		    "certificate than the map names (served expires %s, map's expires %s): "
		    "run postmap -F and reload Postfix", got_day, want_day);
	} else if (!tp_cert_matches_name(got, name_to_cover(n->text, cover, sizeof(cover))))
		name_result(c, n, STATE_CRITICAL, "name not covered", "the served certificate "
		    "'%s' does not cover %s%s", cert_label(got), n->text,
		    same_cert(got, fallback) ? " (it is the default certificate)" : "");
	else if (!tp_probe_verified(n->probe))
		name_result(c, n, STATE_CRITICAL, "chain", "the served chain does not verify: %s",
		    tp_probe_verify_error(n->probe));
	else {
		char where[300];

		check_add(c, STATE_OK, "%s: serves %s'%s', verified", n->text,
		    want != NULL ? "the map's certificate " : "", cert_label(got));
		snprintf(where, sizeof(where), "%s: served ", n->text);
		name_chain_rules(c, r, n, tp_probe_verified_chain(n->probe), where);
	}
}

/* ------------------------------------------------------------------------ */
/* output                                                                    */
/* ------------------------------------------------------------------------ */

/* Line one names the map by its file name; the long output gives paths. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

static void
summarize(struct check *c, const struct run *r)
{
	char text[1024] = "";
	size_t wrong = 0, len = 0;

	for (size_t i = 0; i < r->count; i++) {
		const struct name *n = &r->names[i];
		if (n->state == STATE_OK)
			continue;
		if (wrong++ < 5 && len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s (%s)",
			    wrong > 1 ? ", " : "", n->text, n->reason);
	}
	if (wrong > 5 && len < sizeof(text))
		snprintf(text + len, sizeof(text) - len, " and %zu more", wrong - 5);
	if (wrong > 0)
		check_summary(c, "%zu of %zu names wrong: %s", wrong, r->count, text);
	else if (check_state(c) != STATE_OK)
		check_summary_prefix(c, "%s", r->opts->map ? base_name(r->opts->map) : "names");
	else
		check_summary(c, "%zu names %s", r->count, r->opts->endpoint.host ?
		    "serve their own certificates" : "have valid map entries");
}

static void
add_perfdata(struct check *c, const struct run *r)
{
	const struct tp_cert *soonest = NULL;
	double failed = 0;

	for (size_t i = 0; i < r->count; i++) {
		const struct name *n = &r->names[i];
		const struct tp_chain *held = n->probe && served_leaf(n->probe) ?
		    tp_probe_peer_chain(n->probe) : n->map_chain;

		soonest = expiry_soonest(held, soonest);
		failed += n->state != STATE_OK;
	}
	check_perf(c, "names", (double)r->count, "", NULL, NULL, NULL);
	check_perf(c, "names_ok", (double)r->count - failed, "", NULL, NULL, NULL);
	check_perf(c, "names_failed", failed, "", NULL, NULL, NULL);
	if (soonest != NULL)
		expiry_perfdata(c, "days_left_min", NULL, &r->opts->expiry, soonest, r->now);
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

/* "MAP line N: what" as "syntax error, line N: what": line one names MAP. */
static const char *
map_error(char *err, const char *map)
{
	size_t len = strlen(map);
	char copy[512];

	if (strncmp(err, map, len) != 0 || strncmp(err + len, " line ", 6) != 0)
		return err;
	snprintf(copy, sizeof(copy), "syntax error, %s", err + len + 1);
	strcpy(err, copy);	/* ERR has room for 512 bytes, COPY is no longer */
	return err;
}

static void
judge(struct check *c, struct run *r)
{
	char err[512];

	if (r->opts->map != NULL) {
		r->map = tp_sni_map_load(r->opts->map_type, r->opts->map, err, sizeof(err));
		if (r->map == NULL) {
			check_add(c, STATE_CRITICAL, "%s", map_error(err, r->opts->map));
			return;
		}
		check_map_itself(c, r);
	}
	r->client = tp_client_new(r->opts->endpoint.rootcert);
	if (r->client == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (tp_client_error(r->client) != NULL)
		snprintf(err, sizeof(err), "%s", tp_client_error(r->client));
	if (r->client == NULL || tp_client_error(r->client) != NULL ||
	    gather_names(r, err, sizeof(err)) < 0) {
		check_add(c, STATE_UNKNOWN, "%s", err);
		return;
	}
	for (size_t i = 0; i < r->count; i++)
		if (r->names[i].entry != SIZE_MAX)
			check_entry(c, r, &r->names[i]);
	if (r->opts->endpoint.host == NULL)
		return;
	probe_names(r);
	/* The names not checked had no time because of what the probes before met. */
	if (r->count > 0 && r->names[r->count - 1].not_checked && r->default_probe != NULL &&
	    tp_probe_failure(r->default_probe) != TP_FAIL_NONE)
		check_add(c, (enum check_state)endpoint_failure_state(r->default_probe,
		    r->opts->common.timeout_state), "the default chain (no SNI), probed first: %s",
		    tp_probe_error(r->default_probe));
	for (size_t i = 0; i < r->count; i++)
		check_served(c, r, &r->names[i]);
}

/*
 * --list-names: the map's names a client can ask for (not a parent domain
 * ".example.com" nor a wildcard), each once, in the map's order.
 */
static int
list_names(const struct options *o)
{
	char err[512];
	struct tp_sni_map *map = tp_sni_map_load(o->map_type, o->map, err, sizeof(err));

	if (map == NULL)
		return check_usage_error(PREFIX, map_error(err, o->map));
	for (size_t i = 0; i < tp_sni_map_count(map); i++) {
		const char *name = tp_sni_map_name(map, i);
		bool seen = false;

		if (name[0] == '.' || name[0] == '*')
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcasecmp(tp_sni_map_name(map, j), name) == 0;
		if (!seen)
			printf("%s\n", name);
	}
	tp_sni_map_free(map);
	return fflush(stdout) == 0 ? STATE_OK : STATE_UNKNOWN;
}

static void
free_run(struct run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->names[i].text);
		if (r->names[i].files_of == NULL) {	/* else the earlier name's */
			tp_chain_free(r->names[i].map_chain);
			tp_chain_check_free(r->names[i].map_cc);
		}
		tp_probe_free(r->names[i].probe);
	}
	free(r->names);
	tp_probe_free(r->default_probe);
	tp_sni_map_free(r->map);
	tp_client_free(r->client);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run r = { .opts = &o, .now = time(NULL) };
	char err[512], port[16];
	struct check *c;
	int rc = parse_options(&o, argc, argv, err, sizeof(err));

	if (rc != 0)
		return plugin_opts_exit(rc, "check_sni_map", PREFIX, print_help, err);
	if (o.list_names)
		return list_names(&o);
	plugin_start(&o.common, PREFIX);
	r.started_ms = tp_monotonic_ms();
	c = check_new(PREFIX);
	if (c == NULL)
		return check_usage_error(PREFIX, "out of memory");
	if (o.endpoint.host != NULL) {
		snprintf(port, sizeof(port), "%d", o.endpoint.port);
		check_group(c, (const struct check_label[]){ { "host", o.endpoint.host },
		    { "port", port }, { "protocol", tp_protocol_name(o.endpoint.proto) },
		    { NULL, NULL } }, 0);
	}
	judge(c, &r);
	summarize(c, &r);
	add_perfdata(c, &r);
	if (o.endpoint.host != NULL)
		check_group_end(c);
	rc = check_finish(c, o.common.output, stdout);
	check_free(c);
	free_run(&r);
	return rc;
}
