/*
 * frames.c - frames.*: messages through the tunnel, echoed by the backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/probe.h"
#include "checks/run.h"

/* Open a plain connection; fail c and return -1 when it does not upgrade. */
static int open_ws(struct check_ctx *c, struct wsc *w)
{
	struct wsc_opts o;
	char err[512];

	probe_opts(c, &o);
	o.max_message = (16u << 20) + 1;
	if (probe_open(c, w, &o, NULL, 0, NULL, err, sizeof(err)) != WSC_OK)
		return probe_failed(c, err);
	return 0;
}

static void run_text(struct check_ctx *c)
{
	static const char text[] = "wsctl text: h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c, "
				   "\xf0\x9f\x91\x8b";
	struct wsc w;

	if (open_ws(c, &w) == 0 &&
	    probe_echo(c, &w, WS_TEXT, text, sizeof(text) - 1, "a text message") == 0)
		check_pass(c, "%zu bytes of UTF-8 came back as text", sizeof(text) - 1);
	wsc_free(&w);
}

static void run_binary(struct check_ctx *c)
{
	uint8_t buf[512];
	struct wsc w;
	int i;

	for (i = 0; i < 512; i++)
		buf[i] = (uint8_t)(i ^ (i >> 8));
	if (open_ws(c, &w) == 0 &&
	    probe_echo(c, &w, WS_BINARY, buf, sizeof(buf), "a binary message") == 0)
		check_pass(c, "every byte value came back as binary");
	wsc_free(&w);
}

static void run_sizes(struct check_ctx *c)
{
	static const size_t sizes[] = { 0, 125, 126, 65535, 65536, 1 << 20,
					16 << 20 };
	uint8_t *buf = malloc(16 << 20);
	struct wsc w;
	size_t i;
	char what[64];

	if (!buf) {
		check_error(c, "out of memory");
		return;
	}
	for (i = 0; i < (size_t)(16 << 20); i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 24);
	if (open_ws(c, &w) < 0)
		goto out;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(what, sizeof(what), "%zu bytes", sizes[i]);
		if (probe_echo(c, &w, WS_BINARY, buf, sizes[i], what) < 0)
			goto out;
	}
	check_pass(c, "0, 125, 126, 65535, 65536 bytes, 1 MiB and 16 MiB came back");
out:
	wsc_free(&w);
	free(buf);
}

static void run_fragmented(struct check_ctx *c)
{
	static const char want[] = "frag-one frag-two frag-three";
	struct wsc w;
	struct wsc_msg m;
	char err[256];
	int rc, pong = 0;

	if (open_ws(c, &w) < 0)
		goto out;
	if (wsc_send_frame(&w, 0, WS_TEXT, "frag-one ", 9, err, sizeof(err)) ||
	    wsc_send_frame(&w, 1, WS_PING, "between", 7, err, sizeof(err)) ||
	    wsc_send_frame(&w, 0, WS_CONT, "frag-two ", 9, err, sizeof(err)) ||
	    wsc_send_frame(&w, 1, WS_CONT, "frag-three", 10, err, sizeof(err))) {
		check_fail(c, "the fragments sent", "%s", err);
		goto out;
	}
	for (;;) {
		rc = wsc_recv(&w, &m, check_time_left(c), err, sizeof(err));
		if (rc != WSC_OK || m.opcode != WS_PONG)
			break;
		pong = 1;
	}
	if (rc != WSC_OK)
		check_fail(c, want, "%s", err);
	else if (m.opcode != WS_TEXT || m.len != sizeof(want) - 1 ||
		 memcmp(m.data, want, m.len))
		check_fail(c, want, "a %s message of %zu bytes",
			   ws_opcode_name(m.opcode), m.len);
	else
		check_pass(c, "three fragments came back as one message%s",
			   pong ? ", and the ping between them got its pong" : "");
out:
	wsc_free(&w);
}

static void run_burst(struct check_ctx *c)
{
	enum { BIG = 48 * 1024, N = 10 };
	uint8_t *big = malloc(BIG);
	struct wsc w;
	struct wsc_msg m;
	char err[256], small[32];
	int i, rc;

	if (!big) {
		check_error(c, "out of memory");
		return;
	}
	if (open_ws(c, &w) < 0)
		goto out;
	for (i = 0; i < N; i++) {
		memset(big, 'a' + i, BIG);
		snprintf(small, sizeof(small), "small-%d", i);
		if (wsc_send(&w, WS_BINARY, big, BIG, err, sizeof(err)) ||
		    wsc_send(&w, WS_TEXT, small, strlen(small), err, sizeof(err))) {
			check_fail(c, "20 messages sent", "%s", err);
			goto out;
		}
	}
	for (i = 0; i < 2 * N; i++) {
		rc = wsc_recv(&w, &m, check_time_left(c), err, sizeof(err));
		if (rc != WSC_OK) {
			check_fail(c, "20 messages back in order", "%d came back, "
				   "then: %s", i, err);
			goto out;
		}
		if (i % 2 == 0) {
			memset(big, 'a' + i / 2, BIG);
			if (m.opcode != WS_BINARY || m.len != BIG ||
			    memcmp(m.data, big, BIG)) {
				check_fail(c, "20 messages back in order",
					   "message %d is not the %d. 48 KiB one",
					   i + 1, i / 2 + 1);
				goto out;
			}
		} else {
			snprintf(small, sizeof(small), "small-%d", i / 2);
			if (m.opcode != WS_TEXT || m.len != strlen(small) ||
			    memcmp(m.data, small, m.len)) {
				check_fail(c, "20 messages back in order",
					   "message %d is not '%s'", i + 1, small);
				goto out;
			}
		}
	}
	check_pass(c, "ten 48 KiB and ten small messages came back in order");
out:
	wsc_free(&w);
	free(big);
}

const struct check frames_checks[] = {
	{ "frames.text", "RFC 6455 5.6", "a text message comes back as text",
	  run_text, NEEDS_TUNNEL },
	{ "frames.binary", "RFC 6455 5.6",
	  "a binary message comes back as binary", run_binary, NEEDS_TUNNEL },
	{ "frames.sizes", "RFC 6455 5.2",
	  "0, 125, 126, 65535, 65536 bytes, 1 MiB and 16 MiB come back",
	  run_sizes, NEEDS_TUNNEL },
	{ "frames.fragmented", "RFC 6455 5.4",
	  "a fragmented message comes back whole", run_fragmented,
	  NEEDS_TUNNEL },
	{ "frames.burst", "RFC 6455 5.4",
	  "ten 48 KiB and ten small messages sent back to back come back in order",
	  run_burst, NEEDS_TUNNEL },
	{ NULL, NULL, NULL, NULL, 0 },
};
