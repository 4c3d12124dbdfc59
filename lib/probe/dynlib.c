/*
 * dynlib.c - dlopen() on first use, once per library and thread-safe, and
 * the sentence an administrator needs when it fails: which file, what for,
 * which package holds it, and the loader's reason when it is not simply
 * absent (a missing dependency, a damaged file).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"

/* "cannot load libcurl.so.4 to fetch URLs (install the package libcurl4)[: why]" */
static void
load_failed(struct dynlib *lib, const char *why)
{
	char absent[200];

	/* glibc's words for a file not found: the sentence says that already. */
	snprintf(absent, sizeof(absent), "%s: cannot open shared object file: "
	    "No such file or directory", lib->soname);
	if (why == NULL || strcmp(why, absent) == 0)
		why = "";
	snprintf(lib->error, sizeof(lib->error), "cannot load %s %s (install the package %s)%s%s",
	    lib->soname, lib->purpose, lib->package, *why ? ": " : "", why);
}

static bool
load(struct dynlib *lib)
{
	void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (handle == NULL) {
		load_failed(lib, dlerror());
		return false;
	}
	for (const struct dynlib_symbol *s = lib->symbols; s->name != NULL; s++) {
		void *sym = dlsym(handle, s->name);

		if (sym == NULL) {
			snprintf(lib->error, sizeof(lib->error), "%s lacks %s", lib->soname,
			    s->name);
			return false;	/* it stays mapped, unused, until exit */
		}
		memcpy(s->slot, &sym, sizeof(sym));	/* object to function pointer */
	}
	return lib->init == NULL || lib->init(lib->error, sizeof(lib->error)) == 0;
}

int
dynlib_load(struct dynlib *lib)
{
	bool usable;

	pthread_mutex_lock(&lib->lock);
	if (!lib->tried) {
		lib->usable = load(lib);
		lib->tried = true;
	}
	usable = lib->usable;
	pthread_mutex_unlock(&lib->lock);
	return usable ? 0 : -1;
}

const char *
dynlib_error(struct dynlib *lib)
{
	const char *error;

	pthread_mutex_lock(&lib->lock);
	error = lib->tried ? lib->error : "not loaded yet";
	pthread_mutex_unlock(&lib->lock);
	return error;
}
