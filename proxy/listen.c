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

/* The next listener of px->lsn, which has room for it. */
static struct listener *fill(struct proxy *px, int fd, SSL_CTX *tls,
			     const char *spec, int index, int worker)
{
	struct listener *l = &px->lsn[px->nlsn++];

	memset(l, 0, sizeof(*l));
	l->io.fd = fd;
	l->px = px;
	l->tls = tls;
	l->spec = spec;
	l->index = (int16_t)index;
	l->worker = (int16_t)worker;
	l->status = index < 0;
	return l;
}

/* One more listener: px->lsn has room for nlsn rounded up to 16. */
static struct listener *add(struct proxy *px, int fd, SSL_CTX *tls,
			    const char *spec, int index, int worker)
{
	struct listener *l;

	if (px->nlsn % 16 == 0) {
		l = realloc(px->lsn, (px->nlsn + 16) * sizeof(*l));
		if (!l)
			return NULL;
		px->lsn = l;
	}
	return fill(px, fd, tls, spec, index, worker);
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

/* Open spec (cfg->listen[index], or the stats one for -1): one socket
 * per address it names, or with workers one per worker and address. */
static int open_spec(struct proxy *px, const char *spec, SSL_CTX *tls,
		     int index, char *err, size_t errlen)
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
			if (!add(px, fds[k], tls, spec, index, -1))
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
			if (!add(px, t, tls, spec, index, (int)w)) {
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

static int open_all(struct proxy *px, const struct gen *g, char *err,
		    size_t errlen)
{
	const struct proxy_config *cfg = g->cfg;

	for (int i = 0; i < cfg->nlisten; i++)
		if (open_spec(px, cfg->listen[i].addr, g->tls[i], i, err,
			      errlen) < 0)
			return -1;
	if (cfg->status_listen &&
	    open_spec(px, cfg->status_listen, NULL, -1, err, errlen) < 0)
		return -1;
	return 0;
}

int listen_open(struct proxy *px, const struct gen *g, char *err,
		size_t errlen)
{
	return open_all(px, g, err, errlen);
}

int listen_same(const struct proxy_config *a, const struct proxy_config *b)
{
	if (a->nlisten != b->nlisten ||
	    !a->status_listen != !b->status_listen ||
	    (a->status_listen && strcmp(a->status_listen, b->status_listen)))
		return 0;
	for (int i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].addr, b->listen[i].addr) ||
		    !a->listen[i].tls_cert != !b->listen[i].tls_cert)
			return 0;
	return 1;
}

/* The listeners of old[0..n) on spec (a stats one when index < 0). */
static int on_spec(const struct listener *l, const char *spec, int index)
{
	return l->io.fd >= 0 && l->status == (index < 0) &&
	       !strcmp(l->spec, spec);
}

static int count_on(const struct listener *old, int n, const char *spec,
		    int index)
{
	int got = 0;

	for (int k = 0; k < n; k++)
		got += on_spec(&old[k], spec, index);
	return got;
}

/* spec's new sockets when old has none on it; else how many it has */
static int fresh(struct proxy *px, struct listener *old, int nold,
		 const char *spec, SSL_CTX *tls, int index, int *keep,
		 char *err, size_t errlen)
{
	int n = count_on(old, nold, spec, index);

	*keep += n;
	return n ? 0 : open_spec(px, spec, tls, index, err, errlen);
}

/* old's sockets on spec go over to px->lsn, which has room for them */
static void move(struct proxy *px, struct listener *old, int nold,
		 const char *spec, SSL_CTX *tls, int index)
{
	for (int k = 0; k < nold; k++)
		if (on_spec(&old[k], spec, index))
			fill(px, loop_io_release(px->loop, &old[k].io), tls,
			     spec, index, -1);
}

int listen_reopen(struct proxy *px, const struct gen *g, char *err,
		  size_t errlen)
{
	const struct proxy_config *cfg = g->cfg;
	struct listener *old = px->lsn, *room;
	int nold = px->nlsn, keep = 0, i;

	/* the addresses only the new config has, first: when one of them
	 * cannot be had, nothing has changed yet */
	px->lsn = NULL;
	px->nlsn = 0;
	for (i = 0; i < cfg->nlisten; i++)
		if (fresh(px, old, nold, cfg->listen[i].addr, g->tls[i], i,
			  &keep, err, errlen) < 0)
			goto undo;
	if (cfg->status_listen && fresh(px, old, nold, cfg->status_listen,
					NULL, -1, &keep, err, errlen) < 0)
		goto undo;
	/* room for the ones that stay, so that moving them cannot fail
	 * (and for add's rounding up, later) */
	room = realloc(px->lsn, (size_t)(px->nlsn + keep + 16) * sizeof(*room));
	if (!room) {
		err_fmt(err, errlen, "out of memory");
		goto undo;
	}
	px->lsn = room;
	for (i = 0; i < cfg->nlisten; i++)
		move(px, old, nold, cfg->listen[i].addr, g->tls[i], i);
	if (cfg->status_listen)
		move(px, old, nold, cfg->status_listen, NULL, -1);
	/* what is left of old is on addresses the new config dropped */
	loop_timer_stop(px->loop, &px->accept_timer);
	for (i = 0; i < nold; i++)
		loop_io_close(px->loop, &old[i].io);
	free(old);
	if (listen_start(px) < 0)
		px_log(px, "reload: epoll: %s; some listeners are not "
		       "accepting", strerror(errno));
	return 0;
undo:
	for (i = 0; i < px->nlsn; i++)
		close(px->lsn[i].io.fd);
	free(px->lsn);
	px->lsn = old;
	px->nlsn = nold;
	return -1;
}

void listen_retls(struct proxy *px, const struct gen *g)
{
	for (int i = 0; i < px->nlsn; i++) {
		struct listener *l = &px->lsn[i];

		l->tls = l->index >= 0 ? g->tls[l->index] : NULL;
		l->spec = l->index >= 0 ? g->cfg->listen[l->index].addr :
			  g->cfg->status_listen;
	}
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
