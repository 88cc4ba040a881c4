/*
 * listen.h - the proxy's listening sockets (listen.c).
 */
#ifndef WSCTL_PROXY_LISTEN_H
#define WSCTL_PROXY_LISTEN_H

#include "proxy/conn.h"

/* Open every g->cfg->listen address, and its status_listen, into
 * px->lsn (one socket per worker and address with cfg->workers > 1).
 * Returns 0, or -1 with err filled ("bind 127.0.0.1:80: Permission
 * denied"); px->lsn then holds what was opened, for listen_close. */
int listen_open(struct proxy *px, const struct gen *g, char *err,
		size_t errlen);

/* 1 when a and b listen on the same addresses, each plain or TLS alike. */
int listen_same(const struct proxy_config *a, const struct proxy_config *b);

/*
 * A reload with one worker: px->lsn becomes g's listeners, accepting on
 * px->loop.  An address both configs have keeps its socket (and the
 * connections waiting in its queue); one only the old has is closed.
 * Returns 0, or -1 with err filled and the old listeners untouched.
 */
int listen_reopen(struct proxy *px, const struct gen *g, char *err,
		  size_t errlen);

/* Point the listeners at g's certificates and addresses (a reload that
 * keeps them, as it must with workers). */
void listen_retls(struct proxy *px, const struct gen *g);

/* Start accepting on px->loop on every listener still open (a worker
 * has closed the other workers' first).  Returns 0, or -1 with errno
 * set. */
int listen_start(struct proxy *px);

/* Close the listening sockets: no new connections from now on. */
void listen_close(struct proxy *px);

#endif
