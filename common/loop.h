/*
 * loop.h - a small epoll event loop in the manner of Redis's ae.c: one
 * thread, callbacks as typedef'd function types, timers in a min-heap,
 * and frees deferred to the end of an iteration.  Only loop.c calls
 * epoll_*.
 *
 * The loop never allocates per descriptor: a struct loop_io lives inside
 * its owner (a connection, a listener) and epoll carries a pointer to it.
 * The price is one rule: memory holding a registered loop_io or an armed
 * loop_timer may only be freed from a deferred callback (loop_defer), or
 * after loop_run returned, because events already fetched in this
 * iteration may still point at it.  loop_io_close makes those events
 * harmless; loop_defer makes the memory outlive them.
 */
#ifndef WSCTL_LOOP_H
#define WSCTL_LOOP_H

#include <stddef.h>
#include <stdint.h>

/* The struct that embeds member m at p: how a callback given a loop_io
 * or loop_timer finds its owner. */
#define container_of(p, type, m) \
	((type *)(void *)((char *)(p) - offsetof(type, m)))

struct loop;
struct loop_io;
struct loop_timer;
struct loop_defer;

/* Interest flags for loop_io_add/loop_io_mod, and readiness passed to
 * callbacks.  LOOP_HUP (peer closed, or shut down its sending side) and
 * LOOP_ERR are only ever reported, never asked for. */
enum {
	LOOP_IN = 1 << 0,
	LOOP_OUT = 1 << 1,
	LOOP_HUP = 1 << 2,
	LOOP_ERR = 1 << 3,
	LOOP_EDGE = 1 << 4,	/* edge-triggered: report changes only */
};

typedef void loop_io_fn(struct loop *loop, struct loop_io *io,
			unsigned events);
typedef void loop_timer_fn(struct loop *loop, struct loop_timer *t);
typedef void loop_defer_fn(struct loop *loop, struct loop_defer *d);

/* A descriptor watched by the loop; embed it in its owner. */
struct loop_io {
	int fd;			/* -1 when not registered */
	unsigned mask;		/* the interest registered */
	loop_io_fn *fn;
};

/* A one-shot timer; embed it in its owner.  Zero it before first use. */
struct loop_timer {
	int64_t when;		/* loop_now() milliseconds */
	loop_timer_fn *fn;
	uint32_t slot;		/* 1-based heap position; 0 when not armed */
};

/* Work to do at the end of the current iteration (typically a free). */
struct loop_defer {
	struct loop_defer *next;
	loop_defer_fn *fn;
};

/*
 * Create a loop.  Returns it, or NULL with err filled.  Free it with
 * loop_free once loop_run has returned.
 */
struct loop *loop_new(char *err, size_t errlen);
void loop_free(struct loop *loop);

/*
 * Busy polling: for us microseconds after a wait that found events, the
 * loop looks for more without sleeping (epoll_wait with no timeout)
 * before it sleeps.  A loaded server then is not put to sleep and woken
 * again by each peer's write, which costs the peers a wakeup and the
 * server its latency; an idle one never polls.  0, the default, is off.
 */
void loop_set_poll(struct loop *loop, unsigned us);

/*
 * Watch fd for mask (LOOP_IN, LOOP_OUT, optionally LOOP_EDGE); fn is
 * called with the events seen.  A peer's half-close is always reported,
 * as LOOP_HUP.  Returns 0, or -1 with errno set (io is left unregistered).
 */
int loop_io_add(struct loop *loop, struct loop_io *io, int fd, unsigned mask,
		loop_io_fn *fn);

/* Change what io is watched for.  Returns 0 or -1 with errno set. */
int loop_io_mod(struct loop *loop, struct loop_io *io, unsigned mask);

/*
 * Stop watching io and close its descriptor.  Events for it that were
 * already fetched in this iteration are dropped.  Safe on an io that is
 * not registered (fd -1).
 */
void loop_io_close(struct loop *loop, struct loop_io *io);

/*
 * Stop watching io and hand its descriptor over, open: returns it (-1
 * when io had none), and io is unregistered.  For a socket that changes
 * hands while the loop runs (a reload keeps its listening sockets).
 */
int loop_io_release(struct loop *loop, struct loop_io *io);

/*
 * Arm t to call fn at loop time when (moving it when armed already).
 * Returns 0, or -1 when the heap could not grow (t is left as it was).
 */
int loop_timer_set(struct loop *loop, struct loop_timer *t, int64_t when,
		   loop_timer_fn *fn);

/* Disarm t; safe when t is not armed. */
void loop_timer_stop(struct loop *loop, struct loop_timer *t);

/*
 * Call fn(loop, d) at the end of this iteration, after every event and
 * timer of it.  d must not be deferred twice.
 */
void loop_defer(struct loop *loop, struct loop_defer *d, loop_defer_fn *fn);

/*
 * The loop's clock: monotonic milliseconds, read once per iteration, so
 * that a callback can stamp activity without a system call.
 */
int64_t loop_now(const struct loop *loop);

/*
 * Dispatch events and timers until loop_stop is called.  Returns 0, or
 * -1 with errno set when epoll_wait failed.
 */
int loop_run(struct loop *loop);

/* Make loop_run return once the current iteration is over. */
void loop_stop(struct loop *loop);

/*
 * Run the deferred work now.  For the end, after loop_run returned and
 * the owner closed what was left: the frees it deferred happen here.
 */
void loop_flush(struct loop *loop);

#endif
