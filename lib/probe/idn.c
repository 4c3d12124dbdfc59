/*
 * idn.c - tp_idn_to_ascii(): international names to A-labels through
 * libidn2, loaded with dlopen() the first time a name is not ASCII, so that
 * the checks of ASCII names (nearly all) do not pay for loading it.
 */
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "dynlib.h"
#include "idn.h"

#ifndef LIBIDN2_SONAME		/* configure finds it; the fuzz build does not run it */
#define LIBIDN2_SONAME "libidn2.so.0"
#endif

static struct {
	int (*to_ascii_8z)(const char *, char **, int);
	const char *(*strerror)(int);
	void (*free)(void *);
} idn;

static const struct dynlib_symbol idn_symbols[] = {
	{ "idn2_to_ascii_8z", &idn.to_ascii_8z },
	{ "idn2_strerror", &idn.strerror },
	{ "idn2_free", &idn.free },
	{ NULL, NULL }
};
static struct dynlib libidn2 = DYNLIB(LIBIDN2_SONAME, "to convert it", "libidn2-0",
    idn_symbols, NULL);

int
tp_idn_to_ascii(const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
	char *ascii = NULL;
	int rc;

	if (dynlib_load(&libidn2) < 0) {
		snprintf(err, errlen, "%s", dynlib_error(&libidn2));
		return -1;
	}
	/* Non-transitional: "ß" stays a letter of its own, as IDNA2008 has it. */
	rc = idn.to_ascii_8z(name, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		snprintf(err, errlen, "it is not a valid international name (%s)", idn.strerror(rc));
		return -1;
	}
	if (strlen(ascii) >= outlen) {
		snprintf(err, errlen, "its A-label form is %zu characters long", strlen(ascii));
		idn.free(ascii);
		return -1;
	}
	snprintf(out, outlen, "%s", ascii);
	idn.free(ascii);
	return 0;
}
