/*
 * idn.h - international host names to the A-labels (xn--...) that DNS,
 * SNI and certificates hold, with libidn2 loaded on first use: names a
 * user types in their own script are the same names as their A-labels.
 */
#ifndef TLSPROBE_IDN_H
#define TLSPROBE_IDN_H

#include <stddef.h>

/*
 * NAME (UTF-8) as A-labels into OUT (IDNA2008 with the UTS #46 mapping, as
 * browsers and resolvers use it: "Bücher.example" -> "xn--bcher-kva.example").
 * 0, or -1 with a sentence in ERR (not naming an option: the caller does)
 * when NAME is not a valid international name, the result does not fit or
 * libidn2 cannot be loaded.
 */
int tp_idn_to_ascii(const char *name, char *out, size_t outlen, char *err, size_t errlen);

#endif
