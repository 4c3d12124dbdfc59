/*
 * tap.h - a few TAP macros for the unit tests (Test Anything Protocol, read
 * by automake's tap-driver.sh). Header-only; each test includes it once.
 */
#ifndef TLSPROBE_TAP_H
#define TLSPROBE_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static void tap_result(int passed, const char *fmt, va_list ap)
{
	tap_count++;
	if (!passed)
		tap_failures++;
	printf("%sok %d - ", passed ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
}

__attribute__((format(printf, 2, 3)))
static int ok(int passed, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_result(passed, fmt, ap);
	va_end(ap);
	return passed;
}

#define is_int(got, want, ...) do { \
	long long got_ = (got), want_ = (want); \
	if (!ok(got_ == want_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", got_, want_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *got_ = (got), *want_ = (want); \
	int same_ = got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_; \
	if (!ok(same_, __VA_ARGS__)) \
		printf("#   got  '%s'\n#   want '%s'\n", got_ ? got_ : "(null)", \
		    want_ ? want_ : "(null)"); \
} while (0)

#define is_double(got, want, ...) do { \
	double got_ = (got), want_ = (want); \
	int same_ = (isinf(got_) && isinf(want_) && (got_ > 0) == (want_ > 0)) || \
	    fabs(got_ - want_) < 1e-9; \
	if (!ok(same_, __VA_ARGS__)) \
		printf("#   got %g, want %g\n", got_, want_); \
} while (0)

#define like_str(got, needle, ...) do { \
	const char *got_ = (got); \
	if (!ok(got_ && strstr(got_, (needle)) != NULL, __VA_ARGS__)) \
		printf("#   '%s'\n#   does not contain '%s'\n", \
		    got_ ? got_ : "(null)", (needle)); \
} while (0)

/* Prints the plan and returns the exit status for main(). */
static int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
