/*
 * cert_checks.c - certificate judgements shared by the plugins, so that
 * check_mail_tls and check_cert_chain hold a chain to the same rules and
 * word the same problem the same way.
 */
#include <math.h>		/* INFINITY, a macro: no libm */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cert_checks.h"

long
cert_days_left(const struct tp_cert *cert, time_t now)
{
	double seconds = difftime(tp_cert_not_after(cert), now);
	long days = (long)(seconds / 86400.0);	/* toward zero */

	return days * 86400.0 > seconds ? days - 1 : days;	/* floor */
}

void
cert_format_day(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

const char *
cert_label(const struct tp_cert *cert)
{
	const char *cn = tp_cert_subject_cn(cert);

	return cn[0] != '\0' ? cn : tp_cert_subject(cert);
}

/* Default certificates that proxies and ingress controllers serve when they have no real one. */
static const char *const proxy_defaults[] = {
	"TRAEFIK DEFAULT CERT",
	"Kubernetes Ingress Controller Fake Certificate",
};

const char *
cert_proxy_default(const struct tp_cert *cert)
{
	for (size_t i = 0; i < sizeof(proxy_defaults) / sizeof(proxy_defaults[0]); i++)
		if (strcasecmp(tp_cert_subject_cn(cert), proxy_defaults[i]) == 0)
			return proxy_defaults[i];
	return NULL;
}

int
days_option(struct threshold *days, int opt, const char *text, char *err, size_t errlen)
{
	const char *option = opt == 'w' ? "-w/--warning" : "-c/--critical";
	struct range *out = opt == 'w' ? &days->warning : &days->critical;
	char buf[80], why[200];
	bool plain = strpbrk(text, ":~@") == NULL;

	*(opt == 'w' ? &days->has_warning : &days->has_critical) = true;
	if (plain && strlen(text) < sizeof(buf) - 1)
		snprintf(buf, sizeof(buf), "%s:", text);
	if (range_parse(plain ? buf : text, out, why, sizeof(why)) == 0)
		return 0;
	if (plain)
		snprintf(err, errlen, "%s: '%s' is not a number of days", option, text);
	else
		snprintf(err, errlen, "%s: %s", option, why);
	return -1;
}

int
days_thresholds_complete(struct threshold *days, char *err, size_t errlen)
{
	char why[200];

	if (!days->has_warning)
		days->has_warning = range_parse("30:", &days->warning, why, sizeof(why)) == 0;
	if (!days->has_critical)
		days->has_critical = range_parse("14:", &days->critical, why, sizeof(why)) == 0;
	if (!days->warning.end_infinite || !days->critical.end_infinite ||
	    days->warning.alert_inside || days->critical.alert_inside)
		return 0;	/* explicit ranges: the user knows what they want */
	if (days->warning.start < days->critical.start) {
		snprintf(err, errlen, "-w/--warning %g is below -c/--critical %g: for days "
		    "left, the warning threshold must be the larger number",
		    days->warning.start, days->critical.start);
		return -1;
	}
	return 0;
}

static const char *
role(const struct tp_cert *cert, size_t index)
{
	if (index == 0)
		return "certificate";
	return tp_cert_is_self_signed(cert) ? "root" : "intermediate";
}

static void
check_one_expiry(struct check *c, const struct tp_cert *cert, size_t index,
    const struct threshold *days, time_t now, const char *where)
{
	long left = cert_days_left(cert, now);
	enum check_state st = threshold_state(days, (double)left);
	char day[16];

	where = where ? where : "";
	if (tp_cert_not_before(cert) > now) {
		cert_format_day(tp_cert_not_before(cert), day, sizeof(day));
		check_add(c, STATE_CRITICAL, "%s%s '%s' is not valid before %s", where,
		    role(cert, index), cert_label(cert), day);
		return;
	}
	cert_format_day(tp_cert_not_after(cert), day, sizeof(day));
	if (tp_cert_not_after(cert) <= now)
		check_add(c, STATE_CRITICAL, "%s%s '%s' expired on %s", where,
		    role(cert, index), cert_label(cert), day);
	else if (st != STATE_OK || index == 0)
		check_add(c, st, "%s%s '%s' expires in %ld days (%s)", where,
		    role(cert, index), cert_label(cert), left, day);
}

void
cert_check_expiry(struct check *c, const struct tp_chain *chain,
    const struct threshold *days, time_t now, const char *where)
{
	for (size_t i = 0; i < tp_chain_count(chain); i++)
		check_one_expiry(c, tp_chain_cert(chain, i), i, days, now, where);
}

void
cert_check_strength(struct check *c, const struct tp_chain *chain, const char *where)
{
	where = where ? where : "";
	for (size_t i = 0; i < tp_chain_count(chain); i++) {
		const struct tp_cert *cert = tp_chain_cert(chain, i);
		const char *digest = tp_cert_signature_digest(cert);

		/* A root's self-signature is never checked by clients. */
		if (!tp_cert_is_self_signed(cert) &&
		    (strcasecmp(digest, "SHA1") == 0 || strcasecmp(digest, "MD5") == 0))
			check_add(c, STATE_WARNING, "%s'%s' is signed with %s, which clients "
			    "reject", where, cert_label(cert), digest);
		if (strcmp(tp_cert_key_type(cert), "RSA") == 0 && tp_cert_key_bits(cert) < 2048)
			check_add(c, STATE_WARNING, "%s'%s' has a %d-bit RSA key (2048 is the "
			    "minimum clients accept)", where, cert_label(cert), tp_cert_key_bits(cert));
	}
}

double
chain_min_days(const struct tp_chain *chain, time_t now)
{
	double min_days = INFINITY;

	for (size_t i = 0; i < tp_chain_count(chain); i++) {
		double d = (double)cert_days_left(tp_chain_cert(chain, i), now);
		if (d < min_days)
			min_days = d;
	}
	return min_days;
}

void
cert_chain_details(struct check *c, const struct tp_chain *chain, time_t now,
    const char *prefix)
{
	for (size_t i = 0; i < tp_chain_count(chain); i++) {
		const struct tp_cert *cert = tp_chain_cert(chain, i);
		char day[16];

		cert_format_day(tp_cert_not_after(cert), day, sizeof(day));
		check_detail(c, "%s[%zu] %s, issuer %s, expires %s (%ld days), %s %d, %s, sha256 %.16s",
		    prefix, i, tp_cert_subject(cert), tp_cert_issuer(cert), day,
		    cert_days_left(cert, now), tp_cert_key_type(cert), tp_cert_key_bits(cert),
		    tp_cert_signature_algorithm(cert), tp_cert_sha256(cert));
	}
}

static void
cert_facts(struct check *c, const struct tp_cert *cert, time_t now)
{
	check_fact_item(c);
	check_fact_str(c, "subject", tp_cert_subject(cert));
	check_fact_str(c, "issuer", tp_cert_issuer(cert));
	check_fact_str(c, "serial", tp_cert_serial(cert));
	check_fact_num(c, "not_before", (double)tp_cert_not_before(cert));
	check_fact_num(c, "not_after", (double)tp_cert_not_after(cert));
	check_fact_num(c, "days_left", (double)cert_days_left(cert, now));
	check_fact_str(c, "signature_algorithm", tp_cert_signature_algorithm(cert));
	check_fact_str(c, "key_type", tp_cert_key_type(cert));
	check_fact_num(c, "key_bits", tp_cert_key_bits(cert));
	check_fact_str(c, "sha256", tp_cert_sha256(cert));
	check_fact_bool(c, "self_signed", tp_cert_is_self_signed(cert));
	check_fact_list(c, "san");
	for (size_t i = 0; i < tp_cert_san_count(cert); i++) {
		check_fact_item(c);
		check_fact_str(c, "name", tp_cert_san(cert, i));
		check_fact_end(c);
	}
	check_fact_end(c);
	check_fact_end(c);
}

void
cert_chain_facts(struct check *c, const char *key, const struct tp_chain *chain, time_t now)
{
	check_fact_list(c, key);
	for (size_t i = 0; i < tp_chain_count(chain); i++)
		cert_facts(c, tp_chain_cert(chain, i), now);
	check_fact_end(c);
}
