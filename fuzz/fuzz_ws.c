/*
 * fuzz_ws.c - the frame codec (common/ws_frame.c, ws_track.c): a header
 * parse returns 2..14, -2 or -1; every prefix of a good header is "need
 * more"; a good header encodes back to the same bytes; masking in two
 * pieces equals masking at once and undoes itself; ws_track lands on the
 * same boundary however the stream is split, and agrees with a walk of
 * ws_frame_parse over the whole.
 */
#include <stdint.h>

#include "common/ws.h"
#include "fuzz/fuzz.h"

static void header(const uint8_t *p, size_t n)
{
	struct ws_frame f, g;
	uint8_t out[WS_MAX_HDR];
	int r = ws_frame_parse(p, n, &f);

	CONTRACT(r == -1 || r == -2 || (r >= 2 && r <= WS_MAX_HDR &&
					(size_t)r <= n));
	if (r < 0)
		return;
	for (int cut = 0; cut < r; cut++)
		CONTRACT(ws_frame_parse(p, (size_t)cut, &g) == -2);
	/* RSV bits are reported, not encoded: compare without them */
	CONTRACT(ws_frame_header(out, f.fin, f.opcode, f.len,
				 f.masked ? f.mask : NULL) == (size_t)r);
	CONTRACT(out[0] == (p[0] & 0x8f));
	CONTRACT(!memcmp(out + 1, p + 1, (size_t)r - 1));
}

static void masking(const uint8_t *p, size_t n)
{
	uint8_t key[4] = { 0x12, 0x34, 0x56, 0x78 }, *a, *b;
	size_t cut = n ? p[0] % n : 0;

	if (n >= 4)
		memcpy(key, p, 4);
	a = malloc(n + 1);
	b = malloc(n + 1);
	memcpy(a, p, n);
	memcpy(b, p, n);
	ws_mask(a, n, key, 0);
	ws_mask(b, cut, key, 0);
	ws_mask(b + cut, n - cut, key, cut);
	CONTRACT(!memcmp(a, b, n));
	ws_mask(a, n, key, 0);
	CONTRACT(!memcmp(a, p, n));
	free(a);
	free(b);
}

/* Walk the stream frame by frame: 1 when it ends on a boundary, 0 when
 * it stops inside a frame, -1 when it is not frames. */
static int walk(const uint8_t *p, size_t n, int *closed)
{
	size_t off = 0;

	*closed = 0;
	while (off < n) {
		struct ws_frame f;
		int r = ws_frame_parse(p + off, n - off, &f);

		if (r == -1)
			return -1;
		if (r == -2)
			return 0;
		if (f.opcode == WS_CLOSE)
			*closed = 1;
		if (f.len > n - off - (size_t)r)
			return 0;
		off += (size_t)r + f.len;
	}
	return 1;
}

static void tracking(const uint8_t *p, size_t n)
{
	struct ws_track a = { 0 }, b = { 0 };
	size_t step = n ? 1 + p[0] % 7 : 1;
	int closed, w = walk(p, n, &closed);

	ws_track(&a, p, n);
	for (size_t off = 0; off < n; off += step)
		ws_track(&b, p + off, n - off < step ? n - off : step);
	CONTRACT(a.left == b.left && a.have == b.have && a.closed == b.closed &&
		 a.lost == b.lost && !memcmp(a.hdr, b.hdr, a.have));
	if (w >= 0) {
		CONTRACT(!a.lost);
		CONTRACT(ws_track_boundary(&a) == (w == 1));
		if (w == 1)
			CONTRACT(a.closed == closed);
	} else {
		CONTRACT(a.lost);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	memcpy(p, data, size);
	header(p, size);
	masking(p, size);
	tracking(p, size);
	free(p);
	return 0;
}
