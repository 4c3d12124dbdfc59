/*
 * ari_fuzz - the CA's renewalInfo answer (lib/check/ari.c's ari_parse): any bytes
 * either parse into a window whose end follows its start, with a printable
 * http(s) explanation URL or none, or are refused with a sentence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ari.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ari_window w;
	char err[512] = "";

	if (ari_parse((const char *)data, size, &w, err, sizeof(err)) == 0) {
		if (w.end <= w.start || err[0] != '\0')
			abort();
		if (w.explanation_url[0] != '\0' &&
		    strncmp(w.explanation_url, "http", 4) != 0)
			abort();
	} else if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL) {
		abort();
	}
	return 0;
}
