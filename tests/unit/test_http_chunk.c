/*
 * test_http_chunk.c - the chunked-body scanner.  Each body is scanned
 * whole, split at every byte, and byte by byte, fenced by an unreadable
 * page; what follows the body must never be counted as part of it.
 */
#include <string.h>

#include "common/http_chunk.h"
#include "tests/unit/unit.h"

extern const struct unit_case http_chunk_cases[];

/* Scan s in pieces of at most step bytes; the total consumed, or -1. */
static long scan(const char *s, size_t len, size_t step, int *done)
{
	struct http_chunked c;
	size_t off = 0;
	long total = 0;

	http_chunked_init(&c);
	while (off < len && !http_chunked_done(&c)) {
		size_t n = len - off < step ? len - off : step;
		long r = http_chunked_scan(&c, unit_fence(s + off, n), n);

		if (r < 0)
			return -1;
		total += r;
		if ((size_t)r < n && !http_chunked_done(&c))
			return -2;	/* stopped early without an end */
		off += n;
	}
	*done = http_chunked_done(&c);
	return total;
}

/* A whole body s, followed by junk: every split finds its exact end. */
static void body_ends(const char *s)
{
	size_t len = strlen(s);
	char more[512];
	int done;
	long r;

	memcpy(more, s, len);
	memcpy(more + len, "GET / HTTP/1.1\r\n", 16);
	for (size_t step = 1; step <= len + 16; step++) {
		r = scan(more, len + 16, step, &done);
		EXPECTF(r == (long)len && done, "'%s' in steps of %zu: %ld",
			unit_show(s, len), step, r);
	}
	for (size_t k = 0; k < len; k++) {
		r = scan(s, k, k ? k : 1, &done);
		EXPECTF(r == (long)k && !done, "prefix %zu of '%s': %ld", k,
			unit_show(s, len), r);
	}
}

static void valid(void)
{
	body_ends("0\r\n\r\n");
	body_ends("5\r\nhello\r\n0\r\n\r\n");
	body_ends("5\r\nhe\r\nl\r\n0\r\n\r\n");	/* CRLF inside data */
	body_ends("A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n");
	body_ends("a;name=value\r\n0123456789\r\n0\r\n\r\n");
	body_ends("000003\r\nabc\r\n0\r\n\r\n");
	body_ends("3\r\nabc\r\n0\r\nExpires: never\r\nX-A: b\r\n\r\n");
	body_ends("0;ext\r\n\r\n");
}

static void invalid_one(const char *s)
{
	size_t len = strlen(s);
	int done;

	for (size_t step = 1; step <= len; step++)
		EXPECTF(scan(s, len, step, &done) == -1,
			"'%s' in steps of %zu was accepted", unit_show(s, len),
			step);
}

static void invalid(void)
{
	invalid_one("\r\n");			/* no size */
	invalid_one("x\r\n");
	invalid_one(" 5\r\nhello\r\n");		/* white space */
	invalid_one("5 \r\nhello\r\n");
	invalid_one("5\nhello\r\n");		/* bare LF */
	invalid_one("5\r\nhello\n0\r\n\r\n");
	invalid_one("5\r\nhelloX\r\n");		/* data longer than said */
	invalid_one("-1\r\n");
	invalid_one("1000000000000000\r\n");	/* 16 hex digits */
	invalid_one("1;a\001b\r\n");		/* control in an extension */
	invalid_one("0\r\n X: folded\r\n\r\n");	/* obs-fold in a trailer */
	invalid_one("0\r\nX: a\nY: b\r\n\r\n");
	invalid_one("0\r\n\n");
}

static void big_sizes(void)
{
	struct http_chunked c;
	const char *s = "fffffffffffffff\r\n";	/* 15 digits: allowed */

	http_chunked_init(&c);
	EXPECT(http_chunked_scan(&c, unit_fence(s, strlen(s)), strlen(s)) ==
	       (long)strlen(s));
	EXPECT(c.left == 0xfffffffffffffffULL);
	EXPECT(!http_chunked_done(&c));
}

const struct unit_case http_chunk_cases[] = {
	{ "http_chunk.valid-ends-exactly", valid },
	{ "http_chunk.invalid", invalid },
	{ "http_chunk.big-sizes", big_sizes },
	{ NULL, NULL },
};
