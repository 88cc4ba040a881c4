/*
 * conn.c - a client connection's life: accept, the one timer, answers of
 * the proxy's own, the lingering close, and the deferred free.
 *
 * One timer per connection, armed at accept and never disarmed until the
 * end.  Traffic does not move it: the pumps stamp c->active, and when the
 * timer fires early it re-arms itself for active + timeout.  A fired
 * timer has just left the heap, so re-arming it never needs memory, and
 * loop_timer_set cannot fail after accept.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/net.h"
#include "proxy/conn.h"

void px_log(struct proxy *px, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	if (px->cfg->log_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "wsctl proxy: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write per line: lines from several processes do not mix */
	if (write(px->cfg->log_fd, line, n) < 0)
		return;
}

char *conn_client(const struct conn *c, char *buf, size_t len)
{
	return net_fmt_sockaddr(&c->addr.sa, buf, len);
}

static int64_t timeout_of(const struct conn *c)
{
	const struct proxy_config *cfg = c->gen->cfg;

	switch (c->state) {
	case CS_HEAD:
		return cfg->handshake_timeout_ms;
	case CS_CONNECT:
		return cfg->connect_timeout_ms;
	case CS_LINGER:
		return LINGER_MS;
	case CS_GOAWAY:
		return GOAWAY_MS;
	default:
		return cfg->read_timeout_ms;
	}
}

static void conn_timer(struct loop *loop, struct loop_timer *t);

void conn_arm(struct conn *c)
{
	loop_timer_set(c->px->loop, &c->timer, c->active + timeout_of(c),
		       conn_timer);
}

static void conn_timer(struct loop *loop, struct loop_timer *t)
{
	struct conn *c = container_of(t, struct conn, timer);
	int64_t deadline = c->active + timeout_of(c);
	char who[64], why[400];

	if (deadline > loop_now(loop)) {
		loop_timer_set(loop, t, deadline, conn_timer);
		return;
	}
	conn_client(c, who, sizeof(who));
	switch (c->state) {
	case CS_HEAD:
		snprintf(why, sizeof(why), "no complete request head in %lldms",
			 (long long)timeout_of(c));
		if (c->in.data)
			conn_reply(c, 408, why);
		else if (c->served)
			conn_close(c);	/* an idle keep-alive connection */
		else {
			px_log(c->px, "%s: %s", who, why);
			conn_close(c);
		}
		break;
	case CS_CONNECT:
		upstream_timeout(c);
		break;
	case CS_HTTP:
		if (c->res.kind == FR_HEAD && !c->replied) {
			snprintf(why, sizeof(why), "upstream %s sent no response "
				 "in %lldms", c->gen->lb.peers[c->peer].name,
				 (long long)timeout_of(c));
			upstream_close(c, 1);
			conn_reply(c, 504, why);
			break;
		}
		/* fall through */
	case CS_TUNNEL:
		px_log(c->px, "%s: idle for %lldms, closed", who,
		       (long long)timeout_of(c));
		alog_why(c, WHY_READ_TIMEOUT);
		conn_close(c);
		break;
	default:
		conn_close(c);
		break;
	}
}

/* Discard what the client still sends after our last byte, so that our
 * close does not turn into a reset that destroys the answer in flight. */
static void linger(struct conn *c)
{
	struct side *s = &c->cl;

	if (side_flush(s) < 0) {
		conn_close(c);
		return;
	}
	if (s->out.data)
		return;
	side_shut(s);
	while (s->rd) {
		int n = side_read(s, c->px->scratch, SCRATCH);

		if (n == -2)
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
	}
}

void conn_finish(struct conn *c)
{
	upstream_close(c, 0);
	buf_free(&c->in);
	buf_free(&c->resp);
	c->state = CS_LINGER;
	c->active = loop_now(c->px->loop);
	conn_arm(c);
	linger(c);
}

void conn_reply(struct conn *c, int status, const char *why)
{
	struct proxy *px = c->px;
	char who[64], body[512];
	int blen, len;

	px_log(px, "%s: %d %s", conn_client(c, who, sizeof(who)), status, why);
	upstream_close(c, 0);
	if (c->replied) {
		/* the client has part of a response: only a close tells it */
		alog_why(c, WHY_ERROR);
		conn_close(c);
		return;
	}
	px->totals.replies++;
	if (!c->log && !c->status)
		alog_begin(c, NULL, 0, NULL, 0);
	blen = snprintf(body, sizeof(body), "%d %s: %s\n", status,
			http_reason(status), why);
	if (blen >= (int)sizeof(body))
		blen = sizeof(body) - 1;
	len = snprintf(px->hbuf, HBUF,
		       "HTTP/1.1 %d %s\r\n"
		       "Content-Type: text/plain\r\n"
		       "Content-Length: %d\r\n"
		       "Connection: close\r\n\r\n%.*s",
		       status, http_reason(status), blen, blen, body);
	c->replied = 1;
	if (c->log)
		c->log->status = status;
	alog_tx(c, len);
	alog_end(c, WHY_DONE);
	if (side_send(&c->cl, px->hbuf, len) < 0) {
		conn_close(c);
		return;
	}
	conn_finish(c);
}

static void conn_free(struct loop *loop, struct loop_defer *d)
{
	struct conn *c = container_of(d, struct conn, defer);
	struct proxy *px = c->px;

	gen_put(c->gen);
	free(c);
	if (px->draining && !px->conns)
		loop_stop(loop);
}

void conn_close(struct conn *c)
{
	struct proxy *px = c->px;

	if (c->state == CS_CLOSED)
		return;
	alog_end(c, WHY_ERROR);
	upstream_close(c, 0);
	side_tls_free(&c->cl);
	loop_io_close(px->loop, &c->cl.io);
	loop_timer_stop(px->loop, &c->timer);
	buf_free(&c->cl.out);
	buf_free(&c->in);
	buf_free(&c->resp);
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->counted)
		px->nconns--;
	px->fds_reserved -= c->fds;
	c->state = CS_CLOSED;
	loop_defer(px->loop, &c->defer, conn_free);
}

void conn_drive(struct conn *c)
{
	switch (c->state) {
	case CS_HEAD:
		request_read(c);
		break;
	case CS_HTTP:
	case CS_TUNNEL:
		relay(c);
		break;
	case CS_LINGER:
		linger(c);
		break;
	case CS_GOAWAY:
		goaway_drive(c);
		break;
	default:
		/* connecting: the client waits until there is an upstream */
		break;
	}
}

static void client_event(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct conn *c = container_of(io, struct conn, cl.io);

	(void)loop;
	side_note(&c->cl, ev);
	conn_drive(c);
}

void conn_accept(struct proxy *px, const struct listener *l, int fd,
		 const struct sockaddr *sa, socklen_t sl)
{
	struct conn *c;

	/* the descriptors a connection may need are reserved at accept, so
	 * that the socket to its upstream can always be had: two for a
	 * client served, one for a refusal or a stats client; past the
	 * budget even a 503 would take a descriptor the others need */
	if (px->fds_reserved >= px->fd_budget) {
		px_log(px, "out of descriptors: a new connection closed "
		       "unanswered");
		close(fd);
		return;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		px_log(px, "out of memory: connection dropped");
		close(fd);
		return;
	}
	c->px = px;
	c->gen = px->gen;
	c->peer = -1;
	c->up.io.fd = -1;
	memcpy(&c->addr, sa, sl < sizeof(c->addr) ? sl : sizeof(c->addr));
	c->active = loop_now(px->loop);
	c->state = CS_HEAD;
	c->status = l->status;
	if (loop_io_add(px->loop, &c->cl.io, fd,
			LOOP_IN | LOOP_OUT | LOOP_EDGE, client_event) < 0 ||
	    loop_timer_set(px->loop, &c->timer, c->active + timeout_of(c),
			   conn_timer) < 0 ||
	    (l->tls && side_tls_start(&c->cl, l->tls) < 0)) {
		px_log(px, "cannot watch a new connection: out of memory");
		loop_timer_stop(px->loop, &c->timer);
		if (c->cl.io.fd >= 0)
			loop_io_close(px->loop, &c->cl.io);
		else
			close(fd);
		free(c);
		return;
	}
	c->next = px->conns;
	if (c->next)
		c->next->prev = c;
	px->conns = c;
	c->gen->refs++;
	c->fds = 1;
	px->fds_reserved++;
	/* try the read at once: the request is often there already, and a
	 * wasted read is cheaper than a trip through epoll_wait */
	c->cl.rd = 1;
	c->cl.wr = 1;
	if (c->status) {
		/* not a client: the stats count and limit only clients */
		request_begin(c);
		return;
	}
	px->totals.connections++;
	if (px->nconns >= px->max_conns ||
	    px->fds_reserved >= px->fd_budget) {
		conn_reply(c, 503, px->nconns >= px->max_conns ?
			   "over max-connections" : "out of descriptors");
		return;
	}
	c->counted = 1;
	c->fds = 2;
	px->fds_reserved++;
	px->nconns++;
	request_begin(c);
}

void conn_drain(struct proxy *px)
{
	struct conn *c, *next;

	for (c = px->conns; c; c = next) {
		next = c->next;
		/* waiting for a request that has not begun: none will come */
		if (c->state == CS_HEAD && !c->in.data)
			conn_close(c);
		else
			c->keepalive = 0;
	}
}

void conn_close_all(struct proxy *px)
{
	while (px->conns)
		conn_close(px->conns);
}
