/*
 * reload.c - reload.tunnels: tunnels held open across a reload of the
 * proxy's configuration.  Orchestrators reload on every change (one
 * ingress-nginx report counts 136 reloads in 10 minutes), so a proxy
 * that cuts tunnels on reload cuts them all the time.  nginx keeps old
 * workers until their tunnels end, or until worker_shutdown_timeout.
 *
 * The reload is the nginx master's SIGHUP with --start-nginx, or the
 * user's --reload-cmd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "common/clock.h"
#include "common/units.h"

#define HELD_QUICK 5		/* tunnels held across the reload */
#define HELD_FULL 50
#define DURING_MS 1000		/* new connections tried after it starts */
#define WATCH_MS 2000		/* held ones watched at least this long */
#define ROUND_MS 100		/* between two rounds (and new connections) */
#define CMD_MS 30000		/* for --reload-cmd to finish */

struct held {
	struct wsc w;
	int64_t cut_ms;		/* after the reload; -1 while it echoes */
	char how[96];
};

/* Run cmd by /bin/sh in its own process group; its stderr's first line. */
static int run_cmd(const char *cmd, char *err, size_t errlen)
{
	int fds[2], status, n = 0;
	int64_t end = clock_ms() + CMD_MS;
	char out[512];
	sigset_t none;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		dup2(null, 0);
		dup2(null, 1);
		dup2(fds[1], 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	/* its stderr until it closes, keeping the first bytes */
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		int64_t left = end - clock_ms();
		ssize_t r;
		char junk[512];

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(fds[0]);
			return snprintf(err, errlen, "--reload-cmd did not finish "
					"in %ds", CMD_MS / 1000), -1;
		}
		if (n < (int)sizeof(out) - 1)
			r = read(fds[0], out + n, sizeof(out) - 1 - (size_t)n);
		else
			r = read(fds[0], junk, sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n < (int)sizeof(out) - 1)
			n += (int)r;
	}
	close(fds[0]);
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "--reload-cmd exited with status %d%s%.300s",
			 WEXITSTATUS(status), n ? ": " : "", out);
	else
		snprintf(err, errlen, "--reload-cmd was killed by signal %d",
			 WTERMSIG(status));
	return -1;
}

/* Reload the proxy's config.  Returns 0, or -1 with err filled. */
static int reload(const struct check_config *cfg, char *err, size_t errlen)
{
	if (cfg->reload_pid) {
		int sig = cfg->reload_sig ? cfg->reload_sig : SIGHUP;

		if (kill(cfg->reload_pid, sig) < 0)
			return snprintf(err, errlen, "%s to the proxy (pid %ld): "
					"%s", strsignal(sig),
					(long)cfg->reload_pid,
					strerror(errno)), -1;
		return 0;
	}
	return run_cmd(cfg->reload_cmd, err, errlen);
}

/* One echo on a held tunnel; on failure, how it went, into h->how. */
static int echo_once(struct held *h, int n, int ms)
{
	char data[32], err[256];
	int len = snprintf(data, sizeof(data), "reload %d", n);
	struct wsc_msg m;
	int rc = wsc_send(&h->w, WS_TEXT, data, (size_t)len, err, sizeof(err));

	while (rc == WSC_OK) {
		rc = wsc_recv(&h->w, &m, ms, err, sizeof(err));
		if (rc != WSC_OK || m.opcode == WS_PONG || m.opcode == WS_PING)
			continue;
		if (m.opcode == WS_CLOSE) {
			snprintf(h->how, sizeof(h->how), "close frame %u",
				 m.close_code);
			return -1;
		}
		if (m.len == (size_t)len && !memcmp(m.data, data, m.len))
			return 0;
		snprintf(h->how, sizeof(h->how), "a wrong echo");
		return -1;
	}
	snprintf(h->how, sizeof(h->how), "%s", rc == WSC_ERR_TIMEOUT ?
		 "no echo (hung)" : rc == WSC_ERR_IO ? "reset" : "TCP close");
	return -1;
}

/*
 * An echo on each held tunnel not cut yet, noting when (after t0) a cut
 * one was found cut.  Returns how many still echo.
 */
static int echo_round(struct held *h, int n, int64_t t0, int *round)
{
	int alive = 0;

	++*round;
	for (int i = 0; i < n; i++) {
		if (h[i].cut_ms >= 0)
			continue;
		if (echo_once(&h[i], *round, 2000) < 0)
			h[i].cut_ms = clock_ms() - t0;
		else
			alive++;
	}
	return alive;
}

/* A new connection must open and echo.  Returns 0, or -1 with why. */
static int fresh(struct check_ctx *c, char *why, size_t len)
{
	struct wsc_opts o;
	struct held h;
	char err[512];
	int rc;

	probe_opts(c, &o);
	if (o.timeout_ms > 3000)
		o.timeout_ms = 3000;
	memset(&h, 0, sizeof(h));
	rc = wsc_open(&h.w, &o, err, sizeof(err));
	if (rc == WSC_OK && echo_once(&h, 0, 3000) < 0)
		snprintf(err, sizeof(err), "%s", h.how);
	else if (rc == WSC_OK)
		err[0] = 0;
	wsc_free(&h.w);
	snprintf(why, len, "%s", err);
	return err[0] ? -1 : 0;
}

/* The cut ones, "3 by TCP close at 1.0s-1.1s", for the message. */
static void summarize(const struct held *h, int n, char *out, size_t len)
{
	int64_t lo = -1, hi = -1;
	int cut = 0, i;
	char a[32], b[32];

	for (i = 0; i < n; i++) {
		if (h[i].cut_ms < 0)
			continue;
		cut++;
		if (lo < 0 || h[i].cut_ms < lo)
			lo = h[i].cut_ms;
		if (h[i].cut_ms > hi)
			hi = h[i].cut_ms;
	}
	units_fmt_duration(lo, a, sizeof(a));
	units_fmt_duration(hi, b, sizeof(b));
	for (i = 0; i < n && h[i].cut_ms < 0; i++)
		;
	snprintf(out, len, "%d of %d cut (%s) %s%s%s after the reload", cut,
		 n, i < n ? h[i].how : "", a, lo == hi ? "" : " to ",
		 lo == hi ? "" : b);
}

static void run_tunnels(struct check_ctx *c)
{
	const struct check_config *cfg = c->env->cfg;
	const struct expect *ex = c->env->expect;
	int n = cfg->quick ? HELD_QUICK : HELD_FULL, i, k, opened = 0;
	int tries = 0, refused = 0, alive, round = 0;
	int64_t t0, watch = WATCH_MS + ex->shutdown_timeout_ms;
	/* traffic on every tunnel well within the proxy's read timeout,
	   so that only the reload can cut one */
	int64_t t = run_scaled(cfg, ex->read_timeout_ms);
	int every = t && t / 4 < ROUND_MS ? (int)(t / 4) : ROUND_MS;
	char err[512], why[512] = "", sum[300];
	struct held *h = calloc((size_t)n, sizeof(*h));
	cJSON *cuts;

	if (!h) {
		check_error(c, "out of memory");
		return;
	}
	for (i = 0; i < n; i++, opened++) {
		struct wsc_opts o;

		probe_opts(c, &o);
		h[i].cut_ms = -1;
		if (probe_open(c, &h[i].w, &o, NULL, 0, NULL, err,
			       sizeof(err)) != WSC_OK) {
			probe_failed(c, err);
			goto out;
		}
		if (echo_once(&h[i], 0, 5000) < 0)
			h[i].cut_ms = 0;
		if (h[i].cut_ms >= 0 || ((i + 1) % 10 == 0 &&
		    echo_round(h, i + 1, clock_ms(), &round) < i + 1))
			goto early;
	}
	if (echo_round(h, n, clock_ms(), &round) < n)
		goto early;
	t0 = clock_ms();
	if (reload(cfg, err, sizeof(err)) < 0) {
		check_error(c, "%s", err);
		goto out;
	}
	/* new connections while the proxy reloads, and the held ones
	   echoing round after round, until the watch ends */
	do {
		if (clock_ms() - t0 < DURING_MS) {
			tries++;
			if (fresh(c, err, sizeof(err)) < 0 && refused++ == 0)
				snprintf(why, sizeof(why), "%s", err);
		}
		alive = echo_round(h, n, t0, &round);
		if (clock_ms() - t0 < watch)
			probe_sleep(c, every);
	} while ((alive || clock_ms() - t0 < DURING_MS) &&
		 clock_ms() - t0 < watch);

	cuts = cJSON_CreateArray();
	for (i = k = 0; i < n; i++)
		if (h[i].cut_ms >= 0) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "after_ms", (double)h[i].cut_ms);
			cJSON_AddStringToObject(o, "how", h[i].how);
			cJSON_AddItemToArray(cuts, o);
			k++;
		}
	check_evidence_num(c, "held", n);
	check_evidence_num(c, "survived", n - k);
	check_evidence_json(c, "cut", cuts);
	check_evidence_num(c, "new_connections", tries);
	check_evidence_num(c, "new_refused", refused);
	summarize(h, n, sum, sizeof(sum));
	if (k && ex->shutdown_timeout_ms) {
		char d[32];

		check_fail(c, "every tunnel to outlive the reload",
			   "%s: worker_shutdown_timeout %s (%s) ends them",
			   sum, units_fmt_duration(ex->shutdown_timeout_ms, d,
						   sizeof(d)), ex->shutdown_from);
	} else if (k) {
		check_fail(c, "every tunnel to outlive the reload", "%s", sum);
	} else if (refused) {
		check_fail(c, "new connections during the reload",
			   "%d of %d refused during the reload: %s", refused,
			   tries, why);
	} else {
		char d[32];

		check_pass(c, "%d tunnels still echo %s after the reload; %d "
			   "new connections during it all worked", n,
			   units_fmt_ms(clock_ms() - t0, d, sizeof(d)),
			   tries);
	}
	goto out;
early:
	for (i = 0; h[i].cut_ms < 0; i++)
		;
	check_fail(c, "tunnels that echo", "tunnel %d of %d: %s before the "
		   "reload", i + 1, n, h[i].how);
out:
	for (i = 0; i <= opened && i < n; i++)	/* the ones tried */
		wsc_free(&h[i].w);
	free(h);
}

const struct check reload_checks[] = {
	{ "reload.tunnels", "nginx -s reload, worker_shutdown_timeout",
	  "open tunnels outlive a reload of the proxy's config, and new "
	  "ones open during it", run_tunnels, NEEDS_RELOAD | NEEDS_TUNNEL |
	  RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
