/*
 * ari_fetch.h - asking a CA when it wants a certificate renewed (ACME
 * Renewal Information, RFC 9773), and the strict reading of its answer.
 * Facts only: lib/check/ari.h caches and judges them.
 */
#ifndef TLSPROBE_ARI_FETCH_H
#define TLSPROBE_ARI_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tlsprobe.h"

#define ARI_ANSWER_MAX		16384		/* bytes of an answer read */
#define ARI_RETRY_MIN		3600		/* never ask again sooner (s) */
#define ARI_RETRY_MAX		86400		/* nor later */
#define ARI_RETRY_DEFAULT	(6 * 3600)	/* without Retry-After */

/* What the CA said: when it suggests renewing, and why when it says why. */
struct ari_window {
	time_t start, end;
	char explanation_url[1024];	/* "" when none was given */
};

/* One certificate's renewal information: how it was found and what it says. */
struct ari_answer {
	enum {
		ARI_NOT_ASKED,		/* no identifier or no known CA: WHY says which */
		ARI_WINDOW,		/* WINDOW holds the CA's answer */
		ARI_FAILED,		/* the CA could not be asked or answered badly: WHY */
		ARI_CACHE_UNUSABLE,	/* our own error (the cache directory): WHY */
	} kind;
	struct ari_window window;
	char url[2048];			/* what was (or would be) requested */
	char why[4600];
	time_t fetched;			/* when the CA was asked */
	time_t next_fetch;		/* not before this */
	bool from_cache;
	bool to_save;			/* fetched now: ari_save() writes it */
};

/*
 * Parses a renewalInfo answer strictly (a JSON object whose
 * suggestedWindow has RFC 3339 start and end, end after start; an
 * explanationURL when there is one). Returns 0, or -1 with a sentence.
 */
int ari_parse(const char *body, size_t len, struct ari_window *out, char *err, size_t errlen);

/* The renewalInfo base of the CA that issued LEAF, when built in; NULL otherwise. */
const char *ari_known_base(const struct tp_cert *leaf);

/*
 * Asks the CA at A->url (a GET within DEADLINE_MS, tp_monotonic_ms' clock;
 * an https server verified against TRUST, the check's -r, or the system
 * store when NULL) and fills A: ARI_WINDOW with the CA's answer, or
 * ARI_FAILED with a sentence. Sets when it was fetched, when to ask next
 * (Retry-After, clamped), and to_save.
 */
void ari_fetch(const struct tp_trust *trust, struct ari_answer *a, time_t now, int64_t deadline_ms);

#endif
