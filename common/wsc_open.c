/*
 * wsc_open.c - the client's opening handshake (RFC 6455 4.1): build and
 * send the request, read the response head as it came, and judge it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net.h"
#include "common/tls.h"
#include "common/units.h"
#include "common/wsc_priv.h"

#define DEFAULT_TIMEOUT_MS 10000

struct strbuf {
	char *s;
	size_t len, cap;
	int failed;
};

static void sb_add(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *p;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	need = b->len + (size_t)n + 1;
	if (need > b->cap) {
		b->cap = need * 2;
		if (!(p = realloc(b->s, b->cap))) {
			b->failed = 1;
			return;
		}
		b->s = p;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int wsc_check_header(const char *line, char *err, size_t errlen)
{
	const char *p = line;

	while (http_is_tchar((unsigned char)*p))
		p++;
	if (p == line || *p != ':')
		return wsc_fail(-1, err, errlen,
				"bad header '%s': want 'Name: value'", line);
	for (p++; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return wsc_fail(-1, err, errlen, "bad header '%.40s': "
					"control character in the value", line);
		else if (*p == 0x7f)
			return wsc_fail(-1, err, errlen, "bad header '%.40s': "
					"control character in the value", line);
	return 0;
}

/* 1 when one of the extra header lines is named name. */
static int overridden(const struct wsc_opts *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < o->nheaders; i++)
		if (!strncasecmp(o->headers[i], name, n) &&
		    o->headers[i][n] == ':')
			return 1;
	return 0;
}

static int build_request(struct wsc *c, const struct wsc_opts *o,
			 char *err, size_t errlen)
{
	struct strbuf b = { 0 };
	char host[300], key[WS_KEY_LEN + 1];
	size_t i;

	for (i = 0; i < o->nheaders; i++)
		if (wsc_check_header(o->headers[i], err, errlen) < 0)
			return WSC_ERR_REQUEST;
	for (i = 0; i < o->nprotocols; i++)
		if (!*o->protocols[i] || strpbrk(o->protocols[i], ", \t\r\n"))
			return wsc_fail(WSC_ERR_REQUEST, err, errlen,
					"bad subprotocol '%s'",
					o->protocols[i]);
	if (ws_make_key(key) < 0)
		return wsc_fail(WSC_ERR_REQUEST, err, errlen,
				"no randomness for Sec-WebSocket-Key");
	sb_add(&b, "GET %s HTTP/1.1\r\n", c->url.path);
	if (!overridden(o, "Host"))
		sb_add(&b, "Host: %s\r\n",
		       url_host_header(&c->url, host, sizeof(host)));
	if (!overridden(o, "Upgrade"))
		sb_add(&b, "Upgrade: websocket\r\n");
	if (!overridden(o, "Connection"))
		sb_add(&b, "Connection: Upgrade\r\n");
	if (!overridden(o, "Sec-WebSocket-Key"))
		sb_add(&b, "Sec-WebSocket-Key: %s\r\n", key);
	if (!overridden(o, "Sec-WebSocket-Version"))
		sb_add(&b, "Sec-WebSocket-Version: 13\r\n");
	if (o->nprotocols && !overridden(o, "Sec-WebSocket-Protocol")) {
		sb_add(&b, "Sec-WebSocket-Protocol: %s", o->protocols[0]);
		for (i = 1; i < o->nprotocols; i++)
			sb_add(&b, ", %s", o->protocols[i]);
		sb_add(&b, "\r\n");
	}
	if ((o->flags & WSC_DEFLATE) &&
	    !overridden(o, "Sec-WebSocket-Extensions"))
		sb_add(&b, "Sec-WebSocket-Extensions: permessage-deflate; "
		       "client_max_window_bits\r\n");
	if (o->origin && !overridden(o, "Origin"))
		sb_add(&b, "Origin: %s\r\n", o->origin);
	if (o->user_agent && !overridden(o, "User-Agent"))
		sb_add(&b, "User-Agent: %s\r\n", o->user_agent);
	for (i = 0; i < o->nheaders; i++)
		sb_add(&b, "%s\r\n", o->headers[i]);
	sb_add(&b, "\r\n");
	if (b.failed) {
		free(b.s);
		return wsc_fail(WSC_ERR_REQUEST, err, errlen, "out of memory");
	}
	c->request = b.s;
	c->request_len = b.len;
	return WSC_OK;
}

static int send_request(struct wsc *c, const struct wsc_opts *o,
			int64_t deadline, char *err, size_t errlen)
{
	size_t len = c->request_len + o->early_len;
	char *buf;
	int rc;

	/* one write, so a pipelined frame can share the head's packet */
	if (!(buf = malloc(len ? len : 1)))
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	memcpy(buf, c->request, c->request_len);
	if (o->early_len)
		memcpy(buf + c->request_len, o->early, o->early_len);
	rc = wsc_io_write(c, buf, len, deadline, err, errlen);
	free(buf);
	return rc;
}

/* Keep bytes of the head as evidence: all of it, or what came of it. */
static int keep_head(struct wsc *c, size_t len)
{
	free(c->head);
	if (!(c->head = malloc(len + 1)))
		return -1;
	memcpy(c->head, c->rbuf + c->roff, len);
	c->head[len] = '\0';
	c->head_len = len;
	return 0;
}

/* The head's first line, printable, for messages. */
static const char *first_line(const uint8_t *p, size_t len, char *out,
			      size_t outlen)
{
	size_t i;

	for (i = 0; i < len && i + 1 < outlen && p[i] != '\r' && p[i] != '\n';
	     i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = '\0';
	return out;
}

static int read_head(struct wsc *c, int64_t deadline, char *err,
		     size_t errlen)
{
	char line[80], dur[32];
	size_t have;
	int n, rc;

	for (;;) {
		have = c->rlen - c->roff;
		if (have) {
			c->res.headers = c->headers;
			c->res.num_headers = WSC_MAX_HEADERS;
			n = http_parse_response((char *)c->rbuf + c->roff, have,
						&c->res);
			if (n > 0)
				break;
			if (n == -1 || have >= WSC_HEAD_MAX) {
				keep_head(c, have);
				return wsc_fail(WSC_ERR_HEAD, err, errlen,
					"invalid response head: '%s'",
					first_line(c->rbuf + c->roff, have,
						   line, sizeof(line)));
			}
		}
		rc = wsc_io_fill(c, have + 1, deadline, err, errlen);
		if (rc == WSC_OK)
			continue;
		keep_head(c, have);
		if (rc == WSC_ERR_TIMEOUT)
			return wsc_fail(rc, err, errlen, have ?
					"timed out in the middle of the "
					"response head" :
					"no response within %s",
					units_fmt_duration(c->timeout_ms, dur,
							   sizeof(dur)));
		if (rc == WSC_ERR_EOF)
			return wsc_fail(rc, err, errlen, have ?
					"connection closed in the middle of "
					"the response head" :
					"server closed the connection "
					"without a response");
		return rc;
	}
	if (keep_head(c, (size_t)n) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	/* parse again so the strings point into c->head, not the buffer */
	c->res.num_headers = WSC_MAX_HEADERS;
	http_parse_response(c->head, c->head_len, &c->res);
	c->roff += (size_t)n;
	return WSC_OK;
}

#define NOT_UPGRADED(...) wsc_fail(WSC_ERR_UPGRADE, err, errlen, __VA_ARGS__)

/* The request about to go out, parsed once, for whoever judges the
 * answer: the 101's checks here, and the checker's. */
static void parse_sent(struct wsc *c)
{
	struct http_request req = { .headers = c->sent,
				    .num_headers = WSC_MAX_HEADERS };

	c->nsent = 0;
	c->sent_ok = http_parse_request(c->request, c->request_len, &req) > 0;
	if (c->sent_ok)
		c->nsent = req.num_headers;
}

static int check_upgrade(struct wsc *c, char *err, size_t errlen)
{
	const struct http_header *h, *key, *rh = c->sent;
	const struct http_header *res = c->res.headers;
	size_t n = c->res.num_headers;
	char want[WS_ACCEPT_LEN + 1];

	if (!(h = http_find(res, n, "Upgrade")))
		return NOT_UPGRADED("101 without an Upgrade header");
	if (!http_ieq(h->value, h->value_len, "websocket"))
		return NOT_UPGRADED("101 with Upgrade '%.*s', want 'websocket'",
				    (int)h->value_len, h->value);
	if (!(h = http_find(res, n, "Connection")))
		return NOT_UPGRADED("101 without a Connection header");
	if (!http_any_token(res, n, "Connection", "upgrade"))
		return NOT_UPGRADED("101 with Connection '%.*s', want "
				    "'upgrade'", (int)h->value_len, h->value);
	if (!c->sent_ok)
		return NOT_UPGRADED("cannot judge the 101: the request sent "
				    "is not a valid head");
	if (!(key = http_find(rh, c->nsent, "Sec-WebSocket-Key")))
		return NOT_UPGRADED("cannot judge the 101: the request sent "
				    "had no Sec-WebSocket-Key");
	ws_accept_key(key->value, key->value_len, want);
	if (!(h = http_find(res, n, "Sec-WebSocket-Accept")))
		return NOT_UPGRADED("101 without Sec-WebSocket-Accept");
	if (h->value_len != WS_ACCEPT_LEN ||
	    memcmp(h->value, want, WS_ACCEPT_LEN))
		return NOT_UPGRADED("Sec-WebSocket-Accept is '%.*s', want '%s'",
				    (int)h->value_len, h->value, want);
	if ((h = http_find(res, n, "Sec-WebSocket-Extensions")) &&
	    wsc_deflate_agree(c, h, err, errlen) != WSC_OK)
		return WSC_ERR_UPGRADE;
	if (!(h = http_find(res, n, "Sec-WebSocket-Protocol")))
		return WSC_OK;
	if (h->value_len < sizeof(c->protocol)) {
		memcpy(c->protocol, h->value, h->value_len);
		c->protocol[h->value_len] = '\0';
		if (http_any_token(rh, c->nsent, "Sec-WebSocket-Protocol",
			      c->protocol))
			return WSC_OK;
		c->protocol[0] = '\0';
	}
	return NOT_UPGRADED("server chose subprotocol '%.*s', which was not "
			    "offered", (int)h->value_len, h->value);
}

static int refused(struct wsc *c, char *err, size_t errlen)
{
	char line[200], status[160];
	const char *more;
	size_t sl;

	wsc_body_line(c, line, sizeof(line));
	snprintf(status, sizeof(status), "%d%s%.*s", c->res.status,
		 c->res.reason_len ? " " : "", (int)c->res.reason_len,
		 c->res.reason);
	/* an error page that only says the status again says nothing */
	sl = strlen(status);
	more = line;
	if (!strncasecmp(line, status, sl))
		more = line + sl + strspn(line + sl, " :.-");
	return wsc_fail(WSC_ERR_STATUS, err, errlen, "server answered %s%s%s",
			status, *more ? ": " : "", more);
}

static int dial(struct wsc *c, const struct wsc_opts *o, int64_t deadline,
		char *err, size_t errlen)
{
	struct tls_opts to = { 0 };
	char name[300];
	int64_t left;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->flags = o->flags;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->max_message = o->max_message ? o->max_message : WSC_MAX_MESSAGE;
	if (deadline == 0)
		deadline = wsc_deadline(c->timeout_ms);
	if (url_parse(o->url, &c->url, err, errlen) < 0)
		return WSC_ERR_REQUEST;
	left = deadline - clock_ms();
	if (o->connect_to) {
		struct hostport hp;

		if (addr_parse(o->connect_to, c->url.port, &hp, err, errlen) < 0)
			return WSC_ERR_REQUEST;
		c->fd = net_connect(hp.host, hp.port, o->source,
				    left > 0 ? (int)left : 1, err, errlen);
	} else {
		c->fd = net_connect(c->url.host, c->url.port, o->source,
				    left > 0 ? (int)left : 1, err, errlen);
	}
	if (c->fd < 0)
		return WSC_ERR_CONNECT;
	if (net_nonblock(c->fd, 1) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen, "cannot make the "
				"socket non-blocking");
	if (!c->url.tls)
		return WSC_OK;
	to.host = c->url.host;
	to.insecure = o->insecure;
	to.ca_file = o->ca_file;
	to.cert_file = o->cert_file;
	to.key_file = o->key_file;
	to.passphrase = o->passphrase;
	to.alpn = o->alpn;
	addr_fmt(c->url.host, c->url.port, name, sizeof(name));
	c->tls = tls_connect(c->fd, &to, name, deadline, err, errlen);
	return c->tls ? WSC_OK : WSC_ERR_TLS;
}

static int handshake(struct wsc *c, const struct wsc_opts *o,
		     int64_t deadline, char *err, size_t errlen)
{
	int rc;

	if (o->raw_head) {
		if (!(c->request = malloc(o->raw_head_len + 1)))
			return wsc_fail(WSC_ERR_REQUEST, err, errlen,
					"out of memory");
		memcpy(c->request, o->raw_head, o->raw_head_len);
		c->request[o->raw_head_len] = '\0';
		c->request_len = o->raw_head_len;
	} else if ((rc = build_request(c, o, err, errlen)) != WSC_OK) {
		return rc;
	}
	parse_sent(c);
	if ((rc = send_request(c, o, deadline, err, errlen)) != WSC_OK)
		return rc;
	if ((rc = read_head(c, deadline, err, errlen)) != WSC_OK)
		return rc;
	if (c->res.status != 101) {
		wsc_read_body(c, deadline);
		return refused(c, err, errlen);
	}
	return check_upgrade(c, err, errlen);
}

int wsc_dial(struct wsc *c, const struct wsc_opts *o, char *err,
	     size_t errlen)
{
	return dial(c, o, 0, err, errlen);
}

int wsc_handshake(struct wsc *c, const struct wsc_opts *o, char *err,
		  size_t errlen)
{
	return handshake(c, o, wsc_deadline(c->timeout_ms), err, errlen);
}

int wsc_open(struct wsc *c, const struct wsc_opts *o, char *err,
	     size_t errlen)
{
	int64_t deadline = wsc_deadline(o->timeout_ms > 0 ? o->timeout_ms :
					DEFAULT_TIMEOUT_MS);
	int rc = dial(c, o, deadline, err, errlen);

	return rc == WSC_OK ? handshake(c, o, deadline, err, errlen) : rc;
}
