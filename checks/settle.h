/*
 * settle.h - wait until the proxy routes to every backend.  Proxies that
 * track their backends' health (Squid, Varnish, HAProxy with "check")
 * may have marked a backend down before the checker started it, or
 * after a check stopped it; a check run inside that window would judge
 * the proxy's memory of an outage, not the proxy.  So before the checks,
 * and after each check that stops a backend or reloads the proxy, the
 * runner sends upgrade requests through the proxy until every backend
 * has served one.
 */
#ifndef WSCTL_SETTLE_H
#define WSCTL_SETTLE_H

#include <stdint.h>

#include "checks/backends.h"
#include "checks/check.h"

struct settle {
	int64_t ms;			/* how long it took (or the bound) */
	int tries;			/* requests sent */
	int refused;			/* answered 5xx, or no answer */
	int n;				/* backends */
	int64_t reached_ms[BACKENDS_MAX];	/* when each first served one;
						   -1: never */
	char last_error[256];		/* the last failed request's */
};

/*
 * Send upgrade requests to url (dialling connect when not NULL) through
 * the proxy until each backend of env has served one, or bound_ms has
 * passed.  Requests vary their query and, on an IPv4 loopback target,
 * their source address (127.N.0.1), so hashing balancers reach every
 * backend too.  A backend counts as served when the answer names it
 * (X-Wsctl-Backend, whatever the status), or when it has a record of
 * the request.  Fills *s and returns the number of backends never
 * reached (0: settled).
 */
int settle_wait(const struct check_env *env, const char *url,
		const char *connect, int64_t bound_ms, struct settle *s);

/*
 * "127.0.0.1:8011 (e2)" and the others not reached in s, comma-separated,
 * into buf.  Returns buf.
 */
char *settle_missing(const struct settle *s, const struct backends *bs,
		     char *buf, size_t len);

#endif
