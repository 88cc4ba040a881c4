/*
 * test_lb.c - passive health in proxy/lb.c: what each outcome does to a
 * peer's failure count, and that the only peer of a group stays usable.
 */
#include "proxy/lb.h"
#include "tests/unit/unit.h"

static struct proxy_config cfg;

/* n peers on 127.0.0.1:1.., each max_fails=2, fail_timeout=10s */
static void setup(struct lb *lb, int n)
{
	char err[256];

	proxy_config_init(&cfg);
	cfg.nupstreams = n;
	for (int i = 0; i < n; i++)
		EXPECT(proxy_parse_upstream(i ? "127.0.0.1:2,max_fails=2" :
					    "127.0.0.1:1,max_fails=2",
					    &cfg.upstreams[i], err,
					    sizeof(err)) == 0);
	EXPECT(lb_init(lb, &cfg, err, sizeof(err)) == 0);
}

/* one failure, a neutral end, one failure: out (two within fail_timeout) */
static void test_neutral_keeps_failures(void)
{
	struct lb lb;

	setup(&lb, 2);
	EXPECT(lb_pick(&lb, NULL, 2, 0) == 0);
	lb_release(&lb, 0, LB_FAILED, 100);
	EXPECT(lb_pick(&lb, NULL, 2, 200) == 0);
	lb_release(&lb, 0, LB_NEUTRAL, 200);
	EXPECT(lb.peers[0].fails == 1);
	EXPECT(lb_pick(&lb, NULL, 2, 300) == 0);
	lb_release(&lb, 0, LB_FAILED, 300);
	EXPECT(!lb_usable(&lb, 0, 0, 400));
	lb_fini(&lb);
}

static void test_ok_clears_failures(void)
{
	struct lb lb;

	setup(&lb, 2);
	EXPECT(lb_pick(&lb, NULL, 2, 0) == 0);
	lb_release(&lb, 0, LB_FAILED, 100);
	EXPECT(lb_pick(&lb, NULL, 2, 200) == 0);
	lb_release(&lb, 0, LB_OK, 200);
	EXPECT(lb.peers[0].fails == 0);
	EXPECT(lb.peers[0].conns == 0);
	lb_fini(&lb);
}

/* a group of one is never taken out, however often it fails */
static void test_lone_peer_stays(void)
{
	struct lb lb;

	setup(&lb, 1);
	for (int i = 0; i < 5; i++) {
		EXPECT(lb_pick(&lb, NULL, 0, i * 10) == 0);
		lb_release(&lb, 0, LB_FAILED, i * 10);
	}
	EXPECT(lb_usable(&lb, 0, 0, 60));
	EXPECT(!lb_usable(&lb, 0, 1, 60));	/* but tried once per request */
	lb_fini(&lb);
}

const struct unit_case lb_cases[] = {
	{ "lb.neutral-keeps-failures", test_neutral_keeps_failures },
	{ "lb.ok-clears-failures", test_ok_clears_failures },
	{ "lb.lone-peer-stays", test_lone_peer_stays },
	{ NULL, NULL },
};
