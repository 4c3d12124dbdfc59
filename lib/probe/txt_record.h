/*
 * txt_record.h - the grammar the MTA-STS and TLS-RPT TXT records share
 * ("v=VERSION; name=value; ...", RFC 8461 3.1 and RFC 8460 3), and the
 * helpers their parsers use to quote input in sentences. Internal to
 * lib/probe/mtasts.c and lib/probe/tlsrpt_record.c; ASCII rules whatever the locale.
 */
#ifndef TLSPROBE_TXT_RECORD_H
#define TLSPROBE_TXT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "mtasts.h"

#define EXCERPT_MAX 40		/* bytes of input quoted in a sentence */

static inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static inline char to_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }
static inline bool is_hex(char c) { return is_digit(c) || (to_lower(c) >= 'a' && to_lower(c) <= 'f'); }

bool txt_same_ci(const char *a, size_t alen, const char *b, size_t blen);
bool txt_same(const char *s, size_t len, const char *word);
size_t txt_skip_wsp(const char *s, size_t len, size_t pos);

/* Room for EXCERPT_MAX bytes, "..." and the NUL. */
struct txt_excerpt {
	char s[EXCERPT_MAX + 4];
};

/* S as it may appear in a sentence: cut short, '?' for bytes outside printable ASCII. */
const char *txt_quote(struct txt_excerpt *q, const char *s, size_t len);
/* "a space", "'!'" or "byte 0x00". */
const char *txt_name_byte(char buf[16], char c);
/* Writes the sentence into ERR (when there is room) and returns -1. */
__attribute__((format(printf, 3, 4)))
int txt_fail(char *err, size_t errlen, const char *fmt, ...);
/* Keeps the first warning only: the one a reader fixes first. */
__attribute__((format(printf, 2, 3)))
void txt_warn(char warning[MTASTS_WARNING_MAX], const char *fmt, ...);

struct txt_cursor {
	const char *kind;	/* "MTA-STS" or "TLS-RPT", for sentences */
	const char *s;
	size_t len;
	size_t pos;		/* after the last field (or the version) */
	unsigned field;		/* the number of the last field; the version is 1 */
};

struct txt_field {
	const char *name, *value;
	size_t name_len, value_len;
	unsigned number;
};

/* 0 when TEXT starts with VERSION, or -1: "KIND record '...' does not start with VERSION". */
int txt_start(struct txt_cursor *c, const char *kind, const char *version,
    const char *text, size_t len, char *err, size_t errlen);
/* 1 with the next name=value field in F, 0 at the record's end, -1 with a sentence. */
int txt_next_field(struct txt_cursor *c, struct txt_field *f, char *err, size_t errlen);
/* 0 when an extension field's value is well-formed, or -1 with a sentence. */
int txt_extension(const struct txt_cursor *c, const struct txt_field *f, char *err,
    size_t errlen);
/* The record among N that starts with VERSION (its index in INDEX): exactly one is wanted. */
enum mtasts_select txt_find_versioned(const struct mtasts_txt *records, size_t n,
    const char *kind, const char *version, size_t *index, char *err, size_t errlen);

#endif
