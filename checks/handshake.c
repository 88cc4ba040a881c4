/*
 * handshake.c - handshake.*: what every client does first (RFC 6455
 * section 4), judged on the response head as received.
 */
#include <stdio.h>
#include <string.h>

#include "checks/probe.h"
#include "common/clock.h"
#include "checks/run.h"
#include "common/http.h"

/* The response's status line, for "observed". */
static const char *status_line(const struct wsc *w, char *buf, size_t len)
{
	size_t n = strcspn(w->head, "\r\n");

	if (!w->head_len)
		return "";
	snprintf(buf, len, "%.*s", (int)n, w->head);
	return buf;
}

/* The value of response header name, or "" (into buf): every line of
 * that name, joined with ", " as one list (RFC 9110 5.3). */
static const char *resp_header(const struct wsc *w, const char *name,
			       char *buf, size_t len)
{
	size_t used = 0, n = w->head_len ? w->res.num_headers : 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct http_header *h = &w->headers[i];

		if (!http_ieq(h->name, h->name_len, name) || used >= len)
			continue;
		used += snprintf(buf + used, len - used, "%s%.*s",
				 used ? ", " : "", (int)h->value_len, h->value);
	}
	return buf;
}

/* Open a plain upgrade; on anything but a 101 head, fail c. */
static int open_101(struct check_ctx *c, struct wsc *w, struct wsc_opts *o,
		    const char *const *hdrs, size_t n)
{
	char err[512], line[256];
	int rc = probe_open(c, w, o, hdrs, n, NULL, err, sizeof(err));

	if (rc == WSC_OK || (rc == WSC_ERR_UPGRADE && w->res.status == 101))
		return 0;
	if (w->head_len)
		check_fail(c, "HTTP/1.1 101 Switching Protocols", "%s",
			   status_line(w, line, sizeof(line)));
	else
		probe_failed(c, err);
	return -1;
}

static void run_status_101(struct check_ctx *c)
{
	struct wsc w;
	struct wsc_opts o;
	char line[256];

	probe_opts(c, &o);
	if (open_101(c, &w, &o, NULL, 0) == 0)
		check_pass(c, "%s", status_line(&w, line, sizeof(line)));
	wsc_free(&w);
}

static void run_accept_key(struct check_ctx *c)
{
	struct wsc w;
	struct wsc_opts o;
	const struct http_header *key;
	char want[WS_ACCEPT_LEN + 1], got[256];

	probe_opts(c, &o);
	if (open_101(c, &w, &o, NULL, 0) < 0)
		goto out;
	if (!(key = http_find(w.sent, w.nsent, "Sec-WebSocket-Key"))) {
		check_error(c, "cannot read back the key sent");
		goto out;
	}
	ws_accept_key(key->value, key->value_len, want);
	resp_header(&w, "Sec-WebSocket-Accept", got, sizeof(got));
	check_evidence_len(c, "key", key->value, key->value_len);
	if (!strcmp(got, want))
		check_pass(c, "Sec-WebSocket-Accept: %s", got);
	else if (!got[0])
		check_fail(c, want, "no Sec-WebSocket-Accept header");
	else
		check_fail(c, want, "%s", got);
out:
	wsc_free(&w);
}

static void run_response_headers(struct check_ctx *c)
{
	struct wsc w;
	struct wsc_opts o;
	char up[128], conn[256];

	probe_opts(c, &o);
	if (open_101(c, &w, &o, NULL, 0) < 0)
		goto out;
	resp_header(&w, "Upgrade", up, sizeof(up));
	resp_header(&w, "Connection", conn, sizeof(conn));
	if (!http_ieq(up, strlen(up), "websocket") ||
	    !http_has_token(conn, strlen(conn), "upgrade"))
		check_fail(c, "Upgrade: websocket, Connection: upgrade",
			   "Upgrade: %s, Connection: %s", up[0] ? up : "(none)",
			   conn[0] ? conn : "(none)");
	else
		check_pass(c, "Upgrade: %s, Connection: %s", up, conn);
out:
	wsc_free(&w);
}

static void run_subprotocol(struct check_ctx *c)
{
	char hbuf[1024];
	static const char *const offer[] = { "wsctl.unknown", "wsctl.check" };
	struct wsc w;
	struct wsc_opts o;
	char token[33], err[512], got[128];
	const char *seen;
	cJSON *rec;
	int rc;

	probe_opts(c, &o);
	o.protocols = offer;
	o.nprotocols = 2;
	rc = probe_open(c, &w, &o, NULL, 0, token, err, sizeof(err));
	resp_header(&w, "Sec-WebSocket-Protocol", got, sizeof(got));
	if (rc != WSC_OK && !(rc == WSC_ERR_UPGRADE && w.res.status == 101)) {
		probe_failed(c, err);
		goto out;
	}
	if (strcmp(got, "wsctl.check")) {
		check_fail(c, "Sec-WebSocket-Protocol: wsctl.check",
			   "%s", got[0] ? got : "no Sec-WebSocket-Protocol");
		goto out;
	}
	if (!(rec = probe_record(c, token, NULL)))
		goto out;
	seen = record_header(rec, "Sec-WebSocket-Protocol", hbuf, sizeof(hbuf));
	if (!seen || strcmp(seen, "wsctl.unknown, wsctl.check"))
		check_fail(c, "the backend sees 'wsctl.unknown, wsctl.check'",
			   "'%s'", seen ? seen : "(none)");
	else
		check_pass(c, "wsctl.check agreed end to end");
	cJSON_Delete(rec);
out:
	wsc_free(&w);
}

static void run_connection_variants(struct check_ctx *c)
{
	static const char *const variants[][1] = {
		{ "Connection: keep-alive, Upgrade" },
		{ "Upgrade: WebSocket" },
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct wsc w;
		struct wsc_opts o;
		char err[512], line[256];
		int rc;

		probe_opts(c, &o);
		rc = probe_open(c, &w, &o, variants[i], 1, NULL, err, sizeof(err));
		if (rc != WSC_OK) {
			check_fail(c, "101 for each variant", "'%s': %s",
				   variants[i][0], w.head_len ?
				   status_line(&w, line, sizeof(line)) : err);
			wsc_free(&w);
			return;
		}
		wsc_free(&w);
	}
	check_pass(c, "both variants upgraded");
}

static void run_pipelined(struct check_ctx *c)
{
	static const char text[] = "wsctl pipelined frame";
	static const char after[] = "wsctl frame after the 101";
	uint8_t frame[WS_MAX_HDR + sizeof(text)], mask[4];
	int64_t t0;
	struct wsc w;
	struct wsc_opts o;
	struct wsc_msg m;
	char err[512];
	size_t h;
	int rc;

	ws_make_mask(mask);
	h = ws_frame_header(frame, 1, WS_TEXT, sizeof(text) - 1, mask);
	memcpy(frame + h, text, sizeof(text) - 1);
	ws_mask(frame + h, sizeof(text) - 1, mask, 0);
	probe_opts(c, &o);
	o.early = frame;
	o.early_len = h + sizeof(text) - 1;
	rc = probe_open(c, &w, &o, NULL, 0, NULL, err, sizeof(err));
	if (rc != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	/* a frame sent the usual way after the 101: when its echo comes
	   first, the pipelined one was dropped, and no timeout is waited */
	t0 = clock_ms();
	if (wsc_send(&w, WS_TEXT, after, sizeof(after) - 1, err,
		     sizeof(err)) != WSC_OK) {
		check_fail(c, "the echo of the frame sent with the handshake",
			   "%s", err);
		goto out;
	}
	do {
		rc = wsc_recv(&w, &m, check_time_left(c) < 5000 ?
			      check_time_left(c) : 5000, err, sizeof(err));
	} while (rc == WSC_OK && (m.opcode == WS_PING || m.opcode == WS_PONG));
	if (rc == WSC_OK && m.len == sizeof(after) - 1 &&
	    !memcmp(m.data, after, m.len))
		check_fail(c, "the echo of the frame sent with the handshake",
			   "the proxy dropped it: a frame sent after the 101 "
			   "came back in %lldms, the one sent with the "
			   "handshake never", (long long)(clock_ms() - t0));
	else if (rc != WSC_OK)
		check_fail(c, "the echo of the frame sent with the handshake",
			   "%s", rc == WSC_ERR_TIMEOUT ?
			   "nothing within 5s: the proxy dropped both it and "
			   "a frame sent after the 101" : err);
	else if (m.opcode != WS_TEXT || m.len != sizeof(text) - 1 ||
		 memcmp(m.data, text, m.len))
		check_fail(c, "'wsctl pipelined frame'", "a %s message of %zu bytes",
			   ws_opcode_name(m.opcode), m.len);
	else
		check_pass(c, "the pipelined frame came back");
out:
	wsc_free(&w);
}

static void run_rejection(struct check_ctx *c)
{
	struct wsc w;
	struct wsc_opts o;
	char url[2300], err[512], line[256];
	int rc;

	snprintf(url, sizeof(url), "%s%swsctl-reject", c->url,
		 strchr(c->url, '?') ? "&" : "?");
	probe_opts(c, &o);
	o.url = url;
	rc = probe_open(c, &w, &o, NULL, 0, NULL, err, sizeof(err));
	c->res->no_tunnel = 0;	/* a refusal is what it wants */
	if (rc == WSC_ERR_STATUS && w.res.status == 403)
		check_pass(c, "%s", status_line(&w, line, sizeof(line)));
	else if (w.head_len)
		check_fail(c, "the backend's 403", "%s",
			   status_line(&w, line, sizeof(line)));
	else
		check_fail(c, "the backend's 403", "%s", err);
	wsc_free(&w);
}

const struct check handshake_checks[] = {
	{ "handshake.status-101", "RFC 6455 4.1, 4.2.2",
	  "an upgrade request is answered 101", run_status_101, RUNS_FIRST },
	{ "handshake.accept-key", "RFC 6455 4.2.2",
	  "Sec-WebSocket-Accept is right for the key sent", run_accept_key,
	  NEEDS_TUNNEL },
	{ "handshake.response-headers", "RFC 6455 4.2.2",
	  "the 101 has Upgrade: websocket and Connection: upgrade",
	  run_response_headers, NEEDS_TUNNEL },
	{ "handshake.subprotocol", "RFC 6455 4.2.2, 11.3.4",
	  "a subprotocol is negotiated end to end", run_subprotocol,
	  NEEDS_SPAWNED | NEEDS_TUNNEL },
	{ "handshake.connection-variants", "RFC 6455 4.2.1; RFC 9110 7.6.1",
	  "'Connection: keep-alive, Upgrade' and 'Upgrade: WebSocket' upgrade",
	  run_connection_variants, NEEDS_TUNNEL },
	{ "handshake.pipelined", "RFC 6455 4.1",
	  "a frame sent in the same write as the handshake comes back",
	  run_pipelined, NEEDS_TUNNEL },
	{ "handshake.rejection", "RFC 6455 4.2.2",
	  "a backend's refusal (403) reaches the client unchanged",
	  run_rejection, NEEDS_SPAWNED },
	{ NULL, NULL, NULL, NULL, 0 },
};
