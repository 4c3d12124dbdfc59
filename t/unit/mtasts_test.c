/*
 * mtasts_test - the MTA-STS TXT record and policy file (RFC 8461), the
 * TLS-RPT record (RFC 8460) and MX pattern matching: the RFCs' examples,
 * what real domains publish, and each way of getting them wrong.
 */
#include <stdlib.h>

#include "mtasts.h"
#include "tlsrpt_record.h"
#include "tap.h"

static char err[512];

/* A TXT record from a string literal, NUL bytes included. */
#define TXT(s) { s, sizeof(s) - 1 }

/* --- helpers --------------------------------------------------------------- */

static int
sts(const char *text, struct mtasts_record *r)
{
	strcpy(err, "(untouched)");
	return mtasts_record_parse(text, strlen(text), r, err, sizeof(err));
}

static int
rpt(const char *text, struct tlsrpt_record *r)
{
	strcpy(err, "(untouched)");
	return tlsrpt_record_parse(text, strlen(text), r, err, sizeof(err));
}

static int
policy(const char *text, struct mtasts_policy *p)
{
	strcpy(err, "(untouched)");
	return mtasts_policy_parse(text, strlen(text), p, err, sizeof(err));
}

/* A policy refused with exactly WANT as the sentence. */
static void
policy_refused(const char *text, const char *want, const char *why)
{
	struct mtasts_policy p;

	is_int(policy(text, &p), -1, "%s: refused", why);
	is_str(err, want, "%s: says so", why);
}

static void
sts_refused(const char *text, const char *want, const char *why)
{
	struct mtasts_record r;

	is_int(sts(text, &r), -1, "%s: refused", why);
	is_str(err, want, "%s: says so", why);
}

static void
rpt_refused(const char *text, const char *want, const char *why)
{
	struct tlsrpt_record r;

	is_int(rpt(text, &r), -1, "%s: refused", why);
	is_str(err, want, "%s: says so", why);
}

#define VALID_POLICY_LF \
	"version: STSv1\n" \
	"mode: enforce\n" \
	"mx: mail.example.com\n" \
	"mx: *.example.net\n" \
	"mx: backupmx.example.com\n" \
	"max_age: 604800\n"

/* The RFC 8461 3.2 example policy, as served with LF or CRLF. */
static void
check_rfc_example(const struct mtasts_policy *p, const char *how)
{
	is_int(p->mode, MTASTS_MODE_ENFORCE, "%s: mode enforce", how);
	is_int(p->max_age, 604800, "%s: max_age a week", how);
	is_int(p->mx_count, 3, "%s: three mx patterns", how);
	is_str(p->mx[0].pattern, "mail.example.com", "%s: first mx", how);
	is_str(p->mx[1].pattern, "*.example.net", "%s: wildcard mx kept as written", how);
	is_str(p->mx[2].pattern, "backupmx.example.com", "%s: third mx", how);
	is_int(p->mx[1].line, 4, "%s: mx line numbers kept", how);
	is_str(p->warning, "", "%s: nothing to warn about", how);
}

/* --- the MTA-STS TXT record --------------------------------------------------- */

static void
sts_record_as_published(void)
{
	struct mtasts_record r;

	is_int(sts("v=STSv1; id=20160831085700Z;", &r), 0, "RFC 8461 example record parses");
	is_str(r.id, "20160831085700Z", "its id");
	is_int(sts("v=STSv1; id=20240101T000000;", &r), 0, "a date-time id parses");
	is_str(r.id, "20240101T000000", "the date-time id");
	is_int(sts("v=STSv1;id=1", &r), 0, "no white space and no trailing ';' is fine");
	is_str(r.id, "1", "a one-character id");
	is_int(sts("v=STSv1 ;\tid=abc ;  ", &r), 0, "white space around each ';' is allowed");
	is_str(r.id, "abc", "id read between the white space");
	is_int(sts("v=STSv1; ext_1.x=value:1/2; id=XYZ", &r), 0, "an extension field before the id is skipped");
	is_str(r.id, "XYZ", "id after an extension");
	is_int(sts("v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345", &r), 0, "a 32-character id is the longest");
	is_int(strlen(r.id), 32, "all 32 characters kept");
	is_str(r.warning, "", "no warning on a clean record");
}

static void
sts_record_broken(void)
{
	sts_refused("v=STSv1;", "MTA-STS record: no id field", "a record with only the version");
	sts_refused("v=STSv1", "MTA-STS record: no id field", "a bare version");
	sts_refused("v=STSv1; foo=bar", "MTA-STS record: no id field", "an extension but no id");
	sts_refused("v=STSv1; Id=abc", "MTA-STS record: no id field", "Id= is not id= (case-sensitive)");
	sts_refused("v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456",
	    "MTA-STS record field 2: id 'abcdefghijklmnopqrstuvwxyz0123456' is not 1 to 32 letters and digits",
	    "a 33-character id");
	sts_refused("v=STSv1; id=2024-01-01",
	    "MTA-STS record field 2: id '2024-01-01' is not 1 to 32 letters and digits",
	    "an id with hyphens");
	sts_refused("v=STSv1; id=",
	    "MTA-STS record field 2: 'id=' has no value", "an empty id");
	sts_refused("id=123; v=STSv1",
	    "MTA-STS record 'id=123; v=STSv1' does not start with v=STSv1", "v= not first");
	sts_refused("V=STSv1; id=1",
	    "MTA-STS record 'V=STSv1; id=1' does not start with v=STSv1", "V= in upper case");
	sts_refused("v=stsv1; id=1",
	    "MTA-STS record 'v=stsv1; id=1' does not start with v=STSv1", "the version in lower case");
	sts_refused(" v=STSv1; id=1",
	    "MTA-STS record ' v=STSv1; id=1' does not start with v=STSv1", "white space before v=");
	sts_refused("v=STSv10; id=1",
	    "MTA-STS record 'v=STSv10; id=1' does not start with v=STSv1", "another version");
	sts_refused("v=STSv1 id=1",
	    "MTA-STS record: no ';' between the version and 'id=1'", "no ';' after the version");
	sts_refused("v=STSv1; id=abc def",
	    "MTA-STS record field 2: id 'abc def' is not 1 to 32 letters and digits", "a space inside the id");
	sts_refused("v=STSv1;; id=1",
	    "MTA-STS record field 2 is empty (two ';' in a row)", "an empty field");
	sts_refused("v=STSv1; id=1 ",
	    "MTA-STS record: white space at its end (allowed only after a ';')", "trailing white space without ';'");
	sts_refused("v=STSv1; id=1; novalue",
	    "MTA-STS record field 3: 'novalue' is not name=value", "a field without '='");
	sts_refused("v=STSv1; id=1; _x=1",
	    "MTA-STS record field 3: '_x' is not a field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
	    "an extension name starting with '_'");
	sts_refused("v=STSv1; id=1; abcdefghijklmnopqrstuvwxyz0123456=1",
	    "MTA-STS record field 3: 'abcdefghijklmnopqrstuvwxyz0123456' is not a field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
	    "a 33-character extension name");
	sts_refused("v=STSv1; id=1; ext=a=b",
	    "MTA-STS record field 3: the value 'a=b' of 'ext' holds a character an extension value may not have ('=', a space, a control or non-ASCII byte)",
	    "'=' inside an extension value");
	sts_refused("v=STSv1; id=1; ext=caf\xc3\xa9",
	    "MTA-STS record field 3: the value 'caf?\?' of 'ext' holds a character an extension value may not have ('=', a space, a control or non-ASCII byte)",
	    "UTF-8 in a record's extension value (shown as '?')");
}

static void
sts_record_nul_and_repeats(void)
{
	static const char with_nul[] = "v=STSv1; id=ab\0cd;";
	struct mtasts_record r;

	strcpy(err, "(untouched)");
	is_int(mtasts_record_parse(with_nul, sizeof(with_nul) - 1, &r, err, sizeof(err)), -1,
	    "a NUL byte inside the id is refused");
	is_str(err, "MTA-STS record field 2: id 'ab?cd' is not 1 to 32 letters and digits",
	    "the NUL shown as '?'");
	is_int(mtasts_record_parse("v=STSv1; id=1\n", 14, &r, err, sizeof(err)), -1,
	    "a newline inside the record is refused");

	is_int(sts("v=STSv1; id=first; id=second", &r), 0, "a repeated id still parses (RFC 8461 3.2)");
	is_str(r.id, "first", "the first id counts");
	is_str(r.warning, "MTA-STS record field 3: a second id ('second') is ignored; senders use the first ('first')",
	    "and the second one is named in the warning");
	is_int(sts("v=STSv1; id=1; v=STSv1", &r), 0, "a repeated v= still parses");
	like_str(r.warning, "a second v= field is ignored", "with a warning");
	sts_refused("v=STSv1; id=first; id=sec-ond",
	    "MTA-STS record field 3: id 'sec-ond' is not 1 to 32 letters and digits",
	    "a repeated id is still checked");
	is_int(mtasts_record_parse(NULL, 0, &r, NULL, 0), -1, "no text and no error buffer: refused, no crash");
}

static void
sts_record_selection(void)
{
	struct mtasts_record r;
	struct mtasts_txt spf_and_sts[] = {
		TXT("v=spf1 -all"),
		TXT("v=STSv1; id=20240101T000000;"),
		TXT("google-site-verification=abc"),
	};
	struct mtasts_txt two_sts[] = {
		TXT("v=STSv1; id=old"),
		TXT("v=STSv1; id=new"),
	};
	struct mtasts_txt other_versions[] = {
		TXT("v=STSv10; id=1"),
		TXT("v=STSv1x"),
		TXT("v=spf1 mx -all"),
	};
	struct mtasts_txt bare_version[] = { TXT("v=STSv1") };
	struct mtasts_txt broken[] = { TXT("v=spf1"), TXT("v=STSv1; id=a_b") };
	/* DNS split the record into two strings; the caller joined them. */
	struct mtasts_txt joined[] = { TXT("v=STSv1; " "id=joined") };
	struct mtasts_txt with_nul[] = { TXT("x\0y"), TXT("v=STSv1; id=ok") };

	is_int(mtasts_record_select(spf_and_sts, 3, &r, err, sizeof(err)), MTASTS_SELECT_ONE,
	    "the one STSv1 record among SPF and verification records");
	is_str(r.id, "20240101T000000", "its id is read");
	is_int(mtasts_record_select(two_sts, 2, &r, err, sizeof(err)), MTASTS_SELECT_INVALID,
	    "two STSv1 records during a sloppy id change");
	is_str(err, "2 of the 2 TXT records start with v=STSv1; senders need exactly one and ignore them all",
	    "named as such");
	is_int(mtasts_record_select(other_versions, 3, &r, err, sizeof(err)), MTASTS_SELECT_NONE,
	    "v=STSv10 and v=STSv1x are not STSv1 records");
	is_str(err, "no MTA-STS record: none of the 3 TXT records starts with v=STSv1", "no MTA-STS record");
	is_int(mtasts_record_select(NULL, 0, &r, err, sizeof(err)), MTASTS_SELECT_NONE, "no TXT record at all");
	is_str(err, "no MTA-STS record: the name has no TXT record", "said so");
	is_int(mtasts_record_select(bare_version, 1, &r, err, sizeof(err)), MTASTS_SELECT_INVALID,
	    "a bare v=STSv1 is a broken MTA-STS record, not a missing one");
	is_str(err, "MTA-STS record: no id field", "the parse error is passed on");
	is_int(mtasts_record_select(broken, 2, &r, err, sizeof(err)), MTASTS_SELECT_INVALID,
	    "the one STSv1 record does not parse");
	like_str(err, "id 'a_b'", "the broken id is named");
	is_int(mtasts_record_select(joined, 1, &r, err, sizeof(err)), MTASTS_SELECT_ONE,
	    "a record split by DNS and joined parses");
	is_str(r.id, "joined", "its id");
	is_int(mtasts_record_select(with_nul, 2, &r, err, sizeof(err)), MTASTS_SELECT_ONE,
	    "a binary TXT record next to it is ignored");
}

/* --- the policy file ------------------------------------------------------------ */

static void
policy_as_published(void)
{
	struct mtasts_policy p;
	const char *crlf =
	    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";
	const char *mixed_unended =
	    "version: STSv1\nmode: enforce\r\nmx: mail.example.com\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\nmax_age: 604800";

	is_int(policy(VALID_POLICY_LF, &p), 0, "RFC 8461 example policy with LF");
	check_rfc_example(&p, "LF");
	is_int(policy(crlf, &p), 0, "the same with CRLF");
	check_rfc_example(&p, "CRLF");
	is_int(policy(mixed_unended, &p), 0, "mixed CRLF and LF, last line unended");
	check_rfc_example(&p, "mixed");

	is_int(policy("version:STSv1\nmode:\ttesting \t\nmax_age:86400  \nmx:mx.example.org\t", &p), 0,
	    "no space after ':', tabs and trailing white space");
	is_int(p.mode, MTASTS_MODE_TESTING, "mode testing");
	is_int(p.max_age, 86400, "max_age read without its trailing spaces");
	is_str(p.mx[0].pattern, "mx.example.org", "mx read without its trailing tab");

	is_int(policy("version: STSv1\nmode: none\nmax_age: 86400\n", &p), 0,
	    "mode none needs no mx (a domain leaving MTA-STS)");
	is_int(p.mode, MTASTS_MODE_NONE, "mode none");
	is_int(p.mx_count, 0, "no mx");
	is_int(policy("max_age: 1\nmx: a.example\nmode: enforce\nversion: STSv1", &p), 0,
	    "the fields in any order");

	is_int(policy("version: STSv1\nmode: enforce\nfoo: bar baz\nx-comment: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xa7 \xf4\x8f\xbf\xbf\n"
	    "mx: mx.example.com\nmax_age: 86400\n", &p), 0,
	    "unknown fields, UTF-8 in their values, are skipped");
	is_int(p.mx_count, 1, "and do not become mx");
	is_str(mtasts_mode_name(MTASTS_MODE_ENFORCE), "enforce", "mode name enforce");
	is_str(mtasts_mode_name(MTASTS_MODE_TESTING), "testing", "mode name testing");
	is_str(mtasts_mode_name(MTASTS_MODE_NONE), "none", "mode name none");
}

static void
policy_max_age_bounds(void)
{
	struct mtasts_policy p;

	is_int(policy("version: STSv1\nmode: none\nmax_age: 0\n", &p), 0, "max_age 0 is allowed");
	is_int(p.max_age, 0, "max_age 0");
	is_int(policy("version: STSv1\nmode: none\nmax_age: 31557600\n", &p), 0, "max_age 31557600 is the most");
	is_int(p.max_age, 31557600, "max_age 31557600");
	is_int(policy("version: STSv1\nmode: none\nmax_age: 0000604800\n", &p), 0, "ten digits with leading zeros");
	is_int(p.max_age, 604800, "leading zeros read as decimal");
	policy_refused("version: STSv1\nmode: none\nmax_age: 31557601\n",
	    "policy line 3: max_age '31557601' is not a number from 0 to 31557600", "max_age one over");
	policy_refused("version: STSv1\nmode: none\nmax_age: -5\n",
	    "policy line 3: max_age '-5' is not a number from 0 to 31557600", "a negative max_age");
	policy_refused("version: STSv1\nmode: none\nmax_age: 00000000001\n",
	    "policy line 3: max_age '00000000001' is not a number from 0 to 31557600", "eleven digits");
	policy_refused("version: STSv1\nmode: none\nmax_age: 99999999999999999999\n",
	    "policy line 3: max_age '99999999999999999999' is not a number from 0 to 31557600",
	    "a number that overflows");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1e3\n",
	    "policy line 3: max_age '1e3' is not a number from 0 to 31557600", "an exponent");
	policy_refused("version: STSv1\nmode: none\nmax_age: 86400 s\n",
	    "policy line 3: max_age '86400 s' is not a number from 0 to 31557600", "a unit after the number");
	policy_refused("version: STSv1\nmode: none\nmax_age:\n",
	    "policy line 3: 'max_age' has no value", "an empty max_age");
	policy_refused("version: STSv1\nmode: none\nmax_age: \t \n",
	    "policy line 3: 'max_age' has no value", "a max_age of white space");
}

static void
policy_missing_and_wrong_values(void)
{
	policy_refused("mode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy: no version line", "no version");
	policy_refused("version: STSv1\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy: no mode line", "no mode");
	policy_refused("version: STSv1\nmode: enforce\nmx: mx.example.com\n",
	    "policy: no max_age line", "no max_age");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 86400\n",
	    "policy: no mx line, which mode enforce needs", "mode enforce without mx");
	policy_refused("version: STSv1\nmode: testing\nmax_age: 86400\n",
	    "policy: no mx line, which mode testing needs", "mode testing without mx");
	policy_refused("version: STSv1\nMode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy: no mode line (line 2 has 'Mode': field names are case-sensitive)",
	    "Mode: is an unknown field, and the missing mode says why");
	policy_refused("version: STSv1\nmode: enforce\nMX: mx.example.com\nmax_age: 86400\n",
	    "policy: no mx line, which mode enforce needs (line 3 has 'MX': field names are case-sensitive)",
	    "MX: in upper case");
	policy_refused("version: STSv2\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy line 1: version 'STSv2' is not STSv1", "another version");
	policy_refused("version: stsv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy line 1: version 'stsv1' is not STSv1", "the version in lower case");
	policy_refused("version: STSv1\nmode: Enforce\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy line 2: mode 'Enforce' is not enforce, testing or none (the values are case-sensitive)",
	    "mode Enforce");
	policy_refused("version: STSv1\nmode: enforced\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy line 2: mode 'enforced' is not enforce, testing or none", "mode enforced");
	policy_refused("version: STSv1\nmode: enforce # strict\nmx: mx.example.com\nmax_age: 86400\n",
	    "policy line 2: mode 'enforce # strict' is not enforce, testing or none", "no comments in values");
	policy_refused("version: STSv1\nmode: enforce\nmx:\nmax_age: 86400\n",
	    "policy line 3: 'mx' has no value", "an empty mx");
	policy_refused("version: STSv1\nmode: enforce\nfoo:\nmx: a.example\nmax_age: 86400\n",
	    "policy line 3: 'foo' has no value", "an unknown field must have a value too");
}

static void
policy_line_syntax(void)
{
	policy_refused(" version: STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1 starts with white space: ' version: STSv1'", "indented line");
	policy_refused("version : STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1: white space before the ':' in 'version : STSv1'", "space before ':'");
	policy_refused("version STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1: 'version STSv1' is not 'name: value'", "no ':'");
	policy_refused("version=STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1: 'version=STSv1' is not 'name: value'", "a TXT record style line");
	policy_refused(": STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1: ': STSv1' does not start with a field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
	    "no name before ':'");
	policy_refused("version: STSv1\n# comment: none\nmode: none\nmax_age: 1\n",
	    "policy line 2: '# comment: none' does not start with a field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
	    "no comment lines");
	policy_refused("version: STSv1\n\nmode: none\nmax_age: 1\n",
	    "policy line 2 is empty", "an empty line in the middle");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\n\n",
	    "policy line 4 is empty", "an extra newline at the end");
	policy_refused("version: STSv1\r\nmode: none\r\nmax_age: 1\r\n\r\n",
	    "policy line 4 is empty", "an extra CRLF at the end");
	policy_refused("", "policy: the file is empty", "an empty file");
	policy_refused("\n", "policy line 1 is empty", "a lone newline");
	policy_refused("version: STSv1\rmode: none\rmax_age: 1\r",
	    "policy line 1: a carriage return not followed by a line feed at column 15", "old Mac line ends");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\r",
	    "policy line 3: a carriage return not followed by a line feed at column 11", "a CR at the very end");
	policy_refused("version: STSv1\nmode: none\r\r\nmax_age: 1\n",
	    "policy line 2: a carriage return not followed by a line feed at column 11", "CR CR LF");
	policy_refused("\xef\xbb\xbfversion: STSv1\nmode: none\nmax_age: 1\n",
	    "policy line 1 starts with a UTF-8 byte order mark", "a byte order mark");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: a\tb\n",
	    "policy line 4: the value of 'note' holds a tab at column 8 (only spaces may separate its words)",
	    "a tab inside an unknown field's value");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: caf\xe9\n",
	    "policy line 4: the value of 'note' holds byte 0xE9 at column 10, which is not UTF-8 text",
	    "Latin-1 in an unknown field's value");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xed\xa0\x80\n",
	    "policy line 4: the value of 'note' holds byte 0xED at column 7, which is not UTF-8 text",
	    "an encoded surrogate is not UTF-8");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xc0\xaf\n",
	    "policy line 4: the value of 'note' holds byte 0xC0 at column 7, which is not UTF-8 text",
	    "an overlong form is not UTF-8");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xf4\x90\x80\x80\n",
	    "policy line 4: the value of 'note' holds byte 0xF4 at column 7, which is not UTF-8 text",
	    "a code point past U+10FFFF is not UTF-8");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xe0\x80\xaf\n",
	    "policy line 4: the value of 'note' holds byte 0xE0 at column 7, which is not UTF-8 text",
	    "a three-byte overlong form is not UTF-8");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xf0\x80\x80\xaf\n",
	    "policy line 4: the value of 'note' holds byte 0xF0 at column 7, which is not UTF-8 text",
	    "a four-byte overlong form is not UTF-8");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nnote: \xe2\x9c\n",
	    "policy line 4: the value of 'note' holds byte 0xE2 at column 7, which is not UTF-8 text",
	    "a UTF-8 sequence cut short");
	policy_refused("version: STSv1\nmode: none\nmax_age: 1\nfoo bar: x\n",
	    "policy line 4: 'foo bar: x' does not start with a field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')",
	    "a space inside a field name");
}

static void
policy_nul_bytes(void)
{
	static const char nul_in_mode[] = "version: STSv1\nmode: enf\0orce\nmx: a.example\nmax_age: 1\n";
	static const char nul_line[] = "version: STSv1\nmode: none\nmax_age: 1\n\0";
	static const char nul_after_text[] = "version: STSv1\nmode: none\nmax_age: 1\0\0";
	struct mtasts_policy p;

	is_int(mtasts_policy_parse(nul_in_mode, sizeof(nul_in_mode) - 1, &p, err, sizeof(err)), -1,
	    "a NUL byte inside the mode");
	is_str(err, "policy line 2: a control character (byte 0x00) at column 10", "found on line 2, column 10");
	is_int(mtasts_policy_parse(nul_line, sizeof(nul_line) - 1, &p, err, sizeof(err)), -1,
	    "a NUL byte after the last newline");
	is_str(err, "policy line 4: a control character (byte 0x00) at column 1", "is a line of its own");
	is_int(mtasts_policy_parse(nul_after_text, sizeof(nul_after_text) - 1, &p, err, sizeof(err)), -1,
	    "NUL padding after the text (a C string with a wrong length)");
	like_str(err, "policy line 3: a control character (byte 0x00) at column 11", "found at its place");
	is_int(mtasts_policy_parse(VALID_POLICY_LF, strlen(VALID_POLICY_LF), &p, NULL, 0), 0,
	    "a good policy parses without an error buffer");
	is_int(mtasts_policy_parse("x", 1, &p, NULL, 0), -1, "a bad one fails without one too");
}

static void
policy_repeated_fields(void)
{
	struct mtasts_policy p;

	is_int(policy("version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 86400\n", &p), 0,
	    "a repeated mode still parses (RFC 8461 3.2: the first counts)");
	is_int(p.mode, MTASTS_MODE_ENFORCE, "the first mode counts");
	is_str(p.warning, "policy line 3: a second mode line ('testing') is ignored; senders use the one on line 2",
	    "the warning names both lines");
	is_int(policy("version: STSv1\nmode: none\nmax_age: 86400\nmax_age: 60\nmax_age: 5\n", &p), 0,
	    "a repeated max_age still parses");
	is_int(p.max_age, 86400, "the first max_age counts");
	is_str(p.warning, "policy line 4: a second max_age line ('60') is ignored; senders use the one on line 3",
	    "the first repeat is the one warned about");
	is_int(policy("version: STSv1\nversion: STSv2\nmode: none\nmax_age: 1\n", &p), 0,
	    "a repeated version is skipped, whatever it says");
	like_str(p.warning, "a second version line ('STSv2')", "and warned about");
	is_int(policy("version: STSv1\nmode: testing\nmode: bogus\nmx: a.example\nmax_age: 1\n", &p), 0,
	    "a repeated mode's value is not judged: senders skip it");
	is_int(p.mode, MTASTS_MODE_TESTING, "testing stays");
	policy_refused("version: STSv1\nmode: none\nmode: a\tb\nmax_age: 1\n",
	    "policy line 3: the value of 'mode' holds a tab at column 8 (only spaces may separate its words)",
	    "a repeat must still be a well-formed field");
	is_int(policy("version: STSv1\nmode: enforce\nmx: a.example\nmx: a.example\nmax_age: 1\n", &p), 0,
	    "mx may repeat, even the same pattern");
	is_int(p.mx_count, 2, "both kept");
	is_str(p.warning, "", "without a warning");
}

static void
policy_mx_patterns(void)
{
	struct mtasts_policy p;
	char text[600];
	char label63[64], name253[254];

	memset(label63, 'a', 63);
	label63[63] = '\0';
	snprintf(text, sizeof(text), "version: STSv1\nmode: enforce\nmax_age: 1\nmx: %s.example\n", label63);
	is_int(policy(text, &p), 0, "a 63-character label is allowed");
	snprintf(text, sizeof(text), "version: STSv1\nmode: enforce\nmax_age: 1\nmx: a%s.example\n", label63);
	is_int(policy(text, &p), -1, "a 64-character label is not");
	like_str(err, "is not a host name or a *.domain pattern", "said so");
	for (int i = 0; i < 253; i++)	/* 63.63.63.61 characters */
		name253[i] = i == 63 || i == 127 || i == 191 ? '.' : 'b';
	name253[253] = '\0';
	snprintf(text, sizeof(text), "version: STSv1\nmode: enforce\nmax_age: 1\nmx: %s\n", name253);
	is_int(policy(text, &p), 0, "a 253-character name is allowed");
	is_int(strlen(p.mx[0].pattern), 253, "and kept whole");
	snprintf(text, sizeof(text), "version: STSv1\nmode: enforce\nmax_age: 1\nmx: b%s\n", name253);
	is_int(policy(text, &p), -1, "a 254-character name is not");
	like_str(err, "policy line 4: mx 'bbbb", "the line named");
	like_str(err, "...' is longer than 253 characters", "the name cut short, the reason given");

	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mx*.example.com\n",
	    "policy line 4: mx 'mx*.example.com' has a '*' that is not the whole leftmost label",
	    "a '*' inside a label");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.*.example.com\n",
	    "policy line 4: mx '*.*.example.com' has a '*' that is not the whole leftmost label",
	    "two wildcard labels");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail.*.example.com\n",
	    "policy line 4: mx 'mail.*.example.com' has a '*' that is not the whole leftmost label",
	    "a wildcard in the middle");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *\n",
	    "policy line 4: mx '*' has a '*' that is not the whole leftmost label", "a lone '*'");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.\n",
	    "policy line 4: mx '*.' ends in a dot (patterns are written without one)", "'*.' alone");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail.example.com.\n",
	    "policy line 4: mx 'mail.example.com.' ends in a dot (patterns are written without one)",
	    "a trailing dot, as in a zone file");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: -mail.example.com\n",
	    "policy line 4: mx '-mail.example.com' is not a host name or a *.domain pattern", "a label starting with '-'");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail-.example.com\n",
	    "policy line 4: mx 'mail-.example.com' is not a host name or a *.domain pattern", "a label ending with '-'");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mx_1.example.com\n",
	    "policy line 4: mx 'mx_1.example.com' is not a host name or a *.domain pattern", "an underscore");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail..example.com\n",
	    "policy line 4: mx 'mail..example.com' is not a host name or a *.domain pattern", "an empty label");
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mx1.example.com mx2.example.com\n",
	    "policy line 4: mx 'mx1.example.com mx2.example.com' is not a host name or a *.domain pattern",
	    "two names on one mx line");
	is_int(policy("version: STSv1\nmode: enforce\nmax_age: 1\nmx: MX1.Example.COM\nmx: xn--bcher-kva.example\n", &p), 0,
	    "upper case and A-labels are host names");
	is_str(p.mx[0].pattern, "MX1.Example.COM", "kept as written");
}

/* N mx lines after three header lines. */
static char *
policy_with_mx_lines(int n)
{
	size_t size = 64 + (size_t)n * 32;
	char *text = malloc(size);
	size_t used;

	if (text == NULL)
		abort();
	used = (size_t)snprintf(text, size, "version: STSv1\nmode: enforce\nmax_age: 86400\n");
	for (int i = 1; i <= n; i++)
		used += (size_t)snprintf(text + used, size - used, "mx: mx%d.example.com\n", i);
	return text;
}

static void
policy_bounds(void)
{
	struct mtasts_policy p;
	char *text = policy_with_mx_lines(64);
	char *big;

	is_int(policy(text, &p), 0, "64 mx lines are allowed");
	is_int(p.mx_count, 64, "all 64 kept");
	is_str(p.mx[63].pattern, "mx64.example.com", "the last one");
	is_int(p.mx[63].line, 67, "on line 67");
	free(text);
	text = policy_with_mx_lines(65);
	policy_refused(text, "policy line 68: more than 64 mx lines", "65 mx lines");
	free(text);

	/* Exactly the limit: the policy padded with an unknown field's line. */
	big = malloc(MTASTS_POLICY_MAX + 2);
	if (big == NULL)
		abort();
	strcpy(big, VALID_POLICY_LF "pad: ");
	memset(big + strlen(big), 'x', MTASTS_POLICY_MAX + 2 - strlen(big));
	big[MTASTS_POLICY_MAX - 1] = '\n';
	is_int(mtasts_policy_parse(big, MTASTS_POLICY_MAX, &p, err, sizeof(err)), 0,
	    "a policy of exactly 64 KiB parses");
	big[MTASTS_POLICY_MAX - 1] = 'x';
	big[MTASTS_POLICY_MAX] = '\n';
	is_int(mtasts_policy_parse(big, MTASTS_POLICY_MAX + 1, &p, err, sizeof(err)), -1,
	    "one byte more does not");
	is_str(err, "policy: 65537 bytes, more than the 65536 tls-probe accepts", "and says how big it was");
	free(big);
}

/* --- MX matching ---------------------------------------------------------------- */

static void
mx_matching(void)
{
	static const struct {
		const char *pattern, *host;
		bool matches;
		const char *why;
	} table[] = {
		{ "mail.example.com", "mail.example.com", true, "the same name" },
		{ "mail.example.com", "MAIL.Example.COM", true, "case does not matter" },
		{ "MAIL.EXAMPLE.COM", "mail.example.com", true, "in the pattern either" },
		{ "mail.example.com", "mail.example.com.", true, "a trailing dot on the host (from DNS) is ignored" },
		{ "mail.example.com", "mail.example.com..", false, "only one trailing dot" },
		{ "mail.example.com", "xmail.example.com", false, "a longer first label" },
		{ "mail.example.com", "mail.example.co", false, "a prefix of the name" },
		{ "mail.example.com", "mail.example.com.evil.test", false, "the name as a prefix" },
		{ "mail.example.com", "mx.mail.example.com", false, "no implicit subdomains" },
		{ "*.example.com", "mx1.example.com", true, "a wildcard matches one label" },
		{ "*.example.com", "MX1.EXAMPLE.COM.", true, "in any case, with a trailing dot" },
		{ "*.Example.COM", "mx1.example.com", true, "a pattern in mixed case" },
		{ "*.example.com", "a.b.example.com", false, "not two labels" },
		{ "*.example.com", "example.com", false, "not zero labels" },
		{ "*.example.com", ".example.com", false, "not an empty label" },
		{ "*.example.com", "mx1.example.net", false, "another domain" },
		{ "*.example.com", "mx1.badexample.com", false, "a domain ending the same" },
		{ "*.example.com", "*.example.com", true, "a literal '*' label is one label" },
		{ "*.mail.example.com", "mail.example.com", false, "the wildcard is not optional" },
		{ "*.", "a.", false, "'*.' matches nothing" },
		{ "*..", "a..", false, "a wildcard over an empty domain matches nothing" },
		{ "", "", false, "empty names match nothing" },
		{ "mail.example.com", "", false, "an empty host" },
		{ ".", ".", false, "the root matches nothing" },
	};
	struct mtasts_policy p;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		is_int(mtasts_mx_matches(table[i].pattern, table[i].host), table[i].matches,
		    "'%s' vs '%s': %s", table[i].pattern, table[i].host, table[i].why);
	ok(!mtasts_mx_matches(NULL, "a") && !mtasts_mx_matches("a", NULL), "NULL matches nothing");

	is_int(policy(VALID_POLICY_LF, &p), 0, "the RFC example policy");
	is_str(mtasts_policy_match(&p, "mx7.example.net."), "*.example.net", "mx7.example.net. is allowed by *.example.net");
	is_str(mtasts_policy_match(&p, "Mail.Example.Com"), "mail.example.com", "Mail.Example.Com by mail.example.com");
	ok(mtasts_policy_match(&p, "example.net") == NULL, "example.net itself is not allowed by *.example.net");
	ok(mtasts_policy_match(&p, "evil.example.org") == NULL, "an attacker's MX is not allowed");
}

/* --- TLS-RPT ------------------------------------------------------------------- */

static void
tlsrpt_as_published(void)
{
	struct tlsrpt_record r;

	is_int(rpt("v=TLSRPTv1; rua=mailto:reports@example.com", &r), 0, "RFC 8460 mailto example");
	is_int(r.rua_count, 1, "one URI");
	is_str(r.rua[0], "mailto:reports@example.com", "the mailto URI");
	is_int(rpt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", &r), 0, "RFC 8460 https example");
	is_str(r.rua[0], "https://reporting.example.com/v1/tlsrpt", "the https URI");
	is_int(rpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://report.example.com/tlsrpt", &r), 0,
	    "two URIs");
	is_int(r.rua_count, 2, "both kept");
	is_str(r.rua[1], "https://report.example.com/tlsrpt", "in order");
	is_int(rpt("v=TLSRPTv1;rua=mailto:a@example.com , \thttps://r.example.com:8443/x?y=1#z ;", &r), 0,
	    "white space around ',' and ';', a port, a query");
	is_str(r.rua[0], "mailto:a@example.com", "the first without its white space");
	is_str(r.rua[1], "https://r.example.com:8443/x?y=1#z", "the second whole");
	is_int(rpt("v=TLSRPTv1; rua=MAILTO:Reports@Example.com,HTTPS://R.example.com/", &r), 0,
	    "schemes in upper case");
	is_str(r.rua[0], "mailto:Reports@Example.com", "the scheme lowercased, the rest kept");
	is_str(r.rua[1], "https://R.example.com/", "https lowercased");
	is_int(rpt("v=TLSRPTv1; foo=bar; rua=mailto:tls%2Brpt@example.com?subject=tls%2C%20rpt", &r), 0,
	    "an extension skipped, percent-encoding");
	is_str(r.rua[0], "mailto:tls%2Brpt@example.com?subject=tls%2C%20rpt", "kept encoded");
	is_str(r.warning, "", "no warning");
	is_int(rpt("v=TLSRPTv1; rua=mailto:a@example.com; v=TLSRPTv1", &r), 0, "a repeated v= still parses");
	is_str(r.warning, "TLS-RPT record field 3: a second v= field is ignored", "with a warning");
	is_int(rpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", &r), 0,
	    "a repeated rua still parses");
	is_int(r.rua_count, 1, "the first rua's URIs only");
	is_str(r.warning, "TLS-RPT record field 3: a second rua ('mailto:b@example.com') is ignored; senders use the first",
	    "and the second is warned about");
}

static void
tlsrpt_broken(void)
{
	char text[TLSRPT_URI_MAX + 64];
	struct tlsrpt_record r;
	static const char with_nul[] = "v=TLSRPTv1; rua=mailto:a\0b@example.com";
	static const char cut[] = "v=TLSRPTv1; rua=https://r.example.com/%4F";

	rpt_refused("v=TLSRPTv1", "TLS-RPT record: no rua field", "a bare version");
	rpt_refused("v=TLSRPTv1; ruf=mailto:a@example.com", "TLS-RPT record: no rua field", "ruf is not rua");
	rpt_refused("v=TLSRPTv1; rua=", "TLS-RPT record field 2: 'rua=' has no value", "an empty rua");
	rpt_refused("rua=mailto:a@example.com; v=TLSRPTv1",
	    "TLS-RPT record 'rua=mailto:a@example.com; v=TLSRPTv1' does not start with v=TLSRPTv1", "v= not first");
	rpt_refused("v=TLSRPTv2; rua=mailto:a@example.com",
	    "TLS-RPT record 'v=TLSRPTv2; rua=mailto:a@example.com' does not start with v=TLSRPTv1", "version 2");
	rpt_refused("v=TLSRPTv1; rua=ftp://example.com/x",
	    "TLS-RPT record field 2: rua URI 1 'ftp://example.com/x' is neither mailto: nor https:", "ftp");
	rpt_refused("v=TLSRPTv1; rua=http://example.com/x",
	    "TLS-RPT record field 2: rua URI 1 'http://example.com/x' is neither mailto: nor https:", "plain http");
	rpt_refused("v=TLSRPTv1; rua=tlsrpt@example.com",
	    "TLS-RPT record field 2: rua URI 1 'tlsrpt@example.com' is neither mailto: nor https:", "an address without mailto:");
	rpt_refused("v=TLSRPTv1; rua=mailto:tlsrpt",
	    "TLS-RPT record field 2: rua URI 1 'mailto:tlsrpt' names no address (local@domain)", "mailto without '@'");
	rpt_refused("v=TLSRPTv1; rua=mailto:@example.com",
	    "TLS-RPT record field 2: rua URI 1 'mailto:@example.com' names no address (local@domain)", "mailto without a local part");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@?subject=x",
	    "TLS-RPT record field 2: rua URI 1 'mailto:a@?subject=x' names no address (local@domain)", "mailto without a domain");
	rpt_refused("v=TLSRPTv1; rua=https:/report.example.com",
	    "TLS-RPT record field 2: rua URI 1 'https:/report.example.com' names no host (https://host/...)", "https:/");
	rpt_refused("v=TLSRPTv1; rua=https:///tlsrpt",
	    "TLS-RPT record field 2: rua URI 1 'https:///tlsrpt' names no host (https://host/...)", "https with an empty host");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com,",
	    "TLS-RPT record field 2: rua URI 2 is empty", "a trailing comma");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com",
	    "TLS-RPT record field 2: rua URI 2 is empty", "two commas");
	rpt_refused("v=TLSRPTv1; rua= mailto:a@example.com",
	    "TLS-RPT record field 2: rua URI 1 ' mailto:a@example.com' holds a space, which must be percent-encoded",
	    "white space after rua=");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com",
	    "TLS-RPT record field 2: rua URI 1 'mailto:a@example.com mailto:b@example.co...' holds a space, which must be percent-encoded",
	    "URIs separated by a space (the quote cut at 40 bytes)");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com\tmailto:b@example.com",
	    "TLS-RPT record field 2: rua URI 1 'mailto:a@example.com?mailto:b@example.co...' holds a tab, which must be percent-encoded",
	    "URIs separated by a tab");
	rpt_refused("v=TLSRPTv1; rua=mailto:a!b@example.com",
	    "TLS-RPT record field 2: rua URI 1 'mailto:a!b@example.com' holds '!', which must be percent-encoded",
	    "a raw '!' (RFC 8460 wants it encoded)");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com?subject=%zz",
	    "TLS-RPT record field 2: rua URI 1 'mailto:a@example.com?subject=%zz' holds a '%' not followed by two hex digits, which must be percent-encoded",
	    "a broken percent-encoding");
	rpt_refused("v=TLSRPTv1; rua=https://r.example.com/%4",
	    "TLS-RPT record field 2: rua URI 1 'https://r.example.com/%4' holds a '%' not followed by two hex digits, which must be percent-encoded",
	    "a percent-encoding cut short");
	rpt_refused("v=TLSRPTv1; rua=https://r.example.com/<x>",
	    "TLS-RPT record field 2: rua URI 1 'https://r.example.com/<x>' holds '<', which must be percent-encoded",
	    "'<' in a URI");
	rpt_refused("v=TLSRPTv1; rua=mailto:a@example.com; rua=ftp://x",
	    "TLS-RPT record field 3: rua URI 1 'ftp://x' is neither mailto: nor https:", "a repeated rua is still checked");

	strcpy(err, "(untouched)");
	is_int(tlsrpt_record_parse(cut, strlen(cut) - 1, &r, err, sizeof(err)), -1,
	    "no byte past the length is read: '%%4' cut from '%%4F'");
	like_str(err, "holds a '%' not followed by two hex digits", "the cut encoding is refused");
	strcpy(err, "(untouched)");
	is_int(tlsrpt_record_parse(with_nul, sizeof(with_nul) - 1, &r, err, sizeof(err)), -1, "a NUL byte inside a URI");
	is_str(err, "TLS-RPT record field 2: rua URI 1 'mailto:a?b@example.com' holds byte 0x00, which must be percent-encoded",
	    "named as a byte");

	snprintf(text, sizeof(text), "v=TLSRPTv1; rua=https://r.example.com/%0*d", TLSRPT_URI_MAX - 22, 0);
	is_int(rpt(text, &r), 0, "a URI of %d characters", TLSRPT_URI_MAX);
	is_int(strlen(r.rua[0]), TLSRPT_URI_MAX, "kept whole");
	snprintf(text, sizeof(text), "v=TLSRPTv1; rua=https://r.example.com/%0*d", TLSRPT_URI_MAX - 21, 0);
	rpt_refused(text, "TLS-RPT record field 2: rua URI 1 is longer than 512 characters", "one more");
}

static void
tlsrpt_uri_count(void)
{
	char text[2048] = "v=TLSRPTv1; rua=";
	struct tlsrpt_record r;

	for (int i = 1; i <= TLSRPT_RUA_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%smailto:r%d@example.com",
		    i > 1 ? "," : "", i);
	is_int(rpt(text, &r), 0, "%d URIs are allowed", TLSRPT_RUA_MAX);
	is_int(r.rua_count, TLSRPT_RUA_MAX, "all kept");
	is_str(r.rua[TLSRPT_RUA_MAX - 1], "mailto:r16@example.com", "the last one");
	strcat(text, ",mailto:r17@example.com");
	rpt_refused(text, "TLS-RPT record field 2: more than 16 rua URIs", "17 URIs");
}

static void
tlsrpt_selection(void)
{
	struct tlsrpt_record r;
	struct mtasts_txt one[] = {
		TXT("v=spf1 -all"),
		TXT("v=TLSRPTv1; rua=mailto:tlsrpt@example.com"),
	};
	struct mtasts_txt two[] = {
		TXT("v=TLSRPTv1; rua=mailto:a@example.com"),
		TXT("v=TLSRPTv1;rua=mailto:b@example.com"),
	};
	struct mtasts_txt dmarc_only[] = { TXT("v=DMARC1; p=reject; rua=mailto:d@example.com") };
	struct mtasts_txt broken[] = { TXT("v=TLSRPTv1; rua=mailto:nobody") };

	is_int(tlsrpt_record_select(one, 2, &r, err, sizeof(err)), MTASTS_SELECT_ONE, "the one TLSRPTv1 record");
	is_str(r.rua[0], "mailto:tlsrpt@example.com", "its URI");
	is_int(tlsrpt_record_select(two, 2, &r, err, sizeof(err)), MTASTS_SELECT_INVALID, "two TLSRPTv1 records");
	is_str(err, "2 of the 2 TXT records start with v=TLSRPTv1; senders need exactly one and ignore them all",
	    "named as such");
	is_int(tlsrpt_record_select(dmarc_only, 1, &r, err, sizeof(err)), MTASTS_SELECT_NONE,
	    "a DMARC record published at the wrong name is not TLS-RPT");
	is_str(err, "no TLS-RPT record: none of the 1 TXT records starts with v=TLSRPTv1", "no TLS-RPT record");
	is_int(tlsrpt_record_select(broken, 1, &r, err, sizeof(err)), MTASTS_SELECT_INVALID, "a broken record");
	like_str(err, "names no address", "the reason passed on");
	is_int(tlsrpt_record_select(broken, 1, &r, NULL, 0), MTASTS_SELECT_INVALID, "no error buffer: no crash");
}

/* Error sentences are bounded and hold printable ASCII only, whatever came in. */
static void
sentences_are_clean(void)
{
	static const char hostile[] = "version: STSv1\nmode: \x1b[31mred\n";
	struct mtasts_policy p;
	char small[24];
	int clean = 1;

	is_int(mtasts_policy_parse(hostile, sizeof(hostile) - 1, &p, err, sizeof(err)), -1, "an escape sequence");
	for (const char *c = err; *c != '\0'; c++)
		clean &= *c >= 0x20 && *c < 0x7f;
	ok(clean, "the sentence holds no control character: %s", err);
	is_int(mtasts_policy_parse("version: STSv2", 14, &p, small, sizeof(small)), -1, "a small error buffer");
	is_str(small, "policy line 1: version ", "the sentence is cut, terminated");
}

int
main(void)
{
	sts_record_as_published();
	sts_record_broken();
	sts_record_nul_and_repeats();
	sts_record_selection();
	policy_as_published();
	policy_max_age_bounds();
	policy_missing_and_wrong_values();
	policy_line_syntax();
	policy_nul_bytes();
	policy_repeated_fields();
	policy_mx_patterns();
	policy_bounds();
	mx_matching();
	tlsrpt_as_published();
	tlsrpt_broken();
	tlsrpt_uri_count();
	tlsrpt_selection();
	sentences_are_clean();
	return done_testing();
}
