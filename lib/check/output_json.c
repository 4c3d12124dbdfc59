/*
 * output_json.c - --output json: one JSON object on one line with the
 * state, line one, the sub-results, details, perfdata and the facts tree.
 * Strings are always valid UTF-8 JSON, whatever bytes they were given.
 */
#include <math.h>		/* isfinite(), a macro: no libm */
#include <stdio.h>

#include "output.h"

/* Length of the valid UTF-8 sequence at S, or 0 (also for the Nagios renderer). */
size_t
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

	fputs(isfinite(v) ? num_format(v, buf) : "null", out);
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

/* ,"labels":{"port":"587",...}: where a sub-result applies (check_group). */
static void
json_labels(FILE *out, const struct label_set *set)
{
	if (set == NULL || set->n == 0)
		return;
	fputs(",\"labels\":{", out);
	for (size_t i = 0; i < set->n; i++) {
		if (i > 0)
			putc(',', out);
		json_key(out, set->key[i]);
		json_str(out, set->value[i]);
	}
	putc('}', out);
}

static void
json_result(FILE *out, enum check_state state, const char *text,
    const struct label_set *labels)
{
	fputs("{\"state\":", out);
	json_str(out, check_state_name(state));
	fputs(",\"text\":", out);
	json_str(out, text);
	json_labels(out, labels);
	putc('}', out);
}

static void
json_view(const struct output_view *v, FILE *out)
{
	size_t i;

	fprintf(out, "{\"state\":\"%s\",\"exit_code\":%d,\"prefix\":",
	    check_state_name(v->state), (int)v->state);
	json_str(out, v->prefix);
	fputs(",\"summary\":", out);
	json_str(out, v->summary);
	fputs(",\"results\":[", out);
	for (i = 0; i < v->nresults; i++) {
		if (i > 0)
			putc(',', out);
		json_result(out, v->results[i].state, v->results[i].text, v->results[i].labels);
	}
	if (v->oom) {
		if (i > 0)
			putc(',', out);
		json_result(out, STATE_UNKNOWN, OOM_TEXT, NULL);
	}
	fputs("],\"details\":[", out);
	for (i = 0; i < v->ndetails; i++) {
		if (i > 0)
			putc(',', out);
		json_str(out, v->details[i]);
	}
	fputs("],\"perfdata\":[", out);
	for (i = 0; i < v->nperf; i++) {
		if (i > 0)
			putc(',', out);
		json_perf(out, &v->perf[i]);
	}
	/* Containers left open are closed by printing the tree. */
	fputs("],\"facts\":", out);
	json_fact(out, v->facts);
	fputs("}\n", out);
}

/* A verdict reached without a check: the same fields, one sub-result. */
static void
json_verdict(FILE *out, FILE *err, const char *prefix, enum check_state state,
    const char *text, bool usage)
{
	(void)err;
	(void)usage;
	fprintf(out, "{\"state\":\"%s\",\"exit_code\":%d,\"prefix\":",
	    check_state_name(state), (int)state);
	json_str(out, prefix ? prefix : "");
	fputs(",\"summary\":", out);
	json_str(out, text);
	fputs(",\"results\":[", out);
	json_result(out, state, text, NULL);
	fputs("],\"details\":[],\"perfdata\":[],\"facts\":{}}\n", out);
}

const struct output_format output_json = {
	.name = "json",
	.result = json_view,
	.verdict = json_verdict,
};
