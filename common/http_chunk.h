/*
 * http_chunk.h - where a chunked message body ends (RFC 9112 7.1), found
 * without decoding, copying or allocating: a proxy that relays the body
 * byte for byte only needs to know which bytes belong to it.  Strict in
 * the same way as http.h: every line ends in CRLF, the size is hex with no
 * white space, extensions and trailer fields hold no control characters.
 */
#ifndef WSCTL_HTTP_CHUNK_H
#define WSCTL_HTTP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct http_chunked {
	uint64_t left;		/* data bytes of the current chunk still due */
	uint8_t state;		/* private; zero means "expecting a size" */
	uint8_t digits;
};

/*
 * Start a scan: zero *c (a zeroed struct is a fresh scan too).
 */
void http_chunked_init(struct http_chunked *c);

/*
 * Scan the next len bytes of a chunked body.  Returns how many of them
 * belong to the body: len while it goes on, fewer once its last byte (the
 * CRLF ending the trailer section) was among them; or -1 when the framing
 * is invalid.  The scan can be fed any split of the input.
 */
long http_chunked_scan(struct http_chunked *c, const char *buf, size_t len);

/* 1 once the body's last byte was scanned. */
int http_chunked_done(const struct http_chunked *c);

#endif
