/*
 * rewrite.h - what the proxy decides about a request head, apart from
 * any socket: whether it may be forwarded, how its body is framed, and
 * the head the upstream gets.  request.c calls these for every request;
 * fuzz/fuzz_rewrite.c calls them on their own.
 */
#ifndef WSCTL_PROXY_REWRITE_H
#define WSCTL_PROXY_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "common/http.h"
#include "common/ws.h"

/* What a request head says, read in one pass; strings point into it. */
struct req_info {
	struct http_conn_opts opts;	/* what its Connection headers name */
	const struct http_header *upgrade;	/* the first Upgrade header */
	const char *target;		/* what the upstream is asked for */
	size_t target_len;
	const char *authority;		/* absolute-form: its host[:port] */
	size_t authority_len;		/* 0: the client's Host stands */
	uint64_t length;		/* the body's, when framing is LENGTH */
	int framing;			/* enum req_framing */
	int upgrade_asked;		/* a valid HTTP/1.1 upgrade request */
	int websocket;			/* ... to websocket, with a key */
	int close;			/* Connection: close, or HTTP/1.0 */
	char accept[WS_ACCEPT_LEN + 1];	/* the 101 a websocket key wants */
};

enum req_framing {
	REQ_NO_BODY,
	REQ_LENGTH,
	REQ_CHUNKED,
};

/*
 * Read rq into *in and judge it by RFC 9112's framing rules, strictly:
 * anything two parsers could read differently is refused.  Returns 0,
 * or the status to answer with (400, 405, 501) and *why, a short
 * lowercase reason.
 */
int request_inspect(const struct http_request *rq, struct req_info *in,
		    const char **why);

/*
 * Write the head the upstream gets for rq into out[0..cap): the request
 * line at HTTP/1.1 (HTTP/1.0 for a 1.0 client that does not upgrade),
 * in origin-form; the client's headers less the hop-by-hop ones (RFC
 * 9110 7.6.1) and those the proxy sets; then Host from an absolute-form
 * target, X-Real-IP and X-Forwarded-For from ip, X-Forwarded-Proto from
 * tls, and Upgrade and Connection as nginx's article setup gives them.
 * Returns the length, or -1 when it does not fit.
 */
int request_rewrite(const struct http_request *rq, const struct req_info *in,
		    const char *ip, int tls, char *out, size_t cap);

#endif
