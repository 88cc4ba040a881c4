/*
 * http.c - the upstream's response head, and what follows a response.
 *
 * A 101 goes to the client exactly as it came and the connection becomes
 * a tunnel.  Any other final response gets the client's framing: the
 * upstream was told "Connection: close", so its Connection header (and
 * the hop-by-hop headers it names) is dropped and replaced by ours, and
 * the body's end is found the RFC 9112 6.3 way so that the client's
 * connection can carry the next request.  Interim responses (100
 * Continue, 103) are passed on as they are.
 */
#include <stdio.h>
#include <string.h>

#include "proxy/conn.h"

/* The response could not be used: answer 502 and blame the upstream. */
static void bad_gateway(struct conn *c, const char *why)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "upstream %s: %s",
		 c->gen->lb.peers[c->peer].name, why);
	upstream_close(c, 1);
	conn_reply(c, 502, msg);
}

static int is_hop(const struct http_header *h)
{
	return HTTP_NAME_IS(h, "connection") || HTTP_NAME_IS(h, "keep-alive") ||
	       HTTP_NAME_IS(h, "proxy-connection");
}

/*
 * How the body of rs ends, in c->res.  Returns 0, or -1 when the
 * upstream's framing is contradictory.
 */
static int response_framing(struct conn *c, const struct http_response *rs,
			    int *has_te)
{
	const struct http_header *te;
	uint64_t len = 0;
	int ncl;

	te = http_find(rs->headers, rs->num_headers, "transfer-encoding");
	/* repeated with one value is tolerated (RFC 9110 8.6) */
	if ((ncl = http_content_length(rs->headers, rs->num_headers,
				       &len)) < 0)
		return -1;
	*has_te = te != NULL;
	memset(&c->res, 0, sizeof(c->res));
	if (c->head_method || rs->status == 204 || rs->status == 304) {
		c->res.kind = FR_DONE;
	} else if (te) {
		/* chunked must come last; anything else ends at close */
		const char *v = te->value, *e = v + te->value_len;

		while (e > v && e[-1] != ',' && e[-1] != ' ')
			e--;
		if (http_ieq(e, te->value + te->value_len - e, "chunked")) {
			c->res.kind = FR_CHUNKED;
			http_chunked_init(&c->res.ch);
		} else {
			c->res.kind = FR_CLOSE;
		}
	} else if (ncl) {
		c->res.kind = len ? FR_LENGTH : FR_DONE;
		c->res.ch.left = len;
	} else {
		c->res.kind = FR_CLOSE;
	}
	return 0;
}

/* A final response other than 101: re-frame the head for the client. */
static void final(struct conn *c, const struct http_response *rs,
		  const char *head, size_t hlen, size_t len)
{
	struct proxy *px = c->px;
	struct emit e = { px->hbuf, 0, HBUF, 0 };
	const char *eol = memchr(head, '\n', hlen);
	struct http_conn_opts opts;
	struct iovec iov[2];
	int has_te, m;

	if (response_framing(c, rs, &has_te) < 0) {
		bad_gateway(c, "bad or contradictory content-length");
		return;
	}
	if (http_conn_opts_read(&opts, rs->headers, rs->num_headers) < 0) {
		bad_gateway(c, "too many connection options");
		return;
	}
	c->keepalive = c->keepalive && c->res.kind != FR_CLOSE &&
		       !px->draining;
	/* the status line as it came, at the version we speak */
	emit(&e, "HTTP/1.1", 8);
	emit(&e, head + 8, eol + 1 - (head + 8));
	for (size_t i = 0; i < rs->num_headers; i++) {
		const struct http_header *h = &rs->headers[i];

		if (is_hop(h) ||
		    http_conn_opts_has(&opts, h->name, h->name_len))
			continue;
		/* RFC 9112 6.3: with both, Transfer-Encoding wins */
		if (has_te && HTTP_NAME_IS(h, "content-length"))
			continue;
		emit(&e, h->name, h->name_len);
		emit(&e, ": ", 2);
		emit(&e, h->value, h->value_len);
		emit(&e, "\r\n", 2);
	}
	if (!c->keepalive)
		emit(&e, "Connection: close\r\n", 19);
	emit(&e, "\r\n", 2);
	if (e.overflow) {
		bad_gateway(c, "response head too large");
		return;
	}
	m = frame_scan(&c->res, head + hlen, len - hlen);
	if (m < 0) {
		bad_gateway(c, "bad chunked response body");
		return;
	}
	c->replied = 1;
	if (c->log)
		c->log->status = rs->status;
	alog_tx(c, e.len + m);
	iov[0].iov_base = px->hbuf;
	iov[0].iov_len = e.len;
	iov[1].iov_base = (void *)(head + hlen);
	iov[1].iov_len = m;
	if (side_sendv(&c->cl, iov, 2) < 0) {
		conn_close(c);
		return;
	}
	buf_free(&c->resp);
	if (c->res.kind == FR_DONE)
		upstream_close(c, 0);
}

/*
 * Why a 101 cannot be relayed, or NULL: it must answer an upgrade
 * request, and a websocket one with the Upgrade and accept key that
 * request asked for (RFC 6455 4.2.2; HAProxy answers 502 as well).
 */
static const char *bad_101(const struct conn *c, const struct http_response *rs)
{
	const struct http_header *h, *hs = rs->headers;
	size_t n = rs->num_headers;

	if (!c->upgrade)
		return "101 to a request that did not ask to upgrade";
	if (!c->websocket)
		return NULL;
	if (!http_any_token(hs, n, "upgrade", "websocket"))
		return "101 without Upgrade: websocket";
	if (!(h = http_find(hs, n, "sec-websocket-accept")))
		return "101 without Sec-WebSocket-Accept";
	if (h->value_len != WS_ACCEPT_LEN ||
	    memcmp(h->value, c->ws.accept, WS_ACCEPT_LEN))
		return "101 with a wrong Sec-WebSocket-Accept";
	return NULL;
}

/* 101: the head and whatever followed it go through untouched, and the
 * client's bytes held since its request now go to the upstream. */
static void switched(struct conn *c, const struct http_response *rs,
		     const char *head, size_t hlen, size_t len)
{
	const char *why = bad_101(c, rs);

	if (why) {
		bad_gateway(c, why);
		return;
	}
	/* the accept key is done with: from here on the frames are followed */
	memset(&c->ws, 0, sizeof(c->ws));
	if (c->websocket) {
		ws_track(&c->ws.trk[1], (const uint8_t *)head + hlen,
			 len - hlen);
		if (c->in.data)
			ws_track(&c->ws.trk[0], (const uint8_t *)c->in.data +
				 c->in.off, c->in.len - c->in.off);
	}
	c->state = CS_TUNNEL;
	c->req.kind = c->res.kind = FR_RAW;
	c->replied = 1;
	c->keepalive = 0;
	c->px->totals.tunnels++;
	if (c->log)
		c->log->status = 101;
	alog_tx(c, len);
	if (side_send(&c->cl, head, len) < 0) {
		conn_close(c);
		return;
	}
	buf_free(&c->resp);
	if (c->in.data) {
		alog_rx(c, c->in.len - c->in.off);
		if (side_send(&c->up, c->in.data + c->in.off,
			      c->in.len - c->in.off) < 0) {
			conn_close(c);
			return;
		}
		buf_free(&c->in);
	}
}

void http_response_head(struct conn *c, const char *p, size_t n)
{
	struct proxy *px = c->px;
	const char *head = p;
	size_t len = n;

	if (c->resp.data) {
		if (buf_append(&c->resp, p, n) < 0) {
			conn_close(c);
			return;
		}
		head = c->resp.data;
		len = c->resp.len;
		/* the rest of a head that came in pieces: parse it once */
		if (!http_head_ended(head, len, &c->scan) &&
		    len < PROXY_HEAD_MAX)
			return;
	}
	for (;;) {
		struct http_response rs = {
			.headers = px->hdrs,
			.num_headers = MAX_HEADERS,
		};
		size_t win = len < PROXY_HEAD_MAX ? len : PROXY_HEAD_MAX;
		int r = http_parse_response(head, win, &rs);

		if (r == -1) {
			bad_gateway(c, "invalid response head");
			return;
		}
		if (r == -2) {
			if (len >= PROXY_HEAD_MAX) {
				bad_gateway(c, "response head over 16 KiB");
			} else if (head != c->resp.data) {
				struct buf keep = { 0 };

				/* head may point into c->resp itself */
				if (buf_append(&keep, head, len) < 0) {
					conn_close(c);
					return;
				}
				buf_free(&c->resp);
				c->resp = keep;
				c->scan = len;
			}
			return;
		}
		if (rs.status >= 200 || rs.status == 101)
			c->answered = 1;
		if (rs.status == 101) {
			switched(c, &rs, head, r, len);
			return;
		}
		if (rs.status >= 200) {
			final(c, &rs, head, r, len);
			return;
		}
		/* interim: pass it on; the final response follows */
		alog_tx(c, r);
		if (side_send(&c->cl, head, r) < 0) {
			conn_close(c);
			return;
		}
		head += r;
		len -= r;
		if (len == 0) {
			buf_free(&c->resp);
			return;
		}
	}
}

void http_response_done(struct conn *c)
{
	alog_end(c, WHY_DONE);
	upstream_close(c, 0);
	if (c->keepalive && c->req.kind == FR_DONE && !c->px->draining) {
		c->served = 1;
		request_begin(c);
	} else {
		conn_finish(c);
	}
}
