/*
 * h2.c - http2.front: a TLS listener that offers HTTP/2 (ALPN h2), as
 * `listen 443 ssl http2` does, seen the way a browser sees it.  When the
 * server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 3),
 * a browser opens its WebSocket as an extended CONNECT stream on that
 * connection, so that must work: one echo through it.  When they do not,
 * the browser opens a connection of its own offering only http/1.1 and
 * upgrades there, so that must work.  HTTP/2 framing is libnghttp2's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/net.h"
#include "common/tls.h"

#define H2_MS 5000		/* for each step */
#define MSG "wsctl over h2"

struct h2 {
	int fd;
	struct tls *tls;
	nghttp2_session *s;
	int settings;		/* the server's first SETTINGS came */
	uint32_t ecp;		/* its SETTINGS_ENABLE_CONNECT_PROTOCOL */
	int32_t stream;
	int status;		/* the stream's :status */
	int closed;		/* the stream ended */
	uint32_t rst;		/* with this error code */
	uint8_t rx[4096];	/* the stream's DATA */
	size_t rxlen;
	uint8_t tx[256];	/* our DATA, not yet taken by nghttp2 */
	size_t txlen, txoff;
	char err[300];
};

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct h2 *h = arg;

	(void)s;
	if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
		for (size_t i = 0; i < f->settings.niv; i++)
			if (f->settings.iv[i].settings_id ==
			    NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL)
				h->ecp = f->settings.iv[i].value;
		h->settings = 1;
	}
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
		     const uint8_t *name, size_t nlen, const uint8_t *value,
		     size_t vlen, uint8_t flags, void *arg)
{
	struct h2 *h = arg;

	(void)s;
	(void)flags;
	if (f->hd.stream_id == h->stream && nlen == 7 &&
	    !memcmp(name, ":status", 7) && vlen == 3)
		h->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 +
			    (value[2] - '0');
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id,
		   const uint8_t *data, size_t len, void *arg)
{
	struct h2 *h = arg;
	size_t room = sizeof(h->rx) - h->rxlen;

	(void)s;
	(void)flags;
	if (id != h->stream)
		return 0;
	memcpy(h->rx + h->rxlen, data, len < room ? len : room);
	h->rxlen += len < room ? len : room;
	return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *arg)
{
	struct h2 *h = arg;

	(void)s;
	if (id == h->stream) {
		h->closed = 1;
		h->rst = code;
	}
	return 0;
}

/* Our DATA: what tx holds, then wait (deferred) for more. */
static ssize_t on_read(nghttp2_session *s, int32_t id, uint8_t *buf,
		       size_t len, uint32_t *flags, nghttp2_data_source *src,
		       void *arg)
{
	struct h2 *h = arg;
	size_t n = h->txlen - h->txoff;

	(void)s;
	(void)id;
	(void)flags;
	(void)src;
	if (!n)
		return NGHTTP2_ERR_DEFERRED;
	if (n > len)
		n = len;
	memcpy(buf, h->tx + h->txoff, n);
	h->txoff += n;
	return (ssize_t)n;
}

/* Write all of p[0..n) through TLS, by end.  0 or -1. */
static int put(struct h2 *h, const uint8_t *p, size_t n, int64_t end)
{
	while (n) {
		ssize_t w = tls_write(h->tls, p, n, h->err, sizeof(h->err));
		struct pollfd pf = { h->fd, POLLOUT, 0 };

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 || clock_ms() >= end)
			return -1;
		pf.events = w == TLS_WANT_READ ? POLLIN : POLLOUT;
		poll(&pf, 1, (int)(end - clock_ms()));
	}
	return 0;
}

/*
 * Send what nghttp2 has, then read until done(h) or end.  Returns 0
 * when done, -1 (h->err says why) otherwise.
 */
static int pump(struct h2 *h, int (*done)(const struct h2 *), int64_t end)
{
	uint8_t buf[16384];

	for (;;) {
		const uint8_t *out;
		ssize_t n;
		struct pollfd pf = { h->fd, POLLIN, 0 };

		while ((n = nghttp2_session_mem_send(h->s, &out)) > 0)
			if (put(h, out, (size_t)n, end) < 0)
				return -1;
		if (n < 0)
			return snprintf(h->err, sizeof(h->err), "http2: %s",
					nghttp2_strerror((int)n)), -1;
		if (done(h))
			return 0;
		if (clock_ms() >= end)
			return snprintf(h->err, sizeof(h->err), "timed out"), -1;
		if (!tls_pending(h->tls) &&
		    poll(&pf, 1, (int)(end - clock_ms())) <= 0)
			continue;
		n = tls_read(h->tls, buf, sizeof(buf), h->err, sizeof(h->err));
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
			continue;
		if (n <= 0)
			return n == 0 ? (snprintf(h->err, sizeof(h->err),
					 "the server closed the connection"),
					 -1) : -1;
		if ((n = nghttp2_session_mem_recv(h->s, buf, (size_t)n)) < 0)
			return snprintf(h->err, sizeof(h->err), "http2: %s",
					nghttp2_strerror((int)n)), -1;
	}
}

static int got_settings(const struct h2 *h) { return h->settings; }
static int got_status(const struct h2 *h) { return h->status || h->closed; }

/* A whole unmasked server frame of text: the echo. */
static int got_echo(const struct h2 *h)
{
	return h->closed || (h->rxlen >= 2 && h->rxlen >= 2u + (h->rx[1] & 0x7f));
}

/* TLS with ALPN alpn to c's target; h ready for nghttp2. */
static int h2_open(struct check_ctx *c, struct h2 *h, const struct url *u,
		   const char *alpn, char *chosen, size_t clen)
{
	struct tls_opts to = { 0 };
	struct hostport hp;
	char name[300];
	int left = check_time_left(c);

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	if (c->connect && addr_parse(c->connect, u->port, &hp, h->err,
				     sizeof(h->err)) < 0)
		return -1;
	h->fd = c->connect ? net_connect(hp.host, hp.port, NULL, left, h->err,
					 sizeof(h->err)) :
		net_connect(u->host, u->port, NULL, left, h->err,
			    sizeof(h->err));
	if (h->fd < 0 || net_nonblock(h->fd, 1) < 0)
		return -1;
	to.host = u->host;
	to.insecure = c->env->cfg->insecure;
	to.ca_file = c->env->cfg->ca_file;
	to.alpn = alpn;
	addr_fmt(u->host, u->port, name, sizeof(name));
	if (!(h->tls = tls_connect(h->fd, &to, name, clock_ms() + H2_MS,
				   h->err, sizeof(h->err))))
		return -1;
	tls_alpn(h->tls, chosen, clen);
	return 0;
}

static void h2_close(struct h2 *h)
{
	if (h->s)
		nghttp2_session_del(h->s);
	if (h->tls)
		tls_free(h->tls);
	if (h->fd >= 0)
		close(h->fd);
}

static int h2_session(struct h2 *h)
{
	nghttp2_session_callbacks *cb;
	int r;

	if (nghttp2_session_callbacks_new(&cb))
		return -1;
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	r = nghttp2_session_client_new(&h->s, cb, h);
	nghttp2_session_callbacks_del(cb);
	if (r || nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, NULL, 0))
		return snprintf(h->err, sizeof(h->err), "http2: out of memory"),
		       -1;
	return 0;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, \
		   strlen(v), NGHTTP2_NV_FLAG_NONE }

/* RFC 8441 4: the extended CONNECT, then one echo on its stream. */
static void extended_connect(struct check_ctx *c, struct h2 *h,
			     const struct url *u)
{
	char authority[300], path[2100];
	uint8_t mask[4];
	nghttp2_data_provider dp = { .read_callback = on_read };
	size_t hl;

	snprintf(authority, sizeof(authority), "%s", u->host);
	if (u->explicit_port)
		addr_fmt(u->host, u->port, authority, sizeof(authority));
	snprintf(path, sizeof(path), "%s", u->path);
	{
		const nghttp2_nv nv[] = {
			NV(":method", "CONNECT"), NV(":protocol", "websocket"),
			NV(":scheme", "https"), NV(":path", path),
			NV(":authority", authority),
			NV("sec-websocket-version", "13"),
		};

		h->stream = nghttp2_submit_request(h->s, NULL, nv,
						   sizeof(nv) / sizeof(nv[0]),
						   &dp, NULL);
	}
	if (h->stream < 0 || pump(h, got_status, clock_ms() + H2_MS) < 0) {
		check_fail(c, "the extended CONNECT answered 200",
			   "%s", h->stream < 0 ? "cannot submit" : h->err);
		return;
	}
	check_evidence_num(c, "connect_status", h->status);
	if (h->status != 200) {
		check_fail(c, "the extended CONNECT answered 200",
			   h->status ? "%d, though the server advertised "
			   "SETTINGS_ENABLE_CONNECT_PROTOCOL" : "the stream was "
			   "reset (error %u) before an answer", h->status ?
			   (unsigned)h->status : h->rst);
		return;
	}
	/* a masked text frame, as over HTTP/1.1 (RFC 8441 5) */
	ws_make_mask(mask);
	hl = ws_frame_header(h->tx, 1, WS_TEXT, sizeof(MSG) - 1, mask);
	memcpy(h->tx + hl, MSG, sizeof(MSG) - 1);
	ws_mask(h->tx + hl, sizeof(MSG) - 1, mask, 0);
	h->txlen = hl + sizeof(MSG) - 1;
	nghttp2_session_resume_data(h->s, h->stream);
	if (pump(h, got_echo, clock_ms() + H2_MS) < 0 || h->rxlen < 2 ||
	    h->rxlen - 2 != sizeof(MSG) - 1 ||
	    memcmp(h->rx + 2, MSG, sizeof(MSG) - 1)) {
		check_fail(c, "an echo through the extended CONNECT stream",
			   "%s", h->closed ? "the stream ended" :
			   h->rxlen ? "other bytes came back" : h->err);
		return;
	}
	check_pass(c, "ALPN h2 with SETTINGS_ENABLE_CONNECT_PROTOCOL: an RFC "
		   "8441 WebSocket stream opened (200) and echoed");
}

/* No extended CONNECT: a browser's own HTTP/1.1 connection must do. */
static void fallback(struct check_ctx *c, const char *why)
{
	struct wsc_opts o;
	struct wsc w;
	char err[512];

	probe_opts(c, &o);
	o.alpn = "http/1.1";
	if (probe_open(c, &w, &o, NULL, 0, NULL, err, sizeof(err)) != WSC_OK) {
		check_fail(c, "a WebSocket over an http/1.1 connection, as a "
			   "browser falls back to", "%s (%s)", err, why);
	} else if (probe_echo(c, &w, WS_TEXT, MSG, sizeof(MSG) - 1,
			      "a message over the http/1.1 fallback") == 0) {
		check_pass(c, "%s: a browser's http/1.1 connection upgrades "
			   "and echoes", why);
	}
	wsc_free(&w);
}

static void run_front(struct check_ctx *c)
{
	struct h2 h;
	struct url u;
	char alpn[32] = "", why[200];

	if (url_parse(c->url, &u, h.err, sizeof(h.err)) < 0) {
		check_error(c, "%s", h.err);
		return;
	}
	if (!u.tls) {
		check_skip(c, "not a TLS listener: browsers speak HTTP/2 over "
			   "TLS only");
		return;
	}
	if (h2_open(c, &h, &u, "h2,http/1.1", alpn, sizeof(alpn)) < 0) {
		check_fail(c, "a TLS connection offering h2", "%s", h.err);
		goto out;
	}
	check_evidence_str(c, "alpn", alpn);
	if (strcmp(alpn, "h2")) {
		snprintf(why, sizeof(why), "ALPN chose %s", alpn[0] ? alpn :
			 "nothing (HTTP/1.1)");
		fallback(c, why);
		goto out;
	}
	if (h2_session(&h) < 0 || pump(&h, got_settings,
				       clock_ms() + H2_MS) < 0) {
		check_fail(c, "the server's SETTINGS", "%s", h.err);
		goto out;
	}
	check_evidence_num(c, "enable_connect_protocol", h.ecp);
	if (h.ecp == 1)
		extended_connect(c, &h, &u);
	else
		fallback(c, "ALPN h2 without SETTINGS_ENABLE_CONNECT_PROTOCOL");
out:
	h2_close(&h);
}

const struct check h2_checks[] = {
	{ "http2.front", "RFC 8441; RFC 9113 3.2; RFC 7301",
	  "a browser's WebSocket works on a listener that offers HTTP/2: "
	  "RFC 8441 when advertised, else its http/1.1 fallback",
	  run_front, NEEDS_NOTHING },
	{ NULL, NULL, NULL, NULL, 0 },
};
