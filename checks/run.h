/*
 * run.h - one run of wsctl check: the configuration from the command line,
 * and the results it produces.
 */
#ifndef WSCTL_RUN_H
#define WSCTL_RUN_H

#include <stdint.h>
#include <sys/types.h>

#include "checks/check.h"
#include "checks/expect.h"

#define RUN_MAX_URLS 16
#define RUN_MAX_PATTERNS 64

struct check_config {
	const char *urls[RUN_MAX_URLS];
	const char *connect[RUN_MAX_URLS];	/* where to dial urls[i] instead
						   of its host (a sandbox), or
						   NULL */
	int nurls;
	const char *nginx_conf;		/* --nginx-conf */
	const char *proxy_config;	/* --proxy-config */
	const char *proxy_kind;		/* --proxy */
	int start;			/* --start */
	const char *locations[RUN_MAX_URLS];	/* --location PATH */
	int nlocations;
	int start_nginx;		/* --start-nginx */
	const char *only[RUN_MAX_PATTERNS];	/* ids or globs */
	int nonly;
	const char *skip[RUN_MAX_PATTERNS];
	int nskip;
	int quick;			/* skip the checks that wait */
	int64_t idle_ms;		/* --idle, default 65s */
	int connections;		/* --connections, default 200 */
	int capacity;			/* --capacity; 0: the config's */
	int expect_sticky;		/* --expect-sticky */
	int64_t timeout_ms;		/* --timeout per check, on top of its waits */
	int insecure;
	const char *ca_file;
	int time_div;			/* the sandbox's timeouts are the
					   config's / this; 0 or 1: real */
	enum balance balance;		/* --balance */
	int64_t read_timeout_ms;	/* --read-timeout */
	const char *reload_cmd;		/* --reload-cmd, run by /bin/sh */
	pid_t reload_pid;		/* or: the nginx master we started,
					   reloaded by SIGHUP; 0 for none */
	int reload_sig;			/* what reloads it, when not SIGHUP
					   (HAProxy's SIGUSR2) */
	int64_t settle_ms;		/* --settle: how long to wait for the
					   proxy to route to every backend;
					   0: not at all */
};

struct run_result {
	const struct check *check;
	const char *url;
	const char *connect;		/* cfg->connect of its url */
	struct check_result res;
};

/* One wait for the proxy to route to every backend (checks/settle.h). */
struct run_settle {
	const char *url;
	char after[64];			/* the check it followed; "" before
					   the checks */
	int64_t ms;
	int tries;
	char missing[512];		/* backends never reached, or "" */
};

#define RUN_MAX_SETTLES 64

struct run {
	struct run_result *r;
	int n;
	int64_t started_at;		/* unix time, ms */
	int64_t duration_ms;
	char server[256];		/* the proxy's Server header, if seen */
	int abandoned;			/* a check's thread never ended: what
					   the checks use must not be freed */
	int interrupted;		/* run_interrupt stopped it */
	struct run_settle settles[RUN_MAX_SETTLES];
	int nsettles;
};

/* ms of the config's time as the run waits it (cfg->time_div). */
int64_t run_scaled(const struct check_config *cfg, int64_t ms);

/*
 * A measured time ms in the config's terms, into buf: "60s", or at a
 * scale "60.0s (measured 0.600s at 1/100)".  Returns buf.
 */
char *run_fmt_scaled(const struct check_config *cfg, int64_t ms, char *buf,
		     size_t len);

/*
 * 1 when id is selected by cfg's --only and --skip (ids or fnmatch globs).
 */
int run_selected(const struct check_config *cfg, const char *id);

/*
 * Run every selected check against every target in env->cfg, adding to
 * *run (which the caller zeroed before the first call; free it with
 * run_free): a run may be several calls, one per target and its env.  Checks whose
 * needs are not met are reported skipped with the reason.  RUNS_ALONE
 * checks run first, one at a time; the rest concurrently.  Each check
 * gets its deadline; one that overruns it is reported as an error and
 * abandoned.  With backends and cfg->settle_ms, each target first waits
 * for the proxy to route to every backend (checks/settle.h), and again
 * after each check that stops a backend or reloads the proxy; each wait
 * goes to run->settles.  RUNS_FIRST checks run before all others; once
 * handshake.status-101 failed on a target, its NEEDS_TUNNEL checks fail
 * at once with it as their cause.  Returns 0, or -1 when the run could
 * not start.
 */
int run_checks(const struct check_env *env, struct run *run);

/* Where the runs of this process are, for a progress line. */
struct run_progress {
	int done, total;	/* checks finished, and to run */
	int running;		/* running now */
	const char *waiting;	/* the waiting check with the longest to
				   go, or NULL */
	int64_t wait_ms;	/* at most that long (its deadline) */
};

/* Fill p, from any thread. */
void run_progress(struct run_progress *p);

/* A check as it finished, for a row on a terminal while the rest run. */
struct run_row {
	const char *id;
	const char *url;
	enum check_status status;
	char text[800];		/* its message, or "expected ...; observed ..." */
};

/*
 * Copy the rows of the checks that finished, from the from'th on (in the
 * order they finished, skipped ones too), to out[0..max); from any
 * thread.  Returns how many were copied.
 */
int run_finished(int from, struct run_row *out, int max);

void run_free(struct run *run);

/*
 * Stop the run in progress, from any thread (a signal thread): checks
 * not started are skipped ("not run: interrupted"), running ones are
 * reported as errors and left behind (run->abandoned), and run_checks
 * returns at once with run->interrupted set.  For good: there is one run
 * per process.
 */
void run_interrupt(void);

/* 1 once run_interrupt was called. */
int run_interrupted(void);

#endif
