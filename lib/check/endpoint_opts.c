/*
 * endpoint_opts.c - the connection options every live plugin shares, so
 * that check_mail_tls and check_cert_chain read -H -p -P the same way and
 * say the same sentence for the same mistake.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "check.h"
#include "endpoint_opts.h"
#include "idn.h"
#include "plugin_opts.h"

long
parse_decimal(const char *text, long min, long max)
{
	char *end;
	long v;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	v = strtol(text, &end, 10);
	return *end == '\0' && v >= min && v <= max ? v : -1;
}

bool
is_ip_address(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

int
host_name_option(const char *option, const char *typed, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char alabels[256], why[200];
	const char *arg = typed;
	size_t len;

	for (const char *p = typed; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80) {
			/* DNS, SNI and certificates hold the A-labels (xn--...). */
			if (tp_idn_to_ascii(typed, alabels, sizeof(alabels), why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: '%s': %s; give the name in its A-label "
				    "form (xn--...)", option, typed, why);
				return -1;
			}
			arg = alabels;
			break;
		}
	len = strlen(arg);
	if (arg[0] == '[') {
		const char *inner = arg + 1;

		if (len > 2 && arg[len - 1] == ']' && strncasecmp(inner, "IPv6:", 5) == 0)
			inner += 5;	/* SMTP's address literal, RFC 5321 */
		if (len < 3 || arg[len - 1] != ']' ||
		    snprintf(out, outlen, "%.*s", (int)(len - 1 - (size_t)(inner - arg)), inner) < 0 ||
		    !is_ip_address(out)) {
			snprintf(err, errlen, "%s: '%s' is not an [IP address] (brackets hold an "
			    "address only; give a name without them, the port with -p)", option, typed);
			return -1;
		}
		return 0;
	}
	/* A fully qualified name's root dot: the same name (RFC 6066 sends none). */
	if (len > 1 && arg[len - 1] == '.' && arg[len - 2] != '.')
		len--;
	if (len == 0 || len > 253 || len >= outlen) {
		snprintf(err, errlen, "%s: %zu characters is not a host name (1 to 253)", option,
		    strlen(typed));
		return -1;
	}
	snprintf(out, outlen, "%.*s", (int)len, arg);
	if (out[0] == '.' || strstr(out, "..") != NULL) {
		snprintf(err, errlen, "%s: '%s' is not a host name (it has an empty label)",
		    option, typed);
		return -1;
	}
	return 0;
}

static int
fail(char *err, size_t errlen, const char *fmt, const char *value)
{
	snprintf(err, errlen, fmt, value, tp_protocol_names());
	return -1;
}

int
endpoint_opts_handle(struct endpoint_opts *e, int opt, const char *arg, char *err,
    size_t errlen)
{
	long n;

	switch (opt) {
	case 'H':
		if (host_name_option("-H/--hostname", arg, e->host_buf, sizeof(e->host_buf),
		    err, errlen) < 0)
			return -1;
		e->host = e->host_buf;
		return 1;
	case 'p':
		if ((n = parse_decimal(arg, 1, 65535)) < 0)
			return fail(err, errlen, "-p/--port: '%s' is not a port number (1 to 65535)", arg);
		e->port = (unsigned)n;
		return 1;
	case 'P':
		if (tp_protocol_from_name(arg, &e->proto) < 0)
			return fail(err, errlen, "-P/--protocol: '%s' is not a known protocol; use one of %s", arg);
		e->proto_given = true;
		return 1;
	case '4':
	case '6':
		e->family = opt == '4' ? TP_FAMILY_IPV4 : TP_FAMILY_IPV6;
		return 1;
	case 'r':
		if (opt_path("-r/--rootcert", arg, OPT_PATH_FILE | OPT_PATH_DIR | OPT_PATH_PIPE,
		    &e->rootcert, err, errlen) < 0)
			return -1;
		return 1;
	case ENDPOINT_OPT_SNI:
		if (host_name_option("--sni", arg, e->sni_buf, sizeof(e->sni_buf), err, errlen) < 0)
			return -1;
		e->sni = e->sni_buf;
		return 1;
	case ENDPOINT_OPT_PROXY:
		if (strcmp(arg, "v1") == 0 || strcmp(arg, "1") == 0)
			e->proxy = TP_PROXY_V1;
		else if (strcmp(arg, "v2") == 0 || strcmp(arg, "2") == 0)
			e->proxy = TP_PROXY_V2;
		else
			return fail(err, errlen, "--proxy-protocol: '%s' is not a PROXY protocol version; use v1 or v2", arg);
		return 1;
	default:
		return 0;
	}
}

int
endpoint_opts_complete(struct endpoint_opts *e, char *err, size_t errlen)
{
	if (e->host == NULL || e->host[0] == '\0')
		return fail(err, errlen, "-H/--hostname is required%s", "");
	if (e->port == 0)
		e->port = e->proto_given ? tp_protocol_default_port(e->proto) : 25;
	if (!e->proto_given && tp_protocol_from_port(e->port, &e->proto) < 0) {
		snprintf(err, errlen, "-P/--protocol is needed: port %u is not a well-known "
		    "mail port; use one of %s", e->port, tp_protocol_names());
		return -1;
	}
	return 0;
}

const char *
endpoint_opts_server_name(const struct endpoint_opts *e)
{
	const char *name = e->sni ? e->sni : e->host;

	return name != NULL && !is_ip_address(name) ? name : NULL;
}

struct tp_config *
endpoint_opts_config(const struct endpoint_opts *e, unsigned port, enum tp_protocol proto,
    double timeout_seconds, char *err, size_t errlen)
{
	struct tp_config *cfg = tp_config_new();

	if (cfg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tp_config_set_host(cfg, e->host) < 0 || tp_config_set_port(cfg, port) < 0 ||
	    tp_config_set_protocol(cfg, proto) < 0 ||
	    tp_config_set_family(cfg, e->family) < 0 ||
	    tp_config_set_sni(cfg, endpoint_opts_server_name(e)) < 0 ||
	    tp_config_set_proxy(cfg, e->proxy) < 0 ||
	    tp_config_set_timeout_ms(cfg, check_ceil(timeout_seconds * 1000)) < 0) {
		snprintf(err, errlen, "%s", tp_config_error(cfg));
		tp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
endpoint_format(const struct endpoint_opts *e, unsigned port, enum tp_protocol proto,
    char *out, size_t size)
{
	snprintf(out, size, "%s:%u (%s)", e->host, port, tp_protocol_name(proto));
}

int
endpoint_failure_state(const struct tp_probe *probe, int timeout_state)
{
	switch (tp_probe_failure(probe)) {
	case TP_FAIL_TIMEOUT:
		return timeout_state;
	case TP_FAIL_INTERNAL:
	case TP_FAIL_CONFIG:
		return 3;	/* UNKNOWN: our side, not the server */
	default:
		return 2;
	}
}

void
endpoint_opts_help(FILE *out)
{
	fprintf(out,
	    " -H, --hostname=HOST     host name or address to connect to (required); an\n"
	    "                         address may be in brackets ([2001:db8::25]), an\n"
	    "                         international name in its own script\n"
	    " -p, --port=PORT         port (default: from -P, e.g. 587 for submission)\n"
	    " -P, --protocol=NAME     one of %s\n"
	    "                         (default: from the port; 25 if neither is given)\n"
	    " -4, --ipv4 / -6, --ipv6 connect over IPv4 / IPv6 only\n"
	    "     --sni=NAME          TLS server name (default: -H unless it is an address)\n"
	    "     --proxy-protocol=v1|v2  send a PROXY protocol header first\n"
	    " -r, --rootcert=FILE|DIR trust these roots instead of the system store\n",
	    tp_protocol_names());
}
