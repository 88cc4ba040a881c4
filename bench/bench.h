/*
 * bench.h - wsctl bench's load engine: many WebSocket connections on one
 * thread and one event loop (common/loop.h), in one of three modes, and
 * what it measured.  cli/cmd_bench.c fills a struct bench_config, calls
 * bench_run, and prints the struct bench_result with bench/report.c.
 */
#ifndef WSCTL_BENCH_H
#define WSCTL_BENCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/hist.h"
#include "common/addr.h"

enum bench_mode {
	BENCH_ECHO,		/* round trips of --size messages */
	BENCH_HANDSHAKE,	/* open, upgrade, close, again */
	BENCH_IDLE,		/* hold connections, then check them */
};

/* What went wrong, by kind; one counter each. */
enum bench_err {
	BERR_REFUSED,		/* the TCP connect was refused */
	BERR_CONNECT,		/* any other connect failure */
	BERR_STATUS,		/* a response other than 101 */
	BERR_TLS,		/* the TLS handshake: a plain port, a
				   certificate not trusted, a bad version */
	BERR_HANDSHAKE,		/* a 101 that does not upgrade, a bad head */
	BERR_TIMEOUT,		/* no 101, echo or close within --timeout */
	BERR_CLOSED,		/* closed by the peer before we were done */
	BERR_PROTOCOL,		/* a bad frame, or an echo that differs */
	BERR_NKINDS,
};

#define BENCH_MAX_BACKENDS 32
#define BENCH_RESERVE_FDS 16	/* descriptors besides the connections */
#define BENCH_MAX_SIZE (16u << 20)
#define BENCH_SERIES 3600		/* seconds of rate kept, for --html */

struct bench_result;

#define BENCH_MAX_STAGES 32
#define BENCH_MAX_HEADERS 32

/* One of --stages: over ms, go linearly from the last target to this. */
struct bench_stage {
	int64_t ms;
	unsigned target;		/* connections, or handshakes in flight */
};

struct bench_config {
	struct url url;			/* ws:// or wss:// */
	int insecure;			/* wss: accept any certificate */
	const char *ca_file;		/* wss: trust these CAs instead */
	int tls_version;		/* wss: 12 or 13 only; 0: either */
	int resume;			/* wss: resume each slot's last session */
	FILE *hdr_log;			/* --hdr-log: each second's histograms
					   in HdrHistogram's interval log */
	enum bench_mode mode;
	unsigned connections;		/* echo, idle: open; handshake: in
					   flight */
	unsigned ramp;			/* handshakes in flight while
					   opening (echo, idle) */
	int64_t duration_ms;		/* load (echo, handshake), hold
					   (idle); 0 with count: no limit */
	uint64_t count;			/* round trips (echo), handshakes
					   (handshake); 0: no limit */
	uint64_t size;			/* payload bytes of a message */
	int text;			/* text messages, else binary */
	double rate;			/* echo: messages per second in all;
					   0 for closed loop */
	int64_t timeout_ms;		/* connect + 101, a reply, a close */
	struct bench_stage stages[BENCH_MAX_STAGES];	/* --stages (echo,
					   handshake): connections is the
					   largest target, duration_ms the
					   sum */
	unsigned nstages;
	const char *headers[BENCH_MAX_HEADERS];	/* -H "Name: value" */
	unsigned nheaders;
	const char *protocols;		/* --subprotocol list offered, as
					   "a, b"; NULL for none */
	/* called about once a second with the figures so far */
	void (*progress)(const struct bench_result *r, void *arg);
	void *progress_arg;
	/* set (by a signal handler) to stop early */
	volatile sig_atomic_t *stop;
};

struct bench_backend {
	char id[64];			/* X-Wsctl-Backend of its 101s */
	uint64_t conns;			/* handshakes it completed */
	uint64_t msgs;			/* round trips through it */
};

struct bench_result {
	enum bench_mode mode;
	int interrupted;		/* stopped by cfg->stop */
	int64_t elapsed_us;		/* the load: start to its end */
	int64_t ramp_us;		/* echo, idle: until every connection
					   was up (or had failed), or the
					   run's end */
	int ramp_done;			/* every connection was tried */
	uint64_t attempts;		/* connects started */
	uint64_t handshakes;		/* 101s that upgraded */
	uint64_t ramp_handshakes;	/* of which during the ramp */
	uint64_t closes;		/* closing handshakes completed */
	uint64_t messages;		/* round trips completed */
	uint64_t bytes;			/* payload bytes echoed back */
	uint64_t wire_in, wire_out;	/* bytes read and written, all */
	unsigned open;			/* connections open now */
	unsigned peak_open;
	/* idle: connections opened, and of those still echoing at the end */
	unsigned idle_opened, idle_held;
	uint64_t errors[BERR_NKINDS];
	char first_error[BERR_NKINDS][160];	/* the first of each kind */
	uint64_t status[1000];		/* non-101 responses by status */
	struct bench_backend backends[BENCH_MAX_BACKENDS];
	unsigned nbackends;
	uint64_t backend_other;		/* 101s naming a 33rd backend... */
	uint64_t backend_none;		/* 101s without X-Wsctl-Backend */
	/* each second of the run: round trips (echo, idle) or handshakes
	   (handshake) completed in it, and connections open at its end;
	   the first BENCH_SERIES seconds */
	uint32_t per_sec[BENCH_SERIES];
	uint32_t open_sec[BENCH_SERIES];
	unsigned nsec;
	struct hist handshake_us;	/* connect start to 101 */
	struct hist tcp_us;		/* wss: connect start to connected */
	struct hist tls_us;		/* wss: connected to TLS done */
	uint64_t tls_resumed;		/* wss: handshakes that resumed */
	struct hist rtt_us;		/* send (or intended send) to echo */
};

/*
 * Run the load cfg describes and fill *r (which needs no
 * initialisation).  Descriptors: the caller raised RLIMIT_NOFILE.
 * Returns 0 once the run is over, whatever the errors counted, or -1
 * with err filled when it could not start ("cannot resolve 'x'").
 */
int bench_run(const struct bench_config *cfg, struct bench_result *r,
	      char *err, size_t errlen);

/* The total of r->errors. */
uint64_t bench_errors(const struct bench_result *r);

/* "refused", "connect", "status", ...: the name of an error kind. */
const char *bench_err_name(enum bench_err e);

/* "echo", "handshake", "idle" */
const char *bench_mode_name(enum bench_mode m);

/* report.c: the rates derived from a result */
struct bench_rates {
	double elapsed_s;
	double conns_per_s;	/* handshake: over the run; echo, idle:
				   over the ramp */
	double msgs_per_s;
	double bytes_per_s;	/* payload, each way */
};

void bench_rates(const struct bench_result *r, struct bench_rates *out);

/* The summary table for a person, written to f. */
void bench_print(FILE *f, const struct bench_config *cfg,
		 const struct bench_result *r);

/* The results as a JSON document (malloc'd, NUL-ended), or NULL when
 * out of memory. */
char *bench_json(const struct bench_config *cfg, const struct bench_result *r);

#endif
