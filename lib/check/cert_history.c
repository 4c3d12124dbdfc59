/*
 * cert_history.c - the served leaf against the one remembered for its
 * endpoint: a routine renewal, another CA, names dropped, a new key, or an
 * older certificate than already seen. Each endpoint's fields are records
 * "ENDPOINT<TAB>FIELD" of the state file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cert_checks.h"
#include "cert_history.h"
#include "plugin_opts.h"

#define NAMES_MAX	2048	/* bytes of the remembered names, comma-joined */

void
cert_history_opts_init(struct cert_history_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->hold_seconds = CERT_HISTORY_HOLD_HOURS * 3600;
}

int
cert_history_hold_option(struct cert_history_opts *opts, const char *text,
    char *err, size_t errlen)
{
	char *end;
	double hours = strtod(text, &end);

	if (end == text || *end != '\0' || !(hours >= 0 && hours <= 24 * 366)) {
		snprintf(err, errlen, "--change-hold: '%s' is not a number of hours "
		    "(0 to 8784)", text);
		return -1;
	}
	opts->hold_seconds = hours * 3600;
	return 0;
}

int
cert_history_file_option(struct cert_history_opts *opts, const char *path,
    char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	if (opt_path("--state-file", path, OPT_PATH_FILE | OPT_PATH_NEW, &opts->state_file,
	    err, errlen) < 0)
		return -1;
	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "--state-file: '%.80s...' is too long a path", path);
		return -1;
	}
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash != NULL)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "--state-file: cannot write in the directory of '%s' "
		    "(%s): the state file is replaced there atomically", path, strerror(errno));
		opts->state_file = NULL;
		return -1;
	}
	return 0;
}

struct statefile *
cert_history_open(struct check *c, const struct cert_history_opts *opts)
{
	char err[4600];		/* the state file's path (up to 4 KiB) and why */
	struct statefile *sf = statefile_open(opts->state_file, CERT_HISTORY_KIND, err,
	    sizeof(err));

	if (sf == NULL) {
		check_add(c, STATE_UNKNOWN, "%s: what changed since the last check is not known",
		    err);
		return NULL;
	}
	if (statefile_problem(sf) != NULL)
		check_add(c, STATE_WARNING, "%s", statefile_problem(sf));
	return sf;
}

void
cert_history_close(struct check *c, struct statefile *sf)
{
	char err[4600];

	if (statefile_commit(sf, err, sizeof(err)) < 0)
		check_add(c, STATE_WARNING, "%s", err);
	statefile_close(sf);
}

/* One endpoint's view of the state file. */
struct history {
	struct statefile *sf;
	const char *endpoint;
	bool failed;		/* a record could not be stored */
};

static const char *
field(const struct history *h, const char *name)
{
	char key[700];	/* ENDPOINT (under 600) TAB FIELD */

	snprintf(key, sizeof(key), "%s\t%s", h->endpoint, name);
	return statefile_get(h->sf, key);
}

static void
set_field(struct history *h, const char *name, const char *value)
{
	char key[700];	/* ENDPOINT (under 600) TAB FIELD */

	snprintf(key, sizeof(key), "%s\t%s", h->endpoint, name);
	if (statefile_set(h->sf, key, value) < 0)
		h->failed = true;
}

static void
set_time(struct history *h, const char *name, time_t t)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", (long long)t);
	set_field(h, name, text);
}

static time_t
get_time(const struct history *h, const char *name)
{
	const char *text = field(h, name);

	return text ? (time_t)strtoll(text, NULL, 10) : 0;
}

/* The leaf's SAN names, comma-joined (cut at NAMES_MAX). */
static void
join_names(const struct tp_cert *leaf, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < tp_cert_san_count(leaf); i++) {
		int n = snprintf(out + used, size - used, "%s%s", used ? "," : "",
		    tp_cert_san(leaf, i));

		if (n < 0 || (size_t)n >= size - used) {
			out[used] = '\0';	/* no half name: it would look dropped next time */
			break;
		}
		used += (size_t)n;
	}
}

/* True when NAME is one of the comma-joined LIST. */
static bool
listed(const char *list, const char *name, size_t len)
{
	for (const char *p = list; *p != '\0'; ) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* The names of OLD missing from NOW, comma-separated, in OUT. */
static void
dropped_names(const char *old, const char *now, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (const char *p = old; *p != '\0'; ) {
		size_t n = strcspn(p, ",");

		if (n > 0 && !listed(now, p, n) && used + n + 3 < size) {
			used += (size_t)snprintf(out + used, size - used, "%s%.*s",
			    used ? ", " : "", (int)n, p);
		}
		p += n + (p[n] == ',');
	}
}

/* Remembers LEAF as the endpoint's current and newest certificate. */
static void
remember(struct history *h, const struct tp_cert *leaf, const char *names, time_t now)
{
	set_field(h, "fp", tp_cert_sha256(leaf));
	set_field(h, "spki", tp_cert_spki_sha256(leaf));
	set_field(h, "org", tp_cert_issuer_org(leaf));
	set_field(h, "issuer", tp_cert_issuer(leaf));
	set_field(h, "names", names);
	set_time(h, "not_before", tp_cert_not_before(leaf));
	set_time(h, "not_after", tp_cert_not_after(leaf));
	set_time(h, "first_seen", now);
}

/* A material change: WARNING now and, through the hold, for a while. */
static void
hold(struct check *c, struct history *h, const char *where, const char *text, time_t now)
{
	set_field(h, "hold", text);
	set_time(h, "hold_since", now);
	check_add(c, STATE_WARNING, "%s%s", where, text);
}

void
cert_history_check(struct check *c, struct statefile *sf,
    const struct cert_history_opts *opts, const char *endpoint,
    const struct tp_cert *leaf, time_t now, const char *where)
{
	struct history h = { sf, endpoint, false };
	const char *old_fp = field(&h, "fp"), *held;
	char names[NAMES_MAX], day[16], seen[16], issued[16];
	bool changed_now = false;

	where = where ? where : "";
	join_names(leaf, names, sizeof(names));
	if (old_fp == NULL) {
		remember(&h, leaf, names, now);
		set_field(&h, "hold", "");
		check_add(c, STATE_OK, "%sfirst check with --state-file: remembering '%s' "
		    "(sha256 %.16s) from %s", where, tp_cert_subject_cn(leaf),
		    tp_cert_sha256(leaf), tp_cert_issuer(leaf));
	} else if (strcmp(old_fp, tp_cert_sha256(leaf)) != 0 &&
	    tp_cert_not_before(leaf) < get_time(&h, "not_before")) {
		/* Not remembered: the newer one stays the one to come back to. */
		cert_format_day(get_time(&h, "first_seen"), seen, sizeof(seen));
		cert_format_day(get_time(&h, "not_before"), day, sizeof(day));
		cert_format_day(tp_cert_not_before(leaf), issued, sizeof(issued));
		check_add(c, STATE_CRITICAL, "%sserving an older certificate than on %s "
		    "(issued %s, not %s): a node or a service was not reloaded", where,
		    seen, issued, day);
		check_detail(c, "%s--state-file: served sha256 %s, the newest seen %s", where,
		    tp_cert_sha256(leaf), old_fp);
		return;
	} else if (strcmp(old_fp, tp_cert_sha256(leaf)) != 0) {
		const char *old_org = field(&h, "org"), *old_names = field(&h, "names");
		const char *old_spki = field(&h, "spki");
		char text[STATEFILE_VALUE_MAX / 2], dropped[NAMES_MAX / 2];

		cert_format_day(tp_cert_not_before(leaf), day, sizeof(day));
		dropped_names(old_names ? old_names : "", names, dropped, sizeof(dropped));
		if (old_org != NULL && strcmp(old_org, tp_cert_issuer_org(leaf)) != 0) {
			snprintf(text, sizeof(text), "the CA changed from '%s' to '%s' (%s): "
			    "clients that cached or pinned the old one, such as iOS Mail, may "
			    "complain", old_org[0] ? old_org :
			    field(&h, "issuer"), tp_cert_issuer_org(leaf)[0] ?
			    tp_cert_issuer_org(leaf) : tp_cert_issuer(leaf), day);
			hold(c, &h, where, text, now);
			changed_now = true;
		}
		if (dropped[0]) {
			snprintf(text, sizeof(text), "names dropped in the renewal of %s: %s "
			    "(clients asking for them now fail)", day, dropped);
			hold(c, &h, where, text, now);
			changed_now = true;
		}
		if (old_spki != NULL && strcmp(old_spki, tp_cert_spki_sha256(leaf)) != 0 &&
		    !changed_now)
			check_add(c, STATE_OK, "%sthe key changed with the renewal%s", where,
			    opts->dane ? ": a DANE hazard, TLSA records that pin the key "
			    "(3 1 1) must list the new one before it is served" : "");
		check_add(c, STATE_OK, "%srenewed on %s (was sha256 %.16s)", where, day, old_fp);
		remember(&h, leaf, names, now);
	}
	held = field(&h, "hold");	/* looked up anew: setting fields frees old values */
	if (held != NULL && held[0] != '\0' && !changed_now) {
		time_t since = get_time(&h, "hold_since");

		if (difftime(now, since) < opts->hold_seconds) {
			cert_format_day(since, day, sizeof(day));
			check_add(c, STATE_WARNING, "%s%s; seen %s, warned of for %g hours "
			    "(--change-hold)", where, held, day, opts->hold_seconds / 3600);
		} else
			set_field(&h, "hold", "");
	}
	if (h.failed)
		check_add(c, STATE_WARNING, "%s--state-file: the state of this endpoint "
		    "could not be stored (over the state file's limits)", where);
}
