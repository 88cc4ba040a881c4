/*
 * deflate.c - frames.compressed: permessage-deflate (RFC 7692) through
 * the proxy.  Browsers and most client libraries offer it, and many
 * servers agree; a proxy that drops the offer (or the answer) costs
 * bandwidth silently, and one that passes the agreement but not the
 * compressed frames (RSV1), or parses and re-frames them, breaks every
 * message.  The spawned backends agree to the offer and count the
 * compressed messages each way, so the check knows the frames crossed
 * the proxy compressed, not only that the messages came back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/probe.h"
#include "checks/run.h"

#define COPIES 2	/* each message twice: the second leans on the first
			   (context takeover) */

static const size_t sizes[] = { 10, 64 << 10, 1 << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define NMSGS (NSIZES * COPIES)

/* Text that compresses as prose does: words from a short list. */
static void fill(char *buf, size_t len, unsigned seed)
{
	static const char *const words[] = {
		"proxy ", "upgrade ", "frame ", "tunnel ", "wsctl ", "socket ",
		"deflate ", "echo ", "nginx ", "message ", "window ", "bits ",
	};
	uint32_t x = seed * 2654435761u + 1;
	size_t off = 0;

	while (off < len) {
		const char *w;
		size_t n;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % (sizeof(words) / sizeof(words[0]))];
		n = strlen(w);
		if (n > len - off)
			n = len - off;
		memcpy(buf + off, w, n);
		off += n;
	}
}

/* Send each message COPIES times; each must come back compressed and
 * whole.  Returns 0, or -1 with c failed. */
static int exchange(struct check_ctx *c, struct wsc *w, char *buf)
{
	size_t i, k;
	struct wsc_msg m;
	char err[512], what[64];
	int rc;

	for (i = 0; i < NSIZES; i++) {
		unsigned op = i == 1 ? WS_BINARY : WS_TEXT;

		fill(buf, sizes[i], (unsigned)i);
		snprintf(what, sizeof(what), "%zu-byte %s messages", sizes[i],
			 ws_opcode_name(op));
		for (k = 0; k < COPIES; k++)
			if (wsc_send(w, op, buf, sizes[i], err, sizeof(err))) {
				check_fail(c, what, "sending: %s", err);
				return -1;
			}
		for (k = 0; k < COPIES; k++) {
			do
				rc = wsc_recv(w, &m, check_time_left(c), err,
					      sizeof(err));
			while (rc == WSC_OK && m.opcode == WS_PONG);
			if (rc != WSC_OK) {
				check_fail(c, what, "no echo of copy %zu: %s",
					   k + 1, err);
				return -1;
			}
			if (!m.compressed) {
				check_fail(c, "the echo compressed (RSV1)",
					   "copy %zu of the %s came back "
					   "uncompressed: the proxy inflated "
					   "it", k + 1, what);
				return -1;
			}
			if (m.opcode != op || m.len != sizes[i] ||
			    memcmp(m.data, buf, m.len)) {
				check_fail(c, what, "copy %zu came back as a "
					   "%zu-byte %s message, not the one "
					   "sent", k + 1, m.len,
					   ws_opcode_name(m.opcode));
				return -1;
			}
		}
	}
	return 0;
}

/* The 101 agreed to nothing: say who dropped what. */
static void not_agreed(struct check_ctx *c, const cJSON *rec)
{
	const char *agreed = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(rec, "extension"));
	char offer[256];

	if (!record_header(rec, "Sec-WebSocket-Extensions", offer,
			   sizeof(offer))) {
		/* what headers.websocket-passthrough sees too */
		snprintf(c->res->follows, sizeof(c->res->follows),
			 "headers.websocket-passthrough");
		check_fail(c, "Sec-WebSocket-Extensions: permessage-deflate at "
			   "the backend", "the backend received no "
			   "Sec-WebSocket-Extensions header: the proxy dropped "
			   "the client's offer, so nothing is compressed");
	} else if (agreed)
		check_fail(c, "Sec-WebSocket-Extensions in the 101",
			   "the backend agreed to '%s', but the 101 the client "
			   "got has no Sec-WebSocket-Extensions: the proxy "
			   "dropped it", agreed);
	else if (!strstr(offer, "permessage-deflate"))
		check_fail(c, "the client's offer at the backend",
			   "the backend received Sec-WebSocket-Extensions "
			   "'%s', not the client's permessage-deflate offer",
			   offer);
	else
		check_skip(c, "the backend got the offer and did not agree "
			   "(wsctl echo --no-deflate?)");
}

static void run_compressed(struct check_ctx *c)
{
	char token[33], err[512];
	struct wsc_opts o;
	struct wsc w;
	cJSON *rec = NULL, *z;
	char *buf = malloc(sizes[NSIZES - 1]);
	double in, out;
	int rc;

	if (!buf) {
		check_error(c, "out of memory");
		return;
	}
	probe_opts(c, &o);
	o.flags |= WSC_DEFLATE;
	o.max_message = sizes[NSIZES - 1];
	rc = probe_open(c, &w, &o, NULL, 0, token, err, sizeof(err));
	if (rc != WSC_OK) {
		probe_failed(c, err);
		goto out;
	}
	if (w.extension[0] && exchange(c, &w, buf) < 0)
		goto out;
	wsc_close(&w, 1000, NULL, check_time_left(c), err, sizeof(err));
	if (!(rec = probe_record(c, token, NULL)))
		goto out;
	if (!w.extension[0]) {
		not_agreed(c, rec);
		goto out;
	}
	check_evidence_str(c, "extension", w.extension);
	z = cJSON_GetObjectItemCaseSensitive(rec, "compressed");
	in = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(z,
								   "received"));
	out = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(z, "sent"));
	if (in != NMSGS || out != NMSGS)
		check_fail(c, "every message compressed at the backend, both "
			   "ways", "the backend got %.0f and sent %.0f of the "
			   "%zu messages compressed: the proxy re-framed them",
			   in == in ? in : 0, out == out ? out : 0, NMSGS);
	else
		check_pass(c, "'%s' agreed; 10 B, 64 KiB and 1 MiB, twice "
			   "each, came back compressed and whole, and crossed "
			   "the proxy compressed both ways", w.extension);
out:
	cJSON_Delete(rec);
	wsc_free(&w);
	free(buf);
}

const struct check deflate_checks[] = {
	{ "frames.compressed", "RFC 7692 5-7",
	  "permessage-deflate is agreed through the proxy, and compressed "
	  "messages of 10 B, 64 KiB and 1 MiB cross it both ways",
	  run_compressed, NEEDS_BACKENDS | NEEDS_TUNNEL },
	{ NULL, NULL, NULL, NULL, 0 },
};
