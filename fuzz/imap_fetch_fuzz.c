/*
 * imap_fetch_fuzz - one untagged IMAP response (lib/probe/imap_fetch.c),
 * as an IMAP server could send it: any bytes are read as a FETCH response
 * or refused, never read past; what was read keeps the promises of
 * imap_fetch.h (strings inside the response, a number only where its
 * flag says so). Every byte of the strings found is read, so that ASan
 * sees an overread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_fetch.h"

static volatile unsigned sink;

static void
inside(const char *resp, size_t len, const char *s, size_t n)
{
	if (s == NULL) {
		if (n != 0)
			abort();
		return;
	}
	if (s < resp || s > resp + len || n > (size_t)(resp + len - s))
		abort();
	for (size_t i = 0; i < n; i++)
		sink += (unsigned char)s[i];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly SIZE bytes: no terminator to lean on. */
	char *resp = malloc(size ? size : 1);
	struct imap_fetch f;
	int rc;

	if (resp == NULL)
		return 0;
	memcpy(resp, data, size);
	rc = imap_fetch_parse(resp, size, &f);
	if (rc < -1 || rc > 1)
		abort();
	if (rc == 1) {
		inside(resp, size, f.header, f.header_len);
		inside(resp, size, f.body, f.body_len);
		if ((!f.has_uid && f.uid != 0) || (!f.has_size && f.size != 0))
			abort();
	}
	free(resp);
	return 0;
}
