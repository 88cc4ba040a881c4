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
 * Stay silent for ms; returns 0, or -1 (with c failed) when the
 * connection ended or something arrived meanwhile.
 */
static int idle(struct check_ctx *c, struct wsc *w, int64_t ms)
{
	int64_t t0 = clock_ms();
	struct wsc_msg m;
	char err[256], d[32];
	int rc = wsc_recv(w, &m, (int)ms, err, sizeof(err));

	if (rc == WSC_ERR_TIMEOUT)
		return 0;
	check_evidence_num(c, "closed_after_ms", (double)(clock_ms() - t0));
	check_fail(c, "the connection to stay open",
		   "%s after %s idle", rc == WSC_OK && m.opcode == WS_CLOSE ?
		   "closed (close frame)" : rc == WSC_OK ? "a message" :
		   "closed (TCP)",
		   units_fmt_duration(clock_ms() - t0, d, sizeof(d)));
	return -1;
}

static void run_idle(struct check_ctx *c)
{
	int64_t ms = c->env->cfg->idle_ms;
	struct wsc w;
	char d[32];

	if (open_ws(c, &w) == 0 && idle(c, &w, ms) == 0 &&
	    probe_echo(c, &w, WS_TEXT, "still here", 10,
		       "a message after the idle time") == 0)
		check_pass(c, "still echoing after %s idle",
			   units_fmt_duration(ms, d, sizeof(d)));
	wsc_free(&w);
}

static void run_keepalive(struct check_ctx *c)
{
	int64_t t = c->env->expect->read_timeout_ms;
	int64_t until, every = t / 3;
	struct wsc w;
	char err[256], d1[32], d2[32];
	int pings = 0;

	if (t >= c->env->cfg->idle_ms) {
		check_skip(c, "the read timeout (%s) is not shorter than --idle (%s)",
			   units_fmt_duration(t, d1, sizeof(d1)),
			   units_fmt_duration(c->env->cfg->idle_ms, d2, sizeof(d2)));
		return;
	}
	if (open_ws(c, &w) < 0)
		goto out;
	until = clock_ms() + c->env->cfg->idle_ms;
	while (clock_ms() < until) {
		int64_t left = until - clock_ms();

		if (idle(c, &w, left < every ? left : every) < 0)
			goto out;
		if (wsc_send(&w, WS_PING, "keepalive", 9, err, sizeof(err))) {
			check_fail(c, "pings to go through", "%s", err);
			goto out;
		}
		pings++;
		if (probe_echo(c, &w, WS_TEXT, "k", 1, "a message between pings"))
			goto out;
	}
	check_evidence_num(c, "pings", pings);
	check_pass(c, "%d pings every %s kept it open past the %s timeout", pings,
		   units_fmt_duration(every, d1, sizeof(d1)),
		   units_fmt_duration(t, d2, sizeof(d2)));
out:
	wsc_free(&w);
}

static void run_idle_close(struct check_ctx *c)
{
	int64_t t = c->env->expect->read_timeout_ms, t0, took;
	int64_t slack = t / 10 > 5000 ? t / 10 : 5000;
	struct wsc w;
	struct wsc_msg m;
	char err[256], d1[32], d2[32];
	int rc, frame;

	if (t > c->env->cfg->idle_ms) {
		check_skip(c, "the read timeout (%s) is longer than --idle (%s)",
			   units_fmt_duration(t, d1, sizeof(d1)),
			   units_fmt_duration(c->env->cfg->idle_ms, d2, sizeof(d2)));
		return;
	}
	if (open_ws(c, &w) < 0)
		goto out;
	t0 = clock_ms();
	rc = wsc_recv(&w, &m, (int)(t + slack), err, sizeof(err));
	frame = rc == WSC_OK && m.opcode == WS_CLOSE;
	if (frame)
		rc = wsc_recv(&w, &m, 2000, err, sizeof(err));
	took = clock_ms() - t0;
	check_evidence_num(c, "closed_after_ms", (double)took);
	check_evidence_json(c, "close_frame", cJSON_CreateBool(frame));
	units_fmt_duration(t, d1, sizeof(d1));
	units_fmt_duration(took, d2, sizeof(d2));
	if (rc == WSC_ERR_TIMEOUT && !frame)
		check_fail(c, "a close near the read timeout",
			   "still open after %s (read timeout %s)", d2, d1);
	else if (took < t - 1000)
		check_fail(c, "a close near the read timeout",
			   "closed after %s, before the %s timeout", d2, d1);
	else
		check_pass(c, "closed after %s (read timeout %s), %s", d2, d1,
			   frame ? "with a close frame" : "without a close frame");
out:
	wsc_free(&w);
}

const struct check timeout_checks[] = {
	{ "timeout.idle", "nginx proxy_read_timeout; HAProxy timeout tunnel",
	  "a connection idle for --idle still works", run_idle, NEEDS_WAIT },
	{ "timeout.keepalive", "RFC 6455 5.5.2; nginx proxy_read_timeout",
	  "pings keep a connection open past the proxy's read timeout",
	  run_keepalive, NEEDS_WAIT | NEEDS_TIMEOUT },
	{ "timeout.idle-close", "nginx proxy_read_timeout",
	  "the proxy closes an idle tunnel at its read timeout, not later",
	  run_idle_close, NEEDS_WAIT | NEEDS_TIMEOUT },
	{ NULL, NULL, NULL, NULL, 0 },
};
