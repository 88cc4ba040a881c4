/*
 * upgrade.c - upgrade.refused-no-tunnel and upgrade.refused-no-leak: a
 * refused upgrade must stay refused.  A proxy that opens the tunnel on
 * the client's request rather than on the backend's 101, or passes on
 * the bytes pipelined behind the request, lets a client speak raw to the
 * backend on a connection the proxy no longer reads as HTTP: requests
 * that skip its routing and access rules (WebSocket smuggling; Envoy's
 * and HAProxy's tests cover the case).  The backend's record says what
 * reached it on that connection after the head it refused.  And
 * upgrade.h2c: a proxy that passes any Upgrade on tunnels HTTP/2 to a
 * backend that takes h2c, the same bypass by another door (h2c
 * smuggling).
 */
#include <stdio.h>
#include <string.h>

#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"

#define SETTLE_MS 300		/* for smuggled bytes to reach the backend */

/* A record's count of bytes after the head its backend answered. */
static double after_bytes(const cJSON *rec)
{
	const cJSON *a = cJSON_GetObjectItem(rec, "after_head");
	double n = cJSON_GetNumberValue(cJSON_GetObjectItem(a, "bytes"));

	return n == n ? n : 0;	/* NaN: an echo without the field */
}

/* The bytes the backend got after the head it answered, or -1. */
static double after_head(struct check_ctx *c, const char *token, char *start,
			 size_t len)
{
	cJSON *rec = probe_record(c, token, NULL);
	const char *s;
	double n;

	if (!rec)
		return -1;
	n = after_bytes(rec);
	s = cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(rec, "after_head"), "start"));
	/* its first line, for the message */
	snprintf(start, len, "%.*s", (int)(s ? strcspn(s, "\r\n") : 0),
		 s ? s : "");
	cJSON_Delete(rec);
	return n;
}

/* A frame after the refusal, as a client that took it for a 101. */
static void run_no_tunnel(struct check_ctx *c)
{
	static const int refusals[] = { 403, 426, 200 };
	static const char frame[] = "\x81\x88\x01\x02\x03\x04"
		"rovcfnf`";	/* "smuggled", masked */
	char hdr[40], token[33], err[512], start[80];
	const char *hdrs[1] = { hdr };
	struct wsc_opts o;
	struct wsc w;
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		int rc;
		double n;

		snprintf(hdr, sizeof(hdr), "X-Wsctl-Refuse: %d", refusals[i]);
		probe_opts(c, &o);
		rc = probe_open(c, &w, &o, hdrs, 1, token, err, sizeof(err));
		c->res->no_tunnel = 0;	/* a refusal is what it wants */
		if (rc == WSC_OK || w.res.status == 101) {
			check_fail(c, "the backend's refusal passed on",
				   "the backend refused with %d, the client got "
				   "101: the proxy opened a tunnel anyway",
				   refusals[i]);
			wsc_free(&w);
			return;
		}
		if (w.res.status != refusals[i]) {
			check_fail(c, "the backend's refusal passed on",
				   "the backend refused with %d, the client got "
				   "%s", refusals[i], w.head_len ? "another "
				   "answer" : err);
			wsc_free(&w);
			return;
		}
		/* the connection may be closed: a failed send is fine */
		wsc_send_raw(&w, frame, sizeof(frame) - 1, err, sizeof(err));
		probe_sleep(c, SETTLE_MS);
		wsc_free(&w);
		if ((n = after_head(c, token, start, sizeof(start))) < 0)
			return;
		if (n > 0) {
			check_evidence_num(c, "after_head", n);
			check_fail(c, "nothing more at the backend after its "
				   "refusal", "after its %d the backend got %.0f "
				   "bytes more on that connection: the proxy "
				   "kept it as a tunnel", refusals[i], n);
			return;
		}
	}
	check_pass(c, "refusals 403, 426 and 200-with-Upgrade each reached the "
		   "client, and a frame sent after one never reached the "
		   "backend");
}

/* A request pipelined behind a refused upgrade, in the same write. */
static void run_no_leak(struct check_ctx *c)
{
	char early[2600], token[33], token2[33], err[512], start[80];
	static const char *const hdrs[] = { "X-Wsctl-Refuse: 403" };
	struct wsc_opts o;
	struct url u;
	struct wsc w;
	double n;
	int rc;

	if (url_parse(c->url, &u, err, sizeof(err)) < 0) {
		check_error(c, "%s", err);
		return;
	}
	backends_token(token2);
	snprintf(early, sizeof(early), "GET %s%swsctl-smuggled HTTP/1.1\r\n"
		 "Host: %s\r\nX-Wsctl-Probe: %s\r\n\r\n", u.path,
		 strchr(u.path, '?') ? "&" : "?", u.host, token2);
	probe_opts(c, &o);
	o.early = early;
	o.early_len = strlen(early);
	rc = probe_open(c, &w, &o, hdrs, 1, token, err, sizeof(err));
	c->res->no_tunnel = 0;
	if (rc == WSC_OK || w.res.status != 403) {
		check_fail(c, "the backend's 403 passed on", "%s",
			   rc == WSC_OK ? "101: the proxy opened a tunnel" :
			   w.head_len ? "another answer" : err);
		wsc_free(&w);
		return;
	}
	probe_sleep(c, SETTLE_MS);
	wsc_free(&w);
	if ((n = after_head(c, token, start, sizeof(start))) < 0)
		return;
	check_evidence_num(c, "after_head", n);
	if (n > 0)
		check_fail(c, "the pipelined request never at the backend raw",
			   "%.0f bytes reached the backend behind the refused "
			   "upgrade, on its connection: \"%s\"", n, start);
	else
		check_pass(c, "a request pipelined behind a refused upgrade "
			   "never reached the backend on that connection");
}

/* A backend that takes h2c, as Go's and Envoy's can when so set up */
static void run_h2c(struct check_ctx *c)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
		"\x00\x00\x00\x04\x00\x00\x00\x00\x00";	/* + SETTINGS */
	char head[2600], token[33], err[512], host[300], upg[256];
	struct wsc_opts o;
	struct url u;
	struct wsc w;
	cJSON *rec;
	double after = 0, bstatus = 0;
	int tunnel, got;

	if (url_parse(c->url, &u, err, sizeof(err)) < 0) {
		check_error(c, "%s", err);
		return;
	}
	backends_token(token);
	snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: %s\r\n"
		 "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
		 "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
		 "X-Wsctl-H2c: 1\r\nX-Wsctl-Probe: %s\r\n\r\n", u.path,
		 url_host_header(&u, host, sizeof(host)), token);
	probe_opts(c, &o);
	o.raw_head = head;
	o.raw_head_len = strlen(head);
	probe_open(c, &w, &o, NULL, 0, NULL, err, sizeof(err));
	c->res->no_tunnel = 0;	/* no WebSocket is wanted here */
	got = w.head_len ? w.res.status : 0;
	tunnel = got == 101;
	if (tunnel) {
		/* what an h2c client sends next: straight to the backend? */
		wsc_send_raw(&w, preface, sizeof(preface) - 1, NULL, 0);
		probe_sleep(c, SETTLE_MS);
	}
	wsc_free(&w);
	/* no record is an answer too: the proxy kept the request */
	rec = backends_probe(c->env->backends, token, 1000, NULL);
	if (rec) {
		after = after_bytes(rec);
		bstatus = cJSON_GetNumberValue(cJSON_GetObjectItem(rec,
								   "status"));
		if (!record_header(rec, "Upgrade", upg, sizeof(upg)))
			snprintf(upg, sizeof(upg), "(none)");
		check_evidence_json(c, "backend_record", rec);
	}
	if (tunnel)
		check_fail(c, "Upgrade: h2c not tunnelled",
			   "the proxy passed Upgrade: h2c on and tunnelled the "
			   "backend's 101: %.0f bytes of the client's HTTP/2 "
			   "preface reached the backend past the proxy (h2c "
			   "smuggling: requests that skip the proxy's routing "
			   "and access rules)", after);
	else if (!got)
		check_fail(c, "an answer to a request with Upgrade: h2c",
			   "%s (curl --http2 sends such requests)", err);
	else if (!rec)
		check_pass(c, "the proxy answered %d itself; nothing reached "
			   "a backend", got);
	else if (bstatus == 101)
		check_pass(c, "the backend took the h2c upgrade, the proxy did "
			   "not tunnel it: the client got %d", got);
	else
		check_pass(c, "the backend saw Upgrade: %s and answered %.0f; "
			   "the client got %d", upg, bstatus, got);
}

const struct check upgrade_checks[] = {
	{ "upgrade.refused-no-tunnel", "RFC 6455 4.1; RFC 9110 7.8",
	  "a backend's refusal (403, 426, 200 with Upgrade) opens no tunnel",
	  run_no_tunnel, NEEDS_BACKENDS },
	{ "upgrade.refused-no-leak", "RFC 9112 9.3.2; RFC 6455 4.1",
	  "a request pipelined behind a refused upgrade never reaches the "
	  "backend raw", run_no_leak, NEEDS_BACKENDS },
	{ "upgrade.h2c", "RFC 7540 3.2; RFC 9113 3.1",
	  "Upgrade: h2c is never tunnelled, even to a backend that takes it",
	  run_h2c, NEEDS_BACKENDS },
	{ NULL, NULL, NULL, NULL, 0 },
};
