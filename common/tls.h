/*
 * tls.h - the client side of TLS over a connected, non-blocking socket
 * (OpenSSL).  Reads and writes never block: they say which way the socket
 * must become ready, and the caller polls.
 */
#ifndef WSCTL_TLS_H
#define WSCTL_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls;

struct tls_opts {
	const char *host;	/* for SNI and the certificate's name */
	int insecure;		/* 1: no certificate verification at all */
	const char *ca_file;	/* trusted CAs (PEM) instead of the system's */
	const char *alpn;	/* ALPN protocols offered, comma-separated
				   ("h2,http/1.1"); NULL: none */
	const char *cert_file;	/* a client certificate (PEM, with its
				   chain), or NULL */
	const char *key_file;	/* its key; NULL: in cert_file */
	const char *passphrase;	/* the key's, when it is encrypted */
	int version;		/* 12 or 13: only TLS 1.2 or 1.3; 0: 1.2
				   or later */
};

struct tls_ctx;

/*
 * Load o's client certificate and key as tls_connect would, and say
 * whether they are usable: 0, or -1 with err filled ("cannot load the
 * client key from 'k.pem': bad decrypt").  For a setup error before
 * any connection.
 */
int tls_check_client(const struct tls_opts *o, char *err, size_t errlen);

/* tls_read and tls_write return these (negative) instead of a length */
#define TLS_WANT_READ	-2
#define TLS_WANT_WRITE	-3

/*
 * Run the TLS handshake on fd (connected, non-blocking) until done or
 * deadline (clock_ms() time, -1 for none).  The name checked against the
 * certificate is o->host, as an IP address when it is one; SNI is sent
 * for names only (RFC 6066).  Returns the session, which the caller
 * releases with tls_free, or NULL with err filled: "tls handshake with
 * 'example.com:443' failed: certificate verify failed: self-signed
 * certificate" (name is how the peer is named in messages).
 */
struct tls *tls_connect(int fd, const struct tls_opts *o, const char *name,
			int64_t deadline, char *err, size_t errlen);

/*
 * For many sessions on an event loop (wsctl bench): one context, made
 * once from o (its CAs, client certificate and versions), then per
 * connection tls_start and tls_step until it returns 0.
 *
 * tls_ctx_new returns the context, or NULL with err filled ("cannot load
 * CA certificates from 'x': ...").  tls_start makes a session on fd
 * (connected, non-blocking) for host (SNI for a name; checked against the
 * certificate unless o->insecure), offering alpn (or NULL); NULL with err
 * filled when out of memory.  tls_step goes on with the handshake: 0 when
 * it is done, TLS_WANT_READ or TLS_WANT_WRITE for the caller to wait, or
 * -1 with err filled as "WHAT: REASON" (what: "tls handshake failed").
 */
struct tls_ctx *tls_ctx_new(const struct tls_opts *o, char *err,
			    size_t errlen);
void tls_ctx_free(struct tls_ctx *x);
struct tls *tls_start(const struct tls_ctx *x, int fd, const char *host,
		      const char *alpn, char *err, size_t errlen);
int tls_step(struct tls *t, const char *what, char *err, size_t errlen);

/*
 * Resumption: tls_session gives t's session (free it with
 * tls_session_free; with TLS 1.3 take it late, once the server's tickets
 * came), tls_resume offers one before the handshake, and tls_resumed
 * says whether the handshake resumed it.
 */
void *tls_session(struct tls *t);
void tls_resume(struct tls *t, void *session);
void tls_session_free(void *session);
int tls_resumed(const struct tls *t);

/*
 * Read up to len bytes.  Returns the count, 0 at the end of the stream
 * (close_notify or a plain TCP close), TLS_WANT_READ or TLS_WANT_WRITE when
 * the socket is not ready, or -1 with err filled.
 */
ssize_t tls_read(struct tls *t, void *buf, size_t len, char *err,
		 size_t errlen);

/* Write up to len bytes; returns as tls_read does, but never 0. */
ssize_t tls_write(struct tls *t, const void *buf, size_t len,
		  char *err, size_t errlen);

/* The ALPN protocol the server chose, into out ("" for none); out. */
char *tls_alpn(const struct tls *t, char *out, size_t len);

/* Bytes decrypted and waiting inside the session: poll() cannot see them. */
size_t tls_pending(const struct tls *t);

/*
 * Send close_notify if the socket takes it right now, and free the
 * session.  The descriptor stays open: it belongs to the caller.
 */
void tls_free(struct tls *t);

/*
 * OpenSSL's first queued error as text, for a setup message ("No such
 * file or directory", "key values mismatch"): the cause, where the last
 * one says only which layer gave up ("PEM lib").  The queue is left as it
 * is.
 */
const char *tls_reason(void);

/*
 * Write a fresh self-signed certificate (P-256, valid for a week) for
 * names[0..n) plus localhost, 127.0.0.1 and ::1 to cert, and its key to
 * key, both PEM.  Names are DNS names as a server_name gives them
 * ("*.example.com" included).  Returns 0, or -1 with err filled.
 */
int tls_make_cert(const char *cert, const char *key,
		  const char *const *names, size_t n, char *err, size_t errlen);

#endif
