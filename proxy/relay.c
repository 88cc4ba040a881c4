/*
 * relay.c - moving bytes between a connection's two sockets: the side
 * helpers (read, write now and keep the rest, flush) and the two pumps,
 * client to upstream and upstream to client, shared by plain HTTP and by
 * tunnels.
 *
 * A pump first writes what its destination still owes, and reads its
 * source only once that is gone: a slow reader on one side stops reads on
 * the other, and the kernel's buffers do the rest of the waiting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/conn.h"

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = 0;
}

int buf_append(struct buf *b, const char *p, size_t n)
{
	char *d;

	if (n == 0)
		return 0;
	if (b->off) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	d = realloc(b->data, b->len + n);
	if (!d)
		return -1;
	memcpy(d + b->len, p, n);
	b->data = d;
	b->len += n;
	return 0;
}

void side_note(struct side *s, unsigned ev)
{
	if (ev & (LOOP_IN | LOOP_HUP | LOOP_ERR))
		s->rd = 1;
	if (ev & LOOP_HUP)
		s->hup = 1;
	if (ev & (LOOP_OUT | LOOP_ERR))
		s->wr = 1;
}

/*
 * Read up to want bytes.  Returns how many (> 0), 0 at the end of the
 * stream, -2 when nothing is there, -1 on an error.
 */
int side_read(struct side *s, char *buf, size_t want)
{
	ssize_t n;

	if (s->ssl)
		return side_tls_read(s, buf, want);
	do
		n = read(s->io.fd, buf, want);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		/* a short read emptied the socket, and new data brings a new
		 * edge; an end already announced brings none, so read on */
		if ((size_t)n < want && !s->hup)
			s->rd = 0;
		return (int)n;
	}
	s->rd = 0;
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
}

/*
 * Write iov now, as far as the socket takes it, and keep the rest in
 * s->out (after anything kept before, which is never overtaken).
 * Returns 0, or -1 on a write error or when memory ran out.
 */
int side_sendv(struct side *s, struct iovec *iov, int cnt)
{
	size_t total = 0, done = 0;
	ssize_t n = 0;
	int i;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return 0;
	if (s->wr && !s->out.data && s->io.fd >= 0 && s->ssl) {
		/* one record per piece; what a piece leaves is kept */
		for (i = 0; i < cnt; i++) {
			long w = side_tls_write(s, iov[i].iov_base,
						iov[i].iov_len);

			if (w < 0)
				return -1;
			n += w;
			if ((size_t)w < iov[i].iov_len)
				break;
		}
		if ((size_t)n == total)
			return 0;
	} else if (s->wr && !s->out.data && s->io.fd >= 0) {
		do
			n = cnt == 1 ? write(s->io.fd, iov->iov_base, total)
				     : writev(s->io.fd, iov, cnt);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			n = 0;
		}
		if ((size_t)n == total)
			return 0;
	}
	s->wr = 0;
	for (i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len, skip = 0;

		if (done + len <= (size_t)n) {
			done += len;
			continue;
		}
		if (done < (size_t)n)
			skip = n - done;
		done += len;
		if (buf_append(&s->out, (char *)iov[i].iov_base + skip,
			       len - skip) < 0)
			return -1;
	}
	return 0;
}

int side_send(struct side *s, const char *p, size_t n)
{
	struct iovec iov = { (void *)p, n };

	return side_sendv(s, &iov, 1);
}

/* Write p[0..n) now, as far as the socket takes it.  Returns the count
 * (0 when it takes nothing), or -1 on an error. */
static long side_write(struct side *s, const char *p, size_t n)
{
	ssize_t w;

	if (s->ssl)
		return side_tls_write(s, p, n);
	do
		w = write(s->io.fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	return w;
}

/* Write what s->out holds.  Returns 0 (done or blocked) or -1.  After a
 * TLS write that could not finish, this is the retry OpenSSL asks for:
 * the same bytes, from where they are now. */
int side_flush(struct side *s)
{
	while (s->out.data && s->wr && s->io.fd >= 0) {
		struct buf *b = &s->out;
		long n = side_write(s, b->data + b->off, b->len - b->off);

		if (n < 0)
			return -1;
		b->off += n;
		if (b->off == b->len)
			buf_free(b);
		else
			s->wr = 0;
	}
	return 0;
}

void side_shut(struct side *s)
{
	if (s->shut || s->io.fd < 0)
		return;
	if (s->ssl)
		side_tls_shut(s);
	shutdown(s->io.fd, SHUT_WR);
	s->shut = 1;
}

/* src has ended: once dst has everything, tell it so (a half-close).
 * When dst has ended as well, the close that follows says it all. */
static void pass_eof(struct side *src, struct side *dst)
{
	if (src->eof && !dst->eof && !dst->shut && !dst->out.data &&
	    dst->io.fd >= 0)
		side_shut(dst);
}

/* The upstream could not take what we wrote. */
static void upstream_write_failed(struct conn *c)
{
	if (c->state == CS_HTTP && !c->replied) {
		upstream_close(c, 1);
		conn_reply(c, 502, "upstream closed while taking the request");
	} else {
		conn_close(c);
	}
}

/* Client to upstream: the request body, or a tunnel's client half. */
static void pump_up(struct conn *c)
{
	struct proxy *px = c->px;
	struct side *src = &c->cl, *dst = &c->up;

	/* the response came and the upstream went before the request body
	 * was through: the rest of it is not wanted, and is not read */
	if (dst->io.fd < 0)
		return;
	if (side_flush(dst) < 0) {
		upstream_write_failed(c);
		return;
	}
	if (c->state != CS_TUNNEL)	/* a tunnel's: relay(), at its end */
		pass_eof(src, dst);
	if (dst->out.data || c->req.kind == FR_DONE || src->eof)
		return;
	while (src->rd) {
		int n = side_read(src, px->scratch, SCRATCH), m;

		if (n == -2)
			break;
		if (n == -1 || (n == 0 && c->req.kind != FR_RAW)) {
			/* gone in the middle of a request body: nothing to
			 * answer, and the upstream must not get half of it */
			alog_why(c, n ? WHY_ERROR : WHY_CLIENT);
			conn_close(c);
			return;
		}
		if (n == 0)		/* a tunnel's half: relay() passes it */
			return;
		c->active = loop_now(px->loop);
		m = frame_scan(&c->req, px->scratch, n);
		if (m < 0) {
			upstream_close(c, 0);
			conn_reply(c, 400, "bad chunked request body");
			return;
		}
		/* bytes past the body: the next request, parsed later */
		if (m < n && buf_append(&c->in, px->scratch + m, n - m) < 0) {
			conn_close(c);
			return;
		}
		alog_rx(c, m);
		if (c->websocket && c->state == CS_TUNNEL)
			ws_track(&c->ws.trk[0], (uint8_t *)px->scratch, m);
		if (side_send(dst, px->scratch, m) < 0) {
			upstream_write_failed(c);
			return;
		}
		if (dst->out.data || c->req.kind == FR_DONE)
			break;
	}
}

/*
 * The upstream ended (n == 0) or failed (n == -1): the end of a tunnel's
 * half or of a body that runs to the close, or a response cut short.
 */
static void upstream_ended(struct conn *c, int n)
{
	char who[64];

	switch (c->res.kind) {
	case FR_HEAD:
		upstream_close(c, 1);
		conn_reply(c, 502, n ? "upstream failed before responding"
				     : "upstream closed without a response");
		return;
	case FR_RAW:
		if (n < 0) {
			alog_why(c, WHY_UPSTREAM);
			conn_close(c);
			return;
		}
		return;		/* a tunnel's half: relay() passes it */
	case FR_CLOSE:
		if (n == 0) {
			c->res.kind = FR_DONE;
			upstream_close(c, 0);
			return;
		}
		/* fall through */
	default:
		px_log(c->px, "%s: upstream %s cut the response short",
		       conn_client(c, who, sizeof(who)),
		       c->gen->lb.peers[c->peer].name);
		c->keepalive = 0;
		c->res.kind = FR_DONE;
		alog_why(c, WHY_UPSTREAM);
		upstream_close(c, 1);
		break;
	}
}

/* Upstream to client: the response, or a tunnel's upstream half. */
static void pump_down(struct conn *c)
{
	struct proxy *px = c->px;
	struct side *src = &c->up, *dst = &c->cl;

	if (side_flush(dst) < 0) {
		conn_close(c);
		return;
	}
	if (c->state != CS_TUNNEL)
		pass_eof(src, dst);
	while (!dst->out.data && src->io.fd >= 0 && src->rd && !src->eof) {
		int n = side_read(src, px->scratch, SCRATCH), m;

		if (n == -2)
			break;
		if (n <= 0) {
			upstream_ended(c, n);
			break;
		}
		c->active = loop_now(px->loop);
		if (c->res.kind == FR_HEAD) {
			http_response_head(c, px->scratch, n);
			if (c->state != CS_HTTP && c->state != CS_TUNNEL)
				return;
			continue;
		}
		m = frame_scan(&c->res, px->scratch, n);
		if (m < 0) {
			px_log(px, "upstream %s: bad chunked response body",
			       c->gen->lb.peers[c->peer].name);
			conn_close(c);
			return;
		}
		alog_tx(c, m);
		if (c->websocket && c->state == CS_TUNNEL)
			ws_track(&c->ws.trk[1], (uint8_t *)px->scratch, m);
		if (side_send(dst, px->scratch, m) < 0) {
			conn_close(c);
			return;
		}
		/* anything after the end is the upstream's mistake */
		if (c->res.kind == FR_DONE)
			upstream_close(c, 0);
	}
	if (c->state == CS_HTTP && c->res.kind == FR_DONE && !dst->out.data)
		http_response_done(c);
}

/* Both close frames went by, whole: the WebSocket is over both ways. */
static int ws_done(const struct conn *c)
{
	return c->ws.trk[0].closed && c->ws.trk[1].closed &&
	       ws_track_boundary(&c->ws.trk[0]) &&
	       ws_track_boundary(&c->ws.trk[1]);
}

void relay(struct conn *c)
{
	int was = c->state;

	pump_up(c);
	if (c->state == CS_HTTP || c->state == CS_TUNNEL)
		pump_down(c);
	/* a 101 just came: the client's held bytes may go now */
	if (was == CS_HTTP && c->state == CS_TUNNEL)
		pump_up(c);
	if (c->state != CS_TUNNEL)
		return;
	/* each half closes on its own; the tunnel ends with both */
	if (c->cl.eof)
		alog_why(c, WHY_CLIENT);
	else if (c->up.eof)
		alog_why(c, WHY_UPSTREAM);
	/* the closing handshake has gone by both ways (RFC 6455 7.1.1):
	 * when one side then ends TCP the other has nothing left to say,
	 * so both close at once, as nginx does; no half-close to wait on */
	if (c->websocket && (c->cl.eof || c->up.eof) && ws_done(c) &&
	    !c->cl.out.data && !c->up.out.data) {
		conn_close(c);
		return;
	}
	pass_eof(&c->cl, &c->up);
	pass_eof(&c->up, &c->cl);
	if (c->cl.eof && c->up.eof && !c->cl.out.data && !c->up.out.data)
		conn_close(c);
}
