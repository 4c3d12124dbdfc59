/*
 * statefile.h - a small keyed state file that several plugin runs share:
 * read bounded, locked while in use, written back atomically (a temporary
 * file in the same directory, fsync, rename) with 0600 permissions, and
 * only when something changed. One line per record, "KEY<TAB>VALUE", both
 * percent-escaped, after a versioned first line. Plugin side; the caller
 * decides what the values mean.
 */
#ifndef TLSPROBE_STATEFILE_H
#define TLSPROBE_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>

#define STATEFILE_FAMILY	"tls-probe "	/* every KIND begins so */
#define STATEFILE_MAX_BYTES	(1024 * 1024)	/* a larger file is refused */
#define STATEFILE_MAX_RECORDS	4096
#define STATEFILE_VALUE_MAX	2048		/* bytes of one value, unescaped */

struct statefile;

/*
 * Opens PATH (creating it, 0600, when missing), waits for the lock that
 * other runs using PATH take, and reads its records. KIND names the format
 * on its first line ("tls-probe cert-history 1"). Returns the state file,
 * or NULL with a sentence in ERR for what cannot be used at all (no such
 * directory, no permission, a file that is not a tls-probe state file:
 * another program's; or another check's tls-probe file: never
 * overwritten). A state file of KIND that is too large, of another
 * version, or damaged is not fatal: the state file opens empty and
 * statefile_problem() says why; it is rewritten whole on commit.
 */
struct statefile *statefile_open(const char *path, const char *kind, char *err,
    size_t errlen);

/*
 * Reads a file in the format its plugin wrote before it used this module
 * (BUF: all its LEN bytes, NUL-terminated, no NUL inside): stores what it
 * holds with statefile_set() and returns true, or returns false for a file
 * it does not recognise, which is then refused as somebody else's.
 */
typedef bool statefile_legacy_fn(struct statefile *sf, const char *buf, size_t len,
    void *arg);

/*
 * statefile_open, except that a file not beginning with STATEFILE_FAMILY is
 * first offered to LEGACY (with ARG): one it recognises opens with the
 * records it stored and is rewritten in KIND's format on commit.
 */
struct statefile *statefile_open_legacy(const char *path, const char *kind,
    statefile_legacy_fn *legacy, void *arg, char *err, size_t errlen);

/* The sentence for a damaged file that was read as empty, or NULL. */
const char *statefile_problem(const struct statefile *sf);

/* The value of KEY, or NULL. */
const char *statefile_get(const struct statefile *sf, const char *key);

/* Sets KEY to VALUE (a copy); -1 when out of memory or over the limits. */
int statefile_set(struct statefile *sf, const char *key, const char *value);

/* Drops every record for which KEEP says false; returns how many went. */
size_t statefile_prune(struct statefile *sf, bool (*keep)(const char *key, const char *value,
    void *arg), void *arg);

/*
 * Writes the records back if any changed (or the file was damaged).
 * Returns 0, or -1 with a sentence in ERR.
 */
int statefile_commit(struct statefile *sf, char *err, size_t errlen);

/* Releases the lock and frees SF (NULL is fine). Uncommitted changes are lost. */
void statefile_close(struct statefile *sf);

#endif
