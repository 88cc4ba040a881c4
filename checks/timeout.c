/*
 * timeout.c - timeout.*: long-lived connections against the proxy's idle
 * timeout (nginx proxy_read_timeout, 60s by default; HAProxy timeout
 * tunnel).
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/net.h"
#include "common/units.h"

static int open_ws(struct check_ctx *c, struct wsc *w)
{
	struct wsc_opts o;
	char err[512];

	probe_opts(c, &o);
	if (probe_open(c, w, &o, NULL, 0, NULL, err, sizeof(err)) != WSC_OK)
		return probe_failed(c, err);
	return 0;
}

/*
 * What came while a check waited: wait_quiet's account of the traffic
 * that is not the check's own.  A backend's keepalive pings are
 * answered and counted, not taken for the end of the connection; they
 * do keep the proxy's idle timer from running, which the caller judges.
 */
struct quiet {
	int pings;			/* from the far end, answered */
	int64_t last;			/* when the last one came, or the
					   wait began */
	int rc;				/* the wsc_recv result that ended it */
	int frame;			/* it ended with a close frame */
};

/*
 * Wait up to ms for anything but a ping: answer pings with pongs and
 * drop unsolicited pongs.  Returns 0 when ms passed quietly, -1 when the
 * connection ended or a message came; q says what.
 */
static int wait_quiet(struct wsc *w, int64_t ms, struct quiet *q)
{
	int64_t end = clock_ms() + ms;
	struct wsc_msg m;
	char err[256];

	q->pings = q->frame = 0;
	q->last = clock_ms();
	for (;;) {
		int64_t left = end - clock_ms();

		if (left <= 0)
			return q->rc = WSC_ERR_TIMEOUT, 0;
		q->rc = wsc_recv(w, &m, (int)left, err, sizeof(err));
		if (q->rc == WSC_ERR_TIMEOUT)
			return 0;
		if (q->rc == WSC_OK && m.opcode == WS_PING) {
			q->pings++;
			q->last = clock_ms();
			if (wsc_send(w, WS_PONG, m.data, m.len, err,
				     sizeof(err)) != WSC_OK)
				return q->rc = WSC_ERR_IO, -1;
			continue;
		}
		if (q->rc == WSC_OK && m.opcode == WS_PONG)
			continue;
		q->frame = q->rc == WSC_OK && m.opcode == WS_CLOSE;
		return -1;
	}
}

/*
 * Stay silent for ms; returns 0, or -1 (with c failed) when the
 * connection ended or a message came meanwhile.
 */
static int idle(struct check_ctx *c, struct wsc *w, int64_t ms)
{
	int64_t t0 = clock_ms();
	struct quiet q;
	char d[96];

	if (wait_quiet(w, ms, &q) == 0)
		return 0;
	check_evidence_num(c, "closed_after_ms", (double)(clock_ms() - t0));
	check_fail(c, "the connection to stay open",
		   "%s after %s idle", q.frame ? "closed (close frame)" :
		   q.rc == WSC_OK ? "a message" : "closed (TCP)",
		   run_fmt_scaled(c->env->cfg, clock_ms() - t0, d, sizeof(d)));
	return -1;
}

/*
 * Send ping n and wait up to ms for its pong, answering the far end's
 * own pings meanwhile.  Returns 0, or -1 with c failed.
 */
static int ping_pong(struct check_ctx *c, struct wsc *w, int n, int64_t ms)
{
	int64_t end = clock_ms() + ms;
	char err[256], data[32], d[32];
	int len = snprintf(data, sizeof(data), "wsctl-keepalive-%d", n);
	struct wsc_msg m;

	if (wsc_send(w, WS_PING, data, (size_t)len, err, sizeof(err))) {
		check_fail(c, "pings to go through", "%s", err);
		return -1;
	}
	for (;;) {
		int64_t left = end - clock_ms();
		int rc = left > 0 ? wsc_recv(w, &m, (int)left, err, sizeof(err))
				  : WSC_ERR_TIMEOUT;

		if (rc == WSC_OK && m.opcode == WS_PONG &&
		    m.len == (size_t)len && !memcmp(m.data, data, m.len))
			return 0;
		if (rc == WSC_OK && m.opcode == WS_PING) {
			if (wsc_send(w, WS_PONG, m.data, m.len, err,
				     sizeof(err)) == WSC_OK)
				continue;
		} else if (rc == WSC_OK && m.opcode == WS_PONG) {
			continue;	/* an unsolicited or stale pong */
		}
		check_fail(c, "a pong to every ping", "%s to ping %d (%s)",
			   rc == WSC_ERR_TIMEOUT ? "no pong" :
			   rc == WSC_OK ? "a message instead of the pong" :
			   "the connection ended instead of a pong", n,
			   rc == WSC_ERR_TIMEOUT ?
			   units_fmt_duration(ms, d, sizeof(d)) : err);
		return -1;
	}
}

static void run_idle(struct check_ctx *c)
{
	int64_t ms = run_scaled(c->env->cfg, c->env->cfg->idle_ms);
	struct wsc w;
	char d[96];

	check_evidence_num(c, "idle_ms", (double)ms);
	if (c->env->expect->read_timeout_ms > 0)
		check_evidence_num(c, "expected_close_ms", (double)run_scaled(
			c->env->cfg, c->env->expect->read_timeout_ms));
	if (open_ws(c, &w) == 0 && idle(c, &w, ms) == 0 &&
	    probe_echo(c, &w, WS_TEXT, "still here", 10,
		       "a message after the idle time") == 0)
		check_pass(c, "still echoing after %s idle",
			   run_fmt_scaled(c->env->cfg, ms, d, sizeof(d)));
	wsc_free(&w);
}

static void run_keepalive(struct check_ctx *c)
{
	const struct check_config *cfg = c->env->cfg;
	int64_t t = run_scaled(cfg, c->env->expect->read_timeout_ms);
	int64_t until, every = t / 3;
	struct wsc w;
	char d1[96], d2[96];
	int pings = 0;

	/* both in the config's terms */
	if (c->env->expect->read_timeout_ms >= cfg->idle_ms) {
		check_skip(c, "the read timeout (%s) is not shorter than --idle (%s)",
			   units_fmt_duration(c->env->expect->read_timeout_ms, d1,
					      sizeof(d1)),
			   units_fmt_duration(cfg->idle_ms, d2, sizeof(d2)));
		return;
	}
	if (open_ws(c, &w) < 0)
		goto out;
	/* pings only: any message would keep an idle timer alive by itself,
	 * and a proxy that drops pings must not pass */
	until = clock_ms() + run_scaled(cfg, cfg->idle_ms);
	check_evidence_num(c, "idle_ms", (double)run_scaled(cfg, cfg->idle_ms));
	while (clock_ms() < until) {
		int64_t left = until - clock_ms();

		if (idle(c, &w, left < every ? left : every) < 0)
			goto out;
		if (ping_pong(c, &w, ++pings, every < 5000 ? every : 5000) < 0)
			goto out;
	}
	check_evidence_num(c, "pings", pings);
	check_pass(c, "%d pings every %s, each answered, kept it open past "
		   "the %s timeout", pings,
		   run_fmt_scaled(cfg, every, d1, sizeof(d1)),
		   run_fmt_scaled(cfg, t, d2, sizeof(d2)));
out:
	wsc_free(&w);
}

static void run_idle_close(struct check_ctx *c)
{
	const struct check_config *cfg = c->env->cfg;
	int64_t t = run_scaled(cfg, c->env->expect->read_timeout_ms), took;
	/* nginx arms its timer before the checker sees the 101, and at a
	   small scale that head start is not small: 50 ms at least */
	int64_t slack = t / 10 > run_scaled(cfg, 5000) ? t / 10 :
			run_scaled(cfg, 5000);
	int64_t early = run_scaled(cfg, 1000) > 50 ? run_scaled(cfg, 1000) : 50;
	struct wsc w;
	struct wsc_msg m;
	struct quiet q;
	char err[256], d1[96], d2[96];
	int rc;

	if (c->env->expect->read_timeout_ms > cfg->idle_ms) {
		check_skip(c, "the read timeout (%s) is longer than --idle (%s)",
			   units_fmt_duration(c->env->expect->read_timeout_ms, d1,
					      sizeof(d1)),
			   units_fmt_duration(cfg->idle_ms, d2, sizeof(d2)));
		return;
	}
	if (open_ws(c, &w) < 0)
		goto out;
	wait_quiet(&w, t + slack, &q);
	rc = q.rc;
	if (q.frame)
		rc = wsc_recv(&w, &m, 2000, err, sizeof(err));
	/* the backend's pings are traffic: idleness counts from the last */
	took = clock_ms() - q.last;
	check_evidence_num(c, "closed_after_ms", (double)took);
	check_evidence_num(c, "expected_close_ms", (double)t);
	check_evidence_num(c, "backend_pings", q.pings);
	check_evidence_json(c, "close_frame", cJSON_CreateBool(q.frame));
	run_fmt_scaled(cfg, t, d1, sizeof(d1));
	run_fmt_scaled(cfg, took, d2, sizeof(d2));
	if (rc == WSC_ERR_TIMEOUT && !q.frame && q.pings)
		check_skip(c, "the backend sent %d pings: the tunnel was never "
			   "idle for %s", q.pings, d1);
	else if (rc == WSC_ERR_TIMEOUT && !q.frame)
		check_fail(c, "a close near the read timeout",
			   "still open after %s (read timeout %s)", d2, d1);
	else if (q.rc == WSC_OK && !q.frame)
		check_fail(c, "a close near the read timeout",
			   "a message came instead, after %s", d2);
	else if (took < t - early)
		check_fail(c, "a close near the read timeout",
			   "closed after %s, before the %s timeout", d2, d1);
	else
		check_pass(c, "closed after %s (read timeout %s), %s", d2, d1,
			   q.frame ? "with a close frame" : "without a close frame");
out:
	wsc_free(&w);
}

const struct check timeout_checks[] = {
	{ "timeout.idle", "nginx proxy_read_timeout; HAProxy timeout tunnel",
	  "a connection idle for --idle still works", run_idle,
	  NEEDS_WAIT | NEEDS_TUNNEL },
	{ "timeout.keepalive", "RFC 6455 5.5.2; nginx proxy_read_timeout",
	  "pings keep a connection open past the proxy's read timeout",
	  run_keepalive, NEEDS_WAIT | NEEDS_TIMEOUT | NEEDS_TUNNEL },
	{ "timeout.idle-close", "nginx proxy_read_timeout",
	  "the proxy closes an idle tunnel at its read timeout, not later",
	  run_idle_close, NEEDS_WAIT | NEEDS_TIMEOUT | NEEDS_TUNNEL },
	{ NULL, NULL, NULL, NULL, 0 },
};
