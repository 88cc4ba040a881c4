/*
 * ws.h - the RFC 6455 wire format: frame headers, masking, the accept key,
 * close codes and UTF-8 validation.  Nothing here allocates or does I/O.
 */
#ifndef WSCTL_WS_H
#define WSCTL_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_HDR 14		/* 2 + 8 (64-bit length) + 4 (mask) */
#define WS_ACCEPT_LEN 28	/* base64 of a SHA-1 digest */
#define WS_KEY_LEN 24		/* base64 of 16 random bytes */
#define WS_KEY_MAX 256		/* the longest key ws_accept_key hashes */

enum ws_opcode {
	WS_CONT = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xA,
};

/* Close codes used by wsctl (RFC 6455 7.4.1). */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005,	/* never on the wire */
	WS_CLOSE_ABNORMAL = 1006,	/* never on the wire */
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_EXTENSION = 1010,
	WS_CLOSE_INTERNAL = 1011,
};

struct ws_frame {
	unsigned fin;		/* 1 on the last frame of a message */
	unsigned rsv;		/* RSV1..RSV3 as bits 2..0 */
	unsigned opcode;	/* enum ws_opcode */
	unsigned masked;	/* 1 when a masking key follows */
	uint8_t mask[4];
	uint64_t len;		/* payload length */
};

/*
 * Decode the frame header at buf[0..len).  Returns the header's length
 * (2..14) with *f filled, -2 when more bytes are needed, or -1 when the
 * header is invalid: an unknown opcode, a control frame that is
 * fragmented or longer than 125 bytes, a 64-bit length with its top bit
 * set, or a length not in its shortest form.  RSV bits and the mask bit
 * are reported, not judged: that is the endpoint's business.
 */
int ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f);

/*
 * Encode a frame header for a payload of len bytes into out, which must
 * hold WS_MAX_HDR bytes.  mask is NULL for an unmasked (server) frame.
 * Returns the header's length.
 */
size_t ws_frame_header(uint8_t *out, int fin, unsigned opcode, uint64_t len,
		       const uint8_t mask[4]);

/*
 * XOR data[0..len) in place with mask, where data starts at byte
 * 'offset' of the payload; so a payload can be unmasked in pieces.
 */
void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/*
 * Compute Sec-WebSocket-Accept for the client's key (RFC 6455 4.2.2) into
 * out, NUL-terminated (WS_ACCEPT_LEN + 1 bytes).  A key longer than
 * WS_KEY_MAX bytes (a valid one has 24) gets WS_ACCEPT_LEN '*'s, which no
 * client accepts.
 */
void ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);

/*
 * Make a fresh Sec-WebSocket-Key (16 random bytes, base64) into out,
 * NUL-terminated.  Returns 0, or -1 when no randomness could be had.
 */
int ws_make_key(char out[WS_KEY_LEN + 1]);

/* Fill 4 random bytes for a client's masking key.  Returns 0 or -1. */
int ws_make_mask(uint8_t mask[4]);

/*
 * Returns 1 when code may be sent in a close frame (1000-1003, 1007-1014,
 * 3000-4999), 0 otherwise (1004-1006, 1015, and anything out of range).
 * 1012-1014 (service restart, try again later, bad gateway) are in the
 * IANA registry and sent by real servers and proxies, so they pass.
 */
int ws_close_code_valid(unsigned code);

/*
 * A frame stream followed byte by byte, as a relay sees it (ws_track.c):
 * zero it, feed it everything in order, any split.  It keeps no payload,
 * only where the current frame ends.
 */
struct ws_track {
	uint64_t left;			/* payload bytes still to come */
	uint8_t hdr[WS_MAX_HDR];	/* a header arriving in pieces */
	uint8_t have;			/* bytes of hdr gathered */
	uint8_t closed;			/* a close frame went by */
	uint8_t lost;			/* not RFC 6455 frames: given up */
};

void ws_track(struct ws_track *t, const uint8_t *p, size_t n);

/* 1 when what went by so far ends where a frame ends. */
static inline int ws_track_boundary(const struct ws_track *t)
{
	return !t->lost && !t->left && !t->have;
}

/* Short name of an opcode, "text", "binary", ... or "reserved". */
const char *ws_opcode_name(unsigned opcode);

/*
 * Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF).  Start with state UTF8_ACCEPT and feed the
 * message in any pieces; each call returns the new state.  UTF8_REJECT
 * is final; a message is valid when the last call returns UTF8_ACCEPT.
 */
#define UTF8_ACCEPT 0
#define UTF8_REJECT 1
uint32_t utf8_validate(uint32_t state, const uint8_t *s, size_t len);

#endif
