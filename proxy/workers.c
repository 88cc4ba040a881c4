/*
 * workers.c - --workers N: N processes, each a whole proxy with its own
 * loop, balancer and connections, serving its own SO_REUSEPORT sockets
 * (listen.c).  The parent only supervises: it passes SIGTERM, SIGINT and
 * SIGHUP on, starts a worker again when one dies of anything but a
 * signal it passed on, and ends after the last worker.
 *
 * The parent keeps every worker's listening sockets open until it
 * drains, so that a worker started again takes over the same socket,
 * and connections waiting in its queue are not lost.  It waits for
 * signals with sigwaitinfo: it has nothing else to do.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "proxy/conn.h"

#define RESTART_MS 1000		/* at most one start per worker and second */

struct worker {
	pid_t pid;		/* 0: not running */
	int64_t started;	/* monotonic ms */
};

/* Fork worker w.  In the child, returns 0 after setting it up; in the
 * parent, the child's pid, or -1. */
static pid_t start(struct proxy *px, struct worker *wk, int w)
{
	int64_t since = clock_ms() - wk->started;
	sigset_t chld;
	pid_t pid;

	if (wk->started && since < RESTART_MS) {
		struct timespec ts = { 0, (RESTART_MS - since) * 1000000L };

		nanosleep(&ts, NULL);
	}
	wk->started = clock_ms();
	pid = fork();
	if (pid != 0) {
		wk->pid = pid > 0 ? pid : 0;
		return pid;
	}
	/* the child: its own sockets only; SIGTERM and the others stay
	 * blocked for proxy_run's signalfd, which takes what is pending */
	px->worker = w;
	for (int i = 0; i < px->nlsn; i++)
		if (px->lsn[i].worker >= 0 && px->lsn[i].worker != w) {
			close(px->lsn[i].io.fd);
			px->lsn[i].io.fd = -1;
		}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	return 0;
}

static void close_listeners(struct proxy *px)
{
	for (int i = 0; i < px->nlsn; i++)
		if (px->lsn[i].io.fd >= 0) {
			close(px->lsn[i].io.fd);
			px->lsn[i].io.fd = -1;
		}
}

static void tell(struct worker *wk, unsigned n, int sig)
{
	for (unsigned i = 0; i < n; i++)
		if (wk[i].pid > 0)
			kill(wk[i].pid, sig);
}

int proxy_serve(struct proxy *px, char *err, size_t errlen)
{
	unsigned n = px->cfg->workers, alive = 0;
	struct worker wk[PROXY_MAX_WORKERS] = { { 0, 0 } };
	sigset_t mask, old;
	int draining = 0, failed = 0;

	if (n <= 1)
		return proxy_run(px, err, errlen);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	for (unsigned w = 0; w < n; w++) {
		pid_t pid = start(px, &wk[w], w);

		if (pid == 0)
			return proxy_run(px, err, errlen);
		if (pid < 0) {
			px_log(px, "fork: %s", strerror(errno));
			failed = 1;
			draining = 1;
			close_listeners(px);
			tell(wk, n, SIGTERM);
			break;
		}
		alive++;
	}
	while (alive > 0) {
		siginfo_t si;
		pid_t pid;
		int st;

		if (sigwaitinfo(&mask, &si) < 0)
			continue;
		if (si.si_signo == SIGHUP || si.si_signo == SIGUSR1) {
			tell(wk, n, si.si_signo);
			continue;
		}
		if (si.si_signo != SIGCHLD) {
			if (!draining)
				px_log(px, "%s: draining %u workers",
				       si.si_signo == SIGINT ? "SIGINT" :
				       "SIGTERM", alive);
			/* a second one ends the workers' drain at once */
			draining = 1;
			close_listeners(px);
			tell(wk, n, si.si_signo);
			continue;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			unsigned w;

			for (w = 0; w < n && wk[w].pid != pid; w++)
				;
			if (w == n)
				continue;
			wk[w].pid = 0;
			alive--;
			if (draining) {
				if (!WIFEXITED(st) || WEXITSTATUS(st)) {
					failed = 1;
					px_log(px, "worker %u ended with %s %d",
					       w, WIFEXITED(st) ? "status" :
					       "signal", WIFEXITED(st) ?
					       WEXITSTATUS(st) : WTERMSIG(st));
				}
				continue;
			}
			px_log(px, "worker %u (pid %d) ended with %s %d; "
			       "starting it again", w, (int)pid,
			       WIFEXITED(st) ? "status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			pid = start(px, &wk[w], w);
			if (pid == 0)
				return proxy_run(px, err, errlen);
			if (pid > 0)
				alive++;
			else
				px_log(px, "fork: %s", strerror(errno));
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return failed ? err_fmt(err, errlen, "a worker failed") : 0;
}
