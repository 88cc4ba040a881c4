/*
 * server.c - the proxy as a whole: open (limits, balancer, listeners),
 * run (signals, the loop, the drain at exit) and free.
 *
 * Signals arrive through a signalfd watched by the loop, so SIGTERM is
 * handled between two callbacks like any other event: no flag polling,
 * no work in a handler.  The first SIGTERM or SIGINT stops accepting and
 * lets open connections finish for cfg->drain_ms; a second one, or the
 * end of that time, closes whatever is left.  SIGHUP reloads the
 * configuration (reload.c), SIGUSR1 reopens the access log.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/err.h"
#include "common/net.h"
#include "proxy/listen.h"

#define FD_RESERVE 32		/* listeners, the loop, logs, and spare */
#define REFUSE_MAX 256		/* descriptors kept for refusals, at most */

/* Descriptors are the proxy's real limit: take all the hard limit gives. */
static rlim_t raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

void px_set_limit(struct proxy *px)
{
	unsigned refuse = px->fd_budget / 8 < REFUSE_MAX ? px->fd_budget / 8
							 : REFUSE_MAX;
	unsigned max = px->cfg->max_connections;

	px->max_conns = (px->fd_budget - refuse) / 2;
	if (max && max < px->max_conns)
		px->max_conns = max;
}

struct proxy *proxy_open(const struct proxy_config *cfg, char *err,
			 size_t errlen)
{
	struct proxy *px;
	rlim_t nofile;

	if (cfg->nlisten < 1) {
		snprintf(err, errlen, "nothing to listen on");
		return NULL;
	}
	px = calloc(1, sizeof(*px));
	if (!px) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	px->cfg = cfg;
	px->sig.fd = -1;
	nofile = raise_nofile();
	/* each connection served holds two descriptors, client and
	 * upstream; a few are kept for the 503s of those past the limit */
	px->fd_budget = nofile > 2 * FD_RESERVE ? nofile - FD_RESERVE
						: FD_RESERVE;
	px_set_limit(px);
	px->alog_fd = -1;
	px->started_ms = px_wall_ms();
	if (!(px->gen = gen_new(cfg, err, errlen)))
		goto fail;
	if (alog_open(cfg, &px->alog_fd, err, errlen) < 0)
		goto fail;
	if (listen_open(px, px->gen, err, errlen) < 0)
		goto fail;
	return px;
fail:
	proxy_free(px);
	return NULL;
}

void proxy_on_reload(struct proxy *px, proxy_reload_fn *fn, void *arg)
{
	px->reload = fn;
	px->reload_arg = arg;
}

const char *proxy_address(struct proxy *px, int i, char *buf, size_t len)
{
	char addr[80];

	/* workers' twins share an address: name the first of each */
	for (int k = 0; k < px->nlsn; k++) {
		const struct listener *l = &px->lsn[k];

		if (l->worker > 0 || l->io.fd < 0 || i-- > 0)
			continue;
		net_fmt_fd(l->io.fd, 0, addr, sizeof(addr));
		snprintf(buf, len, "%s %s%s", l->status ? "stats on" :
			 "listening on", addr, l->tls ? " (tls)" : "");
		return buf;
	}
	return NULL;
}

/* The end, at last: whatever is still open is closed now. */
static void goaway_over(struct loop *loop, struct loop_timer *t)
{
	struct proxy *px = container_of(t, struct proxy, drain_timer);

	conn_close_all(px);
	loop_stop(loop);
}

/*
 * The drain time is over: websocket tunnels are told 1001 (goaway.c)
 * and get GOAWAY_MS for their closing handshakes; everything else is
 * closed now.
 */
static void drain_over(struct loop *loop, struct loop_timer *t)
{
	struct proxy *px = container_of(t, struct proxy, drain_timer);
	struct conn *c, *next;
	unsigned n = 0, ws = 0;

	for (c = px->conns; c; c = c->next)
		n++;
	px->closing = 1;
	for (c = px->conns; c; c = next) {
		next = c->next;
		alog_why(c, WHY_DRAIN);
		if (conn_goaway(c))
			ws++;
		else
			conn_close(c);
	}
	px_log(px, "drain time over: closing %u connection%s, %u with a "
	       "close frame", n, n == 1 ? "" : "s", ws);
	if (!px->conns) {
		loop_stop(loop);
		return;
	}
	loop_timer_set(loop, &px->drain_timer, loop_now(loop) + GOAWAY_MS,
		       goaway_over);
}

static void on_signal(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct proxy *px = container_of(io, struct proxy, sig);
	struct signalfd_siginfo si;

	(void)ev;
	if (read(io->fd, &si, sizeof(si)) != sizeof(si))
		return;
	/* nginx's signals: SIGHUP reloads, SIGUSR1 reopens the logs */
	if (si.ssi_signo == SIGHUP && px->reload && !px->draining) {
		proxy_reload(px);
		return;
	}
	if (si.ssi_signo == SIGHUP || si.ssi_signo == SIGUSR1) {
		alog_reopen(px);
		return;
	}
	if (px->closing) {
		loop_timer_stop(loop, &px->drain_timer);
		goaway_over(loop, &px->drain_timer);
		return;
	}
	if (px->draining) {
		loop_timer_stop(loop, &px->drain_timer);
		drain_over(loop, &px->drain_timer);
		return;
	}
	px_log(px, "%s: draining for %lldms",
	       si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
	       (long long)px->cfg->drain_ms);
	px->draining = 1;
	listen_close(px);
	conn_drain(px);
	if (!px->conns) {
		loop_stop(loop);
		return;
	}
	loop_timer_set(loop, &px->drain_timer,
		       loop_now(loop) + px->cfg->drain_ms, drain_over);
}

int proxy_run(struct proxy *px, char *err, size_t errlen)
{
	sigset_t mask, old;
	int fd, r = 0;

	/* made here, not in proxy_open: a forked worker needs its own */
	if (!(px->loop = loop_new(err, errlen)))
		return -1;
	loop_set_poll(px->loop, px->cfg->busy_poll_us);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &old);
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0 || loop_io_add(px->loop, &px->sig, fd, LOOP_IN,
				  on_signal) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		r = -1;
		goto out;
	}
	if (listen_start(px) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		r = -1;
		goto out;
	}
	if (loop_run(px->loop) < 0) {
		snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
		r = -1;
	}
out:
	conn_close_all(px);
	loop_flush(px->loop);
	listen_close(px);
	loop_io_close(px->loop, &px->sig);
	loop_free(px->loop);
	px->loop = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

void proxy_free(struct proxy *px)
{
	if (!px)
		return;
	/* proxy_run closed its own when it ran */
	for (int i = 0; i < px->nlsn; i++)
		if (px->lsn[i].io.fd >= 0)
			close(px->lsn[i].io.fd);
	free(px->lsn);
	if (px->alog_fd > STDERR_FILENO)
		close(px->alog_fd);
	if (px->gen)
		gen_put(px->gen);
	free(px);
}
