/*
 * plugin_opts.c - one option loop for every plugin, so that each says the
 * same sentence for the same mistake and none re-implements getopt glue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int
opt_readable(const char *option, const char *path, const char **out, char *err,
    size_t errlen)
{
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: cannot read '%s'", option, path);
		return -1;
	}
	*out = path;
	return 0;
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
