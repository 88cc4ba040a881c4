/*
 * io.c - a benchmark connection's bytes, over TCP or TLS (wss://).  The
 * TLS handshake runs on the bench's own event loop, a step per readiness
 * event (common/tls.h), never blocking and with no thread per connection.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bench/priv.h"
#include "common/tls.h"

static char io_err[160];	/* one thread: the last TLS error's text */

const char *bench_io_error(void)
{
	return io_err;
}

/* A tls_read/tls_write result as read(2)/write(2) give theirs. */
static ssize_t as_syscall(ssize_t n)
{
	if (n >= 0)
		return n;
	errno = n == TLS_WANT_READ || n == TLS_WANT_WRITE ? EAGAIN : EPROTO;
	return -1;
}

ssize_t bio_read(struct bconn *c, void *buf, size_t len)
{
	if (!c->tls)
		return read(c->io.fd, buf, len);
	return as_syscall(tls_read(c->tls, buf, len, io_err, sizeof(io_err)));
}

ssize_t bio_write(struct bconn *c, const void *buf, size_t len)
{
	if (!c->tls)
		return write(c->io.fd, buf, len);
	return as_syscall(tls_write(c->tls, buf, len, io_err, sizeof(io_err)));
}

int bench_tls_setup(struct bench *b, char *err, size_t errlen)
{
	const struct bench_config *cfg = b->cfg;
	struct tls_opts o = { .host = cfg->url.host, .insecure = cfg->insecure,
			      .ca_file = cfg->ca_file,
			      .version = cfg->tls_version };

	if (!cfg->url.tls)
		return 0;
	b->tls = tls_ctx_new(&o, err, errlen);
	return b->tls ? 0 : -1;
}

void bench_tls_teardown(struct bench *b)
{
	unsigned i;

	for (i = 0; b->conns && i < b->nconns; i++) {
		tls_free(b->conns[i].tls);
		if (b->conns[i].session)
			tls_session_free(b->conns[i].session);
	}
	tls_ctx_free(b->tls);
}

int bconn_tls_step(struct bconn *c)
{
	struct bench *b = c->b;
	char err[160];
	int rc;

	if (!c->tls) {
		c->tls = tls_start(b->tls, c->io.fd, b->cfg->url.host, NULL,
				   err, sizeof(err));
		if (!c->tls)
			return bconn_fail(c, BERR_TLS, "%s", err);
		if (b->cfg->resume)
			tls_resume(c->tls, c->session);
	}
	rc = tls_step(c->tls, "tls handshake", err, sizeof(err));
	if (rc == -1)
		return bconn_fail(c, BERR_TLS, "%s", err);
	if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE) {
		unsigned want = rc == TLS_WANT_READ ? LOOP_IN : LOOP_OUT;

		if (c->io.mask != want)
			loop_io_mod(b->loop, &c->io, want);
		return 1;
	}
	b->r->tls_resumed += tls_resumed(c->tls);
	return 0;
}

void bconn_tls_end(struct bconn *c)
{
	if (!c->tls)
		return;
	/* TLS 1.3 sends its tickets after the handshake: the session is
	   worth keeping only now */
	if (c->b->cfg->resume && c->up) {
		if (c->session)
			tls_session_free(c->session);
		c->session = tls_session(c->tls);
	}
	tls_free(c->tls);
	c->tls = NULL;
}
