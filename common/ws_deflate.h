/*
 * ws_deflate.h - permessage-deflate (RFC 7692): reading the extension's
 * offers and answers, and compressing and inflating whole messages with
 * zlib, context kept from message to message unless a side said
 * *_no_context_takeover.  Shared by `wsctl echo` (the server's side) and
 * the client in wsc_*.c.  The parser never allocates; the codec owns its
 * two z_streams and nothing else: every buffer it returns is the caller's.
 */
#ifndef WSCTL_WS_DEFLATE_H
#define WSCTL_WS_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#define WS_PMD_NAME "permessage-deflate"
#define WS_RSV1 0x4		/* struct ws_frame.rsv: the message is
				   compressed (RFC 7692 6) */

/* The parameters of one permessage-deflate element (RFC 7692 7.1). */
struct ws_pmd {
	int server_no_context_takeover;
	int client_no_context_takeover;
	int server_max_window_bits;	/* 0: not given; else 8..15 */
	int client_max_window_bits;	/* 0: not given; -1: given without a
					   value (an offer may); else 8..15 */
};

/*
 * The next element of the Sec-WebSocket-Extensions list at *s, which
 * ends at end (RFC 6455 9.1: name, then "; param[=value]"s, the value a
 * token or a quoted string; elements split by commas).  Moves *s past it.
 * Returns 1 for a permessage-deflate element with *p filled, *valid 1
 * when its parameters are known, each given once, with values RFC 7692
 * allows; 2 for another extension (named by *name, *nlen); 0 at the end
 * of the list; -1 when the list does not parse.
 */
int ws_pmd_next(const char **s, const char *end, struct ws_pmd *p,
		int *valid, const char **name, size_t *nlen);

/*
 * The response element for an offer p that a server accepts, into out
 * ("permessage-deflate; server_no_context_takeover", ...); it names what
 * the server will hold itself to.  Returns out.
 */
char *ws_pmd_format(const struct ws_pmd *p, char *out, size_t len);

/* One side's compressor for what it sends and inflater for what it gets. */
struct ws_deflate {
	z_stream tx, rx;
	int tx_on, rx_on;	/* initialised (on first use) */
	int tx_bits;		/* the window of what we send: 9..15 */
	int tx_reset;		/* no context takeover for what we send */
};

/*
 * Set up d (no memory yet) to send with a window of tx_bits (8 is taken
 * as 9: zlib writes no 256-byte window, so an agreement on 8 should be
 * refused before) and, when tx_no_context, to forget the context after
 * each message.  Incoming messages are inflated with the widest window,
 * which reads every peer's.
 */
void ws_deflate_init(struct ws_deflate *d, int tx_bits, int tx_no_context);

/* Free what d holds; it may be set up again. */
void ws_deflate_free(struct ws_deflate *d);

/*
 * Compress the message in[0..len) into a new buffer *out (the caller
 * frees it) with room bytes left free in front of it, for a frame header;
 * *outlen is the compressed payload's length, the trailing 00 00 ff ff
 * taken off (RFC 7692 7.2.1).  Returns 0, or -1 when out of memory (d is
 * then unusable: free it).
 */
int ws_deflate_msg(struct ws_deflate *d, const uint8_t *in, size_t len,
		   size_t room, uint8_t **out, size_t *outlen);

enum {
	WS_INFLATE_BAD = -1,	/* not a DEFLATE stream, or a broken one */
	WS_INFLATE_TOO_BIG = -2,	/* would come to more than max bytes */
	WS_INFLATE_NOMEM = -3,
};

/*
 * Inflate the compressed payload in[0..len) of one message into a new
 * buffer *out, with room bytes free in front; *outlen is the message's
 * length, which may not pass max.  Returns 0 or a WS_INFLATE_* (after
 * which d is unusable: the connection is to be failed).
 */
int ws_inflate_msg(struct ws_deflate *d, const uint8_t *in, size_t len,
		   size_t room, size_t max, uint8_t **out, size_t *outlen);

#endif
