/*
 * test_http.c - the HTTP/1.x head parser.  Every input is parsed whole,
 * at every shorter length (as if it arrived split at that byte) and with
 * bytes after the head, each time fenced by an unreadable page.
 */
#include <stdio.h>
#include <string.h>

#include "common/http.h"
#include "tests/unit/unit.h"

#define MAXH 8

static int req(const char *s, size_t len, struct http_request *r,
	       struct http_header *h, size_t nh)
{
	r->headers = h;
	r->num_headers = nh;
	return http_parse_request(unit_fence(s, len), len, r);
}

static int res(const char *s, size_t len, struct http_response *r,
	       struct http_header *h, size_t nh)
{
	r->headers = h;
	r->num_headers = nh;
	return http_parse_response(unit_fence(s, len), len, r);
}

static int parse(int response, const char *s, size_t len, size_t nh)
{
	struct http_header h[MAXH];
	struct http_request rq;
	struct http_response rs;

	return response ? res(s, len, &rs, h, nh) : req(s, len, &rq, h, nh);
}

/*
 * A complete head s: every proper prefix needs more, the whole parses to
 * its length, and so does the head followed by a body.
 */
static void complete(int response, const char *s)
{
	size_t len = strlen(s);
	char more[1024];
	int r;

	for (size_t k = 0; k < len; k++) {
		r = parse(response, s, k, MAXH);
		EXPECTF(r == -2, "prefix %zu of '%s' gave %d", k,
			unit_show(s, len), r);
	}
	r = parse(response, s, len, MAXH);
	EXPECTF(r == (int)len, "'%s' gave %d, want %zu", unit_show(s, len),
		r, len);
	memcpy(more, s, len);
	memcpy(more + len, "\x81\x05hello", 7);
	r = parse(response, more, len + 7, MAXH);
	EXPECTF(r == (int)len, "'%s' + body gave %d", unit_show(s, len), r);
}

/* A malformed head: -1 whole, and no prefix is ever accepted. */
static void malformed(int response, const char *s, size_t len, size_t nh)
{
	int r;

	for (size_t k = 0; k < len; k++) {
		r = parse(response, s, k, nh);
		EXPECTF(r == -2 || r == -1, "prefix %zu of '%s' gave %d", k,
			unit_show(s, len), r);
	}
	r = parse(response, s, len, nh);
	EXPECTF(r == -1, "'%s' gave %d, want -1", unit_show(s, len), r);
}

static int hdr_is(const struct http_header *h, const char *name,
		  const char *value)
{
	return h->name_len == strlen(name) &&
	       !memcmp(h->name, name, h->name_len) &&
	       h->value_len == strlen(value) &&
	       !memcmp(h->value, value, h->value_len);
}

static const char upgrade_req[] =
	"GET /chat?x=1 HTTP/1.1\r\n"
	"Host: server.example.com\r\n"
	"Upgrade: websocket\r\n"
	"Connection: keep-alive, Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"\r\n";

static void request_fields(void)
{
	struct http_header h[MAXH];
	struct http_request r;
	int n = req(upgrade_req, strlen(upgrade_req), &r, h, MAXH);

	EXPECT(n == (int)strlen(upgrade_req));
	if (n < 0)
		return;
	EXPECT(r.method_len == 3 && !memcmp(r.method, "GET", 3));
	EXPECT(r.target_len == 9 && !memcmp(r.target, "/chat?x=1", 9));
	EXPECT(r.minor_version == 1);
	EXPECT(r.num_headers == 5);
	EXPECT(hdr_is(&h[0], "Host", "server.example.com"));
	EXPECT(hdr_is(&h[2], "Connection", "keep-alive, Upgrade"));
	EXPECT(hdr_is(&h[4], "Sec-WebSocket-Version", "13"));
	EXPECT(http_find(h, r.num_headers, "sec-websocket-key") == &h[3]);
	EXPECT(http_find(h, r.num_headers, "UPGRADE") == &h[1]);
	EXPECT(http_find(h, r.num_headers, "Sec-WebSocket-Protocol") == NULL);
	EXPECT(http_find(h, r.num_headers, "Hos") == NULL);
	EXPECT(http_find(h, r.num_headers, "Hostx") == NULL);
}

static void request_ows(void)
{
	static const char s[] =
		"OPTIONS * HTTP/1.0\r\n"
		"A:x\r\n"
		"B: \t spaced  out \t\r\n"
		"C:\r\n"
		"D: \t \r\n"
		"E: caf\xc3\xa9 \x80\xff\r\n"
		"F\t: no\r\n";
	static const char head[] =
		"OPTIONS * HTTP/1.0\r\n"
		"A:x\r\n"
		"B: \t spaced  out \t\r\n"
		"C:\r\n"
		"D: \t \r\n"
		"E: caf\xc3\xa9 \x80\xff\r\n"
		"\r\n";
	struct http_header h[MAXH];
	struct http_request r;
	int n = req(head, strlen(head), &r, h, MAXH);

	EXPECT(n == (int)strlen(head));
	if (n < 0)
		return;
	EXPECT(r.minor_version == 0 && r.target_len == 1);
	EXPECT(r.num_headers == 5);
	EXPECT(hdr_is(&h[0], "A", "x"));
	EXPECT(hdr_is(&h[1], "B", "spaced  out"));
	EXPECT(hdr_is(&h[2], "C", ""));
	EXPECT(hdr_is(&h[3], "D", ""));
	EXPECT(hdr_is(&h[4], "E", "caf\xc3\xa9 \x80\xff"));
	/* white space before the colon stays invalid after good headers */
	EXPECT(req(s, strlen(s), &r, h, MAXH) == -1);
}

static void request_complete(void)
{
	static const char *const t[] = {
		upgrade_req,
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nX: y\r\n\r\n",
		"GET http://h:1/a?b HTTP/1.1\r\nHost: h:1\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\n\r\n",
		"!#$%&'*+-.^_`|~09azAZ / HTTP/1.1\r\n"
		"!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
		"GET /~%20[]@!$&'()*+,;=:? HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\tb\r\n\r\n",
	};

	for (size_t i = 0; i < NELEM(t); i++)
		complete(0, t[i]);
}

#define BAD(s) { s, sizeof(s) - 1 }

static const struct {
	const char *s;
	size_t len;
} bad_requests[] = {
	/* bare LF and bare CR */
	BAD("GET / HTTP/1.1\nHost: x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: x\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost: x\r\n\n"),
	BAD("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: a\r\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: a\r\n\r\r\n"),
	BAD("GET / HTTP/1.1\r\r\n\r\n"),
	BAD("GET /\r HTTP/1.1\r\n\r\n"),
	/* NUL, other controls, DEL */
	BAD("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX\0: a\r\n\r\n"),
	BAD("GET /\0 HTTP/1.1\r\n\r\n"),
	BAD("G\0T / HTTP/1.1\r\n\r\n"),
	BAD("GET / HTTP/1.1\0\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n"),
	BAD("GET /\x7f HTTP/1.1\r\n\r\n"),
	BAD("GET /\x01 HTTP/1.1\r\n\r\n"),
	BAD("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"),
	/* obs-fold, white space at the start of a line or before a colon */
	BAD("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"),
	BAD(" GET / HTTP/1.1\r\n\r\n"),
	/* names */
	BAD("GET / HTTP/1.1\r\n: x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHost\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHo/st: x\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\nHo\xc3\xa9st: x\r\n\r\n"),
	/* versions */
	BAD("GET / HTTP/1.2\r\n\r\n"),
	BAD("GET / HTTP/2.0\r\n\r\n"),
	BAD("GET / HTTP/0.9\r\n\r\n"),
	BAD("GET / HTTP/1.10\r\n\r\n"),
	BAD("GET / HTTP/1\r\n\r\n"),
	BAD("GET / HTTP/1.\r\n\r\n"),
	BAD("GET / http/1.1\r\n\r\n"),
	BAD("GET / HTTP/1.1 \r\n\r\n"),
	BAD("GET / HTTPS/1.1\r\n\r\n"),
	BAD("GET /\r\n\r\n"),
	/* method and target */
	BAD("GET  HTTP/1.1\r\n\r\n"),
	BAD("GET HTTP/1.1\r\n\r\n"),
	BAD("GET\r\n\r\n"),
	BAD("GET  / HTTP/1.1\r\n\r\n"),
	BAD("GET /  HTTP/1.1\r\n\r\n"),
	BAD("GET\t/ HTTP/1.1\r\n\r\n"),
	BAD("G(T / HTTP/1.1\r\n\r\n"),
	BAD(" / HTTP/1.1\r\n\r\n"),
	BAD("\r\nGET / HTTP/1.1\r\n\r\n"),
	BAD("\nGET / HTTP/1.1\r\n\r\n"),
	/* a response is not a request */
	BAD("HTTP/1.1 200 OK\r\n\r\n"),
};

static void request_malformed(void)
{
	for (size_t i = 0; i < NELEM(bad_requests); i++)
		malformed(0, bad_requests[i].s, bad_requests[i].len, MAXH);
}

/* Garbage is refused at once, not after the blank line arrives. */
static void request_early_reject(void)
{
	static const struct {
		const char *s;
		size_t len;
	} t[] = {
		BAD("GET / HTTP/2"),
		BAD("GET / HTTP/1.1\n"),
		BAD("GET / HTTP/1.1\r\nX : "),
		BAD("GET  /"),
		BAD("\x16\x03\x01\x02\x00"),
		BAD("GET / HTTP/1.1\r\nX: \0"),
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		int r = parse(0, t[i].s, t[i].len, MAXH);

		EXPECTF(r == -1, "'%s' gave %d", unit_show(t[i].s, t[i].len), r);
	}
}

static void too_many_headers(void)
{
	static const char s[] =
		"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	static const char r_s[] =
		"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	static const char none[] = "GET / HTTP/1.1\r\n\r\n";

	for (int response = 0; response < 2; response++) {
		const char *t = response ? r_s : s;
		size_t len = strlen(t);

		EXPECT(parse(response, t, len, 3) == (int)len);
		malformed(response, t, len, 2);
		malformed(response, t, len, 0);
	}
	EXPECT(parse(0, none, strlen(none), 0) == (int)strlen(none));
}

static const char switching[] =
	"HTTP/1.1 101 Switching Protocols\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	"\r\n";

static void response_fields(void)
{
	struct http_header h[MAXH];
	struct http_response r;
	int n = res(switching, strlen(switching), &r, h, MAXH);

	EXPECT(n == (int)strlen(switching));
	if (n < 0)
		return;
	EXPECT(r.minor_version == 1 && r.status == 101);
	EXPECT(r.reason_len == 19 &&
	       !memcmp(r.reason, "Switching Protocols", 19));
	EXPECT(r.num_headers == 3);
	EXPECT(hdr_is(&h[2], "Sec-WebSocket-Accept",
		      "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

	static const struct {
		const char *s;
		int status;
		const char *reason;
	} t[] = {
		{ "HTTP/1.0 200 OK\r\n\r\n", 200, "OK" },
		{ "HTTP/1.1 404 \r\n\r\n", 404, "" },
		{ "HTTP/1.1 101\r\n\r\n", 101, "" },
		{ "HTTP/1.1 999 x\r\n\r\n", 999, "x" },
		{ "HTTP/1.1 100 a\tb  c \r\n\r\n", 100, "a\tb  c " },
		{ "HTTP/1.1 502 Bad \xc3\xa9\r\n\r\n", 502, "Bad \xc3\xa9" },
	};
	for (size_t i = 0; i < NELEM(t); i++) {
		size_t len = strlen(t[i].s);

		n = res(t[i].s, len, &r, h, MAXH);
		EXPECTF(n == (int)len && r.status == t[i].status &&
			r.reason_len == strlen(t[i].reason) &&
			!memcmp(r.reason, t[i].reason, r.reason_len),
			"'%s' gave %d", unit_show(t[i].s, len), n);
	}
}

static void response_complete(void)
{
	static const char *const t[] = {
		switching,
		"HTTP/1.0 200 OK\r\n\r\n",
		"HTTP/1.1 404 \r\n\r\n",
		"HTTP/1.1 101\r\n\r\n",
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
		"X-Empty:\r\n\r\n",
	};

	for (size_t i = 0; i < NELEM(t); i++)
		complete(1, t[i]);
}

static const struct {
	const char *s;
	size_t len;
} bad_responses[] = {
	BAD("HTTP/1.1 99 OK\r\n\r\n"),
	BAD("HTTP/1.1 099 OK\r\n\r\n"),
	BAD("HTTP/1.1 1000 OK\r\n\r\n"),
	BAD("HTTP/1.1 20x OK\r\n\r\n"),
	BAD("HTTP/1.1  200 OK\r\n\r\n"),
	BAD("HTTP/1.1 -20 OK\r\n\r\n"),
	BAD("HTTP/1.1\r\n\r\n"),
	BAD("HTTP/1.1 \r\n\r\n"),
	BAD("HTTP/1.2 200 OK\r\n\r\n"),
	BAD("HTTP/2 200\r\n\r\n"),
	BAD("HTTP/1.1\t200 OK\r\n\r\n"),
	BAD("http/1.1 200 OK\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\n\n"),
	BAD("HTTP/1.1 200 O\rK\r\n\r\n"),
	BAD("HTTP/1.1 200 O\0K\r\n\r\n"),
	BAD("HTTP/1.1 200 O\x01K\r\n\r\n"),
	BAD("HTTP/1.1 200 O\x7fK\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nX : a\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\n: a\r\n\r\n"),
	BAD("HTTP/1.1 200 OK\r\nX: a\nY: b\r\n\r\n"),
	BAD("GET / HTTP/1.1\r\n\r\n"),
	BAD("\r\nHTTP/1.1 200 OK\r\n\r\n"),
};

static void response_malformed(void)
{
	for (size_t i = 0; i < NELEM(bad_responses); i++)
		malformed(1, bad_responses[i].s, bad_responses[i].len, MAXH);
}

static void has_token(void)
{
	static const struct {
		const char *value, *token;
		int want;
	} t[] = {
		{ "Upgrade", "upgrade", 1 },
		{ "upgrade", "Upgrade", 1 },
		{ "keep-alive, Upgrade", "upgrade", 1 },
		{ "keep-alive,Upgrade", "upgrade", 1 },
		{ "Upgrade, keep-alive", "upgrade", 1 },
		{ " \tUpgrade\t ", "upgrade", 1 },
		{ ",,upgrade,,", "upgrade", 1 },
		{ "keep-alive , upgrade , close", "upgrade", 1 },
		{ "upgrades", "upgrade", 0 },
		{ "upgrad", "upgrade", 0 },
		{ "xupgrade", "upgrade", 0 },
		{ "keep-alive", "upgrade", 0 },
		{ "up grade", "upgrade", 0 },
		{ "", "upgrade", 0 },
		{ ",", "upgrade", 0 },
		{ "websocket", "websocket", 1 },
		{ "WebSocket", "websocket", 1 },
		{ "websocket/13", "websocket", 0 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		size_t len = strlen(t[i].value);
		const char *v = unit_fence(t[i].value, len);

		EXPECTF(http_has_token(v, len, t[i].token) == t[i].want,
			"'%s' holds '%s' should be %d", t[i].value,
			t[i].token, t[i].want);
	}
	/* only value[0..len) counts */
	EXPECT(!http_has_token("keep-alive, upgrade", 11, "upgrade"));
	EXPECT(http_has_token("upgradeX", 7, "upgrade"));
}

static void ieq(void)
{
	EXPECT(http_ieq("Upgrade", 7, "upgrade"));
	EXPECT(http_ieq("UPGRADE", 7, "upgrade"));
	EXPECT(!http_ieq("Upgrade", 6, "upgrade"));
	EXPECT(!http_ieq("Upgrades", 8, "upgrade"));
	EXPECT(http_ieq("", 0, ""));
	EXPECT(!http_ieq("a", 1, ""));
	EXPECT(!http_ieq("[", 1, "{"));
	EXPECT(!http_ieq("@", 1, "`"));
}

/* Content-Length: digits only, agreeing duplicates, no sign or space */
static void content_length(void)
{
	static const struct { const char *v; int ok; uint64_t n; } cases[] = {
		{ "0", 1, 0 }, { "42", 1, 42 }, { "999999999999999999", 1,
		999999999999999999ULL }, { "", 0, 0 }, { "-1", 0, 0 },
		{ "+1", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 }, { "1,1", 0, 0 },
		{ "0x10", 0, 0 }, { "12345678901234567890", 0, 0 },
	};
	struct http_header h[2] = { { "Content-Length", 14, "5", 1 },
				    { "content-length", 14, "5", 1 } };
	uint64_t n;

	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *v = unit_fence(cases[i].v, strlen(cases[i].v));
		int r = http_parse_length(v, strlen(cases[i].v), &n);

		EXPECTF(r == (cases[i].ok ? 0 : -1), "'%s' gave %d",
			cases[i].v, r);
		EXPECTF(!cases[i].ok || n == cases[i].n, "'%s' gave %llu",
			cases[i].v, (unsigned long long)n);
	}
	EXPECT(http_content_length(h, 2, &n) == 1 && n == 5);
	h[1].value = "6";
	EXPECT(http_content_length(h, 2, &n) == -1);
	EXPECT(http_content_length(h, 0, &n) == 0);
}

/* the options of every Connection line, once each, bounded */
static void conn_opts(void)
{
	struct http_header h[3] = {
		{ "Connection", 10, "keep-alive, X-A", 15 },
		{ "Host", 4, "h", 1 },
		{ "connection", 10, ",, upgrade ,x-a", 15 },
	};
	struct http_conn_opts o;
	char many[32 * 4 + 8];
	size_t n = 0;

	EXPECT(http_conn_opts_read(&o, h, 3) == 0);
	EXPECT(o.n == 3);
	EXPECT(http_conn_opts_has(&o, "x-a", 3));
	EXPECT(http_conn_opts_has(&o, "UPGRADE", 7));
	EXPECT(!http_conn_opts_has(&o, "host", 4));
	EXPECT(!http_conn_opts_has(&o, "x-", 2));
	for (int i = 0; i <= HTTP_CONN_OPTS_MAX; i++)
		n += sprintf(many + n, "%c%c,", 'a' + i / 26, 'a' + i % 26);
	h[0].value = many;
	h[0].value_len = n;
	EXPECT(http_conn_opts_read(&o, h, 1) == -1);
	EXPECT(http_any_token(h + 1, 2, "connection", "upgrade"));
	EXPECT(!http_any_token(h, 2, "connection", "upgrade"));
}

/* the blank line is found however the head is split, and searched once */
static void head_ended(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t len = strlen(head);

	for (size_t cut = 0; cut <= len; cut++) {
		size_t from = 0;
		int a = http_head_ended(head, cut, &from);

		EXPECTF(a == (cut == len), "cut %zu: %d", cut, a);
		EXPECTF(a || http_head_ended(head, len, &from),
			"cut %zu: not found after", cut);
	}
	for (size_t step = 1; step < 5; step++) {
		size_t from = 0, at = 0;
		int found = 0;

		for (at = step; !found; at += step)
			found = http_head_ended(head, at < len ? at : len,
						&from);
		EXPECTF(at - step >= len - 1, "step %zu: found at %zu", step,
			at - step);
	}
}

const struct unit_case http_cases[] = {
	{ "http.request-fields", request_fields },
	{ "http.request-ows", request_ows },
	{ "http.request-complete-and-split", request_complete },
	{ "http.request-malformed", request_malformed },
	{ "http.request-early-reject", request_early_reject },
	{ "http.too-many-headers", too_many_headers },
	{ "http.response-fields", response_fields },
	{ "http.response-complete-and-split", response_complete },
	{ "http.response-malformed", response_malformed },
	{ "http.has-token", has_token },
	{ "http.ieq", ieq },
	{ "http.content-length", content_length },
	{ "http.connection-options", conn_opts },
	{ "http.head-ended", head_ended },
	{ NULL, NULL },
};
