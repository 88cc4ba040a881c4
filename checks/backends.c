/*
 * backends.c - start, stop and question the wsctl echo backends behind
 * the proxy.  Spawned backends are separate processes, one per backend,
 * so that a check can kill one without touching the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "common/proc.h"
#include "checks/backends.h"
#include "common/tmpdir.h"
#include "common/addr.h"
#include "common/net.h"

#define START_MS 5000	/* how long a spawned backend may take to listen */

struct body {
	char *p;
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add > 1 << 20)	/* a record is small; refuse floods */
		return 0;
	p = realloc(b->p, b->len + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->p = p;
	b->len += add;
	p[b->len] = 0;
	return add;
}

/* "http://HOST:PORT" for a backend address as users write it. */
static void base_url(const char *addr, char *out, size_t len)
{
	struct hostport hp;
	char err[128];
	const char *h;

	if (addr_parse(addr, 0, &hp, err, sizeof(err)) < 0) {
		snprintf(out, len, "http://%s", addr);
		return;
	}
	h = hp.host[0] ? hp.host : "127.0.0.1";
	if (strchr(h, ':'))
		snprintf(out, len, "http://[%s]:%u", h, hp.port);
	else
		snprintf(out, len, "http://%s:%u", h, hp.port);
}

/*
 * GET path from backend addr.  Returns the HTTP status (0 when there was
 * no answer) and, for a 200 with JSON, the parsed body in *json.
 */
static long get_json(const char *addr, const char *path, int timeout_ms,
		     cJSON **json)
{
	char url[512];
	struct body b = { NULL, 0 };
	long status = 0;
	CURL *h = curl_easy_init();

	*json = NULL;
	if (!h)
		return 0;
	base_url(addr, url, sizeof(url) - strlen(path) - 1);
	strcat(url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (status == 200 && b.p)
		*json = cJSON_Parse(b.p);
	free(b.p);
	return status;
}

int backends_add(struct backends *bs, const char *addr, int weight,
		 char *err, size_t errlen)
{
	struct hostport hp;
	struct backend *b;

	if (bs->n == BACKENDS_MAX) {
		snprintf(err, errlen, "more than %d backends", BACKENDS_MAX);
		return -1;
	}
	if (addr_parse(addr, 0, &hp, err, errlen) < 0)
		return -1;
	b = &bs->b[bs->n];
	snprintf(b->addr, sizeof(b->addr), "%s", addr);
	snprintf(b->id, sizeof(b->id), "%s", addr);
	b->weight = weight > 0 ? weight : 1;
	b->pid = 0;
	return bs->n++;
}

int backends_parse(struct backends *bs, const char *spec, char *err,
		   size_t errlen)
{
	char buf[4096], *tok, *save;

	if (!strncmp(spec, "spawn:", 6)) {
		bs->spawn = 1;
		spec += 6;
	}
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "backend list too long");
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *star = strrchr(tok, '*'), *end;
		long w = 1;

		/* ADDR*W: the weight the proxy gives it */
		if (star) {
			*star = 0;
			w = strtol(star + 1, &end, 10);
			if (end == star + 1 || *end || w < 1 || w > 100) {
				snprintf(err, errlen, "bad weight '%s' for %s "
					 "(1 to 100)", star + 1, tok);
				return -1;
			}
		}
		if (backends_add(bs, tok, (int)w, err, errlen) < 0)
			return -1;
	}
	if (!bs->n) {
		snprintf(err, errlen, "no backends in '%s'", spec);
		return -1;
	}
	return 0;
}

/* The last line of a spawned backend's log: its error message. */
static void last_line(const char *path, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n')
			snprintf(out, len, "%.300s", line);
	fclose(f);
	out[strcspn(out, "\n")] = 0;
}

static void log_path(const struct backends *bs, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/backend-%d.log", bs->logdir, i);
}

static pid_t spawn(struct backends *bs, int i)
{
	char *argv[18 + 2 * 64];
	char logp[512], parent[16];
	int a = 0, r, fd;
	sigset_t none;
	pid_t pid;

	argv[a++] = bs->self;
	argv[a++] = "echo";
	argv[a++] = "--listen";
	argv[a++] = bs->b[i].addr;
	argv[a++] = "--id";
	argv[a++] = bs->b[i].id;
	argv[a++] = "--subprotocol";
	argv[a++] = "wsctl.check";
	/* a checker that is killed leaves no backend behind */
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	argv[a++] = "--parent";
	argv[a++] = parent;
	if (!bs->strict)	/* as node ws and most servers do */
		argv[a++] = "--accept-http10";
	for (r = 0; r < bs->nreject; r++) {
		argv[a++] = "--reject";
		argv[a++] = bs->reject[r];
	}
	argv[a] = NULL;
	log_path(bs, i, logp, sizeof(logp));

	pid = fork();
	if (pid != 0)
		return pid;
	/* the checker blocks its stop signals and forwards them itself;
	   a terminal's ^C or hangup is its to handle, not the backends' */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	execv(bs->self, argv);
	_exit(127);
}

/* Wait until backend i answers /.wsctl/info as itself. */
static int wait_up(struct backends *bs, int i, char *err, size_t errlen)
{
	int64_t until = clock_ms() + START_MS;
	char logp[512], why[400];
	int status;

	while (clock_ms() < until) {
		cJSON *info = NULL, *pid;

		if (waitpid(bs->b[i].pid, &status, WNOHANG) == bs->b[i].pid) {
			bs->b[i].pid = 0;
			log_path(bs, i, logp, sizeof(logp));
			last_line(logp, why, sizeof(why));
			snprintf(err, errlen, "cannot start backend %s: %s",
				 bs->b[i].addr, why[0] ? why : "it exited");
			return -1;
		}
		get_json(bs->b[i].addr, "/.wsctl/info", 500, &info);
		pid = cJSON_GetObjectItemCaseSensitive(info, "pid");
		if (cJSON_IsNumber(pid) && (pid_t)pid->valuedouble == bs->b[i].pid) {
			cJSON_Delete(info);
			return 0;
		}
		cJSON_Delete(info);
		{
			struct timespec ts = { 0, 20 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	snprintf(err, errlen, "backend %s did not start listening within %d ms",
		 bs->b[i].addr, START_MS);
	return -1;
}

int backends_start(struct backends *bs, int i, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&bs->lock);
	bs->b[i].pid = spawn(bs, i);
	if (bs->b[i].pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		bs->b[i].pid = 0;
		pthread_mutex_unlock(&bs->lock);
		return -1;
	}
	rc = wait_up(bs, i, err, errlen);
	if (rc < 0 && bs->b[i].pid > 0) {
		kill(bs->b[i].pid, SIGKILL);
		waitpid(bs->b[i].pid, NULL, 0);
		bs->b[i].pid = 0;
	}
	pthread_mutex_unlock(&bs->lock);
	return rc;
}

void backends_view(const struct backends *all, const int *idx, const int *w,
		   int n, struct backends *view)
{
	int i;

	memcpy(view->self, all->self, sizeof(view->self));
	memcpy(view->reject, all->reject, sizeof(view->reject));
	memcpy(view->logdir, all->logdir, sizeof(view->logdir));
	view->nreject = all->nreject;
	view->spawn = all->spawn;
	view->strict = all->strict;
	view->n = 0;
	for (i = 0; i < n && i < BACKENDS_MAX; i++) {
		view->b[i] = all->b[idx[i]];
		view->b[i].weight = w[i] > 0 ? w[i] : 1;
		view->n++;
	}
	pthread_mutex_init(&view->lock, NULL);
}

void backends_unview(const struct backends *view, const int *idx,
		     struct backends *all)
{
	int i;

	for (i = 0; i < view->n; i++)
		all->b[idx[i]].pid = view->b[i].pid;
}

int backends_stop(struct backends *bs, int i, int hard)
{
	pid_t pid;

	pthread_mutex_lock(&bs->lock);
	pid = bs->b[i].pid;
	bs->b[i].pid = 0;
	pthread_mutex_unlock(&bs->lock);
	if (pid <= 0)
		return -1;
	proc_stop(pid, hard ? SIGKILL : SIGTERM, 3000);
	return 0;
}

int backends_start_all(struct backends *bs, char *err, size_t errlen)
{
	int i;

	pthread_mutex_init(&bs->lock, NULL);
	if (!bs->spawn) {
		for (i = 0; i < bs->n; i++) {
			cJSON *info = NULL, *id;
			long st = get_json(bs->b[i].addr, "/.wsctl/info", 3000, &info);

			id = cJSON_GetObjectItemCaseSensitive(info, "id");
			if (!cJSON_IsString(id)) {
				cJSON_Delete(info);
				if (st)
					snprintf(err, errlen, "backend %s is not a wsctl echo "
						 "(GET /.wsctl/info answered %ld)",
						 bs->b[i].addr, st);
				else
					snprintf(err, errlen, "backend %s does not answer",
						 bs->b[i].addr);
				return -1;
			}
			snprintf(bs->b[i].id, sizeof(bs->b[i].id), "%s",
				 id->valuestring);
			cJSON_Delete(info);
		}
		return 0;
	}
	if (!bs->logdir[0] &&
	    tmpdir_make(bs->logdir, sizeof(bs->logdir), "check", err,
			errlen) < 0)
		return -1;
	if (!bs->self[0] &&
	    readlink("/proc/self/exe", bs->self, sizeof(bs->self) - 1) < 0) {
		snprintf(err, errlen, "cannot find my own binary: %s",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < bs->n; i++)
		if (backends_start(bs, i, err, errlen) < 0) {
			backends_stop_all(bs);
			return -1;
		}
	return 0;
}

void backends_stop_all(struct backends *bs)
{
	int i;

	for (i = 0; i < bs->n; i++)
		if (bs->b[i].pid > 0)
			backends_stop(bs, i, 0);
	tmpdir_remove(bs->logdir);
}

int backends_find_id(struct backends *bs, const char *id)
{
	int i;

	for (i = 0; id && i < bs->n; i++)
		if (!strcmp(bs->b[i].id, id))
			return i;
	return -1;
}

cJSON *backends_probe(struct backends *bs, const char *token, int timeout_ms,
		      int *index)
{
	char path[128];
	int64_t until = clock_ms() + timeout_ms;
	int i;

	snprintf(path, sizeof(path), "/.wsctl/probe/%s", token);
	do {
		for (i = 0; i < bs->n; i++) {
			cJSON *rec = NULL;

			if (bs->spawn && bs->b[i].pid <= 0)
				continue;
			if (get_json(bs->b[i].addr, path, 1000, &rec) == 200 && rec) {
				if (index)
					*index = i;
				return rec;
			}
			cJSON_Delete(rec);
		}
		{
			struct timespec ts = { 0, 50 * 1000000L };

			nanosleep(&ts, NULL);
		}
	} while (clock_ms() < until);
	return NULL;
}

void backends_token(char out[33])
{
	unsigned char r[16];
	int i;

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		for (i = 0; i < 16; i++)
			r[i] = (unsigned char)(rand() ^ (clock_ms() >> (i % 8)));
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}
