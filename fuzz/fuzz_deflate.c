/*
 * fuzz_deflate.c - permessage-deflate (common/ws_deflate.c).  The first
 * byte picks what the rest is: a Sec-WebSocket-Extensions value (every
 * element is read, each call moves on, the parameters of a valid one are
 * in range and survive ws_pmd_format and a second parse), a compressed
 * payload from a peer (inflating it never passes the limit, whatever it
 * holds), or a message (it comes back as it was, context kept across two
 * copies).
 */
#include <stdint.h>

#include "common/ws_deflate.h"
#include "fuzz/fuzz.h"

#define LIMIT 65536

static int bits_ok(int b)
{
	return b == 0 || (b >= 8 && b <= 15);
}

static void extensions(const char *v, size_t n)
{
	const char *s = v, *end = v + n, *name;
	struct ws_pmd p, q;
	size_t nlen;
	int r, valid, valid2;
	char out[160];

	while ((r = ws_pmd_next(&s, end, &p, &valid, &name, &nlen)) > 0) {
		const char *t = out, *tend;

		CONTRACT(s > name && s <= end && nlen > 0);
		if (r != 1 || !valid)
			continue;
		CONTRACT(bits_ok(p.server_max_window_bits));
		CONTRACT(p.client_max_window_bits == -1 ||
			 bits_ok(p.client_max_window_bits));
		/* what a server answers for it parses as what it says */
		ws_pmd_format(&p, out, sizeof(out));
		tend = out + strlen(out);
		CONTRACT(ws_pmd_next(&t, tend, &q, &valid2, &name, &nlen) == 1);
		CONTRACT(valid2 && t == tend);
		CONTRACT(q.server_no_context_takeover ==
			 p.server_no_context_takeover &&
			 q.client_no_context_takeover ==
			 p.client_no_context_takeover &&
			 q.server_max_window_bits == p.server_max_window_bits);
	}
	CONTRACT(r == 0 || r == -1);
	CONTRACT(s <= end);
}

static void inflate_any(const uint8_t *d, size_t n)
{
	struct ws_deflate z;
	uint8_t *out;
	size_t len;
	int rc;

	ws_deflate_init(&z, 15, 0);
	rc = ws_inflate_msg(&z, d, n, 2, LIMIT, &out, &len);
	CONTRACT(rc == 0 || rc == WS_INFLATE_BAD || rc == WS_INFLATE_TOO_BIG);
	if (rc == 0) {
		CONTRACT(len <= LIMIT);
		free(out);
	}
	ws_deflate_free(&z);
}

static void round_trip(const uint8_t *d, size_t n, int bits, int reset)
{
	struct ws_deflate tx, rx;
	uint8_t *z, *out;
	size_t zn, len;

	ws_deflate_init(&tx, bits, reset);
	ws_deflate_init(&rx, 15, 0);
	for (int copy = 0; copy < 2; copy++) {
		CONTRACT(ws_deflate_msg(&tx, d, n, 14, &z, &zn) == 0);
		CONTRACT(zn > 0);
		CONTRACT(ws_inflate_msg(&rx, z + 14, zn, 0, n, &out,
					&len) == 0);
		CONTRACT(len == n && (n == 0 || !memcmp(out, d, n)));
		free(z);
		free(out);
	}
	ws_deflate_free(&tx);
	ws_deflate_free(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		extensions((const char *)data + 1, size - 1);
		break;
	case 1:
		inflate_any(data + 1, size - 1);
		break;
	default:
		round_trip(data + 1, size - 1, 9 + data[0] / 3 % 7,
			   data[0] / 21 % 2);
	}
	return 0;
}
