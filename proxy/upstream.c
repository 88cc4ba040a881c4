/*
 * upstream.c - getting a connection to an upstream: pick one through the
 * balancer, connect without blocking, and on a refusal or a timeout move
 * on to the next, each upstream at most once per request.  Failures are
 * reported to the balancer, which takes a peer out after max_fails (the
 * passive health of nginx).  When nobody can take the request the client
 * gets 502, or 504 when the last attempt timed out.
 *
 * Only connecting is retried: once the request went out, a failure is
 * answered, not repeated, because the request may not be idempotent.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/conn.h"

/* Forget the upstream socket; what is queued for it stays. */
static void drop_socket(struct conn *c)
{
	struct buf out = c->up.out;

	loop_io_close(c->px->loop, &c->up.io);
	memset(&c->up, 0, sizeof(c->up));
	c->up.io.fd = -1;
	c->up.out = out;
}

void upstream_close(struct conn *c, int failed)
{
	if (c->peer >= 0) {
		enum lb_outcome o = failed ? LB_FAILED :
				    c->answered ? LB_OK : LB_NEUTRAL;

		lb_release(&c->gen->lb, c->peer, o, loop_now(c->px->loop));
		c->peer = -1;
	}
	buf_free(&c->up.out);
	drop_socket(c);
}

/* One attempt failed: tell the balancer and try the next upstream. */
static void attempt_failed(struct conn *c, const char *why, int timed_out)
{
	struct proxy *px = c->px;
	char who[64];

	px_log(px, "%s: upstream %s: %s", conn_client(c, who, sizeof(who)),
	       c->gen->lb.peers[c->peer].name, why);
	drop_socket(c);
	lb_release(&c->gen->lb, c->peer, LB_FAILED, loop_now(px->loop));
	c->peer = -1;
	c->timed_out = timed_out;
	upstream_connect(c);
}

/*
 * Start a non-blocking connect to peer i.  Returns 0 when under way, 1
 * when refused at once (errno set), -1 on a local failure (errno set).
 */
static int start(struct conn *c, const struct lb_peer *p)
{
	int fd, one = 1;

	fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* tunnels carry small messages both ways: no Nagle delays */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&p->addr, p->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return 1;
	}
	/* both directions, once: no epoll_ctl per message afterwards */
	if (loop_io_add(c->px->loop, &c->up.io, fd,
			LOOP_IN | LOOP_OUT | LOOP_EDGE, upstream_event) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

void upstream_connect(struct conn *c)
{
	struct proxy *px = c->px;

	for (;;) {
		int i = lb_pick(&c->gen->lb, &c->addr.sa, c->tried,
				loop_now(px->loop));
		char who[64], why[128];
		int r;

		if (i < 0) {
			buf_free(&c->up.out);
			if (c->timed_out)
				conn_reply(c, 504, "upstream timed out");
			else
				conn_reply(c, 502, "no upstream could take the "
					   "connection");
			return;
		}
		c->peer = i;
		c->tried |= 1ULL << i;
		if (c->log)
			c->log->peer = i;
		r = start(c, &c->gen->lb.peers[i]);
		if (r == 0) {
			c->state = CS_CONNECT;
			c->active = loop_now(px->loop);
			conn_arm(c);
			return;
		}
		if (r == 1) {
			snprintf(why, sizeof(why), "connect: %s",
				 strerror(errno));
			px_log(px, "%s: upstream %s: %s",
			       conn_client(c, who, sizeof(who)),
			       c->gen->lb.peers[i].name, why);
			lb_release(&c->gen->lb, i, LB_FAILED, loop_now(px->loop));
			c->peer = -1;
			c->timed_out = 0;
			continue;
		}
		/* out of descriptors, most likely: not the upstream's fault */
		snprintf(why, sizeof(why), "cannot open a socket: %s",
			 strerror(errno));
		lb_release(&c->gen->lb, i, LB_NEUTRAL, loop_now(px->loop));
		c->peer = -1;
		buf_free(&c->up.out);
		conn_reply(c, 502, why);
		return;
	}
}

void upstream_timeout(struct conn *c)
{
	char why[64];

	snprintf(why, sizeof(why), "connect timed out after %lldms",
		 (long long)c->gen->cfg->connect_timeout_ms);
	attempt_failed(c, why, 1);
}

/* The connect finished: send what was queued, then relay. */
static void connected(struct conn *c, unsigned ev)
{
	c->state = CS_HTTP;
	c->res.kind = FR_HEAD;
	c->active = loop_now(c->px->loop);
	conn_arm(c);
	side_note(&c->up, ev);
	relay(c);
}

void upstream_event(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct conn *c = container_of(io, struct conn, up.io);

	(void)loop;
	if (c->state == CS_CONNECT) {
		if (ev & LOOP_ERR) {
			int e = 0;
			socklen_t sl = sizeof(e);
			char why[128];

			getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &sl);
			snprintf(why, sizeof(why), "connect: %s",
				 e ? strerror(e) : "failed");
			attempt_failed(c, why, 0);
		} else if (ev & LOOP_OUT) {
			connected(c, ev);
		}
		return;
	}
	side_note(&c->up, ev);
	conn_drive(c);
}
