/*
 * listen.c - the listening sockets: open them at start, accept in
 * batches, and back off for a moment when the process runs out of
 * descriptors instead of spinning on a listener that stays readable.
 *
 * With --workers every address gets one socket per worker, bound with
 * SO_REUSEPORT, so that the kernel spreads connections over the workers
 * and no worker wakes for another's (no thundering herd, no accept
 * mutex).  The stats listener is opened the same way: a stats request
 * reaches one worker, which says which.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "common/err.h"
#include "common/net.h"
#include "proxy/listen.h"

#define BACKLOG 4096		/* the kernel caps it at somaxconn */
#define ACCEPT_BATCH 64		/* then let the open connections run */
#define PAUSE_MS 100

/* Room for one more listener in px->lsn. */
static struct listener *add(struct proxy *px, int fd, SSL_CTX *tls,
			    int worker, int status)
{
	struct listener *l;

	if (px->nlsn % 16 == 0) {
		l = realloc(px->lsn, (px->nlsn + 16) * sizeof(*l));
		if (!l)
			return NULL;
		px->lsn = l;
	}
	l = &px->lsn[px->nlsn++];
	memset(l, 0, sizeof(*l));
	l->io.fd = fd;
	l->px = px;
	l->tls = tls;
	l->worker = worker;
	l->status = status;
	return l;
}

/*
 * Another listening socket on fd's address, for a worker: SO_REUSEPORT
 * lets the kernel spread new connections over the sockets of a port.
 * fd has SO_REUSEPORT set already, so that the new one may bind while fd
 * is still bound (and port 0 stays the port fd got).
 */
static int twin(int fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), ol = sizeof(int);
	int t, one = 1, v6only = 0;
	char name[80];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return err_fmt(err, errlen, "getsockname: %s",
			       strerror(errno));
	net_fmt_sockaddr((struct sockaddr *)&ss, name, sizeof(name));
	t = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   0);
	if (t < 0)
		return err_fmt(err, errlen, "socket: %s", strerror(errno));
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(t, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 &&
	    getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol) == 0)
		setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	if (bind(t, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(t, BACKLOG) < 0) {
		err_fmt(err, errlen, "bind %s with SO_REUSEPORT: %s", name,
			strerror(errno));
		close(t);
		return -1;
	}
	return t;
}

/* Open spec: one socket per address it names, or with workers one per
 * worker and address. */
static int open_spec(struct proxy *px, const char *spec, SSL_CTX *tls,
		     int status, char *err, size_t errlen)
{
	unsigned workers = px->cfg->workers > 1 ? px->cfg->workers : 1;
	int fds[4], n, k, one = 1;

	n = net_listen(spec, fds, 4, BACKLOG, err, errlen);
	if (n < 0)
		return -1;
	for (k = 0; k < n; k++) {
		/* accepted sockets inherit it: one call, not one each;
		 * tunnels carry small messages both ways */
		setsockopt(fds[k], IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof(one));
		if (workers == 1) {
			if (!add(px, fds[k], tls, -1, status))
				goto nomem;
			continue;
		}
		setsockopt(fds[k], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		for (unsigned w = 0; w < workers; w++) {
			int t = twin(fds[k], err, errlen);

			if (t < 0)
				goto fail;
			setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			if (!add(px, t, tls, w, status)) {
				close(t);
				goto nomem;
			}
		}
		/* the twins hold the port now */
		close(fds[k]);
		fds[k] = -1;
	}
	return 0;
nomem:
	err_fmt(err, errlen, "out of memory");
fail:
	/* those before k are in px->lsn (or closed), for proxy_free */
	for (; k < n; k++)
		close(fds[k]);
	return -1;
}

int listen_open(struct proxy *px, char *err, size_t errlen)
{
	const struct proxy_config *cfg = px->cfg;

	for (int i = 0; i < cfg->nlisten; i++)
		if (open_spec(px, cfg->listen[i].addr, px->tls[i], 0, err,
			      errlen) < 0)
			return -1;
	if (cfg->status_listen &&
	    open_spec(px, cfg->status_listen, NULL, 1, err, errlen) < 0)
		return -1;
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
			conn_accept(px, container_of(io, struct listener, io),
				    fd, (struct sockaddr *)&ss, sl);
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

		if (fd < 0)
			continue;
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
