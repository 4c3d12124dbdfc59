/*
 * output_nagios.c - the Nagios plugin output (the default format): line one
 * "PREFIX STATE - summary | perfdata", one "[STATE] text" line per
 * sub-result, then the detail lines, as the Monitoring Plugins Development
 * Guidelines describe them.
 */
#include <math.h>		/* isfinite(), a macro: no libm */
#include <stdio.h>
#include <string.h>

#include "output.h"

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
		fputs(num_format(p->value, num), out);
		fputs(p->uom, out);
	} else
		putc('U', out);
	if (p->has_min && isfinite(p->min))
		num_format(p->min, min);
	if (p->has_max && isfinite(p->max))
		num_format(p->max, max);
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

static void
nagios_result(const struct output_view *v, FILE *out)
{
	if (*v->prefix != '\0') {
		put_clean(out, v->prefix);
		putc(' ', out);
	}
	fprintf(out, "%s - ", check_state_name(v->state));
	put_clean(out, v->summary);
	for (size_t i = 0; i < v->nperf; i++) {
		fputs(i == 0 ? " | " : " ", out);
		put_perf(out, &v->perf[i]);
	}
	putc('\n', out);
	for (size_t i = 0; i < v->nresults; i++) {
		fprintf(out, "[%s] ", check_state_name(v->results[i].state));
		put_clean(out, v->results[i].text);
		putc('\n', out);
	}
	if (v->oom)
		fputs("[UNKNOWN] " OOM_TEXT "\n", out);
	for (size_t i = 0; i < v->ndetails; i++) {
		put_clean(out, v->details[i]);
		putc('\n', out);
	}
}

/* "PREFIX STATE - text", the one line of a usage error or the backstop. */
static void
nagios_verdict(FILE *out, FILE *err, const char *prefix, enum check_state state,
    const char *text, bool usage)
{
	(void)err;
	(void)usage;
	if (prefix != NULL && *prefix != '\0') {
		put_clean(out, prefix);
		putc(' ', out);
	}
	fprintf(out, "%s - ", check_state_name(state));
	put_clean(out, text);
	putc('\n', out);
}

const struct output_format output_nagios = {
	.name = "nagios",
	.result = nagios_result,
	.verdict = nagios_verdict,
};
