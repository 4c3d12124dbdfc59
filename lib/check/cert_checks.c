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

/* Longest lifetime worded as an ACME renewal (Let's Encrypt: 90 days today). */
#define SHORT_LIVED_MAX	(100 * 86400.0)

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

static const char *
role(const struct tp_cert *cert, size_t index)
{
	if (index == 0)
		return "certificate";
	return tp_cert_is_self_signed(cert) ? "root" : "intermediate";
}

/* A lifetime as a unit of its own: "160-hour", "45-day". */
static void
format_lifetime(double seconds, char *out, size_t size)
{
	if (seconds < 10 * 86400.0)
		snprintf(out, size, "%.0f-hour", seconds / 3600.0);
	else
		snprintf(out, size, "%.0f-day", seconds / 86400.0);
}

/* When such a certificate is renewed: a third of its lifetime left, half under 10 days. */
static double
renewal_point(const struct tp_cert *cert)
{
	double life = cert_lifetime(cert);

	return life / (life < 10 * 86400.0 ? 2 : 3);
}

/* Less left than its renewal point: "renewal overdue" is then the diagnosis. */
static bool
renewal_overdue(const struct tp_cert *cert, time_t now)
{
	return cert_seconds_left(cert, now) < renewal_point(cert);
}

/*
 * The sentence for a short-lived leaf past its warning point: how much of
 * its life is left next to when such a certificate is normally renewed
 * (with a third of its lifetime left, half under 10 days, as Let's Encrypt
 * advises ACME clients), so that "renewal overdue" is the diagnosis.
 */
static void
add_renewal_overdue(struct check *c, enum check_state st, const struct tp_cert *cert,
    time_t now, const char *where, const char *day)
{
	double life = cert_lifetime(cert), left = cert_seconds_left(cert, now);
	double unit = life < 10 * 86400.0 ? 3600.0 : 86400.0;
	double renew_at = renewal_point(cert);
	const char *unit_name = unit == 3600.0 ? "hours" : "days";
	char lifetime[32];

	format_lifetime(life, lifetime, sizeof(lifetime));
	(void)day;	/* the long output's chain lines give the date */
	check_add(c, st, "%srenewal overdue: '%s' has %lld of its %.0f %s left (a %s "
	    "certificate is renewed with %.0f left): check the ACME client", where,
	    cert_label(cert), (long long)(left / unit), life / unit, unit_name,
	    lifetime, renew_at / unit);
}

static void
check_one_expiry(struct check *c, const struct tp_cert *cert, size_t index,
    const struct tp_cert *leaf, const struct expiry_policy *policy, time_t now,
    const char *where)
{
	struct expiry_limits limits;
	enum check_state st;
	char day[16], left[32];

	where = where ? where : "";
	if (tp_cert_not_before(cert) > now) {
		cert_format_day(tp_cert_not_before(cert), day, sizeof(day));
		check_add(c, STATE_CRITICAL, "%s%s '%s' is not valid before %s", where,
		    role(cert, index), cert_label(cert), day);
		return;
	}
	cert_format_day(tp_cert_not_after(cert), day, sizeof(day));
	if (tp_cert_not_after(cert) <= now) {
		check_add(c, STATE_CRITICAL, "%s%s '%s' expired on %s", where,
		    role(cert, index), cert_label(cert), day);
		return;
	}
	expiry_limits_for(policy, cert, &limits);
	st = threshold_state(&limits.seconds, cert_seconds_left(cert, now));
	if (index > 0) {	/* the leaf dies with its chain: held to the leaf's limits too */
		struct expiry_limits leaf_limits;

		expiry_limits_for(policy, leaf, &leaf_limits);
		st = check_state_worst(st, threshold_state(&leaf_limits.seconds,
		    cert_seconds_left(cert, now)));
	}
	if (st != STATE_OK && index == 0 && limits.lifetime_relative &&
	    cert_lifetime(cert) <= SHORT_LIVED_MAX && renewal_overdue(cert, now))
		add_renewal_overdue(c, st, cert, now, where, day);
	else if (st != STATE_OK || index == 0) {
		expiry_format_left(cert_seconds_left(cert, now), left, sizeof(left));
		check_add(c, st, "%s%s '%s' expires in %s (%s)", where,
		    role(cert, index), cert_label(cert), left, day);
	}
}

void
cert_check_expiry(struct check *c, const struct tp_chain *chain,
    const struct expiry_policy *policy, time_t now, const char *where)
{
	for (size_t i = 0; i < tp_chain_count(chain); i++)
		check_one_expiry(c, tp_chain_cert(chain, i), i, tp_chain_cert(chain, 0),
		    policy, now, where);
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
cert_facts(struct check *c, const struct tp_cert *cert,
    const struct expiry_policy *policy, time_t now)
{
	struct expiry_limits limits;

	expiry_limits_for(policy, cert, &limits);
	check_fact_item(c);
	check_fact_str(c, "subject", tp_cert_subject(cert));
	check_fact_str(c, "issuer", tp_cert_issuer(cert));
	check_fact_str(c, "serial", tp_cert_serial(cert));
	check_fact_num(c, "not_before", (double)tp_cert_not_before(cert));
	check_fact_num(c, "not_after", (double)tp_cert_not_after(cert));
	check_fact_num(c, "days_left", (double)cert_days_left(cert, now));
	check_fact_num(c, "time_left", cert_seconds_left(cert, now));
	check_fact_num(c, "lifetime", cert_lifetime(cert));
	check_fact_str(c, "warning_days", limits.days.warning.text);
	check_fact_str(c, "critical_days", limits.days.critical.text);
	check_fact_bool(c, "lifetime_relative", limits.lifetime_relative);
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
cert_chain_facts(struct check *c, const char *key, const struct tp_chain *chain,
    const struct expiry_policy *policy, time_t now)
{
	check_fact_list(c, key);
	for (size_t i = 0; i < tp_chain_count(chain); i++)
		cert_facts(c, tp_chain_cert(chain, i), policy, now);
	check_fact_end(c);
}
