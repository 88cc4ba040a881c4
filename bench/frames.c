/*
 * frames.c - an open benchmark connection: the message out and its echo
 * back, checked as it arrives, control frames both ways, and the closing
 * handshake.
 *
 * Reads go into the one buffer every slot shares, and an echo is compared
 * with the message sent (memcmp) piece by piece as it comes; nothing is
 * copied but a frame header cut by a read and control frames.  Writes go
 * out at once, from the frame masked once for the whole run; EPOLLOUT is
 * armed only after a short one.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bench/priv.h"
#include "common/tls.h"

/* Write what is queued: the rest of the message, then control frames. */
int bconn_flush(struct bconn *c)
{
	struct bench *b = c->b;
	ssize_t n;

	while (c->out_left || c->cout_off < c->cout_len) {
		if (c->out_left)
			n = bio_write(c, b->frame + b->frame_len -
				      c->out_left, c->out_left);
		else
			n = bio_write(c, c->cout + c->cout_off,
				      c->cout_len - c->cout_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return bconn_fail(c, BERR_CLOSED, "write: %s",
						  errno == EPROTO ?
						  bench_io_error() :
						  strerror(errno));
			if (!(c->io.mask & LOOP_OUT))
				loop_io_mod(b->loop, &c->io,
					    LOOP_IN | LOOP_OUT);
			return 0;
		}
		b->r->wire_out += n;
		if (c->out_left)
			c->out_left -= n;
		else
			c->cout_off += n;
	}
	c->cout_len = c->cout_off = 0;
	if (c->io.mask & LOOP_OUT)
		loop_io_mod(b->loop, &c->io, LOOP_IN);
	return 0;
}

/* Queue a masked control frame. */
static int queue_control(struct bconn *c, unsigned opcode, const uint8_t *p,
			 size_t len)
{
	uint8_t mask[4];
	size_t h;

	if (c->cout_len + 6 + len > sizeof(c->cout))
		return bconn_fail(c, BERR_PROTOCOL, "too many control frames "
				  "queued");
	if (ws_make_mask(mask) < 0)
		return bconn_fail(c, BERR_CONNECT, "no randomness for a mask");
	h = ws_frame_header(c->cout + c->cout_len, 1, opcode, len, mask);
	memcpy(c->cout + c->cout_len + h, p, len);
	ws_mask(c->cout + c->cout_len + h, len, mask, 0);
	c->cout_len += h + len;
	return 0;
}

void bconn_send(struct bconn *c, int64_t t_from)
{
	struct bench *b = c->b;

	c->t_start = t_from;
	c->waiting = 1;
	c->msg_got = 0;
	c->deadline = loop_now(b->loop) + b->cfg->timeout_ms;
	c->out_left = b->frame_len;
	bconn_flush(c);
}

/* Send our close (echoing code, or 1000) and wait for the peer's. */
static int start_close(struct bconn *c, unsigned code)
{
	uint8_t p[2] = { code >> 8, code & 0xff };

	/* an echo still due is dropped when it comes (c->waiting stays,
	 * so that run.c sees the message was lost) */
	c->state = BC_CLOSING;
	c->deadline = loop_now(c->b->loop) + c->b->cfg->timeout_ms;
	if (queue_control(c, WS_CLOSE, p, code ? 2 : 0) < 0)
		return -1;
	return bconn_flush(c);
}

void bconn_close(struct bconn *c)
{
	if (c->state == BC_OPEN)
		start_close(c, WS_CLOSE_NORMAL);
	else if (c->state != BC_CLOSING)
		bconn_abort(c);
}

/* ---- reading ---- */

/* A frame header arrived: is it one we expect? */
static int frame_begin(struct bconn *c, const struct ws_frame *f)
{
	struct bench *b = c->b;
	unsigned want = b->cfg->text ? WS_TEXT : WS_BINARY;

	if (f->masked)
		return bconn_fail(c, BERR_PROTOCOL,
				  "masked frame from the server");
	if (f->rsv)
		return bconn_fail(c, BERR_PROTOCOL, "frame with RSV bits set");
	c->fop = f->opcode;
	c->ffin = f->fin;
	c->left = f->len;
	c->have_hdr = 1;
	if (f->opcode >= WS_CLOSE) {
		c->ctl_len = 0;
		return 0;
	}
	if (c->state == BC_CLOSING)	/* echoes still coming: drop them */
		return 0;
	if (f->opcode == WS_CONT) {
		if (!c->in_msg)
			return bconn_fail(c, BERR_PROTOCOL, "continuation "
					  "frame without a message");
	} else if (c->in_msg) {
		return bconn_fail(c, BERR_PROTOCOL, "new message inside a "
				  "fragmented one");
	} else if (!c->waiting) {
		return bconn_fail(c, BERR_PROTOCOL, "%s message nobody "
				  "asked for", ws_opcode_name(f->opcode));
	} else if (f->opcode != want) {
		return bconn_fail(c, BERR_PROTOCOL, "echo is %s, sent %s",
				  ws_opcode_name(f->opcode),
				  ws_opcode_name(want));
	}
	c->in_msg = 1;
	if (c->msg_got + f->len > b->cfg->size)
		return bconn_fail(c, BERR_PROTOCOL, "echo longer than the "
				  "%llu bytes sent",
				  (unsigned long long)b->cfg->size);
	return 0;
}

static int on_close_frame(struct bconn *c)
{
	unsigned code = WS_CLOSE_NO_STATUS;

	c->close_got = 1;
	if (c->ctl_len >= 2)
		code = c->ctl[0] << 8 | c->ctl[1];
	if (c->state == BC_CLOSING)	/* ours answered: wait for TCP's end */
		return 0;
	/* the peer closed first: that is the server's or proxy's doing */
	bench_error(c->b, BERR_CLOSED, "closed by the server with %u", code);
	c->failed = 1;
	return start_close(c, code == WS_CLOSE_NO_STATUS ? 0 : code);
}

/* A whole frame is in: act on it. */
static int frame_end(struct bconn *c)
{
	struct bench *b = c->b;

	c->have_hdr = 0;
	switch (c->fop) {
	case WS_PING:
		if (c->state == BC_CLOSING)
			return 0;
		if (queue_control(c, WS_PONG, c->ctl, c->ctl_len) < 0)
			return -1;
		return bconn_flush(c);
	case WS_PONG:
		return 0;
	case WS_CLOSE:
		return on_close_frame(c);
	}
	if (c->state == BC_CLOSING || !c->ffin)
		return 0;
	c->in_msg = 0;
	if (c->msg_got != b->cfg->size)
		return bconn_fail(c, BERR_PROTOCOL, "echo of %llu bytes, "
				  "sent %llu",
				  (unsigned long long)c->msg_got,
				  (unsigned long long)b->cfg->size);
	c->waiting = 0;
	bench_on_echo(b, c, bench_now_ns());
	return bconn_alive(c) ? 0 : -1;
}

/* Payload bytes of the current frame. */
static int payload(struct bconn *c, const uint8_t *p, size_t n)
{
	struct bench *b = c->b;

	if (c->fop >= WS_CLOSE) {
		memcpy(c->ctl + c->ctl_len, p, n);
		c->ctl_len += n;
	} else if (c->state == BC_OPEN) {
		if (memcmp(p, b->payload + c->msg_got, n))
			return bconn_fail(c, BERR_PROTOCOL, "echo differs "
					  "from the message sent");
		c->msg_got += n;
	}
	c->left -= n;
	return c->left ? 0 : frame_end(c);
}

/* Frames in p[0..n), in whatever pieces the reads cut them. */
int bconn_frames(struct bconn *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct ws_frame f;
		size_t take;
		int h;

		if (!c->have_hdr) {
			take = n;
			if (c->fh_len) {
				take = WS_MAX_HDR - c->fh_len;
				if (take > n)
					take = n;
				memcpy(c->fh + c->fh_len, p, take);
				h = ws_frame_parse(c->fh, c->fh_len + take, &f);
			} else {
				h = ws_frame_parse(p, n, &f);
			}
			if (h == -2) {	/* take is n here */
				if (!c->fh_len)
					memcpy(c->fh, p, n);
				c->fh_len += take;
				return 0;
			}
			if (h < 0)
				return bconn_fail(c, BERR_PROTOCOL,
						  "invalid frame header");
			take = h - c->fh_len;
			c->fh_len = 0;
			p += take;
			n -= take;
			if (frame_begin(c, &f) < 0)
				return -1;
			if (!c->left) {
				if (frame_end(c) < 0)
					return -1;
				continue;
			}
		}
		take = c->left < n ? c->left : n;
		if (payload(c, p, take) < 0)
			return -1;
		p += take;
		n -= take;
	}
	return 0;
}

/* The peer ended TCP (or reset it). */
static void on_eof(struct bconn *c, int e)
{
	if (c->state == BC_CLOSING && c->close_got) {
		c->b->r->closes++;
		bconn_end(c, c->failed ? END_FAIL : END_OK);
	} else if (e) {
		bconn_fail(c, BERR_CLOSED, "%s", e == EPROTO ?
			   bench_io_error() : strerror(e));
	} else if (c->state == BC_CLOSING) {
		bconn_fail(c, BERR_CLOSED,
			   "closed without answering our close");
	} else {
		bconn_fail(c, BERR_CLOSED, "closed without a close frame");
	}
}

void bconn_read(struct bconn *c)
{
	struct bench *b = c->b;
	ssize_t n;

	do {
		n = bio_read(c, b->rbuf, BENCH_RBUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				on_eof(c, errno);
			return;
		}
		if (n == 0) {
			on_eof(c, 0);
			return;
		}
		b->r->wire_in += n;
		if (bconn_frames(c, b->rbuf, n) < 0)
			return;
		/* after the peer's close, its FIN is usually there too; and
		   TLS may hold the rest of a record it has read */
	} while (n == BENCH_RBUF || c->close_got ||
		 (c->tls && tls_pending(c->tls)));
}

