/*
 * statefile.c - the keyed state file of statefile.h: flock on the file
 * itself (re-opened when another run replaced it meanwhile), a bounded
 * read, percent-escaped "KEY<TAB>VALUE" lines, and an atomic rewrite.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "statefile.h"

/* Each retry means another run replaced the file: bounded by how many share it. */
#define OPEN_TRIES	10000

struct record {
	char *key;
	char *value;
};

struct statefile {
	char *path;
	char *kind;
	int fd;			/* the locked file */
	struct record *records;
	size_t count;
	size_t cap;
	bool changed;
	statefile_legacy_fn *legacy;	/* reads a file of the caller's old format */
	void *legacy_arg;
	char problem[4400];	/* the path (up to 4 KiB) and why */
};

/* --- escaping -------------------------------------------------------------- */

static bool
needs_escape(unsigned char ch)
{
	return ch <= ' ' || ch == '%' || ch == 0x7f;
}

/* S escaped into a fresh string. */
static char *
escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	char *out, *p;

	for (const char *q = s; *q != '\0'; q++)
		n += needs_escape((unsigned char)*q) ? 3 : 1;
	out = p = malloc(n + 1);
	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (needs_escape(ch)) {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		} else
			*p++ = (char)ch;
	}
	*p = '\0';
	return out;
}

static int
hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* The LEN bytes at S unescaped into a fresh string; NULL if malformed. */
static char *
unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (needs_escape((unsigned char)s[i]) && s[i] != '%')
			goto bad;
		if (s[i] != '%') {
			*p++ = s[i];
			continue;
		}
		if (i + 2 >= len || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0 ||
		    (hex_value(s[i + 1]) == 0 && hex_value(s[i + 2]) == 0))
			goto bad;
		*p++ = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
		i += 2;
	}
	*p = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* --- records --------------------------------------------------------------- */

static struct record *
find(const struct statefile *sf, const char *key)
{
	for (size_t i = 0; i < sf->count; i++)
		if (strcmp(sf->records[i].key, key) == 0)
			return &sf->records[i];
	return NULL;
}

/* Adds KEY (owned) with VALUE (owned); frees both on failure. */
static int
add(struct statefile *sf, char *key, char *value)
{
	if (sf->count == sf->cap) {
		size_t ncap = sf->cap ? sf->cap * 2 : 16;
		struct record *n;

		if (sf->count >= STATEFILE_MAX_RECORDS ||
		    (n = realloc(sf->records, ncap * sizeof(*n))) == NULL) {
			free(key);
			free(value);
			return -1;
		}
		sf->records = n;
		sf->cap = ncap;
	}
	sf->records[sf->count].key = key;
	sf->records[sf->count].value = value;
	sf->count++;
	return 0;
}

static void
drop_records(struct statefile *sf)
{
	for (size_t i = 0; i < sf->count; i++) {
		free(sf->records[i].key);
		free(sf->records[i].value);
	}
	sf->count = 0;
}

/* --- reading --------------------------------------------------------------- */

static void
damaged(struct statefile *sf, const char *why)
{
	drop_records(sf);
	sf->changed = true;	/* rewritten whole on commit */
	snprintf(sf->problem, sizeof(sf->problem), "the state file %s %s: read as "
	    "empty, rewritten", sf->path, why);
}

/* Parses BUF (LEN bytes, NUL-terminated) into records. */
static void
parse(struct statefile *sf, const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl, *tab;
	size_t kind_len = strlen(sf->kind);
	unsigned lineno = 1;

	if (len == 0)
		return;		/* new */
	if (strncmp(buf, sf->kind, kind_len) != 0 || buf[kind_len] != '\n') {
		damaged(sf, "is of another version (its first line)");
		return;
	}
	for (line = buf + kind_len + 1; line < end; line = nl + 1) {
		char *key, *value;

		lineno++;
		nl = memchr(line, '\n', (size_t)(end - line));
		tab = nl ? memchr(line, '\t', (size_t)(nl - line)) : NULL;
		if (nl == NULL || tab == NULL ||
		    (key = unescape(line, (size_t)(tab - line))) == NULL) {
			char why[80];

			snprintf(why, sizeof(why), "is damaged at line %u", lineno);
			damaged(sf, why);
			return;
		}
		value = unescape(tab + 1, (size_t)(nl - tab - 1));
		if (value == NULL || *key == '\0' || strlen(value) > STATEFILE_VALUE_MAX ||
		    find(sf, key) != NULL) {
			char why[80];

			free(key);
			free(value);
			snprintf(why, sizeof(why), "is damaged at line %u", lineno);
			damaged(sf, why);
			return;
		}
		if (add(sf, key, value) < 0) {
			damaged(sf, "holds more records than this plugin keeps");
			return;
		}
	}
}

/* "tls-probe KIND VERSION": true when BUF's first line names a KIND other than KIND's. */
static bool
other_kind(const char *buf, size_t len, const char *kind)
{
	const char *nl = memchr(buf, '\n', len), *sp = strrchr(kind, ' ');
	size_t name_len = sp ? (size_t)(sp - kind) + 1 : strlen(kind);
	size_t line_len = nl ? (size_t)(nl - buf) : len;

	if (line_len > 200 || memchr(buf, '\0', line_len) != NULL)
		return false;	/* damaged rather than another plugin's */
	return line_len < name_len || strncmp(buf, kind, name_len) != 0;
}

static int
read_all(struct statefile *sf, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;

	if (fstat(sf->fd, &st) != 0) {
		snprintf(err, errlen, "cannot read the state file %s: %s", sf->path,
		    strerror(errno));
		return -1;
	}
	if (st.st_size > STATEFILE_MAX_BYTES) {
		damaged(sf, "is larger than 1 MiB");
		return 0;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory reading the state file %s", sf->path);
		return -1;
	}
	while (len < (size_t)st.st_size &&
	    (got = pread(sf->fd, buf + len, (size_t)st.st_size - len, (off_t)len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	/* The caller's own file from before this module: read once, rewritten on commit. */
	if (len > 0 && strncmp(buf, STATEFILE_FAMILY, strlen(STATEFILE_FAMILY)) != 0 &&
	    sf->legacy != NULL && memchr(buf, '\0', len) == NULL) {
		if (sf->legacy(sf, buf, len, sf->legacy_arg)) {
			sf->changed = true;
			free(buf);
			return 0;
		}
		drop_records(sf);	/* whatever it stored before giving up */
	}
	/* Somebody else's file named by mistake: never overwrite it. */
	if (len > 0 && strncmp(buf, STATEFILE_FAMILY, strlen(STATEFILE_FAMILY)) != 0) {
		snprintf(err, errlen, "the state file %s is not a tls-probe state file "
		    "(it does not begin with '%s'): it is left alone; give a file of "
		    "its own", sf->path, STATEFILE_FAMILY);
		free(buf);
		return -1;
	}
	/*
	 * Another plugin's tls-probe state file (its kind, not only its
	 * version, differs): rewriting it would wipe that plugin's records at
	 * every run, each plugin warning in turn. An older version of our own
	 * kind is read as damaged and rewritten.
	 */
	if (len > 0 && other_kind(buf, len, sf->kind)) {
		snprintf(err, errlen, "the state file %s is another check's ('%.*s'): it is "
		    "left alone; give each plugin a file of its own", sf->path,
		    (int)strcspn(buf, "\n"), buf);
		free(buf);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL)
		damaged(sf, "holds NUL bytes");
	else
		parse(sf, buf, len);
	free(buf);
	return 0;
}

/* --- open, commit, close ----------------------------------------------------- */

/* Opens and locks PATH, until the locked file is the one at PATH. */
static int
open_locked(const char *path, char *err, size_t errlen)
{
	for (int tries = 0; tries < OPEN_TRIES; tries++) {
		struct stat held, now;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

		if (fd < 0) {
			snprintf(err, errlen, "cannot open the state file %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
			snprintf(err, errlen, "the state file %s is not a regular file", path);
			close(fd);
			return -1;
		}
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
		if (stat(path, &now) == 0 && now.st_ino == held.st_ino &&
		    now.st_dev == held.st_dev)
			return fd;
		close(fd);	/* another run replaced it meanwhile: lock the new one */
	}
	snprintf(err, errlen, "the state file %s keeps being replaced", path);
	return -1;
}

struct statefile *
statefile_open(const char *path, const char *kind, char *err, size_t errlen)
{
	return statefile_open_legacy(path, kind, NULL, NULL, err, errlen);
}

struct statefile *
statefile_open_legacy(const char *path, const char *kind, statefile_legacy_fn *legacy,
    void *arg, char *err, size_t errlen)
{
	struct statefile *sf = calloc(1, sizeof(*sf));

	if (sf != NULL) {
		sf->fd = -1;
		sf->legacy = legacy;
		sf->legacy_arg = arg;
	}
	if (sf == NULL || (sf->path = strdup(path)) == NULL ||
	    (sf->kind = strdup(kind)) == NULL) {
		snprintf(err, errlen, "out of memory opening the state file %s", path);
		statefile_close(sf);
		return NULL;
	}
	sf->fd = open_locked(path, err, errlen);
	if (sf->fd < 0 || read_all(sf, err, errlen) < 0) {
		statefile_close(sf);
		return NULL;
	}
	return sf;
}

const char *
statefile_problem(const struct statefile *sf)
{
	return sf != NULL && sf->problem[0] ? sf->problem : NULL;
}

const char *
statefile_get(const struct statefile *sf, const char *key)
{
	const struct record *r = sf ? find(sf, key) : NULL;

	return r ? r->value : NULL;
}

int
statefile_set(struct statefile *sf, const char *key, const char *value)
{
	struct record *r = find(sf, key);
	char *copy;

	if (strlen(value) > STATEFILE_VALUE_MAX || *key == '\0')
		return -1;
	if (r != NULL && strcmp(r->value, value) == 0)
		return 0;
	if ((copy = strdup(value)) == NULL)
		return -1;
	sf->changed = true;
	if (r != NULL) {
		free(r->value);
		r->value = copy;
		return 0;
	}
	{
		char *key_copy = strdup(key);

		if (key_copy == NULL) {
			free(copy);
			return -1;
		}
		return add(sf, key_copy, copy);
	}
}

size_t
statefile_prune(struct statefile *sf, bool (*keep)(const char *key, const char *value,
    void *arg), void *arg)
{
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < sf->count; i++) {
		if (keep(sf->records[i].key, sf->records[i].value, arg)) {
			sf->records[kept++] = sf->records[i];
			continue;
		}
		free(sf->records[i].key);
		free(sf->records[i].value);
		dropped++;
	}
	sf->count = kept;
	if (dropped > 0)
		sf->changed = true;
	return dropped;
}

/* Every record as lines to F; false on a write error or out of memory. */
static bool
write_records(const struct statefile *sf, FILE *f)
{
	bool ok = fprintf(f, "%s\n", sf->kind) > 0;

	for (size_t i = 0; ok && i < sf->count; i++) {
		char *k = escape(sf->records[i].key), *v = escape(sf->records[i].value);

		ok = k != NULL && v != NULL && fprintf(f, "%s\t%s\n", k, v) > 0;
		free(k);
		free(v);
	}
	return ok;
}

int
statefile_commit(struct statefile *sf, char *err, size_t errlen)
{
	const char *slash = strrchr(sf->path, '/');
	size_t dirlen = slash ? (size_t)(slash - sf->path) : 0;
	char *tmp;
	FILE *f;
	int fd, dirfd;
	bool ok;

	if (!sf->changed)
		return 0;
	tmp = malloc(strlen(sf->path) + 16);
	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory writing the state file %s", sf->path);
		return -1;
	}
	/* Beside the file, so that rename() replaces it in one step. */
	sprintf(tmp, "%.*s%s.%s.XXXXXX", (int)dirlen, sf->path, slash ? "/" : "",
	    slash ? slash + 1 : sf->path);
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write the state file %s: %s", sf->path,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	ok = fchmod(fd, 0600) == 0 && write_records(sf, f) && fflush(f) == 0 &&
	    fsync(fd) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, sf->path) != 0) {
		snprintf(err, errlen, "cannot write the state file %s: %s", sf->path,
		    strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	/* The rename itself survives a crash once the directory is synced. */
	if (slash != NULL) {
		char *dir = dirlen > 0 ? strndup(sf->path, dirlen) : strdup("/");

		dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		free(dir);
	} else
		dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		(void)fsync(dirfd);
		close(dirfd);
	}
	sf->changed = false;
	return 0;
}

void
statefile_close(struct statefile *sf)
{
	if (sf == NULL)
		return;
	drop_records(sf);
	free(sf->records);
	if (sf->fd >= 0)
		close(sf->fd);	/* releases the lock */
	free(sf->path);
	free(sf->kind);
	free(sf);
}
