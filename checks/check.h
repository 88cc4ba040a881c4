/*
 * check.h - checks as data.  Each area (handshake.c, headers.c, ...)
 * exports a table of struct check; registry.c joins the tables; runner.c
 * runs a selection of them against each target and fills one struct
 * check_result per (check, target).  A check's id is its name and never
 * changes meaning.
 */
#ifndef WSCTL_CHECK_H
#define WSCTL_CHECK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "checks/expect.h"

enum check_status {
	CHECK_PASS,
	CHECK_FAIL,
	CHECK_SKIP,
	CHECK_ERROR,
};

/* What a check needs; the runner skips it, with the reason, otherwise. */
enum check_needs {
	NEEDS_NOTHING = 0,
	NEEDS_BACKENDS = 1 << 0,	/* wsctl echo backends we can ask */
	NEEDS_SPAWNED = 1 << 1,		/* backends we started (may stop one) */
	NEEDS_WAIT = 1 << 2,		/* waits for a timeout: not with --quick */
	NEEDS_TIMEOUT = 1 << 3,		/* the proxy's read timeout is known */
	NEEDS_BALANCE = 1 << 4,		/* an expected balancing method */
	RUNS_ALONE = 1 << 5,		/* disturbs or counts backends */
	NEEDS_RELOAD = 1 << 6,		/* a way to reload the proxy's config:
					   --start-nginx or --reload-cmd */
	NEEDS_TUNNEL = 1 << 7,		/* a WebSocket through the proxy: once
					   handshake.status-101 failed on a
					   target, fails at once with it as
					   the cause */
	RUNS_FIRST = 1 << 8,		/* before all others, alone */
};

/* The line of the config a failure comes from, and what to write. */
struct check_ref {
	const char *file;	/* NULL: no line of the config is to blame */
	unsigned line;
	char directive[300];	/* "proxy_set_header Host $host", or for a
				   missing one its block: "location /ws/" */
	char fix[400];		/* "proxy_set_header Host $http_host;" */
};

struct check_result {
	enum check_status status;
	char expected[256];
	char observed[512];
	char message[800];
	cJSON *evidence;	/* an object, owned by the result; may be NULL */
	int64_t duration_ms;
	int no_tunnel;		/* failed because no handshake completed */
	char cause[64];		/* the failed check this one follows from
				   ("handshake.status-101"), or "" */
	char follows[64];	/* set by the check: the one whose failure
				   would explain this one; the runner makes
				   it the cause when it failed too */
	struct check_ref ref;	/* with --nginx-conf, for a failure */
};

struct backends;
struct check_config;
struct settle;

/* What checks learn about the proxy on the way, for the report. */
struct check_notes {
	pthread_mutex_t lock;
	char server[256];		/* the Server header of a 101 */
};

/* Everything a check may read; shared by all checks of a run. */
struct check_env {
	const struct check_config *cfg;
	struct backends *backends;	/* NULL without backends */
	const struct expect *expect;
	struct check_notes *notes;
	const struct settle *settled;	/* the wait before the checks, or
					   NULL (--settle 0, no backends) */
};

/* One run of one check against one target. */
struct check_ctx {
	const struct check_env *env;
	const char *url;		/* the target, ws:// or wss:// */
	const char *connect;		/* "host:port" to dial instead, or NULL */
	struct check_result *res;
	int64_t deadline;		/* clock_ms() after which to give up */
};

struct check {
	const char *id;		/* "handshake.status-101" */
	const char *ref;	/* what it rests on: "RFC 6455 4.2.2" */
	const char *title;	/* one line, for --list and reports */
	void (*run)(struct check_ctx *c);
	unsigned needs;		/* enum check_needs */
};

/* The tables, one per area (checks/<area>.c), each ending with {NULL}. */
extern const struct check settle_checks[];
extern const struct check handshake_checks[];
extern const struct check upgrade_checks[];
extern const struct check http_checks[];
extern const struct check h2_checks[];
extern const struct check headers_checks[];
extern const struct check path_checks[];
extern const struct check frames_checks[];
extern const struct check deflate_checks[];
extern const struct check control_checks[];
extern const struct check timeout_checks[];
extern const struct check oneway_checks[];
extern const struct check reload_checks[];
extern const struct check capacity_checks[];
extern const struct check affinity_checks[];
extern const struct check diff_checks[];
extern const struct check other_checks[];

/*
 * Call fn for every registered check, in the documented order.
 */
void check_foreach(void (*fn)(const struct check *c, void *arg), void *arg);

/* The check with this id, or NULL. */
const struct check *check_find(const char *id);

/*
 * Verdicts.  Each sets the status and formats the message; the last one
 * called wins.  check_fail also records what was expected and observed.
 */
void check_pass(struct check_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void check_fail(struct check_ctx *c, const char *expected,
		const char *observed_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void check_skip(struct check_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void check_error(struct check_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add evidence: a string, a number, or (taking ownership) any JSON item. */
void check_evidence_str(struct check_ctx *c, const char *key, const char *val);
void check_evidence_len(struct check_ctx *c, const char *key,
			const char *val, size_t len);
void check_evidence_num(struct check_ctx *c, const char *key, double val);
void check_evidence_json(struct check_ctx *c, const char *key, cJSON *item);

/* Milliseconds left before the check's deadline (at least 1). */
int check_time_left(const struct check_ctx *c);

#endif
