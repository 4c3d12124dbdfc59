/*
 * plugin_opts.c - one option loop for every plugin, so that each says the
 * same sentence for the same mistake and none re-implements getopt glue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/vfs.h>

#include <openssl/crypto.h>

#include "dns.h"
#include "plugin_opts.h"

int
plugin_opts_parse(const struct plugin_opts_spec *spec, int argc, char **argv, char *err,
    size_t errlen)
{
	int opt;

	common_opts_init(spec->common);
	check_usage_prescan(argc, argv);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, spec->short_opts, spec->long_opts, NULL)) != -1) {
		int rc = common_opts_handle(spec->common, opt, optarg, err, errlen);

		if (rc == 0 && spec->endpoint != NULL)
			rc = endpoint_opts_handle(spec->endpoint, opt, optarg, err, errlen);
		if (rc == 1)
			continue;
		if (rc != 0)
			return rc;
		if (opt == '?' || opt == ':') {
			snprintf(err, errlen, "unknown option or missing value: '%s'; see --help",
			    argv[optind - 1]);
			return -1;
		}
		if (spec->handle(spec->ctx, opt, optarg, err, errlen) < 0)
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'; see --help", argv[optind]);
		return -1;
	}
	return 0;
}

int
plugin_opts_exit(int rc, const char *name, const char *prefix, void (*print_help)(void),
    const char *err)
{
	if (rc == COMMON_WANTS_HELP)
		print_help();
	else if (rc == COMMON_WANTS_VERSION)
		printf("%s %s\n", name, PACKAGE_VERSION);
	else
		return check_usage_error(prefix, err);
	return STATE_UNKNOWN;
}

int
opt_error(char *err, size_t errlen, const char *fmt, const char *value)
{
	snprintf(err, errlen, fmt, value);
	return -1;
}

int
opt_resolver(const char *arg, const char **out, char *err, size_t errlen)
{
	if (!tp_dns_forwarder_valid(arg))
		return opt_error(err, errlen, "--resolver: '%s' is not ADDR[@PORT] with an "
		    "IP address", arg);
	*out = arg;
	return 0;
}

/* An anonymous pipe (-r /dev/stdin, -r <(...)), not a named FIFO. */
static bool
is_anonymous_pipe(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == 0x50495045;	/* PIPEFS_MAGIC */
}

/*
 * The object PATH names: a device by its name alone, the rest by an open
 * descriptor (is it readable, is a FIFO the shell's pipe), opened without
 * blocking (a named FIFO without a writer would wait for ever) and not
 * read, so that a pipe keeps its bytes for the reader that comes later.
 */
static int
path_check(const char *option, const char *path, unsigned kinds, char *err, size_t errlen)
{
	struct stat st;
	int found = stat(path, &st) == 0, fd;
	bool pipe_ok;

	if (!found && errno == ENOENT && (kinds & OPT_PATH_NEW)) {
		char dir[4096];
		const char *slash = strrchr(path, '/');

		if (slash == NULL || slash == path)
			snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK) == 0)
			return 0;
		snprintf(err, errlen, "%s: cannot create '%s': its directory is missing or "
		    "not writable", option, path);
		return -1;
	}
	/* A device is never opened: opening some (a tape, a modem) does something. */
	if (found && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) &&
	    !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "%s: '%s' is a device or socket, not a file; give a "
		    "regular file", option, path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read '%s': %s", option, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pipe_ok = S_ISFIFO(st.st_mode) && (kinds & OPT_PATH_PIPE) && is_anonymous_pipe(fd);
	close(fd);
	if (S_ISDIR(st.st_mode) && !(kinds & OPT_PATH_DIR))
		snprintf(err, errlen, "%s: '%s' is a directory; give a file", option, path);
	else if (S_ISREG(st.st_mode) && !(kinds & OPT_PATH_FILE))
		snprintf(err, errlen, "%s: '%s' is a file, not a directory", option, path);
	else if (S_ISREG(st.st_mode) && st.st_size > OPT_FILE_MAX)
		snprintf(err, errlen, "%s: '%s' holds %lld bytes, more than such a file "
		    "can (%d MiB): give the right file", option, path, (long long)st.st_size,
		    OPT_FILE_MAX >> 20);
	else if (S_ISFIFO(st.st_mode) && !pipe_ok)
		snprintf(err, errlen, "%s: '%s' is a %s; give a regular file", option, path,
		    (kinds & OPT_PATH_PIPE) ? "named pipe (FIFO), which may never be written" :
		    "pipe");
	else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		snprintf(err, errlen, "%s: '%s' is a device or socket, not a file; give a "
		    "regular file", option, path);
	else
		return 0;
	return -1;
}

int
opt_path(const char *option, const char *path, unsigned kinds, const char **out,
    char *err, size_t errlen)
{
	if (path_check(option, path, kinds, err, errlen) < 0)
		return -1;
	*out = path;
	return 0;
}

int
opt_readable(const char *option, const char *path, const char **out, char *err,
    size_t errlen)
{
	return opt_path(option, path, OPT_PATH_FILE, out, err, errlen);
}

void
plugin_start(const struct common_opts *common, const char *prefix)
{
	const char *conf = getenv("OPENSSL_CONF");
	uint64_t opts = OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;

	/*
	 * No clean-up at exit (the process ends); no libcrypto error strings,
	 * the suite words its own messages (3,000 strings, 0.2 ms a check).
	 * The monitoring host's openssl.cnf is left out unless OPENSSL_CONF
	 * names one: a local system policy (MinProtocol, Groups, providers)
	 * must not change what the check sees of the server, and parsing it
	 * costs every check another 0.2 ms.
	 */
	if (conf == NULL || conf[0] == '\0')
		opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
	OPENSSL_init_crypto(opts, NULL);
	common_opts_arm_timeout(common, prefix);
}
