/*
 * mtasts.h - what a domain publishes for MTA Strict Transport Security
 * (RFC 8461: the TXT record at _mta-sts.DOMAIN and the policy file at
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt), parsed strictly, and MX
 * names matched against policy patterns. The TLS-RPT record is
 * tlsrpt_record.h, which follows the same conventions.
 *
 * Pure functions into bounded plain structs: no network, no allocation,
 * no locale. Input is a pointer and a length (it may hold NUL bytes and
 * needs no terminator). Each parser returns 0, or -1 with one sentence in
 * ERR saying what is wrong and where ("policy line 3: max_age '-5' is not
 * a number from 0 to 31557600"); input quoted in a sentence is cut short
 * and shows bytes outside printable ASCII as '?'. ERR may be NULL when
 * ERRLEN is 0. Where an RFC tells senders to overlook something (a
 * repeated single-valued field: the first one counts) the parse succeeds
 * and the struct's warning holds a sentence for the caller to judge.
 */
#ifndef TLSPROBE_MTASTS_H
#define TLSPROBE_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#define MTASTS_ID_MAX 32		/* letters and digits of a policy id */
#define MTASTS_POLICY_MAX 65536		/* bytes of a policy file: RFC 8461 lets
					   clients bound it; real ones are < 1 KiB */
#define MTASTS_MX_MAX 64		/* mx lines kept; more is an error */
#define MTASTS_NAME_MAX 253		/* characters of a host name or mx pattern */
#define MTASTS_MAX_AGE_MAX 31557600L	/* seconds, about a year (RFC 8461 3.2) */
#define MTASTS_WARNING_MAX 256

/* One TXT record as DNS returned it, its strings joined by the caller. */
struct mtasts_txt {
	const char *text;
	size_t len;
};

/* What the TXT records at a name amount to (RFC 8461 3.1, RFC 8460 3). */
enum mtasts_select {
	MTASTS_SELECT_ONE,	/* exactly one record of the version, and it parses */
	MTASTS_SELECT_NONE,	/* no record of the version: the domain does not take part */
	MTASTS_SELECT_INVALID,	/* several, or the one does not parse: senders ignore them */
};

/* --- the MTA-STS TXT record: "v=STSv1; id=20240101T000000;" ----------- */

struct mtasts_record {
	char id[MTASTS_ID_MAX + 1];
	char warning[MTASTS_WARNING_MAX];	/* "" or a repeated field senders skip */
};

/*
 * Parses one record: v=STSv1 first, then ';'-separated fields with
 * optional white space around the ';', an id of 1 to 32 letters and
 * digits, extension fields (name=value) checked and skipped, a trailing
 * ';' allowed. OUT is cleared first.
 */
int mtasts_record_parse(const char *text, size_t len, struct mtasts_record *out,
    char *err, size_t errlen);

/*
 * Picks the MTA-STS record among the N TXT records found at _mta-sts.DOMAIN.
 * Records that do not start with "v=STSv1" (followed by ';', white space
 * or nothing) are ignored; exactly one must remain, and parse. Anything
 * but MTASTS_SELECT_ONE leaves a sentence in ERR ("no MTA-STS record: ...").
 */
enum mtasts_select mtasts_record_select(const struct mtasts_txt *records, size_t n,
    struct mtasts_record *out, char *err, size_t errlen);

/* --- the MTA-STS policy file --------------------------------------------- */

enum mtasts_mode {
	MTASTS_MODE_ENFORCE,
	MTASTS_MODE_TESTING,
	MTASTS_MODE_NONE,
};

/* "enforce", "testing", "none". */
const char *mtasts_mode_name(enum mtasts_mode mode);

struct mtasts_mx {
	char pattern[MTASTS_NAME_MAX + 1];	/* "mx1.example.com" or "*.example.com" */
	unsigned line;				/* where the policy says it */
};

struct mtasts_policy {
	enum mtasts_mode mode;
	long max_age;				/* seconds, 0 to MTASTS_MAX_AGE_MAX */
	size_t mx_count;			/* 1 to MTASTS_MX_MAX, 0 only for mode none */
	struct mtasts_mx mx[MTASTS_MX_MAX];
	char warning[MTASTS_WARNING_MAX];	/* "" or a repeated field senders skip */
};

/*
 * Parses a policy body of at most MTASTS_POLICY_MAX bytes: "name: value"
 * lines ended by CRLF or LF (the last one may be unended), no empty lines,
 * no white space before the name or the ':'. version: STSv1, mode and
 * max_age are required once (a repeat is skipped with a warning, as RFC
 * 8461 3.2 tells senders); mx is required unless the mode is none, each a
 * host name or "*." and one; names and the standard values are
 * case-sensitive; other fields are checked and skipped. OUT is cleared
 * first. Errors name the line: "policy line N: ..." or "policy: ...".
 */
int mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *out,
    char *err, size_t errlen);

/*
 * RFC 8461 4.1: does the MX host name HOST match PATTERN? Case-insensitive,
 * one trailing dot ignored on either; "*.example.com" matches one more
 * leftmost label ("mx1.example.com", not "example.com" nor "a.b.example.com").
 */
bool mtasts_mx_matches(const char *pattern, const char *host);

/* The first mx pattern of POLICY that HOST matches, or NULL. */
const char *mtasts_policy_match(const struct mtasts_policy *policy, const char *host);

#endif
