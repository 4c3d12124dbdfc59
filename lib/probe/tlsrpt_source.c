/*
 * tlsrpt_source.c - TLS-RPT reports from a directory of files, a Maildir or
 * an IMAP mailbox, one candidate at a time, read-only: no file is renamed,
 * moved or written (a Maildir's flags live in its file names), and IMAP
 * only EXAMINEs its mailbox and fetches with BODY.PEEK, so that no \Seen
 * flag is set. Every message is first judged by its headers alone
 * (tlsrpt_mail_may_be_report), so that a mailbox of 10,000 mails opens only
 * the few that can be reports; tlsrpt_mail.c does the MIME and the gzip.
 *
 * IMAP goes through libcurl (loaded with dlopen, as lib/probe/http_fetch.c does):
 * libcurl connects, verifies the server and runs TLS; its own IMAP commands
 * SELECT (read-write) and FETCH BODY[] (which sets \Seen), so the session
 * is spoken here over curl_easy_send/recv: LOGIN, EXAMINE, one UID FETCH of
 * the headers of every message, then BODY.PEEK[] of each candidate.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "curl_api.h"
#include "imap_fetch.h"
#include "tlsrpt_mail.h"
#include "tlsrpt_source.h"


#define PATH_BUF 4096
#define ORIGIN_MAX (PATH_BUF + 600)	/* a path with a file name, or a message's name and mailbox */
#define HEADER_PEEK (64 * 1024)	/* of a file: what the header test reads */
#define IMAP_LINE_MAX (64 * 1024)	/* one response line, literals apart */
#define SECRET_MAX 1024

/* A message may be this many times the report bound (base64, other parts). */
static size_t
message_max(size_t max_report)
{
	return max_report > SIZE_MAX / 4 - (1 << 20) ? SIZE_MAX / 2 : max_report * 4 + (1 << 20);
}

struct imap;

struct tlsrpt_source {
	enum tlsrpt_source_kind kind;
	char *location;		/* as given: the directory, or the URL without credentials */
	size_t max_report;
	struct timespec deadline;

	char **names;		/* files: DIR's names, or "cur/NAME" and "new/NAME" */
	char *head;		/* HEADER_PEEK bytes: the start of the message in hand */
	size_t n_names, cap_names, next_name;

	struct imap *imap;

	struct tlsrpt_mail mail;	/* the current message's reports */
	size_t next_payload;
	struct tlsrpt_payload file;	/* or the current report file's */
	bool file_pending;
	char origin[ORIGIN_MAX];

	size_t skipped, examined;
};

/* --- time ------------------------------------------------------------------ */

static long long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* --- names ------------------------------------------------------------------ */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), sl = strlen(suffix);

	return n >= sl && strcasecmp(s + n - sl, suffix) == 0;
}

static int
by_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* Maildir: by the file's own name (its time of delivery), not cur/ or new/. */
	if (strncmp(x, "cur/", 4) == 0 || strncmp(x, "new/", 4) == 0)
		x += 4;
	if (strncmp(y, "cur/", 4) == 0 || strncmp(y, "new/", 4) == 0)
		y += 4;
	return strcmp(x, y);
}

/* Appends the regular files of DIR/SUB (SUB may be NULL) to the source's names. */
static int
list_dir(struct tlsrpt_source *src, const char *dir, const char *sub, char *err, size_t errlen)
{
	char path[PATH_BUF];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	d = opendir(path);
	if (d == NULL) {
		snprintf(err, errlen, "cannot read the directory %s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char full[PATH_BUF + 260], *name, **grown;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;	/* ., .., and Maildir's and editors' hidden files */
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (asprintf(&name, "%s%s%s", sub ? sub : "", sub ? "/" : "", e->d_name) < 0)
			name = NULL;
		if (name != NULL && src->n_names == src->cap_names) {
			size_t cap = src->cap_names ? src->cap_names * 2 : 256;

			grown = realloc(src->names, cap * sizeof(*grown));
			if (grown == NULL) {
				free(name);
				name = NULL;
			} else {
				src->names = grown;
				src->cap_names = cap;
			}
		}
		if (name == NULL) {
			closedir(d);
			snprintf(err, errlen, "out of memory listing %s", path);
			return -1;
		}
		src->names[src->n_names++] = name;
	}
	closedir(d);
	return 0;
}

static int
open_files(struct tlsrpt_source *src, char *err, size_t errlen)
{
	struct stat st;

	if (stat(src->location, &st) < 0) {
		snprintf(err, errlen, "%s %s: %s", src->kind == TLSRPT_SOURCE_DIR ? "--dir" : "--maildir",
		    src->location, strerror(errno));
		return -2;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a directory",
		    src->kind == TLSRPT_SOURCE_DIR ? "--dir" : "--maildir", src->location);
		return -2;
	}
	if (src->kind == TLSRPT_SOURCE_DIR) {
		if (list_dir(src, src->location, NULL, err, errlen) < 0)
			return -1;
	} else {
		char cur[PATH_BUF + 8], new[PATH_BUF + 8];
		struct stat a, b;

		snprintf(cur, sizeof(cur), "%s/cur", src->location);
		snprintf(new, sizeof(new), "%s/new", src->location);
		if (stat(cur, &a) < 0 || !S_ISDIR(a.st_mode) || stat(new, &b) < 0 || !S_ISDIR(b.st_mode)) {
			snprintf(err, errlen, "--maildir %s has no cur/ and new/: it is not a Maildir",
			    src->location);
			return -2;
		}
		/* tmp/ holds deliveries in progress: never read. */
		if (list_dir(src, src->location, "new", err, errlen) < 0 ||
		    list_dir(src, src->location, "cur", err, errlen) < 0)
			return -1;
	}
	if (src->n_names > 1)
		qsort(src->names, src->n_names, sizeof(*src->names), by_name);
	return 0;
}

/* Opens a message or report read-only, without updating its access time where allowed. */
static int
open_quietly(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);

	if (fd < 0 && errno == EPERM)	/* O_NOATIME: not the file's owner */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

static void
too_big_sentence(char *buf, size_t size, unsigned long long bytes, size_t limit)
{
	snprintf(buf, size,
	    "the message is %llu bytes, more than the %zu MiB a report mail may have (four times the report limit): not read",
	    bytes, limit >> 20);
}

/* One mail message in a file: 1 with reports in src->mail, 0 skipped, 2 cannot be opened or read (errno), -1 failed. */
static int
load_message_file(struct tlsrpt_source *src, const char *path, char *err, size_t errlen)
{
	char *head = src->head;
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open_quietly(path);
	if (fd < 0)
		return 2;
	n = pread(fd, head, HEADER_PEEK, 0);
	if (n < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return 2;
	}
	if (!tlsrpt_mail_may_be_report(head, (size_t)n)) {
		close(fd);
		return 0;
	}
	if ((size_t)st.st_size > message_max(src->max_report)) {
		char why[300];

		close(fd);
		memset(&src->mail, 0, sizeof(src->mail));
		too_big_sentence(why, sizeof(why), (unsigned long long)st.st_size,
		    message_max(src->max_report));
		src->mail.payloads = calloc(1, sizeof(*src->mail.payloads));
		if (src->mail.payloads == NULL || (src->mail.payloads[0].unreadable = strdup(why)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		src->mail.n = 1;
		if (tlsrpt_mail_names(head, (size_t)n, &src->mail) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 1;
	}
	rc = tlsrpt_mail_from_fd(fd, src->max_report, &src->mail, err, errlen);
	close(fd);
	if (rc < 0)
		return -1;
	if (src->mail.n == 0) {
		tlsrpt_mail_clear(&src->mail);	/* a DMARC report has names too */
		return 0;
	}
	return 1;
}

/* Names a message: "message <ID> in MAILBOX", or by its file or UID when it has no ID. */
static void
name_message(struct tlsrpt_source *src, const char *fallback)
{
	if (src->mail.message_id != NULL)
		snprintf(src->origin, sizeof(src->origin), "message <%s> in %s", src->mail.message_id,
		    src->location);
	else
		snprintf(src->origin, sizeof(src->origin), "message %s in %s", fallback, src->location);
}

/*
 * A file that could not be opened or read (errno E): gone since the listing
 * (skipped, unless the whole directory went: -1), or one unreadable
 * candidate that says why (1), never fatal to the other files.
 */
static int
file_failed(struct tlsrpt_source *src, const char *path, const char *name, int e,
    char *err, size_t errlen)
{
	struct stat st;
	char why[300];

	if (e == ENOENT) {
		if (stat(src->location, &st) < 0) {
			snprintf(err, errlen, "the directory %s vanished while it was read", src->location);
			return -1;
		}
		src->examined--;	/* moved or expunged since the listing */
		return 0;
	}
	tlsrpt_payload_clear(&src->file);
	snprintf(why, sizeof(why), "the file cannot be read: %s", strerror(e));
	if ((src->file.unreadable = strdup(why)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->file_pending = true;
	if (src->kind == TLSRPT_SOURCE_DIR)
		snprintf(src->origin, sizeof(src->origin), "%s", path);
	else
		snprintf(src->origin, sizeof(src->origin), "message %s in %s", name, src->location);
	return 1;
}

/* The next file: 1 with something to hand out, 0 at the end, -1 failed. */
static int
next_file(struct tlsrpt_source *src, char *err, size_t errlen)
{
	while (src->next_name < src->n_names) {
		const char *name = src->names[src->next_name++];
		char path[PATH_BUF + 300];
		int rc;

		if (ms_left(&src->deadline) <= 0) {
			snprintf(err, errlen, "the time ran out after %zu of %zu %s in %s", src->examined,
			    src->n_names, src->kind == TLSRPT_SOURCE_DIR ? "files" : "messages", src->location);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", src->location, name);
		src->examined++;
		if (src->kind == TLSRPT_SOURCE_DIR && (ends_with(name, ".json") || ends_with(name, ".json.gz"))) {
			int fd = open_quietly(path);

			if (fd < 0) {
				rc = file_failed(src, path, name, errno, err, errlen);
				if (rc == 0)
					continue;
				return rc;
			}
			rc = tlsrpt_mail_payload_fd(fd, src->max_report, &src->file, err, errlen);
			close(fd);
			if (rc < 0)
				return -1;
			src->file_pending = true;
			snprintf(src->origin, sizeof(src->origin), "%s", path);
			return 1;
		}
		if (src->kind == TLSRPT_SOURCE_DIR && !ends_with(name, ".eml")) {
			src->skipped++;	/* a DMARC .xml.gz, a README */
			continue;
		}
		rc = load_message_file(src, path, err, errlen);
		if (rc == 2) {
			rc = file_failed(src, path, name, errno, err, errlen);
			if (rc == 0)
				continue;
			return rc;
		}
		if (rc < 0)
			return -1;
		if (rc == 0) {
			src->skipped++;
			continue;
		}
		if (src->kind == TLSRPT_SOURCE_DIR)
			snprintf(src->origin, sizeof(src->origin), "%s", path);
		else
			name_message(src, name);
		return 1;
	}
	return 0;
}

/* --- IMAP -------------------------------------------------------------------- */


struct imap_msg {
	unsigned long uid;
	unsigned long long size;
	char *message_id, *sender;	/* of a message too large to fetch */
};

struct imap {
	CURL *h;
	curl_socket_t sock;
	char *buf;		/* received, from `start` to `len` not yet used */
	size_t start, len, cap;
	unsigned tag;
	char server[300];	/* scheme://host:port, for sentences */
	char mailbox[256];
	struct imap_msg *cands;	/* the messages whose headers may be a report's */
	size_t n_cands, cap_cands, next_cand;
	size_t exists;
	const struct timespec *deadline;
	size_t max_literal;
};

/* Reads more into the buffer, waiting until the deadline. 0, or -1 with ERR. */
static int
imap_fill(struct imap *im, char *err, size_t errlen)
{
	if (im->start > 0 && im->start == im->len)
		im->start = im->len = 0;
	if (im->len == im->cap) {
		size_t want = im->cap ? im->cap * 2 : 64 * 1024;
		char *p;

		if (im->start > 0) {	/* make room by dropping what was used */
			memmove(im->buf, im->buf + im->start, im->len - im->start);
			im->len -= im->start;
			im->start = 0;
		}
		if (im->len == im->cap) {
			size_t limit = im->max_literal + IMAP_LINE_MAX * 2;

			if (im->cap >= limit) {
				snprintf(err, errlen, "the IMAP server %s sent a response larger than %zu bytes",
				    im->server, limit);
				return -1;
			}
			if (want > limit)
				want = limit;	/* a message just under the bound still fits */
			p = realloc(im->buf, want);
			if (p == NULL) {
				snprintf(err, errlen, "out of memory reading from %s", im->server);
				return -1;
			}
			im->buf = p;
			im->cap = want;
		}
	}
	for (;;) {
		size_t got = 0;
		CURLcode rc = tp_curl.easy_recv(im->h, im->buf + im->len, im->cap - im->len, &got);
		long long left;
		struct pollfd pfd;

		if (rc == CURLE_OK) {
			if (got == 0) {
				snprintf(err, errlen, "the IMAP server %s closed the connection", im->server);
				return -1;
			}
			im->len += got;
			return 0;
		}
		if (rc != CURLE_AGAIN) {
			snprintf(err, errlen, "reading from the IMAP server %s failed: %s", im->server,
			    tp_curl.easy_strerror(rc));
			return -1;
		}
		left = ms_left(im->deadline);
		if (left <= 0) {
			snprintf(err, errlen, "the time ran out waiting for the IMAP server %s", im->server);
			return -1;
		}
		pfd.fd = im->sock;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR) {
			snprintf(err, errlen, "waiting for %s: %s", im->server, strerror(errno));
			return -1;
		}
	}
}

static int
imap_send(struct imap *im, const char *text, size_t n, char *err, size_t errlen)
{
	while (n > 0) {
		size_t sent = 0;
		CURLcode rc = tp_curl.easy_send(im->h, text, n, &sent);

		if (rc == CURLE_AGAIN) {
			struct pollfd pfd = { .fd = im->sock, .events = POLLOUT };
			long long left = ms_left(im->deadline);

			if (left <= 0) {
				snprintf(err, errlen, "the time ran out sending to the IMAP server %s", im->server);
				return -1;
			}
			poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(err, errlen, "sending to the IMAP server %s failed: %s", im->server,
			    tp_curl.easy_strerror(rc));
			return -1;
		}
		text += sent;
		n -= sent;
	}
	return 0;
}

/*
 * One response: a line, with any literals ({N} then N bytes) inside it, in
 * *RESP (within the buffer, valid until the next call) and *LEN.
 */
static int
imap_response(struct imap *im, const char **resp, size_t *len, char *err, size_t errlen)
{
	size_t scan = im->start;

	for (;;) {
		char *lf = scan < im->len ? memchr(im->buf + scan, '\n', im->len - scan) : NULL;

		if (lf == NULL) {
			size_t off = scan - im->start;

			if (im->len - scan > IMAP_LINE_MAX) {
				snprintf(err, errlen, "the IMAP server %s sent a line longer than %d bytes",
				    im->server, IMAP_LINE_MAX);
				return -1;
			}
			if (imap_fill(im, err, errlen) < 0)
				return -1;
			scan = im->start + off;	/* the buffer may have moved */
			continue;
		}
		size_t eol = (size_t)(lf - im->buf);
		size_t body = eol - (eol > im->start && im->buf[eol - 1] == '\r' ? 1 : 0);
		/* A literal: the line ends "{N}" and N bytes follow. */
		if (body > im->start && im->buf[body - 1] == '}') {
			size_t i = body - 1, n = 0, digits = 0;

			while (i > im->start && isdigit((unsigned char)im->buf[i - 1]) && digits < 12) {
				i--;
				digits++;
			}
			if (digits > 0 && i > im->start && im->buf[i - 1] == '{') {
				for (size_t k = i; k < body - 1; k++)
					n = n * 10 + (size_t)(im->buf[k] - '0');
				if (n > im->max_literal) {
					snprintf(err, errlen, "the IMAP server %s sent a literal of %zu bytes, more than the %zu expected",
					    im->server, n, im->max_literal);
					return -1;
				}
				while (im->len - (eol + 1) < n) {
					size_t off = eol - im->start;

					if (imap_fill(im, err, errlen) < 0)
						return -1;
					eol = im->start + off;
				}
				scan = eol + 1 + n;
				continue;
			}
		}
		*resp = im->buf + im->start;
		*len = body - im->start;
		im->start = eol + 1;
		return 0;
	}
}

/* Sends "TAG COMMAND" and reads to its tagged answer, handing untagged lines to EACH. */
static int
imap_command(struct imap *im, const char *command, const char *what,
    int (*each)(struct imap *, void *, const char *, size_t, char *, size_t), void *arg,
    char *err, size_t errlen)
{
	char tag[16], line[IMAP_LINE_MAX];
	const char *resp;
	size_t len, tl;
	int n;

	snprintf(tag, sizeof(tag), "t%u", ++im->tag);
	tl = strlen(tag);
	n = snprintf(line, sizeof(line), "%s %s\r\n", tag, command);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(err, errlen, "an IMAP command is too long");
		return -1;
	}
	if (imap_send(im, line, (size_t)n, err, errlen) < 0)
		return -1;
	for (;;) {
		if (imap_response(im, &resp, &len, err, errlen) < 0)
			return -1;
		if (len > tl && memcmp(resp, tag, tl) == 0 && resp[tl] == ' ') {
			const char *status = resp + tl + 1;
			size_t sl = len - tl - 1;

			if (sl >= 2 && strncasecmp(status, "OK", 2) == 0)
				return 0;
			snprintf(err, errlen, "the IMAP server %s refused %s: %.*s", im->server, what,
			    (int)(sl > 200 ? 200 : sl), status);
			for (char *p = err; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
					*p = '?';
			return -2;
		}
		if (len >= 6 && strncasecmp(resp, "* BYE ", 6) == 0) {
			snprintf(err, errlen, "the IMAP server %s hung up: %.*s", im->server,
			    (int)(len > 200 ? 200 : len), resp);
			return -1;
		}
		if (each != NULL && len >= 2 && resp[0] == '*' &&
		    each(im, arg, resp, len, err, errlen) < 0)
			return -1;
	}
}

/* An IMAP quoted string of S, or -1 when S cannot be one (CR, LF, NUL, too long). */
static int
quoted(char *out, size_t size, const char *s)
{
	size_t o = 0;

	if (size < 3)
		return -1;
	out[o++] = '"';
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n' || o + 4 > size)
			return -1;
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

/*
 * The decimal number at P, read no further than END: the response is not
 * terminated, and strtoul() would skip white space past it. 0 when P does
 * not start with a digit; saturates rather than wrapping.
 */
static unsigned long long
number_at(const char *p, const char *end)
{
	unsigned long long n = 0;

	for (; p != NULL && p < end && *p >= '0' && *p <= '9'; p++)
		n = n > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : n * 10 + (unsigned)(*p - '0');
	return n;
}

static int
on_examine(struct imap *im, void *arg, const char *resp, size_t len, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	/* "* 12 EXISTS" */
	if (len > 9 && strncasecmp(resp + len - 7, " EXISTS", 7) == 0)
		im->exists = number_at(resp + 2, resp + len);
	return 0;
}

struct header_scan {
	struct tlsrpt_source *src;
};

static int
on_headers(struct imap *im, void *arg, const char *resp, size_t len, char *err, size_t errlen)
{
	struct header_scan *hs = arg;
	struct imap_fetch f;
	int rc = imap_fetch_parse(resp, len, &f);

	if (rc == 0 || (rc == 1 && !f.has_uid))
		return 0;	/* another untagged response (EXISTS, FLAGS of a change) */
	hs->src->examined++;
	if (rc < 0 || f.header == NULL || !tlsrpt_mail_may_be_report(f.header, f.header_len)) {
		hs->src->skipped++;
		return 0;
	}
	if (im->n_cands == im->cap_cands) {
		size_t cap = im->cap_cands ? im->cap_cands * 2 : 64;
		struct imap_msg *grown = realloc(im->cands, cap * sizeof(*grown));

		if (grown == NULL) {
			snprintf(err, errlen, "out of memory listing the IMAP mailbox");
			return -1;
		}
		im->cands = grown;
		im->cap_cands = cap;
	}
	struct imap_msg *m = &im->cands[im->n_cands++];

	memset(m, 0, sizeof(*m));
	m->uid = f.uid > ULONG_MAX ? ULONG_MAX : (unsigned long)f.uid;
	m->size = f.has_size ? f.size : 0;
	if (m->size > im->max_literal) {	/* not fetched: named from its headers */
		struct tlsrpt_mail names = { 0 };

		if (tlsrpt_mail_names(f.header, f.header_len, &names) < 0) {
			snprintf(err, errlen, "out of memory listing the IMAP mailbox");
			return -1;
		}
		m->message_id = names.message_id;
		m->sender = names.sender;
	}
	return 0;
}

static void
imap_free(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->h != NULL)
		tp_curl.easy_cleanup(im->h);
	free(im->buf);
	for (size_t i = 0; i < im->n_cands; i++) {
		free(im->cands[i].message_id);
		free(im->cands[i].sender);
	}
	free(im->cands);
	free(im);
}

/* Reads the password file: its first line. -2 with a sentence naming the option. */
static int
read_secret(const char *path, char *out, size_t size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t len;

	if (fd < 0) {
		snprintf(err, errlen, "--imap-password-file %s: %s", path, strerror(errno));
		return -2;
	}
	n = read(fd, out, size - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "--imap-password-file %s: %s", path, strerror(errno));
		return -2;
	}
	out[n] = '\0';
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	if (len == 0 || memchr(out, '\0', (size_t)n) != out + len) {
		snprintf(err, errlen, "--imap-password-file %s holds no password on its first line", path);
		return -2;
	}
	return 0;
}

/* Splits the URL: scheme, host, port, mailbox; refuses what is not an IMAP mailbox. */
static int
imap_url(struct tlsrpt_source *src, const struct tlsrpt_source_opts *opts, struct imap *im,
    char *user, size_t usize, char *err, size_t errlen)
{
	CURLU *u = tp_curl.url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *password = NULL, *uname = NULL;
	int rc = -2;

	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tp_curl.url_set(u, CURLUPART_URL, opts->location, 0) != CURLUE_OK ||
	    tp_curl.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    tp_curl.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "--imap %s is not a URL (imaps://HOST[:PORT]/MAILBOX)", opts->location);
		goto out;
	}
	if (strcasecmp(scheme, "imap") == 0 && !opts->imap_insecure) {
		snprintf(err, errlen,
		    "--imap %s is not encrypted: use imaps://, or --imap-insecure to send the password in the clear",
		    opts->location);
		goto out;
	}
	if (strcasecmp(scheme, "imap") != 0 && strcasecmp(scheme, "imaps") != 0) {
		snprintf(err, errlen, "--imap %s: the scheme must be imaps:// (or imap:// with --imap-insecure)",
		    opts->location);
		goto out;
	}
	if (tp_curl.url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
		snprintf(err, errlen, "--imap: the URL holds a password; give it in --imap-password-file instead");
		goto out;
	}
	tp_curl.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	tp_curl.url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
	if (tp_curl.url_get(u, CURLUPART_USER, &uname, CURLU_URLDECODE) == CURLUE_OK && user[0] == '\0')
		snprintf(user, usize, "%s", uname);
	{
		const char *mb = path != NULL && path[0] == '/' ? path + 1 : (path ? path : "");
		size_t n = strcspn(mb, ";");

		if (n == 0)
			mb = "INBOX", n = 5;
		if (n >= sizeof(im->mailbox)) {
			snprintf(err, errlen, "--imap %s: the mailbox name is too long", opts->location);
			goto out;
		}
		memcpy(im->mailbox, mb, n);
		im->mailbox[n] = '\0';
	}
	snprintf(im->server, sizeof(im->server), "%s://%s:%s", scheme, host, port ? port : "?");
	free(src->location);
	if (asprintf(&src->location, "%s/%s", im->server, im->mailbox) < 0) {
		src->location = NULL;
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	tp_curl.free(scheme);
	tp_curl.free(host);
	tp_curl.free(port);
	tp_curl.free(path);
	tp_curl.free(password);
	tp_curl.free(uname);
	tp_curl.url_cleanup(u);
	return rc;
}

static int
open_imap(struct tlsrpt_source *src, const struct tlsrpt_source_opts *opts, char *err, size_t errlen)
{
	char user[SECRET_MAX] = "", password[SECRET_MAX] = "", q_user[2 * SECRET_MAX + 3],
	    q_pass[2 * SECRET_MAX + 3], q_box[2 * 256 + 3], command[5 * SECRET_MAX];
	struct header_scan hs = { .src = src };
	struct imap *im;
	long long left;
	CURLcode cc;
	int rc;

	if (curl_api_load(err, errlen) < 0)
		return -1;
	im = calloc(1, sizeof(*im));
	if (im == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->imap = im;
	im->deadline = &src->deadline;
	im->max_literal = message_max(src->max_report);
	if (opts->imap_user != NULL)
		snprintf(user, sizeof(user), "%s", opts->imap_user);
	if ((rc = imap_url(src, opts, im, user, sizeof(user), err, errlen)) < 0)
		goto fail;
	if (opts->imap_password_file != NULL &&
	    (rc = read_secret(opts->imap_password_file, password, sizeof(password), err, errlen)) < 0)
		goto fail;
	rc = -2;
	if (user[0] == '\0' || password[0] == '\0') {
		snprintf(err, errlen, "--imap %s needs --imap-user and --imap-password-file", opts->location);
		goto fail;
	}
	if (quoted(q_user, sizeof(q_user), user) < 0 || quoted(q_pass, sizeof(q_pass), password) < 0) {
		snprintf(err, errlen, "the IMAP user name or password holds a line break");
		goto fail;
	}
	rc = -1;
	left = ms_left(&src->deadline);
	if (left <= 0) {
		snprintf(err, errlen, "no time was left to connect to %s", im->server);
		goto fail;
	}
	im->h = tp_curl.easy_init();
	if (im->h == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* libcurl connects (TCP, TLS, the server's certificate and name verified) and stops. */
	tp_curl.easy_setopt(im->h, CURLOPT_URL, im->server);
	tp_curl.easy_setopt(im->h, CURLOPT_CONNECT_ONLY, 1L);
	tp_curl.easy_setopt(im->h, CURLOPT_PROTOCOLS_STR, opts->imap_insecure ? "imap,imaps" : "imaps");
	tp_curl.easy_setopt(im->h, CURLOPT_NOSIGNAL, 1L);
	tp_curl.easy_setopt(im->h, CURLOPT_NOPROXY, "*");
	tp_curl.easy_setopt(im->h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
	tp_curl.easy_setopt(im->h, CURLOPT_TIMEOUT_MS, (long)left);
	tp_curl.easy_setopt(im->h, CURLOPT_SSL_VERIFYPEER, 1L);
	tp_curl.easy_setopt(im->h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->trust_file != NULL)
		tp_curl.easy_setopt(im->h, CURLOPT_CAINFO, opts->trust_file);
	cc = tp_curl.easy_perform(im->h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "cannot connect to the IMAP server %s: %s", im->server, tp_curl.easy_strerror(cc));
		goto fail;
	}
	curl_socket_t sock = CURL_SOCKET_BAD;

	if (tp_curl.easy_getinfo(im->h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD) {
		snprintf(err, errlen, "libcurl gave no connection to %s", im->server);
		goto fail;
	}
	im->sock = sock;

	/* libcurl read the greeting and the capabilities; the session is ours from here. */
	snprintf(command, sizeof(command), "LOGIN %s %s", q_user, q_pass);
	memset(password, 0, sizeof(password));
	rc = imap_command(im, command, "the login", NULL, NULL, err, errlen);
	memset(command, 0, sizeof(command));
	memset(q_pass, 0, sizeof(q_pass));
	if (rc == -2) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (user %s): check --imap-user and --imap-password-file", user);
		rc = -1;
	}
	if (rc < 0)
		goto fail;
	/* EXAMINE: read-only, so that nothing done here changes a flag. */
	if (quoted(q_box, sizeof(q_box), im->mailbox) < 0) {
		snprintf(err, errlen, "the IMAP mailbox name holds a line break");
		rc = -2;
		goto fail;
	}
	snprintf(command, sizeof(command), "EXAMINE %s", q_box);
	if ((rc = imap_command(im, command, "to open the mailbox", on_examine, NULL, err, errlen)) < 0) {
		rc = -1;
		goto fail;
	}
	if (im->exists > 0) {
		rc = imap_command(im,
		    "UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM MESSAGE-ID SUBJECT "
		    "CONTENT-TYPE TLS-REPORT-DOMAIN TLS-REPORT-SUBMITTER)])",
		    "to list the mailbox's headers", on_headers, &hs, err, errlen);
		if (rc < 0) {
			rc = -1;
			goto fail;
		}
	}
	return 0;
fail:
	memset(password, 0, sizeof(password));
	memset(q_pass, 0, sizeof(q_pass));
	memset(command, 0, sizeof(command));
	imap_free(im);
	src->imap = NULL;
	return rc;
}

struct body_fetch {
	struct tlsrpt_source *src;
	bool found;
};

static int
on_body(struct imap *im, void *arg, const char *resp, size_t len, char *err, size_t errlen)
{
	struct body_fetch *bf = arg;
	struct imap_fetch f;

	(void)im;
	if (bf->found || imap_fetch_parse(resp, len, &f) != 1 || f.body == NULL)
		return 0;
	/* Parsed now: the buffer is reused by the next response. */
	bf->found = true;
	if (tlsrpt_mail_from_message((const unsigned char *)f.body, f.body_len, bf->src->max_report,
	    &bf->src->mail, err, errlen) < 0)
		return -1;
	return 0;
}

static int
next_imap(struct tlsrpt_source *src, char *err, size_t errlen)
{
	struct imap *im = src->imap;

	while (im->next_cand < im->n_cands) {
		struct imap_msg *m = &im->cands[im->next_cand++];
		struct body_fetch bf = { .src = src };
		char command[128], fallback[64];

		snprintf(fallback, sizeof(fallback), "UID %lu", m->uid);
		if (ms_left(&src->deadline) <= 0) {
			snprintf(err, errlen, "the time ran out after %zu of %zu candidate messages in %s",
			    im->next_cand - 1, im->n_cands, src->location);
			return -1;
		}
		if (m->size > message_max(src->max_report)) {
			char why[300];

			too_big_sentence(why, sizeof(why), m->size, message_max(src->max_report));
			memset(&src->mail, 0, sizeof(src->mail));
			src->mail.payloads = calloc(1, sizeof(*src->mail.payloads));
			if (src->mail.payloads == NULL || (src->mail.payloads[0].unreadable = strdup(why)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			src->mail.n = 1;
			src->mail.message_id = m->message_id;
			src->mail.sender = m->sender;
			m->message_id = m->sender = NULL;
			name_message(src, fallback);
			return 1;
		}
		snprintf(command, sizeof(command), "UID FETCH %lu (BODY.PEEK[])", m->uid);
		if (imap_command(im, command, "to fetch a message", on_body, &bf, err, errlen) < 0)
			return -1;
		if (!bf.found || src->mail.n == 0) {
			tlsrpt_mail_clear(&src->mail);
			src->skipped++;
			continue;
		}
		name_message(src, fallback);
		return 1;
	}
	return 0;
}

/* --- the interface ------------------------------------------------------------- */

int
tlsrpt_source_open(const struct tlsrpt_source_opts *opts, struct tlsrpt_source **out, char *err, size_t errlen)
{
	struct tlsrpt_source *src;
	int rc;

	*out = NULL;
	if (opts->location == NULL || opts->location[0] == '\0') {
		snprintf(err, errlen, "no source of reports was given");
		return -2;
	}
	src = calloc(1, sizeof(*src));
	if (src == NULL || (src->location = strdup(opts->location)) == NULL) {
		free(src);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->kind = opts->kind;
	if (strlen(opts->location) > PATH_BUF - 300) {
		snprintf(err, errlen, "%s: the location is longer than %d characters",
		    opts->kind == TLSRPT_SOURCE_DIR ? "--dir" : opts->kind == TLSRPT_SOURCE_MAILDIR ? "--maildir" : "--imap",
		    PATH_BUF - 300);
		tlsrpt_source_close(src);
		return -2;
	}
	src->max_report = opts->max_report_bytes ? opts->max_report_bytes : 16u * 1024 * 1024;
	src->deadline = opts->deadline;
	if (src->kind == TLSRPT_SOURCE_IMAP)
		rc = open_imap(src, opts, err, errlen);
	else if ((src->head = malloc(HEADER_PEEK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		size_t n = strlen(src->location);

		while (n > 1 && src->location[n - 1] == '/')
			src->location[--n] = '\0';	/* "Maildir/" names messages as "Maildir" does */
		rc = open_files(src, err, errlen);
	}
	if (rc < 0) {
		tlsrpt_source_close(src);
		return rc;
	}
	*out = src;
	return 0;
}

int
tlsrpt_source_next(struct tlsrpt_source *src, struct tlsrpt_candidate *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if (src->file_pending) {
			src->file_pending = false;
			out->origin = src->origin;
			out->json = src->file.json;
			out->json_len = src->file.json_len;
			out->unreadable = src->file.unreadable;
			return 1;
		}
		if (src->next_payload < src->mail.n) {
			struct tlsrpt_payload *p = &src->mail.payloads[src->next_payload++];

			out->origin = src->origin;
			out->sender = src->mail.sender;
			out->json = p->json;
			out->json_len = p->json_len;
			out->unreadable = p->unreadable;
			return 1;
		}
		tlsrpt_payload_clear(&src->file);
		tlsrpt_mail_clear(&src->mail);
		src->next_payload = 0;
		rc = src->kind == TLSRPT_SOURCE_IMAP ? next_imap(src, err, errlen) : next_file(src, err, errlen);
		if (rc <= 0)
			return rc;
	}
}

size_t
tlsrpt_source_skipped(const struct tlsrpt_source *src)
{
	return src->skipped;
}

size_t
tlsrpt_source_examined(const struct tlsrpt_source *src)
{
	return src->examined;
}

void
tlsrpt_source_close(struct tlsrpt_source *src)
{
	if (src == NULL)
		return;
	if (src->imap != NULL) {
		char err[256];
		struct timespec soon;

		/* A polite LOGOUT within what is left of the time, a second at most; none after it. */
		clock_gettime(CLOCK_MONOTONIC, &soon);
		soon.tv_sec += 1;
		if (ms_left(&src->deadline) > 1000)
			src->deadline = soon;
		if (ms_left(&src->deadline) > 0)
			imap_command(src->imap, "LOGOUT", "to log out", NULL, NULL, err, sizeof(err));
		imap_free(src->imap);
	}
	for (size_t i = 0; i < src->n_names; i++)
		free(src->names[i]);
	free(src->names);
	free(src->head);
	tlsrpt_payload_clear(&src->file);
	tlsrpt_mail_clear(&src->mail);
	free(src->location);
	free(src);
}
