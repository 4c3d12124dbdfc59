/*
 * idn.c - tp_idn_to_ascii(): international names to A-labels through
 * libidn2, loaded with dlopen() the first time a name is not ASCII, so that
 * the checks of ASCII names (nearly all) do not pay for loading it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "idn.h"

#ifndef LIBIDN2_SONAME		/* configure finds it; the fuzz build does not run it */
#define LIBIDN2_SONAME "libidn2.so.0"
#endif

static struct {
	int (*to_ascii_8z)(const char *, char **, int);
	const char *(*strerror)(int);
	void (*free)(void *);
} idn;
static char idn_load_error[160];
static pthread_once_t idn_once = PTHREAD_ONCE_INIT;

static int
idn_symbol(void *lib, const char *name, void *slot)
{
	void *sym = dlsym(lib, name);

	if (sym == NULL)
		snprintf(idn_load_error, sizeof(idn_load_error), "%s lacks %s", LIBIDN2_SONAME, name);
	else
		memcpy(slot, &sym, sizeof(sym));	/* object to function pointer */
	return sym != NULL;
}

static void
idn_load(void)
{
	void *lib = dlopen(LIBIDN2_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		snprintf(idn_load_error, sizeof(idn_load_error), "cannot load %s to convert it "
		    "(install the package libidn2-0)", LIBIDN2_SONAME);
		return;
	}
	if (!idn_symbol(lib, "idn2_to_ascii_8z", &idn.to_ascii_8z) ||
	    !idn_symbol(lib, "idn2_strerror", &idn.strerror) ||
	    !idn_symbol(lib, "idn2_free", &idn.free))
		idn.to_ascii_8z = NULL;	/* idn_load_error says which */
}

int
tp_idn_to_ascii(const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
	char *ascii = NULL;
	int rc;

	pthread_once(&idn_once, idn_load);
	if (idn.to_ascii_8z == NULL) {
		snprintf(err, errlen, "%s", idn_load_error);
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
