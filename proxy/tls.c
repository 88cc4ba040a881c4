/*
 * tls.c - TLS termination on the client side of a connection (OpenSSL).
 *
 * The handshake needs no state of its own: a server session in accept
 * state runs it inside the first SSL_read, so a TLS client sits in
 * CS_HEAD, under --handshake-timeout, until its request head is in, like
 * any other.  Reads and writes keep the edge-triggered contract of the
 * plain helpers: rd is cleared only when OpenSSL wants more bytes from
 * the socket (a record it decrypted may still hold data), and a write
 * that could not finish leaves its rest in s->out for side_flush to
 * offer again.
 *
 * Memory: SSL_MODE_RELEASE_BUFFERS gives the read and write buffers
 * back whenever they are empty, so an idle TLS tunnel holds the session
 * and no record buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/err.h"
#include "common/tls.h"
#include "proxy/conn.h"

static const unsigned char alpn_http11[] = "\x08http/1.1";

/* ALPN: HTTP/1.1 is all the proxy speaks.  A client that offers only
 * other protocols (h2 alone) gets the alert RFC 7301 asks for; one that
 * offers none at all is served. */
static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_http11,
				  sizeof(alpn_http11) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *side_tls_ctx(const struct proxy_listen *l, char *err,
		      size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		err_fmt(err, errlen, "tls: %s", tls_reason());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* a TCP close without close_notify ends the stream like a FIN:
	 * WebSocket and HTTP framing say themselves whether it was early */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
				 SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
			      SSL_MODE_ENABLE_PARTIAL_WRITE |
			      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* no session cache: it would hold memory per client for resumption
	 * that long-lived tunnels rarely use.  Resumption is by stateless
	 * tickets instead, which the client keeps: one per TLS 1.3
	 * handshake (OpenSSL sends two), enough for the next reconnect */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ctx, l->tls_cert) != 1) {
		err_fmt(err, errlen, "tls certificate '%s': %s", l->tls_cert,
			tls_reason());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, l->tls_key, SSL_FILETYPE_PEM) !=
	    1) {
		err_fmt(err, errlen, "tls key '%s': %s", l->tls_key,
			tls_reason());
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		err_fmt(err, errlen, "tls key '%s' does not match certificate "
			"'%s'", l->tls_key, l->tls_cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void side_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

int side_tls_start(struct side *s, SSL_CTX *ctx)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return -1;
	if (SSL_set_fd(ssl, s->io.fd) != 1) {
		SSL_free(ssl);
		return -1;
	}
	SSL_set_accept_state(ssl);
	s->ssl = ssl;
	return 0;
}

void side_tls_free(struct side *s)
{
	if (!s->ssl)
		return;
	SSL_free(s->ssl);
	s->ssl = NULL;
}

/*
 * What an SSL call that returned rc <= 0 means: -2 (wait for the socket;
 * both ways are watched, so either edge brings us back), 0 (the end), -1
 * (failed).  OpenSSL's error queue is left empty for the next session.
 */
static int outcome(struct side *s, int rc)
{
	int e = SSL_get_error(s->ssl, rc);

	ERR_clear_error();
	switch (e) {
	case SSL_ERROR_WANT_READ:
		s->rd = 0;
		return -2;
	case SSL_ERROR_WANT_WRITE:
		s->wr = 0;
		return -2;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == EAGAIN || errno == EINTR)
			return -2;
		return -1;
	default:
		return -1;
	}
}

int side_tls_read(struct side *s, char *buf, size_t want)
{
	int n, r;

	if (want > INT32_MAX)
		want = INT32_MAX;
	errno = 0;
	n = SSL_read(s->ssl, buf, (int)want);
	if (n > 0)
		return n;
	r = outcome(s, n);
	if (r == 0 || r == -1) {
		s->rd = 0;
		if (r == 0)
			s->eof = 1;
	}
	return r;
}

/* With partial writes on, SSL_write returns after each record it got out,
 * socket full or not: write on until all is out or the socket is full,
 * so that a short count means what it means for write(2). */
long side_tls_write(struct side *s, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t want = n - done < INT32_MAX ? n - done : INT32_MAX;
		int w;

		errno = 0;
		w = SSL_write(s->ssl, p + done, (int)want);
		if (w <= 0)
			return outcome(s, w) == -2 ? (long)done : -1;
		done += w;
	}
	return done;
}

void side_tls_shut(struct side *s)
{
	/* close_notify if the socket takes it now; no wait for the peer's */
	if (SSL_is_init_finished(s->ssl))
		SSL_shutdown(s->ssl);
	ERR_clear_error();
}

int proxy_config_test(const struct proxy_config *cfg, char *err,
		      size_t errlen)
{
	int i;

	for (i = 0; i < cfg->nlisten; i++) {
		struct ssl_ctx_st *ctx;

		if (!cfg->listen[i].tls_cert)
			continue;
		if (!(ctx = side_tls_ctx(&cfg->listen[i], err, errlen)))
			return -1;
		side_tls_ctx_free(ctx);
	}
	return 0;
}
