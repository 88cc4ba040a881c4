/*
 * expect.h - what the deployment intends, from --nginx-conf or from flags:
 * the balancing method and the proxy's read timeout.  Checks judge the
 * proxy against these.
 */
#ifndef WSCTL_EXPECT_H
#define WSCTL_EXPECT_H

#include <stdint.h>

/* path.preserved's addition to a path: raw, and as nginx decodes it */
#define PATH_PROBE "wsctl-path/a%2Fb%3Ac%20d"
#define PATH_PROBE_DECODED "wsctl-path/a/b:c d"

enum balance {
	BALANCE_UNKNOWN,
	BALANCE_ROUND_ROBIN,
	BALANCE_IP_HASH,
	BALANCE_LEAST_CONN,
	BALANCE_HASH,		/* nginx "hash KEY": sticky, not judged */
	BALANCE_RANDOM,		/* not judged */
};

struct expect {
	enum balance balance;
	char balance_from[300];		/* "nginx.conf:14", "--balance" */
	int64_t read_timeout_ms;	/* 0 when unknown */
	char read_timeout_from[300];
	int workers;			/* balancers with state of their own:
					   nginx workers of an upstream without
					   zone; 0 or 1 for one */
	int64_t fail_timeout_ms;	/* how long the proxy keeps a failed
					   backend out; 0 when unknown */
	unsigned capacity;		/* tunnels the proxy is configured to
					   hold; 0 when unknown */
	char capacity_from[300];	/* "worker_connections 64 (nginx.conf:3)
					   x 1 worker" */
	/* path.preserved: what the proxy makes of a path.  A config's
	   proxy_pass URI replaces the prefix the location matched */
	int path_rule;			/* 0: passed as it is; 1: path_prefix
					   becomes path_uri; -1: unknown */
	char path_prefix[300], path_uri[300];
	char path_from[300];		/* "nginx.conf:41" */
	int path_extend;		/* a longer path reaches the same
					   place: 1 yes, -1 no, 0 unknown */
	int64_t shutdown_timeout_ms;	/* how long old workers keep tunnels
					   after a reload; 0: until they end */
	char shutdown_from[300];	/* "nginx.conf:3: worker_shutdown_timeout 1s" */
};

/*
 * Parse a method as users write it ("round-robin", "ip-hash",
 * "least-conn", "hash", "random").  Returns BALANCE_UNKNOWN for anything
 * else.
 */
enum balance balance_parse(const char *s);

/* The name balance_parse reads. */
const char *balance_name(enum balance b);

#endif
