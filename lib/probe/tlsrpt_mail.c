/*
 * tlsrpt_mail.c - one message or file in, its TLS-RPT reports out. GMime
 * walks the MIME tree (never a hand-written parser); each report part is
 * decoded and inflated as a stream, so that neither a 50 MB attachment nor
 * a gzip bomb is ever held or inflated past the caller's bound; a message
 * that may be hostile (hundreds of boundaries) is refused before GMime
 * builds an object per part.
 *
 * tlsrpt_mail_may_be_report() - the cheap look at the headers alone.
 * tlsrpt_mail_from_message(), _from_fd() - a whole message.
 * tlsrpt_mail_payload(), _payload_fd() - a .json or .json.gz file.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <zlib.h>

#include "tlsrpt_mail.h"

#define CHUNK (64 * 1024)
#define HEADER_SCAN_MAX (64 * 1024)	/* headers looked at by the cheap test */
#define MAX_BOUNDARY_LINES (2 * TLSRPT_MAIL_MAX_PARTS)
#define MAX_HEADER_LINES 5000		/* a report mail has a few dozen */
#define NAME_MAX_LEN 200		/* a Message-ID or address, as printed */
#define WHY_MAX 300

/* --- sizes in sentences ---------------------------------------------------- */

static void
size_text(char *buf, size_t size, size_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, size, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, size, "%zu KiB", n / 1024);
	else
		snprintf(buf, size, "%zu bytes", n);
}

/* --- the decoder: raw JSON or gzip in, at most MAX bytes of JSON out ------- */

struct sink {
	size_t max;
	bool decided, gzip, zinit, ended;
	z_stream z;
	unsigned char *out;
	size_t len, cap;
	size_t fed;
	bool nomem;
	char why[WHY_MAX];	/* non-empty: stop, this is the sentence */
};

static void
sink_init(struct sink *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

/* Room for at least one more byte, never more than MAX + 1 in all. */
static int
sink_grow(struct sink *s)
{
	size_t want = s->cap ? s->cap * 2 : CHUNK;
	unsigned char *p;

	if (want > s->max + 1)
		want = s->max + 1;
	if (want <= s->cap)
		return 0;
	p = realloc(s->out, want + 1);	/* + 1: the terminating NUL */
	if (p == NULL) {
		s->nomem = true;
		snprintf(s->why, sizeof(s->why), "out of memory reading the report");
		return -1;
	}
	s->out = p;
	s->cap = want;
	return 0;
}

static void
sink_too_large(struct sink *s)
{
	char lim[32];

	size_text(lim, sizeof(lim), s->max);
	if (s->gzip)
		snprintf(s->why, sizeof(s->why),
		    "the report inflates to more than %s (a gzip bomb?): refused after %zu bytes of gzip, not inflated further",
		    lim, s->fed - s->z.avail_in);
	else
		snprintf(s->why, sizeof(s->why), "the report is larger than %s, the limit of one report", lim);
}

/* 0: go on; 1: the report ended (a gzip stream's end); -1: stop, s->why says why. */
static int
sink_feed(struct sink *s, const unsigned char *p, size_t n)
{
	if (s->why[0] != '\0')
		return -1;
	if (s->ended || n == 0)
		return s->ended ? 1 : 0;
	if (!s->decided) {
		s->decided = true;
		s->gzip = p[0] == 0x1f;	/* gzip's magic; JSON never starts so */
		if (s->gzip) {
			if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
				snprintf(s->why, sizeof(s->why), "zlib cannot start to inflate the report");
				return -1;
			}
			s->zinit = true;
		}
	}
	s->fed += n;
	if (!s->gzip) {
		if (s->len + n > s->max) {
			sink_too_large(s);
			return -1;
		}
		while (s->len + n > s->cap)
			if (sink_grow(s) < 0)
				return -1;
		memcpy(s->out + s->len, p, n);
		s->len += n;
		return 0;
	}
	s->z.next_in = (unsigned char *)p;
	s->z.avail_in = (uInt)n;
	while (s->z.avail_in > 0) {
		int rc;

		if (s->len == s->cap) {
			if (s->cap == s->max + 1) {
				sink_too_large(s);
				return -1;
			}
			if (sink_grow(s) < 0)
				return -1;
		}
		s->z.next_out = s->out + s->len;
		s->z.avail_out = (uInt)(s->cap - s->len);
		rc = inflate(&s->z, Z_NO_FLUSH);
		s->len = s->cap - s->z.avail_out;
		if (s->len > s->max) {
			sink_too_large(s);
			return -1;
		}
		if (rc == Z_STREAM_END) {
			s->ended = true;	/* what follows the stream is not read */
			return 1;
		}
		if (rc == Z_BUF_ERROR && s->z.avail_out > 0)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			snprintf(s->why, sizeof(s->why), "the report is not valid gzip (zlib: %s)",
			    s->z.msg != NULL ? s->z.msg : "error");
			return -1;
		}
	}
	return 0;
}

/* Moves the result into P: the JSON, or the sentence. -1 out of memory. */
static int
sink_finish(struct sink *s, struct tlsrpt_payload *p)
{
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (s->why[0] == '\0') {
		if (s->gzip && !s->ended)
			snprintf(s->why, sizeof(s->why),
			    "the report's gzip data ends early after %zu bytes (a truncated attachment)", s->fed);
		else if (s->len == 0)
			snprintf(s->why, sizeof(s->why), "the report is empty");
	}
	if (s->nomem)
		rc = -1;
	else if (s->why[0] != '\0') {
		p->unreadable = strdup(s->why);
		if (p->unreadable == NULL)
			rc = -1;
	} else {
		s->out[s->len] = '\0';
		p->json = s->out;
		p->json_len = s->len;
		s->out = NULL;
	}
	if (s->zinit)
		inflateEnd(&s->z);
	free(s->out);
	s->out = NULL;
	return rc;
}

int
tlsrpt_mail_payload(const unsigned char *data, size_t len, size_t max_report,
    struct tlsrpt_payload *out)
{
	struct sink s;

	sink_init(&s, max_report);
	while (len > 0 && sink_feed(&s, data, len > CHUNK ? CHUNK : len) == 0) {
		size_t n = len > CHUNK ? CHUNK : len;

		data += n;
		len -= n;
	}
	return sink_finish(&s, out);
}

int
tlsrpt_mail_payload_fd(int fd, size_t max_report, struct tlsrpt_payload *out,
    char *err, size_t errlen)
{
	unsigned char *buf = malloc(CHUNK);
	struct sink s;
	ssize_t n;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory reading a report file");
		return -1;
	}
	sink_init(&s, max_report);
	while ((n = read(fd, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && sink_feed(&s, buf, (size_t)n) != 0)
			break;
	free(buf);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the report file: %s", strerror(errno));
		memset(out, 0, sizeof(*out));
		sink_finish(&s, out);
		tlsrpt_payload_clear(out);
		return -1;
	}
	if (sink_finish(&s, out) < 0) {
		snprintf(err, errlen, "out of memory reading a report file");
		return -1;
	}
	return 0;
}

/* --- the cheap look at the headers ----------------------------------------- */

static bool
has_prefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && strncasecmp(s, prefix, pl) == 0;
}

/* Appends the printable bytes of S..S+N to BUF (size SIZE), spaces collapsed. */
static void
collect(char *buf, size_t size, const char *s, size_t n)
{
	size_t len = strlen(buf);

	for (size_t i = 0; i < n && len + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c > 0x7e)
			continue;
		if (c == ' ' && (len == 0 || buf[len - 1] == ' '))
			continue;
		buf[len++] = (char)c;
	}
	buf[len] = '\0';
}

bool
tlsrpt_mail_may_be_report(const char *headers, size_t len)
{
	char ctype[512] = "", subject[128] = "";
	char *current = NULL;
	size_t current_size = 0;
	const char *p = headers, *end = headers + (len > HEADER_SCAN_MAX ? HEADER_SCAN_MAX : len);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;
		size_t n = (size_t)((eol != NULL ? eol : end) - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;		/* the end of the headers */
		if (p[0] == ' ' || p[0] == '\t') {
			if (current != NULL) {
				collect(current, current_size, " ", 1);
				collect(current, current_size, p, n);
			}
		} else {
			const char *colon = memchr(p, ':', n);
			size_t name_len = colon != NULL ? (size_t)(colon - p) : n;

			while (name_len > 0 && (p[name_len - 1] == ' ' || p[name_len - 1] == '\t'))
				name_len--;
			current = NULL;
			if (colon == NULL) {
				/* not a header: a mbox "From " line at most; go on */
			} else if ((name_len == 17 && strncasecmp(p, "TLS-Report-Domain", 17) == 0) ||
			    (name_len == 20 && strncasecmp(p, "TLS-Report-Submitter", 20) == 0)) {
				return true;
			} else if (name_len == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
				current = ctype;
				current_size = sizeof(ctype);
			} else if (name_len == 7 && strncasecmp(p, "Subject", 7) == 0) {
				current = subject;
				current_size = sizeof(subject);
			}
			if (current != NULL) {
				current[0] = '\0';
				collect(current, current_size, colon + 1, (size_t)(p + n - colon - 1));
			}
		}
		p = next;
	}

	const char *ct = ctype[0] == ' ' ? ctype + 1 : ctype;
	const char *subj = subject[0] == ' ' ? subject + 1 : subject;
	bool subject_clue = has_prefix_ci(subj, strlen(subj), "Report Domain:");

	if (strcasestr(ct, "tlsrpt") != NULL)
		return true;
	if (has_prefix_ci(ct, strlen(ct), "multipart/"))
		return subject_clue;
	if (has_prefix_ci(ct, strlen(ct), "application/gzip") ||
	    has_prefix_ci(ct, strlen(ct), "application/x-gzip") ||
	    has_prefix_ci(ct, strlen(ct), "application/octet-stream") ||
	    has_prefix_ci(ct, strlen(ct), "application/json"))
		return subject_clue;
	return false;
}

/* --- the MIME walk ------------------------------------------------------------ */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* A printable copy of S (bytes outside ASCII's printable range become '?'). */
static char *
printable(const char *s)
{
	size_t n = strlen(s);
	char *copy;

	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	copy = malloc(n + 1);
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		copy[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	copy[n] = '\0';
	return copy;
}

struct walk {
	struct tlsrpt_mail *mail;
	size_t max_report;
	unsigned parts;
	bool too_many, too_deep, nomem;
};

static bool
ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), sl = strlen(suffix);

	return n >= sl && strcasecmp(s + n - sl, suffix) == 0;
}

/* Is this leaf a report? By its type, or a generic type and a report's name. */
static bool
is_report_part(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *sub = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
	const char *name;

	if (type == NULL || sub == NULL || strcasecmp(type, "application") != 0)
		return false;
	if (strcasecmp(sub, "tlsrpt+gzip") == 0 || strcasecmp(sub, "tlsrpt+json") == 0)
		return true;
	if (strcasecmp(sub, "gzip") != 0 && strcasecmp(sub, "x-gzip") != 0 &&
	    strcasecmp(sub, "octet-stream") != 0 && strcasecmp(sub, "json") != 0)
		return false;
	name = g_mime_part_get_filename(GMIME_PART(obj));
	return name != NULL && (ends_with_ci(name, ".json.gz") || ends_with_ci(name, ".json"));
}

static struct tlsrpt_payload *
add_payload(struct walk *w)
{
	struct tlsrpt_mail *m = w->mail;
	struct tlsrpt_payload *p = realloc(m->payloads, (m->n + 1) * sizeof(*p));

	if (p == NULL) {
		w->nomem = true;
		return NULL;
	}
	m->payloads = p;
	memset(&p[m->n], 0, sizeof(*p));
	return &p[m->n++];
}

static void
extract(struct walk *w, GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	struct tlsrpt_payload *out = add_payload(w);
	GMimeContentEncoding enc;
	GMimeStream *raw, *filtered;
	struct sink s;
	unsigned char *buf;
	ssize_t n;

	if (out == NULL)
		return;
	sink_init(&s, w->max_report);
	if (dw == NULL || (raw = g_mime_data_wrapper_get_stream(dw)) == NULL) {
		snprintf(s.why, sizeof(s.why), "the report attachment has no content");
		if (sink_finish(&s, out) < 0)
			w->nomem = true;
		return;
	}
	buf = malloc(CHUNK);
	if (buf == NULL) {
		w->nomem = true;
		return;
	}
	enc = g_mime_data_wrapper_get_encoding(dw);
	g_mime_stream_reset(raw);
	filtered = g_mime_stream_filter_new(raw);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
		g_object_unref(f);
	}
	while ((n = g_mime_stream_read(filtered, (char *)buf, CHUNK)) > 0)
		if (sink_feed(&s, buf, (size_t)n) != 0)
			break;
	if (n < 0 && s.why[0] == '\0')
		snprintf(s.why, sizeof(s.why), "the report attachment cannot be read");
	g_object_unref(filtered);
	free(buf);
	if (sink_finish(&s, out) < 0)
		w->nomem = true;
}

static void
walk(struct walk *w, GMimeObject *obj, int depth)
{
	if (obj == NULL || w->too_many || w->too_deep || w->nomem)
		return;
	if (++w->parts > TLSRPT_MAIL_MAX_PARTS) {
		w->too_many = true;
		return;
	}
	if (depth > TLSRPT_MAIL_MAX_DEPTH) {
		w->too_deep = true;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		int count = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		for (int i = 0; i < count; i++)
			walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (inner != NULL)
			walk(w, g_mime_message_get_mime_part(inner), depth + 1);
	} else if (GMIME_IS_PART(obj) && is_report_part(obj)) {
		extract(w, GMIME_PART(obj));
	} else {
		w->mail->parts_skipped++;
	}
}

/* Makes M one unreadable report with the sentence WHY (dropping what was found). */
static int
one_unreadable(struct tlsrpt_mail *m, const char *why)
{
	for (size_t i = 0; i < m->n; i++)
		tlsrpt_payload_clear(&m->payloads[i]);
	free(m->payloads);
	m->payloads = calloc(1, sizeof(*m->payloads));
	m->n = 0;
	if (m->payloads == NULL || (m->payloads[0].unreadable = strdup(why)) == NULL)
		return -1;
	m->n = 1;
	return 0;
}

/*
 * What GMime would build objects for, counted before it runs: lines that
 * start with "--" (boundaries: parts) and lines that start a header field
 * ("Name:", headers of the message or of a part). A hostile message of
 * millions of short header lines would otherwise cost a gigabyte.
 */
struct shape {
	bool at_line_start;
	size_t boundaries;
	size_t header_lines;
};

static void
count_shape(const unsigned char *p, size_t n, struct shape *sh)
{
	for (size_t i = 0; i < n; i++) {
		if (sh->at_line_start) {
			if (p[i] == '-' && i + 1 < n && p[i + 1] == '-') {
				sh->boundaries++;
			} else {
				size_t j = i;

				/* field names as mail uses them; a JSON key starts with '"' */
				while (j < n && (isalnum(p[j]) || p[j] == '-' || p[j] == '_'))
					j++;
				if (j > i && j < n && p[j] == ':')
					sh->header_lines++;
			}
		}
		sh->at_line_start = p[i] == '\n';
	}
}

static bool
shape_too_big(const struct shape *sh)
{
	return sh->boundaries > MAX_BOUNDARY_LINES || sh->header_lines > MAX_HEADER_LINES;
}

static void
names(GMimeMessage *msg, struct tlsrpt_mail *m, bool *nomem)
{
	const char *id = g_mime_message_get_message_id(msg);
	InternetAddressList *from = g_mime_message_get_from(msg);

	if (id != NULL && id[0] != '\0' && (m->message_id = printable(id)) == NULL)
		*nomem = true;
	if (from != NULL && internet_address_list_length(from) > 0) {
		InternetAddress *a = internet_address_list_get_address(from, 0);

		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));

			if (addr != NULL && addr[0] != '\0' && (m->sender = printable(addr)) == NULL)
				*nomem = true;
		}
	}
}

/* The header block of HEADERS: up to its first empty line, within the scan bound. */
static size_t
header_block(const char *headers, size_t len)
{
	if (len > HEADER_SCAN_MAX)
		len = HEADER_SCAN_MAX;
	for (size_t i = 0; i + 1 < len; i++)
		if (headers[i] == '\n' && (headers[i + 1] == '\n' ||
		    (headers[i + 1] == '\r' && i + 2 < len && headers[i + 2] == '\n')))
			return i + 1;
	return len;
}

int
tlsrpt_mail_names(const char *headers, size_t len, struct tlsrpt_mail *m)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	bool nomem = false;

	pthread_once(&gmime_once, gmime_start);
	stream = g_mime_stream_mem_new_with_buffer(headers, header_block(headers, len));
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg != NULL) {
		free(m->message_id);
		free(m->sender);
		m->message_id = m->sender = NULL;
		names(msg, m, &nomem);
		g_object_unref(msg);
	}
	return nomem ? -1 : 0;
}

static int
parse(GMimeStream *stream, bool reportish, const struct shape *sh, size_t max_report,
    const char *head, size_t head_len, struct tlsrpt_mail *out, char *err, size_t errlen)
{
	struct walk w = { .mail = out, .max_report = max_report };
	GMimeParser *parser;
	GMimeMessage *msg;
	char why[WHY_MAX];
	int rc = 0;

	if (shape_too_big(sh)) {
		if (!reportish)
			return 0;
		if (sh->boundaries > MAX_BOUNDARY_LINES)
			snprintf(why, sizeof(why),
			    "the message has more than %d MIME boundary lines (a TLS-RPT report mail has two or three parts): not read further",
			    MAX_BOUNDARY_LINES);
		else
			snprintf(why, sizeof(why),
			    "the message has more than %d header lines (a TLS-RPT report mail has a few dozen): not read further",
			    MAX_HEADER_LINES);
		rc = one_unreadable(out, why);
		if (rc == 0)
			rc = tlsrpt_mail_names(head, head_len, out);
		goto done;
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_persist_stream(parser, TRUE);	/* parts point into the stream */
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (msg == NULL) {
		if (reportish)
			rc = one_unreadable(out, "the message is not MIME that can be read");
		goto done;
	}
	names(msg, out, &w.nomem);
	walk(&w, g_mime_message_get_mime_part(msg), 0);
	g_object_unref(msg);
	if (w.nomem)
		rc = -1;
	else if (w.too_many && (reportish || out->n > 0)) {
		snprintf(why, sizeof(why),
		    "the message has more than %d MIME parts (a TLS-RPT report mail has two or three): not read further",
		    TLSRPT_MAIL_MAX_PARTS);
		rc = one_unreadable(out, why);
	} else if (w.too_deep && (reportish || out->n > 0)) {
		snprintf(why, sizeof(why),
		    "the message nests MIME parts more than %d deep: not read further", TLSRPT_MAIL_MAX_DEPTH);
		rc = one_unreadable(out, why);
	}
done:
	if (rc < 0) {
		snprintf(err, errlen, "out of memory reading a message");
		tlsrpt_mail_clear(out);
	}
	return rc;
}

int
tlsrpt_mail_from_message(const unsigned char *msg, size_t len, size_t max_report,
    struct tlsrpt_mail *out, char *err, size_t errlen)
{
	struct shape sh = { .at_line_start = true };
	bool reportish = tlsrpt_mail_may_be_report((const char *)msg, len);
	GMimeStream *stream;
	int rc;

	count_shape(msg, len, &sh);
	memset(out, 0, sizeof(*out));
	pthread_once(&gmime_once, gmime_start);
	if (shape_too_big(&sh))
		return parse(NULL, reportish, &sh, max_report, (const char *)msg, len, out, err, errlen);
	stream = g_mime_stream_mem_new_with_buffer((const char *)msg, len);
	rc = parse(stream, reportish, &sh, max_report, NULL, 0, out, err, errlen);
	g_object_unref(stream);
	return rc;
}

int
tlsrpt_mail_from_fd(int fd, size_t max_report, struct tlsrpt_mail *out,
    char *err, size_t errlen)
{
	unsigned char *buf = malloc(CHUNK), *head = malloc(CHUNK);
	off_t start = lseek(fd, 0, SEEK_CUR), at;
	size_t head_len = 0;
	struct shape sh = { .at_line_start = true };
	bool reportish = false;
	GMimeStream *stream;
	ssize_t n;
	int rc, copy;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || head == NULL) {
		free(buf);
		free(head);
		snprintf(err, errlen, "out of memory reading a message");
		return -1;
	}
	if (start < 0) {
		free(buf);
		free(head);
		snprintf(err, errlen, "cannot read the message: %s", strerror(errno));
		return -1;
	}
	/* One pass for the headers' clues and the boundary count. */
	for (at = start;; at += n) {
		n = pread(fd, buf, CHUNK, at);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
		if (at == start) {
			memcpy(head, buf, (size_t)n);
			head_len = (size_t)n;
			reportish = tlsrpt_mail_may_be_report((const char *)head, head_len);
		}
		count_shape(buf, (size_t)n, &sh);
		if (shape_too_big(&sh))
			break;
	}
	free(buf);
	if (n < 0) {
		free(head);
		snprintf(err, errlen, "cannot read the message: %s", strerror(errno));
		return -1;
	}
	pthread_once(&gmime_once, gmime_start);
	if (shape_too_big(&sh)) {
		rc = parse(NULL, reportish, &sh, max_report, (const char *)head, head_len,
		    out, err, errlen);
		free(head);
		return rc;
	}
	free(head);
	copy = dup(fd);
	stream = copy >= 0 ? g_mime_stream_fs_new_with_bounds(copy, start, -1) : NULL;
	if (stream == NULL) {
		if (copy >= 0)
			close(copy);
		snprintf(err, errlen, "cannot read the message: %s", strerror(errno));
		return -1;
	}
	rc = parse(stream, reportish, &sh, max_report, NULL, 0, out, err, errlen);
	g_object_unref(stream);
	return rc;
}

void
tlsrpt_payload_clear(struct tlsrpt_payload *p)
{
	free(p->json);
	free(p->unreadable);
	memset(p, 0, sizeof(*p));
}

void
tlsrpt_mail_clear(struct tlsrpt_mail *m)
{
	for (size_t i = 0; i < m->n; i++)
		tlsrpt_payload_clear(&m->payloads[i]);
	free(m->payloads);
	free(m->message_id);
	free(m->sender);
	memset(m, 0, sizeof(*m));
}
