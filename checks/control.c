/*
 * control.c - control.*: ping, pong and the closing handshake through the
 * proxy, from either side, and a backend that dies.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/net.h"

#define PROMPTLY_MS 2000

/* Skip messages until a close frame comes (in *m), waiting at most
 * limit_ms for each.  Returns WSC_OK or wsc_recv's error. */
static int recv_close(struct wsc *w, struct wsc_msg *m, int limit_ms,
		      char *err, size_t errlen)
{
	int rc;

	do {
		rc = wsc_recv(w, m, limit_ms, err, errlen);
	} while (rc == WSC_OK && m->opcode != WS_CLOSE);
	return rc;
}

static void run_ping_pong(struct check_ctx *c)
{
	static const char payload[] = "wsctl ping 0123456789";
	struct wsc w;
	struct wsc_opts o;
	struct wsc_msg m;
	char err[512];
	int rc;

	probe_opts(c, &o);
	if (probe_open(c, &w, &o, NULL, 0, NULL, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	if (wsc_send(&w, WS_PING, payload, sizeof(payload) - 1, err, sizeof(err))) {
		check_fail(c, "a ping sent", "%s", err);
		goto out;
	}
	rc = wsc_recv(&w, &m, check_time_left(c) < 5000 ? check_time_left(c) :
		      5000, err, sizeof(err));
	if (rc != WSC_OK)
		check_fail(c, "a pong", "%s", err);
	else if (m.opcode != WS_PONG)
		check_fail(c, "a pong", "a %s frame", ws_opcode_name(m.opcode));
	else if (m.len != sizeof(payload) - 1 || memcmp(m.data, payload, m.len))
		check_fail(c, payload, "a pong with %zu other bytes", m.len);
	else
		check_pass(c, "the pong carried the ping's payload");
out:
	wsc_free(&w);
}

/* Wait for the TCP end after a close; returns ms waited, or -1. */
static int64_t wait_eof(struct check_ctx *c, struct wsc *w, int limit_ms)
{
	int64_t t0 = clock_ms();
	struct wsc_msg m;
	char err[256];
	int rc;

	do {
		rc = wsc_recv(w, &m, limit_ms, err, sizeof(err));
	} while (rc == WSC_OK && clock_ms() - t0 < limit_ms);
	(void)c;
	if (rc == WSC_ERR_EOF || rc == WSC_ERR_IO)
		return clock_ms() - t0;
	return -1;
}

static void run_close_from_client(struct check_ctx *c)
{
	struct wsc w;
	struct wsc_opts o;
	struct wsc_msg m;
	char err[512], token[33];
	const cJSON *close, *got;
	cJSON *rec = NULL;
	int rc, use_backends = c->env->backends && c->env->backends->n;

	probe_opts(c, &o);
	rc = probe_open(c, &w, &o, NULL, 0, use_backends ? token : NULL, err,
			sizeof(err));
	if (rc != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	if (wsc_send_close(&w, 1000, "wsctl bye", err, sizeof(err))) {
		check_fail(c, "a close sent", "%s", err);
		goto out;
	}
	rc = recv_close(&w, &m, check_time_left(c) < 5000 ?
			check_time_left(c) : 5000, err, sizeof(err));
	if (rc != WSC_OK) {
		check_fail(c, "a close frame back", "%s", err);
		goto out;
	}
	check_evidence_num(c, "close_code", m.close_code);
	if (m.close_code != 1000) {
		check_fail(c, "close 1000 back", "close %u", m.close_code);
		goto out;
	}
	if (wait_eof(c, &w, PROMPTLY_MS) < 0) {
		check_fail(c, "the TCP connection to end",
			   "still open %d ms after the close", PROMPTLY_MS);
		goto out;
	}
	if (use_backends) {
		if (!(rec = probe_record(c, token, NULL)))
			goto out;
		close = cJSON_GetObjectItemCaseSensitive(rec, "close");
		got = cJSON_GetObjectItemCaseSensitive(close, "received");
		if (!cJSON_IsNumber(got) || got->valueint != 1000) {
			check_fail(c, "the backend receives close 1000", "%s",
				   cJSON_IsNumber(got) ? "another code" :
				   "no close code at the backend");
			goto out;
		}
	}
	check_pass(c, "close 1000 went through and the connection ended");
out:
	cJSON_Delete(rec);
	wsc_free(&w);
}

static void run_close_from_backend(struct check_ctx *c)
{
	static const char *const ask[] = { "X-Wsctl-Close-After: 1:4000" };
	struct wsc w;
	struct wsc_opts o;
	struct wsc_msg m;
	char err[512];
	int64_t t;
	int rc;

	probe_opts(c, &o);
	if (probe_open(c, &w, &o, ask, 1, NULL, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	if (probe_echo(c, &w, WS_TEXT, "last", 4, "the one message") < 0)
		goto out;
	rc = recv_close(&w, &m, check_time_left(c) < 5000 ?
			check_time_left(c) : 5000, err, sizeof(err));
	if (rc != WSC_OK) {
		check_fail(c, "close 4000 from the backend", "%s", err);
		goto out;
	}
	check_evidence_num(c, "close_code", m.close_code);
	check_evidence_len(c, "close_reason", m.reason, m.reason_len);
	if (m.close_code != 4000 || m.reason_len == 0) {
		check_fail(c, "close 4000 with its reason", "close %u '%.*s'",
			   m.close_code, (int)m.reason_len, m.reason);
		goto out;
	}
	wsc_send_close(&w, 4000, "", err, sizeof(err));
	if ((t = wait_eof(c, &w, PROMPTLY_MS)) < 0) {
		check_fail(c, "the TCP connection to end within 2s",
			   "still open %d ms after the close", PROMPTLY_MS);
		goto out;
	}
	check_evidence_num(c, "tcp_end_ms", (double)t);
	check_pass(c, "close 4000 '%.*s' arrived; TCP ended %lld ms later",
		   (int)m.reason_len, m.reason, (long long)t);
out:
	wsc_free(&w);
}

static void run_backend_dies(struct check_ctx *c)
{
	struct backends *bs = c->env->backends;
	struct wsc w;
	struct wsc_opts o;
	struct wsc_msg m;
	char err[512], token[33];
	int64_t t0, took;
	int idx, rc;

	probe_opts(c, &o);
	if (probe_open(c, &w, &o, NULL, 0, token, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	if (probe_echo(c, &w, WS_TEXT, "alive", 5, "a message") < 0)
		goto out;
	if ((idx = probe_backend(c, &w, token)) < 0) {
		check_error(c, "cannot tell which backend serves the connection");
		goto out;
	}
	check_evidence_str(c, "killed", bs->b[idx].id);
	backends_stop(bs, idx, 1);
	t0 = clock_ms();
	rc = recv_close(&w, &m, PROMPTLY_MS + 1000, err, sizeof(err));
	took = clock_ms() - t0;
	check_evidence_num(c, "noticed_ms", (double)took);
	if (rc == WSC_ERR_TIMEOUT || took > PROMPTLY_MS)
		check_fail(c, "the client learns within 2s",
			   "%s after %lld ms", rc == WSC_ERR_TIMEOUT ?
			   "nothing" : "it learned", (long long)took);
	else
		check_pass(c, "the client learned after %lld ms (%s)",
			   (long long)took, rc == WSC_OK ? "a close frame" :
			   "the TCP connection ended");
	if (backends_start(bs, idx, err, sizeof(err)) < 0)
		check_error(c, "%s", err);
out:
	wsc_free(&w);
}

const struct check control_checks[] = {
	{ "control.ping-pong", "RFC 6455 5.5.2, 5.5.3",
	  "a ping is answered by a pong with its payload", run_ping_pong,
	  NEEDS_TUNNEL },
	{ "control.close-from-client", "RFC 6455 5.5.1, 7.1",
	  "the client's close comes back and the connection ends",
	  run_close_from_client, NEEDS_TUNNEL },
	{ "control.close-from-backend", "RFC 6455 5.5.1, 7.1.1",
	  "the backend's close code and reason arrive intact, TCP ends promptly",
	  run_close_from_backend, NEEDS_BACKENDS | NEEDS_TUNNEL },
	{ "control.backend-dies", "RFC 6455 7.1.1",
	  "a backend killed mid-connection: the client learns within 2s",
	  run_backend_dies, NEEDS_SPAWNED | NEEDS_TUNNEL |
	  RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
