/*
 * proxy_run.c - a driver's sandbox and its process: the folder, the
 * ports, the copy, and the proxy running on it as a child of wsctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/proxy.h"
#include "common/clock.h"
#include "common/proc.h"
#include "common/net.h"
#include "common/tls.h"
#include "common/tmpdir.h"

#define START_MS 10000
#define START_TRIES 3	/* runs of the copy that lose a port to a race */

static int free_port(struct hostport *hp, char *err, size_t errlen)
{
	int port = net_free_port(0);

	if (port < 0)
		return snprintf(err, errlen, "no free loopback port"), -1;
	snprintf(hp->host, sizeof(hp->host), "127.0.0.1");
	hp->port = (uint16_t)port;
	return 0;
}

/* Free ports for every listen and the admin port, and where the first
   listen is for the checker. */
static int pick_ports(const struct proxy_model *m, struct proxy_box *b,
		      char *err, size_t errlen)
{
	struct hostport admin;
	int i;

	for (i = 0; i < m->nlisten; i++)
		if (free_port(&b->listen[i], err, errlen) < 0)
			return -1;
	if (free_port(&admin, err, errlen) < 0)
		return -1;
	b->admin_port = admin.port;
	snprintf(b->connect, sizeof(b->connect), "%s:%u", b->listen[0].host,
		 b->listen[0].port);
	return 0;
}

int proxy_box_make(const struct proxy_model *m, struct proxy_box *b,
		   char *err, size_t errlen)
{
	const char *names[PROXY_MAX_LISTEN];
	size_t nnames = 0;
	int i, tls = 0;

	if (tmpdir_make(b->prefix, sizeof(b->prefix), m->drv->kind, err,
			errlen) < 0)
		return -1;
	snprintf(b->conf, sizeof(b->conf), "%s/%s", b->prefix,
		 strrchr(m->file, '/') ? strrchr(m->file, '/') + 1 : m->file);
	for (i = 0; i < m->nlisten; i++) {
		tls |= m->listen[i].tls;
		if (m->listen[i].name[0])
			names[nnames++] = m->listen[i].name;
	}
	for (i = 0; i < m->nb; i++)
		if (free_port(&b->backend[i], err, errlen) < 0)
			goto fail;
	if (pick_ports(m, b, err, errlen) < 0)
		goto fail;
	if (tls) {
		snprintf(b->cert, sizeof(b->cert), "%s/cert.pem", b->prefix);
		snprintf(b->key, sizeof(b->key), "%s/key.pem", b->prefix);
		snprintf(b->ca, sizeof(b->ca), "%s", b->cert);
		if (tls_make_cert(b->cert, b->key, names, nnames, err,
				  errlen) < 0)
			goto fail;
	}
	if (m->drv->write(m, b, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	tmpdir_remove(b->prefix);
	return -1;
}

/* The copy written again on b's ports as they are now. */
static int rewrite(const struct proxy_model *m, struct proxy_box *b,
		   char *err, size_t errlen)
{
	b->nnotes = 0;		/* the write notes its changes again */
	return m->drv->write(m, b, err, errlen);
}

int proxy_box_new_backends(const struct proxy_model *m, struct proxy_box *b,
			   char *err, size_t errlen)
{
	int i;

	for (i = 0; i < m->nb; i++)
		if (free_port(&b->backend[i], err, errlen) < 0)
			return -1;
	return rewrite(m, b, err, errlen);
}

void proxy_box_free(struct proxy_box *b)
{
	proxy_stop(b);
	tmpdir_remove(b->prefix);
}

/* s with every from replaced by to, into out. */
static void replace(const char *s, const char *from, const char *to,
		    char *out, size_t len)
{
	size_t used = 0, fl = strlen(from);
	const char *hit;

	out[0] = 0;
	while (fl && (hit = strstr(s, from)) && used < len) {
		used += snprintf(out + used, len - used, "%.*s%s",
				 (int)(hit - s), s, to);
		s = hit + fl;
	}
	if (used < len) {
		size_t n = strlen(s);

		if (n > len - used - 1)
			n = len - used - 1;
		memcpy(out + used, s, n);
		out[used + n] = 0;
	}
}

/* The copy's line numbers in msg ("FILE:N", "line N of FILE") made the
   user's, where the copy has lines of its own before them. */
static void unshift(const struct proxy_model *m, const struct proxy_box *b,
		    char *msg, size_t len)
{
	char out[1024], *p;
	size_t used = 0;
	const char *s = msg;

	if (!b->shift)
		return;
	while ((p = strpbrk(s, "0123456789")) && used < sizeof(out)) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);
		size_t fl = strlen(m->file);
		int after_file = p > msg && p[-1] == ':' &&
				 (size_t)(p - 1 - msg) >= fl &&
				 !strncmp(p - 1 - fl, m->file, fl);
		int before_file = p >= msg + 5 && !strncmp(p - 5, "line ", 5) &&
				  !strncmp(end, " of ", 4);

		if ((after_file || before_file) && n > b->shift_after + b->shift)
			n -= b->shift;
		used += snprintf(out + used, sizeof(out) - used, "%.*s%lu",
				 (int)(p - s), s, n);
		s = end;
	}
	if (used < sizeof(out))
		snprintf(out + used, sizeof(out) - used, "%s", s);
	snprintf(msg, len, "%.500s", out);
}

/*
 * Why the proxy stopped: the first line of its output that reads as an
 * error (a line ending in ':' with the one after it, as Apache writes
 * "Syntax error on line 3 of F:" over two), without HAProxy's
 * "[ALERT]    (pid) : " in front, else its last line.
 */
static void complaint(const struct proxy_model *m, const struct proxy_box *b,
		      char *out, size_t len)
{
	static const char *const bad[] = {
		"[ALERT]", "Error", "error", "AH00", "Invalid", NULL,
	};
	char path[300], line[600], last[600] = "", *msg;
	FILE *f;
	int i, hit = 0;

	snprintf(path, sizeof(path), "%s/output.log", b->prefix);
	out[0] = 0;
	if (!(f = fopen(path, "r")))
		return;
	while (!hit && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		snprintf(last, sizeof(last), "%s", line);
		for (i = 0; bad[i] && !hit; i++)
			hit = strstr(line, bad[i]) != NULL;
	}
	msg = last;
	if (hit && msg[strlen(msg) - 1] == ':' && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		snprintf(last + strlen(last), sizeof(last) - strlen(last),
			 " %.300s", line + strspn(line, " \t"));
	}
	fclose(f);
	if (!strncmp(msg, "[ALERT]", 7) && strstr(msg, ") : "))
		msg = strstr(msg, ") : ") + 4;
	replace(msg, b->conf, m->file, out, len);
	unshift(m, b, out, len);
}

/* A TLS listen is up once its handshake completes (with any
   certificate): a proxy may accept before its certificate is loaded, as
   Caddy does while its CA issues one. */
static int serves_tls(const struct proxy_model *m, int fd)
{
	const struct proxy_listen *l = &m->listen[0];
	struct tls_opts o = { .host = l->name[0] ? l->name : "localhost",
			      .insecure = 1 };
	struct tls *t;
	char e[256];
	int ok;

	if (!l->tls)
		return 1;
	if (net_nonblock(fd, 1) < 0)
		return 0;
	t = tls_connect(fd, &o, "the sandbox's proxy", clock_ms() + 1000, e,
			sizeof(e));
	ok = t != NULL;
	tls_free(t);
	return ok;
}

/* Whether the proxy's output says a port it was given was taken: by
   someone who bound it between net_free_port and the proxy's bind. */
static int lost_a_port(const struct proxy_box *b)
{
	char log[300], line[512];
	FILE *f;
	int lost = 0;

	snprintf(log, sizeof(log), "%s/output.log", b->prefix);
	if (!(f = fopen(log, "r")))
		return 0;
	while (!lost && fgets(line, sizeof(line), f))
		lost = strcasestr(line, "address already in use") != NULL;
	fclose(f);
	return lost;
}

/* Run the copy once: 0 up, -1 with err, 1 with err when it lost a
   port. */
static int start_once(const struct proxy_model *m, struct proxy_box *b,
		      char *err, size_t errlen)
{
	const char *argv[32] = { NULL };
	char log[300], c;
	int64_t until;
	int status, execd[2];

	m->drv->argv(b, argv);
	snprintf(log, sizeof(log), "%s/output.log", b->prefix);
	/* closed by the child's exec: until then the child is a copy of
	   this process, holding its descriptors */
	if (pipe2(execd, O_CLOEXEC) < 0)
		return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
	b->pid = fork();
	if (b->pid < 0) {
		b->pid = 0;
		close(execd[0]);
		close(execd[1]);
		return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
	}
	if (b->pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		sigset_t none;

		/* never outlive the checker; a terminal's hangup is the
		   checker's to handle */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		/* what a proxy keeps of its own (Caddy's data and
		   config) stays in the sandbox */
		setenv("HOME", b->prefix, 1);
		setenv("XDG_DATA_HOME", b->prefix, 1);
		setenv("XDG_CONFIG_HOME", b->prefix, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(execd[1]);
	while (read(execd[0], &c, 1) < 0 && errno == EINTR)
		;
	close(execd[0]);
	until = clock_ms() + START_MS;
	while (clock_ms() < until) {
		struct timespec ts = { 0, 20 * 1000000L };
		char why[512], e[256];
		int fd;

		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			b->pid = 0;
			complaint(m, b, why, sizeof(why));
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				snprintf(why, sizeof(why), "cannot run '%s'",
					 m->drv->program);
			snprintf(err, errlen, "%s did not start: %s",
				 m->drv->kind, why[0] ? why : "it exited");
			return lost_a_port(b) ? 1 : -1;
		}
		fd = net_connect(b->listen[0].host, b->listen[0].port, NULL,
				 200, e, sizeof(e));
		if (fd >= 0) {
			/* the copy's listen, not someone's who took the
			   port, and ready to serve */
			int up = proc_listens(b->pid, b->listen[0].port) &&
				 (!m->drv->ready || m->drv->ready(m, b)) &&
				 serves_tls(m, fd);

			close(fd);
			if (up)
				return 0;
		}
		nanosleep(&ts, NULL);
	}
	proxy_stop(b);
	return snprintf(err, errlen, "%s did not listen on %s:%u within %d ms",
			m->drv->kind, b->listen[0].host, b->listen[0].port,
			START_MS), -1;
}

int proxy_start(const struct proxy_model *m, struct proxy_box *b, char *err,
		size_t errlen)
{
	int tries, rc;

	for (tries = 1;; tries++) {
		rc = start_once(m, b, err, errlen);
		if (rc <= 0 || tries == START_TRIES)
			return rc ? -1 : 0;
		/* a port of the copy's was taken since it was picked: the
		   copy again, on ports picked now */
		if (pick_ports(m, b, err, errlen) < 0 ||
		    rewrite(m, b, err, errlen) < 0)
			return -1;
	}
}

void proxy_stop(struct proxy_box *b)
{
	if (b->pid <= 0)
		return;
	proc_stop(b->pid, SIGTERM, 3000);
	/* its workers, should one be left */
	kill(-b->pid, SIGKILL);
	b->pid = 0;
}
