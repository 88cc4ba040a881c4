/*
 * diff.c - the differential frame run, diff.*: each case sends the same
 * frames twice, once straight to a backend and once through the proxy,
 * and compares what came back: messages (opcode, length, a hash of the
 * bytes), pongs, the close (code and reason) and how TCP ended.  A byte
 * relay (nginx, HAProxy, wsctl proxy) changes nothing, whatever the
 * frames; a proxy that parses frames (gateways, API managers, a node
 * relay) may validate, drop or rewrite them, and the case says where it
 * differs from the backend itself.  Nothing here judges the frames:
 * the backend's answer is the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"

#define QUIET_MS 1000		/* nothing more comes: the outcome is whole
				   (or half the proxy's read timeout, when
				   that is known and shorter) */
#define BIG (16u << 20)		/* diff.fragments-16mib */
#define BIG_QUICK (64u << 10)	/* ... with --quick */

struct out {
	uint8_t *p;
	size_t len, cap;
	uint8_t mask[4];	/* one for all: millions of frames may go */
	int closed;		/* a close is among them */
	size_t big;		/* diff.fragments-16mib's size */
};

/* One masked client frame: byte 0 as given (FIN, RSV, opcode). */
static int put(struct out *o, unsigned b0, const void *data, size_t len)
{
	size_t h;

	if (o->len + WS_MAX_HDR + len > o->cap) {
		size_t cap = (o->cap ? o->cap * 2 : 4096) + WS_MAX_HDR + len;
		uint8_t *p = realloc(o->p, cap);

		if (!p)
			return -1;
		o->p = p;
		o->cap = cap;
	}
	h = ws_frame_header(o->p + o->len, 1, 0, len, o->mask);
	o->p[o->len] = (uint8_t)b0;
	memcpy(o->p + o->len + h, data, len);
	ws_mask(o->p + o->len + h, len, o->mask, 0);
	o->len += h + len;
	return 0;
}

#define FIN 0x80
#define RSV1 0x40

static int close_frame(struct out *o, const uint8_t *p, size_t n)
{
	o->closed = 1;
	return put(o, FIN | WS_CLOSE, p, n);
}

static int b_rsv(struct out *o)
{
	return put(o, FIN | RSV1 | WS_TEXT, "rsv1", 4);
}

static int b_ping126(struct out *o)
{
	uint8_t p[126];

	memset(p, 'p', sizeof(p));
	return put(o, FIN | WS_PING, p, sizeof(p));
}

static int b_ping_frag(struct out *o)
{
	return put(o, WS_PING, "frag", 4) || put(o, FIN | WS_CONT, "ment", 4);
}

static int b_ping_between(struct out *o)
{
	return put(o, WS_TEXT, "hel", 3) || put(o, FIN | WS_PING, "mid", 3) ||
	       put(o, FIN | WS_CONT, "lo", 2);
}

static int b_utf8(struct out *o)
{
	return put(o, FIN | WS_TEXT, "ok \xc3\x28 no", 8);
}

static int b_close1005(struct out *o)
{
	return close_frame(o, (const uint8_t *)"\x03\xed", 2);
}

static int b_close999(struct out *o)
{
	return close_frame(o, (const uint8_t *)"\x03\xe7", 2);
}

static int b_close4000(struct out *o)
{
	return close_frame(o, (const uint8_t *)"\x0f\xa0" "bye", 5);
}

static int b_close1(struct out *o)
{
	return close_frame(o, (const uint8_t *)"\x03", 1);
}

static int b_after_close(struct out *o)
{
	return close_frame(o, (const uint8_t *)"\x03\xe8", 2) ||
	       put(o, FIN | WS_TEXT, "late", 4);
}

static int b_fragments(struct out *o)
{
	size_t n = o->big;

	for (size_t i = 0; i < n; i++)
		if (put(o, (i ? WS_CONT : WS_TEXT) | (i == n - 1 ? FIN : 0),
			"abcdefghijklmnopqrstuvwxyz" + i % 26, 1) < 0)
			return -1;
	return 0;
}

static int quiet_ms(const struct check_ctx *c)
{
	int64_t t = run_scaled(c->env->cfg, c->env->expect->read_timeout_ms);

	return t && t / 2 < QUIET_MS ? (int)(t / 2 > 50 ? t / 2 : 50) :
	       QUIET_MS;
}

/* FNV-1a over a message, for comparing without keeping it */
static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/*
 * Send o over a fresh connection to url (dialing connect when set) and
 * describe what came back, one item after another, into d: "text 5
 * #1a2b3c4d; pong 3; close 1002 'reserved bits set'; end".
 */
static void outcome(struct check_ctx *c, const char *url, const char *connect,
		    const struct out *o, int wait_ms, char *d, size_t len)
{
	struct wsc_opts op;
	struct wsc w;
	char err[512];
	size_t n = 0, msg = 0, frames = 0;
	uint32_t h = 2166136261u;
	unsigned op_msg = 0;

	probe_opts(c, &op);
	op.url = url;
	op.connect_to = connect;
	d[0] = 0;
#define SAY(...) (n += (size_t)snprintf(d + n, n < len ? len - n : 0, \
					 __VA_ARGS__), n = n < len ? n : len)
	if (wsc_open(&w, &op, err, sizeof(err)) != WSC_OK) {
		SAY("no tunnel: %s", err);
		wsc_free(&w);
		return;
	}
	if (wsc_send_raw(&w, o->p, o->len, err, sizeof(err)) != WSC_OK)
		SAY("send cut: %s; ", err);
	for (;;) {
		struct ws_frame f;
		const uint8_t *p;
		size_t plen;
		int rc = wsc_recv_frame(&w, &f, &p, &plen, wait_ms, err,
					sizeof(err));

		if (rc == WSC_ERR_TIMEOUT) {
			SAY("silence");
			break;
		}
		/* a reset after the close frames is a FIN that met unread
		   bytes (ours): which one a relay passes on is timing */
		if (rc == WSC_ERR_EOF || rc == WSC_ERR_IO) {
			SAY("%s", rc == WSC_ERR_EOF || n ? "end" : "reset");
			break;
		}
		if (rc != WSC_OK) {
			SAY("%s", err);
			break;
		}
		wait_ms = quiet_ms(c);
		if (f.opcode == WS_TEXT || f.opcode == WS_BINARY ||
		    f.opcode == WS_CONT) {
			if (f.opcode != WS_CONT)
				op_msg = f.opcode;
			h = fnv(h, p, plen);
			msg += plen;
			frames++;
			if (f.fin) {
				SAY("%s %zu #%08x in %zu frame%s; ",
				    ws_opcode_name(op_msg), msg, h, frames,
				    frames == 1 ? "" : "s");
				msg = frames = 0;
				h = 2166136261u;
			}
		} else if (f.opcode == WS_PONG) {
			SAY("pong %zu; ", plen);
		} else if (f.opcode == WS_PING) {
			SAY("ping %zu; ", plen);
		} else if (f.opcode == WS_CLOSE) {
			SAY("close %u '%.*s'; ", plen >= 2 ? p[0] << 8 | p[1] :
			    1005, plen > 2 ? (int)(plen - 2) : 0,
			    plen > 2 ? (const char *)p + 2 : "");
			/* answer, as a client does, if we did not close */
			if (!o->closed && !w.close_sent)
				wsc_send_close(&w, plen >= 2 ? (unsigned)(p[0] << 8 |
					       p[1]) : 0, NULL, err, sizeof(err));
		}
	}
#undef SAY
	wsc_free(&w);
}

/* The first backend's address as a URL, for the direct run. */
static int direct_url(struct check_ctx *c, char *url, size_t len)
{
	const struct backends *bs = c->env->backends;

	if (!bs || !bs->n)
		return -1;
	snprintf(url, len, "ws://%s/", bs->b[0].addr);
	return 0;
}

static void diff(struct check_ctx *c, int (*build)(struct out *))
{
	char direct[400], a[1024], b[1024];
	int wait = build == b_fragments ? check_time_left(c) / 3 : quiet_ms(c);
	struct out o = { 0 };

	if (direct_url(c, direct, sizeof(direct)) < 0) {
		check_skip(c, "needs a backend to compare with");
		return;
	}
	ws_make_mask(o.mask);
	o.big = c->env->cfg->quick ? BIG_QUICK : BIG;
	if (build(&o) < 0) {
		free(o.p);
		check_error(c, "out of memory");
		return;
	}
	outcome(c, direct, NULL, &o, wait, a, sizeof(a));
	outcome(c, c->url, c->connect, &o, wait, b, sizeof(b));
	free(o.p);
	check_evidence_str(c, "direct", a);
	check_evidence_str(c, "through_proxy", b);
	if (!strncmp(b, "no tunnel", 9))
		c->res->no_tunnel = 1;
	if (strcmp(a, b))
		check_fail(c, a, "%s", b);
	else
		check_pass(c, "as the backend itself: %s", a);
}

/* the reserved opcodes, each on a connection of its own */
static void run_opcodes(struct check_ctx *c)
{
	static const unsigned ops[] = { 3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe,
					0xf };
	char direct[400], a[1024], b[1024];
	struct out o = { 0 };

	if (direct_url(c, direct, sizeof(direct)) < 0) {
		check_skip(c, "needs a backend to compare with");
		return;
	}
	ws_make_mask(o.mask);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		o.len = 0;
		if (put(&o, FIN | ops[i], "op", 2) < 0) {
			check_error(c, "out of memory");
			break;
		}
		outcome(c, direct, NULL, &o, quiet_ms(c), a, sizeof(a));
		outcome(c, c->url, c->connect, &o, quiet_ms(c), b, sizeof(b));
		if (strcmp(a, b)) {
			if (!strncmp(b, "no tunnel", 9))
				c->res->no_tunnel = 1;
			check_fail(c, a, "opcode 0x%x: %s", ops[i], b);
			break;
		}
		if (i + 1 == sizeof(ops) / sizeof(ops[0]))
			check_pass(c, "opcodes 3-7 and B-F, each as the backend "
				   "itself: %s", a);
	}
	free(o.p);
}

#define CASE(fn, b) static void fn(struct check_ctx *c) { diff(c, b); }
CASE(run_rsv, b_rsv)
CASE(run_ping126, b_ping126)
CASE(run_ping_frag, b_ping_frag)
CASE(run_ping_between, b_ping_between)
CASE(run_utf8, b_utf8)
CASE(run_close1005, b_close1005)
CASE(run_close999, b_close999)
CASE(run_close4000, b_close4000)
CASE(run_close1, b_close1)
CASE(run_after_close, b_after_close)
CASE(run_fragments, b_fragments)

#define D(id, ref, title, fn) \
	{ "diff." id, ref, title, fn, NEEDS_BACKENDS | NEEDS_TUNNEL }
const struct check diff_checks[] = {
	D("rsv-bits", "RFC 6455 5.2", "a frame with RSV1 set and no extension, "
	  "as the backend answers it", run_rsv),
	D("reserved-opcodes", "RFC 6455 5.2", "opcodes 3-7 and B-F, as the "
	  "backend answers them", run_opcodes),
	D("ping-126", "RFC 6455 5.5", "a ping of 126 bytes, as the backend "
	  "answers it", run_ping126),
	D("ping-fragmented", "RFC 6455 5.5", "a fragmented ping, as the "
	  "backend answers it", run_ping_frag),
	D("ping-between-fragments", "RFC 6455 5.4", "a ping between the "
	  "fragments of a message, as the backend answers it",
	  run_ping_between),
	D("invalid-utf8", "RFC 6455 8.1", "invalid UTF-8 in a text message, "
	  "as the backend answers it", run_utf8),
	D("close-1005", "RFC 6455 7.4.1", "a close with code 1005 on the wire, "
	  "as the backend answers it", run_close1005),
	D("close-999", "RFC 6455 7.4.2", "a close with code 999, as the "
	  "backend answers it", run_close999),
	D("close-4000", "RFC 6455 7.4.2", "a close with code 4000 and a "
	  "reason, as the backend answers it", run_close4000),
	D("close-1-byte", "RFC 6455 5.5.1", "a close with a 1-byte payload, as "
	  "the backend answers it", run_close1),
	D("data-after-close", "RFC 6455 5.5.1", "a message after the close, "
	  "as the backend answers it", run_after_close),
	D("fragments-16mib", "RFC 6455 5.4", "a 16 MiB message in 1-byte "
	  "fragments (64 KiB with --quick), as the backend answers it",
	  run_fragments),
	{ NULL, NULL, NULL, NULL, 0 },
};
