/*
 * wsc_io.c - the bytes under a WebSocket client connection: reads into
 * the connection's buffer and whole writes, over TCP or TLS, each bounded
 * by a deadline.  The socket is non-blocking; waiting is done with poll.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net.h"
#include "common/tls.h"
#include "common/wsc_priv.h"

int wsc_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int64_t wsc_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
}

/* Wait for events on c->fd.  Returns 1 when ready, 0 at the deadline. */
static int wait_fd(struct wsc *c, short events, int64_t deadline, char *err,
		   size_t errlen)
{
	struct pollfd p = { .fd = c->fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - clock_ms();
			if (left <= 0)
				return 0;
		}
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return wsc_fail(-1, err, errlen, "poll: %s",
					strerror(errno));
	}
}

/*
 * Make room for need bytes from roff, and at least one more than are
 * buffered: slide the data down first, grow only when that is not enough.
 */
static int make_room(struct wsc *c, size_t need)
{
	size_t have, cap;
	uint8_t *p;

	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
	have = c->rlen - c->roff;
	if (need <= have)
		need = have + 1;
	if (c->roff && c->roff + need > c->rcap) {
		memmove(c->rbuf, c->rbuf + c->roff, have);
		c->rlen = have;
		c->roff = 0;
	}
	if (c->roff + need <= c->rcap)
		return 0;
	cap = c->rcap > WSC_RBUF_MIN ? c->rcap : WSC_RBUF_MIN;
	while (cap < c->roff + need)
		cap *= 2;
	if (!(p = realloc(c->rbuf, cap)))
		return -1;
	c->rbuf = p;
	c->rcap = cap;
	return 0;
}

int wsc_io_fill(struct wsc *c, size_t need, int64_t deadline, char *err,
		size_t errlen)
{
	size_t room;
	ssize_t n;
	short ev;

	if (make_room(c, need) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	room = c->rcap - c->rlen;
	for (;;) {
		if (c->tls) {
			n = tls_read(c->tls, c->rbuf + c->rlen, room, err,
				     errlen);
			ev = n == TLS_WANT_WRITE ? POLLOUT : POLLIN;
			if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
				n = -2;
		} else {
			n = recv(c->fd, c->rbuf + c->rlen, room, 0);
			ev = POLLIN;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
				      errno == EINTR))
				n = -2;
			else if (n < 0)
				wsc_fail(0, err, errlen, "recv: %s",
					 strerror(errno));
		}
		if (n > 0) {
			c->rlen += (size_t)n;
			return WSC_OK;
		}
		if (n == 0)
			return wsc_fail(WSC_ERR_EOF, err, errlen,
					"connection closed by the server");
		if (n == -1)
			return WSC_ERR_IO;
		n = wait_fd(c, ev, deadline, err, errlen);
		if (n == 0)
			return wsc_fail(WSC_ERR_TIMEOUT, err, errlen,
					"timed out");
		if (n < 0)
			return WSC_ERR_IO;
	}
}

int wsc_io_write(struct wsc *c, const void *buf, size_t len,
		 int64_t deadline, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	ssize_t n;
	short ev;
	int w;

	while (len) {
		if (c->tls) {
			n = tls_write(c->tls, p, len, err, errlen);
			ev = n == TLS_WANT_READ ? POLLIN : POLLOUT;
			if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
				n = -2;
		} else {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
			ev = POLLOUT;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
				      errno == EINTR))
				n = -2;
			else if (n < 0)
				wsc_fail(0, err, errlen, "send: %s",
					 strerror(errno));
		}
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n != -2)
			return WSC_ERR_IO;
		w = wait_fd(c, ev, deadline, err, errlen);
		if (w == 0)
			return wsc_fail(WSC_ERR_TIMEOUT, err, errlen,
					"send timed out: the peer is not "
					"reading");
		if (w < 0)
			return WSC_ERR_IO;
	}
	return WSC_OK;
}
