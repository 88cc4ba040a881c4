/*
 * capacity.c - capacity.tunnels: how many tunnels the proxy holds at
 * once, and how it refuses the next.  Each tunnel costs a proxy two
 * connections, and they live for hours, so the limits meant for short
 * requests (nginx worker_connections, 768 in Debian's nginx.conf; the
 * descriptor limit) are met by tunnels alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "common/clock.h"

#define CAP_DEFAULT 1000	/* tunnels tried when nothing says how many */
#define CAP_QUICK 1000		/* at most, with --quick */
#define CAP_FD_SPARE 128	/* the checker's descriptors kept free */
#define OPEN_MS 3000		/* for one handshake: longer is a hang */

/* How an open failed: "a 503", "reset", "hang: ...". */
static void how(int rc, const struct wsc *w, const char *err, char *out,
		size_t len)
{
	if (rc == WSC_ERR_STATUS)
		snprintf(out, len, "a %d", w->res.status);
	else if (rc == WSC_ERR_TIMEOUT)
		snprintf(out, len, "hang: no answer in %ds", OPEN_MS / 1000);
	else if (rc == WSC_ERR_EOF)
		snprintf(out, len, "closed without an answer");
	else if (rc == WSC_ERR_IO)
		snprintf(out, len, "reset");
	else
		snprintf(out, len, "%.200s", err);
}

/* One more tunnel, echoing; rc as wsc_open's (WSC_ERR_UPGRADE for one
 * that opened but did not echo). */
static int open_one(struct check_ctx *c, struct wsc *w, char *err,
		    size_t errlen)
{
	struct wsc_opts o;
	struct wsc_msg m;
	int rc;

	probe_opts(c, &o);
	o.timeout_ms = OPEN_MS;
	rc = wsc_open(w, &o, err, errlen);
	if (rc != WSC_OK)
		return rc;
	if (wsc_send(w, WS_TEXT, "cap", 3, err, errlen) != WSC_OK ||
	    wsc_recv(w, &m, OPEN_MS, err, errlen) != WSC_OK ||
	    m.opcode != WS_TEXT)
		return WSC_ERR_UPGRADE;
	return WSC_OK;
}

/* An echo on each of w[0..n); how many no longer echo. */
static int lost(struct wsc *w, int n)
{
	char err[256];
	struct wsc_msg m;
	int gone = 0;

	for (int i = 0; i < n; i++)
		if (wsc_send(&w[i], WS_TEXT, "still", 5, err, sizeof(err)) ||
		    wsc_recv(&w[i], &m, OPEN_MS, err, sizeof(err)) ||
		    m.opcode != WS_TEXT)
			gone++;
	return gone;
}

/* How many to try: --capacity, the config's, or 1000; and why. */
static int target(const struct check_ctx *c, char *from, size_t len)
{
	const struct check_config *cfg = c->env->cfg;
	const struct expect *ex = c->env->expect;
	int n;

	if (cfg->capacity) {
		n = cfg->capacity;
		snprintf(from, len, "--capacity");
	} else if (ex->capacity) {
		n = (int)ex->capacity;
		snprintf(from, len, "%s", ex->capacity_from);
	} else {
		n = CAP_DEFAULT;
		snprintf(from, len, "the default");
	}
	if (cfg->quick && n > CAP_QUICK)
		n = CAP_QUICK;
	return n;
}

static void run_tunnels(struct check_ctx *c)
{
	const struct expect *ex = c->env->expect;
	char from[300], err[512], why[256] = "";
	struct rlimit rl;
	struct wsc *w;
	int n = target(c, from, sizeof(from)), held = 0, rc = WSC_OK, room;
	int step, gone = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	room = rl.rlim_cur > CAP_FD_SPARE ? (int)rl.rlim_cur - CAP_FD_SPARE : 0;
	check_evidence_num(c, "checker_fd_limit", (double)rl.rlim_cur);
	if (n > room) {
		check_skip(c, "the checker may open %d descriptors, fewer than "
			   "the %d tunnels to try (%s): raise its ulimit -n",
			   (int)rl.rlim_cur, n, from);
		return;
	}
	if (!(w = calloc((size_t)n + 1, sizeof(*w)))) {
		check_error(c, "out of memory");
		return;
	}
	step = n / 10 > 10 ? n / 10 : 10;
	while (held < n) {
		rc = open_one(c, &w[held], err, sizeof(err));
		if (rc != WSC_OK && rc != WSC_ERR_TIMEOUT) {
			/* one more, in case that was a passing refusal */
			wsc_free(&w[held]);
			probe_sleep(c, 100);
			rc = open_one(c, &w[held], err, sizeof(err));
		}
		if (rc != WSC_OK && !held) {
			/* not even one: no tunnel to hold */
			probe_failed(c, err);
			wsc_free(&w[0]);
			free(w);
			return;
		}
		if (rc != WSC_OK) {
			how(rc, &w[held], err, why, sizeof(why));
			wsc_free(&w[held]);
			break;
		}
		held++;
		if ((held % step == 0 || held == n) && (gone = lost(w, held)))
			break;
		if (check_time_left(c) < 2 * OPEN_MS) {
			snprintf(why, sizeof(why), "out of time");
			break;
		}
	}
	check_evidence_num(c, "tried", n);
	check_evidence_num(c, "held", held);
	check_evidence_str(c, "target_from", from);
	if (why[0])
		check_evidence_str(c, "refused", why);
	if (gone)
		check_fail(c, "every tunnel held to echo",
			   "%d of %d open tunnels stopped echoing", gone, held);
	else if (held == n)
		check_pass(c, "%d tunnels held at once, each echoing (%s)", n,
			   from);
	else if (!c->env->cfg->capacity && ex->capacity &&
		 rc != WSC_ERR_TIMEOUT && held + n / 20 + 2 >= n)
		/* workers fill unevenly: about what the config says is it */
		check_pass(c, "%d tunnels held at once, each echoing, then %s: "
			   "about the %d %s allows", held, why, n, from);
	else if (rc == WSC_ERR_TIMEOUT)
		check_fail(c, "a refusal past the limit, not a hang",
			   "%d tunnels held, then tunnel %d got no answer: the "
			   "proxy hangs instead of refusing", held, held + 1);
	else if (ex->capacity && held + 2 >= (int)ex->capacity)
		check_fail(c, "room for the tunnels wanted",
			   "%d tunnels held, then %s: %s allows about %u, "
			   "fewer than the %d of %s", held, why,
			   ex->capacity_from, ex->capacity, n, from);
	else
		check_fail(c, "room for the tunnels wanted",
			   "%d of %d tunnels held, then %s (%s)", held, n, why,
			   from);
	for (int i = 0; i < held; i++)
		wsc_free(&w[i]);
	free(w);
}

const struct check capacity_checks[] = {
	{ "capacity.tunnels", "nginx worker_connections; RLIMIT_NOFILE",
	  "the tunnels the config allows (or --capacity) are held at once, "
	  "and the next is refused, not hung", run_tunnels,
	  NEEDS_TUNNEL | RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
