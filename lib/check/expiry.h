/*
 * expiry.h - when a certificate's coming expiry is a problem. -w/-c are
 * days left (a number or a Monitoring Plugins range) or a share of the
 * certificate's lifetime ("25%", "@0:10%"); without them each certificate
 * follows its own lifetime: WARNING with less than 25% of it left (at most
 * 30 days), CRITICAL with less than 10% (at most 14 days), so that a
 * healthy 6-day or 45-day certificate never pages and a 398-day one keeps
 * the 30/14 days it always had. Plugin side: it decides states.
 */
#ifndef TLSPROBE_EXPIRY_H
#define TLSPROBE_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "check.h"
#include "tlsprobe.h"

/* What -w and -c said (or did not say). */
struct expiry_policy {
	struct threshold given;		/* the ranges as given, unscaled */
	bool warning_percent;		/* -w was a share of the lifetime */
	bool critical_percent;
};

/* The thresholds one certificate is held to. */
struct expiry_limits {
	struct threshold seconds;	/* against the exact time left */
	struct threshold days;		/* the same in days, for perfdata */
	bool lifetime_relative;		/* percentages or the default */
};

/* The --help lines for -w and -c, the same in every plugin. */
#define EXPIRY_HELP \
	" -w, --warning=DAYS|N%%  warn with less time left than DAYS (a number, decimals\n" \
	"                         allowed, or a range such as 10:20) or than N%% of the\n" \
	"                         certificate's lifetime; default: 25%% of the lifetime,\n" \
	"                         at most 30 days (a 45-day certificate warns with 11.25\n" \
	"                         days left, a 398-day one with 30)\n" \
	" -c, --critical=DAYS|N%% critical below this; default 10%% of the lifetime, at\n" \
	"                         most 14 days\n"

/* An empty policy: the lifetime-relative default. */
void expiry_policy_init(struct expiry_policy *policy);

/*
 * -w/-c (OPT is 'w' or 'c'): "N" means fewer than N days left (the range
 * N:), "N%" fewer than N percent of the lifetime left; other ranges are
 * taken as given, in days, or in percent with a final '%'. Decimals are
 * allowed. Returns 0, or -1 with a sentence naming the option and value.
 */
int expiry_option(struct expiry_policy *policy, int opt, const char *text,
    char *err, size_t errlen);

/* After the options: a plain -w below a plain -c of the same unit is an error. */
int expiry_policy_complete(const struct expiry_policy *policy, char *err,
    size_t errlen);

/* The thresholds CERT is held to under POLICY. */
void expiry_limits_for(const struct expiry_policy *policy,
    const struct tp_cert *cert, struct expiry_limits *out);

/* Seconds from NOW to notAfter (negative once expired). */
double cert_seconds_left(const struct tp_cert *cert, time_t now);
/* notAfter - notBefore, in seconds. */
double cert_lifetime(const struct tp_cert *cert);

/* "31 hours" below two days, else "9 days" (whole units, rounded down). */
void expiry_format_left(double seconds, char *out, size_t size);

/*
 * The certificate of CHAIN (or of the already SOONEST, may be NULL) that
 * expires first; NULL for an empty chain and no SOONEST.
 */
const struct tp_cert *expiry_soonest(const struct tp_chain *chain,
    const struct tp_cert *soonest);

/*
 * Perfdata for CERT under LABEL ("days_left"): LABEL in whole days with its
 * thresholds in days; with TIME_LABEL (may be NULL) the exact time left in
 * seconds with its thresholds, and "lifetime" in seconds (a TIME_LABEL of
 * "time_left_rsa" goes with "lifetime_rsa").
 */
void expiry_perfdata(struct check *c, const char *label, const char *time_label,
    const struct expiry_policy *policy, const struct tp_cert *cert, time_t now);

#endif
