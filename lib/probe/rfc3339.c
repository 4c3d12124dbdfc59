/*
 * rfc3339.c - RFC 3339 date-times ("2025-01-02T04:00:00Z", with offsets
 * and fractions of a second), read strictly: the CA's renewal window
 * (ARI) and TLS-RPT's date-range use them.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "rfc3339.h"

static bool
digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*out = *out * 10 + (p[i] - '0');
	}
	return true;
}

int
rfc3339_parse(const char *text, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	const char *p = text;
	struct tm tm = { 0 };
	time_t t;

	if (strlen(text) < 20 || !digits(p, 4, &year) || p[4] != '-' ||
	    !digits(p + 5, 2, &mon) || p[7] != '-' || !digits(p + 8, 2, &day) ||
	    (p[10] != 'T' && p[10] != 't') || !digits(p + 11, 2, &hour) || p[13] != ':' ||
	    !digits(p + 14, 2, &min) || p[16] != ':' || !digits(p + 17, 2, &sec))
		return -1;
	p += 19;
	if (*p == '.') {	/* a fraction of a second: at least one digit, dropped */
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
	    digits(p + 4, 2, &om) && p[6] == '\0' && oh < 24 && om < 60)
		sign = *p == '+' ? 1 : -1;
	else
		return -1;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    hour > 23 || min > 59 || sec > 60)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec == 60 ? 59 : sec;	/* a leap second: as good as the one before */
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != day)	/* Feb 29 of a common year */
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}
