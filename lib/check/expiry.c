/*
 * expiry.c - expiry thresholds that follow each certificate's lifetime:
 * -w/-c in days or percent turned into seconds for one certificate, the
 * lifetime-relative default, and the time left worded and graphed.
 */
#include <math.h>		/* INFINITY, isfinite: macros, no libm */
#include <stdio.h>
#include <string.h>

#include "expiry.h"

#define DAY		86400.0
#define DEFAULT_WARNING_SHARE	0.25	/* of the lifetime left: WARNING below */
#define DEFAULT_CRITICAL_SHARE	0.10
#define DEFAULT_WARNING_CAP	(30 * DAY)	/* today's fixed defaults, */
#define DEFAULT_CRITICAL_CAP	(14 * DAY)	/* for long-lived certificates */

void
expiry_policy_init(struct expiry_policy *policy)
{
	memset(policy, 0, sizeof(*policy));
}

int
expiry_option(struct expiry_policy *policy, int opt, const char *text,
    char *err, size_t errlen)
{
	const char *option = opt == 'w' ? "-w/--warning" : "-c/--critical";
	struct range *out = opt == 'w' ? &policy->given.warning : &policy->given.critical;
	bool *percent = opt == 'w' ? &policy->warning_percent : &policy->critical_percent;
	size_t len = strlen(text);
	char buf[80], why[200];
	bool plain = strpbrk(text, ":~@") == NULL;

	*(opt == 'w' ? &policy->given.has_warning : &policy->given.has_critical) = true;
	*percent = len > 0 && text[len - 1] == '%';
	if (*percent)
		len--;
	if (len + 2 > sizeof(buf)) {
		snprintf(err, errlen, "%s: '%.40s...' is too long for a threshold", option, text);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%.*s%s", (int)len, text, plain ? ":" : "");
	if (range_parse(buf, out, why, sizeof(why)) != 0) {
		if (plain)
			snprintf(err, errlen, "%s: '%s' is not a number of days, nor a "
			    "share of the lifetime such as 25%%", option, text);
		else
			snprintf(err, errlen, "%s: %s", option, why);
		return -1;
	}
	if ((!out->start_infinite && (out->start < -1e6 || out->start > 1e6)) ||
	    (!out->end_infinite && (out->end < -1e6 || out->end > 1e6))) {
		snprintf(err, errlen, "%s: '%s' is out of range (a million days at most)",
		    option, text);
		return -1;
	}
	if (*percent && ((!out->start_infinite && (out->start < 0 || out->start > 100)) ||
	    (!out->end_infinite && (out->end < 0 || out->end > 100)))) {
		snprintf(err, errlen, "%s: '%s' is not a share of the lifetime "
		    "(0%% to 100%%)", option, text);
		return -1;
	}
	/* Keep what the user wrote for messages; perfdata gets scaled text. */
	snprintf(out->text, sizeof(out->text), "%s", text);
	return 0;
}

/* A plain "N:" range: alert below N, the form most service definitions use. */
static bool
plain_below(const struct range *r)
{
	return r->end_infinite && !r->start_infinite && !r->alert_inside;
}

int
expiry_policy_complete(const struct expiry_policy *policy, char *err, size_t errlen)
{
	const struct threshold *t = &policy->given;

	if (!t->has_warning || !t->has_critical ||
	    !plain_below(&t->warning) || !plain_below(&t->critical) ||
	    policy->warning_percent != policy->critical_percent)
		return 0;	/* ranges, or days against percent: no order to check */
	if (t->warning.start < t->critical.start) {
		snprintf(err, errlen, "-w/--warning %s is below -c/--critical %s: for "
		    "time left, the warning threshold must be the larger number",
		    t->warning.text, t->critical.text);
		return -1;
	}
	return 0;
}

/* "SECONDS:" - alert with less than SECONDS left. */
static void
range_below(double seconds, struct range *out)
{
	struct range r = { .start = seconds, .end = INFINITY, .end_infinite = true };

	range_scale(&r, 1, out);
}

/* X rounded down to a whole number (floor() would need libm). */
static double
whole(double x)
{
	double w = (double)(long long)x;

	return w > x ? w - 1 : w;
}

double
cert_lifetime(const struct tp_cert *cert)
{
	double life = difftime(tp_cert_not_after(cert), tp_cert_not_before(cert));

	return life > 0 ? life : 0;
}

double
cert_seconds_left(const struct tp_cert *cert, time_t now)
{
	return difftime(tp_cert_not_after(cert), now);
}

/* One threshold of LIMITS from GIVEN (days or percent) or the default share. */
static void
limit_for(bool has, const struct range *given, bool percent, double share,
    double cap, double lifetime, struct range *seconds, struct range *days,
    bool *relative)
{
	if (!has) {
		range_below(lifetime * share < cap ? lifetime * share : cap, seconds);
		*relative = true;
	} else if (percent) {
		range_scale(given, lifetime / 100.0, seconds);
		*relative = true;
	} else
		range_scale(given, DAY, seconds);
	range_scale(seconds, 1 / DAY, days);
}

void
expiry_limits_for(const struct expiry_policy *policy, const struct tp_cert *cert,
    struct expiry_limits *out)
{
	const struct threshold *given = &policy->given;
	double lifetime = cert_lifetime(cert);
	/*
	 * A share of the lifetime is the leaf's measure: 25% of a 20-year
	 * root is 5 years. Intermediates and roots keep the capped default
	 * for a percentage (and are held to the leaf's limits besides).
	 */
	bool ca = tp_cert_is_ca(cert);

	memset(out, 0, sizeof(*out));
	out->seconds.has_warning = out->days.has_warning = true;
	out->seconds.has_critical = out->days.has_critical = true;
	limit_for(given->has_warning && !(ca && policy->warning_percent),
	    &given->warning, policy->warning_percent,
	    DEFAULT_WARNING_SHARE, DEFAULT_WARNING_CAP, lifetime,
	    &out->seconds.warning, &out->days.warning, &out->lifetime_relative);
	limit_for(given->has_critical && !(ca && policy->critical_percent),
	    &given->critical, policy->critical_percent,
	    DEFAULT_CRITICAL_SHARE, DEFAULT_CRITICAL_CAP, lifetime,
	    &out->seconds.critical, &out->days.critical, &out->lifetime_relative);
}

void
expiry_format_left(double seconds, char *out, size_t size)
{
	double n = seconds < 2 * DAY ? whole(seconds / 3600.0) : whole(seconds / DAY);

	snprintf(out, size, "%.0f %s%s", n, seconds < 2 * DAY ? "hour" : "day",
	    n == 1 ? "" : "s");
}

const struct tp_cert *
expiry_soonest(const struct tp_chain *chain, const struct tp_cert *soonest)
{
	for (size_t i = 0; chain != NULL && i < tp_chain_count(chain); i++) {
		const struct tp_cert *cert = tp_chain_cert(chain, i);

		if (soonest == NULL || tp_cert_not_after(cert) < tp_cert_not_after(soonest))
			soonest = cert;
	}
	return soonest;
}

void
expiry_perfdata(struct check *c, const char *label, const char *time_label,
    const struct expiry_policy *policy, const struct tp_cert *cert, time_t now)
{
	struct expiry_limits limits;
	const double zero = 0;
	double left = cert_seconds_left(cert, now);

	expiry_limits_for(policy, cert, &limits);
	check_perf(c, label, whole(left / DAY), "", &limits.days, NULL, NULL);
	if (time_label == NULL)
		return;
	check_perf(c, time_label, whole(left), "s", &limits.seconds, NULL, NULL);
	/* "time_left_rsa" goes with "lifetime_rsa" (--key-types). */
	if (strncmp(time_label, "time_left", 9) == 0 && time_label[9] != '\0') {
		char lifetime[64];

		snprintf(lifetime, sizeof(lifetime), "lifetime%s", time_label + 9);
		check_perf(c, lifetime, cert_lifetime(cert), "s", NULL, &zero, NULL);
	} else
		check_perf(c, "lifetime", cert_lifetime(cert), "s", NULL, &zero, NULL);
}
