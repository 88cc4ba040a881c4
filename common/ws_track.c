/*
 * ws_track.c - following a stream of frames without keeping it: where
 * each frame ends, and whether a close went by.  A byte relay needs no
 * more to add a frame of its own (a close at shutdown) without cutting
 * one of the peers' in half.
 */
#include <string.h>

#include "common/ws.h"

void ws_track(struct ws_track *t, const uint8_t *p, size_t n)
{
	while (n && !t->lost) {
		struct ws_frame f;
		size_t take;
		int r;

		if (t->left) {
			take = n < t->left ? n : (size_t)t->left;
			t->left -= take;
			p += take;
			n -= take;
			continue;
		}
		/* gather a header, from several pieces if need be */
		take = WS_MAX_HDR - t->have;
		if (take > n)
			take = n;
		memcpy(t->hdr + t->have, p, take);
		r = ws_frame_parse(t->hdr, t->have + take, &f);
		if (r == -1) {
			/* not frames we can follow: nothing else is known */
			t->lost = 1;
			t->have = 0;
			t->left = 0;
			return;
		}
		if (r == -2) {
			t->have += take;
			return;
		}
		/* the header ends r - have bytes into this piece */
		p += r - t->have;
		n -= r - t->have;
		t->have = 0;
		t->left = f.len;
		if (f.opcode == WS_CLOSE)
			t->closed = 1;
	}
}
