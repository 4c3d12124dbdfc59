/*
 * ari.c - the CA's renewal window (ACME Renewal Information, RFC 9773):
 * the options, which URL to ask, the cache that keeps the CA from being
 * asked more than once an hour per certificate (lib/check/statefile.c,
 * one file in the cache directory), and the verdicts. Asking the CA and
 * reading its answer: lib/probe/ari_fetch.c. See ari.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "ari.h"
#include "cert_checks.h"
#include "statefile.h"

#define DEFAULT_CACHE_DIR	"/var/cache/tls-probe"
#define SHARED_CACHE_PARENT	"/var/tmp"
#define FORGET_AFTER		86400	/* an expired certificate's entry goes a day later */

/* --- options ---------------------------------------------------------------- */

void
ari_opts_init(struct ari_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
}

/*
 * Checked by hand, not with libcurl's URL parser: loading libcurl costs a
 * check some 10 ms, and a check answered from the cache needs none of it.
 */
static int
url_option(struct ari_opts *opts, const char *url, char *err, size_t errlen)
{
	const char *host = strncmp(url, "https://", 8) == 0 ? url + 8 :
	    strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;

	if (host == NULL && strstr(url, "://") != NULL) {
		snprintf(err, errlen, "--ari-url '%s' must be an http or https URL "
		    "(the CA's renewalInfo, as its ACME directory names it)", url);
		return -1;
	}
	if (host == NULL || *host == '\0' || *host == '/' || *host == ':') {
		snprintf(err, errlen, "--ari-url '%s' is not a URL: give the CA's renewalInfo "
		    "URL, such as https://acme.example.com/renewal-info", url);
		return -1;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f) {
			snprintf(err, errlen, "--ari-url '%s' holds a space or a control "
			    "character", url);
			return -1;
		}
	if (strchr(url, '?') != NULL || strchr(url, '#') != NULL) {
		snprintf(err, errlen, "--ari-url '%s' must not hold a query or a fragment: "
		    "the certificate's identifier is added after a '/'", url);
		return -1;
	}
	opts->url = url;
	opts->enabled = true;
	return 0;
}

static int
cache_dir_option(struct ari_opts *opts, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (*dir == '\0' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--cache-dir '%s' is not a directory%s", dir,
		    *dir && errno == ENOENT ? " (create it first)" : "");
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "--cache-dir '%s' is not writable by this user", dir);
		return -1;
	}
	opts->cache_dir = dir;
	return 0;
}

int
ari_option(struct ari_opts *opts, int opt, const char *arg, char *err, size_t errlen)
{
	switch (opt) {
	case ARI_OPT_ARI:
		opts->enabled = true;
		return 0;
	case ARI_OPT_URL:
		return url_option(opts, arg, err, errlen);
	case ARI_OPT_CACHE_DIR:
		return cache_dir_option(opts, arg, err, errlen);
	default:
		return 1;
	}
}

int
ari_opts_complete(const struct ari_opts *opts, char *err, size_t errlen)
{
	if (opts->cache_dir != NULL && !opts->enabled) {
		snprintf(err, errlen, "--cache-dir '%s' is where --ari keeps the CA's answers; "
		    "give --ari too, or leave it out", opts->cache_dir);
		return -1;
	}
	return 0;
}

/* --- the cache ------------------------------------------------------------------- */

/*
 * The cache directory: --cache-dir, else /var/cache/tls-probe when this
 * user may write there (a package or the administrator made it), else a
 * directory of this user's own under /var/tmp, made 0700 and refused when
 * anyone else could have made or changed it (another user, a symlink).
 */
static int
cache_dir(const struct ari_opts *opts, char *out, size_t size, char *err, size_t errlen)
{
	struct stat st;

	if (opts->cache_dir != NULL) {
		snprintf(out, size, "%s", opts->cache_dir);
		return 0;
	}
	if (stat(DEFAULT_CACHE_DIR, &st) == 0 && S_ISDIR(st.st_mode) &&
	    access(DEFAULT_CACHE_DIR, W_OK | X_OK) == 0) {
		snprintf(out, size, "%s", DEFAULT_CACHE_DIR);
		return 0;
	}
	snprintf(out, size, "%s/tls-probe-%lu", SHARED_CACHE_PARENT, (unsigned long)geteuid());
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the cache directory '%s': %s; give "
		    "--cache-dir", out, strerror(errno));
		return -1;
	}
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "the cache directory '%s' is not a private directory "
		    "of this user (mode 0700, not a link); remove it or give --cache-dir", out);
		return -1;
	}
	return 0;
}

static struct statefile *
cache_open(const struct ari_opts *opts, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];

	if (cache_dir(opts, dir, sizeof(dir), err, errlen) < 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, ARI_CACHE_FILE);
	return statefile_open(path, ARI_CACHE_KIND, err, errlen);
}

/*
 * A cache entry: "FETCHED NEXT NOTAFTER window START END [EXPLANATION]" or
 * "FETCHED NEXT NOTAFTER failed WHY..." (times in seconds since 1970).
 */
static void
entry_format(const struct ari_answer *a, const struct tp_cert *leaf, char *out, size_t size)
{
	long long head[3] = { (long long)a->fetched, (long long)a->next_fetch,
	    (long long)tp_cert_not_after(leaf) };

	if (a->kind == ARI_WINDOW)
		snprintf(out, size, "%lld %lld %lld window %lld %lld %s", head[0], head[1],
		    head[2], (long long)a->window.start, (long long)a->window.end,
		    a->window.explanation_url);
	else
		snprintf(out, size, "%lld %lld %lld failed %.1900s", head[0], head[1], head[2],
		    a->why);	/* a sentence about a very long URL is cut */
}

/* Reads an entry into A; false when it is not one (a damaged record is refetched). */
static bool
entry_parse(const char *value, struct ari_answer *a, long long *not_after)
{
	long long fetched, next, start, end;
	char kind[8];
	int used = 0;

	if (sscanf(value, "%lld %lld %lld %7s %n", &fetched, &next, not_after, kind, &used) != 4 ||
	    used == 0 || next < fetched || next - fetched > ARI_RETRY_MAX)
		return false;
	a->fetched = (time_t)fetched;
	a->next_fetch = (time_t)next;
	value += used;
	if (strcmp(kind, "failed") == 0) {
		a->kind = ARI_FAILED;
		snprintf(a->why, sizeof(a->why), "%s", value);
		return true;
	}
	if (strcmp(kind, "window") != 0 || sscanf(value, "%lld %lld %n", &start, &end, &used) != 2 ||
	    end <= start)
		return false;
	a->kind = ARI_WINDOW;
	a->window.start = (time_t)start;
	a->window.end = (time_t)end;
	snprintf(a->window.explanation_url, sizeof(a->window.explanation_url), "%s", value + used);
	return true;
}

/* The cached answer for A->url, when it is there and may still be used at NOW. */
static bool
cache_lookup(struct statefile *sf, struct ari_answer *a, time_t now)
{
	struct ari_answer cached = *a;
	const char *value = statefile_get(sf, a->url);
	long long not_after;

	/* A fetch dated in the future means the clock was set back: ask again. */
	if (value == NULL || !entry_parse(value, &cached, &not_after) ||
	    now >= cached.next_fetch || cached.fetched > now)
		return false;
	*a = cached;
	a->from_cache = true;
	return true;
}

static bool
keep_entry(const char *key, const char *value, void *arg)
{
	const time_t *now = arg;
	struct ari_answer a;
	long long not_after;

	(void)key;
	memset(&a, 0, sizeof(a));
	return entry_parse(value, &a, &not_after) && not_after + FORGET_AFTER > *now;
}

void
ari_lookup(const struct ari_opts *opts, const struct tp_trust *trust,
    const struct tp_cert *leaf, time_t now, int64_t deadline_ms, struct ari_answer *out)
{
	const char *base = opts->url ? opts->url : ari_known_base(leaf);
	char id[200], err[sizeof(out->why)];
	struct statefile *sf;
	bool cached;

	memset(out, 0, sizeof(*out));
	out->kind = ARI_NOT_ASKED;
	if (tp_cert_ari_id(leaf, id, sizeof(id)) < 0) {
		snprintf(out->why, sizeof(out->why), "the CA cannot be asked when it wants "
		    "'%s' renewed (ARI): the certificate has no authority key identifier",
		    cert_label(leaf));
		return;
	}
	if (base == NULL) {
		snprintf(out->why, sizeof(out->why), "the issuer '%s' publishes no renewal "
		    "information (ARI) that tls-probe knows of; --ari-url names it for a "
		    "private CA", tp_cert_issuer_cn(leaf));
		return;
	}
	snprintf(out->url, sizeof(out->url), "%s%s%s", base,
	    base[0] && base[strlen(base) - 1] == '/' ? "" : "/", id);
	sf = cache_open(opts, err, sizeof(err));
	if (sf == NULL) {
		out->kind = ARI_CACHE_UNUSABLE;
		snprintf(out->why, sizeof(out->why), "%s", err);
		return;
	}
	cached = cache_lookup(sf, out, now);
	statefile_close(sf);	/* not held while the CA is asked */
	if (!cached)
		ari_fetch(trust, out, now, deadline_ms);
}

void
ari_save(struct check *c, const struct ari_opts *opts, const struct ari_answer *answer,
    const struct tp_cert *leaf, time_t now)
{
	char err[600] = "", value[STATEFILE_VALUE_MAX];
	struct statefile *sf;

	if (!answer->to_save)
		return;
	entry_format(answer, leaf, value, sizeof(value));
	sf = cache_open(opts, err, sizeof(err));
	if (sf != NULL && statefile_set(sf, answer->url, value) < 0)
		snprintf(err, sizeof(err), "out of memory or too many entries");
	else if (sf != NULL) {
		statefile_prune(sf, keep_entry, &now);
		statefile_commit(sf, err, sizeof(err));
	}
	if (err[0] != '\0')
		check_add(c, STATE_WARNING, "the CA's renewal information cannot be cached "
		    "(%s): every check would ask the CA again; fix the cache directory", err);
	statefile_close(sf);
}

/* --- verdicts -------------------------------------------------------------------- */

static void
format_utc(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "%lld", (long long)t);
}

/*
 * When a CA usually opens the window: at two thirds of the lifetime (half
 * for lifetimes under 10 days, as Let's Encrypt advises its clients).
 */
static time_t
usual_start(const struct tp_cert *leaf)
{
	double lifetime = difftime(tp_cert_not_after(leaf), tp_cert_not_before(leaf));

	return tp_cert_not_before(leaf) + (time_t)(lifetime * (lifetime < 10 * 86400 ? 0.5 :
	    2.0 / 3.0));
}

/* A window opening before the usual point, with 5% of the lifetime to spare. */
static bool
pulled_forward(const struct ari_window *w, const struct tp_cert *leaf)
{
	double lifetime = difftime(tp_cert_not_after(leaf), tp_cert_not_before(leaf));

	return difftime(usual_start(leaf), w->start) > lifetime * 0.05;
}

void
ari_judge(struct check *c, const struct ari_answer *a, const struct tp_cert *leaf,
    time_t now, const char *where)
{
	const char *label = cert_label(leaf), *w = where ? where : "";
	const char *why = a->window.explanation_url;
	char start[40], end[40], usual[40], next[40];

	switch (a->kind) {
	case ARI_NOT_ASKED:
		check_add(c, STATE_OK, "%s%s", w, a->why);
		return;
	case ARI_CACHE_UNUSABLE:
		check_add(c, STATE_UNKNOWN, "%s--ari: %s", w, a->why);
		return;
	case ARI_FAILED:
		format_utc(a->next_fetch, next, sizeof(next));
		check_add(c, STATE_OK, "%s%s; the lifetime thresholds decide alone (asked "
		    "again after %s)", w, a->why, next);
		return;
	case ARI_WINDOW:
		break;
	}
	format_utc(a->window.start, start, sizeof(start));
	format_utc(a->window.end, end, sizeof(end));
	format_utc(usual_start(leaf), usual, sizeof(usual));
	if (now >= a->window.end)
		check_add(c, STATE_WARNING, "%sthe CA's renewal window for '%s' ended on %s: "
		    "the certificate should have been replaced by now (check the ACME client)%s%s",
		    w, label, end, why[0] ? "; the CA explains: " : "", why);
	else if (pulled_forward(&a->window, leaf))
		check_add(c, STATE_WARNING, "%sthe CA moved the renewal window for '%s' forward "
		    "to %s (usually %s): it wants the certificate replaced now, as before a "
		    "revocation%s%s", w, label, start, usual,
		    why[0] ? "; the CA explains: " : "", why);
	else if (now >= a->window.start)
		check_add(c, STATE_OK, "%sthe CA's renewal window for '%s' is open (%s to %s): "
		    "the ACME client should renew now%s%s", w, label, start, end,
		    why[0] ? "; the CA explains: " : "", why);
	else
		check_add(c, STATE_OK, "%sthe CA suggests renewing '%s' between %s and %s%s%s",
		    w, label, start, end, why[0] ? "; the CA explains: " : "", why);
}

static void
fact_time(struct check *c, const char *key, time_t t)
{
	char buf[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		check_fact_str(c, key, buf);
}

void
ari_facts(struct check *c, const struct ari_answer *a)
{
	static const char *const kinds[] = { "not_asked", "window", "failed", "cache_unusable" };

	check_fact_item(c);
	check_fact_str(c, "status", kinds[a->kind]);
	if (a->url[0])
		check_fact_str(c, "url", a->url);
	if (a->kind == ARI_WINDOW) {
		fact_time(c, "window_start", a->window.start);
		fact_time(c, "window_end", a->window.end);
		if (a->window.explanation_url[0])
			check_fact_str(c, "explanation_url", a->window.explanation_url);
	} else {
		check_fact_str(c, "reason", a->why);
	}
	if (a->kind == ARI_WINDOW || a->kind == ARI_FAILED) {
		fact_time(c, "fetched", a->fetched);
		fact_time(c, "next_fetch", a->next_fetch);
		check_fact_bool(c, "from_cache", a->from_cache);
	}
	check_fact_end(c);
}
