/*
 * dynlib_test - libraries loaded on first use: the sentence a host without
 * libcurl (or libunbound, libidn2) gets, a library that lacks a function,
 * a damaged file, and one load however many threads ask at once.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dynlib.h"
#include "tap.h"

static double (*cosine)(double);
static double (*absent_fn)(double);

static const struct dynlib_symbol libm_symbols[] = {
	{ "cos", &cosine },
	{ NULL, NULL }
};
static const struct dynlib_symbol libm_lacking[] = {
	{ "cos", &cosine },
	{ "tp_no_such_function", &absent_fn },
	{ NULL, NULL }
};

static void
library_not_installed(void)
{
	static struct dynlib lib = DYNLIB("libtp-not-installed.so.4", "to fetch URLs",
	    "libtp-not-installed4", libm_symbols, NULL);

	is_int(dynlib_load(&lib), -1, "a library that is not installed is not loaded");
	is_str(dynlib_error(&lib), "cannot load libtp-not-installed.so.4 to fetch URLs "
	    "(install the package libtp-not-installed4)",
	    "the sentence names the file, what it is for and the package, once");
	is_int(dynlib_load(&lib), -1, "asked again, the same answer");
}

static void
library_lacks_a_function(void)
{
	static struct dynlib lib = DYNLIB("libm.so.6", "for sines", "libc6", libm_lacking, NULL);

	is_int(dynlib_load(&lib), -1, "a library without one of the functions is unusable");
	is_str(dynlib_error(&lib), "libm.so.6 lacks tp_no_such_function",
	    "the sentence names the missing function");
}

static void
damaged_file(void)
{
	char path[] = "/tmp/dynlib_test.XXXXXX";
	int fd = mkstemp(path);
	struct dynlib lib = DYNLIB(path, "to fetch URLs", "libcurl4", libm_symbols, NULL);
	char want[200];

	if (fd < 0 || write(fd, "not a library\n", 14) != 14) {
		ok(0, "a temporary file for the damaged library");
		return;
	}
	close(fd);
	is_int(dynlib_load(&lib), -1, "a file that is not a library is not loaded");
	snprintf(want, sizeof(want), "cannot load %s to fetch URLs (install the package "
	    "libcurl4): %s: ", path, path);
	like_str(dynlib_error(&lib), want, "the loader's reason follows when the file is there");
	unlink(path);
}

static int init_calls;

static int
count_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	__atomic_add_fetch(&init_calls, 1, __ATOMIC_SEQ_CST);
	usleep(20000);	/* the other threads arrive while this one loads */
	return 0;
}

static struct dynlib shared = DYNLIB("libm.so.6", "for sines", "libc6", libm_symbols, count_init);

static void *
load_shared(void *arg)
{
	(void)arg;
	return (void *)(long)dynlib_load(&shared);
}

static void
one_load_for_many_threads(void)
{
	pthread_t threads[8];
	int failed = 0;

	for (size_t i = 0; i < 8; i++)
		pthread_create(&threads[i], NULL, load_shared, NULL);
	for (size_t i = 0; i < 8; i++) {
		void *rc;

		pthread_join(threads[i], &rc);
		failed += rc != NULL;
	}
	is_int(failed, 0, "eight threads loading at once all get the library");
	is_int(init_calls, 1, "its init ran once");
	ok(cosine != NULL && cosine(0.0) == 1.0, "the resolved pointer calls the function");
}

static int
refuse_init(char *err, size_t errlen)
{
	snprintf(err, errlen, "libm.so.6 cannot start");
	return -1;
}

static void
init_fails(void)
{
	static struct dynlib lib = DYNLIB("libm.so.6", "for sines", "libc6", libm_symbols,
	    refuse_init);

	is_int(dynlib_load(&lib), -1, "a library whose init fails is unusable");
	is_str(dynlib_error(&lib), "libm.so.6 cannot start", "the init's sentence is the error");
}

int
main(void)
{
	library_not_installed();
	library_lacks_a_function();
	damaged_file();
	one_load_for_many_threads();
	init_fails();
	return done_testing();
}
