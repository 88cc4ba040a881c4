/*
 * plan.h - what an nginx config says a check run should do: which
 * locations are targets (and over which schemes), where to connect for
 * each, which backends stand behind each, and what each one expects
 * (balancing method, read timeout).
 */
#ifndef WSCTL_PLAN_H
#define WSCTL_PLAN_H

#include <stddef.h>

#include "checks/backends.h"
#include "checks/expect.h"
#include "checks/nginx_conf.h"
#include "checks/sandbox.h"

#define PLAN_MAX_TARGETS	16
#define PLAN_MAX_LEFT		64

struct plan_target {
	char url[2300];			/* production's: server_name, port */
	char connect[300];		/* where to dial for it */
	char backend_path[2048];	/* the path backends see for url's */
	const struct nginx_server *server;
	const struct nginx_location *loc;
	struct expect ex;
	int backend[BACKENDS_MAX];	/* indexes into the run's backends */
	int weight[BACKENDS_MAX];
	int nbackends;
};

struct plan_left {		/* a location that proxies, not checked */
	struct nginx_pos at;
	char location[300];	/* "location /static/" */
	char why[300];
};

struct plan {
	struct plan_target t[PLAN_MAX_TARGETS];
	int n;
	struct plan_left left[PLAN_MAX_LEFT];
	int nleft;
	int websocket;		/* 1: some location passes Upgrade on, and
				   the targets are those */
};

struct plan_request {
	const char *const *urls;	/* URLs on the command line */
	int nurls;
	const char *const *paths;	/* --location PATH */
	int npaths;
	const struct expect *given;	/* --balance, --read-timeout */
};

/*
 * Plan a run from c.  With URLs or paths requested, those are the
 * targets (each must reach a location that proxies); otherwise the
 * locations that pass Upgrade on, or when none does (the commonest
 * mistake) every location that proxies, each over every scheme its
 * server listens on (ws://, wss://).  Locations that proxy but are not
 * targets go to p->left with why.
 * Without a sandbox (sb NULL) the proxy is the one running: a target
 * connects to its server's listen address, and its backends are the
 * upstream servers on local addresses, spawned there.  With one, it
 * connects to the copy's port, and its backends are the stand-ins, each
 * with the config's name for its id.  Backends go into bs (spawn mode)
 * once each; when bs already has backends (--backends), every target
 * uses all of them.  Returns 0, or -1 with err filled ("nginx.conf: no
 * location proxies requests").
 */
int plan_make(const struct nginx_conf *c, const struct sandbox *sb,
	      const struct plan_request *rq, struct backends *bs,
	      struct plan *p, char *err, size_t errlen);

#endif
