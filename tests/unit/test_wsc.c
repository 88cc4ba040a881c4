/*
 * test_wsc.c - the client library against a scripted peer: a child
 * process on a loopback port that writes exactly the bytes a case needs
 * (a 101 with a wrong key, a frame cut in two, a ping between fragments)
 * and checks the bytes it gets.  The child's exit status is the step that
 * failed, 0 when all went as scripted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net.h"
#include "common/wsc.h"
#include "tests/unit/unit.h"

struct peer {
	pid_t pid;
	char url[64];
};

/* Start script(fd) in a child that accepts one connection. */
static struct peer peer_start(void (*script)(int fd))
{
	struct peer p = { .pid = -1 };
	struct timeval tv = { .tv_sec = 5 };
	char err[256];
	int lfd, fd;

	if (net_listen("127.0.0.1:0", &lfd, 1, 8, err, sizeof(err)) != 1) {
		unit_fail(__FILE__, __LINE__, "%s", err);
		return p;
	}
	snprintf(p.url, sizeof(p.url), "ws://127.0.0.1:%d/chat",
		 net_local_port(lfd));
	p.pid = fork();
	if (p.pid == 0) {
		net_nonblock(lfd, 0);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(100);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		script(fd);
		_exit(0);
	}
	close(lfd);
	return p;
}

/* The child's verdict: 0, or the number of the step that failed. */
static int peer_wait(struct peer *p)
{
	int st;

	if (p->pid < 0 || waitpid(p->pid, &st, 0) != p->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static void put(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(101);
}

/*
 * Read the request head and what came with it into buf (NUL-ended);
 * returns the head's length, with its key copied to key.
 */
static size_t get_head(int fd, char *buf, size_t cap, char key[WS_KEY_LEN + 1])
{
	size_t len = 0;
	char *end, *k;
	ssize_t n;

	while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			_exit(102);
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!(k = strstr(buf, "Sec-WebSocket-Key: ")))
		_exit(103);
	memcpy(key, k + 19, WS_KEY_LEN);
	key[WS_KEY_LEN] = '\0';
	return (size_t)(end + 4 - buf);
}

static void put_101(int fd, const char *key, const char *extra)
{
	char accept[WS_ACCEPT_LEN + 1], head[512];

	ws_accept_key(key, strlen(key), accept);
	snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\n%s\r\n", accept, extra);
	put(fd, head, strlen(head));
}

static void handshake(int fd)
{
	char buf[4096], key[WS_KEY_LEN + 1];

	get_head(fd, buf, sizeof(buf), key);
	put_101(fd, key, "");
}

/* A server frame (unmasked) appended to out; returns the new length. */
static size_t frame(uint8_t *out, size_t at, int fin, unsigned op,
		    const char *payload)
{
	size_t len = strlen(payload);

	at += ws_frame_header(out + at, fin, op, len, NULL);
	memcpy(out + at, payload, len);
	return at + len;
}

/* Read one client frame, unmasked into payload (NUL-ended). */
static void get_frame(int fd, struct ws_frame *f, char *payload, size_t cap)
{
	uint8_t buf[256];
	size_t len = 0;
	ssize_t n;
	int h;

	for (;;) {
		h = len ? ws_frame_parse(buf, len, f) : -2;
		if (h == -1)
			_exit(104);
		if (h > 0 && len >= (size_t)h + f->len)
			break;
		/* byte by byte, so nothing after the frame is taken */
		n = read(fd, buf + len, 1);
		if (n <= 0)
			_exit(105);
		len += (size_t)n;
		if (len == sizeof(buf))
			_exit(106);
	}
	if (f->len >= cap)
		_exit(107);
	memcpy(payload, buf + h, f->len);
	if (f->masked)
		ws_mask((uint8_t *)payload, f->len, f->mask, 0);
	payload[f->len] = '\0';
}

/* --- a crafted head and a frame pipelined in the same write --- */

#define RAW_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RAW_HEAD "GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" \
	"Connection: Upgrade\r\nSec-WebSocket-Key: " RAW_KEY "\r\n" \
	"Sec-WebSocket-Version: 13\r\n\r\n"

static void script_raw(int fd)
{
	char buf[4096], key[WS_KEY_LEN + 1], accept[WS_ACCEPT_LEN + 1];
	struct ws_frame f;
	uint8_t out[256];
	size_t head, n;

	usleep(100 * 1000);	/* so that the one write has all arrived */
	head = get_head(fd, buf, sizeof(buf), key);
	if (head != strlen(RAW_HEAD) || memcmp(buf, RAW_HEAD, head))
		_exit(1);
	if (strcmp(key, RAW_KEY))
		_exit(2);
	/* the early frame came right after the head: masked "ping?" */
	n = strlen(buf + head);	/* the mask leaves no NUL in it */
	if (ws_frame_parse((uint8_t *)buf + head, n, &f) != 6 || n != 11 ||
	    f.opcode != WS_TEXT || !f.masked || f.len != 5)
		_exit(3);
	ws_mask((uint8_t *)buf + head + 6, 5, f.mask, 0);
	if (memcmp(buf + head + 6, "ping?", 5))
		_exit(4);
	/* the 101 and a frame in one write: the frame must stay buffered */
	ws_accept_key(key, strlen(key), accept);
	head = (size_t)snprintf((char *)out, sizeof(out), "HTTP/1.1 101 "
				"Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: upgrade\r\nSec-WebSocket-Accept: "
				"%s\r\n\r\n", accept);
	put(fd, out, frame(out, head, 1, WS_TEXT, "after the head"));
	usleep(200 * 1000);
}

static void raw_head_and_early(void)
{
	struct peer p = peer_start(script_raw);
	uint8_t early[32], mask[4] = { 1, 2, 3, 4 };
	size_t n = ws_frame_header(early, 1, WS_TEXT, 5, mask);
	struct wsc_opts o = { .url = p.url, .raw_head = RAW_HEAD,
			      .raw_head_len = strlen(RAW_HEAD),
			      .early = early, .early_len = n + 5 };
	struct wsc_msg m;
	struct wsc c;
	char err[256];
	int rc;

	memcpy(early + n, "ping?", 5);
	ws_mask(early + n, 5, mask, 0);
	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_open: %d %s (peer: %d)", rc, err,
		rc ? peer_wait(&p) : 0);
	EXPECT(c.request_len == strlen(RAW_HEAD) &&
	       !memcmp(c.request, RAW_HEAD, c.request_len));
	EXPECT(c.res.status == 101 && c.head_len > 0 &&
	       !strncmp(c.head, "HTTP/1.1 101 ", 13) &&
	       !strcmp(c.head + c.head_len - 4, "\r\n\r\n"));
	EXPECT(wsc_pending(&c) == 1);
	rc = wsc_recv(&c, &m, 0, err, sizeof(err));
	EXPECTF(rc == WSC_OK && m.opcode == WS_TEXT && m.len == 14 &&
		!memcmp(m.data, "after the head", 14), "wsc_recv: %d %s", rc,
		err);
	EXPECT(wsc_pending(&c) == 0);
	wsc_free(&c);
	EXPECTF(peer_wait(&p) == 0, "peer failed at step %d", peer_wait(&p));
}

/* --- what the 101 is judged on --- */

static void script_bad_accept(int fd)
{
	char buf[4096], key[WS_KEY_LEN + 1];
	const char *h = "HTTP/1.1 101 Switching Protocols\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

	get_head(fd, buf, sizeof(buf), key);
	put(fd, h, strlen(h));
	usleep(100 * 1000);
}

static void bad_accept(void)
{
	struct peer p = peer_start(script_bad_accept);
	struct wsc_opts o = { .url = p.url };
	struct wsc c;
	char err[256];
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_ERR_UPGRADE, "wsc_open: %d %s", rc, err);
	EXPECTF(!strncmp(err, "Sec-WebSocket-Accept is 's3pPLMBiTxaQ9kYGzzhZ"
			 "RbK+xOo=', want '", 62), "%s", err);
	EXPECT(c.fd >= 0 && c.res.status == 101);
	wsc_free(&c);
	peer_wait(&p);
}

static void script_subprotocol(int fd)
{
	char buf[4096], key[WS_KEY_LEN + 1];

	get_head(fd, buf, sizeof(buf), key);
	if (!strstr(buf, "\r\nSec-WebSocket-Protocol: a, b\r\n"))
		_exit(1);
	if (!strstr(buf, "\r\nhost: override\r\n") ||
	    strstr(buf, "Host: 127.0.0.1"))
		_exit(2);
	if (!strstr(buf, "\r\nX-One: 1\r\n"))
		_exit(3);
	put_101(fd, key, "Sec-WebSocket-Protocol: b\r\n");
	usleep(100 * 1000);
}

static void subprotocol_and_headers(void)
{
	struct peer p = peer_start(script_subprotocol);
	const char *protos[] = { "a", "b" };
	const char *hdrs[] = { "host: override", "X-One: 1" };
	struct wsc_opts o = { .url = p.url, .protocols = protos,
			      .nprotocols = 2, .headers = hdrs,
			      .nheaders = 2 };
	struct wsc c;
	char err[256];
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_open: %d %s (peer: %d)", rc, err,
		rc ? peer_wait(&p) : 0);
	EXPECTF(!strcmp(c.protocol, "b"), "protocol '%s'", c.protocol);
	wsc_free(&c);
	EXPECTF(peer_wait(&p) == 0, "peer failed at step %d", peer_wait(&p));
}

static void script_refusal(int fd)
{
	char buf[4096], key[WS_KEY_LEN + 1];
	const char *h = "HTTP/1.1 404 Not Found\r\nContent-Length: 24\r\n\r\n"
		"\r\n  <b>not</b> here  \r\nxx";

	get_head(fd, buf, sizeof(buf), key);
	put(fd, h, strlen(h));
	usleep(2000 * 1000);	/* no EOF: Content-Length ends the wait */
}

static void refusal(void)
{
	struct peer p = peer_start(script_refusal);
	struct wsc_opts o = { .url = p.url };
	struct wsc c;
	char err[256], line[64];
	int64_t t0 = clock_ms();
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_ERR_STATUS, "wsc_open: %d %s", rc, err);
	EXPECTF(!strcmp(err, "server answered 404 Not Found: not here"),
		"%s", err);
	EXPECTF(clock_ms() - t0 < 1500, "waited %lld ms for the body",
		(long long)(clock_ms() - t0));
	EXPECT(c.body_len == 24);
	EXPECT(!strcmp(wsc_body_line(&c, line, sizeof(line)), "not here"));
	EXPECT(!strcmp(wsc_body_line(&c, line, 4), "not"));
	wsc_free(&c);
	kill(p.pid, SIGKILL);
	peer_wait(&p);
}

/* --- receiving --- */

static void script_fragments(int fd)
{
	uint8_t out[256];
	struct ws_frame f;
	char pl[64];
	size_t n;

	handshake(fd);
	n = frame(out, 0, 0, WS_TEXT, "frag");
	n = frame(out, n, 1, WS_PING, "p");
	put(fd, out, n);
	get_frame(fd, &f, pl, sizeof(pl));	/* the automatic pong */
	if (f.opcode != WS_PONG || !f.masked || strcmp(pl, "p"))
		_exit(1);
	/* the rest of the message, its header cut in two */
	n = frame(out, 0, 1, WS_CONT, "ment");
	put(fd, out, 1);
	usleep(150 * 1000);
	put(fd, out + 1, n - 1);
	get_frame(fd, &f, pl, sizeof(pl));
	if (f.opcode != WS_BINARY || f.masked || strcmp(pl, "raw"))
		_exit(2);
	usleep(100 * 1000);
}

static void fragments(void)
{
	struct peer p = peer_start(script_fragments);
	struct wsc_opts o = { .url = p.url, .flags = WSC_AUTO_PONG };
	struct wsc_msg m;
	struct wsc c;
	char err[256];
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_open: %d %s", rc, err);
	rc = wsc_recv(&c, &m, 2000, err, sizeof(err));
	EXPECTF(rc == WSC_OK && m.opcode == WS_PING && m.len == 1,
		"ping: %d %s", rc, err);
	rc = wsc_recv(&c, &m, 50, err, sizeof(err));
	EXPECTF(rc == WSC_ERR_TIMEOUT, "half a frame: %d %s", rc, err);
	rc = wsc_recv(&c, &m, 2000, err, sizeof(err));
	EXPECTF(rc == WSC_OK && m.opcode == WS_TEXT && m.frames == 2 &&
		m.len == 8 && !memcmp(m.data, "fragment", 8),
		"message: %d %s", rc, err);
	c.flags |= WSC_NO_MASK;	/* a test of servers may send unmasked */
	EXPECT(wsc_send(&c, WS_BINARY, "raw", 3, err, sizeof(err)) == WSC_OK);
	wsc_free(&c);
	EXPECTF(peer_wait(&p) == 0, "peer failed at step %d", peer_wait(&p));
}

static void script_close(int fd)
{
	uint8_t out[64];
	struct ws_frame f;
	char pl[128];

	handshake(fd);
	get_frame(fd, &f, pl, sizeof(pl));
	if (f.opcode != WS_CLOSE || f.len != 5 || (uint8_t)pl[0] != 0x0f ||
	    (uint8_t)pl[1] != 0xa1 || memcmp(pl + 2, "bye", 3))
		_exit(1);
	/* a message still in flight, then the answer, then TCP's end */
	put(fd, out, frame(out, 0, 1, WS_TEXT, "late"));
	out[0] = 0x88;
	out[1] = 4;
	memcpy(out + 2, "\x03\xe8ok", 4);
	put(fd, out, 6);
}

static void close_handshake(void)
{
	struct peer p = peer_start(script_close);
	struct wsc_opts o = { .url = p.url };
	struct wsc c;
	char err[256];
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_open: %d %s", rc, err);
	rc = wsc_close(&c, 4001, "bye", 2000, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_close: %d %s", rc, err);
	EXPECT(c.close_sent && c.close_received && c.close_code == 1000 &&
	       !strcmp(c.close_reason, "ok"));
	wsc_free(&c);
	EXPECTF(peer_wait(&p) == 0, "peer failed at step %d", peer_wait(&p));
}

static void script_eof(int fd)
{
	uint8_t out[64];

	handshake(fd);
	put(fd, out, frame(out, 0, 1, WS_TEXT, "last"));
}

static void eof_without_close(void)
{
	struct peer p = peer_start(script_eof);
	struct wsc_opts o = { .url = p.url };
	struct wsc_msg m;
	struct wsc c;
	char err[256];
	int rc;

	rc = wsc_open(&c, &o, err, sizeof(err));
	EXPECTF(rc == WSC_OK, "wsc_open: %d %s", rc, err);
	rc = wsc_recv(&c, &m, 2000, err, sizeof(err));
	EXPECT(rc == WSC_OK && m.len == 4);
	rc = wsc_recv(&c, &m, 2000, err, sizeof(err));
	EXPECTF(rc == WSC_ERR_EOF && !c.close_received, "%d %s", rc, err);
	EXPECTF(!strcmp(err, "connection closed without a close frame"), "%s",
		err);
	wsc_free(&c);
	peer_wait(&p);
}

static void check_header(void)
{
	char err[128];

	EXPECT(wsc_check_header("X-A: b", err, sizeof(err)) == 0);
	EXPECT(wsc_check_header("X-A:", err, sizeof(err)) == 0);
	EXPECT(wsc_check_header("X A: b", err, sizeof(err)) == -1);
	EXPECT(wsc_check_header(": b", err, sizeof(err)) == -1);
	EXPECT(wsc_check_header("X-A: b\r\nX-B: c", err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "bad header 'X-A: b\r\nX-B: c': control "
			"character in the value"), "%s", err);
	EXPECT(wsc_check_header("NoColon", err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "bad header 'NoColon': want 'Name: value'"),
		"%s", err);
}

const struct unit_case wsc_cases[] = {
	{ "wsc.raw-head-and-early", raw_head_and_early },
	{ "wsc.bad-accept", bad_accept },
	{ "wsc.subprotocol-and-headers", subprotocol_and_headers },
	{ "wsc.refusal", refusal },
	{ "wsc.fragments", fragments },
	{ "wsc.close-handshake", close_handshake },
	{ "wsc.eof-without-close", eof_without_close },
	{ "wsc.check-header", check_header },
	{ NULL, NULL },
};
