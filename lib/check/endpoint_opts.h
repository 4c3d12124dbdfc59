/*
 * endpoint_opts.h - the connection options every live plugin shares
 * (-H -p -P -4 -6 --sni --proxy-protocol -r), parsed once, here, and
 * turned into a struct tp_config for the probe.
 */
#ifndef TLSPROBE_ENDPOINT_OPTS_H
#define TLSPROBE_ENDPOINT_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "tlsprobe.h"

struct endpoint_opts {
	const char *host;
	unsigned port;
	enum tp_protocol proto;
	bool proto_given;
	enum tp_family family;
	const char *sni;
	enum tp_proxy proxy;
	const char *rootcert;
	char host_buf[256], sni_buf[256];	/* -H, --sni as host_name_option left them */
};

#define ENDPOINT_SHORT_OPTS "H:p:P:46r:"
#define ENDPOINT_OPT_SNI 0x1800
#define ENDPOINT_OPT_PROXY 0x1801
#define ENDPOINT_LONG_OPTS \
	{ "hostname", required_argument, NULL, 'H' }, \
	{ "port", required_argument, NULL, 'p' }, \
	{ "protocol", required_argument, NULL, 'P' }, \
	{ "ipv4", no_argument, NULL, '4' }, \
	{ "ipv6", no_argument, NULL, '6' }, \
	{ "rootcert", required_argument, NULL, 'r' }, \
	{ "sni", required_argument, NULL, ENDPOINT_OPT_SNI }, \
	{ "proxy-protocol", required_argument, NULL, ENDPOINT_OPT_PROXY }

/*
 * Handles OPT if it is a connection option: 1 when handled, 0 when not
 * one, -1 with a sentence naming the option and value in ERR.
 */
int endpoint_opts_handle(struct endpoint_opts *e, int opt, const char *arg,
    char *err, size_t errlen);

/* Fills the port from -P or -P from the port; -1 with a sentence. */
int endpoint_opts_complete(struct endpoint_opts *e, char *err, size_t errlen);

/* The SNI name: --sni, else -H unless it is an address; NULL for none. */
const char *endpoint_opts_server_name(const struct endpoint_opts *e);

/*
 * A probe configuration for E with PORT and PROTO (for --ports) and TIMEOUT.
 * The roots of -r are not in it: they are the client's, tp_client_new(E->rootcert).
 */
struct tp_config *endpoint_opts_config(const struct endpoint_opts *e, unsigned port,
    enum tp_protocol proto, double timeout_seconds, char *err, size_t errlen);

/* "host:port (proto)". */
void endpoint_format(const struct endpoint_opts *e, unsigned port,
    enum tp_protocol proto, char *out, size_t size);

/* The state for a failed probe: UNKNOWN for our own errors, the -t state for timeouts, else CRITICAL. */
int endpoint_failure_state(const struct tp_probe *probe, int timeout_state);

/* The help paragraph for these options. */
void endpoint_opts_help(FILE *out);

/* Strict whole-string decimal parse in [MIN, MAX]; -1 for anything else. */
long parse_decimal(const char *text, long min, long max);

bool is_ip_address(const char *name);

/*
 * A host name or address option ARG as it is connected to, sent and
 * matched, into OUT: brackets around an IP address ("[::1]", "[192.0.2.1]",
 * SMTP's "[IPv6:...]") and a name's root dot ("mail.example.com.") dropped,
 * an international name as its A-labels ("xn--bcher-kva.example"); 0, or -1
 * with a sentence naming OPTION and TYPED for brackets around anything else,
 * a name IDNA refuses (the xn-- form is asked for) or a bad length.
 */
int host_name_option(const char *option, const char *typed, char *out, size_t outlen,
    char *err, size_t errlen);

#endif
