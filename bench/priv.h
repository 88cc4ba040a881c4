/*
 * priv.h - what bench/run.c (the modes: who opens, sends and stops when),
 * bench/conn.c (a connection's life and its opening) and bench/frames.c
 * (an open connection's frames) share.
 *
 * A slot is one of cfg->connections struct bconn; it lives for the whole
 * run and carries one connection after another.  conn.c and frames.c
 * tell run.c what happened through bench_on_open, bench_on_echo and
 * bench_on_end, and run.c never restarts a slot from inside those calls
 * (a timer does it), so they only have to check c->state after each.
 */
#ifndef WSCTL_BENCH_PRIV_H
#define WSCTL_BENCH_PRIV_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "bench/bench.h"
#include "common/loop.h"
#include "common/ws.h"

#define BENCH_HEAD_MAX 4096		/* request head, then response head */
#define BENCH_RBUF (256 * 1024)		/* the read buffer all slots share */
#define BENCH_RETRY_MS 100		/* echo: after a failed open */

enum bc_state {
	BC_IDLE,		/* no connection, nothing planned */
	BC_PENDING,		/* waiting for a ramp permit */
	BC_RETRY,		/* its timer will make it pending */
	BC_CONNECT,		/* TCP connect under way */
	BC_TLS,			/* wss: the TLS handshake under way */
	BC_REQUEST,		/* the request head is being written */
	BC_HEAD,		/* reading the response head */
	BC_OPEN,		/* upgraded */
	BC_CLOSING,		/* our close frame is out (or going) */
};

/* How a connection ended, for bench_on_end. */
enum bc_end {
	END_OK,			/* closing handshake done */
	END_FAIL_OPEN,		/* failed before its 101 (error counted) */
	END_FAIL,		/* failed once open (error counted) */
	END_ABORT,		/* dropped by us at the end of the run */
};

struct bench;
struct tls;
struct tls_ctx;

struct bconn {
	struct loop_io io;
	struct loop_timer timer;	/* deadline, or the retry */
	struct loop_timer pace;		/* open loop: the next send */
	struct bench *b;
	struct tls *tls;		/* wss: the session, or NULL */
	void *session;			/* --resume: the last one's */
	uint8_t state;			/* enum bc_state */
	uint8_t up;			/* its 101 came: counted in r->open */
	uint8_t permit;			/* holds a ramp permit */
	uint8_t tried;			/* its first attempt is over */
	uint8_t waiting;		/* a message's echo is due */
	uint8_t failed;			/* an error was counted; end so */
	uint8_t close_got;		/* the peer's close frame came */
	uint8_t have_hdr;		/* reading a frame's payload */
	uint8_t fop, ffin;		/* that frame's opcode and FIN */
	uint8_t in_msg;			/* inside a fragmented echo */
	uint8_t fh_len, ctl_len;
	int16_t backend;		/* in r->backends, -1 for none */
	uint16_t head_len, head_off;
	char *head;			/* from the pool while opening */
	char accept[WS_ACCEPT_LEN + 1];	/* the Sec-WebSocket-Accept due */
	int64_t deadline;		/* loop ms: the wait under way ends */
	int64_t t_start;		/* ns: connect, or the send measured */
	int64_t t_tls;			/* ns: wss: connected, TLS begun */
	int64_t next_send;		/* ns: open loop, intended send */
	uint64_t left;			/* payload bytes left in the frame */
	uint64_t msg_got;		/* bytes of the echo so far */
	size_t out_left;		/* bytes of b->frame still to write */
	uint16_t cout_len, cout_off;	/* control frames to write */
	uint8_t fh[WS_MAX_HDR];		/* a frame header cut by a read */
	uint8_t ctl[125];		/* a control frame's payload */
	uint8_t cout[2 * (6 + 125)];
};

enum bench_phase {
	PH_LOAD,		/* echo, handshake: the load; idle: opening */
	PH_HOLD,		/* idle: holding */
	PH_CHECK,		/* idle: each connection echoes once */
	PH_STOP,		/* closing everything */
};

struct bench {
	const struct bench_config *cfg;
	struct bench_result *r;
	struct loop *loop;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct bconn *conns;
	unsigned nconns;
	enum bench_phase phase;
	unsigned ramp;			/* permits */
	unsigned opening;		/* permits taken */
	unsigned active;		/* slots with a socket */
	unsigned unramped;		/* slots whose first try is not over */
	unsigned checking;		/* idle: echoes still due */
	unsigned allowed;		/* --stages: slots [0, allowed) may
					   run now; else all of them */
	int kicking;
	uint32_t *pending;		/* ring of slots waiting for a permit */
	unsigned phead, pcount;
	uint64_t started, finished;	/* messages or attempts, for -n */
	int64_t t0;			/* ns: the run began */
	int64_t interval;		/* ns between one slot's sends */
	char *req;			/* the request head, key left blank */
	size_t req_len, key_off;
	uint8_t *payload;		/* a message, as the echo must be */
	uint8_t *frame;			/* the same, framed and masked */
	size_t frame_len;
	uint8_t *rbuf;
	struct tls_ctx *tls;		/* wss: made once for every slot */
	char **heads;			/* free head buffers */
	unsigned nheads, capheads;
	struct loop_timer end_t, tick_t, kick_t;
	unsigned ticks;
	uint64_t sec_count;		/* the count at the last second */
	struct hist *iv;		/* --hdr-log: this second's round trips
					   [0] and handshakes [1], or NULL */
	int64_t iv_ns;			/* when this second began */
};

static inline int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* run.c: what conn.c and frames.c report */
void bench_on_open(struct bench *b, struct bconn *c);
void bench_on_echo(struct bench *b, struct bconn *c, int64_t now);
void bench_on_end(struct bench *b, struct bconn *c, enum bc_end how);

/* Count an error of kind e; the first of each kind keeps its message. */
void bench_error(struct bench *b, enum bench_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* run.c: a head buffer (BENCH_HEAD_MAX bytes) from the pool, or NULL;
 * and back. */
char *bench_head_get(struct bench *b);
void bench_head_put(struct bench *b, char *h);

/* io.c: a connection's bytes, plain or through TLS.  n > 0, 0 at the
 * end of the stream, or -1 with errno (EAGAIN: not ready; EPROTO: a TLS
 * error, its text in bench_io_error). */
ssize_t bio_read(struct bconn *c, void *buf, size_t len);
ssize_t bio_write(struct bconn *c, const void *buf, size_t len);
const char *bench_io_error(void);

/* io.c: the TLS context for the run (cfg's CAs and version); 0 or -1. */
int bench_tls_setup(struct bench *b, char *err, size_t errlen);
void bench_tls_teardown(struct bench *b);

/* io.c: go on with c's TLS handshake: 0 done, 1 waiting (the loop's
 * interest set), -1 failed (counted, c ended). */
int bconn_tls_step(struct bconn *c);

/* io.c: end c's TLS session (close_notify if it goes at once). */
void bconn_tls_end(struct bconn *c);

static inline int bconn_alive(const struct bconn *c)
{
	return c->state >= BC_CONNECT;
}

/* conn.c */

/* Open a connection on slot c (which holds a permit): connect, send the
 * upgrade request, check the 101.  A failure is counted and ends c. */
void bconn_start(struct bconn *c);

/* Drop the connection at once, counting nothing. */
void bconn_abort(struct bconn *c);

/* Close c's socket and tell run.c how it ended; afterwards c may only be
 * looked at (c->state), not used. */
void bconn_end(struct bconn *c, enum bc_end how);

/* Count an error of kind e (fmt says what) and end c.  Returns -1, for
 * the caller to pass up. */
int bconn_fail(struct bconn *c, enum bench_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* frames.c */

/* Send the message; its echo is measured from t_from (ns). */
void bconn_send(struct bconn *c, int64_t t_from);

/* Begin the closing handshake; a connection not open yet is dropped. */
void bconn_close(struct bconn *c);

/* Frames in p[0..n), cut anywhere.  Returns 0, or -1 once c has ended. */
int bconn_frames(struct bconn *c, const uint8_t *p, size_t n);

/* Read what the socket has and act on it. */
void bconn_read(struct bconn *c);

/* Write what is queued.  Returns 0, or -1 once c has ended. */
int bconn_flush(struct bconn *c);

#endif
