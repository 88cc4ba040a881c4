/*
 * lb_roundrobin.c - smooth weighted round-robin, as nginx does it: with
 * weights 5, 1, 1 the order is a a b a c a a, not a a a a a b c.
 */
#include "proxy/lb.h"

static int rr_pick(struct lb *lb, const struct sockaddr *client,
		   uint64_t tried, int64_t now)
{
	uint64_t mask = 0;

	(void)client;
	for (unsigned i = 0; i < lb->npeers; i++)
		if (lb_usable(lb, i, tried, now))
			mask |= 1ULL << i;
	return lb_smooth(lb, mask);
}

/* nginx lowers a failing peer's effective weight, so that it gets less
 * traffic for a while even before max_fails takes it out */
static void rr_release(struct lb *lb, unsigned i, enum lb_outcome o)
{
	struct lb_peer *p = &lb->peers[i];
	unsigned max_fails = p->conf->max_fails ? p->conf->max_fails : 1;

	if (o != LB_FAILED)
		return;
	p->effective -= p->conf->weight / max_fails;
	if (p->effective < 0)
		p->effective = 0;
}

const struct lb_ops lb_roundrobin = {
	.name = "round-robin",
	.pick = rr_pick,
	.release = rr_release,
};
