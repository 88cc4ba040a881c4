/*
 * lb_iphash.c - the same client address goes to the same peer while that
 * peer is up, hashed as nginx's ip_hash does: the first three octets of
 * an IPv4 address (a /24 sticks together), all sixteen of an IPv6 one.
 * When the chosen peer is down or already failed, the hash is stirred
 * again, up to 20 times, then round-robin decides.
 */
#include <netinet/in.h>
#include <string.h>

#include "proxy/lb.h"

#define MAX_REHASH 20

/* The bytes nginx hashes; *len is 3 for IPv4, 16 for IPv6. */
static const uint8_t *hash_bytes(const struct sockaddr *sa, size_t *len)
{
	static const uint8_t none[3];
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		*len = 3;
		return (const uint8_t *)
			&((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	}
	if (sa->sa_family == AF_INET6) {
		/* a dual-stack listener shows IPv4 clients as ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*len = 3;
			return &s6->sin6_addr.s6_addr[12];
		}
		*len = 16;
		return s6->sin6_addr.s6_addr;
	}
	*len = 3;
	return none;
}

static int iphash_pick(struct lb *lb, const struct sockaddr *client,
		       uint64_t tried, int64_t now)
{
	size_t len;
	const uint8_t *b = hash_bytes(client, &len);
	unsigned hash = 89, total = 0;
	uint64_t mask = 0;

	for (unsigned i = 0; i < lb->npeers; i++)
		total += lb->peers[i].conf->weight;
	for (int tries = 0; tries < MAX_REHASH; tries++) {
		unsigned w, i = 0;

		for (size_t k = 0; k < len; k++)
			hash = (hash * 113 + b[k]) % 6271;
		/* a peer owns a share of the hash space as big as its weight */
		w = hash % total;
		while (w >= lb->peers[i].conf->weight)
			w -= lb->peers[i++].conf->weight;
		if (lb_usable(lb, i, tried, now))
			return i;
	}
	for (unsigned i = 0; i < lb->npeers; i++)
		if (lb_usable(lb, i, tried, now))
			mask |= 1ULL << i;
	return lb_smooth(lb, mask);
}

const struct lb_ops lb_iphash = {
	.name = "ip-hash",
	.pick = iphash_pick,
};
