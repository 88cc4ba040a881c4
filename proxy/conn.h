/*
 * conn.h - the proxy's insides, shared by the files of proxy/: one struct conn per
 * client connection, holding both sockets, and the steps it goes through.
 *
 *   HEAD     reading the client's request head        request.c
 *   CONNECT  connecting to an upstream, with retries  upstream.c
 *   HTTP     request and response bodies, framed      http.c, relay.c
 *   TUNNEL   after a 101: bytes both ways, unframed   relay.c
 *   LINGER   answered and closing: flush, shut down,  conn.c
 *            discard what the client still sends
 *   GOAWAY   a websocket tunnel at shutdown: close    goaway.c
 *            frames (1001) sent both ways, the
 *            replies read and dropped
 *
 * Memory: no buffer belongs to an idle connection.  Reads go into the
 * proxy's scratch buffer and are written on at once; only what a socket
 * did not take is copied into a side's out buffer, and while a side has
 * one, the other side is not read (backpressure).  So a connection holds
 * at most one read's worth per direction, and nothing when idle.
 *
 * Sockets are registered once, edge-triggered, for both directions; the
 * rd and wr flags remember an edge until a read or write shows the
 * socket drained or full.  On a TLS listener the client side carries an
 * SSL session, and the side helpers of relay.c (the only calls that do
 * I/O on a side) go through it (tls.c); the rest of proxy/ cannot tell.
 *
 * With --access-log a connection also holds a struct reqlog for the
 * request or tunnel in progress (accesslog.c); without, it holds none.
 */
#ifndef WSCTL_PROXY_CONN_H
#define WSCTL_PROXY_CONN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "common/http.h"
#include "common/http_chunk.h"
#include "common/loop.h"
#include "common/ws.h"
#include "proxy/emit.h"
#include "proxy/lb.h"
#include "proxy/proxy.h"

#define SCRATCH (64 * 1024)		/* one read; the bound per direction */
#define MAX_HEADERS (PROXY_HEAD_MAX / 4)	/* "a:\r\n" is the shortest */
#define HBUF (2 * PROXY_HEAD_MAX + 1024)	/* a rewritten head */
#define LINGER_MS 2000

struct buf {
	char *data;			/* malloc'd; NULL when empty */
	uint32_t off, len;		/* pending: data[off..len) */
};

struct ssl_st;
struct ssl_ctx_st;

struct side {
	struct loop_io io;
	struct buf out;			/* bytes this side has not taken yet */
	struct ssl_st *ssl;		/* TLS on this socket; NULL: plain */
	uint8_t rd;			/* readable edge seen, not drained */
	uint8_t wr;			/* writable, as far as we know */
	uint8_t hup;			/* the peer shut down its sending side */
	uint8_t eof;			/* we read the end */
	uint8_t shut;			/* we shut down our sending side */
};

enum conn_state {
	CS_HEAD,
	CS_CONNECT,
	CS_HTTP,
	CS_TUNNEL,
	CS_LINGER,
	CS_GOAWAY,
	CS_CLOSED,
};

/* How a message body in one direction ends. */
enum frame_kind {
	FR_DONE,			/* ended (or there is none) */
	FR_LENGTH,			/* after ch.left bytes */
	FR_CHUNKED,			/* when the chunked scan says so */
	FR_CLOSE,			/* when the sender closes */
	FR_RAW,				/* never: a tunnel */
	FR_HEAD,			/* a response head is due first */
};

struct frame {
	struct http_chunked ch;		/* ch.left counts Content-Length too */
	uint8_t kind;
};

/*
 * One generation of the configuration: what a reload replaces (reload.c).
 * A connection keeps the generation it was accepted under, its timeouts
 * and balancer, until it ends, as an old nginx worker keeps its config;
 * the generation goes with the last of them.
 */
struct gen {
	const struct proxy_config *cfg;
	struct proxy_config *own;	/* cfg, when a reload made it */
	struct lb lb;
	struct ssl_ctx_st *tls[PROXY_MAX_LISTEN];	/* per cfg->listen */
	unsigned refs;			/* its connections, +1 while current */
};

struct conn {
	struct side cl, up;
	struct loop_timer timer;
	struct loop_defer defer;
	struct proxy *px;
	struct gen *gen;		/* holds a reference */
	struct conn *prev, *next;	/* px->conns */
	struct buf in;			/* client bytes not parsed yet */
	struct buf resp;		/* a response head, when it is split */
	struct frame req, res;
	int64_t active;			/* when the current timeout began */
	uint64_t tried;			/* peers tried for this request */
	size_t scan;			/* how far a split head was searched */
	int16_t peer;			/* lb index, -1 when none */
	uint8_t state;
	uint8_t fds;			/* descriptors reserved for it */
	uint8_t upgrade:1;		/* the client asked to upgrade */
	uint8_t websocket:1;		/* ... to websocket: accept is due */
	uint8_t answered:1;		/* the upstream sent a response head */
	uint8_t keepalive:1;		/* serve another request after this */
	uint8_t head_method:1;		/* a HEAD request: no response body */
	uint8_t replied:1;		/* response bytes went to the client */
	uint8_t counted:1;		/* counts against max_connections */
	uint8_t served:1;		/* a request was served before */
	uint8_t timed_out:1;		/* the last connect attempt timed out */
	uint8_t status:1;		/* came to the stats listener */
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;				/* the client's */
	struct reqlog *log;		/* the access log's record, or NULL */
	union {
		/* until the 101: the Sec-WebSocket-Accept it must carry */
		char accept[WS_ACCEPT_LEN];
		/* a websocket tunnel's frames, client to upstream [0] and
		 * back [1], so that shutdown can add a close of its own */
		struct ws_track trk[2];
	} ws;
};

struct listener {
	struct loop_io io;
	struct proxy *px;
	struct ssl_ctx_st *tls;		/* a TLS listener's; NULL: plain */
	const char *spec;		/* the address as configured */
	int16_t index;			/* in cfg->listen; -1: stats */
	int16_t worker;			/* the worker that keeps it; -1: all */
	uint8_t status;			/* the stats listener */
};

/* What the stats count besides the connections open now. */
struct px_totals {
	uint64_t connections;		/* accepted (stats clients not) */
	uint64_t requests;		/* request heads forwarded */
	uint64_t tunnels;		/* 101s relayed */
	uint64_t replies;		/* answers of the proxy's own */
};

struct proxy {
	const struct proxy_config *cfg;	/* the current one: gen->cfg */
	struct gen *gen;		/* the current generation */
	proxy_reload_fn *reload;	/* SIGHUP: the new config, or NULL */
	void *reload_arg;
	struct loop *loop;
	struct listener *lsn;		/* every worker's, for proxy_serve */
	int nlsn;
	int worker;			/* this process's number, from 0 */
	int alog_fd;			/* the access log; -1: none */
	struct px_totals totals;
	int64_t started_ms;		/* wall clock, for the stats */
	struct loop_io sig;		/* a signalfd */
	struct loop_timer drain_timer, accept_timer;
	struct conn *conns;
	unsigned nconns;		/* counted connections */
	unsigned max_conns;
	unsigned fd_budget;		/* descriptors connections may hold */
	unsigned fds_reserved;		/* ... and hold or may, now */
	int draining;			/* SIGTERM came: no new connections */
	int closing;			/* the drain time is over */
	/*
	 * Three buffers for the one connection being served, never held
	 * across a return to the loop, so one each is enough:
	 *  - scratch: one read, from side_read to the write that passes it
	 *    on (relay.c, request.c, goaway.c, conn.c's linger) or to its
	 *    copy into a connection's own buf (c->in, c->resp, side out);
	 *  - hdrs: the headers of the head being parsed, which point into
	 *    scratch or c->in / c->resp, dead once the head is queued;
	 *  - hbuf: a head the proxy writes (request.c's rewrite, http.c's
	 *    re-framed response, conn.c's and stats.c's own answers), dead
	 *    once side_send or buf_append has taken it.
	 * What must outlive one event (a split head, bytes held behind an
	 * upgrade, what a socket did not take) lives in the connection's
	 * own struct buf, which it alone frees.
	 */
	struct http_header hdrs[MAX_HEADERS];
	char hbuf[HBUF];
	char scratch[SCRATCH];
};

/*
 * conn.c.  conn_accept takes fd over (closing it on failure).  After any
 * call that can end the connection (conn_close, conn_reply, conn_finish
 * and everything that calls them), c->state says what happened; c itself
 * stays valid until the end of the loop iteration.
 */
void conn_accept(struct proxy *px, const struct listener *l, int fd,
		 const struct sockaddr *sa, socklen_t sl);
/*
 * reload.c.  gen_new makes a generation for cfg (balancer, certificates),
 * holding one reference, or returns NULL with err filled; gen_put drops
 * a reference, and frees g with the last.  proxy_reload is SIGHUP's.
 */
struct gen *gen_new(const struct proxy_config *cfg, char *err,
		    size_t errlen);
void gen_put(struct gen *g);
void proxy_reload(struct proxy *px);

/* server.c: px->max_conns from the descriptors and px->cfg. */
void px_set_limit(struct proxy *px);

/* Do whatever the rd/wr flags allow in the current state. */
void conn_drive(struct conn *c);
/* Close both sockets now; the memory goes at the end of the iteration. */
void conn_close(struct conn *c);
/* Answer status with a one-line body saying why, log it, then finish. */
void conn_reply(struct conn *c, int status, const char *why);
/* Drop the upstream, flush the client, shut it down, linger, close. */
void conn_finish(struct conn *c);
/* (Re)arm the timer for c->active + the current state's timeout. */
void conn_arm(struct conn *c);
/* SIGTERM or a reload: close connections waiting for a request, and no
 * more keep-alive for the others. */
void conn_drain(struct proxy *px);
void conn_close_all(struct proxy *px);
/* The client's address for logs: "127.0.0.1:41234".  Returns buf. */
char *conn_client(const struct conn *c, char *buf, size_t len);
/* One line "wsctl proxy: ..." on the log descriptor, in one write. */
void px_log(struct proxy *px, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Why a request or tunnel ended, for the access log. */
enum conn_why {
	WHY_NONE,
	WHY_DONE,			/* the response is complete */
	WHY_CLIENT,			/* the client closed first */
	WHY_UPSTREAM,			/* the upstream closed first */
	WHY_READ_TIMEOUT,
	WHY_DRAIN,			/* closed when the drain time was over */
	WHY_ERROR,			/* an I/O error or no memory */
};

/* The access log's record of one request or tunnel. */
struct reqlog {
	int64_t t0;			/* loop time at the request head */
	uint64_t rx, tx;		/* bytes from and to the client */
	uint16_t status;		/* 0: no response yet */
	int16_t peer;			/* the upstream; -1: none */
	uint8_t why;			/* enum conn_why, the first one set */
	uint16_t mlen;			/* line[0..mlen) is the method */
	char line[];			/* "METHOD TARGET", cut at 1 KiB */
};

/*
 * accesslog.c.  alog_open opens cfg->access_log into *fd (-1: none;
 * returns -1 with err filled), alog_reopen opens it again at the same
 * path (SIGUSR1).  alog_begin
 * starts c's record for a request head (method and target NULL when the
 * head could not be parsed); it does nothing when there is no log.
 * alog_end writes c's line, if it has a record, and drops the record.
 */
int alog_open(const struct proxy_config *cfg, int *fd, char *err,
	      size_t errlen);
void alog_reopen(struct proxy *px);
void alog_begin(struct conn *c, const char *method, size_t mlen,
		const char *target, size_t tlen);
void alog_end(struct conn *c, int why);

static inline void alog_rx(struct conn *c, size_t n)
{
	if (c->log)
		c->log->rx += n;
}

static inline void alog_tx(struct conn *c, size_t n)
{
	if (c->log)
		c->log->tx += n;
}

/* Remember why c is ending, unless a reason was given first. */
static inline void alog_why(struct conn *c, int why)
{
	if (c->log && !c->log->why)
		c->log->why = why;
}

/*
 * tls.c: the server side of TLS.  side_tls_ctx makes the context for
 * listener l (certificate, key, ALPN http/1.1), or returns NULL with err
 * filled.  side_tls_start puts a new session on s's socket.  The I/O
 * functions behave as side_read, side_sendv and side_flush (relay.c),
 * whose TLS halves they are; side_tls_shut sends close_notify.
 */
struct ssl_ctx_st *side_tls_ctx(const struct proxy_listen *l, char *err,
			       size_t errlen);
void side_tls_ctx_free(struct ssl_ctx_st *ctx);
int side_tls_start(struct side *s, struct ssl_ctx_st *ctx);
void side_tls_free(struct side *s);
int side_tls_read(struct side *s, char *buf, size_t want);
/* Write p[0..n) as far as the socket takes it; returns the count, or -1. */
long side_tls_write(struct side *s, const char *p, size_t n);
void side_tls_shut(struct side *s);

/* stats.c: answer a request on the stats listener (GET or HEAD: the
 * stats as JSON; anything else 405), then finish. */
void status_answer(struct conn *c, const struct http_request *rq);
/* An ISO 8601 UTC time for wall-clock ms: "2026-11-25T10:08:33.123Z". */
char *px_iso_time(int64_t ms, char *buf, size_t len);
/* The wall clock in milliseconds. */
int64_t px_wall_ms(void);

/* request.c: a new request head is due (after accept, or keep-alive). */
void request_begin(struct conn *c);
/* Read and parse the head; on success queue it and connect upstream. */
void request_read(struct conn *c);
/* How many of p[0..n) belong to f's body (advancing f); -1: bad chunking. */
int frame_scan(struct frame *f, const char *p, size_t n);

/* upstream.c: pick and connect, retrying; or answer 502/504. */
void upstream_connect(struct conn *c);
void upstream_event(struct loop *loop, struct loop_io *io, unsigned ev);
/* The connect timer fired: count a failure, try the next upstream. */
void upstream_timeout(struct conn *c);
/* Release the peer, close, drop its queue.  failed: towards max_fails;
 * otherwise a peer that sent a response head is in good health, and one
 * that did not is not judged (the client left first). */
void upstream_close(struct conn *c, int failed);

/* http.c: n response bytes arrived while a head is due. */
void http_response_head(struct conn *c, const char *p, size_t n);
/* The response is out: next request (keep-alive) or finish. */
void http_response_done(struct conn *c);

/*
 * goaway.c: shutdown for a websocket tunnel.  conn_goaway sends each
 * peer a close frame with 1001 (going away), where its stream is at a
 * frame boundary and no close went that way yet, and lets the closing
 * handshake finish for GOAWAY_MS; returns 0 when c is not such a tunnel
 * (the caller closes it).  goaway_drive reads and drops what the peers
 * send meanwhile; the connection closes when both have closed.
 */
#define GOAWAY_MS 1000
int conn_goaway(struct conn *c);
void goaway_drive(struct conn *c);

/* relay.c: run both pumps; a tunnel ends once both sides have ended. */
void relay(struct conn *c);
int side_read(struct side *s, char *buf, size_t want);
int side_sendv(struct side *s, struct iovec *iov, int cnt);
int side_send(struct side *s, const char *p, size_t n);
int side_flush(struct side *s);
/* Shut down our sending side (close_notify first on TLS). */
void side_shut(struct side *s);
/* Record what an event says about s (edges for rd, wr; hup). */
void side_note(struct side *s, unsigned ev);
/* Append to b, growing it exactly.  Returns 0, or -1 out of memory. */
int buf_append(struct buf *b, const char *p, size_t n);
void buf_free(struct buf *b);

#endif
