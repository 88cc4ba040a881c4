/*
 * nginx_run.h - run nginx for the length of a check run: a child
 * process on a sandboxed copy of the config (checks/sandbox.h), stopped
 * afterwards.
 */
#ifndef WSCTL_NGINX_RUN_H
#define WSCTL_NGINX_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "common/addr.h"

struct nginx_proc {
	pid_t pid;
	char prefix[256];	/* the sandbox's; error.log lives there */
};

/*
 * Start "nginx -p PREFIX -e PREFIX/error.log -c CONF" as a child, where
 * conf says daemon off and pid PREFIX/nginx.pid itself.  Waits until
 * nginx has written its pid file and accepts on wait_for, or exits.
 * Returns 0, or -1 with err holding nginx's own complaint ("nginx did
 * not start: unknown directive \"x\" in PREFIX/nginx.conf:12") or "cannot
 * run 'nginx'".  The prefix stays the caller's.
 */
int nginx_start(struct nginx_proc *p, const char *prefix, const char *conf,
		const struct hostport *wait_for, char *err, size_t errlen);

/* Stop nginx (SIGTERM, its fast shutdown, then SIGKILL) and reap it. */
void nginx_stop(struct nginx_proc *p);

#endif
