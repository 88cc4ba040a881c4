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

/* n connections, one after the other (held open when hold): counts */
static int spread(struct check_ctx *c, int hold, int n, int *count)
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
		if (!hold)
			wsc_free(&w[k]);
	}
	for (i = 0; hold && i < k; i++)
		wsc_free(&w[i]);
	free(w);
	return rc;
}

static void balance_sequential(struct check_ctx *c, int hold)
{
	struct backends *bs = c->env->backends;
	const struct expect *ex = c->env->expect;
	int count[BACKENDS_MAX], wsum = 0, n, i, tol, idle = -1;
	char why[256], waited[128] = "", d[32];

	for (i = 0; i < bs->n; i++)
		wsum += bs->b[i].weight;
	tol = ex->workers > 1 ? ex->workers : 1;
	n = (4 * wsum < 8 ? 8 : 4 * wsum) * tol;
	if (n > 256)
		n = 256;
	if (spread(c, hold, n, count) < 0)
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
		if (spread(c, hold, n, count) < 0)
			return;
	}
	check_evidence_json(c, "counts", counts_json(bs, count));
	if (fair(bs, count, n, tol, why, sizeof(why)))
		check_pass(c, "%d connections spread by weight (%s%s)%s", n,
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
		check_skip(c, "%s balancing is not judged",
			   balance_name(c->env->expect->balance));
	}
	check_evidence_str(c, "method", balance_name(c->env->expect->balance));
	check_evidence_str(c, "method_from", c->env->expect->balance_from);
}

static void run_backend_down(struct check_ctx *c)
{
	struct backends *bs = c->env->backends;
	int n = 4 * bs->n, k, b;
	char err[512];

	if (bs->n < 2) {
		check_skip(c, "needs at least two backends");
		return;
	}
	backends_stop(bs, 0, 0);
	check_evidence_str(c, "stopped", bs->b[0].id);
	for (k = 0; k < n; k++) {
		struct wsc w;

		b = land(c, &w, NULL, err, sizeof(err));
		if (b == 0)
			check_fail(c, "no connection on the stopped backend",
				   "connection %d landed on %s", k + 1, bs->b[0].id);
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
		check_pass(c, "%d connections succeeded with %s stopped", n,
			   bs->b[0].id);
	if (backends_start(bs, 0, err, sizeof(err)) < 0)
		check_error(c, "%s", err);
}

static void run_parallel(struct check_ctx *c)
{
	int n = c->env->cfg->connections, k, opened = 0, ok = 0;
	struct wsc *w = calloc(n, sizeof(*w));
	char err[512], msg[32];

	if (!w) {
		check_error(c, "out of memory");
		return;
	}
	for (k = 0; k < n; k++) {
		struct wsc_opts o;

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
	}
	for (k = 0; k < n; k++) {
		snprintf(msg, sizeof(msg), "parallel-%d", k);
		if (wsc_send(&w[k], WS_TEXT, msg, strlen(msg), err, sizeof(err)))
			break;
	}
	for (k = 0; k < n; k++) {
		struct wsc_msg m;

		snprintf(msg, sizeof(msg), "parallel-%d", k);
		if (wsc_recv(&w[k], &m, check_time_left(c), err, sizeof(err)) ==
		    WSC_OK && m.opcode == WS_TEXT && m.len == strlen(msg) &&
		    !memcmp(m.data, msg, m.len))
			ok++;
	}
	check_evidence_num(c, "connections", n);
	check_evidence_num(c, "echoed", ok);
	if (ok == n)
		check_pass(c, "%d simultaneous connections all echoed", n);
	else
		check_fail(c, "every connection echoes", "%d of %d echoed", ok, n);
out:
	for (k = 0; k < n && k <= opened; k++)
		wsc_free(&w[k]);
	free(w);
}

const struct check other_checks[] = {
	{ "distribution.balance", "nginx upstream; HAProxy balance",
	  "connections spread as the balancing method says", run_balance,
	  NEEDS_BACKENDS | NEEDS_BALANCE | RUNS_ALONE },
	{ "failover.backend-down", "nginx proxy_next_upstream, max_fails",
	  "with one backend stopped, every new connection still succeeds",
	  run_backend_down, NEEDS_SPAWNED | RUNS_ALONE },
	{ "concurrency.parallel", "nginx worker_connections, limit_conn",
	  "--connections simultaneous connections all echo", run_parallel,
	  RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
