/*
 * tlsrpt_source.c - a stand-in for the report sources of tlsrpt_source.h:
 * only a directory of plain *.json files, each read whole up to
 * max_report_bytes, in name order. Other files are skipped and counted;
 * Maildir and IMAP say they are not built yet. The full version (Maildir,
 * IMAP, MIME and gzip) replaces this file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsrpt_source.h"

#define FILES_MAX 100000

struct tlsrpt_source {
	struct tlsrpt_source_opts opts;
	char **names;
	size_t count, next, skipped;
	char path[4096];
	unsigned char *buf;
	char why[300];
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && strcmp(s + n - t, tail) == 0;
}

int
tlsrpt_source_open(const struct tlsrpt_source_opts *opts, struct tlsrpt_source **out,
    char *err, size_t errlen)
{
	struct tlsrpt_source *src;
	struct dirent *e;
	DIR *dir;

	*out = NULL;
	if (opts->kind != TLSRPT_SOURCE_DIR) {
		snprintf(err, errlen, "%s: not built yet (this build reads --dir only)",
		    opts->kind == TLSRPT_SOURCE_MAILDIR ? "--maildir" : "--imap");
		return -2;
	}
	if ((dir = opendir(opts->location)) == NULL) {
		snprintf(err, errlen, "cannot read the directory '%s': %s", opts->location,
		    strerror(errno));
		return -1;
	}
	if ((src = calloc(1, sizeof(*src))) == NULL ||
	    (src->names = calloc(FILES_MAX, sizeof(*src->names))) == NULL) {
		free(src);
		closedir(dir);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->opts = *opts;
	while ((e = readdir(dir)) != NULL && src->count < FILES_MAX) {
		if (e->d_name[0] == '.')
			continue;
		if (!ends_with(e->d_name, ".json") || (src->names[src->count] = strdup(e->d_name)) == NULL)
			src->skipped++;
		else
			src->count++;
	}
	closedir(dir);
	qsort(src->names, src->count, sizeof(*src->names), by_name);
	*out = src;
	return 0;
}

/* The file's bytes into SRC->buf, or a sentence in SRC->why. */
static int
read_file(struct tlsrpt_source *src, size_t *len)
{
	int fd = open(src->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	size_t max = src->opts.max_report_bytes;
	struct stat st;
	ssize_t n = 0;

	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(src->why, sizeof(src->why), "it cannot be read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		snprintf(src->why, sizeof(src->why), !S_ISREG(st.st_mode) ? "it is not a regular "
		    "file" : "it is larger than %zu bytes", max);
		close(fd);
		return -1;
	}
	if (src->buf == NULL)	/* one buffer for every file: pages untouched cost nothing */
		src->buf = malloc(max + 1);
	while (src->buf != NULL && *len <= max &&
	    (n = read(fd, src->buf + *len, max + 1 - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	if (src->buf == NULL || n < 0 || *len > max) {
		snprintf(src->why, sizeof(src->why), src->buf == NULL ? "out of memory" :
		    n < 0 ? "it cannot be read" : "it is larger than %zu bytes", max);
		return -1;
	}
	return 0;
}

int
tlsrpt_source_next(struct tlsrpt_source *src, struct tlsrpt_candidate *out, char *err,
    size_t errlen)
{
	struct timespec now;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (src->next == src->count)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > src->opts.deadline.tv_sec || (now.tv_sec == src->opts.deadline.tv_sec &&
	    now.tv_nsec >= src->opts.deadline.tv_nsec)) {
		snprintf(err, errlen, "the time ran out after %zu of the %zu files", src->next,
		    src->count);
		return -1;
	}
	snprintf(src->path, sizeof(src->path), "%s/%s", src->opts.location, src->names[src->next++]);
	out->origin = src->path;
	if (read_file(src, &len) < 0)
		out->unreadable = src->why;
	else {
		out->json = src->buf;
		out->json_len = len;
	}
	return 1;
}

size_t
tlsrpt_source_skipped(const struct tlsrpt_source *src)
{
	return src->skipped;
}

size_t
tlsrpt_source_examined(const struct tlsrpt_source *src)
{
	return src->next + src->skipped;
}

void
tlsrpt_source_close(struct tlsrpt_source *src)
{
	if (src == NULL)
		return;
	for (size_t i = 0; i < src->count; i++)
		free(src->names[i]);
	free(src->names);
	free(src->buf);
	free(src);
}
