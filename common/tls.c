/*
 * tls.c - TLS client sessions with OpenSSL, on non-blocking sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/clock.h"
#include "common/net.h"
#include "common/tls.h"

struct tls {
	SSL *ssl;
};

struct tls_ctx {
	SSL_CTX *ctx;
	int insecure;
};

static int is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * Say what went wrong with the last call on t->ssl as one line.  The
 * verification result is asked first: OpenSSL's own message for it is
 * only "certificate verify failed".
 */
static void describe(SSL *ssl, int rc, const char *what, char *err,
		     size_t errlen)
{
	int e = SSL_get_error(ssl, rc);
	long v = SSL_get_verify_result(ssl);
	unsigned long code = ERR_peek_last_error();
	char buf[256];

	if (v != X509_V_OK && code &&
	    ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		snprintf(err, errlen, "%s: certificate verify failed: %s", what,
			 X509_verify_cert_error_string(v));
	} else if (e == SSL_ERROR_SYSCALL && !code) {
		snprintf(err, errlen, "%s: %s", what, errno ?
			 strerror(errno) : "connection closed by peer");
	} else if (code) {
		/* the reason only, not "error:0A000086:SSL routines:..." */
		if (ERR_reason_error_string(code))
			snprintf(buf, sizeof(buf), "%s",
				 ERR_reason_error_string(code));
		else
			ERR_error_string_n(code, buf, sizeof(buf));
		snprintf(err, errlen, "%s: %s", what, buf);
	} else {
		snprintf(err, errlen, "%s: tls error %d", what, e);
	}
	ERR_clear_error();
}

/* Fail with "cannot load WHAT from 'FILE': REASON". */
static int load_failed(const char *what, const char *file, char *err,
		       size_t errlen)
{
	unsigned long code = ERR_peek_error();
	const char *why = code ? ERR_reason_error_string(code) : NULL;

	if (code && ERR_GET_LIB(code) == ERR_LIB_SYS)
		why = strerror(ERR_GET_REASON(code));
	snprintf(err, errlen, "cannot load %s from '%s': %s", what, file,
		 why ? why : "none found");
	ERR_clear_error();
	return -1;
}

static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf, (void)size, (void)rwflag, (void)arg;
	return -1;
}

/* The client certificate and its key into ctx, when o names them. */
static int client_cert(SSL_CTX *ctx, const struct tls_opts *o, char *err,
		       size_t errlen)
{
	const char *key = o->key_file ? o->key_file : o->cert_file;

	if (!o->cert_file)
		return 0;
	/* with no passphrase, OpenSSL asks the terminal for an encrypted
	   key's, as wscat does; with no terminal, none is given */
	if (o->passphrase)
		SSL_CTX_set_default_passwd_cb_userdata(ctx,
						       (void *)o->passphrase);
	else if (!isatty(STDIN_FILENO))
		SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1)
		return load_failed("the client certificate", o->cert_file, err,
				   errlen);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_TYPE_MISMATCH &&
	    ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH)
		return load_failed("the client key", key, err, errlen);
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "the key in '%s' is not the certificate's",
			 key);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static SSL_CTX *make_ctx(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	unsigned long code;

	if (!ctx) {
		snprintf(err, errlen, "cannot create a tls context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, o->version == 13 ? TLS1_3_VERSION :
				      TLS1_2_VERSION);
	if (o->version == 12)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	/* a peer that drops TCP without close_notify is an EOF, not an error */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (client_cert(ctx, o, err, errlen) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (o->insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file ? !SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL)
		       : !SSL_CTX_set_default_verify_paths(ctx)) {
		code = ERR_get_error();
		snprintf(err, errlen, "cannot load CA certificates from "
			 "'%s': %s", o->ca_file ? o->ca_file : "the system",
			 code && ERR_reason_error_string(code) ?
			 ERR_reason_error_string(code) : "none found");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int tls_check_client(const struct tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int rc;

	if (!ctx) {
		snprintf(err, errlen, "cannot create a tls context");
		return -1;
	}
	rc = client_cert(ctx, o, err, errlen);
	SSL_CTX_free(ctx);
	return rc;
}

/* Wait until fd is ready the way OpenSSL asked, or the deadline passes. */
static int wait_for(int fd, int want, int64_t deadline)
{
	struct pollfd p = { .fd = fd };
	int64_t left;
	int n;

	p.events = want == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	do {
		left = deadline < 0 ? -1 : deadline - clock_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* "h2,http/1.1" as the wire's length-prefixed list */
static int set_alpn(SSL *ssl, const char *list)
{
	unsigned char wire[256];
	size_t n = 0;

	while (*list) {
		size_t k = strcspn(list, ",");

		if (!k || k > 255 || n + 1 + k > sizeof(wire))
			return -1;
		wire[n++] = (unsigned char)k;
		memcpy(wire + n, list, k);
		n += k;
		list += k + (list[k] == ',');
	}
	return SSL_set_alpn_protos(ssl, wire, (unsigned)n) == 0 ? 0 : -1;
}

char *tls_alpn(const struct tls *t, char *out, size_t len)
{
	const unsigned char *p;
	unsigned n = 0;

	SSL_get0_alpn_selected(t->ssl, &p, &n);
	snprintf(out, len, "%.*s", (int)n, n ? (const char *)p : "");
	return out;
}

struct tls_ctx *tls_ctx_new(const struct tls_opts *o, char *err,
			    size_t errlen)
{
	struct tls_ctx *x = calloc(1, sizeof(*x));

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(x->ctx = make_ctx(o, err, errlen))) {
		free(x);
		return NULL;
	}
	x->insecure = o->insecure;
	return x;
}

void tls_ctx_free(struct tls_ctx *x)
{
	if (!x)
		return;
	SSL_CTX_free(x->ctx);
	free(x);
}

struct tls *tls_start(const struct tls_ctx *x, int fd, const char *host,
		      const char *alpn, char *err, size_t errlen)
{
	struct tls *t = calloc(1, sizeof(*t));

	if (!t || !(t->ssl = SSL_new(x->ctx))) {
		snprintf(err, errlen, "out of memory for a tls session");
		free(t);
		return NULL;
	}
	SSL_set_fd(t->ssl, fd);
	if (alpn && set_alpn(t->ssl, alpn) < 0) {
		snprintf(err, errlen, "bad ALPN list '%s'", alpn);
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	if (!is_ip(host))
		SSL_set_tlsext_host_name(t->ssl, host);
	if (!x->insecure) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);

		if (is_ip(host))
			X509_VERIFY_PARAM_set1_ip_asc(vp, host);
		else
			SSL_set1_host(t->ssl, host);
	}
	return t;
}

int tls_step(struct tls *t, const char *what, char *err, size_t errlen)
{
	int rc, e;

	ERR_clear_error();
	rc = SSL_connect(t->ssl);
	if (rc == 1)
		return 0;
	e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	describe(t->ssl, rc, what, err, errlen);
	return -1;
}

struct tls *tls_connect(int fd, const struct tls_opts *o, const char *name,
			int64_t deadline, char *err, size_t errlen)
{
	char what[320];
	struct tls_ctx *x;
	struct tls *t;
	int rc;

	snprintf(what, sizeof(what), "tls handshake with '%s' failed", name);
	if (!(x = tls_ctx_new(o, err, errlen)))
		return NULL;
	t = tls_start(x, fd, o->host, o->alpn, err, errlen);
	tls_ctx_free(x);	/* the session holds its own reference */
	if (!t) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", what, why);
		return NULL;
	}
	for (;;) {
		rc = tls_step(t, what, err, errlen);
		if (rc == 0)
			return t;
		if (rc == -1)
			break;
		rc = wait_for(fd, rc == TLS_WANT_WRITE ? SSL_ERROR_WANT_WRITE :
			      SSL_ERROR_WANT_READ, deadline);
		if (rc == 0) {
			snprintf(err, errlen, "%s: timed out", what);
			break;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s: poll: %s", what,
				 strerror(errno));
			break;
		}
	}
	SSL_free(t->ssl);
	free(t);
	return NULL;
}

void *tls_session(struct tls *t)
{
	return SSL_get1_session(t->ssl);
}

void tls_resume(struct tls *t, void *session)
{
	if (session)
		SSL_set_session(t->ssl, session);
}

void tls_session_free(void *session)
{
	SSL_SESSION_free(session);
}

int tls_resumed(const struct tls *t)
{
	return SSL_session_reused(t->ssl);
}

static ssize_t result(struct tls *t, int rc, const char *what, char *err,
		      size_t errlen)
{
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	}
	describe(t->ssl, rc, what, err, errlen);
	return -1;
}

ssize_t tls_read(struct tls *t, void *buf, size_t len, char *err,
		 size_t errlen)
{
	size_t n = 0;
	int rc;

	ERR_clear_error();
	rc = SSL_read_ex(t->ssl, buf, len, &n);
	if (rc == 1)
		return (ssize_t)n;
	return result(t, rc, "tls read", err, errlen);
}

ssize_t tls_write(struct tls *t, const void *buf, size_t len,
		  char *err, size_t errlen)
{
	size_t n = 0;
	ssize_t r;
	int rc;

	ERR_clear_error();
	rc = SSL_write_ex(t->ssl, buf, len, &n);
	if (rc == 1)
		return (ssize_t)n;
	r = result(t, rc, "tls write", err, errlen);
	if (r == 0) {
		snprintf(err, errlen, "tls write: connection closed by peer");
		return -1;
	}
	return r;
}

size_t tls_pending(const struct tls *t)
{
	return (size_t)SSL_pending(t->ssl);
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	ERR_clear_error();
	SSL_shutdown(t->ssl);
	ERR_clear_error();
	SSL_free(t->ssl);
	free(t);
}

const char *tls_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (e && ERR_GET_LIB(e) == ERR_LIB_SYS)
		return strerror(ERR_GET_REASON(e));
	return r ? r : "unknown error";
}
