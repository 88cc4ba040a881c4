/*
 * lb.c - what every balancer shares: the peer table, resolution at start,
 * connection counts and passive health.  The policies are in lb_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/net.h"
#include "proxy/lb.h"

const struct lb_ops *const lb_all[] = {
	&lb_roundrobin,
	&lb_iphash,
	&lb_leastconn,
	NULL,
};

const struct lb_ops *lb_find(const char *name)
{
	for (int i = 0; lb_all[i]; i++)
		if (!strcmp(lb_all[i]->name, name))
			return lb_all[i];
	return NULL;
}

int lb_init(struct lb *lb, const struct proxy_config *cfg, char *err,
	    size_t errlen)
{
	memset(lb, 0, sizeof(*lb));
	lb->ops = lb_find(cfg->balance);
	if (!lb->ops) {
		snprintf(err, errlen, "unknown balance '%s'", cfg->balance);
		return -1;
	}
	if (cfg->nupstreams < 1 || cfg->nupstreams > PROXY_MAX_UPSTREAMS) {
		snprintf(err, errlen, "need 1 to %d upstreams",
			 PROXY_MAX_UPSTREAMS);
		return -1;
	}
	lb->peers = calloc(cfg->nupstreams, sizeof(*lb->peers));
	if (!lb->peers) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lb->npeers = cfg->nupstreams;
	for (unsigned i = 0; i < lb->npeers; i++) {
		struct lb_peer *p = &lb->peers[i];

		p->conf = &cfg->upstreams[i];
		p->effective = p->conf->weight;
		if (net_resolve(p->conf->host, p->conf->port, &p->addr,
				&p->addrlen, err, errlen) < 0) {
			lb_fini(lb);
			return -1;
		}
		net_fmt_sockaddr((struct sockaddr *)&p->addr, p->name,
				 sizeof(p->name));
	}
	return 0;
}

void lb_fini(struct lb *lb)
{
	free(lb->peers);
	lb->peers = NULL;
	lb->npeers = 0;
}

int lb_usable(const struct lb *lb, unsigned i, uint64_t tried, int64_t now)
{
	return !(tried & (1ULL << i)) &&
	       (lb->npeers == 1 || now >= lb->peers[i].down_until);
}

int lb_smooth(struct lb *lb, uint64_t mask)
{
	struct lb_peer *best = NULL;
	int total = 0, bi = -1;

	for (unsigned i = 0; i < lb->npeers; i++) {
		struct lb_peer *p = &lb->peers[i];

		if (!(mask & (1ULL << i)))
			continue;
		p->current += p->effective;
		total += p->effective;
		/* a failed peer earns its weight back one pick at a time */
		if (p->effective < (int)p->conf->weight)
			p->effective++;
		if (!best || p->current > best->current) {
			best = p;
			bi = i;
		}
	}
	if (best)
		best->current -= total;
	return bi;
}

int lb_pick(struct lb *lb, const struct sockaddr *client, uint64_t tried,
	    int64_t now)
{
	int i = lb->ops->pick(lb, client, tried, now);

	if (i >= 0) {
		lb->peers[i].conns++;
		lb->peers[i].total++;
	}
	return i;
}

void lb_release(struct lb *lb, unsigned i, enum lb_outcome o, int64_t now)
{
	struct lb_peer *p = &lb->peers[i];
	const struct proxy_upstream *u = p->conf;

	p->conns--;
	if (o == LB_OK) {
		p->fails = 0;
	} else if (o == LB_FAILED) {
		/* only failures within fail_timeout of each other add up */
		if (now - p->last_fail > u->fail_timeout_ms)
			p->fails = 0;
		p->fails++;
		p->failures++;
		p->last_fail = now;
		if (u->max_fails && p->fails >= u->max_fails)
			p->down_until = now + u->fail_timeout_ms;
	}
	if (lb->ops->release)
		lb->ops->release(lb, i, o);
}
