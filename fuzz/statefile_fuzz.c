/*
 * statefile_fuzz - writes the input to a file and opens it as a state file
 * (lib/check/statefile.c): it must open, either with its records or as empty with
 * a sentence saying why; then a key and a value holding every byte the
 * escaping must handle are set, committed, and read back unchanged, with no
 * problem, from the file that commit wrote. A file of one line "#VALUE"
 * stands for a plugin's format from before (statefile_open_legacy): read
 * as a record; a longer one beginning with '#' is stored, then refused.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statefile.h"

#define KIND "tls-probe fuzz 1"

static char path[64];

static bool
legacy(struct statefile *sf, const char *buf, size_t len, void *arg)
{
	char value[64];

	(void)arg;
	if (buf[0] != '#' || strlen(buf) != len)
		return false;
	snprintf(value, sizeof(value), "%.*s", (int)strcspn(buf + 1, "\n"), buf + 1);
	if (statefile_set(sf, "legacy", value) != 0)
		abort();
	return strchr(buf, '\n') == buf + len - 1;	/* else stored, and refused */
}

static void
remove_file(void)
{
	unlink(path);
}

static void
write_input(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "host:25 sni=\t%x\x01", value[] = "v\n%\r \x7f\xc3\xa9";
	struct statefile *sf;
	char err[512] = "";
	const char *problem;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof(path), "/tmp/statefile_fuzz.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	write_input(data, size);
	sf = statefile_open_legacy(path, KIND, legacy, NULL, err, sizeof(err));
	if (sf == NULL) {
		/*
		 * Only somebody else's file, or another check's tls-probe file,
		 * is refused, and left alone.
		 */
		bool family = size >= strlen(STATEFILE_FAMILY) &&
		    memcmp(data, STATEFILE_FAMILY, strlen(STATEFILE_FAMILY)) == 0;

		if (size == 0 || (family && strstr(err, "is another check's") == NULL) ||
		    (!family && strstr(err, "is not a tls-probe state file") == NULL))
			abort();
		return 0;
	}
	if (size > 0 && data[0] == '#' && statefile_get(sf, "legacy") == NULL)
		abort();	/* the old format read */
	problem = statefile_problem(sf);
	if (problem != NULL && strstr(problem, "rewritten") == NULL)
		abort();
	if (statefile_set(sf, key, value) != 0)
		goto out;	/* full: 4096 records */
	if (statefile_commit(sf, err, sizeof(err)) != 0 || err[0] != '\0')
		abort();
	statefile_close(sf);
	sf = statefile_open(path, KIND, err, sizeof(err));
	if (sf == NULL || statefile_problem(sf) != NULL ||
	    statefile_get(sf, key) == NULL || strcmp(statefile_get(sf, key), value) != 0)
		abort();	/* what was written reads back the same */
out:
	statefile_close(sf);
	return 0;
}
