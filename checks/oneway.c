/*
 * oneway.c - timeout.idle-upstream-only and timeout.idle-client-only:
 * a tunnel where only one side speaks, for --idle.  Proxies time the two
 * directions apart (HAProxy: timeout server for what the server sends,
 * timeout client for the client, unless timeout tunnel covers both), so
 * a tunnel busy one way can still be cut as idle.  The backend pushes on
 * its own (X-Wsctl-Push) or swallows what it gets (X-Wsctl-Sink).
 */
#include <stdio.h>
#include <string.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "common/clock.h"

#define PUSH_TEXT "wsctl-push "

/*
 * Once a second in the config's time, or three times per read timeout
 * when that is shorter: the traffic must beat any timer that counts
 * both directions.  Never faster than every 20 ms.
 */
static int64_t every(const struct check_ctx *c)
{
	int64_t t = c->env->expect->read_timeout_ms;
	int64_t ms = run_scaled(c->env->cfg, t && t / 3 < 1000 ? t / 3 : 1000);

	return ms < 20 ? 20 : ms;
}

static int is_push(const struct wsc_msg *m)
{
	return m->opcode == WS_TEXT && m->len > sizeof(PUSH_TEXT) - 1 &&
	       !memcmp(m->data, PUSH_TEXT, sizeof(PUSH_TEXT) - 1);
}

/*
 * The far end's pings are answered, as a browser does (they are its
 * traffic too), and pongs dropped: 1 when m was one of those.
 */
static int control(struct wsc *w, int rc, const struct wsc_msg *m)
{
	char err[256];

	if (rc != WSC_OK)
		return 0;
	if (m->opcode == WS_PING)
		return wsc_send(w, WS_PONG, m->data, m->len, err,
				sizeof(err)) == WSC_OK;
	return m->opcode == WS_PONG;
}

/* How the tunnel ended, for a failure: rc and m from wsc_recv. */
static void cut(struct check_ctx *c, int rc, const struct wsc_msg *m,
		const char *err, int64_t t0, const char *who)
{
	char d[96], how[200];

	if (rc == WSC_OK && m->opcode == WS_CLOSE)
		snprintf(how, sizeof(how), "closed (close frame %u)",
			 m->close_code);
	else if (rc == WSC_OK)
		snprintf(how, sizeof(how), "an unexpected %s message",
			 ws_opcode_name(m->opcode));
	else
		snprintf(how, sizeof(how), "closed (TCP: %s)", err);
	check_evidence_num(c, "closed_after_ms", (double)(clock_ms() - t0));
	check_fail(c, "the tunnel to stay open", "%s after %s of %s", how,
		   run_fmt_scaled(c->env->cfg, clock_ms() - t0, d, sizeof(d)),
		   who);
}

static void run_upstream_only(struct check_ctx *c)
{
	const struct check_config *cfg = c->env->cfg;
	int64_t p = every(c), t0, end;
	char hdr[64], err[512], d[96];
	const char *hdrs[1] = { hdr };
	struct wsc_opts o;
	struct wsc_msg m;
	struct wsc w;
	int rc, pushes = 0;

	snprintf(hdr, sizeof(hdr), "X-Wsctl-Push: %lld", (long long)p);
	probe_opts(c, &o);
	if (probe_open(c, &w, &o, hdrs, 1, NULL, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	t0 = clock_ms();
	end = t0 + run_scaled(cfg, cfg->idle_ms);
	/* the client says nothing */
	while (clock_ms() < end) {
		rc = wsc_recv(&w, &m, (int)(end - clock_ms()), err, sizeof(err));
		if (rc == WSC_ERR_TIMEOUT)
			break;
		if (rc == WSC_OK && is_push(&m)) {
			pushes++;
			continue;
		}
		if (control(&w, rc, &m))
			continue;
		check_evidence_num(c, "pushes_received", pushes);
		cut(c, rc, &m, err, t0, "backend-only traffic");
		goto out;
	}
	check_evidence_num(c, "pushes_received", pushes);
	if (!pushes) {
		check_error(c, "the backend pushed nothing in %s: it is not a "
			    "wsctl echo, or X-Wsctl-Push did not reach it",
			    run_fmt_scaled(cfg, clock_ms() - t0, d, sizeof(d)));
		goto out;
	}
	/* the client speaks at last: its echo must come, behind pushes */
	if (wsc_send(&w, WS_TEXT, "still here", 10, err, sizeof(err)) != WSC_OK) {
		check_fail(c, "the tunnel to stay open", "sending after %s: %s",
			   run_fmt_scaled(cfg, clock_ms() - t0, d, sizeof(d)), err);
		goto out;
	}
	do
		rc = wsc_recv(&w, &m, check_time_left(c), err, sizeof(err));
	while (rc == WSC_OK && (is_push(&m) || m.opcode == WS_PING ||
				m.opcode == WS_PONG));
	if (rc != WSC_OK || m.opcode != WS_TEXT || m.len != 10 ||
	    memcmp(m.data, "still here", 10)) {
		cut(c, rc, &m, err, t0, "backend-only traffic, then a message");
		goto out;
	}
	check_pass(c, "%d backend messages, none from the client, for %s: "
		   "still echoing", pushes,
		   run_fmt_scaled(cfg, run_scaled(cfg, cfg->idle_ms), d,
				  sizeof(d)));
out:
	wsc_free(&w);
}

/*
 * Ping and wait for its pong, skipping other pongs.  Returns 1 when the
 * pong came, WSC_OK when something else did (in m), or the error.
 */
static int ping_through(struct wsc *w, struct wsc_msg *m, int ms, char *err,
			size_t errlen)
{
	int rc = wsc_send(w, WS_PING, "wsctl-oneway", 12, err, errlen);

	while (rc == WSC_OK) {
		rc = wsc_recv(w, m, ms, err, errlen);
		if (rc == WSC_OK && m->opcode == WS_PONG && m->len == 12 &&
		    !memcmp(m->data, "wsctl-oneway", 12))
			return 1;
		if (rc == WSC_OK && m->opcode != WS_PONG)
			return WSC_OK;
	}
	return rc;
}

static void run_client_only(struct check_ctx *c)
{
	const struct check_config *cfg = c->env->cfg;
	int64_t p = every(c), t0, end, next;
	char err[512], d[96], token[33], msg[48];
	static const char *const hdrs[] = { "X-Wsctl-Sink: 1" };
	struct wsc_opts o;
	struct wsc_msg m;
	struct wsc w;
	cJSON *rec;
	int rc, sent = 0;
	double got;

	probe_opts(c, &o);
	if (probe_open(c, &w, &o, hdrs, 1, token, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	t0 = next = clock_ms();
	end = t0 + run_scaled(cfg, cfg->idle_ms);
	while (clock_ms() < end) {
		int64_t now = clock_ms();

		if (now >= next) {
			int n = snprintf(msg, sizeof(msg), "wsctl-client %d",
					 ++sent);

			if (wsc_send(&w, WS_TEXT, msg, (size_t)n, err,
				     sizeof(err)) != WSC_OK) {
				rc = WSC_ERR_IO;
				goto cut;
			}
			next = now + p;
		}
		/* the backend says nothing: anything it sends ends the wait */
		rc = wsc_recv(&w, &m, (int)((next < end ? next : end) - now),
			      err, sizeof(err));
		if (rc == WSC_ERR_TIMEOUT)
			continue;
		if (control(&w, rc, &m))
			continue;
		goto cut;
	}
	/* a pong is the backend's first word: the tunnel still works */
	rc = ping_through(&w, &m, check_time_left(c), err, sizeof(err));
	if (rc != 1)
		goto cut;
	check_evidence_num(c, "messages_sent", sent);
	if (!(rec = probe_record(c, token, NULL)))
		goto out;
	got = cJSON_GetNumberValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(rec, "messages"), "received"));
	cJSON_Delete(rec);
	if (got != sent)
		check_fail(c, "every client message at the backend",
			   "the backend got %.0f of %d messages", got, sent);
	else
		check_pass(c, "%d client messages, none from the backend, for "
			   "%s: all arrived, and a ping still gets its pong",
			   sent, run_fmt_scaled(cfg, run_scaled(cfg, cfg->idle_ms),
						d, sizeof(d)));
	goto out;
cut:
	check_evidence_num(c, "messages_sent", sent);
	cut(c, rc, &m, err, t0, "client-only traffic");
out:
	wsc_free(&w);
}

const struct check oneway_checks[] = {
	{ "timeout.idle-upstream-only",
	  "HAProxy timeout client/tunnel; nginx proxy_read_timeout",
	  "a tunnel where only the backend speaks survives --idle",
	  run_upstream_only, NEEDS_BACKENDS | NEEDS_WAIT | NEEDS_TUNNEL },
	{ "timeout.idle-client-only",
	  "HAProxy timeout server/tunnel; nginx proxy_read_timeout",
	  "a tunnel where only the client speaks survives --idle",
	  run_client_only, NEEDS_BACKENDS | NEEDS_WAIT | NEEDS_TUNNEL },
	{ NULL, NULL, NULL, NULL, 0 },
};
