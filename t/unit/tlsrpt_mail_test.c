/*
 * tlsrpt_mail_test - report mails in the shapes senders use, and hostile
 * ones, through lib/probe/tlsrpt_mail.c: the reports found and inflated, DMARC
 * and other attachments left out, each hostile message refused with its
 * sentence and without inflating or holding more than the bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "tap.h"
#include "tlsrpt_mail.h"

#define MAX_REPORT (16u * 1024 * 1024)

static const char report_json[] =
    "{\"organization-name\":\"Example Sender\",\"date-range\":{\"start-datetime\":"
    "\"2026-12-01T00:00:00Z\",\"end-datetime\":\"2026-12-01T23:59:59Z\"},"
    "\"contact-info\":\"tlsrpt@sender.example\",\"report-id\":\"r1\",\"policies\":[]}";

/* --- building messages -------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static unsigned char *
gzip(const void *data, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = deflateBound(&z, len) + 64;
	unsigned char *out = malloc(cap);

	if (out == NULL || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&z, len) + 64;
	out = realloc(out, cap);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void
base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { abc[v >> 18 & 63], abc[v >> 12 & 63],
		    i + 1 < n ? abc[v >> 6 & 63] : '=', i + 2 < n ? abc[v & 63] : '=' };

		put(b, q, 4);
		if ((col += 4) == 76) {
			puts_(b, "\r\n");
			col = 0;
		}
	}
	puts_(b, "\r\n");
}

static void
headers(struct buf *b, const char *subject, const char *extra)
{
	puts_(b, "From: TLS Reporting <noreply-smtp-tls-reporting@google.com>\r\n"
	    "To: tlsrpt@example.test\r\nDate: Tue, 01 Dec 2026 12:00:00 +0000\r\n"
	    "Message-ID: <r1@google.com>\r\nMIME-Version: 1.0\r\n");
	puts_(b, "Subject: ");
	puts_(b, subject);
	puts_(b, "\r\n");
	puts_(b, extra);
}

static void
attachment(struct buf *b, const char *type, const char *name, const unsigned char *data, size_t n)
{
	puts_(b, "--b1\r\nContent-Type: ");
	puts_(b, type);
	puts_(b, "\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"");
	puts_(b, name);
	puts_(b, "\"\r\n\r\n");
	base64(b, data, n);
}

/* A report mail: the multipart/report of RFC 8460 section 5.3 by default. */
static struct buf
report_mail(const char *type, const char *name, const unsigned char *data, size_t n)
{
	struct buf b = { 0 };

	headers(&b, "Report Domain: example.test Submitter: google.com Report-ID: <r1@google.com>",
	    "TLS-Report-Domain: example.test\r\nTLS-Report-Submitter: google.com\r\n"
	    "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"\r\n\r\n");
	puts_(&b, "--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate TLS report from google.com\r\n");
	attachment(&b, type, name, data, n);
	puts_(&b, "--b1--\r\n");
	return b;
}

static int
parse(const struct buf *b, struct tlsrpt_mail *m)
{
	char err[256] = "";

	return tlsrpt_mail_from_message((const unsigned char *)b->p, b->len, MAX_REPORT, m, err, sizeof(err));
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the cheap look at headers ------------------------------------------------ */

static void
test_headers(void)
{
#define MAY(h) tlsrpt_mail_may_be_report((h), strlen(h))
	ok(MAY("Subject: hello\r\nTLS-Report-Domain: example.test\r\n\r\n"),
	    "a TLS-Report-Domain header makes a candidate");
	ok(MAY("tls-report-submitter : google.com\n\n"), "header names are matched without case");
	ok(MAY("Content-Type: multipart/report;\r\n\treport-type=\"tlsrpt\"; boundary=x\r\n\r\n"),
	    "report-type=tlsrpt on a folded Content-Type line makes a candidate");
	ok(MAY("Subject: Report Domain: example.test Submitter: google.com\r\n"
	    "Content-Type: multipart/mixed; boundary=x\r\n\r\n"),
	    "a multipart with RFC 8460's Subject makes a candidate (DMARC's shares it)");
	ok(!MAY("Subject: Lunch\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"),
	    "a multipart without any clue is skipped by its headers");
	ok(!MAY("Subject: Report Domain: example.test\r\nContent-Type: text/plain\r\n\r\n"),
	    "a text/plain message is skipped by its headers, Subject or not");
	ok(!MAY("Subject: Report Domain: x\r\n\r\n"), "no Content-Type is text/plain: skipped");
	ok(MAY("Subject: x\r\nContent-Type: application/tlsrpt+gzip\r\n\r\n"),
	    "a single application/tlsrpt+gzip body makes a candidate");
	ok(!MAY("Subject: x\r\n\r\nTLS-Report-Domain: in the body\r\n"),
	    "a clue in the body is not read");
	ok(!MAY("Subject: \xff\xfe\x80\r\nContent-Type: multipart/mixed;\xc3\r\n\r\n"),
	    "invalid UTF-8 in headers: no clue, no crash");
#undef MAY
}

/* --- reports found ------------------------------------------------------------ */

static void
test_google_shape(void)
{
	size_t gz_len;
	unsigned char *gz = gzip(report_json, strlen(report_json), &gz_len);
	struct buf b = report_mail("application/tlsrpt+gzip",
	    "google.com!example.test!1764547200!1764633599!001.json.gz", gz, gz_len);
	struct tlsrpt_mail m;

	is_int(parse(&b, &m), 0, "multipart/report with application/tlsrpt+gzip: parsed");
	is_int(m.n, 1, "one report found");
	ok(m.n == 1 && m.payloads[0].json != NULL && m.payloads[0].json_len == strlen(report_json) &&
	    memcmp(m.payloads[0].json, report_json, strlen(report_json)) == 0,
	    "the report inflated to the JSON that was sent");
	is_str(m.sender, "noreply-smtp-tls-reporting@google.com", "the sender is the From: address");
	is_str(m.message_id, "r1@google.com", "the Message-ID without <>");
	is_int(m.parts_skipped, 1, "the text/plain part is counted as not a report");
	tlsrpt_mail_clear(&m);
	free(b.p);
	free(gz);
}

static void
test_fallback_types(void)
{
	size_t gz_len;
	unsigned char *gz = gzip(report_json, strlen(report_json), &gz_len);
	struct tlsrpt_mail m;
	struct buf b;

	b = report_mail("application/tlsrpt+json", "report.json",
	    (const unsigned char *)report_json, strlen(report_json));
	parse(&b, &m);
	ok(m.n == 1 && m.payloads[0].json_len == strlen(report_json),
	    "application/tlsrpt+json: the JSON as sent");
	tlsrpt_mail_clear(&m);
	free(b.p);

	b = report_mail("application/octet-stream", "microsoft.com!example.test!1764547200!1764633599.json.gz",
	    gz, gz_len);
	parse(&b, &m);
	ok(m.n == 1 && m.payloads[0].json != NULL, "application/octet-stream named .json.gz: a report");
	tlsrpt_mail_clear(&m);
	free(b.p);

	b = report_mail("application/gzip", "report.json.gz", gz, gz_len);
	parse(&b, &m);
	ok(m.n == 1 && m.payloads[0].json != NULL, "application/gzip named .json.gz: a report");
	tlsrpt_mail_clear(&m);
	free(b.p);

	b = report_mail("application/gzip", "google.com!example.test!1764547200!1764633599.xml.gz", gz, gz_len);
	parse(&b, &m);
	is_int(m.n, 0, "application/gzip named .xml.gz (a DMARC aggregate report): not a report");
	is_int(m.parts_skipped, 2, "both parts counted as not reports");
	tlsrpt_mail_clear(&m);
	free(b.p);

	b = report_mail("application/zip", "example.test!1764547200!1764633599.zip", gz, gz_len);
	parse(&b, &m);
	is_int(m.n, 0, "application/zip (DMARC): not a report");
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* Two reports in one message: two payloads. */
	b = (struct buf){ 0 };
	headers(&b, "Report Domain: example.test Submitter: mx.sender.example Report-ID: <r2@x>",
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n");
	attachment(&b, "application/tlsrpt+gzip", "a.json.gz", gz, gz_len);
	attachment(&b, "application/tlsrpt+json", "b.json", (const unsigned char *)report_json,
	    strlen(report_json));
	puts_(&b, "--b1--\r\n");
	parse(&b, &m);
	is_int(m.n, 2, "a message with two report attachments yields two reports");
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* Forwarded: the report inside a message/rfc822. */
	struct buf inner = report_mail("application/tlsrpt+gzip", "r.json.gz", gz, gz_len);
	b = (struct buf){ 0 };
	headers(&b, "Fwd: Report Domain: example.test", "Content-Type: multipart/mixed; boundary=\"o1\"\r\n\r\n");
	puts_(&b, "--o1\r\nContent-Type: message/rfc822\r\n\r\n");
	put(&b, inner.p, inner.len);
	puts_(&b, "--o1--\r\n");
	parse(&b, &m);
	is_int(m.n, 1, "a report forwarded inside message/rfc822 is found");
	tlsrpt_mail_clear(&m);
	free(b.p);
	free(inner.p);

	b = (struct buf){ 0 };
	headers(&b, "Lunch on Friday?", "Content-Type: text/plain\r\n\r\nShall we?\r\n");
	parse(&b, &m);
	is_int(m.n, 0, "plain mail: not a report");
	tlsrpt_mail_clear(&m);
	free(b.p);
	free(gz);
}

/* --- hostile input ------------------------------------------------------------ */

static void
test_hostile(void)
{
	size_t bomb_len = 64u * 1024 * 1024, gz_len;
	unsigned char *zeros = calloc(1, bomb_len);
	unsigned char *gz = gzip(zeros, bomb_len, &gz_len);
	struct tlsrpt_mail m;
	struct buf b;
	double t0;

	free(zeros);
	b = report_mail("application/tlsrpt+gzip", "bomb.json.gz", gz, gz_len);
	t0 = now();
	is_int(parse(&b, &m), 0, "a gzip bomb (64 MiB of zeros in %zu bytes): parsed", gz_len);
	ok(m.n == 1 && m.payloads[0].json == NULL, "the bomb is unreadable");
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL,
	    "the report inflates to more than 16 MiB (a gzip bomb?): refused after",
	    "the bomb is named as one");
	ok(now() - t0 < 2.0, "refused without inflating it to the end (%.2f s)", now() - t0);
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* Truncated gzip and not gzip at all. */
	size_t small_len;
	unsigned char *small = gzip(report_json, strlen(report_json), &small_len);
	b = report_mail("application/tlsrpt+gzip", "cut.json.gz", small, small_len / 2);
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL, "gzip data ends early",
	    "a truncated gzip attachment is named so");
	tlsrpt_mail_clear(&m);
	free(b.p);
	small[5] ^= 0xff;
	small[10] = 0xff;
	small[11] = 0xff;
	b = report_mail("application/tlsrpt+gzip", "bad.json.gz", small, small_len);
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL, "not valid gzip (zlib: ",
	    "damaged gzip is named with zlib's reason");
	tlsrpt_mail_clear(&m);
	free(b.p);
	free(small);

	/* A JSON attachment over the bound. */
	struct tlsrpt_payload p;
	char *big = malloc(17u * 1024 * 1024);
	memset(big, ' ', 17u * 1024 * 1024);
	big[0] = '{';
	tlsrpt_mail_payload((unsigned char *)big, 17u * 1024 * 1024, MAX_REPORT, &p);
	is_str(p.unreadable, "the report is larger than 16 MiB, the limit of one report",
	    "a 17 MiB JSON report is refused with the limit named");
	tlsrpt_payload_clear(&p);
	free(big);

	/* 1,000 parts wide. */
	b = (struct buf){ 0 };
	headers(&b, "Report Domain: example.test Submitter: wide.example",
	    "TLS-Report-Domain: example.test\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n");
	for (int i = 0; i < 1000; i++)
		puts_(&b, "--b1\r\nContent-Type: text/plain\r\n\r\nx\r\n");
	puts_(&b, "--b1--\r\n");
	t0 = now();
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL,
	    "MIME boundary lines (a TLS-RPT report mail has two or three parts): not read further",
	    "a MIME tree 1,000 parts wide is refused with a sentence");
	ok(now() - t0 < 1.0, "quickly (%.3f s)", now() - t0);
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* A million header lines: refused before GMime builds an object for each. */
	b = (struct buf){ 0 };
	headers(&b, "Report Domain: example.test Submitter: flood.example",
	    "TLS-Report-Domain: example.test\r\n");
	for (int i = 0; i < 1000000; i++)
		puts_(&b, "X: y\r\n");
	puts_(&b, "Content-Type: text/plain\r\n\r\nx\r\n");
	t0 = now();
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL,
	    "more than 5000 header lines (a TLS-RPT report mail has a few dozen): not read further",
	    "a million header lines are refused with a sentence");
	ok(now() - t0 < 1.0, "quickly (%.3f s)", now() - t0);
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* 150 parts: under the boundary pre-scan, over the parts walked. */
	b = (struct buf){ 0 };
	headers(&b, "Report Domain: example.test", "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n");
	for (int i = 0; i < 150; i++)
		puts_(&b, "--b1\r\nContent-Type: text/plain\r\n\r\nx\r\n");
	puts_(&b, "--b1--\r\n");
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL, "more than 100 MIME parts",
	    "150 parts: more than the walk takes, said so");
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* Nested 20 deep. */
	b = (struct buf){ 0 };
	headers(&b, "Report Domain: example.test", "Content-Type: multipart/mixed; boundary=\"n0\"\r\n\r\n");
	for (int i = 1; i < 20; i++) {
		char line[128];

		snprintf(line, sizeof(line), "--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n",
		    i - 1, i);
		puts_(&b, line);
	}
	attachment(&b, "application/tlsrpt+gzip", "deep.json.gz", gz, 64);
	parse(&b, &m);
	like_str(m.n == 1 ? m.payloads[0].unreadable : NULL, "nests MIME parts more than 8 deep",
	    "parts nested 20 deep are refused with a sentence");
	tlsrpt_mail_clear(&m);
	free(b.p);
	free(gz);

	/* Invalid UTF-8 and control characters in the names. */
	size_t r_len;
	unsigned char *r = gzip(report_json, strlen(report_json), &r_len);
	b = (struct buf){ 0 };
	puts_(&b, "From: \xff\xfe <bad\x01\xc3@sender.example>\r\nMessage-ID: <\xe9\x1b[31m@x>\r\n"
	    "Subject: Report Domain: \xff\xfe\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary=b1\r\n\r\n");
	attachment(&b, "application/tlsrpt+gzip", "\xff.json.gz", r, r_len);
	puts_(&b, "--b1--\r\n");
	parse(&b, &m);
	ok(m.n == 1 && m.payloads[0].json != NULL, "invalid UTF-8 in headers: the report is still read");
	int printable = 1;
	for (const char *s = m.sender; s != NULL && *s; s++)
		printable &= *s >= 0x20 && *s <= 0x7e;
	for (const char *s = m.message_id; s != NULL && *s; s++)
		printable &= *s >= 0x20 && *s <= 0x7e;
	ok(printable, "the sender (%s) and Message-ID (%s) are printable ASCII",
	    m.sender ? m.sender : "none", m.message_id ? m.message_id : "none");
	tlsrpt_mail_clear(&m);
	free(b.p);

	/* From a file descriptor, at its offset. */
	b = report_mail("application/tlsrpt+gzip", "fd.json.gz", r, r_len);
	char path[] = "/tmp/tlsrpt_mail_test.XXXXXX";
	int fd = mkstemp(path);
	char err[256] = "";
	ok(fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len && lseek(fd, 0, SEEK_SET) == 0,
	    "a message written to %s", path);
	is_int(tlsrpt_mail_from_fd(fd, MAX_REPORT, &m, err, sizeof(err)), 0, "parsed from the descriptor");
	ok(m.n == 1 && m.payloads[0].json_len == strlen(report_json), "its report inflated");
	tlsrpt_mail_clear(&m);
	lseek(fd, 0, SEEK_SET);
	ftruncate(fd, 0);
	write(fd, r, r_len);
	lseek(fd, 0, SEEK_SET);
	is_int(tlsrpt_mail_payload_fd(fd, MAX_REPORT, &p, err, sizeof(err)), 0, "a .json.gz file read");
	ok(p.json_len == strlen(report_json), "and inflated");
	tlsrpt_payload_clear(&p);
	close(fd);
	unlink(path);
	free(b.p);
	free(r);

	/* Names from the headers alone, for a message refused unread. */
	struct tlsrpt_mail named = { 0 };
	const char *h = "From: \"Big\" <tlsrpt@big.example>\r\nMessage-ID: <big@big.example>\r\n"
	    "Subject: Report Domain: example.test\r\n\r\n--b1\r\nFrom: <not@the.body>\r\n";
	is_int(tlsrpt_mail_names(h, strlen(h), &named), 0, "names read from the headers alone");
	is_str(named.message_id, "big@big.example", "... the Message-ID");
	is_str(named.sender, "tlsrpt@big.example", "... the From: address, not one in the body");
	tlsrpt_mail_clear(&named);
	is_int(tlsrpt_mail_names("garbage without headers", 23, &named), 0, "no headers: no names, no failure");
	ok(named.message_id == NULL && named.sender == NULL, "... and none made up");
	tlsrpt_mail_clear(&named);

	tlsrpt_mail_payload((const unsigned char *)"", 0, MAX_REPORT, &p);
	is_str(p.unreadable, "the report is empty", "an empty file is named so");
	tlsrpt_payload_clear(&p);
}

int
main(void)
{
	test_headers();
	test_google_shape();
	test_fallback_types();
	test_hostile();
	return done_testing();
}
