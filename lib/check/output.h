/*
 * output.h - what a renderer of one output format sees of a finished check,
 * and the table of formats. Private to check.c, range.c and output_*.c:
 * plugins use check.h.
 *
 * A format is one file defining one struct output_format and one row in
 * check.c's table: print the collected result, and print a verdict reached
 * without a check (a usage error, the timeout backstop, no memory).
 */
#ifndef TLSPROBE_OUTPUT_H
#define TLSPROBE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "check.h"

#define TEXT_MAX	4096	/* longest stored text, in bytes */
#define LABEL_MAX	200	/* longest perfdata label or fact key */
#define NUM_MAX		400	/* "%.6f" of -DBL_MAX needs 317 */
#define OOM_TEXT	"ran out of memory; some results may be missing"

#define LABELS_MAX	12	/* labels of all open groups together */

/* vsnprintf into ERR when ERR is not NULL (range.c). */
__attribute__((format(printf, 3, 4)))
void check_err_set(char *err, size_t errlen, const char *fmt, ...);

/* The labels in force when something was added: every open group's. */
struct label_set {
	size_t n;
	char *key[LABELS_MAX];
	char *value[LABELS_MAX];
	bool named[LABELS_MAX];		/* from a CHECK_GROUP_NAMED group */
	bool perf[LABELS_MAX];		/* from a CHECK_GROUP_PERF group */
};

struct result {
	enum check_state state;
	char *text;
	const struct label_set *labels;	/* NULL: outside any group */
};

struct perf {
	char *label;
	double value;
	char uom[16];
	char warn[sizeof(((struct range *)0)->text)];
	char crit[sizeof(((struct range *)0)->text)];
	double min;
	double max;
	bool has_min;
	bool has_max;
	const struct label_set *labels;
};

enum fact_kind { FACT_STR, FACT_NUM, FACT_BOOL, FACT_LIST, FACT_OBJECT };

/* Facts are kept as a tree so that closing a container never allocates. */
struct fact {
	enum fact_kind kind;
	char *key;		/* NULL for list items */
	char *str;		/* NULL prints null */
	double num;
	bool yes;
	struct fact **kids;
	size_t nkids;
	size_t capkids;
	const struct label_set *labels;
};

/* A finished check as the renderers read it: nothing here is changed. */
struct output_view {
	const char *prefix;
	enum check_state state;
	const char *summary;		/* line one's text, fitted */
	const struct result *results;
	size_t nresults;
	const char *const *details;
	size_t ndetails;
	const struct perf *perf;
	size_t nperf;
	const struct fact *facts;	/* the root object */
	bool oom;			/* add the OOM_TEXT sub-result */
	double duration_seconds;	/* from check_new() to check_finish() */
	const struct label_set *labels;	/* the check's own: its first outermost group */
};

struct output_format {
	const char *name;		/* as given to --output */
	void (*result)(const struct output_view *v, FILE *out);
	/*
	 * A verdict without a check: a usage error (STATE_UNKNOWN), the
	 * timeout backstop, no memory for the result. OUT is where the
	 * result would go; ERR is stderr, for formats that cannot carry a
	 * sentence (OpenMetrics says nothing on OUT then).
	 */
	void (*verdict)(FILE *out, FILE *err, const char *prefix,
	    enum check_state state, const char *text, bool usage);
};

extern const struct output_format output_nagios;
extern const struct output_format output_json;
extern const struct output_format output_openmetrics;

/*
 * "587/submission, RSA certificate: " from the named labels of SET into BUF
 * (output_nagios.c); "" when none is named.
 */
void nagios_group_name(const struct label_set *set, char *buf, size_t size);

/* LABEL followed by "_VALUE" for each perf label of SET, into BUF. */
void nagios_perf_label(const struct label_set *set, const char *label, char *buf,
    size_t size);

/* Number text both ways, '.' as the point whatever the locale (range.c). */
const char *num_format(double v, char *buf);
bool num_parse(const char *s, size_t len, double *out);

/* Length of the valid UTF-8 sequence at S (a lead byte of 0x80 or more), or 0. */
size_t utf8_len(const unsigned char *s);

#endif
