/*
 * curl_api.h - the libcurl functions tls-probe calls, loaded the first time
 * a check needs one (lib/probe/dynlib.c): HTTP(S) fetches (http_fetch.c) and the
 * IMAP mailbox of check_tls_rpt (tlsrpt_source.c) share one loading and one
 * curl_global_init. Checks that fetch nothing never map libcurl.
 */
#ifndef TLSPROBE_CURL_API_H
#define TLSPROBE_CURL_API_H

#include <stddef.h>

#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	void (*url_cleanup)(CURLU *);
	const char *(*url_strerror)(CURLUcode);
	void (*free)(void *);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	CURLcode (*easy_send)(CURL *, const void *, size_t, size_t *);
	CURLcode (*easy_recv)(CURL *, void *, size_t, size_t *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
};

/* Filled by curl_api_load(); read only after it returned 0. */
extern struct curl_api tp_curl;

/*
 * Loads libcurl once per process, from any thread. 0, or -1 with the
 * sentence "cannot load libcurl.so.4 to fetch URLs (install the package
 * libcurl4): WHY" in ERR.
 */
int curl_api_load(char *err, size_t errlen);

#endif
