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
 *
 * Memory: no buffer belongs to an idle connection.  Reads go into the
 * proxy's scratch buffer and are written on at once; only what a socket
 * did not take is copied into a side's out buffer, and while a side has
 * one, the other side is not read (backpressure).  So a connection holds
 * at most one read's worth per direction, and nothing when idle.
 *
 * Sockets are registered once, edge-triggered, for both directions; the
 * rd and wr flags remember an edge until a read or write shows the
 * socket drained or full.
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
#include "proxy/lb.h"
#include "proxy/proxy.h"

#define SCRATCH (64 * 1024)		/* one read; the bound per direction */
#define MAX_HEADERS (PROXY_HEAD_MAX / 4)	/* "a:\r\n" is the shortest */
#define HBUF (2 * PROXY_HEAD_MAX + 1024)	/* a rewritten head */
#define LINGER_MS 2000

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

struct buf {
	char *data;			/* malloc'd; NULL when empty */
	uint32_t off, len;		/* pending: data[off..len) */
};

struct side {
	struct loop_io io;
	struct buf out;			/* bytes this side has not taken yet */
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

struct conn {
	struct side cl, up;
	struct loop_timer timer;
	struct loop_defer defer;
	struct proxy *px;
	struct conn *prev, *next;	/* px->conns */
	struct buf in;			/* client bytes not parsed yet */
	struct buf resp;		/* a response head, when it is split */
	struct frame req, res;
	int64_t active;			/* when the current timeout began */
	uint64_t tried;			/* peers tried for this request */
	int16_t peer;			/* lb index, -1 when none */
	uint8_t state;
	uint8_t upgrade:1;		/* the client asked to upgrade */
	uint8_t keepalive:1;		/* serve another request after this */
	uint8_t head_method:1;		/* a HEAD request: no response body */
	uint8_t replied:1;		/* response bytes went to the client */
	uint8_t counted:1;		/* counts against max_connections */
	uint8_t served:1;		/* a request was served before */
	uint8_t timed_out:1;		/* the last connect attempt timed out */
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;				/* the client's */
};

struct listener {
	struct loop_io io;
	struct proxy *px;
};

struct proxy {
	const struct proxy_config *cfg;
	struct loop *loop;
	struct lb lb;
	struct listener lsn[PROXY_MAX_LISTEN * 4];
	int nlsn;
	struct loop_io sig;		/* a signalfd */
	struct loop_timer drain_timer, accept_timer;
	struct conn *conns;
	unsigned nconns;		/* counted connections */
	unsigned max_conns;
	int draining;
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
void conn_accept(struct proxy *px, int fd, const struct sockaddr *sa,
		 socklen_t sl);
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
/* SIGTERM: close connections waiting for a request, no more keep-alive. */
void conn_drain(struct proxy *px);
void conn_close_all(struct proxy *px);
/* The client's address for logs: "127.0.0.1:41234".  Returns buf. */
char *conn_client(const struct conn *c, char *buf, size_t len);
/* One line "wsctl proxy: ..." on the log descriptor, in one write. */
void px_log(struct proxy *px, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* request.c: a new request head is due (after accept, or keep-alive). */
void request_begin(struct conn *c);
/* Read and parse the head; on success queue it and connect upstream. */
void request_read(struct conn *c);
/* How many of p[0..n) belong to f's body (advancing f); -1: bad chunking. */
int frame_scan(struct frame *f, const char *p, size_t n);
/* 1 when the comma-separated list in h holds the token name[0..len). */
int header_lists(const struct http_header *h, const char *name, size_t len);

/* upstream.c: pick and connect, retrying; or answer 502/504. */
void upstream_connect(struct conn *c);
void upstream_event(struct loop *loop, struct loop_io *io, unsigned ev);
/* The connect timer fired: count a failure, try the next upstream. */
void upstream_timeout(struct conn *c);
/* Release the peer (failed: towards max_fails), close, drop its queue. */
void upstream_close(struct conn *c, int failed);

/* http.c: n response bytes arrived while a head is due. */
void http_response_head(struct conn *c, const char *p, size_t n);
/* The response is out: next request (keep-alive) or finish. */
void http_response_done(struct conn *c);

/* relay.c: run both pumps; a tunnel ends once both sides have ended. */
void relay(struct conn *c);
int side_read(struct side *s, char *buf, size_t want);
int side_sendv(struct side *s, struct iovec *iov, int cnt);
int side_send(struct side *s, const char *p, size_t n);
int side_flush(struct side *s);
/* Record what an event says about s (edges for rd, wr; hup). */
void side_note(struct side *s, unsigned ev);
/* Append to b, growing it exactly.  Returns 0, or -1 out of memory. */
int buf_append(struct buf *b, const char *p, size_t n);
void buf_free(struct buf *b);

/* A head being written into px->hbuf; overflow is sticky. */
struct emit {
	char *p;
	size_t len, cap;
	int overflow;
};

static inline void emit(struct emit *e, const char *s, size_t n)
{
	if (n > e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->p + e->len, s, n);
	e->len += n;
}

#endif
