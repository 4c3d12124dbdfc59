/*
 * range.c - threshold ranges as the Monitoring Plugins Development
 * Guidelines define them ("10", "10:", "~:10", "10:20", "@10:20"), and the
 * plain decimals both they and the output formats write: '.' as the point
 * whatever LC_NUMERIC says. The interface is in check.h.
 */
#include <locale.h>
#include <math.h>		/* isnan(), HUGE_VAL: macros, no libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define RANGE_EXAMPLES	"give e.g. 10, 10:, ~:10, 10:20 or @10:20"

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A sentence into ERR (when there is room): shared with check.c. */
void
check_err_set(char *err, size_t errlen, const char *fmt, ...)
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
const char *
num_format(double v, char *buf)
{
	char raw[NUM_MAX];
	size_t i, j = 0;
	bool point = false;

	/*
	 * Whole numbers (seconds, days) are most of what is written, and
	 * printf's float code costs ten times the integer's: check_sni_map
	 * formats each name's thresholds dozens of times.  The bounds keep
	 * the conversion defined; the text is what "%.6f" would give.
	 */
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		snprintf(buf, NUM_MAX, "%lld", (long long)v);
		return buf;
	}
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
bool
num_parse(const char *s, size_t len, double *out)
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
	check_err_set(err, errlen, "'%s' is not a valid range: %s", text, why);
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
	if (!num_parse(body, strlen(body), &r->end))
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
	} else if (!num_parse(body, (size_t)startlen, &r->start))
		return range_fail(err, errlen, text,
		    "the start '%.*s' is not a number", startlen, body);

	if (*endtext == '\0') {
		r->end = HUGE_VAL;
		r->end_infinite = true;
	} else if (strcmp(endtext, "~") == 0)
		return range_fail(err, errlen, text, "the end cannot be '~'; "
		    "leave it empty for no upper limit, as in 10:");
	else if (!num_parse(endtext, strlen(endtext), &r->end))
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
	    in->start_infinite ? "~:" : show_start ? num_format(r.start, start) : "",
	    show_start ? ":" : "", in->end_infinite ? "" : num_format(r.end, end));
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
