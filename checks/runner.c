/*
 * runner.c - run the selected checks: the ones that must run alone first,
 * one at a time, then all the others at once, each in its own thread with
 * its own deadline.  All I/O in checks is bounded by that deadline, so a
 * hung proxy costs one check, not the run.  A check that still overruns
 * is reported as an error, and waited for a while longer: it may stop
 * backends or count connections, so nothing else starts beside it, and
 * it uses what the caller owns (env, curl), so it must end before the
 * caller frees that.  Only one that never ends is left behind; the run
 * then says so (run->abandoned), and the caller must not free what the
 * checks use.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/clock.h"
#include "checks/backends.h"
#include "checks/run.h"
#include "checks/settle.h"
#include "common/net.h"
#include "common/units.h"

#define GRACE_MS 5000	/* past its deadline before a check is late */
#define LATE_MS 30000	/* more, for a late one, before it is left behind */

/* Every job of a run reports to these; run_interrupt wakes the waiter. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int interrupted;		/* under lock */

/* What run_progress reports, under lock: the checks this process is to
   run, those done, and those running now. */
#define MAX_RUNNING 256
static int prog_total, prog_done;
static struct job *running[MAX_RUNNING];

/* The checks as they finished, under lock (run_finished); a run has at
   most RUN_MAX_URLS targets of some 70 checks each. */
#define MAX_FINISHED 2048
static struct run_row finished[MAX_FINISHED];
static int nfinished;

struct job {
	const struct check *check;
	struct check_ctx ctx;
	struct check_result res;	/* the worker's own copy */
	int done;
	int late;			/* await gave up on it: its row is
					   the runner's, not its own */
	pthread_t tid;
	pthread_mutex_t *lock;
	pthread_cond_t *cond;
};

static int matches(const char *const *pats, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (!fnmatch(pats[i], id, 0))
			return 1;
	return 0;
}

int64_t run_scaled(const struct check_config *cfg, int64_t ms)
{
	return cfg->time_div > 1 ? ms / cfg->time_div : ms;
}

char *run_fmt_scaled(const struct check_config *cfg, int64_t ms, char *buf,
		     size_t len)
{
	if (cfg->time_div <= 1)
		return units_fmt_duration(ms, buf, len);
	snprintf(buf, len, "%.1fs (measured %.3fs at 1/%d)",
		 (double)ms * cfg->time_div / 1000.0, ms / 1000.0,
		 cfg->time_div);
	return buf;
}

int run_selected(const struct check_config *cfg, const char *id)
{
	if (cfg->nonly && !matches(cfg->only, cfg->nonly, id))
		return 0;
	return !matches(cfg->skip, cfg->nskip, id);
}

/* Why c cannot run here, or NULL when it can. */
static const char *unmet(const struct check_env *env, const struct check *c)
{
	const struct backends *bs = env->backends;

	if ((c->needs & NEEDS_WAIT) && env->cfg->quick)
		return "waits for a timeout; skipped by --quick";
	if ((c->needs & NEEDS_BACKENDS) && (!bs || !bs->n))
		return "needs wsctl echo backends (--backends or --nginx-conf)";
	if ((c->needs & NEEDS_SPAWNED) && (!bs || !bs->spawn))
		return "needs backends the checker starts (--backends spawn:ADDR,...)";
	if ((c->needs & NEEDS_TIMEOUT) && !env->expect->read_timeout_ms)
		return "the proxy's read timeout is unknown (--nginx-conf or --read-timeout)";
	if ((c->needs & NEEDS_BALANCE) && env->expect->balance == BALANCE_UNKNOWN)
		return "no expected balancing method (--nginx-conf or --balance)";
	if ((c->needs & NEEDS_RELOAD) && !env->cfg->reload_pid &&
	    !env->cfg->reload_cmd)
		return "no way to reload the proxy (--start-nginx or --reload-cmd)";
	return NULL;
}

static int64_t budget(const struct check_env *env, const struct check *c)
{
	int64_t ms = env->cfg->timeout_ms;

	if (c->needs & NEEDS_WAIT)
		ms += run_scaled(env->cfg, env->cfg->idle_ms +
				 env->expect->read_timeout_ms);
	if (c->needs & NEEDS_RELOAD)
		ms += env->expect->shutdown_timeout_ms;
	return ms;
}

/* Log res of check c on url as finished; the caller holds lock. */
static void log_row(const struct check *c, const char *url,
		    const struct check_result *res)
{
	struct run_row *w;

	if (nfinished == MAX_FINISHED)
		return;
	w = &finished[nfinished++];
	w->id = c->id;
	w->url = url;
	w->status = res->status;
	if (res->status == CHECK_FAIL && res->expected[0])
		snprintf(w->text, sizeof(w->text), "expected %.150s; observed "
			 "%.200s", res->expected, res->observed);
	else
		snprintf(w->text, sizeof(w->text), "%s", res->message);
}

static void log_row_locked(const struct check *c, const char *url,
			   const struct check_result *res)
{
	pthread_mutex_lock(&lock);
	log_row(c, url, res);
	pthread_mutex_unlock(&lock);
}

int run_finished(int from, struct run_row *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&lock);
	while (from >= 0 && from + n < nfinished && n < max) {
		out[n] = finished[from + n];
		n++;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

static void *work(void *arg)
{
	struct job *j = arg;
	int64_t t0 = clock_ms();

	j->check->run(&j->ctx);
	j->res.duration_ms = clock_ms() - t0;
	pthread_mutex_lock(j->lock);
	for (int i = 0; i < MAX_RUNNING; i++)
		if (running[i] == j)
			running[i] = NULL;
	prog_done++;
	j->done = 1;
	if (!j->late)
		log_row(j->check, j->ctx.url, &j->res);
	pthread_cond_broadcast(j->cond);
	pthread_mutex_unlock(j->lock);
	return NULL;
}

static void abs_time(int64_t mono_deadline, struct timespec *ts)
{
	int64_t left = mono_deadline - clock_ms();
	struct timeval now;

	if (left < 0)
		left = 0;
	gettimeofday(&now, NULL);
	ts->tv_sec = now.tv_sec + left / 1000;
	ts->tv_nsec = now.tv_usec * 1000L + (left % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait for j until mono_deadline.  Returns 1 when it is done. */
static int wait_done(struct job *j, int64_t mono_deadline)
{
	struct timespec ts;
	int done;

	abs_time(mono_deadline, &ts);
	pthread_mutex_lock(j->lock);
	while (!j->done && !interrupted && clock_ms() < mono_deadline)
		if (pthread_cond_timedwait(j->cond, j->lock, &ts) == ETIMEDOUT)
			break;
	done = j->done;
	pthread_mutex_unlock(j->lock);
	return done;
}

/*
 * Wait for job j: until its deadline plus the grace for its verdict,
 * then up to LATE_MS more for the thread to end.  Copies the result to
 * out (an error when it was late) and returns 0 once the thread is
 * joined; returns -1 when it never ended (it is then left behind, not
 * freed).
 */
static int await(struct job *j, struct check_result *out, int64_t limit_ms)
{
	int64_t late = j->ctx.deadline + GRACE_MS;
	char d[32];

	wait_done(j, late);
	pthread_mutex_lock(j->lock);
	j->late = !j->done;
	pthread_mutex_unlock(j->lock);
	if (!j->late) {
		pthread_join(j->tid, NULL);
		*out = j->res;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->status = CHECK_ERROR;
	if (run_interrupted()) {
		snprintf(out->message, sizeof(out->message), "interrupted");
		log_row_locked(j->check, j->ctx.url, out);
		pthread_detach(j->tid);
		return -1;
	}
	snprintf(out->message, sizeof(out->message),
		 "did not finish within %s (--timeout)",
		 units_fmt_duration(limit_ms, d, sizeof(d)));
	out->duration_ms = limit_ms + GRACE_MS;
	log_row_locked(j->check, j->ctx.url, out);
	if (!wait_done(j, late + LATE_MS)) {
		pthread_detach(j->tid);
		return -1;
	}
	pthread_join(j->tid, NULL);
	/* its own verdict, if any, is less true than being late */
	cJSON_Delete(j->res.evidence);
	return 0;
}

struct collect {
	const struct check_env *env;
	struct run *run;
	const char *url, *connect;
	int cap;
};

static void collect(const struct check *c, void *arg)
{
	struct collect *k = arg;
	struct run_result *r;

	if (!run_selected(k->env->cfg, c->id))
		return;
	if (k->run->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->run->r = realloc(k->run->r, k->cap * sizeof(*r));
		if (!k->run->r)
			abort();
	}
	r = &k->run->r[k->run->n++];
	memset(r, 0, sizeof(*r));
	r->check = c;
	r->url = k->url;
	r->connect = k->connect;
}

static struct job *start(const struct check_env *env, struct run_result *r,
			 pthread_mutex_t *lock, pthread_cond_t *cond)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		abort();
	j->check = r->check;
	j->lock = lock;
	j->cond = cond;
	j->ctx.env = env;
	j->ctx.url = r->url;
	j->ctx.connect = r->connect;
	j->ctx.res = &j->res;
	j->ctx.deadline = clock_ms() + budget(env, r->check);
	pthread_mutex_lock(lock);
	for (int i = 0; i < MAX_RUNNING; i++)
		if (!running[i]) {
			running[i] = j;
			break;
		}
	pthread_mutex_unlock(lock);
	if (pthread_create(&j->tid, NULL, work, j)) {
		r->res.status = CHECK_ERROR;
		snprintf(r->res.message, sizeof(r->res.message),
			 "cannot start a thread");
		log_row_locked(r->check, r->url, &r->res);
		free(j);
		return NULL;
	}
	return j;
}

static void finish(const struct check_env *env, struct run *run,
		   struct run_result *r, struct job *j)
{
	if (!j)
		return;
	if (await(j, &r->res, budget(env, r->check)) == 0) {
		pthread_mutex_lock(&lock);
		for (int i = 0; i < MAX_RUNNING; i++)
			if (running[i] == j)
				running[i] = NULL;
		pthread_mutex_unlock(&lock);
		free(j);
	}
	else
		run->abandoned = 1;
}

static int failed(const struct check_result *r)
{
	return r->status == CHECK_FAIL || r->status == CHECK_ERROR;
}

/*
 * One cause, one line: when a target's handshake.status-101 failed, the
 * other checks of the target that failed for want of a tunnel follow
 * from it; and a check that names the one it follows (res.follows)
 * follows it when that one failed on the same target.
 */
static void causes(struct run *run, int first)
{
	int i, k;

	for (i = first; i < run->n; i++) {
		struct check_result *r = &run->r[i].res;

		if (!r->follows[0] || r->status != CHECK_FAIL)
			continue;
		for (k = first; k < run->n; k++)
			if (!strcmp(run->r[k].check->id, r->follows) &&
			    !strcmp(run->r[k].url, run->r[i].url) &&
			    run->r[k].res.status == CHECK_FAIL)
				snprintf(r->cause, sizeof(r->cause), "%s",
					 r->follows);
	}
	for (i = first; i < run->n; i++) {
		if (strcmp(run->r[i].check->id, "handshake.status-101") ||
		    run->r[i].res.status != CHECK_FAIL)
			continue;
		for (k = first; k < run->n; k++) {
			struct check_result *r = &run->r[k].res;

			if (k != i && r->no_tunnel && !strcmp(run->r[k].url,
							      run->r[i].url) &&
			    failed(r))
				snprintf(r->cause, sizeof(r->cause), "%s",
					 run->r[i].check->id);
		}
	}
}

void run_interrupt(void)
{
	pthread_mutex_lock(&lock);
	interrupted = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

int run_interrupted(void)
{
	int v;

	pthread_mutex_lock(&lock);
	v = interrupted;
	pthread_mutex_unlock(&lock);
	return v;
}

/* Not started, and now never will be: say why. */
static int not_run(struct run *run, struct run_result *r)
{
	const char *why = run_interrupted() ? "not run: interrupted" :
			  run->abandoned ? "not run: an earlier check never "
			  "finished" : NULL;

	if (!why)
		return 0;
	r->res.status = run_interrupted() ? CHECK_SKIP : CHECK_ERROR;
	snprintf(r->res.message, sizeof(r->res.message), "%s", why);
	log_row_locked(r->check, r->url, &r->res);
	return 1;
}

/*
 * Each target's env: the caller's with the target's first settle.  Static:
 * a check left running still reads its env after run_checks returns, and
 * there is one run per process, its targets one after another.
 */
static struct check_env envs[RUN_MAX_URLS];
static struct settle settled[RUN_MAX_URLS];

/* Wait for the proxy to route to every backend of url; note it in run. */
static void settle_url(const struct check_env *env, struct run *run,
		       const char *url, const char *connect, const char *after,
		       struct settle *s)
{
	struct run_settle *e;

	if (!env->backends || !env->backends->n || env->cfg->settle_ms <= 0 ||
	    run_interrupted())
		return;
	settle_wait(env, url, connect, env->cfg->settle_ms, s);
	if (run->nsettles == RUN_MAX_SETTLES)
		return;
	e = &run->settles[run->nsettles++];
	e->url = url;
	snprintf(e->after, sizeof(e->after), "%s", after);
	e->ms = s->ms;
	e->tries = s->tries;
	settle_missing(s, env->backends, e->missing, sizeof(e->missing));
}

static int url_index(const struct check_env *env, const char *url)
{
	int i;

	for (i = 0; i < env->cfg->nurls; i++)
		if (env->cfg->urls[i] == url)
			return i;
	return 0;
}

/* handshake.status-101 failed on r's target: r fails at once. */
static int tunnel_broken(const struct run *run, int first,
			 struct run_result *r)
{
	int k;

	if (!(r->check->needs & NEEDS_TUNNEL))
		return 0;
	for (k = first; k < run->n; k++) {
		const struct run_result *h = &run->r[k];

		if (h == r || strcmp(h->check->id, "handshake.status-101") ||
		    h->url != r->url || h->res.status != CHECK_FAIL)
			continue;
		r->res.status = CHECK_FAIL;
		r->res.no_tunnel = 1;
		/* the same fields of another result (h != r) */
		memcpy(r->res.expected, h->res.expected, sizeof(r->res.expected));
		memcpy(r->res.observed, h->res.observed, sizeof(r->res.observed));
		snprintf(r->res.message, sizeof(r->res.message), "not run: no "
			 "WebSocket handshake completes through the proxy "
			 "(handshake.status-101: %s)", h->res.observed);
		log_row_locked(r->check, r->url, &r->res);
		return 1;
	}
	return 0;
}

/* Not run yet, and not skipped or failed before it ran. */
static int pending(const struct run_result *r)
{
	return r->res.status == CHECK_PASS && !r->res.message[0];
}

/* Run r alone, and wait for it. */
static void run_alone(struct run *run, struct run_result *r)
{
	const struct check_env *env = &envs[url_index(envs, r->url)];

	finish(env, run, r, start(env, r, &lock, &cond));
}

int run_checks(const struct check_env *env, struct run *run)
{
	struct collect k = { env, run, NULL, NULL, run->n };
	struct job **jobs;
	struct timespec ts;
	int i, first = run->n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!first)
		run->started_at = (int64_t)ts.tv_sec * 1000 +
				  ts.tv_nsec / 1000000;
	for (i = 0; i < env->cfg->nurls; i++) {
		k.url = env->cfg->urls[i];
		k.connect = env->cfg->connect[i];
		check_foreach(collect, &k);
	}
	jobs = calloc(run->n ? run->n : 1, sizeof(*jobs));
	if (!jobs)
		return -1;

	for (i = first; i < run->n; i++) {
		const char *why = unmet(env, run->r[i].check);

		if (why) {
			run->r[i].res.status = CHECK_SKIP;
			snprintf(run->r[i].res.message,
				 sizeof(run->r[i].res.message), "%s", why);
			log_row_locked(run->r[i].check, run->r[i].url,
				       &run->r[i].res);
		}
	}
	pthread_mutex_lock(&lock);
	for (i = first; i < run->n; i++)
		prog_total += pending(&run->r[i]);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < env->cfg->nurls; i++) {
		envs[i] = *env;
		envs[i].settled = NULL;
		if (env->backends && env->backends->n &&
		    env->cfg->settle_ms > 0) {
			settle_url(env, run, env->cfg->urls[i],
				   env->cfg->connect[i], "", &settled[i]);
			envs[i].settled = &settled[i];
		}
	}
	/* first the ones that say whether the rest can work, then the ones
	   that stop backends or count connections, alone */
	for (i = first; i < run->n; i++) {
		struct run_result *r = &run->r[i];

		if ((r->check->needs & RUNS_FIRST) && pending(r) &&
		    !not_run(run, r))
			run_alone(run, r);
	}
	for (i = first; i < run->n; i++)
		if (!(run->r[i].check->needs & RUNS_FIRST) &&
		    pending(&run->r[i]) && tunnel_broken(run, first, &run->r[i])) {
			pthread_mutex_lock(&lock);
			prog_done++;	/* failed at once: done */
			pthread_mutex_unlock(&lock);
		}
	for (i = first; i < run->n; i++) {
		struct run_result *r = &run->r[i];
		struct settle s;

		if (!(r->check->needs & RUNS_ALONE) ||
		    (r->check->needs & RUNS_FIRST) || !pending(r))
			continue;
		/* a check left running may still be stopping backends */
		if (not_run(run, r))
			continue;
		run_alone(run, r);
		if (r->check->needs & (NEEDS_SPAWNED | NEEDS_RELOAD))
			settle_url(&envs[url_index(env, r->url)], run, r->url,
				   r->connect, r->check->id, &s);
	}
	for (i = first; i < run->n; i++)
		if (!(run->r[i].check->needs & (RUNS_ALONE | RUNS_FIRST)) &&
		    pending(&run->r[i]) && !not_run(run, &run->r[i]))
			jobs[i] = start(&envs[url_index(env, run->r[i].url)],
					&run->r[i], &lock, &cond);
	for (i = first; i < run->n; i++)
		if (jobs[i])
			finish(&envs[url_index(env, run->r[i].url)], run,
			       &run->r[i], jobs[i]);
	free(jobs);
	causes(run, first);
	run->interrupted = run_interrupted();
	clock_gettime(CLOCK_REALTIME, &ts);
	run->duration_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
			   run->started_at;
	return 0;
}

void run_progress(struct run_progress *p)
{
	int64_t now = clock_ms();
	int i;

	memset(p, 0, sizeof(*p));
	pthread_mutex_lock(&lock);
	p->total = prog_total;
	p->done = prog_done < prog_total ? prog_done : prog_total;
	for (i = 0; i < MAX_RUNNING; i++) {
		const struct job *j = running[i];

		if (!j || j->done)
			continue;
		p->running++;
		if ((j->check->needs & NEEDS_WAIT) &&
		    j->ctx.deadline - now > p->wait_ms) {
			p->wait_ms = j->ctx.deadline - now;
			p->waiting = j->check->id;
		}
	}
	pthread_mutex_unlock(&lock);
}

void run_free(struct run *run)
{
	int i;

	for (i = 0; i < run->n; i++)
		cJSON_Delete(run->r[i].res.evidence);
	free(run->r);
	run->r = NULL;
	run->n = 0;
}
