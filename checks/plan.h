/*
 * plan.h - what an nginx config says a check run should expect: the
 * target, the backends to spawn, the balancing method and read timeout.
 */
#ifndef WSCTL_PLAN_H
#define WSCTL_PLAN_H

#include <stddef.h>

#include "checks/backends.h"
#include "checks/expect.h"
#include "checks/nginx_conf.h"
#include "checks/sandbox.h"

/*
 * Find the location of c that proxies url (or, with url NULL, the
 * WebSocket location: see nginx_find_proxy) and derive from it: the
 * target URL into url_out when url is NULL (from the server's listen and
 * the location's path), one backend per upstream server into bs (unless
 * bs already has backends: flags win), and the balancing method and read
 * timeout into ex (unless already set).
 * Without a sandbox (sb NULL) the proxy is the one running: backends are
 * the upstream servers on local addresses.  With one, the URL is
 * production's (server_name, listen port), connect gets the copy's
 * address for it, and the backends are the stand-ins, each with the
 * config's name for its id.  Returns 0, or -1 with err filled
 * ("nginx.conf: no location proxies requests for port 8080").
 */
int plan_from_nginx(const struct nginx_conf *c, const struct sandbox *sb,
		    const char *url, struct backends *bs, struct expect *ex,
		    char *url_out, size_t url_len, char *connect,
		    size_t connect_len, char *err, size_t errlen);

#endif
