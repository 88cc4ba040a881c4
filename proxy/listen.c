/*
 * listen.c - the listening sockets: open them at start, accept in
 * batches, and back off for a moment when the process runs out of
 * descriptors instead of spinning on a listener that stays readable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/net.h"
#include "proxy/listen.h"

#define BACKLOG 4096		/* the kernel caps it at somaxconn */
#define ACCEPT_BATCH 64		/* then let the open connections run */
#define PAUSE_MS 100

int listen_open(struct proxy *px, char *err, size_t errlen)
{
	const struct proxy_config *cfg = px->cfg;

	for (int i = 0; i < cfg->nlisten; i++) {
		int fds[4], n;

		n = net_listen(cfg->listen[i], fds, 4, BACKLOG, err, errlen);
		if (n < 0)
			return -1;
		for (int k = 0; k < n; k++) {
			int one = 1;

			/* accepted sockets inherit it: one call, not one each;
			 * tunnels carry small messages both ways */
			setsockopt(fds[k], IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			px->lsn[px->nlsn].io.fd = fds[k];
			px->lsn[px->nlsn].px = px;
			px->nlsn++;
		}
	}
	return 0;
}

static void pause_accepts(struct proxy *px, int on)
{
	for (int i = 0; i < px->nlsn; i++)
		if (px->lsn[i].io.fd >= 0)
			loop_io_mod(px->loop, &px->lsn[i].io, on ? 0 : LOOP_IN);
}

static void resume(struct loop *loop, struct loop_timer *t)
{
	struct proxy *px = container_of(t, struct proxy, accept_timer);

	(void)loop;
	pause_accepts(px, 0);
}

static void on_accept(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct proxy *px = container_of(io, struct listener, io)->px;

	(void)ev;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(io->fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_accept(px, fd, (struct sockaddr *)&ss, sl);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		px_log(px, "accept: %s; pausing accepts for %dms",
		       strerror(errno), PAUSE_MS);
		pause_accepts(px, 1);
		loop_timer_set(loop, &px->accept_timer,
			       loop_now(loop) + PAUSE_MS, resume);
		return;
	}
}

int listen_start(struct proxy *px)
{
	for (int i = 0; i < px->nlsn; i++) {
		int fd = px->lsn[i].io.fd;

		if (loop_io_add(px->loop, &px->lsn[i].io, fd, LOOP_IN,
				on_accept) < 0) {
			px->lsn[i].io.fd = fd;
			return -1;
		}
	}
	return 0;
}

void listen_close(struct proxy *px)
{
	loop_timer_stop(px->loop, &px->accept_timer);
	for (int i = 0; i < px->nlsn; i++)
		loop_io_close(px->loop, &px->lsn[i].io);
}
