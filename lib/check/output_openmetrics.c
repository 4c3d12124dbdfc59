/*
 * output_openmetrics.c - --output openmetrics: the Prometheus text
 * exposition (OpenMetrics 1.0 compatible, "# EOF" last) for node_exporter's
 * textfile collector or any exporter wrapper. Every series is a number with
 * labels of bounded values (the check's groups, a chain position): the
 * sentences stay in the other formats, and fingerprints, subjects and
 * issuers appear only in tls_probe_certificate_info.
 *
 * Per check: tls_probe_check_state (0-3, the exit code) and
 * tls_probe_check_duration_seconds. Per certificate served (the facts'
 * "chain" lists): not_before/not_after as Unix seconds, lifetime, the share
 * of it left, key size in bits; per --ari answer: the window's start and end.
 */
#include <math.h>		/* isfinite(), a macro: no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "tlsrpt_report.h"

#define OM_LABELS	(LABELS_MAX + 8)

/* One series' labels, in order: the check, its groups', then its own. */
struct om_labels {
	size_t n;
	const char *key[OM_LABELS];
	const char *value[OM_LABELS];
};

static void
om_label_add(struct om_labels *l, const char *key, const char *value)
{
	if (value == NULL || l->n >= OM_LABELS)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->key[i], key) == 0)
			return;		/* a key keeps the value it was first given */
	l->key[l->n] = key;
	l->value[l->n++] = value;
}

static void
om_label_set(struct om_labels *l, const struct label_set *set)
{
	for (size_t i = 0; set != NULL && i < set->n; i++)
		om_label_add(l, set->key[i], set->value[i]);
}

/* A label name is [a-zA-Z_][a-zA-Z0-9_]*: anything else becomes '_'. */
static void
om_name(FILE *out, const char *name)
{
	for (const char *s = name; *s != '\0'; s++) {
		bool ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		    (s != name && *s >= '0' && *s <= '9');

		putc(ok ? *s : '_', out);
	}
}

/* A label value: \\, \" and \n escaped; other control bytes as spaces. */
static void
om_value(FILE *out, const char *value)
{
	putc('"', out);
	for (const char *s = value; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"') {
			putc('\\', out);
			putc(*s, out);
		} else if (*s == '\n')
			fputs("\\n", out);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			putc(' ', out);
		else
			putc(*s, out);
	}
	putc('"', out);
}

static void
om_sample(FILE *out, const char *name, const struct om_labels *l, double v)
{
	char num[NUM_MAX];

	fputs(name, out);
	if (l->n > 0) {
		putc('{', out);
		for (size_t i = 0; i < l->n; i++) {
			if (i > 0)
				putc(',', out);
			om_name(out, l->key[i]);
			putc('=', out);
			om_value(out, l->value[i]);
		}
		putc('}', out);
	}
	putc(' ', out);
	fputs(isfinite(v) ? num_format(v, num) : isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf",
	    out);
	putc('\n', out);
}

static void
om_family(FILE *out, const char *name, const char *type, const char *unit, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	if (unit != NULL)
		fprintf(out, "# UNIT %s %s\n", name, unit);
}

/* "mail_tls" from the plugin's prefix "MAIL_TLS". */
static void
om_check_name(const char *prefix, char *buf, size_t size)
{
	size_t j = 0;

	for (const char *s = prefix; *s != '\0' && j + 1 < size; s++)
		buf[j++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	buf[j] = '\0';
}

static void
om_check(FILE *out, const char *prefix, const struct label_set *labels,
    enum check_state state, double duration, bool with_duration)
{
	struct om_labels l = { 0 };
	char check[64];

	om_check_name(prefix ? prefix : "", check, sizeof(check));
	om_label_add(&l, "check", check);
	om_label_set(&l, labels);
	om_family(out, "tls_probe_check_state", "gauge", NULL,
	    "The check's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (its exit code).");
	om_sample(out, "tls_probe_check_state", &l, (double)state);
	if (!with_duration)
		return;
	om_family(out, "tls_probe_check_duration_seconds", "gauge", "seconds",
	    "How long the check took.");
	om_sample(out, "tls_probe_check_duration_seconds", &l, duration);
}

/* --- certificates from the facts ------------------------------------------ */

static const struct fact *
om_fact(const struct fact *obj, const char *key)
{
	for (size_t i = 0; obj->kind == FACT_OBJECT && i < obj->nkids; i++)
		if (obj->kids[i]->key != NULL && strcmp(obj->kids[i]->key, key) == 0)
			return obj->kids[i];
	return NULL;
}

static bool
om_num(const struct fact *obj, const char *key, double *out)
{
	const struct fact *f = om_fact(obj, key);

	if (f == NULL || f->kind != FACT_NUM || !isfinite(f->num))
		return false;
	*out = f->num;
	return true;
}

static const char *
om_str(const struct fact *obj, const char *key)
{
	const struct fact *f = om_fact(obj, key);

	return f != NULL && f->kind == FACT_STR ? f->str : NULL;
}

/* "2026-12-07T02:40:00Z", as lib/check/ari.c writes it, in Unix seconds. */
static bool
om_time(const struct fact *obj, const char *key, double *out)
{
	const char *text = om_str(obj, key);
	struct tm tm = { 0 };
	const char *end;

	if (text == NULL || (end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return false;
	*out = (double)timegm(&tm);
	return true;
}

/* What a family takes from one certificate (or ARI answer) object. */
struct om_metric {
	const char *name;
	const char *unit;		/* NULL: none */
	const char *help;
	bool ari;			/* from the "ari" lists, not the chains */
	bool (*value)(const struct fact *obj, double *out);
};

static bool
v_not_before(const struct fact *o, double *v)
{
	return om_num(o, "not_before", v);
}

static bool
v_not_after(const struct fact *o, double *v)
{
	return om_num(o, "not_after", v);
}

static bool
v_lifetime(const struct fact *o, double *v)
{
	return om_num(o, "lifetime", v);
}

static bool
v_lifetime_left(const struct fact *o, double *v)
{
	double left, lifetime;

	if (!om_num(o, "time_left", &left) || !om_num(o, "lifetime", &lifetime) ||
	    lifetime <= 0)
		return false;
	*v = left / lifetime;
	return true;
}

static bool
v_key_bits(const struct fact *o, double *v)
{
	return om_num(o, "key_bits", v);
}

static bool
v_info(const struct fact *o, double *v)
{
	(void)o;
	*v = 1;
	return true;
}

static bool
v_ari_start(const struct fact *o, double *v)
{
	return om_time(o, "window_start", v);
}

static bool
v_ari_end(const struct fact *o, double *v)
{
	return om_time(o, "window_end", v);
}

static const struct om_metric cert_metrics[] = {
	{ "tls_probe_certificate_not_before_seconds", "seconds",
	  "When the certificate becomes valid, in Unix seconds.", false, v_not_before },
	{ "tls_probe_certificate_not_after_seconds", "seconds",
	  "When the certificate expires, in Unix seconds.", false, v_not_after },
	{ "tls_probe_certificate_lifetime_seconds", "seconds",
	  "The certificate's whole lifetime, notAfter minus notBefore.", false, v_lifetime },
	{ "tls_probe_certificate_lifetime_left_ratio", "ratio",
	  "The share of the certificate's lifetime still left (below 0 once expired).",
	  false, v_lifetime_left },
	/* In bits, as key sizes are said; promtool's lint wants bytes in a "_bits" name. */
	{ "tls_probe_certificate_key_size", NULL,
	  "The size of the certificate's public key in bits.", false, v_key_bits },
	{ "tls_probe_certificate_info", NULL,
	  "The certificate's identity, its fingerprint, subject and issuer as labels; always 1.",
	  false, v_info },
	{ "tls_probe_ari_window_start_seconds", "seconds",
	  "Start of the CA's suggested renewal window (ACME ARI), in Unix seconds.", true,
	  v_ari_start },
	{ "tls_probe_ari_window_end_seconds", "seconds",
	  "End of the CA's suggested renewal window (ACME ARI), in Unix seconds.", true,
	  v_ari_end },
};

static bool
om_is_chain(const struct fact *f)
{
	return f->kind == FACT_LIST && f->key != NULL &&
	    (strcmp(f->key, "chain") == 0 || strcmp(f->key, "tls_chain") == 0);
}

/*
 * The certificate's key type as --key-types and the groups name it: "EC"
 * is "ecdsa", others lowercase ("rsa", "ed25519").
 */
static const char *
om_lower(const char *text, char *buf, size_t size)
{
	size_t j = 0;

	if (text != NULL && strcmp(text, "EC") == 0)
		text = "ECDSA";
	for (; text != NULL && *text != '\0' && j + 1 < size; text++)
		buf[j++] = (char)(*text >= 'A' && *text <= 'Z' ? *text - 'A' + 'a' : *text);
	buf[j] = '\0';
	return text == NULL ? NULL : buf;
}

/*
 * Prints M's samples below F (or counts them when OUT is NULL); returns the
 * count. A chain's items are certificates at their positions; an "ari"
 * list's first item answers for the leaf of the chain beside it.
 */
static size_t
om_walk(FILE *out, const struct om_metric *m, const struct fact *f,
    const struct om_labels *base)
{
	size_t count = 0;

	if (f->kind == FACT_LIST && f->key != NULL &&
	    (m->ari ? strcmp(f->key, "ari") == 0 : om_is_chain(f))) {
		for (size_t i = 0; i < f->nkids; i++) {
			const struct fact *item = f->kids[i];
			struct om_labels l = *base;
			char pos[24], type[32];
			double v;

			if (item->kind != FACT_OBJECT || !m->value(item, &v))
				continue;
			om_label_set(&l, item->labels);
			snprintf(pos, sizeof(pos), "%zu", i);
			if (!m->ari) {
				om_label_add(&l, "position", pos);
				om_label_add(&l, "key_type", om_lower(om_str(item, "key_type"),
				    type, sizeof(type)));
			}
			if (m->value == v_info) {
				om_label_add(&l, "sha256", om_str(item, "sha256"));
				om_label_add(&l, "serial", om_str(item, "serial"));
				om_label_add(&l, "subject", om_str(item, "subject"));
				om_label_add(&l, "issuer", om_str(item, "issuer"));
			}
			if (out != NULL)
				om_sample(out, m->name, &l, v);
			count++;
			if (m->ari)
				break;
		}
		return count;
	}
	for (size_t i = 0; i < f->nkids; i++) {
		struct om_labels l = *base;

		om_label_set(&l, f->kids[i]->labels);
		count += om_walk(out, m, f->kids[i], &l);
	}
	return count;
}

/* --- what check_tls_rpt read ---------------------------------------------- */

/*
 * The values the result_type label takes: RFC 8460's result types, then
 * "unspecified" (failures a report counted without details) and "other"
 * (a type RFC 8460 does not list). NULL past the last.
 */
static const char *
om_result_type(size_t i)
{
	const char *rfc = tlsrpt_result_type_name(i);
	size_t n = 0;

	if (rfc != NULL)
		return rfc;
	while (tlsrpt_result_type_name(n) != NULL)
		n++;
	return i == n ? "unspecified" : i == n + 1 ? "other" : NULL;
}

/* The sum of KEY over the objects of list LIST of ROOT (those of RESULT_TYPE, when given). */
static double
om_sum(const struct fact *root, const char *list, const char *key, const char *result_type)
{
	const struct fact *l = om_fact(root, list);
	double sum = 0, v;

	for (size_t i = 0; l != NULL && l->kind == FACT_LIST && i < l->nkids; i++) {
		const struct fact *item = l->kids[i];
		const char *type = om_str(item, "result_type");
		const struct fact *known = om_fact(item, "known_result_type");
		bool is_other = known != NULL && known->kind == FACT_BOOL && !known->yes;

		if (result_type != NULL && (type == NULL ||
		    (strcmp(result_type, "other") == 0 ? !is_other :
		    is_other || strcmp(type, result_type) != 0)))
			continue;
		if (om_num(item, key, &v))
			sum += v;
	}
	return sum;
}

/*
 * Totals over the reports in the window, labelled by result type only:
 * organisation, domain and MX names come from the reports themselves
 * (anyone can send one), so they stay in the JSON output, not in labels.
 */
static void
om_tlsrpt(FILE *out, const struct fact *root, const struct om_labels *base)
{
	static const struct { const char *fact, *name, *help; } counts[] = {
		{ "reports_read", "tls_probe_tlsrpt_reports_read",
		  "TLS-RPT reports read whose date-range ended in the window." },
		{ "reports_unreadable", "tls_probe_tlsrpt_reports_unreadable",
		  "TLS-RPT reports that could not be read (each may hide a failure)." },
		{ "reports_duplicate", "tls_probe_tlsrpt_reports_duplicate",
		  "TLS-RPT reports that arrived more than once, counted once." },
	};
	double v;

	if (!om_num(root, "reports_read", &v))
		return;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (!om_num(root, counts[i].fact, &v))
			continue;
		om_family(out, counts[i].name, "gauge", NULL, counts[i].help);
		om_sample(out, counts[i].name, base, v);
	}
	om_family(out, "tls_probe_tlsrpt_sessions", "gauge", NULL,
	    "Sessions the senders reported in the window, successful and failed.");
	om_sample(out, "tls_probe_tlsrpt_sessions", base, om_sum(root, "groups", "sessions", NULL));
	om_family(out, "tls_probe_tlsrpt_failed_sessions", "gauge", NULL,
	    "Failed sessions the senders reported in the window, by result type.");
	for (size_t i = 0; om_result_type(i) != NULL; i++) {
		struct om_labels l = *base;

		om_label_add(&l, "result_type", om_result_type(i));
		om_sample(out, "tls_probe_tlsrpt_failed_sessions", &l,
		    om_sum(root, "failures", "failures", om_result_type(i)));
	}
	if (om_num(root, "latest_report_end", &v) && v > 0) {
		om_family(out, "tls_probe_tlsrpt_latest_report_end_seconds", "gauge", "seconds",
		    "The latest end of a report's date-range, in Unix seconds (for silence alerts).");
		om_sample(out, "tls_probe_tlsrpt_latest_report_end_seconds", base, v);
	}
}

static void
om_result(const struct output_view *v, FILE *out)
{
	struct om_labels base = { 0 };
	char check[64];

	om_check(out, v->prefix, v->labels, v->state, v->duration_seconds, true);
	om_check_name(v->prefix, check, sizeof(check));
	om_label_add(&base, "check", check);
	for (size_t i = 0; i < sizeof(cert_metrics) / sizeof(cert_metrics[0]); i++) {
		const struct om_metric *m = &cert_metrics[i];

		if (om_walk(NULL, m, v->facts, &base) == 0)
			continue;
		om_family(out, m->name, "gauge", m->unit, m->help);
		om_walk(out, m, v->facts, &base);
	}
	om_tlsrpt(out, v->facts, &base);
	fputs("# EOF\n", out);
}

/*
 * A usage error is a sentence for the person who wrote the command: on
 * ERR, and nothing on OUT, so that no half document reaches a collector.
 * The timeout backstop and a lack of memory are states: a whole document.
 */
static void
om_verdict(FILE *out, FILE *err, const char *prefix, enum check_state state,
    const char *text, bool usage)
{
	if (usage) {
		fprintf(err, "%s%s%s - %s\n", prefix ? prefix : "", prefix && *prefix ? " " : "",
		    check_state_name(state), text);
		return;
	}
	om_check(out, prefix, NULL, state, 0, false);
	fputs("# EOF\n", out);
}

const struct output_format output_openmetrics = {
	.name = "openmetrics",
	.result = om_result,
	.verdict = om_verdict,
};
