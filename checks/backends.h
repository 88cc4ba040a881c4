/*
 * backends.h - the wsctl echo backends behind the proxy: the ones the
 * checker starts itself (it may stop one and start it again) and the ones
 * already running.  Either way it can ask each one what it received.
 */
#ifndef WSCTL_BACKENDS_H
#define WSCTL_BACKENDS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#define BACKENDS_MAX 64

struct backend {
	char addr[300];		/* as given: "127.0.0.1:8010", "localhost:8010" */
	char id[300];		/* what it names itself in X-Wsctl-Backend */
	int weight;		/* from the config, default 1 */
	pid_t pid;		/* > 0 while a spawned backend runs */
};

struct backends {
	struct backend b[BACKENDS_MAX];
	int n;
	int spawn;			/* 1: we start and stop them */
	int strict;			/* spawned ones refuse HTTP/1.0
					   upgrades (--strict-backends) */
	char self[4096];		/* the wsctl binary, for spawning */
	char reject[64][2048];		/* --reject rules for spawned backends */
	int nreject;
	char logdir[256];		/* spawned backends' stderr */
	pthread_mutex_t lock;		/* start/stop vs. the checks */
};

/*
 * Parse "--backends" ("spawn:ADDR,ADDR" or "ADDR,ADDR") into bs, which the
 * caller zeroed.  Returns 0, or -1 with err filled.
 */
int backends_parse(struct backends *bs, const char *spec, char *err,
		   size_t errlen);

/* Add one backend.  Returns its index, or -1 with err filled. */
int backends_add(struct backends *bs, const char *addr, int weight,
		 char *err, size_t errlen);

/*
 * Start every backend (spawn mode) and wait until each listens, or check
 * that each already-running one answers as a wsctl echo.  Returns 0, or
 * -1 with err filled ("cannot start backend 127.0.0.1:8010: bind ...:
 * Address already in use"); what was started is stopped again.
 */
int backends_start_all(struct backends *bs, char *err, size_t errlen);

/* Stop every backend we started (SIGTERM, then SIGKILL), and wait. */
void backends_stop_all(struct backends *bs);

/*
 * Stop backend i (SIGKILL when hard, else SIGTERM) and wait until it is
 * gone; start it again.  Spawned backends only.  Return 0 or -1.
 */
int backends_stop(struct backends *bs, int i, int hard);
int backends_start(struct backends *bs, int i, char *err, size_t errlen);

/*
 * A view of some backends of all, for the checks of one target: entries
 * idx[0..n) with weights w, the same processes (all must be started).
 * A check may stop and start a backend of the view; backends_unview then
 * gives all the new pids.  The view needs no backends_stop_all.
 */
void backends_view(const struct backends *all, const int *idx, const int *w,
		   int n, struct backends *view);
void backends_unview(const struct backends *view, const int *idx,
		     struct backends *all);

/* The index of the backend whose id is id, or -1. */
int backends_find_id(struct backends *bs, const char *id);

/*
 * Ask every backend for the record of the request that carried
 * "X-Wsctl-Probe: token" (GET /.wsctl/probe/<token>), for up to
 * timeout_ms.  Returns the record (the caller frees it with cJSON_Delete)
 * and sets *index to the backend that had it, or returns NULL.
 */
cJSON *backends_probe(struct backends *bs, const char *token, int timeout_ms,
		      int *index);

/* A fresh random probe token (32 hex digits) into out[33]. */
void backends_token(char out[33]);

#endif
