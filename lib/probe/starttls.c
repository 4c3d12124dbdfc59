/*
 * starttls.c - the mail protocols tls-probe speaks before TLS: which port
 * and dialect each protocol name means, and the short exchange that asks
 * a server to start TLS (SMTP/LMTP, IMAP, POP3, ManageSieve).
 *
 * Dialects are data: a reply style and four commands. One loop drives them
 * all, sending each command only after the previous reply is complete
 * (Exim drops clients that pipeline with "554 SMTP synchronization error").
 * Every reply is bounded in line length and line count and parsed strictly.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe_internal.h"

enum reply_style {
	STYLE_SMTP,
	STYLE_IMAP,
	STYLE_POP3,
	STYLE_SIEVE,
};

struct dialect {
	const char *name;		/* for sentences: "SMTP" */
	enum reply_style style;
	const char *hello;		/* capability request; NULL: the greeting lists them */
	const char *capability;		/* what the capability list must hold */
	const char *starttls;
	const char *quit;
};

static const struct dialect smtp = {
	"SMTP", STYLE_SMTP, "EHLO %s", "STARTTLS", "STARTTLS", "QUIT"
};
static const struct dialect lmtp = {
	"LMTP", STYLE_SMTP, "LHLO %s", "STARTTLS", "STARTTLS", "QUIT"
};
static const struct dialect imap = {
	"IMAP", STYLE_IMAP, "a001 CAPABILITY", "STARTTLS", "a002 STARTTLS", "a003 LOGOUT"
};
static const struct dialect pop3 = {
	"POP3", STYLE_POP3, "CAPA", "STLS", "STLS", "QUIT"
};
static const struct dialect sieve = {
	"ManageSieve", STYLE_SIEVE, NULL, "\"STARTTLS\"", "STARTTLS", "LOGOUT"
};

static const struct protocol {
	const char *name;
	unsigned port;
	bool implicit;
	const struct dialect *dialect;	/* spoken before TLS, or after for implicit */
} protocols[TP_PROTO_COUNT] = {
	[TP_PROTO_SMTP] = { "smtp", 25, false, &smtp },
	[TP_PROTO_SUBMISSION] = { "submission", 587, false, &smtp },
	[TP_PROTO_LMTP] = { "lmtp", 24, false, &lmtp },
	[TP_PROTO_IMAP] = { "imap", 143, false, &imap },
	[TP_PROTO_POP3] = { "pop3", 110, false, &pop3 },
	[TP_PROTO_SIEVE] = { "sieve", 4190, false, &sieve },
	[TP_PROTO_SMTPS] = { "smtps", 465, true, &smtp },
	[TP_PROTO_SUBMISSIONS] = { "submissions", 465, true, &smtp },
	[TP_PROTO_IMAPS] = { "imaps", 993, true, &imap },
	[TP_PROTO_POP3S] = { "pop3s", 995, true, &pop3 },
	[TP_PROTO_TLS] = { "tls", 443, true, NULL },
};

int
tp_protocol_from_name(const char *name, enum tp_protocol *out)
{
	for (int i = 0; i < TP_PROTO_COUNT; i++) {
		if (strcasecmp(name, protocols[i].name) == 0) {
			*out = (enum tp_protocol)i;
			return 0;
		}
	}
	return -1;
}

int
tp_protocol_from_port(unsigned port, enum tp_protocol *out)
{
	/* smtps and submissions share 465; the first, "submissions" (RFC 8314), wins. */
	static const enum tp_protocol order[] = {
		TP_PROTO_SMTP, TP_PROTO_SUBMISSION, TP_PROTO_LMTP, TP_PROTO_IMAP,
		TP_PROTO_POP3, TP_PROTO_SIEVE, TP_PROTO_SUBMISSIONS, TP_PROTO_IMAPS,
		TP_PROTO_POP3S,
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (protocols[order[i]].port == port) {
			*out = order[i];
			return 0;
		}
	}
	return -1;
}

const char *
tp_protocol_name(enum tp_protocol proto)
{
	return proto < TP_PROTO_COUNT ? protocols[proto].name : "?";
}

unsigned
tp_protocol_default_port(enum tp_protocol proto)
{
	return proto < TP_PROTO_COUNT ? protocols[proto].port : 0;
}

bool
tp_protocol_is_implicit(enum tp_protocol proto)
{
	return proto < TP_PROTO_COUNT && protocols[proto].implicit;
}

const char *
tp_protocol_names(void)
{
	return "smtp, submission, lmtp, imap, pop3, sieve, smtps, submissions, "
	    "imaps, pop3s, tls";
}

bool
starttls_has_dialect(enum tp_protocol proto)
{
	return proto < TP_PROTO_COUNT && protocols[proto].dialect != NULL;
}

static enum reply_line classify(const struct dialect *d, const char *line,
    const char *tag, bool greeting, int *first_code);

enum reply_line
starttls_greeting_line(enum tp_protocol proto, const char *line, int *code)
{
	const struct dialect *d = proto < TP_PROTO_COUNT ? protocols[proto].dialect : NULL;

	if (d == NULL)
		return REPLY_LAST_OK;
	return classify(d, line, NULL, true, code);
}

const char *
starttls_quit_command(enum tp_protocol proto)
{
	const struct dialect *d = proto < TP_PROTO_COUNT ? protocols[proto].dialect : NULL;

	return d != NULL ? d->quit : NULL;
}

/* --- reply lines ---------------------------------------------------------- */

enum reply_line
smtp_reply_line(const char *line, int *code)
{
	if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return REPLY_BAD;
	if (line[0] < '2' || line[0] > '5')
		return REPLY_BAD;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (line[3] == '-')
		return REPLY_MORE;
	if (line[3] != ' ' && line[3] != '\0')
		return REPLY_BAD;
	return line[0] == '2' ? REPLY_LAST_OK : REPLY_LAST_FAIL;
}

/* True when LINE starts with WORD followed by a space or the end. */
static bool
starts_with_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	return strncasecmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

enum reply_line
imap_reply_line(const char *line, const char *tag)
{
	if (tag == NULL) {	/* the greeting */
		if (starts_with_word(line, "* OK") || starts_with_word(line, "* PREAUTH"))
			return REPLY_LAST_OK;
		if (starts_with_word(line, "* BYE"))
			return REPLY_LAST_FAIL;
		return REPLY_BAD;
	}
	if (line[0] == '*' && line[1] == ' ')
		return REPLY_MORE;
	size_t n = strlen(tag);
	if (strncmp(line, tag, n) != 0 || line[n] != ' ')
		return REPLY_BAD;
	if (starts_with_word(line + n + 1, "OK"))
		return REPLY_LAST_OK;
	if (starts_with_word(line + n + 1, "NO") || starts_with_word(line + n + 1, "BAD"))
		return REPLY_LAST_FAIL;
	return REPLY_BAD;
}

enum reply_line
pop3_status_line(const char *line)
{
	if (starts_with_word(line, "+OK"))
		return REPLY_LAST_OK;
	if (starts_with_word(line, "-ERR"))
		return REPLY_LAST_FAIL;
	return REPLY_BAD;
}

enum reply_line
sieve_reply_line(const char *line)
{
	if (starts_with_word(line, "OK"))
		return REPLY_LAST_OK;
	if (starts_with_word(line, "NO") || starts_with_word(line, "BYE"))
		return REPLY_LAST_FAIL;
	if (line[0] == '"')
		return REPLY_MORE;	/* a capability: "NAME" ["VALUE"] */
	return REPLY_BAD;
}

bool
capability_has(const char *caps, const char *token)
{
	size_t n = strlen(token);

	if (n == 0)
		return false;	/* "" matches at the NUL too, and p++ would pass it */
	for (const char *p = caps; (p = strcasestr(p, token)) != NULL; p++) {
		bool starts = p == caps || isspace((unsigned char)p[-1]) || p[-1] == '[';
		bool ends = p[n] == '\0' || isspace((unsigned char)p[n]) || p[n] == ']';
		if (starts && ends)
			return true;
	}
	return false;
}

/* A last line refusing under another code than the reply's first line. */
static bool
smtp_reply_broken_off(const char *line, int first_code)
{
	int code = 0;

	return first_code != 0 && smtp_reply_line(line, &code) == REPLY_LAST_FAIL &&
	    code != first_code;
}

bool
starttls_reply_broken_off(enum tp_protocol proto, const char *line, int first_code)
{
	const struct dialect *d = proto < TP_PROTO_COUNT ? protocols[proto].dialect : NULL;

	return d != NULL && d->style == STYLE_SMTP && smtp_reply_broken_off(line, first_code);
}

/*
 * The refusal is the news, not the change of code. Before the greeting's
 * end this check sends nothing but a PROXY header, so with one sent that
 * header is what a pre-greet test caught; without, the server turned the
 * client away for reasons of its own (postscreen: a DNSBL, a denylist).
 */
int
starttls_fail_broken_off(struct tp_probe *p, const char *waiting_for, const char *line)
{
	char shown[160];
	bool greeting = p->phase == TP_PHASE_GREETING;

	copy_printable(shown, sizeof(shown), line);
	if (greeting && p->proxy_sent != TP_PROXY_NONE)	/* postscreen's pre-greet test */
		return probe_refused(p, TP_FAIL_PROTOCOL, REFUSED_GREETING, NULL,
		    "the server broke off its greeting with '%s', as postscreen's "
		    "pre-greet test does with a client that talks first", shown);
	return probe_fail(p, TP_FAIL_PROTOCOL,
	    "the server broke off its %s with '%s'%s", waiting_for, shown,
	    greeting ? ": it turned this client away mid-greeting (Postfix postscreen "
	    "does so for a DNSBL listing or its denylist; its log says why)" : "");
}

/* --- one reply ------------------------------------------------------------ */

struct reply {
	bool ok;
	int code;			/* SMTP reply code; 0 for the other protocols */
	char text[TP_REPLY_TEXT_MAX];	/* lines joined by '\n', bounded */
	size_t len;
	bool offers_tls;		/* some line, kept in TEXT or not, lists the capability */
};

/*
 * Adds LINE to R's text, and notes whether it lists D's STARTTLS capability:
 * the text keeps what fits for a diagnosis, but the capability is looked for
 * in every line (nginx lists STARTTLS last, after any number of others).
 */
static void
reply_append(struct reply *r, const struct dialect *d, const char *line)
{
	size_t n = strlen(line);

	if (capability_has(line, d->capability))
		r->offers_tls = true;

	if (r->len + n + 2 > sizeof(r->text))
		return;		/* keep what fits: enough for capabilities and a diagnosis */
	if (r->len > 0)
		r->text[r->len++] = '\n';
	memcpy(r->text + r->len, line, n + 1);
	r->len += n;
}

static enum reply_line
classify(const struct dialect *d, const char *line, const char *tag, bool greeting,
    int *first_code)
{
	int code = 0;
	enum reply_line kind;

	switch (d->style) {
	case STYLE_SMTP:
		kind = smtp_reply_line(line, &code);
		if (kind != REPLY_BAD && *first_code != 0 && code != *first_code)
			return REPLY_BAD;	/* RFC 5321: one code for all lines */
		*first_code = code;
		return kind;
	case STYLE_IMAP:
		return imap_reply_line(line, greeting ? NULL : tag);
	case STYLE_POP3:
		return pop3_status_line(line);
	case STYLE_SIEVE:
		return sieve_reply_line(line);
	}
	return REPLY_BAD;
}

/*
 * Reads one reply. TAG is the IMAP tag of the command; GREETING marks the
 * server's first reply. Returns 0 with R filled, or -1 with the failure set.
 */
static int
read_reply(struct tp_probe *p, struct conn *c, const struct dialect *d,
    const char *tag, bool greeting, const char *waiting_for, struct reply *r)
{
	char line[TP_LINE_MAX];
	int first_code = 0;

	memset(r, 0, sizeof(*r));
	for (int n = 0; n < TP_REPLY_LINES_MAX; n++) {
		enum io_status st = conn_read_line(c, line, sizeof(line));
		enum reply_line kind;

		if (st != IO_OK)
			return probe_fail_io(p, st, waiting_for);
		if (greeting && n == 0)
			copy_printable(p->greeting, sizeof(p->greeting), line);
		if (d->style == STYLE_SMTP && smtp_reply_broken_off(line, first_code))
			return starttls_fail_broken_off(p, waiting_for, line);
		kind = classify(d, line, tag, greeting, &first_code);
		if (greeting && (kind == REPLY_LAST_OK ||
		    (kind == REPLY_MORE && first_code / 100 == 2)))
			probe_said(p, SAID_GREETING);	/* postscreen's "220-" counts */
		if (kind == REPLY_BAD) {
			char shown[160];
			copy_printable(shown, sizeof(shown), line);
			return probe_refused(p, TP_FAIL_PROTOCOL, REFUSED_TEXT, NULL,
			    "the server's %s is not %s: '%s' (is this the right "
			    "port and -P protocol?)", waiting_for, d->name, shown);
		}
		/* Keep the text without SMTP's "250-": capabilities are its words. */
		reply_append(r, d, d->style == STYLE_SMTP && strlen(line) >= 4 ? line + 4 : line);
		if (kind != REPLY_MORE) {
			r->ok = kind == REPLY_LAST_OK;
			r->code = first_code;
			return 0;
		}
	}
	return probe_fail(p, TP_FAIL_PROTOCOL,
	    "the server's %s goes on for more than %d lines; giving up",
	    waiting_for, TP_REPLY_LINES_MAX);
}

/* POP3 CAPA: "+OK" then capability lines up to a lone ".". */
static int
read_pop3_list(struct tp_probe *p, struct conn *c, const struct dialect *d,
    struct reply *r)
{
	char line[TP_LINE_MAX];

	for (int n = 0; n < TP_REPLY_LINES_MAX; n++) {
		enum io_status st = conn_read_line(c, line, sizeof(line));

		if (st != IO_OK)
			return probe_fail_io(p, st, "capability list");
		if (strcmp(line, ".") == 0)
			return 0;
		reply_append(r, d, line);
	}
	return probe_fail(p, TP_FAIL_PROTOCOL,
	    "the server's capability list goes on for more than %d lines; giving up",
	    TP_REPLY_LINES_MAX);
}

static int
send_command(struct tp_probe *p, struct conn *c, const char *command)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "%s\r\n", command);

	if (n < 0 || (size_t)n >= sizeof(line))
		return probe_fail(p, TP_FAIL_INTERNAL, "command too long");
	p->spoke = true;
	enum io_status st = conn_write_all(c, line, (size_t)n);
	return st == IO_OK ? 0 : probe_fail_io(p, st, "reply");
}

/* Quotes a reply's text on one line, for a sentence; a refusal keeps its code. */
static const char *
one_line(const struct reply *r, char *out, size_t size)
{
	char text[TP_REPLY_TEXT_MAX + 8];

	if (!r->ok && r->code != 0) {
		snprintf(text, sizeof(text), "%d %s", r->code, r->text);
		copy_printable(out, size, text);
	} else
		copy_printable(out, size, r->text);
	return out;
}

static int
read_greeting(struct tp_probe *p, struct conn *c, const struct dialect *d,
    struct reply *r)
{
	char shown[300];

	p->phase = TP_PHASE_GREETING;
	if (read_reply(p, c, d, NULL, true, "greeting", r) < 0)
		return -1;
	if (!r->ok)
		return probe_refused(p, TP_FAIL_PROTOCOL, REFUSED_GREETING, NULL,
		    "the server greeted with a refusal: '%s'", one_line(r, shown, sizeof(shown)));
	return 0;
}

/* Asks for the capabilities (unless the greeting holds them) into R. */
static int
read_capabilities(struct tp_probe *p, struct conn *c, const struct dialect *d,
    const char *helo_name, struct reply *r)
{
	char command[400], shown[300];

	if (d->hello == NULL)
		return 0;
	snprintf(command, sizeof(command), d->hello, helo_name);
	if (send_command(p, c, command) < 0 ||
	    read_reply(p, c, d, "a001", false, "capability reply", r) < 0)
		return -1;
	if (r->ok)
		probe_said(p, SAID_ANSWER);
	if (d->style == STYLE_POP3 && r->ok) {
		memset(r, 0, sizeof(*r));
		return read_pop3_list(p, c, d, r);
	}
	/* After a PROXY header, "-ERR" is likelier its answer than no CAPA. */
	if (!r->ok && (d->style != STYLE_POP3 || p->proxy_sent != TP_PROXY_NONE))
		return probe_refused(p, TP_FAIL_PROTOCOL, REFUSED_TEXT, NULL,
		    "the server rejected '%s': '%s'", command, one_line(r, shown, sizeof(shown)));
	if (!r->ok)
		memset(r, 0, sizeof(*r));	/* POP3 without CAPA: no capabilities */
	return 0;
}

/*
 * Ends a plain-text session that will not reach TLS (STARTTLS not offered
 * or refused) as the TLS path does: the quit command, its reply read until
 * the server closes. A client that just hangs up leaves "lost connection
 * after EHLO" in Postfix's log at every check. Best effort, within half a
 * second; the failure already set stays the one reported.
 */
static void
say_goodbye(struct conn *c, const struct dialect *d)
{
	char line[TP_LINE_MAX], command[64];
	int64_t cap = monotonic_ms() + 500;
	int n = snprintf(command, sizeof(command), "%s\r\n", d->quit);

	if (c->deadline_ms > cap)
		c->deadline_ms = cap;	/* nothing runs on this connection after us */
	if (n < 0 || (size_t)n >= sizeof(command) ||
	    conn_write_all(c, command, (size_t)n) != IO_OK)
		return;
	for (int i = 0; i < TP_REPLY_LINES_MAX; i++)
		if (conn_read_line(c, line, sizeof(line)) != IO_OK)
			return;
}

int
starttls_negotiate(struct tp_probe *p, struct conn *c, enum tp_protocol proto,
    const char *helo_name)
{
	const struct dialect *d = protocols[proto].dialect;
	struct reply r;
	char shown[TP_REPLY_TEXT_MAX];

	if (read_greeting(p, c, d, &r) < 0)
		return -1;
	p->phase = TP_PHASE_STARTTLS;
	if (read_capabilities(p, c, d, helo_name, &r) < 0)
		return -1;
	if (!r.offers_tls) {
		probe_fail(p, TP_FAIL_STARTTLS_NOT_OFFERED,
		    "the server does not offer %s: its capabilities are '%s' "
		    "(TLS is off for this %s service)", d->capability,
		    one_line(&r, shown, sizeof(shown)), d->name);
		say_goodbye(c, d);
		return -1;
	}
	if (send_command(p, c, d->starttls) < 0 ||
	    read_reply(p, c, d, "a002", false, "STARTTLS reply", &r) < 0)
		return -1;
	if (!r.ok) {
		probe_refused(p, TP_FAIL_STARTTLS_REFUSED, REFUSED_TEXT, NULL,
		    "the server refused STARTTLS: '%s'", one_line(&r, shown, sizeof(shown)));
		say_goodbye(c, d);
		return -1;
	}
	probe_said(p, SAID_STARTTLS_OK);
	if (c->buf_len > 0)
		return probe_fail(p, TP_FAIL_PROTOCOL,
		    "the server sent %zu bytes of plain text after accepting STARTTLS; "
		    "a client must not trust them (a broken or tampered server)",
		    c->buf_len);
	return 0;
}
