/*
 * ari.h - the CA's renewal window for a certificate (ACME Renewal
 * Information, RFC 9773): asked of the CA with one unauthenticated GET,
 * remembered in a cache so that thousands of monitoring hosts checking
 * every few minutes do not hammer the CA, and judged: a window that has
 * ended means the certificate should have been replaced; a window the CA
 * pulled forward means it wants the certificate replaced now (as it does
 * before a mass revocation). A CA that cannot be asked is said once and
 * the lifetime thresholds decide alone. Plugin side: it decides states;
 * lib/probe/ari_fetch.h asks the CA and reads its answer.
 */
#ifndef TLSPROBE_ARI_H
#define TLSPROBE_ARI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ari_fetch.h"
#include "check.h"
#include "tlsprobe.h"

#define ARI_CACHE_KIND		"tls-probe ari-cache 1"
#define ARI_CACHE_FILE		"ari.cache"

/* The --help lines for --ari, --ari-url and --cache-dir. */
#define ARI_HELP \
	"     --ari               ask the CA when it wants the certificate renewed\n" \
	"                         (ACME Renewal Information): WARNING when that window\n" \
	"                         has ended or the CA pulled it forward; built in for\n" \
	"                         Let's Encrypt, answers cached (1 hour to 1 day)\n" \
	"     --ari-url=URL       the CA's renewalInfo URL (a private CA); implies --ari\n" \
	"     --cache-dir=DIR     where --ari keeps answers (default /var/cache/tls-probe\n" \
	"                         when writable, else /var/tmp/tls-probe-UID)\n"

struct ari_opts {
	bool enabled;			/* --ari or --ari-url */
	const char *url;		/* --ari-url: the renewalInfo base */
	const char *cache_dir;		/* --cache-dir, NULL: the default */
};

/* The long options, for a plugin's table (their values are ARI_OPT_*). */
enum { ARI_OPT_ARI = 0x3000, ARI_OPT_URL, ARI_OPT_CACHE_DIR };
#define ARI_LONG_OPTS \
	{ "ari", no_argument, NULL, ARI_OPT_ARI }, \
	{ "ari-url", required_argument, NULL, ARI_OPT_URL }, \
	{ "cache-dir", required_argument, NULL, ARI_OPT_CACHE_DIR }

void ari_opts_init(struct ari_opts *opts);

/*
 * Handles OPT if it is one of ARI_LONG_OPTS: --ari; --ari-url, an absolute
 * http or https URL; --cache-dir, an existing directory this user may
 * write to. Returns 0, -1 with a sentence naming the option, or 1 when OPT
 * is not one of them.
 */
int ari_option(struct ari_opts *opts, int opt, const char *arg, char *err, size_t errlen);

/* After the options: --cache-dir without --ari is a mistake. */
int ari_opts_complete(const struct ari_opts *opts, char *err, size_t errlen);

/*
 * Finds the renewal information of LEAF: from the cache while it is
 * fresh, else from the CA within DEADLINE_MS (tp_monotonic_ms' clock), an
 * https server verified against TRUST (the check's -r; NULL: the system
 * store). Never fails: OUT says what happened.
 */
void ari_lookup(const struct ari_opts *opts, const struct tp_trust *trust,
    const struct tp_cert *leaf, time_t now, int64_t deadline_ms, struct ari_answer *out);

/* The lines for ANSWER on C, each prefixed with WHERE (or nothing). */
void ari_judge(struct check *c, const struct ari_answer *answer, const struct tp_cert *leaf,
    time_t now, const char *where);

/* One object of ANSWER in the JSON facts list the caller opened ("ari"). */
void ari_facts(struct check *c, const struct ari_answer *answer);

/*
 * After every check is judged: writes what was fetched into the cache
 * (dropping entries of certificates expired a day ago); a WARNING line on
 * C when it cannot.
 */
void ari_save(struct check *c, const struct ari_opts *opts, const struct ari_answer *answer,
    const struct tp_cert *leaf, time_t now);

#endif
