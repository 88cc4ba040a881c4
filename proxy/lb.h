/*
 * lb.h - balancers behind one small interface, as in HAProxy's lb_*.c and
 * nginx's upstream modules.  lb.c keeps what every policy shares (the
 * peers, their open connection counts, passive health); a policy only
 * picks.
 *
 * Passive health works as in nginx: max_fails failed attempts within
 * fail_timeout take a peer out for fail_timeout; after that it gets
 * traffic again, and one success clears its record.  A lone peer is
 * never taken out: refusing every request for fail_timeout would help
 * nobody, so the next request after it comes back is served.
 */
#ifndef WSCTL_LB_H
#define WSCTL_LB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/proxy.h"

struct lb_peer {
	const struct proxy_upstream *conf;
	struct sockaddr_storage addr;	/* resolved once, at start */
	socklen_t addrlen;
	char name[300];			/* "127.0.0.1:8010" */
	int effective;			/* weight, lowered by failures */
	int current;			/* smooth weighted round-robin */
	unsigned conns;			/* connections open to it now */
	unsigned fails;			/* recent failures */
	int64_t last_fail;
	int64_t down_until;		/* out of rotation until then */
	uint64_t total;			/* connections ever made, for stats */
	uint64_t failures;		/* failed attempts ever, for stats */
};

struct lb {
	const struct lb_ops *ops;
	struct lb_peer *peers;
	unsigned npeers;
};

/* What a finished connection says about its peer's health. */
enum lb_outcome {
	LB_NEUTRAL,	/* nothing: the client left, or a local failure */
	LB_OK,		/* the peer answered: its failures are forgiven */
	LB_FAILED,	/* the peer refused, timed out or answered nothing
			   usable: counts towards max_fails */
};

struct lb_ops {
	const char *name;
	/*
	 * Choose a peer for a new upstream connection: one that is up
	 * (lb_usable) and not in tried (bit i: peer i failed this request
	 * already).  client is the client's address.  Returns the peer's
	 * index, or -1 when none can take it.
	 */
	int (*pick)(struct lb *lb, const struct sockaddr *client,
		    uint64_t tried, int64_t now);
	/* Optional: a connection to peer i ended, with outcome o. */
	void (*release)(struct lb *lb, unsigned i, enum lb_outcome o);
};

extern const struct lb_ops lb_roundrobin, lb_iphash, lb_leastconn;

/* Every balancer, ended by NULL; the first is the default. */
extern const struct lb_ops *const lb_all[];

/* The balancer called name, or NULL. */
const struct lb_ops *lb_find(const char *name);

/*
 * Set lb up for cfg's upstreams and balancer, resolving each address.
 * Returns 0, or -1 with err filled ("cannot resolve 'nohost'").
 */
int lb_init(struct lb *lb, const struct proxy_config *cfg, char *err,
	    size_t errlen);
void lb_fini(struct lb *lb);

/*
 * Pick a peer through the policy and count the connection against it.
 * Returns its index, or -1.
 */
int lb_pick(struct lb *lb, const struct sockaddr *client, uint64_t tried,
	    int64_t now);

/*
 * The connection to peer i is over, with outcome o: LB_FAILED counts
 * towards max_fails, LB_OK clears the count, LB_NEUTRAL does neither.
 */
void lb_release(struct lb *lb, unsigned i, enum lb_outcome o, int64_t now);

/* 1 when peer i may be picked: not tried yet, and not taken out; the
 * only peer of a group is never taken out, as in nginx. */
int lb_usable(const struct lb *lb, unsigned i, uint64_t tried, int64_t now);

/*
 * nginx's smooth weighted round-robin among the peers in mask: each
 * gains its weight, the richest is picked and pays the total.  Returns
 * the index, or -1 when mask is empty.
 */
int lb_smooth(struct lb *lb, uint64_t mask);

#endif
