/*
 * rewrite.c - judging a request head and writing the one the upstream
 * gets, as nginx's article setup does (proxy_http_version 1.1, Host
 * passed as sent, X-Real-IP, X-Forwarded-For appended, Upgrade and
 * Connection as the map gives them); otherwise the head is passed on
 * header by header.
 *
 * Hop-by-hop headers are dropped (RFC 9110 7.6.1): Connection,
 * Keep-Alive, Proxy-Connection, TE, Upgrade, and any header Connection
 * names, except those that frame or route the message.  Transfer-Encoding
 * stays: a chunked body is relayed as it came, so the upstream needs the
 * framing the client sent.
 */
#include <string.h>

#include "proxy/emit.h"
#include "proxy/rewrite.h"

#define IS HTTP_NAME_IS

/* Headers that frame the message or route it: never dropped because a
 * Connection header names them (a classic way to smuggle requests). */
static int is_essential(const struct http_header *h)
{
	return IS(h, "host") || IS(h, "content-length") ||
	       IS(h, "transfer-encoding");
}

/* The proxy's own, or hop-by-hop: never passed on as the client sent. */
static int is_replaced(const struct http_header *h)
{
	return IS(h, "connection") || IS(h, "keep-alive") ||
	       IS(h, "proxy-connection") || IS(h, "te") ||
	       IS(h, "upgrade") || IS(h, "x-real-ip") ||
	       IS(h, "x-forwarded-for") || IS(h, "x-forwarded-proto");
}

/* A byte of a host[:port] authority (RFC 3986 3.2.2), userinfo not. */
static int is_authority(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	       (c | 0x20) <= 'z') || c == '-' || c == '.' || c == '_' ||
	       c == '~' || c == ':' || c == '[' || c == ']';
}

/*
 * The request-target: origin-form ("/path?q"), "*" for OPTIONS, or an
 * absolute http(s) URL, whose authority then replaces Host (RFC 9112
 * 3.2.2) and whose path is what the upstream is asked for.  Returns 0
 * or -1.
 */
static int target(const struct http_request *rq, struct req_info *in)
{
	const char *t = rq->target, *end = t + rq->target_len, *a;
	size_t skip;

	in->target = t;
	in->target_len = rq->target_len;
	if (t[0] == '/')
		return 0;
	if (rq->target_len == 1 && t[0] == '*')
		return http_ieq(rq->method, rq->method_len, "OPTIONS") ? 0 : -1;
	if (rq->target_len > 7 && http_ieq(t, 7, "http://"))
		skip = 7;
	else if (rq->target_len > 8 && http_ieq(t, 8, "https://"))
		skip = 8;
	else
		return -1;
	for (a = t + skip; a < end && is_authority(*a); a++)
		;
	if (a == t + skip || (a < end && *a != '/' && *a != '?'))
		return -1;
	in->authority = t + skip;
	in->authority_len = a - (t + skip);
	in->target = a;
	in->target_len = end - a;
	return 0;
}

int request_inspect(const struct http_request *rq, struct req_info *in,
		    const char **why)
{
	const struct http_header *te = NULL, *key = NULL;
	int nhost = 0, ncl = 0, nte = 0;

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i < rq->num_headers; i++) {
		const struct http_header *h = &rq->headers[i];

		if (IS(h, "host")) {
			nhost++;
		} else if (IS(h, "content-length")) {
			ncl++;
			if (http_parse_length(h->value, h->value_len,
					      &in->length) < 0)
				return *why = "bad content-length", 400;
		} else if (IS(h, "transfer-encoding")) {
			nte++;
			te = h;
		} else if (IS(h, "upgrade")) {
			if (!in->upgrade)
				in->upgrade = h;
		} else if (IS(h, "sec-websocket-key")) {
			if (!key)
				key = h;
		}
	}
	if (http_conn_opts_read(&in->opts, rq->headers, rq->num_headers) < 0)
		return *why = "too many connection options", 400;
	if (ncl && nte)
		return *why = "both content-length and transfer-encoding", 400;
	if (ncl > 1)
		return *why = "duplicate content-length", 400;
	if (nte && rq->minor_version == 0)
		return *why = "transfer-encoding in an http/1.0 request", 400;
	if (nte > 1)
		return *why = "duplicate transfer-encoding", 400;
	if (te && !http_ieq(te->value, te->value_len, "chunked"))
		return *why = "transfer-encoding other than chunked", 501;
	if (rq->minor_version == 1 && nhost != 1)
		return *why = nhost ? "duplicate host" : "no host", 400;
	/* a 2xx to it makes a tunnel that HTTP framing cannot follow */
	if (http_ieq(rq->method, rq->method_len, "CONNECT"))
		return *why = "connect is not proxied", 405;
	if (target(rq, in) < 0)
		return *why = "bad request target", 400;

	in->framing = te ? REQ_CHUNKED : in->length ? REQ_LENGTH : REQ_NO_BODY;
	in->close = rq->minor_version == 0 ||
		    http_conn_opts_has(&in->opts, "close", 5);
	/* a WebSocket upgrade only: an h2c one (or any other) passed on
	   would let the upstream take the connection past every rule
	   here (h2c smuggling), so it goes as a plain request */
	in->upgrade_asked = in->upgrade && in->upgrade->value_len &&
			    http_conn_opts_has(&in->opts, "upgrade", 7) &&
			    rq->minor_version == 1 &&
			    http_has_token(in->upgrade->value,
					   in->upgrade->value_len, "websocket");
	in->websocket = in->upgrade_asked && key;
	if (in->websocket)
		ws_accept_key(key->value, key->value_len, in->accept);
	return 0;
}

/*
 * Header line h as the client wrote it, up to and including its CRLF:
 * one copy, however many headers a head has.  The parser saw the line
 * end right after the value and its optional white space.
 */
static void emit_line(struct emit *e, const struct http_header *h)
{
	const char *end = h->value + h->value_len;

	while (*end != '\r')
		end++;
	emit(e, h->name, (size_t)(end + 2 - h->name));
}

int request_rewrite(const struct http_request *rq, const struct req_info *in,
		    const char *ip, int tls, char *out, size_t cap)
{
	struct emit e = { out, 0, cap, 0 };
	const struct http_header *h = rq->headers;
	size_t n = rq->num_headers;

	emit(&e, rq->method, rq->method_len);
	emit(&e, " ", 1);
	if (in->authority_len && (!in->target_len || in->target[0] != '/'))
		emit(&e, "/", 1);
	emit(&e, in->target, in->target_len);
	/* 1.0 clients stay 1.0, so the upstream never answers chunked */
	emit_s(&e, in->upgrade_asked || rq->minor_version ? " HTTP/1.1\r\n"
							  : " HTTP/1.0\r\n");
	if (in->authority_len) {
		emit_s(&e, "Host: ");
		emit(&e, in->authority, in->authority_len);
		emit_s(&e, "\r\n");
	}
	for (size_t i = 0; i < n; i++) {
		if (is_replaced(&h[i]) ||
		    (!is_essential(&h[i]) &&
		     http_conn_opts_has(&in->opts, h[i].name, h[i].name_len)) ||
		    (in->authority_len && IS(&h[i], "host")))
			continue;
		emit_line(&e, &h[i]);
	}
	emit_s(&e, "X-Real-IP: ");
	emit_s(&e, ip);
	/* $proxy_add_x_forwarded_for: every value the client sent, then it */
	emit_s(&e, "\r\nX-Forwarded-For: ");
	for (size_t i = 0; i < n; i++) {
		if (!IS(&h[i], "x-forwarded-for") || !h[i].value_len)
			continue;
		emit(&e, h[i].value, h[i].value_len);
		emit(&e, ", ", 2);
	}
	emit_s(&e, ip);
	emit_s(&e, tls ? "\r\nX-Forwarded-Proto: https\r\n"
		       : "\r\nX-Forwarded-Proto: http\r\n");
	if (in->upgrade_asked) {
		emit_s(&e, "Upgrade: websocket\r\nConnection: upgrade\r\n\r\n");
	} else {
		emit_s(&e, "Connection: close\r\n\r\n");
	}
	return e.overflow ? -1 : (int)e.len;
}
