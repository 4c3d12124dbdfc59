/*
 * check.h - the plugin half of tls-probe: ranges, thresholds, perfdata,
 * collected sub-results and the one exit.
 *
 * A plugin creates a struct check, adds sub-results (a state and one line
 * each), perfdata and facts, then calls check_finish(), which prints the
 * Nagios output (or one JSON object) and returns the exit code. Ranges and
 * thresholds follow the Monitoring Plugins Development Guidelines. Nothing
 * here talks to the network; nothing here calls exit().
 */
#ifndef TLSPROBE_CHECK_H
#define TLSPROBE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum check_state {
	STATE_OK = 0,
	STATE_WARNING = 1,
	STATE_CRITICAL = 2,
	STATE_UNKNOWN = 3,
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *check_state_name(enum check_state state);

/* The smallest whole number not below X, for 0 <= X < UINT_MAX (no libm). */
unsigned check_ceil(double x);

/* Parses "OK", "warning", "2", ...; returns 0 or -1. */
int check_state_parse(const char *text, enum check_state *out);

/* The worse of two states: CRITICAL > WARNING > UNKNOWN > OK. */
enum check_state check_state_worst(enum check_state a, enum check_state b);

/*
 * A range per the guidelines: "10" is 0..10, "10:" is 10..inf, "~:10" is
 * -inf..10, "10:20", and a leading '@' inverts (alert inside the range).
 * The original text is kept for perfdata.
 */
struct range {
	double start;
	double end;
	bool start_infinite;
	bool end_infinite;
	bool alert_inside;
	char text[64];
};

/*
 * Parses TEXT into OUT. Returns 0, or -1 with a sentence in ERR (which does
 * not name the option: the caller knows it).
 */
int range_parse(const char *text, struct range *out, char *err, size_t errlen);

/*
 * IN with both finite ends multiplied by FACTOR (days to seconds, a share
 * of a lifetime to seconds), its text rewritten to match for perfdata.
 */
void range_scale(const struct range *in, double factor, struct range *out);

/* True when VALUE raises an alert against R. */
bool range_alerts(const struct range *r, double value);

struct threshold {
	bool has_warning;
	bool has_critical;
	struct range warning;
	struct range critical;
};

/* CRITICAL if the critical range alerts, else WARNING if the warning one does. */
enum check_state threshold_state(const struct threshold *t, double value);

/* Output formats for --output. */
enum check_output {
	CHECK_OUTPUT_NAGIOS,
	CHECK_OUTPUT_JSON,
	CHECK_OUTPUT_OPENMETRICS,
};

/* Options every plugin takes: -h -V -t -v --output. */
struct common_opts {
	double timeout_seconds;		/* default 10 */
	enum check_state timeout_state;	/* default CRITICAL */
	int verbose;			/* count of -v */
	enum check_output output;
};

#define COMMON_SHORT_OPTS "hVt:v"
#define COMMON_OPT_OUTPUT 0x1000
#define COMMON_LONG_OPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "output", required_argument, NULL, COMMON_OPT_OUTPUT }

void common_opts_init(struct common_opts *opts);

/*
 * Handles OPT (a getopt_long return value) if it is a common option.
 * Returns 1 when handled, 0 when OPT is not a common option, -1 on a bad
 * value with a sentence naming the option and value in ERR. -h and -V are
 * reported as COMMON_WANTS_HELP / COMMON_WANTS_VERSION for the plugin to
 * print its own text.
 */
#define COMMON_WANTS_HELP 2
#define COMMON_WANTS_VERSION 3
int common_opts_handle(struct common_opts *opts, int opt, const char *arg,
    char *err, size_t errlen);

/*
 * A last line of defence for -t: an alarm one second after the timeout
 * prints "PREFIX STATE - the check did not finish within its timeout" and
 * exits with the timeout state. Probes honour the deadline themselves;
 * this catches what they cannot bound (a stuck name resolution).
 */
void common_opts_arm_timeout(const struct common_opts *opts, const char *prefix);

/* The help paragraph for the common options, for every plugin's --help. */
void common_opts_help(FILE *out);

/*
 * Prints "PREFIX UNKNOWN - SENTENCE" and returns 3, for usage errors; one
 * JSON object instead once --output json was asked for (common_opts_handle
 * or check_usage_prescan saw it).
 */
int check_usage_error(const char *prefix, const char *sentence);

/*
 * Looks for "--output json" (or "--output=json", or an abbreviation such as
 * "--out json" that getopt_long takes) anywhere in ARGV, before the options
 * are parsed, so that an error in an earlier option is JSON too.
 */
void check_usage_prescan(int argc, char *const *argv);

struct check;

struct check *check_new(const char *prefix);
void check_free(struct check *c);

/* Adds a sub-result: a state and one line of text. */
void check_add(struct check *c, enum check_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Puts PREFIX ("RSA certificate: ") before the text of every sub-result
 * added from now on, until it is set again (NULL: none).
 */
void check_line_prefix(struct check *c, const char *prefix);

/*
 * Labelled groups: where a sub-result applies (port=993, protocol=imaps,
 * key_type=rsa, address=..., host=..., sni=...). Sub-results, details,
 * perfdata and facts added between check_group() and check_group_end()
 * carry the labels of every open group: OpenMetrics writes them as labels,
 * JSON keeps them with the facts, and Nagios output, for a group opened
 * with CHECK_GROUP_NAMED, starts each of its lines with the group's name
 * ("587/submission, RSA certificate: "): name a group when the check has
 * several, so that the on-call engineer can tell them apart; with
 * CHECK_GROUP_PERF its label values end the perfdata labels. LABELS ends
 * with a NULL key; values are copied, and a label whose value is NULL is
 * left out. Groups nest (up to 4 deep).
 */
struct check_label {
	const char *key;
	const char *value;
};
#define CHECK_GROUP_NAMED 1u
/* Perfdata labels added inside end with "_VALUE" per label: days_left_587_rsa. */
#define CHECK_GROUP_PERF 2u
void check_group(struct check *c, const struct check_label *labels, unsigned flags);
void check_group_end(struct check *c);

/* Sets line one's summary; without it, the worst sub-result's text is used. */
void check_summary(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Without check_summary(), line one is this prefix, ": ", then the texts of
 * the sub-results that are not OK, worst first, joined by "; ".
 */
void check_summary_prefix(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a line of long output after the sub-results (e.g. the chain). */
void check_detail(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Adds perfdata 'label'=value[uom];[warn];[crit];[min];[max]. T, MIN and MAX
 * may be NULL. Labels are quoted when they need it; numbers are printed
 * with '.' as the decimal point whatever the locale.
 */
void check_perf(struct check *c, const char *label, double value,
    const char *uom, const struct threshold *t, const double *min,
    const double *max);

/*
 * Facts for --output json: flat key/value pairs at the top level of
 * "facts", and lists of objects (e.g. the chain) built with
 * check_fact_list / check_fact_item / check_fact_end.
 */
void check_fact_str(struct check *c, const char *key, const char *value);
void check_fact_num(struct check *c, const char *key, double value);
void check_fact_bool(struct check *c, const char *key, bool value);
void check_fact_list(struct check *c, const char *key);	/* opens "key": [ */
void check_fact_item(struct check *c);			/* opens an object in the list */
void check_fact_end(struct check *c);			/* closes the innermost */

/* The aggregated state so far. */
enum check_state check_state(const struct check *c);
/*
 * A mark (how many sub-results C holds) for check_state_since(): the worst
 * state of those added after MARK (OK when none) and, when TEXT is not
 * NULL, the first line of that state, prefix included (NULL when OK).
 * For a plugin that judges several endpoints into one check.
 */
size_t check_mark(const struct check *c);
enum check_state check_state_since(const struct check *c, size_t mark, const char **text);

/*
 * Prints the result in FORMAT to OUT and returns the exit code (the state).
 * Nagios format: "PREFIX STATE - summary | perfdata", then one line per
 * sub-result ("[STATE] text"), then the detail lines. It disarms the -t
 * backstop first: one result, never two.
 */
int check_finish(struct check *c, enum check_output format, FILE *out);

/* -v output: to stderr, never into line one. */
void check_verbose(const struct common_opts *opts, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
