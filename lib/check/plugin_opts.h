/*
 * plugin_opts.h - the option loop every plugin runs: the common options
 * (-h -V -t -v --output) and the connection options go to their own
 * handlers, the plugin's own options to one callback; then what -h, -V or
 * a usage error mean for the exit.
 */
#ifndef TLSPROBE_PLUGIN_OPTS_H
#define TLSPROBE_PLUGIN_OPTS_H

#include <getopt.h>
#include <stddef.h>

#include "check.h"
#include "endpoint_opts.h"

/* A plugin's own option: 0, or -1 with a sentence naming option and value. */
typedef int (*plugin_option_fn)(void *ctx, int opt, const char *arg, char *err,
    size_t errlen);

struct plugin_opts_spec {
	const char *short_opts;		/* all of them, common ones included */
	const struct option *long_opts;
	struct common_opts *common;
	struct endpoint_opts *endpoint;
	plugin_option_fn handle;
	void *ctx;
};

/*
 * Initialises SPEC->common and parses ARGV. Returns 0, COMMON_WANTS_HELP,
 * COMMON_WANTS_VERSION, or -1 with a sentence in ERR.
 */
int plugin_opts_parse(const struct plugin_opts_spec *spec, int argc, char **argv,
    char *err, size_t errlen);

/*
 * For a non-zero result RC of plugin_opts_parse (or a later usage check):
 * prints the help, the version or "PREFIX UNKNOWN - ERR" and returns the
 * exit code, 3, as every monitoring plugin does.
 */
int plugin_opts_exit(int rc, const char *name, const char *prefix,
    void (*print_help)(void), const char *err);

/*
 * After the options, before the work: arms -t (check.h) and spares the
 * process OpenSSL's cleanup at exit, 5% of a check's instructions spent
 * freeing what the kernel reclaims anyway.
 */
void plugin_start(const struct common_opts *common, const char *prefix);

/* Writes FMT with VALUE (one %s) into ERR; returns -1 for a handler to return. */
int opt_error(char *err, size_t errlen, const char *fmt, const char *value);

/* --resolver ADDR[@PORT]: sets *OUT, or -1 with a sentence naming the value. */
int opt_resolver(const char *arg, const char **out, char *err, size_t errlen);

/*
 * Options that name a file are judged when they are read, before any
 * connection: a directory, a device (/dev/zero), a FIFO, a file larger than
 * OPT_FILE_MAX, a missing or unreadable path is a usage error naming the
 * option and the path.  KINDS says what else the option may name.
 */
#define OPT_PATH_FILE	0x1u	/* a regular file of at most OPT_FILE_MAX bytes */
#define OPT_PATH_DIR	0x2u	/* a directory */
#define OPT_PATH_PIPE	0x4u	/* a pipe from the shell (/dev/stdin, <(...)), read once */
#define OPT_PATH_NEW	0x8u	/* a file not there yet, in a writable directory */
#define OPT_FILE_MAX	(4 << 20)

/* Sets *OUT to PATH when it is of one of KINDS, else -1 with "OPTION: ... 'PATH' ...". */
int opt_path(const char *option, const char *path, unsigned kinds, const char **out,
    char *err, size_t errlen);

/* opt_path for a regular file. */
int opt_readable(const char *option, const char *path, const char **out, char *err,
    size_t errlen);

#endif
