/*
 * dynlib.h - a shared library loaded with dlopen() the first time a check
 * needs it, its functions resolved into pointers: libunbound, libidn2 and
 * libcurl cost milliseconds of start-up and dozens of mappings that the
 * checks which never resolve, convert a name or fetch a URL do not pay.
 */
#ifndef TLSPROBE_DYNLIB_H
#define TLSPROBE_DYNLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* One function to resolve: dlsym(NAME) goes into the pointer at SLOT. */
struct dynlib_symbol {
	const char *name;
	void *slot;		/* the address of a function pointer */
};

struct dynlib {
	const char *soname;	/* "libcurl.so.4", as configure found it */
	const char *purpose;	/* ends "cannot load SONAME ...": "for DNSSEC lookups" */
	const char *package;	/* the Debian package that holds SONAME */
	const struct dynlib_symbol *symbols;	/* up to an entry with a NULL name */
	/* Run once after every symbol resolved (curl_global_init), or NULL. */
	int (*init)(char *err, size_t errlen);

	/* dynlib.c's own. */
	pthread_mutex_t lock;
	bool tried;
	bool usable;
	char error[1024];		/* a dlerror() can name a long path */
};

/* A static struct dynlib with its lock ready. */
#define DYNLIB(soname, purpose, package, symbols, init) \
	{ (soname), (purpose), (package), (symbols), (init), PTHREAD_MUTEX_INITIALIZER, \
	  false, false, "" }

/*
 * Loads LIB and fills its symbols the first time, from any thread; later
 * calls return the first one's result. 0, or -1 when the library, one of
 * its symbols or its init is missing: dynlib_error() says which, as a
 * sentence without the option or check that needed it.
 */
int dynlib_load(struct dynlib *lib);
const char *dynlib_error(struct dynlib *lib);

#endif
