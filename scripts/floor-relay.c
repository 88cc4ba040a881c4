/*
 * floor-relay - the cheapest TCP relay this machine can run, as the floor
 * under scripts/bench-proxy's CPU figures: it moves bytes and does
 * nothing else.  No HTTP, no WebSocket framing, no timeouts, no logs; a
 * connect to the next backend (round robin) that blocks, which on
 * loopback completes at once; one read and one write per readable event,
 * as wsctl proxy does; both sides closed at the first end of either.
 * What it spends per round trip is, within a few percent, the kernel's
 * cost of the four socket operations (and the epoll_wait that finds
 * them), so a proxy's distance to it is what that proxy adds.
 *
 *   floor-relay LISTEN_PORT BACKEND_PORT...     (all on 127.0.0.1)
 *
 * A benchmark aid, not part of wsctl: bench-proxy builds it with cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "floor.h"


struct side {
	int fd;
	struct side *peer;
};

static int ep;
static struct sockaddr_in backends[MAX_BACKENDS];
static int nbackends, next_backend;
static char buf[65536];
static struct side gone;		/* an event of a pair just dropped */

static void watch(struct side *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };

	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Close both sides; the peer's struct goes with this one's. */
static void drop(struct side *s)
{
	struct side *p = s->peer;

	close(s->fd);
	close(p->fd);
	free(s < p ? s : p);
}

/* Write all of n bytes, waiting for room the rare time there is none. */
static int write_all(int fd, const char *b, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, (size_t)n);

		if (w > 0) {
			b += w;
			n -= w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 1000);
		} else if (w < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static void accept_some(int lfd)
{
	int i;

	for (i = 0; i < 64; i++) {
		int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK), u;
		struct side *pair;

		if (c < 0)
			return;
		u = socket(AF_INET, SOCK_STREAM, 0);
		if (u < 0 || connect(u, (struct sockaddr *)&backends[
		    next_backend++ % nbackends], sizeof(backends[0])) < 0 ||
		    !(pair = calloc(2, sizeof(*pair)))) {
			if (u >= 0)
				close(u);
			close(c);
			continue;
		}
		fcntl(u, F_SETFL, O_NONBLOCK);
		nodelay(c);
		nodelay(u);
		pair[0] = (struct side){ c, &pair[1] };
		pair[1] = (struct side){ u, &pair[0] };
		watch(&pair[0]);
		watch(&pair[1]);
	}
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	int lfd, i, n;

	lfd = floor_listen(argc, argv, "floor-relay", SOCK_NONBLOCK, backends, &nbackends);
	ep = epoll_create1(0);
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	}
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			struct side *s = evs[i].data.ptr, *peer;
			ssize_t r;

			if (s == &gone)
				continue;
			if (!s) {
				accept_some(lfd);
				continue;
			}
			r = read(s->fd, buf, sizeof(buf));
			if (r > 0 && write_all(s->peer->fd, buf, r) == 0)
				continue;
			if (r < 0 && errno == EAGAIN)
				continue;
			peer = s->peer;
			drop(s);
			/* the pair may have more events in evs: skip them */
			for (int j = i + 1; j < n; j++)
				if (evs[j].data.ptr == peer)
					evs[j].data.ptr = &gone;
		}
	}
}
