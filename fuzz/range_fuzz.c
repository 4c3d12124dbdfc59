/*
 * range_fuzz - feeds the input (NUL-terminated) to range_parse() and, when
 * it parses, range_alerts()/threshold_state() on a few values; and to
 * common_opts_handle() as the argument of -t and of --output.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void
check_err(const char *err, size_t size)
{
	if (err[0] == '\0' || strnlen(err, size) == size)
		abort();	/* a failure must say why, NUL-terminated */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[256], tiny[8];
	struct range r;
	struct common_opts opts;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&r, 0x5a, sizeof(r));
	err[0] = '\0';
	if (range_parse(text, &r, err, sizeof(err)) == 0) {
		const double values[] = {
			0, -1, 1, 10, -10, 1e300, -1e300, HUGE_VAL, -HUGE_VAL, NAN,
			r.start, r.end, nextafter(r.start, -HUGE_VAL),
			nextafter(r.end, HUGE_VAL), (r.start + r.end) / 2,
		};
		struct threshold t = { true, true, r, r };

		if (strcmp(r.text, text) != 0)
			abort();	/* the text is kept verbatim for perfdata */
		if (!r.start_infinite && !r.end_infinite && !(r.start <= r.end))
			abort();
		if (!r.start_infinite && !isfinite(r.start))
			abort();
		if (!r.end_infinite && !isfinite(r.end))
			abort();
		if (r.alert_inside != (text[0] == '@'))
			abort();
		if (!range_alerts(&r, NAN))
			abort();	/* NaN always alerts */
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			bool a = range_alerts(&r, values[i]);
			enum check_state s = threshold_state(&t, values[i]);
			if (s != (a ? STATE_CRITICAL : STATE_OK))
				abort();
		}
		/* A finite bound is inside the range. */
		if (!r.start_infinite && range_alerts(&r, r.start) != r.alert_inside)
			abort();
		if (!r.end_infinite && range_alerts(&r, r.end) != r.alert_inside)
			abort();
	} else
		check_err(err, sizeof(err));
	/* Tiny and absent error buffers must be safe too. */
	(void)range_parse(text, NULL, tiny, sizeof(tiny));
	(void)range_parse(text, NULL, NULL, 0);

	common_opts_init(&opts);
	err[0] = '\0';
	rc = common_opts_handle(&opts, 't', text, err, sizeof(err));
	if (rc == 1) {
		if (!(opts.timeout_seconds > 0 && opts.timeout_seconds <= 3600))
			abort();
		if (opts.timeout_state < STATE_OK || opts.timeout_state > STATE_UNKNOWN)
			abort();
	} else if (rc == -1)
		check_err(err, sizeof(err));
	else
		abort();
	(void)common_opts_handle(&opts, 't', text, tiny, sizeof(tiny));
	rc = common_opts_handle(&opts, COMMON_OPT_OUTPUT, text, err, sizeof(err));
	if (rc != 1 && rc != -1)
		abort();
	free(text);
	return 0;
}
