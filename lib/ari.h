/*
 * ari.h - the CA's renewal window for a certificate (ACME Renewal
 * Information, RFC 9773): asked of the CA with one unauthenticated GET,
 * remembered in a cache so that thousands of monitoring hosts checking
 * every few minutes do not hammer the CA, and judged: a window that has
 * ended means the certificate should have been replaced; a window the CA
 * pulled forward means it wants the certificate replaced now (as it does
 * before a mass revocation). A CA that cannot be asked is said once and
 * the lifetime thresholds decide alone. Plugin side: it decides states.
 */
#ifndef TLSPROBE_ARI_H
#define TLSPROBE_ARI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "check.h"
#include "tlsprobe.h"

#define ARI_CACHE_KIND		"tls-probe ari-cache 1"
#define ARI_CACHE_FILE		"ari.cache"
#define ARI_ANSWER_MAX		16384		/* bytes of an answer read */
#define ARI_RETRY_MIN		3600		/* never ask again sooner (s) */
#define ARI_RETRY_MAX		86400		/* nor later */
#define ARI_RETRY_DEFAULT	(6 * 3600)	/* without Retry-After */

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

/* What the CA said: when it suggests renewing, and why when it says why. */
struct ari_window {
	time_t start, end;
	char explanation_url[1024];	/* "" when none was given */
};

/* One certificate's renewal information: how it was found and what it says. */
struct ari_answer {
	enum {
		ARI_NOT_ASKED,		/* no identifier or no known CA: WHY says which */
		ARI_WINDOW,		/* WINDOW holds the CA's answer */
		ARI_FAILED,		/* the CA could not be asked or answered badly: WHY */
		ARI_CACHE_UNUSABLE,	/* our own error (the cache directory): WHY */
	} kind;
	struct ari_window window;
	char url[2048];			/* what was (or would be) requested */
	char why[4600];
	time_t fetched;			/* when the CA was asked */
	time_t next_fetch;		/* not before this */
	bool from_cache;
	bool to_save;			/* fetched now: ari_save() writes it */
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
 * Parses a renewalInfo answer strictly (a JSON object whose
 * suggestedWindow has RFC 3339 start and end, end after start; an
 * explanationURL when there is one). Returns 0, or -1 with a sentence.
 */
int ari_parse(const char *body, size_t len, struct ari_window *out, char *err, size_t errlen);

/* An RFC 3339 date-time ("2025-01-02T04:00:00Z", offsets and fractions too). */
int ari_parse_time(const char *text, time_t *out);

/* The renewalInfo base of the CA that issued LEAF, when built in; NULL otherwise. */
const char *ari_known_base(const struct tp_cert *leaf);

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
