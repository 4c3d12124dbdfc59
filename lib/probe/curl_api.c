/*
 * curl_api.c - libcurl, loaded when first needed; see curl_api.h.
 */
#include <stdio.h>

#include "curl_api.h"
#include "dynlib.h"

#ifndef LIBCURL_SONAME		/* configure finds it; the fuzz build does not run it */
#define LIBCURL_SONAME "libcurl.so.4"
#endif

struct curl_api tp_curl;

static const struct dynlib_symbol curl_symbols[] = {
	{ "curl_global_init", &tp_curl.global_init },
	{ "curl_url", &tp_curl.url },
	{ "curl_url_set", &tp_curl.url_set },
	{ "curl_url_get", &tp_curl.url_get },
	{ "curl_url_cleanup", &tp_curl.url_cleanup },
	{ "curl_url_strerror", &tp_curl.url_strerror },
	{ "curl_free", &tp_curl.free },
	{ "curl_easy_init", &tp_curl.easy_init },
	{ "curl_easy_setopt", &tp_curl.easy_setopt },
	{ "curl_easy_perform", &tp_curl.easy_perform },
	{ "curl_easy_getinfo", &tp_curl.easy_getinfo },
	{ "curl_easy_cleanup", &tp_curl.easy_cleanup },
	{ "curl_easy_strerror", &tp_curl.easy_strerror },
	{ "curl_easy_send", &tp_curl.easy_send },
	{ "curl_easy_recv", &tp_curl.easy_recv },
	{ "curl_slist_append", &tp_curl.slist_append },
	{ "curl_slist_free_all", &tp_curl.slist_free_all },
	{ NULL, NULL }
};

/*
 * Once per process, under dynlib's lock (curl_global_init is not thread-safe
 * before 7.84), and never undone: libcurl stays loaded until exit.
 */
static int
curl_start(char *err, size_t errlen)
{
	CURLcode rc = tp_curl.global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s cannot start (curl_global_init: error %d)",
		    LIBCURL_SONAME, (int)rc);
	return rc == CURLE_OK ? 0 : -1;
}

static struct dynlib libcurl = DYNLIB(LIBCURL_SONAME, "to fetch URLs", "libcurl4",
    curl_symbols, curl_start);

int
curl_api_load(char *err, size_t errlen)
{
	if (dynlib_load(&libcurl) == 0)
		return 0;
	snprintf(err, errlen, "%s", dynlib_error(&libcurl));
	return -1;
}
