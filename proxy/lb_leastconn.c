/*
 * lb_leastconn.c - the peer with the fewest open connections for its
 * weight (conns / weight, compared without division); ties are broken by
 * smooth weighted round-robin, as nginx's least_conn does, so that idle
 * peers still take turns.
 */
#include "proxy/lb.h"

static int lc_pick(struct lb *lb, const struct sockaddr *client,
		   uint64_t tried, int64_t now)
{
	const struct lb_peer *best = NULL;
	uint64_t mask = 0;

	(void)client;
	for (unsigned i = 0; i < lb->npeers; i++) {
		const struct lb_peer *p = &lb->peers[i];
		uint64_t a = 0, b = 0;

		if (!lb_usable(lb, i, tried, now))
			continue;
		if (best) {
			a = (uint64_t)p->conns * best->conf->weight;
			b = (uint64_t)best->conns * p->conf->weight;
		}
		if (!best || a < b) {
			best = p;
			mask = 1ULL << i;
		} else if (a == b) {
			mask |= 1ULL << i;
		}
	}
	return lb_smooth(lb, mask);
}

const struct lb_ops lb_leastconn = {
	.name = "least-conn",
	.pick = lc_pick,
};
