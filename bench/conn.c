/*
 * conn.c - one benchmark connection's life: a non-blocking connect, the
 * upgrade request (written at once: on loopback the connect is usually
 * done by then), the 101 judged as RFC 6455 4.1 asks, the backend it
 * names counted, and the deadline of whatever it waits for.  Once open,
 * frames.c has it.
 *
 * Deadlines cost no timer operation per message: a send only stamps
 * c->deadline, and the timer, armed once, moves itself on when it fires
 * early.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/priv.h"
#include "common/http.h"

#define MAX_HEADERS 64

static void on_event(struct loop *loop, struct loop_io *io, unsigned ev);
static void tls_on(struct bconn *c);
static void on_deadline(struct loop *loop, struct loop_timer *t);

void bconn_end(struct bconn *c, enum bc_end how)
{
	struct bench *b = c->b;

	bconn_tls_end(c);
	loop_io_close(b->loop, &c->io);
	loop_timer_stop(b->loop, &c->timer);
	loop_timer_stop(b->loop, &c->pace);
	if (c->head) {
		bench_head_put(b, c->head);
		c->head = NULL;
	}
	c->state = BC_IDLE;
	bench_on_end(b, c, how);
}

int bconn_fail(struct bconn *c, enum bench_err e, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bench_error(c->b, e, "%s", msg);
	bconn_end(c, c->up ? END_FAIL : END_FAIL_OPEN);
	return -1;
}

void bconn_abort(struct bconn *c)
{
	if (bconn_alive(c))
		bconn_end(c, END_ABORT);
}

/* ---- opening ---- */

/*
 * Write what is left of the request head to fd.  Returns 1 when it is all
 * out, 0 when fd takes no more for now (or is still connecting), or -1
 * with errno set (a failed connect shows here too).
 */
static int put_request(struct bconn *c, int fd)
{
	while (c->head_off < c->head_len) {
		ssize_t n = c->tls ? bio_write(c, c->head + c->head_off,
					       c->head_len - c->head_off) :
			    write(fd, c->head + c->head_off,
				  c->head_len - c->head_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->b->r->wire_out += n;
		c->head_off += n;
	}
	return 1;
}

/* A failed connect, or a failure halfway through the request. */
static int request_failed(struct bconn *c, int e)
{
	if (e == EPROTO)
		return bconn_fail(c, BERR_CLOSED, "sending the request: %s",
				  bench_io_error());
	if (c->head_off)
		return bconn_fail(c, BERR_CLOSED, "sending the request: %s",
				  strerror(e));
	return bconn_fail(c, e == ECONNREFUSED ? BERR_REFUSED : BERR_CONNECT,
			  "connect: %s", strerror(e));
}

void bconn_start(struct bconn *c)
{
	struct bench *b = c->b;
	char key[WS_KEY_LEN + 1];
	int fd, one = 1, r;

	c->state = BC_CONNECT;
	c->up = c->waiting = c->failed = c->close_got = 0;
	c->have_hdr = c->in_msg = c->fh_len = c->ctl_len = 0;
	c->out_left = 0;
	c->cout_len = c->cout_off = 0;
	c->backend = -1;
	c->io.fd = -1;
	c->t_start = bench_now_ns();
	b->r->attempts++;

	c->head = bench_head_get(b);
	if (!c->head) {
		bconn_fail(c, BERR_CONNECT, "out of memory");
		return;
	}
	if (ws_make_key(key) < 0) {
		bconn_fail(c, BERR_CONNECT, "no randomness for a key");
		return;
	}
	memcpy(c->head, b->req, b->req_len);
	memcpy(c->head + b->key_off, key, WS_KEY_LEN);
	c->head_len = b->req_len;
	c->head_off = 0;
	ws_accept_key(key, WS_KEY_LEN, c->accept);

	fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		bconn_fail(c, BERR_CONNECT, "socket: %s", strerror(errno));
		return;
	}
	/* small messages both ways: no Nagle delays */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = connect(fd, (struct sockaddr *)&b->addr, b->addrlen);
	/* on loopback the connect is usually done before connect() returns
	 * EINPROGRESS: try the request at once, and save a wakeup; wss
	 * waits for the connect, to time it and then TLS apart */
	if (r == 0 || errno == EINPROGRESS)
		r = b->tls ? 0 : put_request(c, fd);
	if (r < 0) {
		int e = errno;

		close(fd);
		request_failed(c, e);
		return;
	}
	if (r == 1) {
		c->state = BC_HEAD;
		c->head_len = 0;
	} else if (c->head_off) {
		c->state = BC_REQUEST;
	}
	if (loop_io_add(b->loop, &c->io, fd, r == 1 ? LOOP_IN : LOOP_OUT,
			on_event) < 0) {
		int e = errno;

		close(fd);
		bconn_fail(c, BERR_CONNECT, "epoll: %s", strerror(e));
		return;
	}
	c->deadline = loop_now(b->loop) + b->cfg->timeout_ms;
	loop_timer_set(b->loop, &c->timer, c->deadline, on_deadline);
}

/* Connected (or failed to): the rest of the request head. */
static void write_request(struct bconn *c)
{
	int r = put_request(c, c->io.fd);

	if (r < 0) {
		request_failed(c, errno);
	} else if (r == 0) {
		if (c->head_off)
			c->state = BC_REQUEST;
	} else {
		c->state = BC_HEAD;
		c->head_len = 0;
		loop_io_mod(c->b->loop, &c->io, LOOP_IN);
	}
}

static int has_token(const struct http_header *h, size_t n, const char *name,
		     const char *token)
{
	const struct http_header *v = http_find(h, n, name);

	return v && http_has_token(v->value, v->value_len, token);
}

/* The backend named by X-Wsctl-Backend, counted. */
static void note_backend(struct bconn *c, const struct http_header *h,
			 size_t n)
{
	struct bench_result *r = c->b->r;
	const struct http_header *v = http_find(h, n, "X-Wsctl-Backend");
	unsigned i;

	if (!v) {
		r->backend_none++;
		return;
	}
	for (i = 0; i < r->nbackends; i++)
		if (strlen(r->backends[i].id) == v->value_len &&
		    !memcmp(v->value, r->backends[i].id, v->value_len))
			break;
	if (i == r->nbackends) {
		if (i == BENCH_MAX_BACKENDS ||
		    v->value_len >= sizeof(r->backends[i].id)) {
			r->backend_other++;
			return;
		}
		memcpy(r->backends[i].id, v->value, v->value_len);
		r->backends[i].id[v->value_len] = '\0';
		r->nbackends++;
	}
	r->backends[i].conns++;
	c->backend = (int16_t)i;
}

/* A complete response head: is it the upgrade? */
static int judge(struct bconn *c, const struct http_response *res)
{
	const struct http_header *h = res->headers, *a;
	size_t n = res->num_headers;

	if (res->status != 101) {
		c->b->r->status[res->status]++;
		return bconn_fail(c, BERR_STATUS, "server answered %d %.*s",
				  res->status, (int)res->reason_len,
				  res->reason);
	}
	if (!has_token(h, n, "Upgrade", "websocket"))
		return bconn_fail(c, BERR_HANDSHAKE,
				  "101 without Upgrade: websocket");
	if (!has_token(h, n, "Connection", "upgrade"))
		return bconn_fail(c, BERR_HANDSHAKE, "101 without Connection: "
				  "upgrade");
	a = http_find(h, n, "Sec-WebSocket-Accept");
	if (!a || a->value_len != WS_ACCEPT_LEN ||
	    memcmp(a->value, c->accept, WS_ACCEPT_LEN))
		return bconn_fail(c, BERR_HANDSHAKE, "101 with a wrong or no "
				  "Sec-WebSocket-Accept");
	a = http_find(h, n, "Sec-WebSocket-Protocol");
	if (a && (!c->b->cfg->protocols ||
		  !http_list_has(c->b->cfg->protocols,
				 strlen(c->b->cfg->protocols), a->value,
				 a->value_len)))
		return bconn_fail(c, BERR_HANDSHAKE, "101 chose subprotocol "
				  "'%.*s', which was not offered",
				  (int)a->value_len, a->value);
	note_backend(c, h, n);
	return 0;
}

static void read_head(struct bconn *c)
{
	struct bench *b = c->b;
	struct http_header h[MAX_HEADERS];
	struct http_response res = { .headers = h, .num_headers = MAX_HEADERS };
	ssize_t n;
	int len;

	n = bio_read(c, c->head + c->head_len, BENCH_HEAD_MAX - c->head_len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		bconn_fail(c, BERR_CLOSED, "before the response: %s",
			   errno == EPROTO ? bench_io_error() : strerror(errno));
		return;
	}
	if (n == 0) {
		bconn_fail(c, BERR_CLOSED, "closed before a response");
		return;
	}
	b->r->wire_in += n;
	c->head_len += n;
	len = http_parse_response(c->head, c->head_len, &res);
	if (len == -2 && c->head_len == BENCH_HEAD_MAX)
		bconn_fail(c, BERR_HANDSHAKE, "response head over %d bytes",
			   BENCH_HEAD_MAX);
	else if (len == -1)
		bconn_fail(c, BERR_HANDSHAKE, "malformed response head");
	if (len < 0 || judge(c, &res) < 0)
		return;

	hist_add(&b->r->handshake_us, (bench_now_ns() - c->t_start) / 1000);
	if (b->iv)
		hist_add(&b->iv[1], (bench_now_ns() - c->t_start) / 1000);
	b->r->handshakes++;
	c->state = BC_OPEN;
	c->up = 1;
	bench_on_open(b, c);
	/* frames the server sent right behind its head */
	if (bconn_alive(c) && (size_t)len < c->head_len)
		bconn_frames(c, (uint8_t *)c->head + len, c->head_len - len);
	if (bconn_alive(c)) {
		bench_head_put(b, c->head);
		c->head = NULL;
	}
}

/* wss: the connect is over (or failed); the TLS handshake begins. */
static void connected(struct bconn *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e) {
		request_failed(c, e);
		return;
	}
	c->t_tls = bench_now_ns();
	hist_add(&c->b->r->tcp_us, (c->t_tls - c->t_start) / 1000);
	c->state = BC_TLS;
	tls_on(c);
}

/* wss: a step of the TLS handshake, then the request. */
static void tls_on(struct bconn *c)
{
	if (bconn_tls_step(c) != 0)
		return;
	hist_add(&c->b->r->tls_us, (bench_now_ns() - c->t_tls) / 1000);
	c->state = BC_REQUEST;
	if (!(c->io.mask & LOOP_OUT))
		loop_io_mod(c->b->loop, &c->io, LOOP_OUT);
	write_request(c);
}

static void on_event(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct bconn *c = container_of(io, struct bconn, io);

	(void)loop;
	switch (c->state) {
	case BC_CONNECT:
		if (c->b->tls)
			connected(c);
		else
			write_request(c);
		break;
	case BC_TLS:
		tls_on(c);
		break;
	case BC_REQUEST:
		write_request(c);
		break;
	case BC_HEAD:
		read_head(c);
		break;
	case BC_OPEN:
	case BC_CLOSING:
		if ((ev & (LOOP_OUT | LOOP_ERR)) && bconn_flush(c) < 0)
			return;
		if (ev & (LOOP_IN | LOOP_HUP | LOOP_ERR))
			bconn_read(c);
		break;
	}
}

static void on_deadline(struct loop *loop, struct loop_timer *t)
{
	struct bconn *c = container_of(t, struct bconn, timer);
	int64_t now = loop_now(loop);
	const char *what;

	/* open and not waiting for anything: look again later */
	if (c->state == BC_OPEN && !c->waiting)
		c->deadline = now + c->b->cfg->timeout_ms;
	/* the wait was moved on since the timer was armed */
	if (c->deadline > now) {
		loop_timer_set(loop, t, c->deadline, on_deadline);
		return;
	}
	if (c->state == BC_OPEN)
		what = "no echo";
	else if (c->state == BC_CLOSING)
		what = "no close";
	else if (c->state == BC_CONNECT)
		what = "no connection";
	else if (c->state == BC_TLS)
		what = "no TLS handshake";
	else
		what = "no response";
	bconn_fail(c, BERR_TIMEOUT, "%s within %lld ms", what,
		   (long long)c->b->cfg->timeout_ms);
}
