/*
 * run.c - the load: which slot opens when (at most cfg->ramp handshakes
 * in flight), what each mode does with an open connection, when the run
 * stops, and the figures kept meanwhile.
 *
 *   echo       every slot sends its message, waits for the echo, sends
 *              again (closed loop); with --rate each slot follows a
 *              schedule instead, and an echo is timed from the moment
 *              the schedule meant it to go, so a stall shows as latency
 *              instead of as fewer samples (coordinated omission).  A
 *              connection that ends is opened again.
 *   handshake  every slot opens, upgrades, closes, and again.
 *   idle       every slot opens once; after the ramp they are held for
 *              the duration, then each must echo one message.
 *
 * Everything is bounded: by the duration, by --count, and each wait by
 * --timeout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/hdr.h"
#include "bench/priv.h"
#include "common/err.h"
#include "common/net.h"

#define TICK_MS 100
#define TICKS_PER_PROGRESS 10

static const char *const err_names[BERR_NKINDS] = {
	[BERR_REFUSED] = "refused",
	[BERR_CONNECT] = "connect",
	[BERR_STATUS] = "status",
	[BERR_TLS] = "tls",
	[BERR_HANDSHAKE] = "handshake",
	[BERR_TIMEOUT] = "timeout",
	[BERR_CLOSED] = "closed",
	[BERR_PROTOCOL] = "protocol",
};

const char *bench_err_name(enum bench_err e)
{
	return e < BERR_NKINDS ? err_names[e] : "?";
}

const char *bench_mode_name(enum bench_mode m)
{
	return m == BENCH_HANDSHAKE ? "handshake" :
	       m == BENCH_IDLE ? "idle" : "echo";
}

uint64_t bench_errors(const struct bench_result *r)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < BERR_NKINDS; i++)
		n += r->errors[i];
	return n;
}

void bench_error(struct bench *b, enum bench_err e, const char *fmt, ...)
{
	struct bench_result *r = b->r;
	va_list ap;

	if (r->errors[e]++)
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_error[e], sizeof(r->first_error[e]), fmt, ap);
	va_end(ap);
}

/* ---- head buffers: at most one per permit, reused ---- */

char *bench_head_get(struct bench *b)
{
	if (b->nheads)
		return b->heads[--b->nheads];
	return malloc(BENCH_HEAD_MAX);
}

void bench_head_put(struct bench *b, char *h)
{
	if (b->nheads < b->capheads)
		b->heads[b->nheads++] = h;
	else
		free(h);
}

/* ---- opening, at most b->ramp at a time ---- */

static int over_count(const struct bench *b)
{
	return b->cfg->count && b->started >= b->cfg->count;
}

/* 1 when slot c may run now (always, without --stages). */
static int allowed(const struct bench *b, const struct bconn *c)
{
	return !b->cfg->nstages || (unsigned)(c - b->conns) < b->allowed;
}

static void kick(struct bench *b)
{
	/* a start that fails at once ends its slot, which calls us again */
	if (b->kicking)
		return;
	b->kicking = 1;
	while (b->pcount && b->opening < b->ramp && b->phase != PH_STOP) {
		struct bconn *c = &b->conns[b->pending[b->phead]];

		b->phead = (b->phead + 1) % b->nconns;
		b->pcount--;
		if (c->state != BC_PENDING)
			continue;
		if (!allowed(b, c)) {
			c->state = BC_IDLE;
			continue;
		}
		if (b->cfg->mode == BENCH_HANDSHAKE) {
			if (over_count(b)) {
				c->state = BC_IDLE;
				continue;
			}
			b->started++;
		}
		b->opening++;
		b->active++;
		c->permit = 1;
		bconn_start(c);
	}
	b->kicking = 0;
}

static void want_open(struct bench *b, struct bconn *c)
{
	c->state = BC_PENDING;
	b->pending[(b->phead + b->pcount) % b->nconns] = c - b->conns;
	b->pcount++;
	kick(b);
}

static void on_retry(struct loop *loop, struct loop_timer *t)
{
	struct bconn *c = (struct bconn *)((char *)t -
					   offsetof(struct bconn, timer));

	(void)loop;
	want_open(c->b, c);
}

static void retry(struct bench *b, struct bconn *c, int64_t delay_ms)
{
	c->state = BC_RETRY;
	loop_timer_set(b->loop, &c->timer, loop_now(b->loop) + delay_ms,
		       on_retry);
}

static void release(struct bench *b, struct bconn *c)
{
	if (!c->permit)
		return;
	c->permit = 0;
	b->opening--;
	kick(b);
}

/* --hdr-log: the interval since the last one, into the log. */
static void flush_interval(struct bench *b)
{
	int64_t now_ns = bench_now_ns();
	double from = (b->iv_ns - b->t0) / 1e9;
	double len = (now_ns - b->iv_ns) / 1e9;

	if (!b->iv)
		return;
	if (b->iv[0].count)
		hdr_log_interval(b->cfg->hdr_log, "rtt", from, len, &b->iv[0]);
	if (b->iv[1].count)
		hdr_log_interval(b->cfg->hdr_log, "handshake", from, len,
				 &b->iv[1]);
	hist_init(&b->iv[0]);
	hist_init(&b->iv[1]);
	b->iv_ns = now_ns;
}

/* A second is over: what it did, for the rate over time. */
static void second(struct bench *b)
{
	struct bench_result *r = b->r;
	uint64_t now = b->cfg->mode == BENCH_HANDSHAKE ? r->handshakes :
		       r->messages;

	flush_interval(b);
	if (r->nsec < BENCH_SERIES) {
		r->per_sec[r->nsec] = (uint32_t)(now - b->sec_count);
		r->open_sec[r->nsec] = r->open;
		r->nsec++;
	}
	b->sec_count = now;
}

/* ---- the phases ---- */

static void stop(struct bench *b)
{
	unsigned i;

	if (b->phase == PH_STOP)
		return;
	b->phase = PH_STOP;
	b->r->elapsed_us = (bench_now_ns() - b->t0) / 1000;
	/* the last second, when the end came before its tick (the timers
	   run on a millisecond clock: a 2 s run may end at 1.9994 s) */
	if (b->r->nsec < (b->r->elapsed_us + 500000) / 1000000)
		second(b);
	flush_interval(b);
	if (!b->r->ramp_done) {		/* the run ended first */
		b->r->ramp_us = b->r->elapsed_us;
		b->r->ramp_handshakes = b->r->handshakes;
	}
	loop_timer_stop(b->loop, &b->end_t);
	b->pcount = 0;
	for (i = 0; i < b->nconns; i++) {
		struct bconn *c = &b->conns[i];

		if (c->state == BC_PENDING || c->state == BC_RETRY) {
			loop_timer_stop(b->loop, &c->timer);
			c->state = BC_IDLE;
		} else if (c->state >= BC_CONNECT) {
			loop_timer_stop(b->loop, &c->pace);
			bconn_close(c);
		}
	}
	if (!b->active)
		loop_stop(b->loop);
}

static void start_check(struct bench *b)
{
	int64_t now = bench_now_ns();
	unsigned i;

	b->phase = PH_CHECK;
	b->checking = b->r->open;
	if (!b->checking) {
		stop(b);
		return;
	}
	for (i = 0; i < b->nconns && b->phase == PH_CHECK; i++)
		if (b->conns[i].state == BC_OPEN)
			bconn_send(&b->conns[i], now);
}

static void on_end_timer(struct loop *loop, struct loop_timer *t)
{
	struct bench *b = (struct bench *)((char *)t -
					   offsetof(struct bench, end_t));

	(void)loop;
	if (b->cfg->mode == BENCH_IDLE && b->phase == PH_HOLD)
		start_check(b);
	else
		stop(b);
}

/* Every slot's first attempt is over: the ramp is done. */
static void ramp_done(struct bench *b)
{
	struct bench_result *r = b->r;

	r->ramp_us = (bench_now_ns() - b->t0) / 1000;
	r->ramp_handshakes = r->handshakes;
	r->ramp_done = 1;
	if (b->cfg->mode != BENCH_IDLE || b->phase != PH_LOAD)
		return;
	r->idle_opened = r->open;
	b->phase = PH_HOLD;
	if (!r->open) {
		stop(b);
		return;
	}
	loop_timer_set(b->loop, &b->end_t,
		       loop_now(b->loop) + b->cfg->duration_ms, on_end_timer);
}

static void tried(struct bench *b, struct bconn *c)
{
	if (c->tried)
		return;
	c->tried = 1;
	if (b->unramped && --b->unramped == 0)
		ramp_done(b);
}

/* ---- sending ---- */

static void try_send(struct bench *b, struct bconn *c, int64_t t_from)
{
	if (over_count(b))
		return;
	b->started++;
	bconn_send(c, t_from);
}

static void on_pace(struct loop *loop, struct loop_timer *t)
{
	struct bconn *c = (struct bconn *)((char *)t -
					   offsetof(struct bconn, pace));
	int64_t now = bench_now_ns();
	/* the loop's clock is in milliseconds: this may be a little early,
	 * and then the echo is timed from the real send */
	int64_t from = c->next_send < now ? c->next_send : now;

	(void)loop;
	c->next_send += c->b->interval;
	try_send(c->b, c, from);
}

/* Open loop: send now if the schedule says so, else when it does. */
static void pace(struct bench *b, struct bconn *c, int64_t now)
{
	if (c->next_send <= now) {
		int64_t from = c->next_send;

		c->next_send += b->interval;
		try_send(b, c, from);
		return;
	}
	loop_timer_set(b->loop, &c->pace, c->next_send / 1000000, on_pace);
}

static void next_message(struct bench *b, struct bconn *c, int64_t now)
{
	if (b->interval)
		pace(b, c, now);
	else
		try_send(b, c, now);
}

/* ---- --stages: how many slots may run ---- */

/* The stages' target at ms into the run: linear within each stage. */
static unsigned stage_target(const struct bench_config *cfg, int64_t ms)
{
	unsigned i, from = 0;

	for (i = 0; i < cfg->nstages; i++) {
		const struct bench_stage *st = &cfg->stages[i];

		if (ms < st->ms)
			return from + (unsigned)(((double)st->target - from) *
						 ms / st->ms + 0.5);
		ms -= st->ms;
		from = st->target;
	}
	return from;
}

/* Open the slots the stages now allow, close the ones they no longer do. */
static void follow_stages(struct bench *b)
{
	unsigned want, i;

	if (!b->cfg->nstages || b->phase != PH_LOAD)
		return;
	want = stage_target(b->cfg, (bench_now_ns() - b->t0) / 1000000);
	if (want > b->nconns)
		want = b->nconns;
	for (i = want; i < b->allowed; i++) {
		struct bconn *c = &b->conns[i];

		/* a pending one stays in the ring: kick drops it */
		if (c->state == BC_RETRY) {
			loop_timer_stop(b->loop, &c->timer);
			c->state = BC_IDLE;
		} else if (c->state >= BC_CONNECT) {
			loop_timer_stop(b->loop, &c->pace);
			bconn_close(c);
		}
	}
	i = b->allowed;
	b->allowed = want;
	for (; i < want; i++)
		if (b->conns[i].state == BC_IDLE)
			want_open(b, &b->conns[i]);
}

/* ---- what conn.c reports ---- */

void bench_on_open(struct bench *b, struct bconn *c)
{
	struct bench_result *r = b->r;
	int64_t now;

	release(b, c);
	if (++r->open > r->peak_open)
		r->peak_open = r->open;
	tried(b, c);		/* which may end the ramp */
	if (b->cfg->mode == BENCH_IDLE)
		return;		/* held until the check */
	if (b->cfg->mode == BENCH_HANDSHAKE || b->phase != PH_LOAD ||
	    !allowed(b, c)) {
		bconn_close(c);
		return;
	}
	now = bench_now_ns();
	/* spread the slots' schedules over one interval */
	c->next_send = now + (int64_t)((double)b->interval *
				       (c - b->conns) / b->nconns);
	next_message(b, c, now);
}

void bench_on_echo(struct bench *b, struct bconn *c, int64_t now)
{
	struct bench_result *r = b->r;

	hist_add(&r->rtt_us, (now - c->t_start) / 1000);
	if (b->iv)
		hist_add(&b->iv[0], (now - c->t_start) / 1000);
	r->messages++;
	r->bytes += b->cfg->size;
	if (c->backend >= 0)
		r->backends[c->backend].msgs++;
	b->finished++;
	if (b->phase == PH_CHECK) {
		r->idle_held++;
		if (--b->checking == 0)
			stop(b);
		return;
	}
	if (b->phase != PH_LOAD)
		return;
	if (b->cfg->count && b->finished >= b->cfg->count) {
		stop(b);
		return;
	}
	if (!allowed(b, c)) {
		bconn_close(c);
		return;
	}
	next_message(b, c, now);
}

void bench_on_end(struct bench *b, struct bconn *c, enum bc_end how)
{
	int lost = c->waiting;

	b->active--;
	c->waiting = 0;
	if (c->up) {
		c->up = 0;
		b->r->open--;
	}
	release(b, c);
	tried(b, c);
	if (b->phase == PH_STOP) {
		if (!b->active)
			loop_stop(b->loop);
		return;
	}
	if (b->phase == PH_CHECK) {
		if (lost && --b->checking == 0)
			stop(b);
		return;
	}
	if (b->cfg->mode == BENCH_IDLE)
		return;		/* idle connections are not replaced */
	if (lost || b->cfg->mode == BENCH_HANDSHAKE)
		b->finished++;
	if (b->cfg->count && b->finished >= b->cfg->count) {
		stop(b);
		return;
	}
	if (!allowed(b, c))
		c->state = BC_IDLE;	/* the stages took it away */
	else if (b->cfg->mode == BENCH_HANDSHAKE)
		retry(b, c, 0);
	else
		retry(b, c, how == END_FAIL_OPEN ? BENCH_RETRY_MS : 0);
}

/* ---- the run ---- */

static void on_tick(struct loop *loop, struct loop_timer *t)
{
	struct bench *b = (struct bench *)((char *)t -
					   offsetof(struct bench, tick_t));
	const struct bench_config *cfg = b->cfg;
	unsigned i;

	if (cfg->stop && *cfg->stop) {
		if (b->phase != PH_STOP) {
			b->r->interrupted = 1;
			stop(b);
		} else if (*cfg->stop > 1) {
			/* asked twice: no closing handshakes */
			for (i = 0; i < b->nconns; i++)
				bconn_abort(&b->conns[i]);
		}
	}
	follow_stages(b);
	if (++b->ticks % TICKS_PER_PROGRESS == 0 && b->phase != PH_STOP)
		second(b);
	if (b->ticks % TICKS_PER_PROGRESS == 0 && cfg->progress) {
		if (b->phase != PH_STOP)
			b->r->elapsed_us = (bench_now_ns() - b->t0) / 1000;
		cfg->progress(b->r, cfg->progress_arg);
	}
	loop_timer_set(loop, t, loop_now(loop) + TICK_MS, on_tick);
}

/* The request head, with room for each connection's key. */
static int make_request(struct bench *b, char *err, size_t errlen)
{
	const struct url *u = &b->cfg->url;
	char host[300];
	int n, key;
	unsigned i;

	url_host_header(u, host, sizeof(host));
	/* -H Host: replaces the URL's */
	for (i = 0; i < b->cfg->nheaders; i++)
		if (!strncasecmp(b->cfg->headers[i], "host:", 5))
			snprintf(host, sizeof(host), "%s", b->cfg->headers[i] +
				 5 + strspn(b->cfg->headers[i] + 5, " \t"));
	b->req = malloc(BENCH_HEAD_MAX);
	if (!b->req)
		return err_fmt(err, errlen, "out of memory");
	n = snprintf(b->req, BENCH_HEAD_MAX,
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %n%*s\r\n"
		     "Sec-WebSocket-Version: 13\r\n"
		     "User-Agent: wsctl-bench\r\n",
		     u->path, host, &key, WS_KEY_LEN, "");
	if (n > 0 && b->cfg->protocols)
		n += snprintf(b->req + n, BENCH_HEAD_MAX - (size_t)n,
			      "Sec-WebSocket-Protocol: %s\r\n",
			      b->cfg->protocols);
	for (i = 0; n > 0 && n < BENCH_HEAD_MAX && i < b->cfg->nheaders; i++)
		if (strncasecmp(b->cfg->headers[i], "host:", 5))
			n += snprintf(b->req + n, BENCH_HEAD_MAX - (size_t)n,
				      "%s\r\n", b->cfg->headers[i]);
	if (n > 0 && n < BENCH_HEAD_MAX)
		n += snprintf(b->req + n, BENCH_HEAD_MAX - (size_t)n, "\r\n");
	if (n < 0 || n >= BENCH_HEAD_MAX)
		return err_fmt(err, errlen, "request head over %d bytes",
			       BENCH_HEAD_MAX);
	b->req_len = n;
	b->key_off = key;
	return 0;
}

/* The message, and the frame that carries it, masked once for the run:
 * the mask is random, but the same on every frame. */
static int make_message(struct bench *b, char *err, size_t errlen)
{
	const struct bench_config *cfg = b->cfg;
	uint8_t mask[4];
	size_t i, h;

	b->payload = malloc(cfg->size + 1);
	b->frame = malloc(cfg->size + WS_MAX_HDR);
	if (!b->payload || !b->frame)
		return err_fmt(err, errlen, "out of memory for %llu-byte "
			       "messages", (unsigned long long)cfg->size);
	for (i = 0; i < cfg->size; i++)
		b->payload[i] = 'a' + (i * 7 + i / 26) % 26;
	if (ws_make_mask(mask) < 0)
		return err_fmt(err, errlen, "no randomness for a mask");
	h = ws_frame_header(b->frame, 1, cfg->text ? WS_TEXT : WS_BINARY,
			    cfg->size, mask);
	memcpy(b->frame + h, b->payload, cfg->size);
	ws_mask(b->frame + h, cfg->size, mask, 0);
	b->frame_len = h + cfg->size;
	return 0;
}

static int setup(struct bench *b, char *err, size_t errlen)
{
	const struct bench_config *cfg = b->cfg;
	unsigned i;

	b->nconns = cfg->connections;
	b->ramp = cfg->mode == BENCH_HANDSHAKE || !cfg->ramp ?
		  cfg->connections : cfg->ramp;
	if (b->ramp > b->nconns)
		b->ramp = b->nconns;
	b->unramped = b->nconns;
	if (cfg->rate > 0)
		b->interval = (int64_t)(1e9 * b->nconns / cfg->rate);
	if (!b->nconns)
		return err_fmt(err, errlen, "no connections");
	if (net_resolve(cfg->url.host, cfg->url.port, &b->addr, &b->addrlen,
			err, errlen) < 0 ||
	    make_request(b, err, errlen) < 0 ||
	    make_message(b, err, errlen) < 0 ||
	    bench_tls_setup(b, err, errlen) < 0)
		return -1;
	b->loop = loop_new(err, errlen);
	if (!b->loop)
		return -1;
	b->conns = calloc(b->nconns, sizeof(*b->conns));
	b->pending = calloc(b->nconns, sizeof(*b->pending));
	b->capheads = b->ramp;
	b->heads = calloc(b->capheads, sizeof(*b->heads));
	b->rbuf = malloc(BENCH_RBUF);
	if (cfg->hdr_log && !(b->iv = malloc(2 * sizeof(*b->iv))))
		return err_fmt(err, errlen, "out of memory");
	if (b->iv) {
		hist_init(&b->iv[0]);
		hist_init(&b->iv[1]);
	}
	if (!b->conns || !b->pending || !b->heads || !b->rbuf)
		return err_fmt(err, errlen, "out of memory for %u connections",
			       b->nconns);
	for (i = 0; i < b->nconns; i++) {
		b->conns[i].b = b;
		b->conns[i].io.fd = -1;
	}
	return 0;
}

static void run(struct bench *b)
{
	const struct bench_config *cfg = b->cfg;
	int64_t now = loop_now(b->loop);
	unsigned i;

	b->t0 = b->iv_ns = bench_now_ns();
	b->phase = PH_LOAD;
	if (b->iv) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		hdr_log_start(cfg->hdr_log, ts.tv_sec + ts.tv_nsec / 1e9);
	}
	if (cfg->mode != BENCH_IDLE && cfg->duration_ms > 0)
		loop_timer_set(b->loop, &b->end_t, now + cfg->duration_ms,
			       on_end_timer);
	loop_timer_set(b->loop, &b->tick_t, now + TICK_MS, on_tick);
	if (cfg->nstages) {
		/* the ramp is the stages': none of the --ramp figures */
		b->unramped = 0;
		b->r->ramp_done = 1;
		follow_stages(b);
	} else {
		for (i = 0; i < b->nconns; i++) {
			b->conns[i].state = BC_PENDING;
			b->pending[i] = i;
		}
		b->pcount = b->nconns;
		kick(b);
	}
	if (b->phase == PH_STOP && !b->active)
		return;
	loop_run(b->loop);
	if (b->phase != PH_STOP)	/* epoll failed */
		b->r->elapsed_us = (bench_now_ns() - b->t0) / 1000;
}

static void teardown(struct bench *b)
{
	unsigned i;

	if (b->loop) {
		for (i = 0; b->conns && i < b->nconns; i++)
			loop_io_close(b->loop, &b->conns[i].io);
		loop_flush(b->loop);
		loop_free(b->loop);
	}
	bench_tls_teardown(b);
	for (i = 0; i < b->nheads; i++)
		free(b->heads[i]);
	for (i = 0; b->conns && i < b->nconns; i++)
		free(b->conns[i].head);
	free(b->heads);
	free(b->conns);
	free(b->pending);
	free(b->rbuf);
	free(b->iv);
	free(b->req);
	free(b->payload);
	free(b->frame);
	free(b);
}

int bench_run(const struct bench_config *cfg, struct bench_result *r,
	      char *err, size_t errlen)
{
	struct bench *b = calloc(1, sizeof(*b));
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->mode = cfg->mode;
	hist_init(&r->handshake_us);
	hist_init(&r->tcp_us);
	hist_init(&r->tls_us);
	hist_init(&r->rtt_us);
	if (!b)
		return err_fmt(err, errlen, "out of memory");
	b->cfg = cfg;
	b->r = r;
	if (setup(b, err, errlen) == 0) {
		run(b);
		rc = 0;
	}
	teardown(b);
	return rc;
}
