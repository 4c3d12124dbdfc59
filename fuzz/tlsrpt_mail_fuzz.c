/*
 * tlsrpt_mail_fuzz - message bytes through lib/probe/tlsrpt_mail.c: the cheap
 * header test, the full MIME walk (with a small report bound, so that
 * inflating past it is reached often) and the same bytes as a report file.
 * Checks what a parse promises: every report either JSON within the bound
 * or one printable sentence, printable names, and a message the header
 * test turns away yields no report that is not refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_mail.h"

#define MAX_REPORT (64 * 1024)

static void
check_printable(const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n == 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

static void
check_payload(const struct tlsrpt_payload *p)
{
	if ((p->json == NULL) == (p->unreadable == NULL))
		abort();	/* one or the other */
	if (p->json != NULL && (p->json_len == 0 || p->json_len > MAX_REPORT || p->json[p->json_len] != '\0'))
		abort();
	check_printable(p->unreadable);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_mail m;
	struct tlsrpt_payload p;
	char err[256] = "";

	(void)tlsrpt_mail_may_be_report((const char *)data, size);
	if (tlsrpt_mail_from_message(data, size, MAX_REPORT, &m, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < m.n; i++)
			check_payload(&m.payloads[i]);
		if (m.n > TLSRPT_MAIL_MAX_PARTS)
			abort();
		check_printable(m.sender);
		check_printable(m.message_id);
		tlsrpt_mail_clear(&m);
	} else {
		check_printable(err);
	}
	if (tlsrpt_mail_payload(data, size, MAX_REPORT, &p) == 0) {
		check_payload(&p);
		tlsrpt_payload_clear(&p);
	}
	return 0;
}
