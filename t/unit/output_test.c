/*
 * output_test - what check_finish prints (Nagios lines, perfdata, JSON and
 * facts), how states aggregate, and the common options' values and errors.
 */
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "check.h"
#include "tap.h"

static void
skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_count, why);
}

/* Everything check_finish writes, as a fresh string; RC gets its return. */
static char *
finish(struct check *c, enum check_output format, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int got;

	if (f == NULL)
		return NULL;
	got = check_finish(c, format, f);
	fclose(f);
	if (rc != NULL)
		*rc = got;
	return buf;
}

/* Like finish, but frees C and keeps only line one. */
static char *
line_one(struct check *c)
{
	char *out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	char *nl = out ? strchr(out, '\n') : NULL;

	if (nl != NULL)
		*nl = '\0';
	check_free(c);
	return out;
}

/* Runs FN with the file descriptor FD sent to a file; returns what came. */
static char *
capture_fd(int fd, FILE *stream, void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	char *buf;
	long len;
	int saved;

	if (tmp == NULL)
		return NULL;
	fflush(stream);
	saved = dup(fd);
	dup2(fileno(tmp), fd);
	fn(arg);
	fflush(stream);
	dup2(saved, fd);
	close(saved);
	len = ftell(tmp);
	buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
	rewind(tmp);
	if (buf != NULL && len > 0 && fread(buf, 1, (size_t)len, tmp) == 0)
		buf[0] = '\0';
	fclose(tmp);
	return buf;
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

static char *
perf_line(const char *label, double value, const char *uom,
    const struct threshold *t, const double *min, const double *max)
{
	struct check *c = check_new("P");

	check_add(c, STATE_OK, "fine");
	check_perf(c, label, value, uom, t, min, max);
	return line_one(c);
}

static void
is_perf(const char *label, double value, const char *uom,
    const struct threshold *t, const double *min, const double *max,
    const char *want, const char *name)
{
	char *got = perf_line(label, value, uom, t, min, max);
	char full[512];

	snprintf(full, sizeof(full), "P OK - fine | %s", want);
	is_str(got, full, "perfdata: %s", name);
	free(got);
}

static void
test_plain(void)
{
	struct check *c = check_new("MAIL_TLS");
	char *out;
	int rc = -1;

	check_add(c, STATE_OK, "handshake took %d ms", 12);
	out = finish(c, CHECK_OUTPUT_NAGIOS, &rc);
	is_str(out, "MAIL_TLS OK - handshake took 12 ms\n"
	    "[OK] handshake took 12 ms\n", "one OK result");
	is_int(rc, 0, "OK exits 0");
	is_int(check_state(c), STATE_OK, "check_state agrees");
	free(out);
	check_free(c);

	c = check_new(NULL);
	check_add(c, STATE_WARNING, "no prefix");
	out = finish(c, CHECK_OUTPUT_NAGIOS, &rc);
	is_str(out, "WARNING - no prefix\n[WARNING] no prefix\n",
	    "no prefix, no leading space");
	free(out);
	check_free(c);
}

static void
test_perf(void)
{
	struct threshold t = threshold("1", "2");
	struct threshold inv = threshold("@10:20", "~:5");
	struct threshold wonly = threshold("3", NULL);
	struct threshold conly = threshold(NULL, "7:");
	double zero = 0, ten = 10, hundred = 100, inf = INFINITY;

	is_perf("time", 0.012, "s", NULL, NULL, NULL, "time=0.012s",
	    "no empty fields");
	is_perf("time", 0.012, "s", &t, &zero, &ten, "time=0.012s;1;2;0;10",
	    "all fields");
	is_perf("x", 5, NULL, NULL, NULL, &hundred, "x=5;;;;100", "only max");
	is_perf("x", 5, "", NULL, &zero, NULL, "x=5;;;0", "only min");
	is_perf("x", 5, NULL, &wonly, NULL, NULL, "x=5;3", "only warning");
	is_perf("x", 5, NULL, &conly, NULL, NULL, "x=5;;7:", "only critical");
	is_perf("x", 15, "%", &inv, NULL, NULL, "x=15%;@10:20;~:5",
	    "ranges keep their text");
	is_perf("cert days", 30, "d", NULL, NULL, NULL, "'cert days'=30d",
	    "a space is quoted");
	is_perf("a=b", 1, NULL, NULL, NULL, NULL, "'a=b'=1", "'=' is quoted");
	is_perf("it's", 1, NULL, NULL, NULL, NULL, "'it''s'=1",
	    "a quote is doubled and quoted");
	is_perf("a|b", 1, NULL, NULL, NULL, NULL, "a/b=1", "'|' is replaced");
	is_perf("", 1, NULL, NULL, NULL, NULL, "''=1", "an empty label");
	is_perf("x", 0.012345, NULL, NULL, NULL, NULL, "x=0.012345",
	    "six decimals");
	is_perf("x", 30, NULL, NULL, NULL, NULL, "x=30", "no point for 30");
	is_perf("x", -1.5, NULL, NULL, NULL, NULL, "x=-1.5", "negative");
	is_perf("x", 0.1 + 0.2, NULL, NULL, NULL, NULL, "x=0.3",
	    "binary noise is rounded away");
	is_perf("x", 1e-7, NULL, NULL, NULL, NULL, "x=0", "below six decimals");
	is_perf("x", -1e-7, NULL, NULL, NULL, NULL, "x=0", "no '-0'");
	is_perf("x", 1234567.25, NULL, NULL, NULL, NULL, "x=1234567.25",
	    "no exponent");
	is_perf("x", 2.5e15, NULL, NULL, NULL, NULL, "x=2500000000000000",
	    "no exponent when large");
	is_perf("x", NAN, "s", NULL, NULL, NULL, "x=U",
	    "not a number is 'U'");
	is_perf("x", 1, NULL, NULL, &zero, &inf, "x=1;;;0",
	    "an infinite max is left out");
	is_perf("x", 1, "s;1", NULL, NULL, NULL, "x=1s",
	    "a UOM cannot break the fields");
}

static void
test_perf_many(void)
{
	struct check *c = check_new("P");
	char *out;

	check_perf(c, "a", 1, "s", NULL, NULL, NULL);
	check_perf(c, "b c", 2, "B", NULL, NULL, NULL);
	check_add(c, STATE_CRITICAL, "down");
	check_detail(c, "detail one");
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	is_str(out, "P CRITICAL - down | a=1s 'b c'=2B\n[CRITICAL] down\n"
	    "detail one\n", "perfdata is space-separated, details last");
	free(out);
	check_free(c);
}

struct agg_case {
	const char *name;
	enum check_state states[4];
	int n;
	enum check_state want;
	const char *summary;
};

static void
test_aggregate(void)
{
	static const char *const texts[] = { "a", "b", "c", "d" };
	static const struct agg_case cases[] = {
		{ "OK alone", { STATE_OK }, 1, STATE_OK, "a" },
		{ "UNKNOWN beats OK", { STATE_OK, STATE_UNKNOWN }, 2,
		    STATE_UNKNOWN, "b" },
		{ "WARNING beats UNKNOWN", { STATE_UNKNOWN, STATE_WARNING,
		    STATE_OK }, 3, STATE_WARNING, "b" },
		{ "CRITICAL beats WARNING", { STATE_WARNING, STATE_OK,
		    STATE_CRITICAL, STATE_UNKNOWN }, 4, STATE_CRITICAL, "c" },
		{ "CRITICAL beats all after it", { STATE_CRITICAL,
		    STATE_WARNING, STATE_UNKNOWN, STATE_OK }, 4,
		    STATE_CRITICAL, "a" },
		{ "the first of the worst", { STATE_OK, STATE_WARNING,
		    STATE_WARNING }, 3, STATE_WARNING, "b" },
		{ "OKs stay OK", { STATE_OK, STATE_OK, STATE_OK }, 3,
		    STATE_OK, "a" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct agg_case *k = &cases[i];
		struct check *c = check_new("P");
		char want[128], *out;
		int rc = -1;

		for (int j = 0; j < k->n; j++)
			check_add(c, k->states[j], "%s", texts[j]);
		is_int(check_state(c), k->want, "%s: check_state", k->name);
		out = finish(c, CHECK_OUTPUT_NAGIOS, &rc);
		if (out != NULL)
			out[strcspn(out, "\n")] = '\0';
		snprintf(want, sizeof(want), "P %s - %s",
		    check_state_name(k->want), k->summary);
		is_str(out, want, "%s: line one", k->name);
		is_int(rc, k->want, "%s: exit code", k->name);
		free(out);
		check_free(c);
	}
}

static void
test_summary(void)
{
	struct check *c = check_new("P");
	char *out;
	int rc;

	check_add(c, STATE_OK, "first");
	check_add(c, STATE_WARNING, "second");
	check_summary(c, "%d of %d fine", 1, 2);
	out = finish(c, CHECK_OUTPUT_NAGIOS, &rc);
	is_str(out, "P WARNING - 1 of 2 fine\n[OK] first\n[WARNING] second\n",
	    "check_summary sets line one, the state stays");
	free(out);
	check_summary(c, NULL);
	out = line_one(c);
	is_str(out, "P WARNING - second", "a cleared summary falls back");
	free(out);

	c = check_new("P");
	out = finish(c, CHECK_OUTPUT_NAGIOS, &rc);
	is_str(out, "P UNKNOWN - no checks were run\n", "no results at all");
	is_int(rc, STATE_UNKNOWN, "no results exits 3");
	free(out);
	check_free(c);

	c = check_new("P");
	check_add(c, (enum check_state)9, "odd");
	out = line_one(c);
	is_str(out, "P UNKNOWN - odd", "a bad state counts as UNKNOWN");
	free(out);
}

static void
test_sanitise(void)
{
	struct check *c = check_new("A|B");
	char *out;

	check_add(c, STATE_OK, "a|b\nc\rd");
	check_detail(c, "x | y\tz");
	check_perf(c, "l", 1, NULL, NULL, NULL, NULL);
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	is_str(out, "A/B OK - a/b c d | l=1\n[OK] a/b c d\nx / y z\n",
	    "'|' becomes '/' and line breaks become spaces everywhere");
	free(out);
	check_summary(c, "s|s\n");
	out = line_one(c);
	is_str(out, "A/B OK - s/s  | l=1", "the summary too");
	free(out);
}

static void
test_long_text(void)
{
	static char big[10000];
	struct check *c = check_new("P");
	char *out, *line;
	size_t len;

	memset(big, 'a', sizeof(big) - 1);
	check_add(c, STATE_OK, "%s", big);
	/* "é" is two bytes: 4093 is odd, so a cut there splits one. */
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[sizeof(big) - 2] = '\0';
	check_add(c, STATE_OK, "%s", big);
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	line = out ? strstr(out, "\n[OK] ") + 6 : NULL;
	len = line ? strcspn(line, "\n") : 0;
	is_int(len, 4096, "a long text is cut at 4096 bytes");
	ok(line && strncmp(line + len - 3, "...", 3) == 0,
	    "and ends in '...'");
	line = line ? strstr(line, "\n[OK] ") + 6 : NULL;
	len = line ? strcspn(line, "\n") : 0;
	is_int(len, 4095, "a UTF-8 text is cut before a split character");
	ok(line && strncmp(line + len - 5, "\xc3\xa9...", 5) == 0,
	    "and ends in a whole character");
	free(out);
	check_free(c);
}

static void
test_json(void)
{
	struct threshold t = threshold("30:", "7:");
	struct check *c = check_new("MAIL_TLS");
	double zero = 0;
	char *out;
	int rc = -1;

	check_add(c, STATE_OK, "TLS 1.3");
	check_add(c, STATE_WARNING, "certificate expires in 20 days");
	check_detail(c, "chain: leaf");
	check_perf(c, "days", 20, "d", &t, &zero, NULL);
	check_perf(c, "time", 0.25, "s", NULL, NULL, NULL);
	check_fact_str(c, "host", "mx.example.org");
	check_fact_num(c, "port", 25);
	check_fact_bool(c, "starttls", true);
	out = finish(c, CHECK_OUTPUT_JSON, &rc);
	is_str(out, "{\"state\":\"WARNING\",\"exit_code\":1,"
	    "\"prefix\":\"MAIL_TLS\","
	    "\"summary\":\"certificate expires in 20 days\","
	    "\"results\":[{\"state\":\"OK\",\"text\":\"TLS 1.3\"},"
	    "{\"state\":\"WARNING\",\"text\":\"certificate expires in 20 days\"}],"
	    "\"details\":[\"chain: leaf\"],"
	    "\"perfdata\":[{\"label\":\"days\",\"value\":20,\"uom\":\"d\","
	    "\"warning\":\"30:\",\"critical\":\"7:\",\"min\":0},"
	    "{\"label\":\"time\",\"value\":0.25,\"uom\":\"s\"}],"
	    "\"facts\":{\"host\":\"mx.example.org\",\"port\":25,"
	    "\"starttls\":true}}\n", "a small JSON object, exactly");
	is_int(rc, 1, "JSON exits with the state too");
	free(out);
	check_free(c);

	c = check_new("P");
	out = finish(c, CHECK_OUTPUT_JSON, &rc);
	is_str(out, "{\"state\":\"UNKNOWN\",\"exit_code\":3,\"prefix\":\"P\","
	    "\"summary\":\"no checks were run\",\"results\":[],\"details\":[],"
	    "\"perfdata\":[],\"facts\":{}}\n", "an empty JSON object");
	free(out);
	check_free(c);
}

static void
test_json_escape(void)
{
	struct check *c = check_new("P");
	char *out;

	check_add(c, STATE_OK, "say \"hi\" \\ new\nline\x01tab\t|caf\xc3\xa9"
	    "\xe2\x82\xac bad\xff\xc3(");
	check_perf(c, "a\"b", NAN, NULL, NULL, NULL, NULL);
	out = finish(c, CHECK_OUTPUT_JSON, NULL);
	like_str(out, "\"text\":\"say \\\"hi\\\" \\\\ new\\nline\\u0001tab\\t"
	    "|caf\xc3\xa9\xe2\x82\xac bad\\ufffd\\ufffd(\"",
	    "quotes, backslash, newline, control chars; UTF-8 kept, "
	    "bad bytes replaced, '|' kept");
	like_str(out, "{\"label\":\"a\\\"b\",\"value\":null}",
	    "a label is escaped and NaN is null");
	ok(out && strchr(out, '\n') == out + strlen(out) - 1,
	    "one line, ending in a newline");
	free(out);
	check_free(c);
}

static char *
json_facts(struct check *c)
{
	char *out = finish(c, CHECK_OUTPUT_JSON, NULL);
	char *facts = out ? strstr(out, "\"facts\":") : NULL;
	char *copy = facts ? strdup(facts + 8) : NULL;

	free(out);
	check_free(c);
	return copy;
}

static void
test_facts(void)
{
	struct check *c = check_new("P");
	char *got;

	check_fact_str(c, "host", "mx");
	check_fact_list(c, "chain");
	check_fact_item(c);
	check_fact_str(c, "subject", "CN=leaf");
	check_fact_num(c, "depth", 0);
	check_fact_list(c, "san");
	check_fact_item(c);
	check_fact_str(c, "dns", "a.example");
	check_fact_end(c);
	check_fact_end(c);
	check_fact_end(c);
	check_fact_item(c);
	check_fact_str(c, "subject", "CN=ca");
	check_fact_bool(c, "self_signed", false);
	check_fact_end(c);
	check_fact_end(c);
	check_fact_num(c, "days", -3.5);
	check_fact_list(c, "empty");
	check_fact_end(c);
	check_fact_str(c, "none", NULL);
	got = json_facts(c);
	is_str(got, "{\"host\":\"mx\",\"chain\":[{\"subject\":\"CN=leaf\","
	    "\"depth\":0,\"san\":[{\"dns\":\"a.example\"}]},"
	    "{\"subject\":\"CN=ca\",\"self_signed\":false}],\"days\":-3.5,"
	    "\"empty\":[],\"none\":null}}\n", "facts nest");
	free(got);

	c = check_new("P");
	check_fact_list(c, "chain");
	check_fact_item(c);
	check_fact_str(c, "a", "1");
	got = json_facts(c);
	is_str(got, "{\"chain\":[{\"a\":\"1\"}]}}\n",
	    "open containers are closed at finish");
	free(got);

	c = check_new("P");
	check_fact_end(c);
	check_fact_item(c);
	check_fact_str(c, "lost", "x");
	check_fact_end(c);
	check_fact_list(c, "l");
	check_fact_str(c, "lost", "y");
	check_fact_list(c, "lost");
	check_fact_end(c);
	check_fact_end(c);
	check_fact_num(c, "inf", INFINITY);
	got = json_facts(c);
	is_str(got, "{\"l\":[],\"inf\":null}}\n", "misplaced facts are dropped, "
	    "the nesting survives and infinity is null");
	free(got);

	c = check_new("P");
	check_fact_str(c, "k\"\n", "v\\");
	got = json_facts(c);
	is_str(got, "{\"k\\\"\\n\":\"v\\\\\"}}\n", "keys are escaped");
	free(got);
}

static void
test_null_check(void)
{
	char *out;
	int rc = -1;

	check_add(NULL, STATE_OK, "x");
	check_summary(NULL, "x");
	check_detail(NULL, "x");
	check_perf(NULL, "x", 1, NULL, NULL, NULL, NULL);
	check_fact_str(NULL, "x", "y");
	check_fact_list(NULL, "x");
	check_fact_item(NULL);
	check_fact_end(NULL);
	check_free(NULL);
	is_int(check_state(NULL), STATE_UNKNOWN, "a NULL check is UNKNOWN");
	out = finish(NULL, CHECK_OUTPUT_NAGIOS, &rc);
	is_str(out, "UNKNOWN - could not allocate memory for the result\n",
	    "a NULL check (failed check_new) prints UNKNOWN");
	is_int(rc, 3, "and exits 3");
	free(out);
	out = finish(NULL, CHECK_OUTPUT_JSON, &rc);
	like_str(out, "{\"state\":\"UNKNOWN\",\"exit_code\":3,",
	    "in JSON too");
	free(out);
}

static void
is_opt_error(int opt, const char *arg, const char *want, const char *name)
{
	struct common_opts o;
	char err[256] = "";

	common_opts_init(&o);
	is_int(common_opts_handle(&o, opt, arg, err, sizeof(err)), -1,
	    "%s is refused", name);
	if (want[0] == '=')
		is_str(err, want + 1, "%s: the sentence", name);
	else
		like_str(err, want, "%s: the sentence", name);
	is_double(o.timeout_seconds, 10, "%s leaves the timeout", name);
	is_int(o.output, CHECK_OUTPUT_NAGIOS, "%s leaves the output", name);
}

static void
test_opts_errors(void)
{
	is_opt_error('t', "0", "=-t/--timeout: '0' is not a valid timeout: "
	    "give seconds greater than 0, optionally followed by :STATE",
	    "-t 0");
	is_opt_error('t', "abc", "=-t/--timeout: 'abc' is not a valid "
	    "timeout: give seconds greater than 0, optionally followed by "
	    ":STATE", "-t abc");
	is_opt_error('t', "5:bogus", "=-t/--timeout: '5:bogus' is not a "
	    "valid timeout: 'bogus' is not a state; use ok, warning, critical "
	    "or unknown", "-t 5:bogus");
	is_opt_error('t', "-5", "-t/--timeout: '-5'", "-t -5");
	is_opt_error('t', "3601", "at most 3600", "-t 3601");
	is_opt_error('t', "5:", "-t/--timeout: '5:'", "-t 5:");
	is_opt_error('t', "2,5", "decimal point", "-t 2,5");
	is_opt_error('t', "1e3", "-t/--timeout: '1e3'", "-t 1e3");
	is_opt_error('t', "", "-t/--timeout: ''", "-t ''");
	is_opt_error('t', " 5", "-t/--timeout: ' 5'", "-t ' 5'");
	is_opt_error('t', NULL, "-t/--timeout", "-t without a value");
	is_opt_error(COMMON_OPT_OUTPUT, "xml", "=--output: 'xml' is not a "
	    "valid output format: use nagios, json or openmetrics", "--output xml");
}

static void
test_opts(void)
{
	struct common_opts o;
	char err[256] = "";

	common_opts_init(&o);
	is_double(o.timeout_seconds, 10, "the timeout defaults to 10 s");
	is_int(o.timeout_state, STATE_CRITICAL, "and to CRITICAL");
	is_int(o.verbose, 0, "verbose defaults to 0");
	is_int(o.output, CHECK_OUTPUT_NAGIOS, "output defaults to nagios");

	is_int(common_opts_handle(&o, 't', "2.5:warning", err, sizeof(err)),
	    1, "-t 2.5:warning is taken");
	is_double(o.timeout_seconds, 2.5, "2.5 seconds");
	is_int(o.timeout_state, STATE_WARNING, "ending WARNING");
	is_int(common_opts_handle(&o, 't', "3600:3", err, sizeof(err)), 1,
	    "-t 3600:3 is taken");
	is_double(o.timeout_seconds, 3600, "3600 seconds");
	is_int(o.timeout_state, STATE_UNKNOWN, "ending UNKNOWN");
	is_int(common_opts_handle(&o, 't', "0.5", err, sizeof(err)), 1,
	    "-t 0.5 is taken");
	is_double(o.timeout_seconds, 0.5, "half a second");
	is_int(o.timeout_state, STATE_UNKNOWN, "without :STATE it stays");

	is_int(common_opts_handle(&o, COMMON_OPT_OUTPUT, "json", err,
	    sizeof(err)), 1, "--output json is taken");
	is_int(o.output, CHECK_OUTPUT_JSON, "output is JSON");
	is_int(common_opts_handle(&o, COMMON_OPT_OUTPUT, "nagios", err,
	    sizeof(err)), 1, "--output nagios is taken");
	is_int(o.output, CHECK_OUTPUT_NAGIOS, "output is nagios");
	common_opts_handle(&o, 'v', NULL, err, sizeof(err));
	is_int(common_opts_handle(&o, 'v', NULL, err, sizeof(err)), 1,
	    "-v is taken");
	is_int(o.verbose, 2, "-v -v counts 2");
	is_int(common_opts_handle(&o, 'h', NULL, err, sizeof(err)),
	    COMMON_WANTS_HELP, "-h wants help");
	is_int(common_opts_handle(&o, 'V', NULL, err, sizeof(err)),
	    COMMON_WANTS_VERSION, "-V wants the version");
	is_int(common_opts_handle(&o, 'H', "x", err, sizeof(err)), 0,
	    "-H is not a common option");
	is_int(common_opts_handle(&o, '?', NULL, err, sizeof(err)), 0,
	    "'?' is not a common option");
}

static void
run_help(void *arg)
{
	(void)arg;
	common_opts_help(stdout);
}

static void
run_usage(void *arg)
{
	*(int *)arg = check_usage_error("MAIL_TLS", "-H: give a host|name");
}

static void
run_verbose(void *arg)
{
	const struct common_opts *o = arg;

	check_verbose(o, 1, "level %d", 1);
	check_verbose(o, 2, "level %d\n", 2);
	check_verbose(o, 3, "level %d", 3);
}

static void
test_help_usage_verbose(void)
{
	struct common_opts o;
	char *out;
	int rc = -1;

	out = capture_fd(STDOUT_FILENO, stdout, run_help, NULL);
	like_str(out, "-t, --timeout=SECONDS[:STATE]", "help names -t");
	like_str(out, "default 10)", "help gives the default timeout");
	like_str(out, "(default critical)", "help gives the default state");
	like_str(out, "--output=FORMAT", "help names --output");
	like_str(out, "-v, --verbose", "help names -v");
	like_str(out, "-V, --version", "help names -V");
	free(out);

	out = capture_fd(STDOUT_FILENO, stdout, run_usage, &rc);
	is_str(out, "MAIL_TLS UNKNOWN - -H: give a host/name\n",
	    "check_usage_error prints one line to stdout");
	is_int(rc, 3, "and returns 3");
	free(out);

	common_opts_init(&o);
	o.verbose = 2;
	out = capture_fd(STDERR_FILENO, stderr, run_verbose, &o);
	is_str(out, "level 1\nlevel 2\n", "-v -v prints levels 1 and 2");
	free(out);
}

/* A text of LEN bytes: words of 9 letters and a space, starting with CH. */
static char *
words(char ch, size_t len)
{
	char *s = malloc(len + 1);

	for (size_t i = 0; s != NULL && i < len; i++)
		s[i] = i % 10 == 9 ? ' ' : ch;
	if (s != NULL)
		s[len] = '\0';
	return s;
}

static void
test_line_one_budget(void)
{
	char *a = words('a', 59), *b = words('b', 59), *c3 = words('c', 80);
	char *big = words('d', 300), *out, *json;
	struct check *c = check_new("MAIL_TLS");
	size_t len;

	check_add(c, STATE_CRITICAL, "%s", a);
	check_add(c, STATE_OK, "fine");
	check_add(c, STATE_CRITICAL, "%s", b);
	check_add(c, STATE_WARNING, "%s", c3);
	check_summary_prefix(c, "host:25 (smtp)");
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	len = out ? strcspn(out, "\n") : 0;
	ok(len <= 199, "problems of 59, 59 and 80 bytes: line one has %zu bytes, at most 199", len);
	ok(out && strncmp(out, "MAIL_TLS CRITICAL - host:25 (smtp): aaaaaaaaa", 45) == 0 &&
	    strstr(out, "; bbbbbbbbb") != NULL && strstr(out, " (+1 more below)\n") != NULL,
	    "... whole problems, worst first, then how many more");
	ok(out && strstr(out, "\n[WARNING] ccccccccc") != NULL &&
	    strlen(strstr(out, "\n[WARNING] ") + 11) == 81,
	    "... the long output keeps the third whole");
	json = finish(c, CHECK_OUTPUT_JSON, NULL);
	ok(json && out && len > 20 && strstr(json, "\"summary\":\"host:25 (smtp): aaaaaaaaa") != NULL &&
	    strncmp(strstr(json, "\"summary\":\"") + 11, out + 20, len - 20) == 0,
	    "... and JSON's summary is line one's text");
	free(json);
	free(out);
	check_free(c);

	c = check_new("MAIL_TLS");
	check_add(c, STATE_CRITICAL, "%s", big);
	check_summary_prefix(c, "host:25 (smtp)");
	out = line_one(c);
	len = out ? strlen(out) : 0;
	ok(len <= 199 && len >= 150, "one 300-byte problem: cut to %zu bytes", len);
	/* words() is "ddddddddd " over and over: a whole word is 9 d's after a space. */
	ok(out && len > 14 && strcmp(out + len - 4, " ...") == 0 &&
	    strspn(out + len - 13, "d") == 9 && out[len - 14] == ' ',
	    "... after a whole word, marked ' ...'");
	free(out);

	c = check_new("P");
	check_add(c, STATE_OK, "fine");
	check_summary(c, "%s", big);
	out = line_one(c);
	ok(out && strlen(out) <= 199 && strcmp(out + strlen(out) - 4, " ...") == 0,
	    "a long check_summary is cut the same way");
	free(out);
	free(a);
	free(b);
	free(c3);
	free(big);
}

/* A directory of LEN bytes under /srv, as CI's or distcheck's may be. */
static char *
deep_dir(size_t len)
{
	char *d = malloc(len + 1);

	for (size_t i = 0; d != NULL && i < len; i++)
		d[i] = i % 20 == 0 ? '/' : 'x';
	if (d != NULL)
		d[len] = '\0';
	return d;
}

static void
test_line_one_keeps_file_names(void)
{
	char *dir = deep_dir(180), *out, *json;
	struct check *c = check_new("CERT_CHAIN");

	check_add(c, STATE_CRITICAL, "the private key %s/pki/other.key does not "
	    "belong to the certificate 'mail.example.test'", dir);
	check_summary_prefix(c, "mail.fullchain.crt");
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	ok(out && strstr(out, "CRITICAL - mail.fullchain.crt: the private key "
	    ".../pki/other.key does not belong to the certificate "
	    "'mail.example.test'\n") == out + strlen("CERT_CHAIN "),
	    "a key in a 180-byte directory: line one names .../pki/other.key and "
	    "says the rest whole");
	ok(out && strstr(out, "\n[CRITICAL] the private key /xxx") != NULL &&
	    strstr(out, "/pki/other.key does not belong") != NULL,
	    "... the long output keeps the full path");
	json = finish(c, CHECK_OUTPUT_JSON, NULL);
	ok(json && strstr(json, "\"summary\":\"mail.fullchain.crt: the private key "
	    ".../pki/other.key does") != NULL,
	    "... and so does JSON's summary, line one's text");
	free(json);
	free(out);
	check_free(c);

	c = check_new("SNI_MAP");
	check_add(c, STATE_WARNING, "the compiled map is older than the map: run "
	    "postmap -F %s/stale.map ('%s/stale.map.db'), or the server keeps "
	    "serving what the old map named", dir, dir);
	out = line_one(c);
	ok(out && strstr(out, "run postmap -F .../xxxxxxxxxxxxxxxxxxx/stale.map "
	    "('.../xxxxxxxxxxxxxxxxxxx/stale.map.db'), or") != NULL,
	    "two paths, one quoted in brackets, both shortened: '%s'", out ? out : "");
	free(out);

	c = check_new("P");
	check_add(c, STATE_CRITICAL, "'/etc/ssl/a.pem' holds no certificate; "
	    "see /var/log/mail.log");
	out = line_one(c);
	is_str(out, "P CRITICAL - '/etc/ssl/a.pem' holds no certificate; see "
	    "/var/log/mail.log", "short enough: paths stay whole");
	free(out);

	c = check_new("P");
	check_add(c, STATE_CRITICAL, "see https://example.test%s/x.txt, or "
	    "a/b/c/%s/d.crt", dir, dir);
	out = line_one(c);
	ok(out && strncmp(out, "P CRITICAL - see https://example.test/xxxxxxxxxxxxxxxxxxx/xxxxxxxxxxxxxxxxxxx/",
	    78) == 0 && strstr(out, "...") == strstr(out, " ...") + 1,
	    "only paths that start a word are shortened, not URLs or relative paths: '%s'",
	    out ? out : "");
	free(out);
	free(dir);
}

static void
test_usage_json(void)
{
	char *const json_argv[] = { "p", "-w", "x", "--output", "json", NULL };
	char *const plain_argv[] = { "p", "--output", "nagios", NULL };
	char *out;
	int rc = -1;

	check_usage_prescan(5, json_argv);
	out = capture_fd(STDOUT_FILENO, stdout, run_usage, &rc);
	is_str(out, "{\"state\":\"UNKNOWN\",\"exit_code\":3,\"prefix\":\"MAIL_TLS\","
	    "\"summary\":\"-H: give a host|name\",\"results\":[{\"state\":\"UNKNOWN\","
	    "\"text\":\"-H: give a host|name\"}],\"details\":[],\"perfdata\":[],"
	    "\"facts\":{}}\n", "--output json anywhere: a usage error is one JSON object");
	is_int(rc, 3, "... and returns 3");
	free(out);
	check_usage_prescan(3, plain_argv);
	out = capture_fd(STDOUT_FILENO, stdout, run_usage, &rc);
	is_str(out, "MAIL_TLS UNKNOWN - -H: give a host/name\n", "without it: plain text again");
	free(out);
}

/* The -t backstop fires in a child that hangs; its line is JSON if asked. */
static void
test_backstop_json(void)
{
	struct common_opts o;
	char buf[1024] = "";
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		skip("cannot fork for the backstop test");
		return;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		common_opts_init(&o);
		o.output = CHECK_OUTPUT_JSON;
		o.timeout_seconds = 0.01;
		o.timeout_state = STATE_UNKNOWN;
		common_opts_arm_timeout(&o, "P");
		for (;;)
			pause();
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 3,
	    "the backstop exits with the -t state (UNKNOWN)");
	ok(strncmp(buf, "{\"state\":\"UNKNOWN\",\"exit_code\":3,\"prefix\":\"P\",\"summary\":"
	    "\"the check did not finish within its 0.01 s timeout", 100) == 0 &&
	    got > 2 && strcmp(buf + got - 2, "}\n") == 0 && strchr(buf, '\n') == buf + got - 1,
	    "... and, with --output json, prints one JSON object");
}

/*
 * A check that has printed its result and takes long to end (freeing,
 * threads, LeakSanitizer's exit scan) must not get the backstop's
 * verdict as a second document: check_finish disarms it.
 */
static void
test_backstop_after_result(void)
{
	struct common_opts o;
	char buf[2048] = "";
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	fflush(stdout);		/* the child's stdout must hold only its own output */
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		skip("cannot fork for the backstop test");
		return;
	}
	if (pid == 0) {
		struct check *c;

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		common_opts_init(&o);
		o.output = CHECK_OUTPUT_JSON;
		o.timeout_seconds = 0.01;	/* the alarm comes at 2 s */
		common_opts_arm_timeout(&o, "P");
		c = check_new("P");
		check_add(c, STATE_OK, "done");
		check_finish(c, CHECK_OUTPUT_JSON, stdout);
		fflush(stdout);
		sleep(3);			/* a slow end, past the alarm */
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
	    "a check that printed its result ends as it chose, not by the backstop");
	ok(got > 0 && strchr(buf, '\n') == buf + got - 1 && strstr(buf, "timeout") == NULL,
	    "... and its output is one JSON object, not two");
}

/* A thread that only waits, taking SIGALRM as a probe's thread can. */
static void *
idle_thread(void *arg)
{
	sigset_t alarm_only;

	(void)arg;
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
	for (;;)
		pause();
	return NULL;
}

/*
 * The kernel may hand the backstop's SIGALRM to any thread. Taken by a
 * thread other than the one printing, the verdict used to be written (and
 * the process ended) from there: with the result being printed at that
 * moment, two documents. The thread that armed it decides alone; here it
 * is busy past the alarm, then prints its result, which must stand.
 */
static void
test_backstop_other_thread(void)
{
	struct common_opts o;
	char buf[2048] = "";
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		skip("cannot fork for the backstop test");
		return;
	}
	if (pid == 0) {
		sigset_t alarm_only;
		pthread_t t;
		struct check *c;

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		common_opts_init(&o);
		o.output = CHECK_OUTPUT_JSON;
		o.timeout_seconds = 0.01;	/* the alarm comes at 2 s */
		common_opts_arm_timeout(&o, "P");
		/* This thread cannot take SIGALRM: the kernel gives it to the other. */
		sigemptyset(&alarm_only);
		sigaddset(&alarm_only, SIGALRM);
		pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			_exit(97);
		sleep(3);			/* past the alarm, still working */
		c = check_new("P");
		check_add(c, STATE_OK, "done");
		check_finish(c, CHECK_OUTPUT_JSON, stdout);
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
	    "SIGALRM taken by another thread: the verdict is not written from there");
	ok(got > 0 && strchr(buf, '\n') == buf + got - 1 && strstr(buf, "timeout") == NULL,
	    "... and the output is the check's one JSON object");
}

/* The backstop under --output openmetrics: a whole document with the state. */
static void
test_backstop_openmetrics(void)
{
	struct common_opts o;
	char buf[2048] = "";
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		skip("cannot fork for the backstop test");
		return;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		common_opts_init(&o);
		o.output = CHECK_OUTPUT_OPENMETRICS;
		o.timeout_seconds = 0.01;
		common_opts_arm_timeout(&o, "MAIL_TLS");
		for (;;)
			pause();
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2,
	    "openmetrics: the backstop exits with the -t state (CRITICAL)");
	ok(strstr(buf, "\ntls_probe_check_state{check=\"mail_tls\"} 2\n# EOF\n") != NULL &&
	    strncmp(buf, "# HELP tls_probe_check_state ", 29) == 0,
	    "... and prints a whole document: the state, then # EOF");
}

/* Groups: Nagios names them on each line, OpenMetrics writes labels. */
static void
test_groups(void)
{
	struct check *c = check_new("CERT_CHAIN");
	char *out, *om;

	check_group(c, (const struct check_label[]){ { "host", "mx\"1\n" }, { NULL, NULL } }, 0);
	check_group(c, (const struct check_label[]){ { "port", "587" },
	    { "protocol", "submission" }, { NULL, NULL } }, CHECK_GROUP_NAMED);
	check_group(c, (const struct check_label[]){ { "key_type", "rsa" }, { NULL, NULL } },
	    CHECK_GROUP_NAMED);
	check_add(c, STATE_WARNING, "chain out of order");
	check_fact_list(c, "chain");
	check_fact_item(c);
	check_fact_num(c, "not_after", 1800000000);
	check_fact_end(c);
	check_fact_end(c);
	check_group_end(c);
	check_group_end(c);
	check_add(c, STATE_OK, "outside");
	check_group_end(c);
	out = finish(c, CHECK_OUTPUT_NAGIOS, NULL);
	ok(out && strstr(out, "\n[WARNING] 587/submission, RSA certificate: chain out of order\n"
	    "[OK] outside\n") != NULL, "a named group's name starts its lines; the host is not named");
	om = finish(c, CHECK_OUTPUT_OPENMETRICS, NULL);
	ok(om && strstr(om, "tls_probe_check_state{check=\"cert_chain\",host=\"mx\\\"1\\n\"} 1\n") &&
	    strstr(om, "tls_probe_certificate_not_after_seconds{check=\"cert_chain\",host=\"mx\\\"1"
	    "\\n\",port=\"587\",protocol=\"submission\",key_type=\"rsa\",position=\"0\"} "
	    "1800000000\n") && strcmp(om + strlen(om) - 6, "# EOF\n") == 0,
	    "openmetrics: the groups' labels, escaped, on the state and the certificate");
	free(out);
	free(om);
	check_free(c);
}

static void
test_locale(void)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8",
		"nl_NL.UTF-8",
	};
	struct common_opts o;
	struct range r;
	struct check *c;
	char err[256], *out;
	const char *got = NULL;

	for (size_t i = 0; got == NULL && i < sizeof(names) / sizeof(names[0]);
	    i++)
		got = setlocale(LC_ALL, names[i]);
	if (got == NULL || strcmp(localeconv()->decimal_point, ",") != 0) {
		setlocale(LC_ALL, "C");
		skip("no locale with a decimal comma is installed");
		return;
	}
	is_int(range_parse("0.5:1.5", &r, err, sizeof(err)), 0,
	    "'0.5:1.5' parses under %s", got);
	is_double(r.start, 0.5, "and starts at 0.5");
	is_int(range_parse("0,5", &r, err, sizeof(err)), -1,
	    "'0,5' is still refused");
	common_opts_init(&o);
	is_int(common_opts_handle(&o, 't', "2.5", err, sizeof(err)), 1,
	    "-t 2.5 is taken");
	is_double(o.timeout_seconds, 2.5, "as 2.5 seconds");
	c = check_new("P");
	check_add(c, STATE_OK, "fine");
	check_perf(c, "t", 0.25, "s", NULL, NULL, NULL);
	out = line_one(c);
	is_str(out, "P OK - fine | t=0.25s", "perfdata keeps '.'");
	free(out);
	c = check_new("P");
	check_fact_num(c, "n", -1.5);
	out = json_facts(c);
	is_str(out, "{\"n\":-1.5}}\n", "JSON keeps '.'");
	free(out);
	setlocale(LC_ALL, "C");
}

int
main(void)
{
	test_plain();
	test_perf();
	test_perf_many();
	test_aggregate();
	test_summary();
	test_sanitise();
	test_long_text();
	test_json();
	test_json_escape();
	test_facts();
	test_null_check();
	test_opts_errors();
	test_opts();
	test_help_usage_verbose();
	test_line_one_budget();
	test_line_one_keeps_file_names();
	test_usage_json();
	test_backstop_json();
	test_backstop_after_result();
	test_backstop_other_thread();
	test_backstop_openmetrics();
	test_groups();
	test_locale();
	return done_testing();
}
