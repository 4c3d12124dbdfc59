/*
 * livedir.c - facts about a Let's Encrypt style live directory: for
 * cert.pem, chain.pem, fullchain.pem and privkey.pem, whether each is a
 * link, where it points, whether that exists, whether it stays inside the
 * archive directory, and which renewal ("version") it names, next to the
 * newest version the archive holds (incident 1: bind-mounted single files,
 * dangling links, a renewal whose links were never moved).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsprobe.h"

static const char *const live_names[TP_LIVE_FILES] = {
	[TP_LIVE_CERT] = "cert",
	[TP_LIVE_CHAIN] = "chain",
	[TP_LIVE_FULLCHAIN] = "fullchain",
	[TP_LIVE_PRIVKEY] = "privkey",
};

/* N from "certN.pem" (STEM "cert"), or -1. */
static int
version_of(const char *file, const char *stem)
{
	const char *base = strrchr(file, '/');
	size_t n = strlen(stem);
	char *end;
	long v;

	base = base ? base + 1 : file;
	if (strncmp(base, stem, n) != 0 || !isdigit((unsigned char)base[n]))
		return -1;
	v = strtol(base + n, &end, 10);
	return strcmp(end, ".pem") == 0 && v >= 0 && v < 1000000 ? (int)v : -1;
}

static void
read_one(const char *dir, const char *archive_real, const char *name, struct tp_live_file *f)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(f->name, sizeof(f->name), "%s.pem", name);
	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	f->version = -1;
	if (lstat(path, &st) != 0)
		return;
	f->present = true;
	f->is_link = S_ISLNK(st.st_mode);
	if (!f->is_link)
		return;
	n = readlink(path, f->target, sizeof(f->target) - 1);
	f->target[n > 0 ? n : 0] = '\0';
	f->version = version_of(f->target, name);
	if (realpath(path, real) == NULL) {
		f->dangling = true;
		return;
	}
	size_t len = strlen(archive_real);
	f->in_archive = archive_real[0] != '\0' && strncmp(real, archive_real, len) == 0 &&
	    real[len] == '/';
}

static int
newest_version(const char *archive)
{
	DIR *d = opendir(archive);
	struct dirent *e;
	int newest = -1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int v = version_of(e->d_name, "cert");
		if (v > newest)
			newest = v;
	}
	closedir(d);
	return newest;
}

int
tp_live_dir_read(const char *dir, struct tp_live_dir *out, char *err, size_t errlen)
{
	char trimmed[PATH_MAX], archive[PATH_MAX], archive_real[PATH_MAX] = "";
	struct stat st;
	const char *base;

	memset(out, 0, sizeof(*out));
	errno = 0;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a directory%s%s", dir,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	snprintf(trimmed, sizeof(trimmed), "%s", dir);
	for (size_t n = strlen(trimmed); n > 1 && trimmed[n - 1] == '/'; n--)
		trimmed[n - 1] = '\0';
	base = strrchr(trimmed, '/');
	base = base ? base + 1 : trimmed;
	snprintf(out->name, sizeof(out->name), "%s", base);
	snprintf(out->path, sizeof(out->path), "%s", trimmed);
	snprintf(archive, sizeof(archive), "%s/../../archive/%s", trimmed, base);
	if (realpath(archive, archive_real) == NULL)
		archive_real[0] = '\0';
	snprintf(out->archive, sizeof(out->archive), "%s", archive_real[0] ? archive_real : archive);
	out->archive_exists = archive_real[0] != '\0';
	for (int i = 0; i < TP_LIVE_FILES; i++)
		read_one(trimmed, archive_real, live_names[i], &out->files[i]);
	out->newest_version = newest_version(archive);
	return 0;
}
