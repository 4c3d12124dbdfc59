/*
 * range_test - ranges and thresholds against the Monitoring Plugins
 * Development Guidelines, value by value, plus the state helpers. Any change
 * to a rule (an exclusive '@', "10" read as "10:") makes it fail.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "output.h"
#include "tap.h"

struct alert_case {
	const char *range;
	double value;
	bool alerts;
};

/* The guidelines' table first, then negative, decimal and edge forms. */
static const struct alert_case alert_cases[] = {
	/* 10: alert if < 0 or > 10 */
	{ "10", -1, true }, { "10", -0.001, true }, { "10", 0, false },
	{ "10", 5, false }, { "10", 10, false }, { "10", 10.001, true },
	{ "10", 11, true },
	/* 10: alert if < 10 */
	{ "10:", -1, true }, { "10:", 9.999, true }, { "10:", 10, false },
	{ "10:", 11, false }, { "10:", 1e300, false },
	/* ~:10 alert if > 10 */
	{ "~:10", -1e300, false }, { "~:10", -5, false }, { "~:10", 10, false },
	{ "~:10", 10.001, true }, { "~:10", 11, true },
	/* 10:20 alert if < 10 or > 20 */
	{ "10:20", 0, true }, { "10:20", 9.999, true }, { "10:20", 10, false },
	{ "10:20", 15, false }, { "10:20", 20, false },
	{ "10:20", 20.001, true }, { "10:20", 30, true },
	/* @10:20 alert if >= 10 and <= 20 */
	{ "@10:20", 0, false }, { "@10:20", 9.999, false },
	{ "@10:20", 10, true }, { "@10:20", 15, true }, { "@10:20", 20, true },
	{ "@10:20", 20.001, false }, { "@10:20", 30, false },
	/* '@' on the other forms */
	{ "@10", -0.001, false }, { "@10", 0, true }, { "@10", 10, true },
	{ "@10", 10.001, false },
	{ "@10:", 9.999, false }, { "@10:", 10, true }, { "@10:", 1e300, true },
	{ "@~:10", -1e300, true }, { "@~:10", 10, true },
	{ "@~:10", 10.001, false },
	/* negative */
	{ "-5:-1", -6, true }, { "-5:-1", -5.001, true }, { "-5:-1", -5, false },
	{ "-5:-1", -3, false }, { "-5:-1", -1, false },
	{ "-5:-1", -0.999, true }, { "-5:-1", 0, true },
	{ "@-5:-1", -5.001, false }, { "@-5:-1", -5, true },
	{ "@-5:-1", -1, true }, { "@-5:-1", -0.999, false },
	{ "-10:", -10.5, true }, { "-10:", -10, false },
	{ "~:-10", -10, false }, { "~:-10", -9.5, true },
	/* decimal */
	{ "0.5:1.5", 0.499, true }, { "0.5:1.5", 0.5, false },
	{ "0.5:1.5", 1, false }, { "0.5:1.5", 1.5, false },
	{ "0.5:1.5", 1.501, true },
	{ "@0.5:1.5", 0.499, false }, { "@0.5:1.5", 0.5, true },
	{ "@0.5:1.5", 1.5, true }, { "@0.5:1.5", 1.501, false },
	{ "2.5", 2.5, false }, { "2.5", 2.51, true }, { "2.5", -0.01, true },
	{ ".5", 0.5, false }, { ".5", 0.6, true },
	{ "+5", 5, false }, { "+5", 5.1, true },
	/* the start and ':' are optional when the start is 0 */
	{ ":10", -0.001, true }, { ":10", 0, false }, { ":10", 10, false },
	{ ":10", 10.001, true },
	/* degenerate but valid */
	{ "0", 0, false }, { "0", 0.001, true }, { "0", -0.001, true },
	{ "10:10", 10, false }, { "10:10", 9.999, true },
	{ "10:10", 10.001, true }, { "@10:10", 10, true },
	{ "~:", -1e300, false }, { "~:", 0, false }, { "~:", 1e300, false },
	{ "@~:", -1e300, true }, { "@~:", 0, true }, { "@~:", 1e300, true },
	{ "0:", -0.001, true }, { "0:", 0, false },
};

static void
check_alert(const char *text, double value, bool want)
{
	struct range r;
	char err[256] = "";

	if (range_parse(text, &r, err, sizeof(err)) != 0) {
		ok(0, "'%s' parses (got: %s)", text, err);
		return;
	}
	ok(range_alerts(&r, value) == want, "'%s' %s %.17g", text,
	    want ? "alerts at" : "is quiet at", value);
}

static void
test_alert_table(void)
{
	size_t n = sizeof(alert_cases) / sizeof(alert_cases[0]);

	for (size_t i = 0; i < n; i++)
		check_alert(alert_cases[i].range, alert_cases[i].value,
		    alert_cases[i].alerts);
}

/* The closest doubles either side of each end. */
static void
test_alert_edges(void)
{
	check_alert("10", nextafter(0, -1), true);
	check_alert("10", nextafter(10, 11), true);
	check_alert("10", nextafter(10, 9), false);
	check_alert("10:20", nextafter(10, 9), true);
	check_alert("10:20", nextafter(20, 21), true);
	check_alert("@10:20", nextafter(10, 9), false);
	check_alert("@10:20", nextafter(10, 11), true);
	check_alert("@10:20", nextafter(20, 19), true);
	check_alert("@10:20", nextafter(20, 21), false);
	check_alert("10:", nextafter(10, 9), true);
	check_alert("~:10", nextafter(10, 11), true);
	/* Not a number is never shown to be fine. */
	check_alert("10", NAN, true);
	check_alert("@10:20", NAN, true);
	check_alert("~:", NAN, true);
	ok(!range_alerts(NULL, 5), "a NULL range never alerts");
}

static void
check_fields(const char *text, double start, double end, bool start_inf,
    bool end_inf, bool inside)
{
	struct range r;
	char err[256] = "";

	memset(&r, 0x5a, sizeof(r));
	is_int(range_parse(text, &r, err, sizeof(err)), 0, "'%s' parses", text);
	if (!start_inf)
		is_double(r.start, start, "'%s' starts at %g", text, start);
	else
		is_double(r.start, -INFINITY, "'%s' starts at -inf", text);
	if (!end_inf)
		is_double(r.end, end, "'%s' ends at %g", text, end);
	else
		is_double(r.end, INFINITY, "'%s' ends at inf", text);
	ok(r.start_infinite == start_inf, "'%s' start_infinite is %d", text,
	    start_inf);
	ok(r.end_infinite == end_inf, "'%s' end_infinite is %d", text,
	    end_inf);
	ok(r.alert_inside == inside, "'%s' alert_inside is %d", text, inside);
	/* Not is_str: gcc -O2 then sees a NULL path into the message. */
	ok(strcmp(r.text, text) == 0, "'%s' keeps its text", text);
}

static void
test_fields(void)
{
	check_fields("10", 0, 10, false, false, false);
	check_fields("10:", 10, 0, false, true, false);
	check_fields("~:10", 0, 10, true, false, false);
	check_fields("10:20", 10, 20, false, false, false);
	check_fields("@10:20", 10, 20, false, false, true);
	check_fields("-5:-1", -5, -1, false, false, false);
	check_fields("0.5:1.5", 0.5, 1.5, false, false, false);
	check_fields("~:", 0, 0, true, true, false);
	check_fields("@~:", 0, 0, true, true, true);
	check_fields(":10", 0, 10, false, false, false);
	check_fields("-0.25:+7.125", -0.25, 7.125, false, false, false);
	ok(range_parse("10", NULL, NULL, 0) == 0,
	    "a NULL out and err are allowed");
}

/* Each bad range: -1 and a sentence that quotes it. */
static void
check_bad(const char *text, const char *why)
{
	struct range r;
	char err[256] = "", quoted[128];

	snprintf(quoted, sizeof(quoted), "'%s'", text);
	/* Name tests by WHY: TEXT may hold a newline, which would break TAP. */
	is_int(range_parse(text, &r, err, sizeof(err)), -1,
	    "bad range (%s) is rejected", why);
	ok(err[0] != '\0', "bad range (%s) gets a sentence", why);
	like_str(err, quoted, "the sentence for bad range (%s) quotes it", why);
	like_str(err, "is not a valid range", "the sentence for bad range (%s) "
	    "says what is wrong", why);
}

static void
test_bad(void)
{
	static const char *const bad[][2] = {
		{ "", "empty" }, { "abc", "not a number" },
		{ "20:10", "start > end" }, { "10x", "trailing garbage" },
		{ "10:20x", "trailing garbage at the end" },
		{ "x10:20", "garbage at the start" },
		{ "@", "only '@'" }, { ":", "only ':'" }, { "@:", "'@:'" },
		{ "nan", "NaN" }, { "NaN", "NaN" }, { "inf", "inf" },
		{ "-inf", "-inf" }, { "infinity", "infinity" },
		{ "nan:10", "NaN start" }, { "10:inf", "inf end" },
		{ " 10", "leading space" }, { "10 ", "trailing space" },
		{ "10: 20", "inner space" }, { "10\t", "tab" },
		{ "10\n", "newline" }, { "0,5", "comma decimal" },
		{ "0,5:1,5", "comma decimals" }, { "1e3", "exponent" },
		{ "0x10", "hex" }, { "10:20:30", "two colons" },
		{ "~", "lone ~" }, { "10:~", "~ as the end" },
		{ "~:~", "~ both sides" }, { "@@10", "double @" },
		{ "10@", "@ not first" }, { "-5", "lone negative" },
		{ "--5", "double sign" }, { "+-5", "two signs" },
		{ ".", "lone point" }, { "-", "lone sign" }, { "5:-", "sign end" },
		{ "1.2.3", "two points" }, { "5:1", "start > end again" },
		{ "-1:-5", "negative start > end" },
		{ "@20:10", "inverted start > end" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i][0], bad[i][1]);
}

static void
test_bad_sentences(void)
{
	char err[256];
	char fits[64], too_long[65];

	range_parse("20:10", NULL, err, sizeof(err));
	is_str(err, "'20:10' is not a valid range: the start (20) is greater "
	    "than the end (10)", "start > end says so");
	range_parse("0,5", NULL, err, sizeof(err));
	like_str(err, "decimal point", "a comma is explained");
	range_parse("10 ", NULL, err, sizeof(err));
	like_str(err, "whitespace", "whitespace is explained");
	range_parse("", NULL, err, sizeof(err));
	like_str(err, "empty", "empty is explained");
	range_parse("10:20:30", NULL, err, sizeof(err));
	like_str(err, "more than one ':'", "a second colon is explained");
	range_parse("-5", NULL, err, sizeof(err));
	like_str(err, "0:N", "a lone negative value is explained");
	range_parse("10:x", NULL, err, sizeof(err));
	like_str(err, "the end 'x'", "a bad end is named");
	range_parse("x:10", NULL, err, sizeof(err));
	like_str(err, "the start 'x'", "a bad start is named");
	range_parse("10:~", NULL, err, sizeof(err));
	like_str(err, "'~'", "'~' as the end is explained");

	/* 63 characters fit in range.text; 64 do not. */
	memset(fits, '0', sizeof(fits) - 1);
	fits[0] = '1';
	fits[sizeof(fits) - 1] = '\0';
	fits[1] = '.';
	is_int(range_parse(fits, NULL, err, sizeof(err)), 0,
	    "a 63-character range is accepted");
	memcpy(too_long, fits, sizeof(fits) - 1);
	too_long[63] = '0';
	too_long[64] = '\0';
	is_int(range_parse(too_long, NULL, err, sizeof(err)), -1,
	    "a 64-character range is rejected");
	like_str(err, "longer than 63", "too long is explained");

	is_int(range_parse(NULL, NULL, err, sizeof(err)), -1,
	    "a NULL range is rejected");
	is_int(range_parse("abc", NULL, err, 1), -1, "a tiny err is safe");
	is_str(err, "", "and holds an empty string");
}

static struct threshold
threshold(const char *warn, const char *crit)
{
	struct threshold t = { 0 };
	char err[256];

	if (warn != NULL)
		t.has_warning = range_parse(warn, &t.warning, err,
		    sizeof(err)) == 0;
	if (crit != NULL)
		t.has_critical = range_parse(crit, &t.critical, err,
		    sizeof(err)) == 0;
	return t;
}

static void
test_threshold(void)
{
	struct threshold t = threshold("10", "20");
	struct threshold days = threshold("30:", "7:");
	struct threshold onlycrit = threshold(NULL, "@0:5");
	struct threshold none = threshold(NULL, NULL);

	is_int(threshold_state(&t, 5), STATE_OK, "5 is OK against 10/20");
	is_int(threshold_state(&t, 10), STATE_OK, "10 is OK against 10/20");
	is_int(threshold_state(&t, 15), STATE_WARNING, "15 is WARNING");
	is_int(threshold_state(&t, 20), STATE_WARNING, "20 is WARNING");
	is_int(threshold_state(&t, 21), STATE_CRITICAL, "21 is CRITICAL");
	is_int(threshold_state(&t, -1), STATE_CRITICAL,
	    "-1 is CRITICAL: both alert and critical wins");
	is_int(threshold_state(&days, 90), STATE_OK, "90 days is OK");
	is_int(threshold_state(&days, 30), STATE_OK, "30 days is OK");
	is_int(threshold_state(&days, 29), STATE_WARNING, "29 days warns");
	is_int(threshold_state(&days, 7), STATE_WARNING, "7 days warns");
	is_int(threshold_state(&days, 6.5), STATE_CRITICAL, "6.5 days is "
	    "CRITICAL");
	is_int(threshold_state(&onlycrit, 0), STATE_CRITICAL,
	    "inside @0:5 is CRITICAL");
	is_int(threshold_state(&onlycrit, 5.5), STATE_OK,
	    "outside @0:5 is OK, with no warning range");
	is_int(threshold_state(&none, -1e300), STATE_OK,
	    "no ranges is always OK");
	is_int(threshold_state(NULL, 1), STATE_OK, "a NULL threshold is OK");
	t.has_critical = false;
	is_int(threshold_state(&t, 25), STATE_WARNING,
	    "a range that is not set is ignored");
}

static void
test_worst(void)
{
	static const enum check_state want[4][4] = {
		[STATE_OK] = { STATE_OK, STATE_WARNING, STATE_CRITICAL,
		    STATE_UNKNOWN },
		[STATE_WARNING] = { STATE_WARNING, STATE_WARNING,
		    STATE_CRITICAL, STATE_WARNING },
		[STATE_CRITICAL] = { STATE_CRITICAL, STATE_CRITICAL,
		    STATE_CRITICAL, STATE_CRITICAL },
		[STATE_UNKNOWN] = { STATE_UNKNOWN, STATE_WARNING,
		    STATE_CRITICAL, STATE_UNKNOWN },
	};

	for (int a = STATE_OK; a <= STATE_UNKNOWN; a++)
		for (int b = STATE_OK; b <= STATE_UNKNOWN; b++)
			is_int(check_state_worst((enum check_state)a,
			    (enum check_state)b), want[a][b],
			    "worst of %s and %s",
			    check_state_name((enum check_state)a),
			    check_state_name((enum check_state)b));
}

static void
test_names(void)
{
	is_str(check_state_name(STATE_OK), "OK", "name of 0");
	is_str(check_state_name(STATE_WARNING), "WARNING", "name of 1");
	is_str(check_state_name(STATE_CRITICAL), "CRITICAL", "name of 2");
	is_str(check_state_name(STATE_UNKNOWN), "UNKNOWN", "name of 3");
	is_str(check_state_name((enum check_state)7), "UNKNOWN",
	    "an out-of-range state is UNKNOWN");
}

static void
test_parse(void)
{
	static const struct {
		const char *text;
		enum check_state state;
	} good[] = {
		{ "ok", STATE_OK }, { "OK", STATE_OK }, { "Ok", STATE_OK },
		{ "warning", STATE_WARNING }, { "WARNING", STATE_WARNING },
		{ "critical", STATE_CRITICAL }, { "Critical", STATE_CRITICAL },
		{ "unknown", STATE_UNKNOWN }, { "UNKNOWN", STATE_UNKNOWN },
		{ "0", STATE_OK }, { "1", STATE_WARNING },
		{ "2", STATE_CRITICAL }, { "3", STATE_UNKNOWN },
	};
	static const char *const bad[] = {
		"", "4", "-1", "00", "okay", "warn", "crit", " ok", "ok ",
		"o", "criticall", "1.0",
	};
	enum check_state s;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s = STATE_UNKNOWN;
		if (good[i].state == STATE_UNKNOWN)
			s = STATE_OK;
		is_int(check_state_parse(good[i].text, &s), 0, "'%s' parses",
		    good[i].text);
		is_int(s, good[i].state, "'%s' is %s", good[i].text,
		    check_state_name(good[i].state));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = STATE_WARNING;
		is_int(check_state_parse(bad[i], &s), -1, "'%s' is no state",
		    bad[i]);
		is_int(s, STATE_WARNING, "'%s' leaves the state alone", bad[i]);
	}
	is_int(check_state_parse(NULL, &s), -1, "NULL is no state");
}

/* check_ceil() rounds -t up to whole seconds (alarm) and milliseconds. */
static void
test_ceil(void)
{
	static const struct {
		double x;
		unsigned want;
	} cases[] = {
		{ 0, 0 }, { 0.001, 1 }, { 0.5, 1 }, { 1, 1 }, { 1.000001, 2 },
		{ 9.999, 10 }, { 10, 10 }, { 250.5, 251 }, { 86400000, 86400000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int((long)check_ceil(cases[i].x), (long)cases[i].want,
		    "check_ceil(%g) is %u", cases[i].x, cases[i].want);
	is_int((long)check_ceil(nextafter(3, 4)), 4, "just above 3 rounds up to 4");
}

/*
 * num_format() writes whole numbers without printf's float code: the text
 * must stay what "%.6f" with its zeros cut gives, on both sides of the
 * bound where the float code takes over again.
 */
static void
test_num_format(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { -0.0, "0" }, { 1, "1" }, { -1, "-1" }, { 7776000, "7776000" },
		{ -7776000, "-7776000" }, { 22.5, "22.5" }, { -22.5, "-22.5" },
		{ 0.1234567, "0.123457" }, { 0.0000001, "0" }, { -0.0000001, "0" },
		{ 999999999999999, "999999999999999" }, { 1e15, "1000000000000000" },
		{ -1e15, "-1000000000000000" }, { 1e20, "100000000000000000000" },
		{ 123456789012.5, "123456789012.5" },
	};
	char buf[NUM_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(num_format(cases[i].v, buf), cases[i].want, "num_format(%.7g) is %s",
		    cases[i].v, cases[i].want);
}

int
main(void)
{
	test_alert_table();
	test_alert_edges();
	test_fields();
	test_bad();
	test_bad_sentences();
	test_threshold();
	test_worst();
	test_names();
	test_parse();
	test_ceil();
	test_num_format();
	return done_testing();
}
