/*
 * tlsrpt_source_dump - the test driver of lib/probe/tlsrpt_source.c: opens one
 * source and prints one line per candidate (origin, sender, the JSON's
 * length and SHA-256, or the unreadable sentence), then the counts:
 *   tlsrpt_source_dump dir|maildir|imap LOCATION [-u USER] [-p PASSWORD-FILE]
 *       [-k (imap:// allowed)] [-r TRUST-FILE] [-t SECONDS] [-m MAX-REPORT-BYTES]
 * and the process's peak RSS. Exit 0 at the end of the source, 1 when it failed ("error: SENTENCE"),
 * 3 when it refused its options ("usage: SENTENCE").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tlsrpt_source.h"

int
main(int argc, char **argv)
{
	struct tlsrpt_source_opts o = { 0 };
	struct tlsrpt_source *src;
	struct tlsrpt_candidate c;
	char err[1024] = "";
	double secs = 60;
	int opt, rc;

	while ((opt = getopt(argc, argv, "u:p:kr:t:m:")) != -1) {
		switch (opt) {
		case 'u': o.imap_user = optarg; break;
		case 'p': o.imap_password_file = optarg; break;
		case 'k': o.imap_insecure = true; break;
		case 'r': o.trust_file = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'm': o.max_report_bytes = strtoul(optarg, NULL, 10); break;
		default: return 3;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: tlsrpt_source_dump dir|maildir|imap LOCATION [options]\n");
		return 3;
	}
	o.kind = strcmp(argv[optind], "dir") == 0 ? TLSRPT_SOURCE_DIR :
	    strcmp(argv[optind], "maildir") == 0 ? TLSRPT_SOURCE_MAILDIR : TLSRPT_SOURCE_IMAP;
	o.location = argv[optind + 1];
	clock_gettime(CLOCK_MONOTONIC, &o.deadline);
	o.deadline.tv_sec += (time_t)secs;
	o.deadline.tv_nsec += (long)((secs - (time_t)secs) * 1e9);
	if (o.deadline.tv_nsec >= 1000000000L) {
		o.deadline.tv_sec++;
		o.deadline.tv_nsec -= 1000000000L;
	}
	rc = tlsrpt_source_open(&o, &src, err, sizeof(err));
	if (rc < 0) {
		printf("%s: %s\n", rc == -2 ? "usage" : "error", err);
		return rc == -2 ? 3 : 1;
	}
	while ((rc = tlsrpt_source_next(src, &c, err, sizeof(err))) == 1) {
		if (c.json != NULL) {
			unsigned char md[32];
			unsigned int mdlen = 0;
			char hex[65];

			EVP_Digest(c.json, c.json_len, md, &mdlen, EVP_sha256(), NULL);
			for (unsigned i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", md[i]);
			printf("report | %s | %s | %zu | %s\n", c.origin, c.sender ? c.sender : "-",
			    c.json_len, hex);
		} else {
			printf("unreadable | %s | %s | %s\n", c.origin, c.sender ? c.sender : "-", c.unreadable);
		}
	}
	if (rc < 0)
		printf("error: %s\n", err);
	printf("examined %zu skipped %zu\n", tlsrpt_source_examined(src), tlsrpt_source_skipped(src));
	tlsrpt_source_close(src);
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];

	while (status != NULL && fgets(line, sizeof(line), status) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			printf("peak rss %ld kB\n", strtol(line + 6, NULL, 10));
	if (status != NULL)
		fclose(status);
	return rc < 0 ? 1 : 0;
}
