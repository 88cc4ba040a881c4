/*
 * goaway.c - a websocket tunnel at shutdown.  Cutting it at TCP level
 * leaves both peers guessing (a browser reports 1006, abnormal); instead
 * each peer gets a close frame with 1001 (going away, RFC 6455 7.4.1),
 * as a server that restarts would send, and the closing handshake gets
 * GOAWAY_MS to finish.
 *
 * The proxy is a byte relay and adds a frame only where a peer's stream
 * is at a frame boundary (struct ws_track, fed by the relay), and only
 * when no close went that way yet; a direction in the middle of a frame
 * is cut at TCP level when the connection closes.  Toward the upstream
 * the proxy speaks as a client, so that frame is masked.
 */
#include <string.h>

#include "proxy/conn.h"

/* Queue a close with 1001 toward s, unless t says it must not. */
static int send_close(struct side *s, const struct ws_track *t, int masked)
{
	uint8_t f[8] = { 0x88, 0x02, 0x03, 0xe9 }, k[4];
	size_t n = 4;

	if (s->io.fd < 0 || s->shut || s->eof || t->closed ||
	    !ws_track_boundary(t))
		return 0;
	if (masked) {
		if (ws_make_mask(k) < 0)
			return 0;
		f[1] = 0x82;
		memcpy(f + 2, k, 4);
		f[6] = 0x03 ^ k[0];
		f[7] = 0xe9 ^ k[1];
		n = 8;
	}
	return side_send(s, (const char *)f, n);
}

int conn_goaway(struct conn *c)
{
	if (c->state != CS_TUNNEL || !c->websocket)
		return 0;
	if (send_close(&c->cl, &c->ws.trk[1], 0) < 0 ||
	    send_close(&c->up, &c->ws.trk[0], 1) < 0)
		return 0;
	c->state = CS_GOAWAY;
	c->active = loop_now(c->px->loop);
	conn_arm(c);
	goaway_drive(c);
	return 1;
}

/* Read and drop what s sends, following its frames in t.  Returns 1 once
 * s is done: it closed, or its close frame has come in whole. */
static int drain_side(struct conn *c, struct side *s, struct ws_track *t)
{
	while (s->io.fd >= 0 && s->rd && !s->eof) {
		int n = side_read(s, c->px->scratch, SCRATCH);

		if (n == -2)
			break;
		if (n <= 0) {
			s->eof = 1;
			break;
		}
		ws_track(t, (const uint8_t *)c->px->scratch, (size_t)n);
	}
	return s->io.fd < 0 || s->eof || (t->closed && ws_track_boundary(t));
}

void goaway_drive(struct conn *c)
{
	int cl_done, up_done;

	if (side_flush(&c->cl) < 0 || side_flush(&c->up) < 0) {
		conn_close(c);
		return;
	}
	/* the client's frames were followed in trk[0], the upstream's in [1] */
	cl_done = drain_side(c, &c->cl, &c->ws.trk[0]);
	up_done = drain_side(c, &c->up, &c->ws.trk[1]);
	if (cl_done && up_done && !c->cl.out.data && !c->up.out.data)
		conn_close(c);
}
