/*
 * reply_line_fuzz - feeds the input, as NUL-terminated lines, to the pure
 * reply parsers smtp_reply_line, imap_reply_line (greeting and tagged),
 * pop3_status_line, sieve_reply_line and to capability_has.
 * Text up to the first NUL is the line; text after it, if any, is an extra
 * IMAP tag and capability token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_internal.h"

static void
check_kind(enum reply_line kind)
{
	if (kind != REPLY_MORE && kind != REPLY_LAST_OK && kind != REPLY_LAST_FAIL &&
	    kind != REPLY_BAD)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tokens[] = { "STARTTLS", "STLS", "\"STARTTLS\"", "AUTH" };
	char *line = malloc(size + 1);	/* exact size: ASan sees any over-read */
	const char *extra;
	enum reply_line kind;
	int code = -1;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	kind = smtp_reply_line(line, &code);
	check_kind(kind);
	if (kind != REPLY_BAD && (code < 200 || code > 599))
		abort();
	check_kind(imap_reply_line(line, NULL));
	check_kind(imap_reply_line(line, "a001"));
	check_kind(imap_reply_line(line, "a002"));
	check_kind(pop3_status_line(line));
	check_kind(sieve_reply_line(line));
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		(void)capability_has(line, tokens[i]);

	/* The part after the first NUL as a tag and a token (non-empty only:
	 * the library never passes an empty one; see fuzz/README). */
	extra = line + strlen(line);
	if (extra < line + size) {
		extra++;
		if (*extra != '\0') {
			check_kind(imap_reply_line(line, extra));
			(void)capability_has(line, extra);
		}
	}
	free(line);
	return 0;
}
