/*
 * other.c - distribution.balance, failover.backend-down and
 * concurrency.parallel: where connections land, and how many fit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/units.h"

/* Open one connection (from source, when not NULL); its backend or -1. */
static int land(struct check_ctx *c, struct wsc *w, const char *source,
		char *err, size_t errlen)
{
	struct wsc_opts o;
	char token[33];

	probe_opts(c, &o);
	o.source = source;
	if (probe_open(c, w, &o, NULL, 0, token, err, errlen) != WSC_OK)
		return -2;
	return probe_backend(c, w, token);
}

static cJSON *counts_json(const struct backends *bs, const int *count)
{
	cJSON *o = cJSON_CreateObject();
	int i;

	for (i = 0; i < bs->n; i++)
		cJSON_AddNumberToObject(o, bs->b[i].id, count[i]);
	return o;
}

/*
 * Are count[] within ±tol of n connections shared by weight?  tol is 1
 * for one balancer; nginx workers without a shared zone each balance on
 * their own, each off by at most one, so tol is their number.
 */
static int fair(const struct backends *bs, const int *count, int n, int tol,
		char *why, size_t len)
{
	int i, wsum = 0;

	for (i = 0; i < bs->n; i++)
		wsum += bs->b[i].weight;
	for (i = 0; i < bs->n; i++) {
		double share = (double)n * bs->b[i].weight / wsum;

		if (count[i] < share - tol - 0.0001 ||
		    count[i] > share + tol + 0.0001) {
			snprintf(why, len, "%s got %d of %d, its share is %.1f",
				 bs->b[i].id, count[i], n, share);
			return 0;
		}
	}
	return 1;
}

/*
 * n connections, one after the other (held open when hold): counts, and
 * the backend of each in order into seq (when not NULL).
 */
static int spread(struct check_ctx *c, int hold, int n, int *count, int *seq)
{
	char err[512];
	struct wsc *w;
	int i, k, rc = 0;

	memset(count, 0, BACKENDS_MAX * sizeof(*count));
	if (!(w = calloc(n, sizeof(*w)))) {
		check_error(c, "out of memory");
		return -1;
	}
	for (k = 0; k < n; k++) {
		int b = land(c, &w[k], NULL, err, sizeof(err));

		if (b < 0) {
			wsc_free(&w[k]);
			if (b == -2)
				probe_failed(c, err);
			else
				check_error(c, "cannot tell which backend served "
					    "a connection");
			rc = -1;
			break;
		}
		count[b]++;
		if (seq)
			seq[k] = b;
		if (!hold)
			wsc_free(&w[k]);
	}
	for (i = 0; hold && i < k; i++)
		wsc_free(&w[i]);
	free(w);
	return rc;
}

/*
 * Round-robin places connections in a fixed cycle: with weights summing
 * to wsum, seq repeats every wsum connections, and each cycle gives each
 * backend its weight (nginx's and HAProxy's smooth weighted round-robin
 * are such cycles; where it starts does not matter).  Random or
 * least-loaded placement breaks the cycle.  Returns 1, or 0 with why.
 */
static int rotates(const struct backends *bs, const int *seq, int n,
		   int wsum, char *why, size_t len)
{
	int k, i;

	for (k = wsum; k < n; k++)
		if (seq[k] != seq[k - wsum]) {
			snprintf(why, len, "connection %d went to %s, connection "
				 "%d (one rotation of %d before) to %s: not a "
				 "rotation", k + 1, bs->b[seq[k]].id,
				 k + 1 - wsum, wsum, bs->b[seq[k - wsum]].id);
			return 0;
		}
	for (i = 0; i < bs->n; i++) {
		int got = 0;

		for (k = 0; k < wsum && k < n; k++)
			got += seq[k] == i;
		if (got != bs->b[i].weight) {
			snprintf(why, len, "%s got %d of a rotation of %d, its "
				 "weight is %d", bs->b[i].id, got, wsum,
				 bs->b[i].weight);
			return 0;
		}
	}
	return 1;
}

/* The backend of each connection, in order, for the evidence. */
static cJSON *order_json(const struct backends *bs, const int *seq, int n)
{
	cJSON *a = cJSON_CreateArray();
	int k;

	for (k = 0; k < n; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(bs->b[seq[k]].id));
	return a;
}

static void balance_sequential(struct check_ctx *c, int hold)
{
	struct backends *bs = c->env->backends;
	const struct expect *ex = c->env->expect;
	int count[BACKENDS_MAX], seq[256], wsum = 0, n, i, tol, idle = -1;
	int order = !hold;	/* round-robin: the order is judged too */
	char why[256], waited[128] = "", d[32];

	for (i = 0; i < bs->n; i++)
		wsum += bs->b[i].weight;
	tol = ex->workers > 1 ? ex->workers : 1;
	n = (4 * wsum < 8 ? 8 : 4 * wsum) * tol;
	/* nginx workers without a shared zone each rotate on their own */
	order = order && tol == 1;
	/* a rotation of two seen 8 times: random passes it once in 2^15 */
	if (order && n < 8 * wsum)
		n = 8 * wsum;
	if (n > 256)
		n = 256;
	if (spread(c, hold, n, count, seq) < 0)
		return;
	for (i = 0; i < bs->n; i++)
		if (!count[i])
			idle = i;
	/* a backend that got nothing may still be out for fail_timeout
	   after an earlier failover (of this run or one before): wait that
	   out once, and say so */
	if (!fair(bs, count, n, tol, why, sizeof(why)) && idle >= 0 &&
	    ex->fail_timeout_ms > 0 && ex->fail_timeout_ms <= 30000 &&
	    check_time_left(c) > ex->fail_timeout_ms + 5000) {
		int64_t ft = run_scaled(c->env->cfg, ex->fail_timeout_ms);

		/* nginx counts fail_timeout in whole seconds (1 at least) of
		   its clock, so a peer may stay out a second longer */
		probe_sleep(c, (int)(ft < 1000 ? 1000 : ft) + 1200);
		snprintf(waited, sizeof(waited), "; %s got none at first (still "
			 "out for fail_timeout=%s after a failure), waited",
			 bs->b[idle].id, units_fmt_duration(ex->fail_timeout_ms,
			 d, sizeof(d)));
		if (spread(c, hold, n, count, seq) < 0)
			return;
	}
	check_evidence_json(c, "counts", counts_json(bs, count));
	check_evidence_json(c, "order", order_json(bs, seq, n));
	if (order && !rotates(bs, seq, n, wsum, why, sizeof(why)))
		check_fail(c, "connections in a fixed rotation by weight",
			   "%s%s", why, waited);
	else if (fair(bs, count, n, tol, why, sizeof(why)))
		check_pass(c, "%d connections spread by weight%s (%s%s)%s",
			   n, order ? " in a fixed rotation" : "",
			   balance_name(ex->balance), tol > 1 ? ", each of "
			   "the workers on its own" : "", waited);
	else if (tol > 1)
		check_fail(c, "each backend within its weighted share ± the "
			   "number of workers", "%s%s", why, waited);
	else
		check_fail(c, "each backend within ±1 of its weighted share", "%s%s",
			   why, waited);
}

static void balance_ip_hash(struct check_ctx *c)
{
	struct backends *bs = c->env->backends;
	int count[BACKENDS_MAX] = { 0 }, used = 0, net, i;
	struct hostport to;
	const char *host;
	struct url u;
	char err[512], src[32];

	/* sources 127.N.0.1 only reach an IPv4 loopback target */
	if (url_parse(c->url, &u, err, sizeof(err)) < 0 ||
	    (c->connect && addr_parse(c->connect, u.port, &to, err,
				      sizeof(err)) < 0)) {
		check_error(c, "%s", err);
		return;
	}
	host = c->connect ? to.host : u.host;
	if (strncmp(host, "127.", 4) && strcmp(host, "localhost")) {
		check_skip(c, "needs a target on 127.0.0.0/8 to connect from "
			   "16 different /24 networks");
		return;
	}
	for (net = 1; net <= 16; net++) {
		int first = -1, k;

		snprintf(src, sizeof(src), "127.%d.0.1", net);
		for (k = 0; k < 2; k++) {
			struct wsc w;
			int b = land(c, &w, src, err, sizeof(err));

			wsc_free(&w);
			if (b == -2) {
				probe_failed(c, err);
				return;
			}
			if (b < 0) {
				check_error(c, "cannot tell which backend served "
					    "a connection");
				return;
			}
			if (first >= 0 && b != first) {
				check_fail(c, "one backend per client address",
					   "%s went to %s, then to %s", src,
					   bs->b[first].id, bs->b[b].id);
				return;
			}
			first = b;
		}
		count[first] += 2;
	}
	for (i = 0; i < bs->n; i++)
		used += count[i] > 0;
	check_evidence_json(c, "counts", counts_json(bs, count));
	if (used < 2 && bs->n > 1)
		check_fail(c, "clients from 16 networks reach more than one backend",
			   "all went to %s", bs->b[0].id);
	else
		check_pass(c, "16 client networks each stuck to one backend, "
			   "%d backends used", used);
}

/* Nothing to judge: say where connections went. */
static void observe(struct check_ctx *c)
{
	const struct backends *bs = c->env->backends;
	const struct expect *ex = c->env->expect;
	int count[BACKENDS_MAX], n = 8 * bs->n, i;
	char seen[512];
	size_t used = 0;

	if (n > 64)
		n = 64;
	if (spread(c, 0, n, count, NULL) < 0)
		return;
	check_evidence_json(c, "counts", counts_json(bs, count));
	seen[0] = 0;
	for (i = 0; i < bs->n && used < sizeof(seen); i++)
		used += snprintf(seen + used, sizeof(seen) - used, "%s%s %d",
				 i ? ", " : "", bs->b[i].id, count[i]);
	if (ex->balance == BALANCE_UNKNOWN)
		check_skip(c, "nothing was expected (--balance METHOD judges "
			   "it); %d connections went: %s", n, seen);
	else
		check_skip(c, "%s balancing is not judged; %d connections "
			   "went: %s", balance_name(ex->balance), n, seen);
}

static void run_balance(struct check_ctx *c)
{
	switch (c->env->expect->balance) {
	case BALANCE_ROUND_ROBIN:
		balance_sequential(c, 0);
		break;
	case BALANCE_LEAST_CONN:
		balance_sequential(c, 1);
		break;
	case BALANCE_IP_HASH:
		balance_ip_hash(c);
		break;
	default:
		observe(c);
	}
	check_evidence_str(c, "method", balance_name(c->env->expect->balance));
	check_evidence_str(c, "method_from", c->env->expect->balance_from);
}

static void run_backend_down(struct check_ctx *c)
{
	struct backends *bs = c->env->backends;
	int n = 4 * bs->n, k, b, down;
	char err[512];
	struct wsc w0;

	if (bs->n < 2) {
		check_skip(c, "needs at least two backends");
		return;
	}
	/* the one the next connection reaches: a hash may send nothing to
	   some backend, and stopping that one would test nothing */
	down = land(c, &w0, NULL, err, sizeof(err));
	wsc_free(&w0);
	if (down == -2) {
		probe_failed(c, err);
		return;
	}
	if (down < 0) {
		check_error(c, "cannot tell which backend served a connection");
		return;
	}
	backends_stop(bs, down, 0);
	check_evidence_str(c, "stopped", bs->b[down].id);
	for (k = 0; k < n; k++) {
		struct wsc w;

		b = land(c, &w, NULL, err, sizeof(err));
		if (b == down)
			check_fail(c, "no connection on the stopped backend",
				   "connection %d landed on %s", k + 1,
				   bs->b[down].id);
		else if (b == -2)
			check_fail(c, "every connection succeeds",
				   "connection %d of %d: %s", k + 1, n, err);
		else if (b < 0 || probe_echo(c, &w, WS_TEXT, "up", 2, "a message"))
			check_fail(c, "every connection succeeds",
				   "connection %d of %d does not echo", k + 1, n);
		wsc_free(&w);
		if (c->res->status == CHECK_FAIL)
			break;
	}
	if (c->res->status != CHECK_FAIL)
		check_pass(c, "%d connections succeeded with %s (which served "
			   "the connection before) stopped", n, bs->b[down].id);
	if (backends_start(bs, down, err, sizeof(err)) < 0)
		check_error(c, "%s", err);
}

static void run_parallel(struct check_ctx *c)
{
	int n = c->env->cfg->connections, k, opened = 0, ok = 0;
	struct wsc *w = calloc(n, sizeof(*w));
	char err[512], msg[32];
	cJSON *hs = NULL, *rtt = NULL;	/* each one's times, for the report */
	int64_t *t0 = NULL;

	if (!w) {
		check_error(c, "out of memory");
		return;
	}
	hs = cJSON_CreateArray();
	rtt = cJSON_CreateArray();
	t0 = calloc(n, sizeof(*t0));
	if (!t0) {
		check_error(c, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		struct wsc_opts o;
		int64_t t = clock_us();

		probe_opts(c, &o);
		if (wsc_open(&w[k], &o, err, sizeof(err)) != WSC_OK) {
			check_fail(c, "all connections open at once",
				   "%d of %d opened, then: %s", k, n, err);
			c->res->no_tunnel = !k;
			if (w[k].head_len)
				check_evidence_len(c, "response_head", w[k].head,
						   w[k].head_len);
			goto out;
		}
		opened++;
		cJSON_AddItemToArray(hs, cJSON_CreateNumber(
			(double)((clock_us() - t) / 10) / 100));
	}
	for (k = 0; k < n; k++) {
		snprintf(msg, sizeof(msg), "parallel-%d", k);
		t0[k] = clock_us();
		if (wsc_send(&w[k], WS_TEXT, msg, strlen(msg), err, sizeof(err)))
			break;
	}
	for (k = 0; k < n; k++) {
		struct wsc_msg m;

		snprintf(msg, sizeof(msg), "parallel-%d", k);
		if (wsc_recv(&w[k], &m, check_time_left(c), err, sizeof(err)) ==
		    WSC_OK && m.opcode == WS_TEXT && m.len == strlen(msg) &&
		    !memcmp(m.data, msg, m.len)) {
			ok++;
			cJSON_AddItemToArray(rtt, cJSON_CreateNumber(
				(double)((clock_us() - t0[k]) / 10) / 100));
		}
	}
	check_evidence_num(c, "connections", n);
	check_evidence_num(c, "echoed", ok);
	if (ok == n)
		check_pass(c, "%d simultaneous connections all echoed", n);
	else
		check_fail(c, "every connection echoes", "%d of %d echoed", ok, n);
out:
	check_evidence_json(c, "handshake_ms", hs);
	check_evidence_json(c, "rtt_ms", rtt);
	for (k = 0; k < n && k <= opened; k++)
		wsc_free(&w[k]);
	free(w);
	free(t0);
}

const struct check other_checks[] = {
	{ "distribution.balance", "nginx upstream; HAProxy balance",
	  "connections spread as the balancing method says", run_balance,
	  NEEDS_BACKENDS | NEEDS_TUNNEL | RUNS_ALONE },
	{ "failover.backend-down", "nginx proxy_next_upstream, max_fails",
	  "with one backend stopped, every new connection still succeeds",
	  run_backend_down, NEEDS_SPAWNED | NEEDS_TUNNEL | RUNS_ALONE },
	{ "concurrency.parallel", "nginx worker_connections, limit_conn",
	  "--connections simultaneous connections all echo", run_parallel,
	  NEEDS_TUNNEL | RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
