/*
 * ari.c - the CA's renewal window (ACME Renewal Information, RFC 9773):
 * which URL to ask, the strict reading of the answer (jansson), the cache
 * that keeps the CA from being asked more than once an hour per
 * certificate (lib/statefile.c, one file in the cache directory), and the
 * verdicts. See ari.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <jansson.h>

#include "ari.h"
#include "cert_checks.h"
#include "http_fetch.h"
#include "statefile.h"

#define DEFAULT_CACHE_DIR	"/var/cache/tls-probe"
#define SHARED_CACHE_PARENT	"/var/tmp"
#define FORGET_AFTER		86400	/* an expired certificate's entry goes a day later */

/* The CAs whose renewalInfo is built in, recognised by the issuer's O=. */
static const struct {
	const char *issuer_org;
	const char *base;
} known_cas[] = {
	{ "Let's Encrypt", "https://acme-v02.api.letsencrypt.org/acme/renewal-info" },
	{ "(STAGING) Let's Encrypt", "https://acme-staging-v02.api.letsencrypt.org/acme/renewal-info" },
};

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

/* --- reading the answer ------------------------------------------------------- */

static bool
digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*out = *out * 10 + (p[i] - '0');
	}
	return true;
}

int
ari_parse_time(const char *text, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	const char *p = text;
	struct tm tm = { 0 };
	time_t t;

	if (strlen(text) < 20 || !digits(p, 4, &year) || p[4] != '-' ||
	    !digits(p + 5, 2, &mon) || p[7] != '-' || !digits(p + 8, 2, &day) ||
	    (p[10] != 'T' && p[10] != 't') || !digits(p + 11, 2, &hour) || p[13] != ':' ||
	    !digits(p + 14, 2, &min) || p[16] != ':' || !digits(p + 17, 2, &sec))
		return -1;
	p += 19;
	if (*p == '.') {	/* a fraction of a second: at least one digit, dropped */
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
	    digits(p + 4, 2, &om) && p[6] == '\0' && oh < 24 && om < 60)
		sign = *p == '+' ? 1 : -1;
	else
		return -1;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    hour > 23 || min > 59 || sec > 60)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec == 60 ? 59 : sec;	/* a leap second: as good as the one before */
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != day)	/* Feb 29 of a common year */
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

static int
window_time(json_t *window, const char *name, time_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(window, name);

	if (v == NULL || !json_is_string(v)) {
		snprintf(err, errlen, "its suggestedWindow has no \"%s\" string", name);
		return -1;
	}
	if (ari_parse_time(json_string_value(v), out) < 0) {
		snprintf(err, errlen, "its suggestedWindow's \"%s\" is not an RFC 3339 date: "
		    "'%.60s'", name, json_string_value(v));
		return -1;
	}
	return 0;
}

static int
explanation(json_t *root, struct ari_window *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, "explanationURL");
	const char *url;

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "its \"explanationURL\" is not a string");
		return -1;
	}
	url = json_string_value(v);
	if (strlen(url) >= sizeof(out->explanation_url) ||
	    (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
		snprintf(err, errlen, "its \"explanationURL\" is not an http(s) URL of at "
		    "most %zu bytes", sizeof(out->explanation_url) - 1);
		return -1;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "its \"explanationURL\" holds a space or a "
			    "control character");
			return -1;
		}
	snprintf(out->explanation_url, sizeof(out->explanation_url), "%s", url);
	return 0;
}

int
ari_parse(const char *body, size_t len, struct ari_window *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *window;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ARI_ANSWER_MAX) {
		snprintf(err, errlen, "it is larger than %d bytes", ARI_ANSWER_MAX);
		return -1;
	}
	/* jansson bounds the nesting (2048 levels) and rejects \u0000 in strings. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "it is not JSON: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	window = json_object_get(root, "suggestedWindow");
	if (!json_is_object(root))
		snprintf(err, errlen, "it is not a JSON object");
	else if (window == NULL || !json_is_object(window))
		snprintf(err, errlen, "it has no \"suggestedWindow\" object");
	else if (window_time(window, "start", &out->start, err, errlen) == 0 &&
	    window_time(window, "end", &out->end, err, errlen) == 0 &&
	    explanation(root, out, err, errlen) == 0) {
		if (out->end <= out->start)
			snprintf(err, errlen, "its suggestedWindow ends before it starts");
		else
			rc = 0;
	}
	json_decref(root);
	return rc;
}

const char *
ari_known_base(const struct tp_cert *leaf)
{
	for (size_t i = 0; i < sizeof(known_cas) / sizeof(known_cas[0]); i++)
		if (strcmp(tp_cert_issuer_org(leaf), known_cas[i].issuer_org) == 0)
			return known_cas[i].base;
	return NULL;
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

/* --- asking the CA ------------------------------------------------------------------ */

static void
failed(struct ari_answer *a, const char *fmt, const char *detail)
{
	a->kind = ARI_FAILED;
	snprintf(a->why, sizeof(a->why), fmt, a->url, detail);
}

/* An https renewalInfo server must be who it says, as the CA's own clients require. */
static const char *
peer_problem(const struct tp_trust *given, const struct http_fetch *f, const char *host,
    time_t now, char *buf, size_t size)
{
	const struct tp_chain *chain = http_fetch_peer_chain(f);
	struct tp_trust *own = NULL;
	const struct tp_trust *trust = given;
	struct tp_chain_check *cc = NULL;
	const char *problem = NULL;

	if (chain == NULL || tp_chain_count(chain) == 0)
		return "it sent no certificate";
	if (trust == NULL && (trust = own = tp_trust_load(NULL, buf, size)) == NULL)
		return buf;
	cc = tp_chain_check_new(chain, trust);
	if (cc == NULL || !tp_chain_check_verified(cc))
		problem = cc ? tp_chain_check_error(cc) : "out of memory verifying its chain";
	else if (!tp_cert_matches_name(tp_chain_cert(chain, 0), host))
		problem = "its certificate does not cover its name";
	else if (tp_cert_not_after(tp_chain_cert(chain, 0)) < now)
		problem = "its certificate has expired";
	if (problem != NULL) {
		snprintf(buf, size, "its certificate is not trusted: %s", problem);
		problem = buf;
	}
	tp_chain_check_free(cc);
	tp_trust_free(own);
	return problem;
}

static void
fetch(const struct tp_trust *trust, struct ari_answer *a, time_t now, int64_t deadline_ms)
{
	struct http_request req = { .url = a->url, .body_max = ARI_ANSWER_MAX + 1,
	    .timeout_ms = (unsigned)tp_ms_left(deadline_ms),
	    .user_agent = "tls-probe/" PACKAGE_VERSION " (monitoring; ARI)" };
	struct http_fetch *f = http_fetch_new();
	struct http_url u;
	char buf[512], status[32];
	const char *body, *problem;
	size_t len;
	long retry;

	a->fetched = now;
	a->next_fetch = now + ARI_RETRY_MIN;	/* after a failure: not sooner */
	a->to_save = true;
	if (f == NULL) {
		failed(a, "%s: %s", "out of memory");
		return;
	}
	if (http_fetch_run(f, &req) < 0) {
		failed(a, "the CA's renewal information (%s) could not be fetched: %s",
		    http_fetch_error(f));
	} else if (strncmp(a->url, "https:", 6) == 0 &&
	    http_url_parse(a->url, &u, buf, sizeof(buf)) == 0 &&
	    (problem = peer_problem(trust, f, u.host, now, buf, sizeof(buf))) != NULL) {
		failed(a, "the CA's renewal information server (%s) is not to be believed: %s",
		    problem);
	} else if (http_fetch_status(f) != 200) {
		snprintf(status, sizeof(status), "%ld", http_fetch_status(f));
		failed(a, "the CA's renewal information (%s) answered HTTP %s, not 200", status);
	} else if ((body = http_fetch_body(f, &len)),
	    ari_parse(body, http_fetch_body_truncated(f) ? ARI_ANSWER_MAX + 1 : len,
	    &a->window, buf, sizeof(buf)) < 0) {
		failed(a, "the CA's renewal information (%s) is malformed: %s", buf);
	} else {
		a->kind = ARI_WINDOW;
		retry = http_fetch_retry_after(f);
		if (retry <= 0)
			retry = ARI_RETRY_DEFAULT;
		a->next_fetch = now + (retry < ARI_RETRY_MIN ? ARI_RETRY_MIN :
		    retry > ARI_RETRY_MAX ? ARI_RETRY_MAX : retry);
	}
	http_fetch_free(f);
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
		fetch(trust, out, now, deadline_ms);
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
