/*
 * test_deflate.c - permessage-deflate (common/ws_deflate.c): the
 * extension list's grammar and RFC 7692's parameters, and the codec:
 * messages round-trip with and without context takeover, and broken or
 * oversized input is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "common/ws_deflate.h"
#include "tests/unit/unit.h"

/* Parse s, fenced; the first element's result into *p and *valid. */
static int first(const char *s, struct ws_pmd *p, int *valid)
{
	size_t len = strlen(s), nlen;
	const char *v = unit_fence(s, len), *name;

	return ws_pmd_next(&v, v + len, p, valid, &name, &nlen);
}

static void offers(void)
{
	struct ws_pmd p;
	int valid;

	EXPECT(first("permessage-deflate", &p, &valid) == 1 && valid &&
	       !p.server_max_window_bits && !p.client_max_window_bits);
	EXPECT(first("permessage-deflate; client_max_window_bits", &p,
		     &valid) == 1 && valid && p.client_max_window_bits == -1);
	EXPECT(first("Permessage-Deflate ;server_no_context_takeover; "
		     "client_no_context_takeover ; server_max_window_bits=10",
		     &p, &valid) == 1 && valid &&
	       p.server_no_context_takeover && p.client_no_context_takeover &&
	       p.server_max_window_bits == 10);
	EXPECT(first("permessage-deflate; server_max_window_bits=\"15\"", &p,
		     &valid) == 1 && valid && p.server_max_window_bits == 15);
	EXPECT(first("x-webkit-deflate-frame", &p, &valid) == 2);
	EXPECT(first("", &p, &valid) == 0);
	EXPECT(first(" , ,", &p, &valid) == 0);
}

static void bad_parameters(void)
{
	static const char *const bad[] = {
		"permessage-deflate; server_max_window_bits",
		"permessage-deflate; server_max_window_bits=7",
		"permessage-deflate; server_max_window_bits=16",
		"permessage-deflate; server_max_window_bits=010",
		"permessage-deflate; client_max_window_bits=1a",
		"permessage-deflate; server_no_context_takeover=1",
		"permessage-deflate; server_no_context_takeover; "
		"server_no_context_takeover",
		"permessage-deflate; x=1",
	};
	struct ws_pmd p;
	size_t i;
	int valid;

	for (i = 0; i < NELEM(bad); i++)
		EXPECTF(first(bad[i], &p, &valid) == 1 && !valid,
			"'%s' taken", bad[i]);
}

static void syntax(void)
{
	static const char *const bad[] = {
		";", "permessage-deflate;", "permessage-deflate; =1",
		"permessage-deflate x", "permessage-deflate; a=\"1",
		"permessage-deflate; a=", "\"q\"",
	};
	struct ws_pmd p;
	size_t i;
	int valid;

	for (i = 0; i < NELEM(bad); i++)
		EXPECTF(first(bad[i], &p, &valid) == -1, "'%s' parsed", bad[i]);
}

/* Every element of a list, in order. */
static void list(void)
{
	const char *s = "x-foo; a=1, permessage-deflate; "
			"server_max_window_bits=9,permessage-deflate";
	const char *v = s, *end = s + strlen(s), *name;
	struct ws_pmd p;
	size_t nlen;
	int valid;

	EXPECT(ws_pmd_next(&v, end, &p, &valid, &name, &nlen) == 2 &&
	       nlen == 5 && !memcmp(name, "x-foo", 5));
	EXPECT(ws_pmd_next(&v, end, &p, &valid, &name, &nlen) == 1 &&
	       valid && p.server_max_window_bits == 9);
	EXPECT(ws_pmd_next(&v, end, &p, &valid, &name, &nlen) == 1 &&
	       valid && !p.server_max_window_bits);
	EXPECT(ws_pmd_next(&v, end, &p, &valid, &name, &nlen) == 0);
}

static void format(void)
{
	struct ws_pmd p = { .server_no_context_takeover = 1,
			    .server_max_window_bits = 10 };
	char out[96];

	EXPECT(!strcmp(ws_pmd_format(&p, out, sizeof(out)),
		       "permessage-deflate; server_no_context_takeover; "
		       "server_max_window_bits=10"));
	memset(&p, 0, sizeof(p));
	EXPECT(!strcmp(ws_pmd_format(&p, out, sizeof(out)),
		       "permessage-deflate"));
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	static const char w[] = "proxy tunnel frame upgrade ";
	uint32_t x = seed;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (x >> 24) < 40 ? (uint8_t)(x >> 16) : (uint8_t)w[i % 27];
	}
}

/* Send a message from tx to rx: returns its compressed length. */
static size_t pass(struct ws_deflate *tx, struct ws_deflate *rx,
		   const uint8_t *msg, size_t n)
{
	uint8_t *z = NULL, *out = NULL;
	size_t zn = 0, on = 0;
	int rc;

	EXPECT(ws_deflate_msg(tx, msg, n, 14, &z, &zn) == 0);
	rc = ws_inflate_msg(rx, z + 14, zn, 3, n, &out, &on);
	EXPECTF(rc == 0 && on == n && !memcmp(out + 3, msg, n),
		"%zu bytes: rc %d, %zu back", n, rc, on);
	free(z);
	free(out);
	return zn;
}

static void round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 10, 125, 4096, 65536, 1 << 20 };
	uint8_t *msg = malloc(1 << 20);
	struct ws_deflate tx, rx;
	size_t i, first_len, again;

	ws_deflate_init(&tx, 15, 0);
	ws_deflate_init(&rx, 15, 0);
	for (i = 0; i < NELEM(sizes); i++) {
		fill(msg, sizes[i], (unsigned)i);
		first_len = pass(&tx, &rx, msg, sizes[i]);
		again = pass(&tx, &rx, msg, sizes[i]);
		/* the same message again refers back to the first copy,
		 * when it fits in the 32 KiB window */
		EXPECTF(sizes[i] < 1000 || sizes[i] > 32768 ||
			again < first_len / 4,
			"%zu bytes: %zu, then %zu", sizes[i], first_len, again);
	}
	EXPECT(pass(&tx, &rx, msg, 0) == 1);	/* an empty message: 00 */
	ws_deflate_free(&tx);
	ws_deflate_free(&rx);
	free(msg);
}

static void no_context_takeover(void)
{
	uint8_t msg[4096];
	struct ws_deflate tx, rx;
	size_t a, b;

	fill(msg, sizeof(msg), 7);
	ws_deflate_init(&tx, 9, 1);	/* 512-byte window, reset each time */
	ws_deflate_init(&rx, 15, 0);
	a = pass(&tx, &rx, msg, sizeof(msg));
	b = pass(&tx, &rx, msg, sizeof(msg));
	EXPECTF(a == b, "%zu, then %zu", a, b);
	ws_deflate_free(&tx);
	ws_deflate_free(&rx);
}

static void refused(void)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
	uint8_t *zeros = calloc(1, 1 << 20), *z, *out;
	struct ws_deflate tx, rx;
	size_t zn, on;

	ws_deflate_init(&tx, 15, 0);
	ws_deflate_init(&rx, 15, 0);
	EXPECT(ws_inflate_msg(&rx, unit_fence(junk, sizeof(junk)),
			      sizeof(junk), 0, 100, &out, &on) ==
	       WS_INFLATE_BAD);
	ws_deflate_free(&rx);
	/* 1 MiB of zeros is about a kilobyte: the limit is on what it
	 * inflates to */
	EXPECT(ws_deflate_msg(&tx, zeros, 1 << 20, 0, &z, &zn) == 0);
	EXPECTF(zn < 2048, "%zu", zn);
	ws_deflate_init(&rx, 15, 0);
	EXPECT(ws_inflate_msg(&rx, z, zn, 0, (1 << 20) - 1, &out, &on) ==
	       WS_INFLATE_TOO_BIG);
	ws_deflate_free(&rx);
	ws_deflate_init(&rx, 15, 0);
	EXPECT(ws_inflate_msg(&rx, z, zn, 0, 1 << 20, &out, &on) == 0 &&
	       on == 1 << 20);
	free(out);
	free(z);
	ws_deflate_free(&tx);
	ws_deflate_free(&rx);
	free(zeros);
}

/* A peer that ends its stream (BFINAL, as some do with no context
 * takeover): the next message starts a new one. */
static void final_block(void)
{
	uint8_t buf[256], *out;
	struct ws_deflate rx;
	z_stream z;
	size_t k, on;

	ws_deflate_init(&rx, 15, 0);
	for (k = 0; k < 2; k++) {
		memset(&z, 0, sizeof(z));
		EXPECT(deflateInit2(&z, 6, Z_DEFLATED, -15, 8,
				    Z_DEFAULT_STRATEGY) == Z_OK);
		z.next_in = (Bytef *)"hello hello hello";
		z.avail_in = 17;
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		EXPECT(deflate(&z, Z_FINISH) == Z_STREAM_END);
		EXPECT(ws_inflate_msg(&rx, buf, sizeof(buf) - z.avail_out, 0,
				      100, &out, &on) == 0 && on == 17 &&
		       !memcmp(out, "hello hello hello", 17));
		free(out);
		deflateEnd(&z);
	}
	ws_deflate_free(&rx);
}

const struct unit_case deflate_cases[] = {
	{ "deflate.offers", offers },
	{ "deflate.bad-parameters", bad_parameters },
	{ "deflate.syntax", syntax },
	{ "deflate.list", list },
	{ "deflate.format", format },
	{ "deflate.round-trip", round_trip },
	{ "deflate.no-context-takeover", no_context_takeover },
	{ "deflate.refused", refused },
	{ "deflate.final-block", final_block },
	{ NULL, NULL },
};
