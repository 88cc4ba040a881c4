/*
 * nginx_run.h - run nginx from an existing config for the length of a
 * check run: a child process, from a temporary prefix, stopped afterwards.
 */
#ifndef WSCTL_NGINX_RUN_H
#define WSCTL_NGINX_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "common/addr.h"

struct nginx_proc {
	pid_t pid;
	char prefix[256];	/* the temporary prefix; error.log lives there */
};

/*
 * Start "nginx -p PREFIX -c CONF" in the foreground as a child.  conf is
 * the user's file as is, or, when snippet is 1 (no http block: a conf.d
 * file such as the article's), a small main file that includes it inside
 * http { }.  pid is the config's own pid directive, or NULL; daemon_off
 * is 1 when the config says "daemon off;" itself.  Waits until
 * nginx has written its pid file and accepts on wait_for, or exits.  Returns
 * 0, or -1 with err holding nginx's own complaint ("nginx did not start:
 * bind() to 127.0.0.1:8080 failed (98: Address already in use)").
 */
int nginx_start(struct nginx_proc *p, const char *conf, int snippet,
		const char *pid, int daemon_off,
		const struct hostport *wait_for, char *err, size_t errlen);

/* Stop nginx (SIGTERM, its fast shutdown, then SIGKILL); remove the prefix. */
void nginx_stop(struct nginx_proc *p);

#endif
