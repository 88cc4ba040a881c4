/*
 * request.c - the client's request head: read it, refuse what the proxy
 * cannot forward safely, and write the head the upstream gets.
 *
 * The head is rewritten as nginx's article setup does (proxy_http_version
 * 1.1, Host passed as sent, X-Real-IP, X-Forwarded-For appended, Upgrade
 * and Connection as the map gives them) and otherwise passed on header by
 * header.  Hop-by-hop headers are dropped (RFC 9110 7.6.1): Connection,
 * Keep-Alive, Proxy-Connection, TE, Upgrade, and any header Connection
 * names, except those that frame the message.  Transfer-Encoding and
 * Trailer stay: a chunked body is relayed as it came, trailers included,
 * so the upstream needs the same framing headers the client sent.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "proxy/conn.h"

/* What the headers say, gathered in one pass. */
struct req_info {
	const struct http_header *cl, *te, *upgrade;
	int nhost, ncl, nte;
	int conn_upgrade, conn_close;
};

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

int header_lists(const struct http_header *h, const char *name, size_t len)
{
	const char *p = h->value, *end = h->value + h->value_len;

	while (p < end) {
		const char *s, *e;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (s = p; p < end && *p != ','; p++)
			;
		for (e = p; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((size_t)(e - s) == len) {
			size_t i;

			for (i = 0; i < len; i++)
				if ((s[i] | 0x20) != (name[i] | 0x20))
					break;
			if (i == len)
				return 1;
		}
	}
	return 0;
}

/* Headers that frame the message or route it: never dropped because a
 * Connection header names them (a classic way to smuggle requests). */
static int is_essential(const struct http_header *h)
{
	return http_ieq(h->name, h->name_len, "host") ||
	       http_ieq(h->name, h->name_len, "content-length") ||
	       http_ieq(h->name, h->name_len, "transfer-encoding");
}

static int named_in_connection(const struct http_header *h, size_t n,
			       const struct http_header *x)
{
	for (size_t i = 0; i < n; i++)
		if (http_ieq(h[i].name, h[i].name_len, "connection") &&
		    header_lists(&h[i], x->name, x->name_len))
			return 1;
	return 0;
}

/* A Content-Length value: digits only, and no more than fit. */
static int parse_length(const struct http_header *h, uint64_t *v)
{
	uint64_t n = 0;

	if (h->value_len == 0 || h->value_len > 18)
		return -1;
	for (size_t i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9')
			return -1;
		n = n * 10 + (h->value[i] - '0');
	}
	*v = n;
	return 0;
}

static void gather(const struct http_request *rq, struct req_info *in)
{
	for (size_t i = 0; i < rq->num_headers; i++) {
		const struct http_header *h = &rq->headers[i];

		if (http_ieq(h->name, h->name_len, "host")) {
			in->nhost++;
		} else if (http_ieq(h->name, h->name_len, "content-length")) {
			in->ncl++;
			in->cl = h;
		} else if (http_ieq(h->name, h->name_len, "transfer-encoding")) {
			in->nte++;
			in->te = h;
		} else if (http_ieq(h->name, h->name_len, "upgrade")) {
			if (!in->upgrade)
				in->upgrade = h;
		} else if (http_ieq(h->name, h->name_len, "connection")) {
			in->conn_upgrade |= http_has_token(h->value,
							   h->value_len,
							   "upgrade");
			in->conn_close |= http_has_token(h->value, h->value_len,
							 "close");
		}
	}
}

/*
 * The framing checks of RFC 9112 6.3, strictly: anything two parsers
 * could read differently is refused.  Returns 0, or the status to answer
 * with and *why.
 */
static int validate(struct conn *c, const struct http_request *rq,
		    const struct req_info *in, const char **why)
{
	uint64_t len = 0;

	if (in->ncl && in->nte)
		return *why = "both content-length and transfer-encoding", 400;
	if (in->ncl > 1)
		return *why = "duplicate content-length", 400;
	if (in->cl && parse_length(in->cl, &len) < 0)
		return *why = "bad content-length", 400;
	if (in->nte && rq->minor_version == 0)
		return *why = "transfer-encoding in an http/1.0 request", 400;
	if (in->nte > 1)
		return *why = "duplicate transfer-encoding", 400;
	if (in->te && !http_ieq(in->te->value, in->te->value_len, "chunked"))
		return *why = "transfer-encoding other than chunked", 501;
	if (rq->minor_version == 1 && in->nhost != 1)
		return *why = in->nhost ? "duplicate host" : "no host", 400;
	/* a 2xx to it makes a tunnel that HTTP framing cannot follow */
	if (http_ieq(rq->method, rq->method_len, "CONNECT"))
		return *why = "connect is not proxied", 405;

	c->upgrade = in->upgrade && in->upgrade->value_len &&
		     in->conn_upgrade && rq->minor_version == 1;
	c->head_method = http_ieq(rq->method, rq->method_len, "HEAD");
	c->keepalive = rq->minor_version == 1 && !in->conn_close &&
		       !c->upgrade;
	memset(&c->req, 0, sizeof(c->req));
	if (c->upgrade) {
		/* whatever follows the head is the new protocol's */
		c->req.kind = FR_RAW;
	} else if (in->te) {
		c->req.kind = FR_CHUNKED;
		http_chunked_init(&c->req.ch);
	} else if (in->cl && len > 0) {
		c->req.kind = FR_LENGTH;
		c->req.ch.left = len;
	} else {
		c->req.kind = FR_DONE;
	}
	return 0;
}

static void emit_s(struct emit *e, const char *s)
{
	emit(e, s, strlen(s));
}

static int is_dropped(const struct http_header *h)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"upgrade", "x-real-ip", "x-forwarded-for",
		"x-forwarded-proto",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (http_ieq(h->name, h->name_len, names[i]))
			return 1;
	return 0;
}

/* The head the upstream gets, in px->hbuf.  Returns its length, or -1
 * when it does not fit. */
static int rewrite(struct conn *c, const struct http_request *rq,
		   const struct req_info *in)
{
	struct emit e = { c->px->hbuf, 0, HBUF, 0 };
	const struct http_header *h = rq->headers;
	size_t n = rq->num_headers, nxff = 0;
	char ip[INET6_ADDRSTRLEN];

	emit(&e, rq->method, rq->method_len);
	emit(&e, " ", 1);
	emit(&e, rq->target, rq->target_len);
	/* 1.0 clients stay 1.0, so the upstream never answers chunked */
	emit_s(&e, c->upgrade || rq->minor_version ? " HTTP/1.1\r\n"
						   : " HTTP/1.0\r\n");
	for (size_t i = 0; i < n; i++) {
		if (is_dropped(&h[i]) ||
		    (!is_essential(&h[i]) && named_in_connection(h, n, &h[i])))
			continue;
		emit(&e, h[i].name, h[i].name_len);
		emit(&e, ": ", 2);
		emit(&e, h[i].value, h[i].value_len);
		emit(&e, "\r\n", 2);
	}
	inet_ntop(c->addr.sa.sa_family == AF_INET ? AF_INET : AF_INET6,
		  c->addr.sa.sa_family == AF_INET ?
			  (const void *)&c->addr.sin.sin_addr :
			  (const void *)&c->addr.sin6.sin6_addr,
		  ip, sizeof(ip));
	if (c->addr.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&c->addr.sin6.sin6_addr))
		inet_ntop(AF_INET, &c->addr.sin6.sin6_addr.s6_addr[12], ip,
			  sizeof(ip));
	emit_s(&e, "X-Real-IP: ");
	emit_s(&e, ip);
	/* $proxy_add_x_forwarded_for: every value the client sent, then it */
	emit_s(&e, "\r\nX-Forwarded-For: ");
	for (size_t i = 0; i < n; i++) {
		if (!http_ieq(h[i].name, h[i].name_len, "x-forwarded-for") ||
		    !h[i].value_len)
			continue;
		emit(&e, h[i].value, h[i].value_len);
		emit(&e, ", ", 2);
		nxff++;
	}
	emit_s(&e, ip);
	emit_s(&e, c->cl.ssl ? "\r\nX-Forwarded-Proto: https\r\n"
			     : "\r\nX-Forwarded-Proto: http\r\n");
	if (c->upgrade) {
		emit_s(&e, "Upgrade: ");
		emit(&e, in->upgrade->value, in->upgrade->value_len);
		emit_s(&e, "\r\nConnection: upgrade\r\n\r\n");
	} else {
		emit_s(&e, "Connection: close\r\n\r\n");
	}
	return e.overflow ? -1 : (int)e.len;
}

/*
 * The head rq was parsed; rest[0..nrest) came after it (and may live in
 * c->in).  Check the head, queue its rewrite and the body bytes for the
 * upstream, keep what belongs to the next request, and connect.
 */
static void forward(struct conn *c, const struct http_request *rq,
		    size_t hlen, const char *rest, size_t nrest)
{
	struct req_info in = { 0 };
	const char *why;
	struct buf next = { 0 };
	int status, len, m;

	if (!c->status) {
		alog_begin(c, rq->method, rq->method_len, rq->target,
			   rq->target_len);
		alog_rx(c, hlen);
	}
	gather(rq, &in);
	if ((status = validate(c, rq, &in, &why)) != 0) {
		conn_reply(c, status, why);
		return;
	}
	if (c->status) {
		status_answer(c, rq);
		return;
	}
	if ((len = rewrite(c, rq, &in)) < 0) {
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
	if (buf_append(&c->up.out, c->px->hbuf, len) < 0 ||
	    buf_append(&c->up.out, rest, m) < 0) {
		buf_free(&next);
		conn_reply(c, 503, "out of memory");
		return;
	}
	/* rest may point into c->in: replace it only now */
	buf_free(&c->in);
	c->in = next;
	alog_rx(c, m);
	c->px->totals.requests++;
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
			conn_reply(c, 431, "request head over 16 KiB");
			return 1;
		}
		if (p != c->in.data && buf_append(&c->in, p, n) < 0) {
			conn_reply(c, 503, "out of memory");
			return 1;
		}
		return 0;
	}
	forward(c, &rq, r, p + r, n - r);
	return 1;
}

void request_begin(struct conn *c)
{
	c->state = CS_HEAD;
	c->upgrade = c->head_method = c->replied = c->timed_out = 0;
	c->keepalive = 0;
	c->tried = 0;
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
	if (c->in.data && parse(c, c->in.data, c->in.len))
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
		if (c->in.data) {
			if (buf_append(&c->in, px->scratch, n) < 0) {
				conn_reply(c, 503, "out of memory");
				return;
			}
			if (parse(c, c->in.data, c->in.len))
				return;
		} else if (parse(c, px->scratch, n)) {
			return;
		}
	}
}
