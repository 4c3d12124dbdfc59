/*
 * check.c - the common options, the collected result of one plugin run
 * (sub-results, line one, perfdata, facts) and the timeout backstop. The
 * result is printed by one renderer per output format (output_*.c, listed
 * in formats[] below); ranges are range.c's. The interface is in check.h.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static void backstop_disarm(void);

#define TIMEOUT_DEFAULT	10.0
#define LINE_ONE_MAX	199	/* bytes of line one before " | perfdata" */

static char *fit_text(char *text, size_t budget, const char *tail);

/* One row per format, in the order of enum check_output. */
static const struct output_format *const formats[] = {
	[CHECK_OUTPUT_NAGIOS] = &output_nagios,
	[CHECK_OUTPUT_JSON] = &output_json,
	[CHECK_OUTPUT_OPENMETRICS] = &output_openmetrics,
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* The format of usage errors: what --output asked for, once seen. */
static enum check_output usage_output = CHECK_OUTPUT_NAGIOS;

static const struct output_format *
format_of(enum check_output id)
{
	return (unsigned)id < NFORMATS ? formats[id] : &output_nagios;
}

unsigned
check_ceil(double x)
{
	unsigned whole = (unsigned)x;

	return whole < x ? whole + 1 : whole;
}
/* An hour-long check is a configuration error, not a slow server. */
#define TIMEOUT_MAX	3600.0

#define FACT_DEPTH	32
#define GROUP_DEPTH	4

struct check {
	char *prefix;
	char *summary;
	char *summary_prefix;	/* line one from the problems, see check_summary_prefix */
	char *line_prefix;	/* before every sub-result's text, see check_line_prefix */
	struct result *results;
	size_t nresults;
	size_t capresults;
	char **details;
	size_t ndetails;
	size_t capdetails;
	struct perf *perf;
	size_t nperf;
	size_t capperf;
	struct fact facts;
	struct fact *open[FACT_DEPTH];	/* open containers below facts */
	int depth;
	int dropped;	/* containers opened where they could not go */
	bool oom;	/* something was lost: never report plain OK */
	struct label_set **sets;	/* every set of labels made, freed at the end */
	size_t nsets;
	size_t capsets;
	size_t group_depth;
	const struct label_set *check_labels;	/* the first outermost group's */
	const struct label_set *groups[GROUP_DEPTH];	/* in force at each depth */
	struct timespec started;	/* for the check's duration */
};

/* The labels of the innermost open group, or NULL. */
static const struct label_set *
current_labels(const struct check *c)
{
	size_t d = c->group_depth < GROUP_DEPTH ? c->group_depth : GROUP_DEPTH;

	return d > 0 ? c->groups[d - 1] : NULL;
}

/* --- small helpers -------------------------------------------------------- */

static char
ascii_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* strcasecmp() follows the locale; option values are plain ASCII. */
static bool
ascii_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

/* Length of S cut to at most MAX bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static char *
bounded_dup(const char *s, size_t max)
{
	size_t len = utf8_cut(s, max);
	char *p = malloc(len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* A fresh string of at most TEXT_MAX bytes; longer text ends in "...". */
__attribute__((format(printf, 1, 0)))
static char *
vformat(const char *fmt, va_list ap)
{
	char buf[TEXT_MAX + 1];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return strdup("(text could not be formatted)");
	if ((size_t)n > TEXT_MAX) {
		size_t keep = utf8_cut(buf, TEXT_MAX - 3);

		memcpy(buf + keep, "...", 4);
	}
	return strdup(buf);
}

/* Returns ITEMS with room for one more at LEN, or NULL leaving it alone. */
static void *
grow(void *items, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *p;

	if (len < *cap)
		return items;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / size)
		return NULL;
	p = realloc(items, ncap * size);
	if (p != NULL)
		*cap = ncap;
	return p;
}

/* --- states --------------------------------------------------------------- */

static const char *const state_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN",
};

static enum check_state
state_valid(enum check_state state)
{
	return (unsigned)state > STATE_UNKNOWN ? STATE_UNKNOWN : state;
}

/* UNKNOWN ranks below WARNING: a known problem outranks a blind spot. */
static int
state_rank(enum check_state state)
{
	static const int rank[] = { 0, 2, 3, 1 };

	return rank[state_valid(state)];
}

const char *
check_state_name(enum check_state state)
{
	return state_names[state_valid(state)];
}

int
check_state_parse(const char *text, enum check_state *out)
{
	static const char *const digits[] = { "0", "1", "2", "3" };

	if (text == NULL)
		return -1;
	for (int i = STATE_OK; i <= STATE_UNKNOWN; i++) {
		if (ascii_eq(text, state_names[i]) ||
		    strcmp(text, digits[i]) == 0) {
			if (out != NULL)
				*out = (enum check_state)i;
			return 0;
		}
	}
	return -1;
}

enum check_state
check_state_worst(enum check_state a, enum check_state b)
{
	a = state_valid(a);
	b = state_valid(b);
	return state_rank(a) >= state_rank(b) ? a : b;
}

/* --- common options ------------------------------------------------------- */

void
common_opts_init(struct common_opts *opts)
{
	opts->timeout_seconds = TIMEOUT_DEFAULT;
	opts->timeout_state = STATE_CRITICAL;
	opts->verbose = 0;
	opts->output = CHECK_OUTPUT_NAGIOS;
}

/*
 * SECONDS[:STATE]. Without :STATE the state is left alone, so a plugin
 * may pick its own default after common_opts_init().
 */
static int
timeout_parse(struct common_opts *opts, const char *arg, char *err,
    size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	enum check_state state = opts->timeout_state;
	char maxbuf[NUM_MAX];
	double secs;

	if (strchr(arg, ',') != NULL) {
		check_err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: use '.' as the decimal point, not ','", arg);
		return -1;
	}
	if (!num_parse(arg, len, &secs) || secs <= 0) {
		check_err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: give seconds greater than 0, optionally "
		    "followed by :STATE", arg);
		return -1;
	}
	if (secs > TIMEOUT_MAX) {
		check_err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: give at most %s seconds", arg,
		    num_format(TIMEOUT_MAX, maxbuf));
		return -1;
	}
	if (colon != NULL && check_state_parse(colon + 1, &state) != 0) {
		check_err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: '%s' is not a state; use ok, warning, critical "
		    "or unknown", arg, colon + 1);
		return -1;
	}
	opts->timeout_seconds = secs;
	opts->timeout_state = state;
	return 1;
}

static int
output_parse(struct common_opts *opts, const char *arg, char *err,
    size_t errlen)
{
	char names[128] = "";
	size_t len = 0;

	for (size_t i = 0; i < NFORMATS; i++) {
		if (ascii_eq(arg, formats[i]->name)) {
			opts->output = (enum check_output)i;
			usage_output = opts->output;
			return 1;
		}
	}
	/* "nagios, json or openmetrics", from the table */
	for (size_t i = 0; i < NFORMATS && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
		    i == 0 ? "" : i + 1 == NFORMATS ? " or " : ", ", formats[i]->name);
	check_err_set(err, errlen, "--output: '%s' is not a valid output "
	    "format: use %s", arg, names);
	return -1;
}

int
common_opts_handle(struct common_opts *opts, int opt, const char *arg,
    char *err, size_t errlen)
{
	switch (opt) {
	case 'h':
		return COMMON_WANTS_HELP;
	case 'V':
		return COMMON_WANTS_VERSION;
	case 'v':
		if (opts->verbose < 100)
			opts->verbose++;
		return 1;
	case 't':
		return timeout_parse(opts, arg ? arg : "", err, errlen);
	case COMMON_OPT_OUTPUT:
		return output_parse(opts, arg ? arg : "", err, errlen);
	default:
		return 0;
	}
}

void
common_opts_help(FILE *out)
{
	char def[NUM_MAX], max[NUM_MAX];

	num_format(TIMEOUT_DEFAULT, def);
	num_format(TIMEOUT_MAX, max);
	fprintf(out,
	    " -h, --help\n"
	    "    Print this help and exit.\n"
	    " -V, --version\n"
	    "    Print the version and exit.\n"
	    " -t, --timeout=SECONDS[:STATE]\n"
	    "    Give up after SECONDS (more than 0, at most %s, decimals\n"
	    "    allowed; default %s) and report STATE: ok, warning, critical\n"
	    "    or unknown (default critical).\n"
	    " -v, --verbose\n"
	    "    Print progress to stderr; repeat for more detail.\n"
	    " --output=FORMAT\n"
	    "    nagios: plugin output with perfdata (default); json: one JSON\n"
	    "    object on one line, with the facts behind the result; openmetrics:\n"
	    "    the Prometheus text exposition (tls_probe_check_state, _duration_seconds,\n"
	    "    per certificate not_before/not_after in Unix seconds, lifetime, share\n"
	    "    left, key size), \"# EOF\" last, for node_exporter's textfile collector.\n"
	    "\n"
	    "Environment: SSL_CERT_FILE and SSL_CERT_DIR replace the system trust\n"
	    "store as they do for OpenSSL; OPENSSL_CONF names an OpenSSL configuration\n"
	    "to apply (the host's openssl.cnf is not read, so that its local policy\n"
	    "does not change what the check sees).\n",
	    max, def);
}

void
check_usage_prescan(int argc, char *const *argv)
{
	usage_output = CHECK_OUTPUT_NAGIOS;
	for (int i = 1; i < argc; i++) {
		const char *name, *value;
		size_t len;

		if (strcmp(argv[i], "--") == 0)
			return;
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		/* --output or an abbreviation of it, as getopt_long takes them */
		name = argv[i] + 2;
		len = strcspn(name, "=");
		if (len == 0 || len > strlen("output") || strncmp(name, "output", len) != 0)
			continue;
		value = name[len] == '=' ? name + len + 1 : i + 1 < argc ? argv[i + 1] : "";
		for (size_t f = 0; f < NFORMATS; f++)
			if (strcmp(value, formats[f]->name) == 0)
				usage_output = (enum check_output)f;
	}
}

int
check_usage_error(const char *prefix, const char *sentence)
{
	size_t used = (prefix ? strlen(prefix) + 1 : 0) + strlen("UNKNOWN - ");
	char *text = strdup(sentence ? sentence : "");

	backstop_disarm();	/* one verdict: the backstop's would be a second */
	if (text != NULL)	/* a pasted value can be long: line one stays short */
		text = fit_text(text, used + 40 < LINE_ONE_MAX ? LINE_ONE_MAX - used : 40, "");
	format_of(usage_output)->verdict(stdout, stderr, prefix, STATE_UNKNOWN,
	    text ? text : "", true);
	fflush(stdout);
	free(text);
	return STATE_UNKNOWN;
}

/* --- the check ------------------------------------------------------------ */

struct check *
check_new(const char *prefix)
{
	struct check *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->facts.kind = FACT_OBJECT;
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->prefix = bounded_dup(prefix ? prefix : "", LABEL_MAX);
	if (c->prefix == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
fact_free(struct fact *f)
{
	for (size_t i = 0; i < f->nkids; i++) {
		fact_free(f->kids[i]);
		free(f->kids[i]);
	}
	free(f->kids);
	free(f->key);
	free(f->str);
}

void
check_free(struct check *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nresults; i++)
		free(c->results[i].text);
	for (size_t i = 0; i < c->ndetails; i++)
		free(c->details[i]);
	for (size_t i = 0; i < c->nperf; i++)
		free(c->perf[i].label);
	free(c->results);
	free(c->details);
	free(c->perf);
	fact_free(&c->facts);
	free(c->prefix);
	free(c->summary);
	free(c->summary_prefix);
	free(c->line_prefix);
	for (size_t i = 0; i < c->nsets; i++) {
		for (size_t j = 0; j < c->sets[i]->n; j++) {
			free(c->sets[i]->key[j]);
			free(c->sets[i]->value[j]);
		}
		free(c->sets[i]);
	}
	free(c->sets);
	free(c);
}

void
check_add(struct check *c, enum check_state state, const char *fmt, ...)
{
	struct result *p;
	va_list ap;
	char *text;

	if (c == NULL)
		return;
	va_start(ap, fmt);
	text = fmt ? vformat(fmt, ap) : strdup("");
	va_end(ap);
	if (text != NULL && (c->line_prefix != NULL || c->group_depth > 0)) {
		const char *line = c->line_prefix ? c->line_prefix : "";
		char name[160];
		char *whole;

		nagios_group_name(current_labels(c), name, sizeof(name));
		whole = malloc(strlen(name) + strlen(line) + strlen(text) + 1);
		if (whole != NULL)
			sprintf(whole, "%s%s%s", name, line, text);
		free(text);
		text = whole;
	}
	p = grow(c->results, &c->capresults, c->nresults, sizeof(*p));
	if (text == NULL || p == NULL) {
		free(text);
		c->oom = true;
		return;
	}
	c->results = p;
	c->results[c->nresults].labels = current_labels(c);
	c->results[c->nresults].state = state_valid(state);
	c->results[c->nresults++].text = text;
}

void
check_group(struct check *c, const struct check_label *labels, unsigned flags)
{
	const struct label_set *outer;
	struct label_set *set, **sets;
	bool lost = false;

	if (c == NULL)
		return;
	if (c->group_depth >= GROUP_DEPTH) {
		c->group_depth++;	/* still needs its check_group_end */
		return;
	}
	outer = current_labels(c);
	set = calloc(1, sizeof(*set));
	sets = grow(c->sets, &c->capsets, c->nsets, sizeof(*sets));
	if (set == NULL || sets == NULL) {
		free(set);
		c->oom = true;
		c->groups[c->group_depth++] = outer;
		return;
	}
	c->sets = sets;
	c->sets[c->nsets++] = set;
	if (outer != NULL)
		for (size_t i = 0; i < outer->n; i++) {
			set->key[i] = strdup(outer->key[i]);
			set->value[i] = strdup(outer->value[i]);
			set->named[i] = outer->named[i];
			set->perf[i] = outer->perf[i];
			set->n++;
		}
	for (; labels != NULL && labels->key != NULL && set->n < LABELS_MAX; labels++) {
		if (labels->value == NULL)
			continue;	/* a label that does not apply here */
		set->key[set->n] = bounded_dup(labels->key, LABEL_MAX);
		set->value[set->n] = bounded_dup(labels->value, LABEL_MAX);
		set->perf[set->n] = (flags & CHECK_GROUP_PERF) != 0;
		set->named[set->n++] = (flags & CHECK_GROUP_NAMED) != 0;
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->key[i] == NULL || set->value[i] == NULL)
			lost = true;
	c->oom |= lost;
	if (!lost && c->group_depth == 0 && c->check_labels == NULL)
		c->check_labels = set;
	c->groups[c->group_depth++] = lost ? outer : set;
}

void
check_group_end(struct check *c)
{
	if (c != NULL && c->group_depth > 0)
		c->group_depth--;
}

void
check_line_prefix(struct check *c, const char *prefix)
{
	if (c == NULL)
		return;
	free(c->line_prefix);
	c->line_prefix = NULL;
	if (prefix != NULL && prefix[0] != '\0' && (c->line_prefix = strdup(prefix)) == NULL)
		c->oom = true;
}

void
check_summary(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c == NULL)
		return;
	free(c->summary);
	c->summary = NULL;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	c->summary = vformat(fmt, ap);
	va_end(ap);
	if (c->summary == NULL)
		c->oom = true;
}

void
check_summary_prefix(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c == NULL || fmt == NULL)
		return;
	free(c->summary_prefix);
	va_start(ap, fmt);
	c->summary_prefix = vformat(fmt, ap);
	va_end(ap);
	if (c->summary_prefix == NULL)
		c->oom = true;
}

/* Appends TEXT to a growing summary; false when memory ran out. */
static bool
summary_append(char **summary, const char *sep, const char *text)
{
	size_t old = *summary ? strlen(*summary) : 0;
	char *grown = realloc(*summary, old + strlen(sep) + strlen(text) + 1);

	if (grown == NULL)
		return false;
	sprintf(grown + old, "%s%s", old ? sep : "", text);
	*summary = grown;
	return true;
}

/* " (+N more below)", or "" when N is 0. */
static void
more_below(char *out, size_t size, size_t n)
{
	if (n == 0)
		out[0] = '\0';
	else
		snprintf(out, size, " (+%zu more below)", n);
}

/* True when CH may stand right before an absolute path in a sentence. */
static bool
path_may_follow(char ch)
{
	return strchr(" '\"([=", ch) != NULL;
}

/* Length of the path at P: up to a space, quote, bracket or separator. */
static size_t
path_span(const char *p)
{
	size_t n = strcspn(p, " '\"()[],;");

	while (n > 1 && (p[n - 1] == '.' || p[n - 1] == ':'))
		n--;	/* the sentence's full stop or colon, not the file's */
	return n;
}

/*
 * TEXT (owned) with every absolute path of three or more components
 * shortened from the left to its last two, "/srv/.../pki/other.key" ->
 * ".../pki/other.key": on line one the file's own name must survive the
 * cut, however deep the directory it lives in.
 */
static char *
shorten_paths(char *text)
{
	size_t len = strlen(text), in, out = 0;
	char *short_text = malloc(len + 1);

	if (short_text == NULL)
		return text;
	for (in = 0; in < len; ) {
		size_t span, keep, slashes = 0;

		if (text[in] != '/' || (in > 0 && !path_may_follow(text[in - 1]))) {
			short_text[out++] = text[in++];
			continue;
		}
		span = path_span(text + in);
		for (keep = span; keep > 0; keep--)
			if (text[in + keep - 1] == '/' && ++slashes == 2)
				break;
		/* keep: where ".../dir/base" starts; worth it only if shorter */
		if (slashes == 2 && keep > 4) {
			memcpy(short_text + out, "...", 3);
			out += 3;
			in += keep - 1;
			span -= keep - 1;
		}
		memcpy(short_text + out, text + in, span);
		out += span;
		in += span;
	}
	short_text[out] = '\0';
	free(text);
	return short_text;
}

/*
 * TEXT (owned) followed by TAIL in at most BUDGET bytes: long paths
 * shortened from the left first, then cut at a space and marked " ..."
 * when still too long.  The long output keeps every text whole.
 */
static char *
fit_text(char *text, size_t budget, const char *tail)
{
	size_t len = strlen(text), tail_len = strlen(tail), room, cut;
	char *fitted;

	if (len + tail_len > budget) {
		text = shorten_paths(text);
		len = strlen(text);
	}
	if (len + tail_len <= budget) {
		room = len;
		tail_len = 0;	/* nothing cut: no " ..." */
	} else
		room = budget > tail_len + 4 ? budget - tail_len - 4 : 0;
	cut = room;
	if (cut < len) {
		while (cut > room / 2 && text[cut] != ' ')
			cut--;
		if (text[cut] != ' ')	/* no space near: cut a word, not a character */
			for (cut = room; cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80; )
				cut--;
	}
	fitted = malloc(cut + strlen(tail) + 5);
	if (fitted == NULL)
		return text;
	memcpy(fitted, text, cut);
	snprintf(fitted + cut, strlen(tail) + 5, "%s%s", cut < len ? " ..." : "", tail);
	free(text);
	return fitted;
}

/* Line one from the prefix and the problems, worst first, in BUDGET bytes. */
static void
compose_summary(struct check *c, size_t budget)
{
	static const enum check_state order[] = { STATE_CRITICAL, STATE_WARNING, STATE_UNKNOWN };
	char *text = NULL, more[48];
	bool ok = summary_append(&text, "", c->summary_prefix) &&
	    summary_append(&text, "", ": ");
	size_t problems = 0, shown = 0;

	for (size_t i = 0; i < c->nresults; i++)
		problems += c->results[i].state != STATE_OK;
	for (size_t o = 0; ok && o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t i = 0; ok && i < c->nresults; i++) {
			const char *part = c->results[i].text;

			if (c->results[i].state != order[o])
				continue;
			more_below(more, sizeof(more), problems - shown - 1);
			if (shown > 0 && strlen(text) + 2 + strlen(part) + strlen(more) > budget)
				goto full;
			ok = summary_append(&text, shown++ ? "; " : "", part);
		}
	}
full:
	if (!ok) {
		free(text);
		c->oom = true;
		return;
	}
	more_below(more, sizeof(more), problems - shown);
	c->summary = fit_text(text, budget, more);
}

void
check_detail(struct check *c, const char *fmt, ...)
{
	va_list ap;
	char *text, **p;

	if (c == NULL)
		return;
	va_start(ap, fmt);
	text = fmt ? vformat(fmt, ap) : strdup("");
	va_end(ap);
	p = grow(c->details, &c->capdetails, c->ndetails, sizeof(*p));
	if (text == NULL || p == NULL) {
		free(text);
		c->oom = true;
		return;
	}
	c->details = p;
	c->details[c->ndetails++] = text;
}

/* Keeps what a UOM can be (s, ms, %, B, KB, c ...): nothing that parses. */
static void
uom_copy(char *dst, size_t size, const char *uom)
{
	size_t j = 0;

	for (; uom != NULL && *uom != '\0' && j < size - 1; uom++)
		if ((*uom >= 'a' && *uom <= 'z') ||
		    (*uom >= 'A' && *uom <= 'Z') || *uom == '%')
			dst[j++] = *uom;
	dst[j] = '\0';
}

static void
range_text_copy(char *dst, size_t size, const struct range *r, bool has)
{
	size_t len = has ? strnlen(r->text, sizeof(r->text)) : 0;

	if (len >= size)
		len = size - 1;
	memcpy(dst, r->text, len);
	dst[len] = '\0';
}

void
check_perf(struct check *c, const char *label, double value, const char *uom,
    const struct threshold *t, const double *min, const double *max)
{
	struct perf pd = { 0 }, *p;
	char name[2 * LABEL_MAX + 1];	/* cut to LABEL_MAX below, at a character */

	if (c == NULL)
		return;
	nagios_perf_label(current_labels(c), label ? label : "", name, sizeof(name));
	pd.label = bounded_dup(name, LABEL_MAX);
	pd.value = value;
	uom_copy(pd.uom, sizeof(pd.uom), uom);
	if (t != NULL) {
		range_text_copy(pd.warn, sizeof(pd.warn), &t->warning,
		    t->has_warning);
		range_text_copy(pd.crit, sizeof(pd.crit), &t->critical,
		    t->has_critical);
	}
	pd.has_min = min != NULL;
	pd.min = min ? *min : 0;
	pd.has_max = max != NULL;
	pd.max = max ? *max : 0;
	p = grow(c->perf, &c->capperf, c->nperf, sizeof(*p));
	if (pd.label == NULL || p == NULL) {
		free(pd.label);
		c->oom = true;
		return;
	}
	c->perf = p;
	pd.labels = current_labels(c);
	c->perf[c->nperf++] = pd;
}

/* --- facts ---------------------------------------------------------------- */

static struct fact *
fact_current(struct check *c)
{
	return c->depth > 0 ? c->open[c->depth - 1] : &c->facts;
}

/*
 * A new fact for the innermost container, or NULL. Keyed facts belong in
 * objects and items in lists; anything else is dropped rather than
 * printed as invalid JSON.
 */
static struct fact *
fact_add(struct check *c, enum fact_kind kind, const char *key)
{
	struct fact *parent, *f, **kids;

	if (c == NULL || c->dropped > 0)
		return NULL;
	parent = fact_current(c);
	if ((parent->kind == FACT_LIST) != (key == NULL))
		return NULL;
	kids = grow(parent->kids, &parent->capkids, parent->nkids,
	    sizeof(*kids));
	f = calloc(1, sizeof(*f));
	if (kids == NULL || f == NULL ||
	    (key != NULL && (f->key = bounded_dup(key, LABEL_MAX)) == NULL)) {
		if (kids != NULL)
			parent->kids = kids;
		free(f);
		c->oom = true;
		return NULL;
	}
	parent->kids = kids;
	f->kind = kind;
	f->labels = current_labels(c);
	parent->kids[parent->nkids++] = f;
	return f;
}

void
check_fact_str(struct check *c, const char *key, const char *value)
{
	struct fact *f = fact_add(c, FACT_STR, key ? key : "");

	if (f == NULL || value == NULL)
		return;
	if ((f->str = bounded_dup(value, TEXT_MAX)) == NULL)
		c->oom = true;
}

void
check_fact_num(struct check *c, const char *key, double value)
{
	struct fact *f = fact_add(c, FACT_NUM, key ? key : "");

	if (f != NULL)
		f->num = value;
}

void
check_fact_bool(struct check *c, const char *key, bool value)
{
	struct fact *f = fact_add(c, FACT_BOOL, key ? key : "");

	if (f != NULL)
		f->yes = value;
}

static void
fact_open(struct check *c, enum fact_kind kind, const char *key)
{
	struct fact *f = NULL;

	if (c == NULL)
		return;
	if (c->depth < FACT_DEPTH)
		f = fact_add(c, kind, key);
	/* A dropped container still needs its check_fact_end. */
	if (f == NULL)
		c->dropped++;
	else
		c->open[c->depth++] = f;
}

void
check_fact_list(struct check *c, const char *key)
{
	fact_open(c, FACT_LIST, key ? key : "");
}

void
check_fact_item(struct check *c)
{
	fact_open(c, FACT_OBJECT, NULL);
}

void
check_fact_end(struct check *c)
{
	if (c == NULL)
		return;
	if (c->dropped > 0)
		c->dropped--;
	else if (c->depth > 0)
		c->depth--;
}

/* --- the result ----------------------------------------------------------- */

/* The state, and the text for line one when SUMMARY is not NULL. */
static enum check_state
aggregate(const struct check *c, const char **summary)
{
	enum check_state state = STATE_UNKNOWN;
	const char *text = "no checks were run";

	for (size_t i = 0; i < c->nresults; i++) {
		if (i == 0 ||
		    state_rank(c->results[i].state) > state_rank(state)) {
			state = c->results[i].state;
			text = c->results[i].text;
		}
	}
	if (c->oom && (c->nresults == 0 ||
	    state_rank(STATE_UNKNOWN) > state_rank(state))) {
		state = STATE_UNKNOWN;
		text = OOM_TEXT;
	}
	if (summary != NULL)
		*summary = c->summary && *c->summary ? c->summary : text;
	return state;
}

enum check_state
check_state(const struct check *c)
{
	return c == NULL ? STATE_UNKNOWN : aggregate(c, NULL);
}

size_t
check_mark(const struct check *c)
{
	return c == NULL ? 0 : c->nresults;
}

enum check_state
check_state_since(const struct check *c, size_t mark, const char **text)
{
	enum check_state state = STATE_OK;

	if (text != NULL)
		*text = NULL;
	for (size_t i = mark; c != NULL && i < c->nresults; i++) {
		if (state_rank(c->results[i].state) > state_rank(state)) {
			state = c->results[i].state;
			if (text != NULL)
				*text = c->results[i].text;
		}
	}
	return state;
}

/* Room for the summary on line one: 199 characters before the perfdata. */
static size_t
summary_budget(const struct check *c)
{
	size_t used = strlen(c->prefix) + (*c->prefix ? 1 : 0) +
	    strlen(check_state_name(check_state(c))) + strlen(" - ");

	return used + 40 < LINE_ONE_MAX ? LINE_ONE_MAX - used : 40;
}

/* Line one's text, whichever way it came, within its budget. */
static void
fit_summary(struct check *c)
{
	const char *text;

	if (c->summary == NULL || *c->summary == '\0') {
		aggregate(c, &text);
		free(c->summary);
		c->summary = strdup(text);
		if (c->summary == NULL) {
			c->oom = true;
			return;
		}
	}
	c->summary = fit_text(c->summary, summary_budget(c), "");
}

int
check_finish(struct check *c, enum check_output format, FILE *out)
{
	static const char nomem[] = "could not allocate memory for the result";
	struct output_view view;
	struct timespec now;
	enum check_state state;

	/*
	 * The result is written now: the -t backstop must not add a second
	 * one while the process ends (freeing, threads, LeakSanitizer's exit
	 * scan can take longer than the second the backstop leaves).
	 */
	backstop_disarm();
	if (out == NULL)
		out = stdout;
	if (c == NULL) {
		format_of(format)->verdict(out, stderr, "", STATE_UNKNOWN, nomem, false);
		fflush(out);
		return STATE_UNKNOWN;
	}
	if (c->summary == NULL && c->summary_prefix != NULL &&
	    aggregate(c, NULL) != STATE_OK)
		compose_summary(c, summary_budget(c));
	fit_summary(c);
	state = check_state(c);
	clock_gettime(CLOCK_MONOTONIC, &now);
	view = (struct output_view){
		.prefix = c->prefix,
		.state = state,
		.summary = c->summary ? c->summary : OOM_TEXT,
		.results = c->results,
		.nresults = c->nresults,
		.details = (const char *const *)c->details,
		.ndetails = c->ndetails,
		.perf = c->perf,
		.nperf = c->nperf,
		.facts = &c->facts,
		.oom = c->oom,
		.labels = c->check_labels,
		.duration_seconds = (double)(now.tv_sec - c->started.tv_sec) +
		    (double)(now.tv_nsec - c->started.tv_nsec) / 1e9,
	};
	format_of(format)->result(&view, out);
	fflush(out);
	return (int)state;
}

void
check_verbose(const struct common_opts *opts, int level, const char *fmt, ...)
{
	char buf[TEXT_MAX + 1];
	va_list ap;
	size_t len;

	if (opts == NULL || opts->verbose < level || fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	fputs(buf, stderr);
	if (len == 0 || buf[len - 1] != '\n')
		putc('\n', stderr);
}

/* --- the timeout backstop -------------------------------------------------- */

/* Written before the alarm is armed, read only by the handler. */
static char backstop_line[2048];
static size_t backstop_len;
static int backstop_state = STATE_CRITICAL;

/* The thread that armed the backstop, which prints the result: it alone writes a verdict. */
static pthread_t backstop_owner;

static void
backstop_fire(int sig)
{
	/*
	 * The kernel may hand SIGALRM to any thread (a probe's, libunbound's).
	 * Written there, the verdict could land while the owner prints the
	 * check's own result: two documents in one output. The owner gets it.
	 */
	if (!pthread_equal(pthread_self(), backstop_owner)) {
		pthread_kill(backstop_owner, sig);
		return;
	}
	if (write(STDOUT_FILENO, backstop_line, backstop_len) < 0)
		_exit(backstop_state);
	_exit(backstop_state);
}

/*
 * No verdict from the backstop from now on: the alarm is cancelled, and
 * one already taken by another thread and passed on stays pending here.
 */
static void
backstop_disarm(void)
{
	sigset_t alarm_only;

	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
	alarm(0);
}

/* The backstop's line, in the output format asked for; 0 when it did not fit. */
static size_t
render_backstop(const struct common_opts *opts, const char *prefix)
{
	char text[200];
	FILE *out = fmemopen(backstop_line, sizeof(backstop_line), "w");
	long len;

	if (out == NULL)
		return 0;
	snprintf(text, sizeof(text), "the check did not finish within its %g s timeout: "
	    "a step it cannot bound itself (the system's name lookup, a very large input) "
	    "took longer", opts->timeout_seconds);
	format_of(opts->output)->verdict(out, stderr, prefix, opts->timeout_state,
	    text, false);
	len = ftell(out);
	fclose(out);
	return len > 0 && (size_t)len < sizeof(backstop_line) ? (size_t)len : 0;
}

void
common_opts_arm_timeout(const struct common_opts *opts, const char *prefix)
{
	sigset_t alarm_only;

	backstop_len = render_backstop(opts, prefix);
	backstop_state = opts->timeout_state;
	backstop_owner = pthread_self();
	signal(SIGALRM, backstop_fire);
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);	/* a disarmed backstop blocked it */
	/* A server that closes first must not kill the plugin in SSL_write. */
	signal(SIGPIPE, SIG_IGN);
	alarm(check_ceil(opts->timeout_seconds) + 1);
}
