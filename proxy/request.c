/*
 * request.c - the client's request head: read it, have rewrite.c judge
 * and rewrite it, and queue it for the upstream.
 *
 * What follows the head and its body is never sent on with it.  For a
 * plain request it is the next request, parsed after this one's
 * response.  Behind an upgrade request it is held until the upstream
 * answers 101: an upstream that ignores or refuses the upgrade must not
 * read the client's next bytes as a request of its own, one the proxy
 * never judged (request smuggling); after a refusal they are dropped
 * with the connection, as nginx does.
 *
 * A slow client's head is parsed once: the bytes are searched for the
 * blank line from where the last search stopped, and the parser runs on
 * the first read and once the head looks complete.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "proxy/conn.h"
#include "proxy/rewrite.h"

int frame_scan(struct frame *f, const char *p, size_t n)
{
	long r;

	switch (f->kind) {
	case FR_DONE:
	case FR_HEAD:
		return 0;
	case FR_LENGTH:
		if (n >= f->ch.left) {
			n = f->ch.left;
			f->kind = FR_DONE;
		}
		f->ch.left -= n;
		return (int)n;
	case FR_CHUNKED:
		r = http_chunked_scan(&f->ch, p, n);
		if (r < 0)
			return -1;
		if (http_chunked_done(&f->ch))
			f->kind = FR_DONE;
		return (int)r;
	default:
		return (int)n;
	}
}

/* The client's address as X-Real-IP gives it: IPv4 clients of a
 * dual-stack listener without their ::ffff: prefix. */
static void client_ip(const struct conn *c, char ip[INET6_ADDRSTRLEN])
{
	if (c->addr.sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &c->addr.sin.sin_addr, ip, INET6_ADDRSTRLEN);
	else if (IN6_IS_ADDR_V4MAPPED(&c->addr.sin6.sin6_addr))
		inet_ntop(AF_INET, &c->addr.sin6.sin6_addr.s6_addr[12], ip,
			  INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, &c->addr.sin6.sin6_addr, ip,
			  INET6_ADDRSTRLEN);
}

/* What the request says about this connection and the body's framing. */
static void adopt(struct conn *c, const struct http_request *rq,
		  const struct req_info *in)
{
	c->upgrade = in->upgrade_asked;
	c->websocket = in->websocket;
	if (in->websocket)
		memcpy(c->ws.accept, in->accept, WS_ACCEPT_LEN);
	c->head_method = http_ieq(rq->method, rq->method_len, "HEAD");
	c->keepalive = !in->close && !c->upgrade;
	memset(&c->req, 0, sizeof(c->req));
	switch (in->framing) {
	case REQ_CHUNKED:
		c->req.kind = FR_CHUNKED;
		http_chunked_init(&c->req.ch);
		break;
	case REQ_LENGTH:
		c->req.kind = FR_LENGTH;
		c->req.ch.left = in->length;
		break;
	default:
		c->req.kind = FR_DONE;
		break;
	}
}

/*
 * The head rq was parsed; rest[0..nrest) came after it (and may live in
 * c->in).  Judge the head, queue its rewrite and the body bytes for the
 * upstream, keep what follows the body in c->in, and connect.
 */
static void forward(struct conn *c, const struct http_request *rq,
		    size_t hlen, const char *rest, size_t nrest)
{
	struct proxy *px = c->px;
	struct req_info in;
	const char *why;
	struct buf next = { 0 };
	char ip[INET6_ADDRSTRLEN];
	int status, len, m;

	if (!c->status) {
		alog_begin(c, rq->method, rq->method_len, rq->target,
			   rq->target_len);
		alog_rx(c, hlen);
	}
	if ((status = request_inspect(rq, &in, &why)) != 0) {
		conn_reply(c, status, why);
		return;
	}
	if (c->status) {
		status_answer(c, rq);
		return;
	}
	adopt(c, rq, &in);
	client_ip(c, ip);
	/* px->hbuf holds the head only until it is queued, below */
	len = request_rewrite(rq, &in, ip, c->cl.ssl != NULL, px->hbuf, HBUF);
	if (len < 0) {
		conn_reply(c, 431, "request head too large once rewritten");
		return;
	}
	if ((m = frame_scan(&c->req, rest, nrest)) < 0) {
		conn_reply(c, 400, "bad chunked request body");
		return;
	}
	if ((size_t)m < nrest &&
	    buf_append(&next, rest + m, nrest - m) < 0) {
		conn_reply(c, 503, "out of memory");
		return;
	}
	if (buf_append(&c->up.out, px->hbuf, len) < 0 ||
	    buf_append(&c->up.out, rest, m) < 0) {
		buf_free(&next);
		conn_reply(c, 503, "out of memory");
		return;
	}
	/* rest may point into c->in: replace it only now */
	buf_free(&c->in);
	c->in = next;
	alog_rx(c, m);
	px->totals.requests++;
	upstream_connect(c);
}

/*
 * Parse the head in p[0..n).  Returns 1 when the connection moved on (to
 * an upstream, or to an error answer), 0 when more bytes are needed; they
 * are then kept in c->in.
 */
static int parse(struct conn *c, const char *p, size_t n)
{
	struct http_request rq = {
		.headers = c->px->hdrs,
		.num_headers = MAX_HEADERS,
	};
	int r;

	/* never look past the limit: a longer head is too long, not bad */
	r = http_parse_request(p, n < PROXY_HEAD_MAX ? n : PROXY_HEAD_MAX,
			       &rq);
	if (r == -1) {
		conn_reply(c, 400, "malformed request head");
		return 1;
	}
	if (r == -2) {
		if (n >= PROXY_HEAD_MAX) {
			/* RFC 9112 3: a request line too long is 414 */
			if (!memchr(p, '\n', PROXY_HEAD_MAX))
				conn_reply(c, 414, "request line over 16 KiB");
			else
				conn_reply(c, 431, "request head over 16 KiB");
			return 1;
		}
		if (p != c->in.data && buf_append(&c->in, p, n) < 0) {
			conn_reply(c, 503, "out of memory");
			return 1;
		}
		c->scan = n;
		return 0;
	}
	forward(c, &rq, r, p + r, n - r);
	return 1;
}

void request_begin(struct conn *c)
{
	c->state = CS_HEAD;
	c->upgrade = c->websocket = c->head_method = c->replied = 0;
	c->timed_out = c->keepalive = c->answered = 0;
	c->tried = 0;
	c->scan = 0;
	c->req.kind = FR_DONE;
	c->res.kind = FR_HEAD;
	c->active = loop_now(c->px->loop);
	conn_arm(c);
	request_read(c);
}

void request_read(struct conn *c)
{
	struct proxy *px = c->px;

	/* a pipelined request may be complete already */
	if (c->in.data && !c->scan && parse(c, c->in.data, c->in.len))
		return;
	while (c->cl.rd) {
		size_t want = c->in.data ? PROXY_HEAD_MAX + 1 - c->in.len
					 : SCRATCH;
		int n = side_read(&c->cl, px->scratch, want);

		if (n == -2)
			break;
		if (n <= 0) {
			if (c->in.data) {
				char who[64];

				px_log(px, "%s: closed in the middle of a "
				       "request head",
				       conn_client(c, who, sizeof(who)));
			}
			conn_close(c);
			return;
		}
		if (!c->in.data) {
			if (parse(c, px->scratch, n))
				return;
			continue;
		}
		if (buf_append(&c->in, px->scratch, n) < 0) {
			conn_reply(c, 503, "out of memory");
			return;
		}
		/* the rest of a head that came in pieces: parse it once */
		if ((http_head_ended(c->in.data, c->in.len, &c->scan) ||
		     c->in.len >= PROXY_HEAD_MAX) &&
		    parse(c, c->in.data, c->in.len))
			return;
	}
}
