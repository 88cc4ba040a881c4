/*
 * test_loop.c - the event loop: timers fire in order and can be moved
 * and stopped, an edge-triggered socket reports once per change, and a
 * close inside a batch keeps stale events from reaching a re-registered
 * loop_io, and busy polling keeps the loop awake after an event without
 * holding up a timer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/loop.h"
#include "tests/unit/unit.h"

extern const struct unit_case loop_cases[];

struct tick {
	struct loop_timer t;
	int id;
	int *log, *n;
};

static void on_tick(struct loop *loop, struct loop_timer *t)
{
	struct tick *k = (struct tick *)t;

	k->log[(*k->n)++] = k->id;
	if (*k->n == 5)
		loop_stop(loop);
}

static void timers(void)
{
	char err[100];
	struct loop *loop = loop_new(err, sizeof(err));
	struct tick k[6];
	int log[8] = { 0 }, n = 0;
	int64_t now = loop_now(loop);
	static const int when[6] = { 50, 10, 40, 30, 20, 5 };

	memset(k, 0, sizeof(k));
	for (int i = 0; i < 6; i++) {
		k[i].id = i;
		k[i].log = log;
		k[i].n = &n;
		EXPECT(loop_timer_set(loop, &k[i].t, now + when[i], on_tick) == 0);
	}
	loop_timer_stop(loop, &k[5].t);			/* never fires */
	loop_timer_stop(loop, &k[5].t);			/* twice is fine */
	loop_timer_set(loop, &k[0].t, now + 1, on_tick);	/* moved up */
	EXPECT(loop_run(loop) == 0);
	EXPECT(n == 5);
	EXPECT(log[0] == 0 && log[1] == 1 && log[2] == 4 && log[3] == 3 &&
	       log[4] == 2);
	loop_free(loop);
}

/* many timers, set and stopped at random: the heap stays ordered */
static int64_t last;
static int fired, order_ok = 1;

static void on_many(struct loop *loop, struct loop_timer *t)
{
	if (t->when < last)
		order_ok = 0;
	last = t->when;
	if (++fired == 1000)
		loop_stop(loop);
}

static void heap(void)
{
	char err[100];
	struct loop *loop = loop_new(err, sizeof(err));
	struct loop_timer *t = calloc(2000, sizeof(*t));
	int64_t now = loop_now(loop);

	srand(7);
	for (int i = 0; i < 2000; i++)
		loop_timer_set(loop, &t[i], now + rand() % 50, on_many);
	for (int i = 0; i < 2000; i += 2)
		loop_timer_stop(loop, &t[i]);
	for (int i = 1; i < 2000; i += 4)
		loop_timer_set(loop, &t[i], now + rand() % 50, on_many);
	EXPECT(loop_run(loop) == 0);
	EXPECT(fired == 1000);
	EXPECT(order_ok);
	loop_free(loop);
	free(t);
}

struct ends {
	struct loop_io a, b;
	int na, nb;
	int stale;		/* b's callback got an event of its old fd */
};

/* a's callback closes b and registers it again on a fresh descriptor */
static void on_a(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct ends *e = (struct ends *)((char *)io - offsetof(struct ends, a));
	int sv[2];

	(void)ev;
	e->na++;
	if (e->na > 1)
		return;
	loop_io_close(loop, &e->b);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	loop_io_add(loop, &e->b, sv[0], LOOP_IN | LOOP_EDGE, e->b.fn);
	close(sv[1]);	/* the new b reports a hang-up, later */
}

static void on_b(struct loop *loop, struct loop_io *io, unsigned ev)
{
	struct ends *e = (struct ends *)((char *)io - offsetof(struct ends, b));

	e->nb++;
	/* after a re-registered b, only the new fd's hang-up may arrive;
	 * the old fd's plain "readable" is stale */
	if (e->na > 0 && !(ev & LOOP_HUP))
		e->stale = 1;
	loop_stop(loop);
}

static void on_deadline(struct loop *loop, struct loop_timer *t)
{
	(void)t;
	loop_stop(loop);
}

static void close_in_batch(void)
{
	char err[100];
	struct loop *loop = loop_new(err, sizeof(err));
	struct ends e = { 0 };
	struct loop_timer dl = { 0 };
	int p[2], q[2];

	/* both readable at once: they come back in one batch */
	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0);
	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, q) == 0);
	EXPECT(write(p[1], "x", 1) == 1 && write(q[1], "y", 1) == 1);
	loop_io_add(loop, &e.a, p[0], LOOP_IN | LOOP_EDGE, on_a);
	loop_io_add(loop, &e.b, q[0], LOOP_IN | LOOP_EDGE, on_b);
	loop_timer_set(loop, &dl, loop_now(loop) + 2000, on_deadline);
	EXPECT(loop_run(loop) == 0);
	/* either b ran before a closed it, or its stale event was dropped
	 * and it ran for the new descriptor */
	EXPECT(e.na == 1);
	EXPECT(e.nb == 1);
	EXPECT(!e.stale);
	loop_io_close(loop, &e.a);
	loop_io_close(loop, &e.b);
	close(p[1]);
	close(q[1]);
	loop_free(loop);
}

static int edges;

static void on_edge(struct loop *loop, struct loop_io *io, unsigned ev)
{
	(void)loop;
	(void)io;
	if (ev & LOOP_IN)
		edges++;
}

static void on_stop(struct loop *loop, struct loop_timer *t)
{
	(void)t;
	loop_stop(loop);
}

static void edge_once(void)
{
	char err[100];
	struct loop *loop = loop_new(err, sizeof(err));
	struct loop_io io = { 0 };
	struct loop_timer t = { 0 };
	int sv[2];

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT(write(sv[1], "abc", 3) == 3);
	loop_io_add(loop, &io, sv[0], LOOP_IN | LOOP_EDGE, on_edge);
	/* unread data, several iterations: edge-triggered reports it once */
	loop_timer_set(loop, &t, loop_now(loop) + 30, on_stop);
	loop_run(loop);
	loop_timer_set(loop, &t, loop_now(loop) + 30, on_stop);
	loop_run(loop);
	EXPECT(edges == 1);
	EXPECT(write(sv[1], "d", 1) == 1);	/* new data: a new edge */
	loop_timer_set(loop, &t, loop_now(loop) + 30, on_stop);
	loop_run(loop);
	EXPECT(edges == 2);
	loop_io_close(loop, &io);
	close(sv[1]);
	loop_free(loop);
}

/* How often the loop slept (voluntary context switches) from one event
 * until a timer 3 ms later, with loop_set_poll(poll_us). */
static long sleeps_after_event(unsigned poll_us)
{
	char err[100];
	struct loop *loop = loop_new(err, sizeof(err));
	struct loop_io io = { 0 };
	struct loop_timer t = { 0 };
	struct rusage a, b;
	int sv[2];

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT(write(sv[1], "x", 1) == 1);
	loop_io_add(loop, &io, sv[0], LOOP_IN | LOOP_EDGE, on_edge);
	loop_set_poll(loop, poll_us);
	loop_timer_set(loop, &t, loop_now(loop) + 3, on_stop);
	getrusage(RUSAGE_THREAD, &a);
	loop_run(loop);
	getrusage(RUSAGE_THREAD, &b);
	loop_io_close(loop, &io);
	close(sv[1]);
	loop_free(loop);
	return b.ru_nvcsw - a.ru_nvcsw;
}

static void busy_poll(void)
{
	/* off: the loop sleeps in epoll_wait until the timer */
	EXPECT(sleeps_after_event(0) >= 1);
	/* a whole second of polling: the timer, due during it, still
	 * fires on time and ends the run before any sleep */
	EXPECT(sleeps_after_event(1000000) == 0);
}

const struct unit_case loop_cases[] = {
	{ "loop.timers-in-order", timers },
	{ "loop.timer-heap", heap },
	{ "loop.edge-once", edge_once },
	{ "loop.close-in-batch", close_in_batch },
	{ "loop.busy-poll", busy_poll },
	{ NULL, NULL },
};
