/*
 * cert_history.h - what changed in a served certificate since the last
 * check (--state-file). With short-lived certificates a renewal every few
 * days is routine; what pages is a material change: another CA, names
 * dropped, or a step back to an older certificate (a node or a service
 * not reloaded). Plugin side: it decides states; the state file is only
 * written by the caller's statefile_commit() after every check is judged.
 */
#ifndef TLSPROBE_CERT_HISTORY_H
#define TLSPROBE_CERT_HISTORY_H

#include <stdbool.h>
#include <time.h>

#include "check.h"
#include "statefile.h"
#include "tlsprobe.h"

#define CERT_HISTORY_KIND	"tls-probe cert-history 1"
#define CERT_HISTORY_HOLD_HOURS	24.0	/* --change-hold default */

/* The --help lines for --state-file and --change-hold. */
#define CERT_HISTORY_HELP \
	"     --state-file=FILE   remember the served certificate of each endpoint\n" \
	"                         here (one file may serve many checks) and say what\n" \
	"                         changed: a renewal is OK; another CA or names dropped\n" \
	"                         WARNING; an older certificate than one already seen\n" \
	"                         (a node or service not reloaded) CRITICAL\n" \
	"     --change-hold=HOURS how long a CA or name change keeps warning (24)\n"

struct cert_history_opts {
	const char *state_file;		/* --state-file, or NULL: no history */
	double hold_seconds;		/* --change-hold: a change keeps warning */
	bool dane;			/* --dane: a new key is a DANE hazard */
};

void cert_history_opts_init(struct cert_history_opts *opts);

/* --state-file=FILE: a regular file or none yet, in a writable directory. */
int cert_history_file_option(struct cert_history_opts *opts, const char *path,
    char *err, size_t errlen);

/* --change-hold=HOURS; 0 or -1 with a sentence naming the option. */
int cert_history_hold_option(struct cert_history_opts *opts, const char *text,
    char *err, size_t errlen);

/*
 * Opens --state-file for the checks that follow; NULL with an UNKNOWN line
 * on C when it cannot be used, a WARNING line when it was damaged.
 */
struct statefile *cert_history_open(struct check *c, const struct cert_history_opts *opts);

/* Writes what the checks recorded (a WARNING line on C if it cannot) and closes SF. */
void cert_history_close(struct check *c, struct statefile *sf);

/*
 * Judges LEAF, served at ENDPOINT (host, port, SNI and address in one
 * string), against what SF remembers of ENDPOINT, adds the lines to C
 * (each prefixed with WHERE, or nothing) and records the new state in SF.
 */
void cert_history_check(struct check *c, struct statefile *sf,
    const struct cert_history_opts *opts, const char *endpoint,
    const struct tp_cert *leaf, time_t now, const char *where);

#endif
