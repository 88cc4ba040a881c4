/*
 * wsc_accept.c - the server's side of the opening handshake (RFC 6455
 * 4.2), for `wsctl connect --listen`: once it is done, the connection is
 * a struct wsc like any other and the session cannot tell the sides
 * apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/net.h"
#include "common/wsc.h"
#include "common/wsc_priv.h"

#define ACCEPT_TIMEOUT_MS 10000

/* Read the request head into c->request; returns its length or rc < 0. */
static int read_request(struct wsc *c, struct http_request *req,
			int64_t deadline, char *err, size_t errlen)
{
	for (;;) {
		size_t have = c->rlen - c->roff;
		int n, rc;

		req->headers = c->sent;
		req->num_headers = WSC_MAX_HEADERS;
		n = have ? http_parse_request((char *)c->rbuf + c->roff, have,
					      req) : -2;
		if (n > 0) {
			if (!(c->request = malloc((size_t)n + 1)))
				return wsc_fail(WSC_ERR_IO, err, errlen,
						"out of memory");
			memcpy(c->request, c->rbuf + c->roff, (size_t)n);
			c->request[n] = '\0';
			c->request_len = (size_t)n;
			c->roff += (size_t)n;
			/* again, so the strings point into c->request */
			req->num_headers = WSC_MAX_HEADERS;
			http_parse_request(c->request, c->request_len, req);
			c->nsent = req->num_headers;
			c->sent_ok = 1;
			return n;
		}
		if (n == -1 || have >= WSC_HEAD_MAX)
			return wsc_fail(WSC_ERR_HEAD, err, errlen,
					"invalid request head");
		rc = wsc_io_fill(c, have + 1, deadline, err, errlen);
		if (rc == WSC_ERR_TIMEOUT)
			return wsc_fail(rc, err, errlen, "no request head "
					"within the timeout");
		if (rc == WSC_ERR_EOF)
			return wsc_fail(rc, err, errlen, "the client closed "
					"before its request head ended");
		if (rc != WSC_OK)
			return rc;
	}
}

/* Why req is not a WebSocket upgrade, or NULL when it is one. */
static const char *not_upgrade(const struct http_request *req)
{
	const struct http_header *h = req->headers, *v;
	size_t n = req->num_headers;

	if (!http_ieq(req->method, req->method_len, "GET") ||
	    req->minor_version < 1)
		return "not a GET of HTTP/1.1";
	if (!http_any_token(h, n, "Upgrade", "websocket"))
		return "no Upgrade: websocket";
	if (!http_any_token(h, n, "Connection", "upgrade"))
		return "no Connection: upgrade";
	v = http_find(h, n, "Sec-WebSocket-Version");
	if (!v || !http_ieq(v->value, v->value_len, "13"))
		return "Sec-WebSocket-Version is not 13";
	v = http_find(h, n, "Sec-WebSocket-Key");
	if (!v || v->value_len != 24)
		return "no Sec-WebSocket-Key of 16 bytes";
	return NULL;
}

/* The subprotocol to agree to, into c->protocol ("" for none). */
static void pick_protocol(struct wsc *c, const struct http_request *req,
			  const struct wsc_opts *o)
{
	const struct http_header *h = req->headers;
	size_t i, k;

	for (i = 0; i < req->num_headers; i++) {
		const char *p = h[i].value, *end = p + h[i].value_len;

		if (!http_ieq(h[i].name, h[i].name_len,
			      "Sec-WebSocket-Protocol"))
			continue;
		while (p < end) {
			size_t len = 0;

			while (p < end && (*p == ',' || *p == ' ' || *p == '\t'))
				p++;
			while (p + len < end && http_is_tchar((unsigned char)p[len]))
				len++;
			for (k = 0; len && len < sizeof(c->protocol) &&
			     k < (o->nprotocols ? o->nprotocols : 1); k++)
				if (!o->nprotocols ||
				    (strlen(o->protocols[k]) == len &&
				     !memcmp(o->protocols[k], p, len))) {
					memcpy(c->protocol, p, len);
					c->protocol[len] = '\0';
					return;
				}
			p += len ? len : 1;
		}
	}
}

static int answer(struct wsc *c, const char *head, int64_t deadline,
		  char *err, size_t errlen)
{
	size_t len = strlen(head);

	if (!(c->head = malloc(len + 1)))
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	memcpy(c->head, head, len + 1);
	c->head_len = len;
	return wsc_io_write(c, head, len, deadline, err, errlen);
}

int wsc_accept(struct wsc *c, int fd, const struct wsc_opts *o, char *err,
	       size_t errlen)
{
	struct http_request req;
	const struct http_header *key;
	char accept[WS_ACCEPT_LEN + 1], head[512];
	const char *why;
	int64_t deadline;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->flags = o->flags | WSC_SERVER;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ACCEPT_TIMEOUT_MS;
	c->max_message = o->max_message ? o->max_message : WSC_MAX_MESSAGE;
	deadline = wsc_deadline(c->timeout_ms);
	if (net_nonblock(fd, 1) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen, "cannot make the "
				"socket non-blocking");
	if ((rc = read_request(c, &req, deadline, err, errlen)) < 0)
		return rc;
	if ((why = not_upgrade(&req))) {
		answer(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
		       "Connection: close\r\n\r\n", deadline, NULL, 0);
		return wsc_fail(WSC_ERR_HEAD, err, errlen, "not a WebSocket "
				"upgrade: %s", why);
	}
	key = http_find(req.headers, req.num_headers, "Sec-WebSocket-Key");
	ws_accept_key(key->value, key->value_len, accept);
	pick_protocol(c, &req, o);
	snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\n%s%s%s\r\n", accept,
		 c->protocol[0] ? "Sec-WebSocket-Protocol: " : "", c->protocol,
		 c->protocol[0] ? "\r\n" : "");
	return answer(c, head, deadline, err, errlen);
}
