/*
 * loop.c - the event loop declared in loop.h: epoll for descriptors, a
 * binary min-heap for timers, a list for deferred work.
 *
 * Timers are meant to be cheap to leave armed: thousands of idle
 * connections each hold one, and a connection that sees traffic does not
 * move its timer on every byte but stamps its activity and lets the timer
 * re-arm itself when it fires early (see proxy/ for the pattern).  The
 * heap then costs O(log n) per timeout period, not per message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/loop.h"

#define MAX_EVENTS 512

struct loop {
	int epfd;
	int stop;
	int64_t now;
	struct loop_timer **heap;	/* heap[0] is the earliest */
	uint32_t nheap, capheap;
	struct loop_defer *deferred;
	int next, nevents;		/* the batch being dispatched */
	int64_t poll_us;		/* loop_set_poll() */
	int64_t last_us;		/* when a wait last found events */
	struct epoll_event events[MAX_EVENTS];
};

struct loop *loop_new(char *err, size_t errlen)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		free(loop);
		return NULL;
	}
	loop->now = clock_ms();
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->heap);
	free(loop);
}

int64_t loop_now(const struct loop *loop)
{
	return loop->now;
}

void loop_stop(struct loop *loop)
{
	loop->stop = 1;
}

static uint32_t to_epoll(unsigned mask)
{
	uint32_t ev = EPOLLRDHUP;

	if (mask & LOOP_IN)
		ev |= EPOLLIN;
	if (mask & LOOP_OUT)
		ev |= EPOLLOUT;
	if (mask & LOOP_EDGE)
		ev |= EPOLLET;
	return ev;
}

int loop_io_add(struct loop *loop, struct loop_io *io, int fd, unsigned mask,
		loop_io_fn *fn)
{
	struct epoll_event ev = { .events = to_epoll(mask), .data.ptr = io };

	io->fd = -1;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	io->fd = fd;
	io->mask = mask;
	io->fn = fn;
	return 0;
}

int loop_io_mod(struct loop *loop, struct loop_io *io, unsigned mask)
{
	struct epoll_event ev = { .events = to_epoll(mask), .data.ptr = io };

	if (mask == io->mask)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -1;
	io->mask = mask;
	return 0;
}

/* events of io still waiting in this batch must not reach it: its
 * owner may register it again at once (a retry), or free it */
static void scrub(struct loop *loop, struct loop_io *io)
{
	for (int i = loop->next; i < loop->nevents; i++)
		if (loop->events[i].data.ptr == io)
			loop->events[i].data.ptr = NULL;
}

void loop_io_close(struct loop *loop, struct loop_io *io)
{
	if (io->fd < 0)
		return;
	/* close() drops the registration: a watched fd is never dup'ed */
	close(io->fd);
	io->fd = -1;
	scrub(loop, io);
}

int loop_io_release(struct loop *loop, struct loop_io *io)
{
	int fd = io->fd;

	if (fd >= 0)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	io->fd = -1;
	scrub(loop, io);
	return fd;
}

/* ---- timers: a binary min-heap of pointers, each knowing its slot ---- */

static void heap_put(struct loop *loop, uint32_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct loop *loop, uint32_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (loop->heap[parent]->when <= t->when)
			break;
		heap_put(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_put(loop, i, t);
}

static void heap_down(struct loop *loop, uint32_t i)
{
	struct loop_timer *t = loop->heap[i];
	uint32_t n = loop->nheap;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && loop->heap[c + 1]->when < loop->heap[c]->when)
			c++;
		if (t->when <= loop->heap[c]->when)
			break;
		heap_put(loop, i, loop->heap[c]);
		i = c;
	}
	heap_put(loop, i, t);
}

static void heap_remove(struct loop *loop, uint32_t i)
{
	struct loop_timer *last = loop->heap[--loop->nheap];

	loop->heap[i]->slot = 0;
	if (i == loop->nheap)
		return;
	heap_put(loop, i, last);
	heap_down(loop, i);
	heap_up(loop, last->slot - 1);
}

int loop_timer_set(struct loop *loop, struct loop_timer *t, int64_t when,
		   loop_timer_fn *fn)
{
	if (t->slot) {
		int64_t old = t->when;

		t->when = when;
		t->fn = fn;
		if (when < old)
			heap_up(loop, t->slot - 1);
		else
			heap_down(loop, t->slot - 1);
		return 0;
	}
	if (loop->nheap == loop->capheap) {
		uint32_t cap = loop->capheap ? loop->capheap * 2 : 256;
		struct loop_timer **h = realloc(loop->heap, cap * sizeof(*h));

		if (!h)
			return -1;
		loop->heap = h;
		loop->capheap = cap;
	}
	t->when = when;
	t->fn = fn;
	heap_put(loop, loop->nheap++, t);
	heap_up(loop, loop->nheap - 1);
	return 0;
}

void loop_timer_stop(struct loop *loop, struct loop_timer *t)
{
	if (t->slot)
		heap_remove(loop, t->slot - 1);
}

/* Run the timers that are due.  A timer re-armed for a time already past
 * waits for the next iteration, so a careless callback cannot spin here. */
static void run_timers(struct loop *loop)
{
	uint32_t budget = loop->nheap;

	while (budget-- > 0 && loop->nheap > 0 &&
	       loop->heap[0]->when <= loop->now) {
		struct loop_timer *t = loop->heap[0];

		heap_remove(loop, 0);
		t->fn(loop, t);
	}
}

/* ---- deferred work ---- */

void loop_defer(struct loop *loop, struct loop_defer *d, loop_defer_fn *fn)
{
	d->fn = fn;
	d->next = loop->deferred;
	loop->deferred = d;
}

static void run_deferred(struct loop *loop)
{
	while (loop->deferred) {
		struct loop_defer *d = loop->deferred;

		loop->deferred = d->next;
		d->fn(loop, d);
	}
}

void loop_flush(struct loop *loop)
{
	run_deferred(loop);
}

static int wait_ms(const struct loop *loop)
{
	int64_t left;

	if (loop->deferred)
		return 0;
	if (loop->nheap == 0)
		return -1;
	left = loop->heap[0]->when - loop->now;
	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

static unsigned from_epoll(uint32_t ev)
{
	unsigned got = 0;

	if (ev & EPOLLIN)
		got |= LOOP_IN;
	if (ev & EPOLLOUT)
		got |= LOOP_OUT;
	if (ev & (EPOLLRDHUP | EPOLLHUP))
		got |= LOOP_HUP;
	if (ev & EPOLLERR)
		got |= LOOP_ERR;
	return got;
}

void loop_set_poll(struct loop *loop, unsigned us)
{
	loop->poll_us = us;
}

/* Wait for events.  While the last find is less than poll_us old, look
 * without sleeping, so that a busy loop is not put to sleep and woken
 * again for each event; then sleep as long as the timers allow. */
static int wait_events(struct loop *loop)
{
	int n = 0;

	while (loop->poll_us) {
		int64_t us = clock_us();

		loop->now = us / 1000;		/* a timer may come due */
		if (us - loop->last_us >= loop->poll_us || wait_ms(loop) == 0)
			break;
		n = epoll_wait(loop->epfd, loop->events, MAX_EVENTS, 0);
		if (n != 0)
			break;
	}
	if (n == 0)
		n = epoll_wait(loop->epfd, loop->events, MAX_EVENTS,
			       wait_ms(loop));
	if (n > 0 && loop->poll_us)
		loop->last_us = clock_us();
	return n;
}

int loop_run(struct loop *loop)
{
	loop->stop = 0;
	while (!loop->stop) {
		int n, i;

		n = wait_events(loop);
		if (n < 0 && errno != EINTR)
			return -1;
		loop->now = clock_ms();
		loop->nevents = n > 0 ? n : 0;
		for (i = 0; i < loop->nevents; i++) {
			struct loop_io *io = loop->events[i].data.ptr;

			loop->next = i + 1;
			/* closed by an earlier callback of this batch */
			if (!io || io->fd < 0)
				continue;
			io->fn(loop, io, from_epoll(loop->events[i].events));
		}
		loop->nevents = 0;
		run_timers(loop);
		run_deferred(loop);
	}
	return 0;
}
