/*
 * rfc3339.h - RFC 3339 date-times, read strictly.
 */
#ifndef TLSPROBE_RFC3339_H
#define TLSPROBE_RFC3339_H

#include <time.h>

/*
 * Reads an RFC 3339 date-time ("2025-01-02T04:00:00Z"; offsets and
 * fractions too; a leap second counts as the second before) into OUT.
 * Returns 0, or -1 when TEXT is not one.
 */
int rfc3339_parse(const char *text, time_t *out);

#endif
