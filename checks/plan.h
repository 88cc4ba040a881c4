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

/*
 * Find the location of c that proxies url (or, with url NULL, the first
 * that proxies at all) and derive from it: the target URL into url_out
 * when url is NULL (from the server's listen and the location's path),
 * one backend per upstream server on a local address into bs (unless bs
 * already has backends: flags win), and the balancing method and read
 * timeout into ex (unless already set).  Returns 0, or -1 with err filled
 * ("nginx.conf: no location proxies requests for port 8080").
 */
int plan_from_nginx(const struct nginx_conf *c, const char *url,
		    struct backends *bs, struct expect *ex, char *url_out,
		    size_t url_len, char *err, size_t errlen);

#endif
