/*
 * wsc.h - a WebSocket client: one connection, blocking calls with
 * deadlines, over TCP or TLS.  It is written for three callers: `wsctl
 * connect` (a person), `wsctl check` (which judges a proxy's handshake on
 * the raw bytes, so what was sent and received is kept), and `wsctl
 * bench`.  Timing is left to callers; wsc_dial and wsc_handshake are the
 * two halves of wsc_open for those who time them apart.
 *
 * Every call that can fail returns one of enum wsc_rc, negative on
 * failure, with a one-line message in err (which may be NULL).  Callers
 * ignore SIGPIPE: OpenSSL writes to the socket without MSG_NOSIGNAL.
 *
 *	struct wsc c;
 *	struct wsc_opts o = { .url = "ws://127.0.0.1:8010/" };
 *	struct wsc_msg m;
 *
 *	if (wsc_open(&c, &o, err, sizeof(err)) == WSC_OK &&
 *	    wsc_send(&c, WS_TEXT, "hi", 2, err, sizeof(err)) == WSC_OK &&
 *	    wsc_recv(&c, &m, 5000, err, sizeof(err)) == WSC_OK)
 *		wsc_close(&c, 1000, "", 2000, err, sizeof(err));
 *	wsc_free(&c);		(after any wsc_open result)
 */
#ifndef WSCTL_WSC_H
#define WSCTL_WSC_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/http.h"
#include "common/ws.h"

#define WSC_MAX_HEADERS 100		/* in the response head */
#define WSC_HEAD_MAX (64 * 1024)	/* bytes of response head */
#define WSC_BODY_MAX 4096		/* bytes of a refusal's body kept */
#define WSC_MAX_MESSAGE (16u << 20)	/* default message size limit */

enum wsc_rc {
	WSC_OK = 0,
	WSC_ERR_TIMEOUT = -1,	/* the deadline passed; nothing is lost */
	WSC_ERR_EOF = -2,	/* TCP ended: no close frame or no full head */
	WSC_ERR_IO = -3,	/* a socket or TLS error, such as a reset */
	WSC_ERR_PROTO = -4,	/* the peer broke RFC 6455; see fail_code */
	/* only while opening: */
	WSC_ERR_REQUEST = -5,	/* our side: a bad URL or header line */
	WSC_ERR_CONNECT = -6,	/* the name lookup or the TCP connect */
	WSC_ERR_TLS = -7,	/* the TLS handshake or certificate check */
	WSC_ERR_HEAD = -8,	/* the response head is not valid HTTP */
	WSC_ERR_STATUS = -9,	/* a complete response, but not 101 */
	WSC_ERR_UPGRADE = -10,	/* a 101 that does not do the upgrade */
};

/* wsc_opts.flags */
#define WSC_AUTO_PONG	0x1	/* wsc_recv answers pings, returns them too */
#define WSC_AUTO_CLOSE	0x2	/* wsc_recv answers a close, and sends
				   fail_code on a protocol error */
#define WSC_NO_MASK	0x4	/* unmasked frames, to test servers */
#define WSC_DEFLATE	0x8	/* offer permessage-deflate (RFC 7692) */
#define WSC_SERVER	0x10	/* the server's side (wsc_accept): frames
				   sent unmasked, received masked */

/*
 * How to open a connection.  Only url is required.
 *
 * headers: extra "Name: value" lines, sent after the generated ones; one
 *	named like a generated header (Host, Upgrade, Connection,
 *	Sec-WebSocket-*, Origin, User-Agent) replaces it.
 * protocols: subprotocols to offer, in order (one Sec-WebSocket-Protocol).
 * timeout_ms: for wsc_open, connect + TLS + handshake together; for
 *	wsc_dial and wsc_handshake, each; and for every send.  0 means 10 s.
 * raw_head: a request head to send instead of the generated one, byte for
 *	byte.  The 101 is judged by what it offered (its key, subprotocols,
 *	extensions).
 * early: bytes sent in the same write right after the head, such as a
 *	frame pipelined before the 101.
 */
struct wsc_opts {
	const char *url;		/* ws://, wss://, http:// or https:// */
	const char *const *headers;
	size_t nheaders;
	const char *const *protocols;
	size_t nprotocols;
	const char *origin;		/* Origin header, or NULL */
	const char *user_agent;		/* User-Agent header, or NULL */
	const char *source;		/* local address to bind, or NULL */
	const char *connect_to;		/* "host:port" to dial instead of the
					   URL's (curl's --connect-to): Host,
					   SNI and the certificate name stay
					   the URL's */
	int timeout_ms;
	int insecure;			/* TLS: no certificate check */
	const char *ca_file;		/* TLS: trust these CAs instead */
	const char *cert_file;		/* TLS: a client certificate, or NULL */
	const char *key_file;		/* TLS: its key (NULL: in cert_file) */
	const char *passphrase;		/* TLS: the key's, or NULL */
	const char *alpn;		/* TLS: ALPN offered ("http/1.1"), or
					   NULL for none */
	const char *raw_head;
	size_t raw_head_len;
	const void *early;
	size_t early_len;
	size_t max_message;		/* 0 means WSC_MAX_MESSAGE */
	unsigned flags;			/* WSC_AUTO_PONG | ... */
};

struct tls;
struct ws_deflate;

/*
 * One connection.  The public part is read-only to callers: the
 * handshake as evidence, and the closing state.
 */
struct wsc {
	int fd;				/* -1 when there is no socket */
	struct url url;
	char *request;			/* the head sent, NUL-ended */
	size_t request_len;
	/*
	 * The response head as received, NUL-ended: up to and including the
	 * blank line once wsc_handshake got that far (any result but
	 * TIMEOUT, EOF, IO and HEAD); before that, whatever arrived of it.
	 */
	char *head;
	size_t head_len;
	struct http_response res;	/* parsed from head; see above */
	struct http_header headers[WSC_MAX_HEADERS];
	/* the request sent, parsed once before it went out (sent_ok 0 when
	 * a raw_head is not a valid one); pointing into request */
	struct http_header sent[WSC_MAX_HEADERS];
	size_t nsent;
	int sent_ok;
	char *body;			/* start of a non-101's body */
	size_t body_len;
	char protocol[128];		/* the subprotocol agreed, or "" */
	char extension[128];		/* the Sec-WebSocket-Extensions of a
					   101 that agreed to permessage-
					   deflate, or "" */
	int close_sent;
	int close_received;
	unsigned close_code;		/* the peer's; 1005 for none */
	char close_reason[124];		/* the peer's, NUL-ended */
	unsigned fail_code;		/* after WSC_ERR_PROTO: the code
					   to close with (RFC 6455) */

	/* private */
	struct tls *tls;
	unsigned flags;
	int timeout_ms;
	size_t max_message;
	uint8_t *rbuf;			/* bytes read, not yet consumed */
	size_t rcap, roff, rlen;	/* size, start, end */
	uint8_t *msg;			/* a fragmented message */
	size_t msg_len, msg_cap;
	int in_msg;			/* between first and last fragment */
	unsigned msg_opcode;
	unsigned msg_frames;
	int msg_z;			/* the message is compressed */
	uint32_t utf8;
	struct ws_deflate *z;		/* permessage-deflate agreed */
	uint8_t *zmsg;			/* the last message inflated */
};

/*
 * A message or control frame received.  data points into the connection
 * and stays valid until the next wsc_recv, wsc_recv_frame or wsc_free.
 */
struct wsc_msg {
	unsigned opcode;		/* WS_TEXT, WS_BINARY, WS_PING, WS_PONG
					   or WS_CLOSE */
	const uint8_t *data;		/* payload (a close's: all) */
	size_t len;
	unsigned frames;		/* how many frames carried it */
	int compressed;			/* it came compressed (RSV1); data
					   is what it inflated to */
	unsigned close_code;		/* WS_CLOSE: the code, or 1005 */
	const char *reason;		/* WS_CLOSE: not NUL-ended */
	size_t reason_len;
};

/*
 * Connect to o->url (TLS for wss), send the request head (generated, or
 * o->raw_head) with o->early in one write, read the response head, and
 * check that it completes the upgrade (RFC 6455 4.1): status 101,
 * "Upgrade: websocket", "Connection" holding "upgrade", the right
 * Sec-WebSocket-Accept, no subprotocol or extension that was not offered
 * (and permessage-deflate, when agreed, with parameters RFC 7692 allows:
 * from then on messages are compressed and inflated).
 * Bytes the server sent after its head stay buffered for wsc_recv.
 *
 * c needs no initialisation; call wsc_free(c) after any result.  On
 * WSC_ERR_STATUS, c->body holds the start of the body (up to
 * WSC_BODY_MAX, waited for briefly) and err reads "server answered 403
 * Forbidden: <first line of the body>".  On WSC_ERR_UPGRADE err says
 * what is wrong ("Sec-WebSocket-Accept is 'x', want 'y'") and the socket
 * stays open.  c->request and c->head are kept whatever happens.
 */
int wsc_open(struct wsc *c, const struct wsc_opts *o, char *err,
	     size_t errlen);

/*
 * The server's side of a handshake, on fd (a connected socket, which c
 * now owns): read the request head, answer 101 when it is a WebSocket
 * upgrade (with the first subprotocol offered that o->protocols lists,
 * or with none listed the first offered, as node ws does), else 400.
 * o gives timeout_ms, max_message and flags (WSC_SERVER is added); its
 * url is not used.  c->request holds the request as received, c->head
 * the answer.  Returns WSC_OK, or WSC_ERR_TIMEOUT, WSC_ERR_EOF,
 * WSC_ERR_IO, or WSC_ERR_HEAD for a request that is not an upgrade;
 * after any result, wsc_free(c).
 */
int wsc_accept(struct wsc *c, int fd, const struct wsc_opts *o, char *err,
	       size_t errlen);

/* The first half of wsc_open: TCP and TLS.  c needs no initialisation. */
int wsc_dial(struct wsc *c, const struct wsc_opts *o, char *err,
	     size_t errlen);

/* The second half: request, response, judgement.  Same o as wsc_dial. */
int wsc_handshake(struct wsc *c, const struct wsc_opts *o, char *err,
		  size_t errlen);

/*
 * Check one "Name: value" line as wsc_opts.headers takes it.  Returns 0,
 * or -1 with err filled ("bad header 'x': want 'Name: value'").
 */
int wsc_check_header(const char *line, char *err, size_t errlen);

/*
 * The first line of text in c->body into out, NUL-terminated: chunked
 * coding undone, HTML tags dropped, blank lines skipped, white space
 * trimmed, control characters blanked.  Returns out ("" for none).
 */
char *wsc_body_line(const struct wsc *c, char *out, size_t len);

/*
 * Send a whole message of any opcode: one frame, FIN set; a text or
 * binary one compressed (RSV1) once permessage-deflate is agreed.
 */
int wsc_send(struct wsc *c, unsigned opcode, const void *data, size_t len,
	     char *err, size_t errlen);

/*
 * Send one frame as given, unchecked: a fragment (fin 0, then WS_CONT
 * frames), a reserved opcode, an oversized control frame.  Masked with a
 * fresh key unless WSC_NO_MASK.
 */
int wsc_send_frame(struct wsc *c, int fin, unsigned opcode, const void *data,
		   size_t len, char *err, size_t errlen);

/* The same with the RSV bits rsv (WS_RSV1 is 0x4) in the header. */
int wsc_send_frame_rsv(struct wsc *c, int fin, unsigned rsv, unsigned opcode,
		       const void *data, size_t len, char *err,
		       size_t errlen);

/*
 * Send a close: code 0 sends an empty payload, otherwise the code and
 * reason (NULL for none; cut to 123 bytes).  Sets c->close_sent.
 */
int wsc_send_close(struct wsc *c, unsigned code, const char *reason,
		   char *err, size_t errlen);

/* Send bytes as they are, for frames built by hand. */
int wsc_send_raw(struct wsc *c, const void *buf, size_t len, char *err,
		 size_t errlen);

/*
 * Wait up to timeout_ms (-1: forever; 0: only what can be read now) for
 * the next message or control frame.  Fragments are joined, compressed
 * messages inflated (once permessage-deflate is agreed); text must be
 * UTF-8.  A message over max_message, a masked frame, RSV bits, a bad
 * close payload or a broken fragment sequence is WSC_ERR_PROTO, with
 * c->fail_code set.  A close sets close_received, close_code and
 * close_reason.  Returns WSC_OK with *m filled, WSC_ERR_TIMEOUT (a partial
 * frame stays buffered), WSC_ERR_EOF (TCP ended; after a close frame that
 * is the normal end), WSC_ERR_PROTO or WSC_ERR_IO.
 */
int wsc_recv(struct wsc *c, struct wsc_msg *m, int timeout_ms, char *err,
	     size_t errlen);

/*
 * The next frame as it came: *f, and its payload (unmasked) in *data and
 * *len, valid as for wsc_recv.  Nothing is judged beyond what
 * ws_frame_parse refuses and the size limit.  Do not mix with wsc_recv in
 * the middle of a fragmented message.
 */
int wsc_recv_frame(struct wsc *c, struct ws_frame *f, const uint8_t **data,
		   size_t *len, int timeout_ms, char *err, size_t errlen);

/*
 * The closing handshake: send a close unless one was sent, read and drop
 * messages until the peer's close, then give the peer up to a second to
 * end TCP first (RFC 6455 7.1.1); all within timeout_ms.  Returns WSC_OK
 * once the peer's close was received, or the error that ended the wait.
 */
int wsc_close(struct wsc *c, unsigned code, const char *reason,
	      int timeout_ms, char *err, size_t errlen);

/*
 * 1 when wsc_recv may return without reading the socket (a whole frame is
 * buffered, here or inside TLS): a caller that polls c->fd with other
 * descriptors calls wsc_recv first while this holds.
 */
int wsc_pending(const struct wsc *c);

/* Close the socket, with no closing handshake, and free everything. */
void wsc_free(struct wsc *c);

/* A close code's name: "normal closure", "going away", ... */
const char *wsc_close_name(unsigned code);

#endif
