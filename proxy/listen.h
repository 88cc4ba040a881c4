/*
 * listen.h - the proxy's listening sockets (listen.c).
 */
#ifndef WSCTL_PROXY_LISTEN_H
#define WSCTL_PROXY_LISTEN_H

#include "proxy/conn.h"

/* Open every cfg->listen address, and cfg->status_listen, into px->lsn
 * (one socket per worker and address with cfg->workers > 1).  Returns 0, or -1 with err
 * filled ("bind 127.0.0.1:80: Permission denied"); px->lsn then holds
 * what was opened, for listen_close. */
int listen_open(struct proxy *px, char *err, size_t errlen);

/* Start accepting on px->loop on every listener still open (a worker
 * has closed the other workers' first).  Returns 0, or -1 with errno
 * set. */
int listen_start(struct proxy *px);

/* Close the listening sockets: no new connections from now on. */
void listen_close(struct proxy *px);

#endif
