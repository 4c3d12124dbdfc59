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

/*
 * S with what a terminal or a web interface would act on made harmless:
 * control characters (C0, DEL and the C1 range U+0080..U+009F, which
 * some terminals read as escapes) become a space or '?', and bytes that
 * are not UTF-8 (a hostile peer's, a file name's) become '?'.
 */
static void
put_clean(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	while (*s != '\0') {
		if (*s < 0x80) {
			putc(nagios_char((char)*s++), out);
		} else if ((n = utf8_len(s)) > 0 && !(s[0] == 0xC2 && s[1] < 0xA0)) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			putc('?', out);
			s += n > 0 ? n : 1;
		}
	}
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

static const char *
label_of(const struct label_set *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->named[i] && strcmp(set->key[i], key) == 0)
			return set->value[i];
	return NULL;
}

void
nagios_group_name(const struct label_set *set, char *buf, size_t size)
{
	const char *port, *proto;
	size_t len = 0;

	buf[0] = '\0';
	if (set == NULL)
		return;
	port = label_of(set, "port");
	proto = label_of(set, "protocol");
	for (size_t i = 0; i < set->n && len < size; i++) {
		const char *k = set->key[i], *v = set->value[i], *sep = len ? ", " : "";

		if (!set->named[i] || (strcmp(k, "protocol") == 0 && port != NULL))
			continue;
		/* "127.0.0.2 587/submission": an address and its port are one place */
		if (strcmp(k, "port") == 0 && len > 0 && label_of(set, "address") != NULL)
			sep = " ";
		if (strcmp(k, "port") == 0 && proto != NULL)
			len += (size_t)snprintf(buf + len, size - len, "%s%s/%s", sep, port, proto);
		else if (strcmp(k, "key_type") == 0) {
			len += (size_t)snprintf(buf + len, size - len, "%s", sep);
			for (; *v != '\0' && len + 1 < size; v++)
				buf[len++] = (char)(*v >= 'a' && *v <= 'z' ? *v - 'a' + 'A' : *v);
			buf[len < size ? len : size - 1] = '\0';
			len += (size_t)snprintf(buf + len, size - len, " certificate");
		} else
			len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, v);
	}
	if (len > 0 && len < size)
		snprintf(buf + len, size - len, ": ");
}

/* "days_left_587_rsa": a port stands for its protocol, as in the guidelines' short labels. */
void
nagios_perf_label(const struct label_set *set, const char *label, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "%s", label);

	for (size_t i = 0; set != NULL && i < set->n && len < size; i++)
		if (set->perf[i] && strcmp(set->key[i], "protocol") != 0)
			len += (size_t)snprintf(buf + len, size - len, "_%s", set->value[i]);
}

const struct output_format output_nagios = {
	.name = "nagios",
	.result = nagios_result,
	.verdict = nagios_verdict,
};
