/*
 * check.c - ranges, thresholds, the common options and the collected result
 * of one plugin run, printed as Nagios plugin output or as one JSON object.
 * The interface and its rules are described in check.h.
 */
#include <locale.h>
#include <math.h>		/* isnan(), a macro: no libm */
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define TEXT_MAX	4096	/* longest stored text, in bytes */
#define LABEL_MAX	200	/* longest perfdata label or fact key */
#define NUM_MAX		400	/* "%.6f" of -DBL_MAX needs 317 */
#define FACT_DEPTH	32
#define TIMEOUT_DEFAULT	10.0
#define LINE_ONE_MAX	199	/* bytes of line one before " | perfdata" */

static char *fit_text(char *text, size_t budget, const char *tail);

/* The format of usage errors: what --output asked for, once seen. */
static enum check_output usage_output = CHECK_OUTPUT_NAGIOS;

unsigned
check_ceil(double x)
{
	unsigned whole = (unsigned)x;

	return whole < x ? whole + 1 : whole;
}
/* An hour-long check is a configuration error, not a slow server. */
#define TIMEOUT_MAX	3600.0
#define RANGE_EXAMPLES	"give e.g. 10, 10:, ~:10, 10:20 or @10:20"
#define OOM_TEXT	"ran out of memory; some results may be missing"

struct result {
	enum check_state state;
	char *text;
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
};

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
};

/* --- small helpers -------------------------------------------------------- */

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

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

__attribute__((format(printf, 3, 4)))
static void
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Formats V with '.' as the decimal point whatever LC_NUMERIC says, with at
 * most six decimals, no trailing zeros and no exponent. V must be finite.
 */
static const char *
fmt_num(double v, char *buf)
{
	char raw[NUM_MAX];
	size_t i, j = 0;
	bool point = false;

	snprintf(raw, sizeof(raw), "%.6f", v);
	/* Any run of other bytes is the locale's (maybe multibyte) point. */
	for (i = 0; raw[i] != '\0' && j < NUM_MAX - 1; i++) {
		if (is_digit(raw[i]) || raw[i] == '-')
			buf[j++] = raw[i];
		else if (!point) {
			buf[j++] = '.';
			point = true;
		}
	}
	if (point) {
		while (j > 0 && buf[j - 1] == '0')
			j--;
		if (j > 0 && buf[j - 1] == '.')
			j--;
	}
	buf[j] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	return buf;
}

/*
 * Parses LEN bytes at S as a plain decimal: [+-]digits[.digits] (".5" and
 * "5." too). No exponent, hex, inf or nan, which strtod would take.
 */
static bool
parse_decimal(const char *s, size_t len, double *out)
{
	char buf[NUM_MAX];
	const char *point = localeconv()->decimal_point;
	size_t i = 0, j = 0, digits = 0, plen = strlen(point);
	char *end;
	double v;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && is_digit(s[i]); i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && is_digit(s[i]); i++)
			digits++;
	if (digits == 0 || i != len || len + plen >= sizeof(buf))
		return false;
	/* strtod wants the locale's point; give it that. */
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			memcpy(buf + j, point, plen);
			j += plen;
		} else
			buf[j++] = s[i];
	}
	buf[j] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool
has_space(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(" \t\n\r\v\f", *s) != NULL)
			return true;
	return false;
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

/* --- ranges --------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int
range_fail(char *err, size_t errlen, const char *text, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err_set(err, errlen, "'%s' is not a valid range: %s", text, why);
	return -1;
}

/* Checks the forms that are wrong whatever the numbers say. */
static int
range_check_text(const char *text, const char *body, char *err, size_t errlen)
{
	size_t len = strlen(text);

	if (len == 0)
		return range_fail(err, errlen, text, "it is empty; %s",
		    RANGE_EXAMPLES);
	if (len >= sizeof(((struct range *)0)->text))
		return range_fail(err, errlen, text,
		    "it is longer than %zu characters",
		    sizeof(((struct range *)0)->text) - 1);
	if (has_space(text))
		return range_fail(err, errlen, text, "it contains whitespace");
	if (strchr(text, ',') != NULL)
		return range_fail(err, errlen, text,
		    "use '.' as the decimal point, not ','");
	if (*body == '\0')
		return range_fail(err, errlen, text,
		    "nothing follows the '@'; %s", RANGE_EXAMPLES);
	if (strcmp(body, ":") == 0)
		return range_fail(err, errlen, text,
		    "give a start, an end or both around the ':'");
	if (strchr(body, ':') != strrchr(body, ':'))
		return range_fail(err, errlen, text,
		    "it has more than one ':'");
	return 0;
}

/* A lone value N means 0:N. */
static int
range_parse_single(const char *text, const char *body, struct range *r,
    char *err, size_t errlen)
{
	if (strcmp(body, "~") == 0)
		return range_fail(err, errlen, text, "'~' means negative "
		    "infinity and can only be the start, as in ~:10");
	if (!parse_decimal(body, strlen(body), &r->end))
		return range_fail(err, errlen, text, "'%s' is not a number; %s",
		    body, RANGE_EXAMPLES);
	r->start = 0;
	if (r->end < 0)
		return range_fail(err, errlen, text, "a single value N "
		    "means 0:N, and the start (0) is greater than the end "
		    "(%s)", body);
	return 0;
}

static int
range_parse_pair(const char *text, const char *body, struct range *r,
    char *err, size_t errlen)
{
	const char *colon = strchr(body, ':');
	const char *endtext = colon + 1;
	int startlen = (int)(colon - body);

	/* The guidelines let the start go when it is 0, so ":10" is 0:10. */
	if (startlen == 0)
		r->start = 0;
	else if (startlen == 1 && body[0] == '~') {
		r->start = -HUGE_VAL;
		r->start_infinite = true;
	} else if (!parse_decimal(body, (size_t)startlen, &r->start))
		return range_fail(err, errlen, text,
		    "the start '%.*s' is not a number", startlen, body);

	if (*endtext == '\0') {
		r->end = HUGE_VAL;
		r->end_infinite = true;
	} else if (strcmp(endtext, "~") == 0)
		return range_fail(err, errlen, text, "the end cannot be '~'; "
		    "leave it empty for no upper limit, as in 10:");
	else if (!parse_decimal(endtext, strlen(endtext), &r->end))
		return range_fail(err, errlen, text,
		    "the end '%s' is not a number", endtext);

	if (!r->start_infinite && !r->end_infinite && r->start > r->end)
		return range_fail(err, errlen, text, "the start (%.*s) is "
		    "greater than the end (%s)", startlen ? startlen : 1,
		    startlen ? body : "0", endtext);
	return 0;
}

int
range_parse(const char *text, struct range *out, char *err, size_t errlen)
{
	struct range r = { 0 };
	const char *body;
	int rc;

	if (text == NULL)
		text = "";
	body = text;
	if (*body == '@') {
		r.alert_inside = true;
		body++;
	}
	if (range_check_text(text, body, err, errlen) != 0)
		return -1;
	if (strchr(body, ':') == NULL)
		rc = range_parse_single(text, body, &r, err, errlen);
	else
		rc = range_parse_pair(text, body, &r, err, errlen);
	if (rc != 0)
		return -1;
	strcpy(r.text, text);	/* length checked above */
	if (out != NULL)
		*out = r;
	return 0;
}

void
range_scale(const struct range *in, double factor, struct range *out)
{
	char start[NUM_MAX], end[NUM_MAX];
	struct range r = *in;
	bool show_start;

	if (!in->start_infinite)
		r.start = in->start * factor;
	if (!in->end_infinite)
		r.end = in->end * factor;
	/* The guidelines' shortest form: "10" is 0:10, "~:" an infinite start. */
	show_start = !in->start_infinite && (r.start != 0 || in->end_infinite);
	snprintf(r.text, sizeof(r.text), "%s%s%s%s", in->alert_inside ? "@" : "",
	    in->start_infinite ? "~:" : show_start ? fmt_num(r.start, start) : "",
	    show_start ? ":" : "", in->end_infinite ? "" : fmt_num(r.end, end));
	*out = r;
}

bool
range_alerts(const struct range *r, double value)
{
	bool inside;

	if (r == NULL)
		return false;
	/* A value that is not a number cannot be shown to be fine. */
	if (isnan(value))
		return true;
	inside = (r->start_infinite || value >= r->start) &&
	    (r->end_infinite || value <= r->end);
	return r->alert_inside ? inside : !inside;
}

enum check_state
threshold_state(const struct threshold *t, double value)
{
	if (t == NULL)
		return STATE_OK;
	if (t->has_critical && range_alerts(&t->critical, value))
		return STATE_CRITICAL;
	if (t->has_warning && range_alerts(&t->warning, value))
		return STATE_WARNING;
	return STATE_OK;
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
		err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: use '.' as the decimal point, not ','", arg);
		return -1;
	}
	if (!parse_decimal(arg, len, &secs) || secs <= 0) {
		err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: give seconds greater than 0, optionally "
		    "followed by :STATE", arg);
		return -1;
	}
	if (secs > TIMEOUT_MAX) {
		err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
		    "timeout: give at most %s seconds", arg,
		    fmt_num(TIMEOUT_MAX, maxbuf));
		return -1;
	}
	if (colon != NULL && check_state_parse(colon + 1, &state) != 0) {
		err_set(err, errlen, "-t/--timeout: '%s' is not a valid "
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
	if (ascii_eq(arg, "nagios"))
		opts->output = CHECK_OUTPUT_NAGIOS;
	else if (ascii_eq(arg, "json"))
		opts->output = CHECK_OUTPUT_JSON;
	else {
		err_set(err, errlen, "--output: '%s' is not a valid output "
		    "format: use nagios or json", arg);
		return -1;
	}
	usage_output = opts->output;
	return 1;
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

	fmt_num(TIMEOUT_DEFAULT, def);
	fmt_num(TIMEOUT_MAX, max);
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
	    "    object on one line, with the facts behind the result.\n"
	    "\n"
	    "Environment: SSL_CERT_FILE and SSL_CERT_DIR replace the system trust\n"
	    "store as they do for OpenSSL; OPENSSL_CONF names an OpenSSL configuration\n"
	    "to apply (the host's openssl.cnf is not read, so that its local policy\n"
	    "does not change what the check sees).\n",
	    max, def);
}

/* --- Nagios output -------------------------------------------------------- */

/* '|' would start perfdata and a newline a new line of output. */
static char
nagios_char(char ch)
{
	if (ch == '|')
		return '/';
	if ((unsigned char)ch < 0x20 || ch == 0x7f)
		return ' ';
	return ch;
}

static void
put_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		putc(nagios_char(*s), out);
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
		if (strcmp(value, "json") == 0)
			usage_output = CHECK_OUTPUT_JSON;
	}
}

static void json_str(FILE *out, const char *str);
static void json_result(FILE *out, enum check_state state, const char *text);

/* The JSON object of a verdict reached without a check: the same fields. */
static void
put_json_verdict(FILE *out, const char *prefix, enum check_state state,
    const char *text)
{
	fprintf(out, "{\"state\":\"%s\",\"exit_code\":%d,\"prefix\":",
	    check_state_name(state), (int)state);
	json_str(out, prefix ? prefix : "");
	fputs(",\"summary\":", out);
	json_str(out, text);
	fputs(",\"results\":[", out);
	json_result(out, state, text);
	fputs("],\"details\":[],\"perfdata\":[],\"facts\":{}}\n", out);
}

int
check_usage_error(const char *prefix, const char *sentence)
{
	size_t used = (prefix ? strlen(prefix) + 1 : 0) + strlen("UNKNOWN - ");
	char *text = strdup(sentence ? sentence : "");

	if (text != NULL)	/* a pasted value can be long: line one stays short */
		text = fit_text(text, used + 40 < LINE_ONE_MAX ? LINE_ONE_MAX - used : 40, "");
	if (usage_output == CHECK_OUTPUT_JSON)
		put_json_verdict(stdout, prefix, STATE_UNKNOWN, text ? text : "");
	else {
		if (prefix != NULL && *prefix != '\0') {
			put_clean(stdout, prefix);
			putc(' ', stdout);
		}
		fputs("UNKNOWN - ", stdout);
		put_clean(stdout, text ? text : "");
		putc('\n', stdout);
	}
	fflush(stdout);
	free(text);
	return STATE_UNKNOWN;
}

static void
put_label(FILE *out, const char *label)
{
	bool quote = *label == '\0';
	const char *s;

	for (s = label; *s != '\0'; s++)
		if (strchr(" ='", nagios_char(*s)) != NULL)
			quote = true;
	if (quote)
		putc('\'', out);
	for (s = label; *s != '\0'; s++) {
		if (*s == '\'')
			putc('\'', out);
		putc(nagios_char(*s), out);
	}
	if (quote)
		putc('\'', out);
}

static void
put_perf(FILE *out, const struct perf *p)
{
	char num[NUM_MAX], min[NUM_MAX] = "", max[NUM_MAX] = "";
	const char *fields[4];
	int last;

	put_label(out, p->label);
	putc('=', out);
	/* The guidelines' "U" says the value could not be determined. */
	if (isfinite(p->value)) {
		fputs(fmt_num(p->value, num), out);
		fputs(p->uom, out);
	} else
		putc('U', out);
	if (p->has_min && isfinite(p->min))
		fmt_num(p->min, min);
	if (p->has_max && isfinite(p->max))
		fmt_num(p->max, max);
	fields[0] = p->warn;
	fields[1] = p->crit;
	fields[2] = min;
	fields[3] = max;
	for (last = 3; last >= 0 && *fields[last] == '\0'; last--)
		continue;
	for (int i = 0; i <= last; i++) {
		putc(';', out);
		put_clean(out, fields[i]);
	}
}

/* --- JSON output ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at S, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	/* No overlongs, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

static void
json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			putc('\\', out);
			putc(*s++, out);
		} else if (*s == '\n') {
			fputs("\\n", out);
			s++;
		} else if (*s == '\r') {
			fputs("\\r", out);
			s++;
		} else if (*s == '\t') {
			fputs("\\t", out);
			s++;
		} else if (*s < 0x20) {
			fprintf(out, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			putc(*s++, out);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			/* Invalid UTF-8 would make the whole object invalid. */
			fputs("\\ufffd", out);
			s++;
		}
	}
	putc('"', out);
}

static void
json_num(FILE *out, double v)
{
	char buf[NUM_MAX];

	fputs(isfinite(v) ? fmt_num(v, buf) : "null", out);
}

static void
json_key(FILE *out, const char *key)
{
	json_str(out, key);
	putc(':', out);
}

static void
json_perf(FILE *out, const struct perf *p)
{
	fputs("{\"label\":", out);
	json_str(out, p->label);
	fputs(",\"value\":", out);
	json_num(out, p->value);
	if (*p->uom != '\0') {
		fputs(",\"uom\":", out);
		json_str(out, p->uom);
	}
	if (*p->warn != '\0') {
		fputs(",\"warning\":", out);
		json_str(out, p->warn);
	}
	if (*p->crit != '\0') {
		fputs(",\"critical\":", out);
		json_str(out, p->crit);
	}
	if (p->has_min) {
		fputs(",\"min\":", out);
		json_num(out, p->min);
	}
	if (p->has_max) {
		fputs(",\"max\":", out);
		json_num(out, p->max);
	}
	putc('}', out);
}

static void
json_fact(FILE *out, const struct fact *f)
{
	if (f->key != NULL)
		json_key(out, f->key);
	switch (f->kind) {
	case FACT_STR:
		json_str(out, f->str);
		break;
	case FACT_NUM:
		json_num(out, f->num);
		break;
	case FACT_BOOL:
		fputs(f->yes ? "true" : "false", out);
		break;
	case FACT_LIST:
	case FACT_OBJECT:
		putc(f->kind == FACT_LIST ? '[' : '{', out);
		for (size_t i = 0; i < f->nkids; i++) {
			if (i > 0)
				putc(',', out);
			json_fact(out, f->kids[i]);
		}
		putc(f->kind == FACT_LIST ? ']' : '}', out);
		break;
	}
}

/* --- the check ------------------------------------------------------------ */

struct check *
check_new(const char *prefix)
{
	struct check *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->facts.kind = FACT_OBJECT;
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
	if (text != NULL && c->line_prefix != NULL) {
		char *whole = malloc(strlen(c->line_prefix) + strlen(text) + 1);

		if (whole != NULL)
			sprintf(whole, "%s%s", c->line_prefix, text);
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
	c->results[c->nresults].state = state_valid(state);
	c->results[c->nresults++].text = text;
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

	if (c == NULL)
		return;
	pd.label = bounded_dup(label ? label : "", LABEL_MAX);
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

static void
finish_nagios(const struct check *c, FILE *out)
{
	const char *summary;
	enum check_state state = aggregate(c, &summary);

	if (*c->prefix != '\0') {
		put_clean(out, c->prefix);
		putc(' ', out);
	}
	fprintf(out, "%s - ", check_state_name(state));
	put_clean(out, summary);
	for (size_t i = 0; i < c->nperf; i++) {
		fputs(i == 0 ? " | " : " ", out);
		put_perf(out, &c->perf[i]);
	}
	putc('\n', out);
	for (size_t i = 0; i < c->nresults; i++) {
		fprintf(out, "[%s] ", check_state_name(c->results[i].state));
		put_clean(out, c->results[i].text);
		putc('\n', out);
	}
	if (c->oom)
		fputs("[UNKNOWN] " OOM_TEXT "\n", out);
	for (size_t i = 0; i < c->ndetails; i++) {
		put_clean(out, c->details[i]);
		putc('\n', out);
	}
}

static void
json_result(FILE *out, enum check_state state, const char *text)
{
	fputs("{\"state\":", out);
	json_str(out, check_state_name(state));
	fputs(",\"text\":", out);
	json_str(out, text);
	putc('}', out);
}

static void
finish_json(const struct check *c, FILE *out)
{
	const char *summary;
	enum check_state state = aggregate(c, &summary);
	size_t i;

	fprintf(out, "{\"state\":\"%s\",\"exit_code\":%d,\"prefix\":",
	    check_state_name(state), (int)state);
	json_str(out, c->prefix);
	fputs(",\"summary\":", out);
	json_str(out, summary);
	fputs(",\"results\":[", out);
	for (i = 0; i < c->nresults; i++) {
		if (i > 0)
			putc(',', out);
		json_result(out, c->results[i].state, c->results[i].text);
	}
	if (c->oom) {
		if (i > 0)
			putc(',', out);
		json_result(out, STATE_UNKNOWN, OOM_TEXT);
	}
	fputs("],\"details\":[", out);
	for (i = 0; i < c->ndetails; i++) {
		if (i > 0)
			putc(',', out);
		json_str(out, c->details[i]);
	}
	fputs("],\"perfdata\":[", out);
	for (i = 0; i < c->nperf; i++) {
		if (i > 0)
			putc(',', out);
		json_perf(out, &c->perf[i]);
	}
	/* Containers left open are closed by printing the tree. */
	fputs("],\"facts\":", out);
	json_fact(out, &c->facts);
	fputs("}\n", out);
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
	enum check_state state;

	if (out == NULL)
		out = stdout;
	if (c == NULL) {
		if (format == CHECK_OUTPUT_JSON)
			fprintf(out, "{\"state\":\"UNKNOWN\",\"exit_code\":3,"
			    "\"prefix\":\"\",\"summary\":\"%s\",\"results\":[],"
			    "\"details\":[],\"perfdata\":[],\"facts\":{}}\n",
			    nomem);
		else
			fprintf(out, "UNKNOWN - %s\n", nomem);
		fflush(out);
		return STATE_UNKNOWN;
	}
	if (c->summary == NULL && c->summary_prefix != NULL &&
	    aggregate(c, NULL) != STATE_OK)
		compose_summary(c, summary_budget(c));
	fit_summary(c);
	if (format == CHECK_OUTPUT_JSON)
		finish_json(c, out);
	else
		finish_nagios(c, out);
	state = check_state(c);
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
static char backstop_line[512];
static size_t backstop_len;
static int backstop_state = STATE_CRITICAL;

static void
backstop_fire(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, backstop_line, backstop_len) < 0)
		_exit(backstop_state);
	_exit(backstop_state);
}

/* The backstop's line, in the output format asked for; 0 when it did not fit. */
static size_t
render_backstop(const struct common_opts *opts, const char *prefix)
{
	char text[160];
	FILE *out = fmemopen(backstop_line, sizeof(backstop_line), "w");
	long len;

	if (out == NULL)
		return 0;
	snprintf(text, sizeof(text), "the check did not finish within its %g s "
	    "timeout (stuck resolving the host name?)", opts->timeout_seconds);
	if (opts->output == CHECK_OUTPUT_JSON)
		put_json_verdict(out, prefix, opts->timeout_state, text);
	else
		fprintf(out, "%s %s - %s\n", prefix,
		    check_state_name(opts->timeout_state), text);
	len = ftell(out);
	fclose(out);
	return len > 0 && (size_t)len < sizeof(backstop_line) ? (size_t)len : 0;
}

void
common_opts_arm_timeout(const struct common_opts *opts, const char *prefix)
{
	backstop_len = render_backstop(opts, prefix);
	backstop_state = opts->timeout_state;
	signal(SIGALRM, backstop_fire);
	/* A server that closes first must not kill the plugin in SSL_write. */
	signal(SIGPIPE, SIG_IGN);
	alarm(check_ceil(opts->timeout_seconds) + 1);
}
