/*
 * nginx_run.c - nginx as a child process of wsctl check.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/proc.h"
#include "checks/nginx_run.h"
#include "common/net.h"

#define START_MS 5000

/*
 * Why nginx stopped: the first [emerg], [alert] or [crit] line of its
 * error log (later ones repeat it: "still could not bind()"), without the
 * time stamp and pid; else the last line.
 */
static void complaint(const struct nginx_proc *p, char *out, size_t len)
{
	char path[300], line[512];
	const char *msg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/error.log", p->prefix);
	out[0] = 0;
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		int bad = strstr(line, "[emerg]") || strstr(line, "[alert]") ||
			  strstr(line, "[crit]");

		msg = strstr(line, "#");
		msg = msg && (msg = strstr(msg, ": ")) ? msg + 2 : line;
		snprintf(out, len, "%.400s", msg);
		if (bad)
			break;
	}
	fclose(f);
	out[strcspn(out, "\n")] = 0;
}

/* 1 once nginx wrote its own pid into pidfile: it has bound its sockets */
static int pid_written(const char *pidfile, pid_t pid)
{
	FILE *f = fopen(pidfile, "r");
	long got = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &got) != 1)
		got = 0;
	fclose(f);
	return got == (long)pid;
}

int nginx_start(struct nginx_proc *p, const char *prefix, const char *conf,
		const struct hostport *wait_for, char *err, size_t errlen)
{
	char why[512], errlog[300], pidfile[300];
	int64_t until;
	int status;

	p->pid = 0;
	snprintf(p->prefix, sizeof(p->prefix), "%s", prefix);
	snprintf(errlog, sizeof(errlog), "%s/error.log", prefix);
	snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", prefix);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		p->pid = 0;
		return -1;
	}
	if (p->pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		sigset_t none;

		/* never outlive the checker, even when it is killed:
		   SIGTERM, so that the master takes its workers (old ones
		   after a reload too) with it; a terminal's hangup is the
		   checker's to handle (nginx would take SIGHUP as "reload"
		   and keep running) */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("nginx", "nginx", "-p", p->prefix, "-e", errlog,
		       "-c", conf, (char *)NULL);
		_exit(127);
	}
	until = clock_ms() + START_MS;
	while (clock_ms() < until) {
		char e[256];
		int fd;

		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			complaint(p, why, sizeof(why));
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				snprintf(why, sizeof(why), "cannot run 'nginx'");
			snprintf(err, errlen, "nginx did not start: %s",
				 why[0] ? why : "it exited");
			return -1;
		}
		/* a connect alone could reach whoever holds the port */
		if (pid_written(pidfile, p->pid)) {
			fd = net_connect(wait_for->host[0] ? wait_for->host :
					 "127.0.0.1", wait_for->port, NULL, 200,
					 e, sizeof(e));
			if (fd >= 0) {
				close(fd);
				return 0;
			}
		}
		{
			struct timespec ts = { 0, 20 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	nginx_stop(p);
	snprintf(err, errlen, "nginx did not listen on %s:%u within %d ms",
		 wait_for->host, wait_for->port, START_MS);
	return -1;
}

void nginx_stop(struct nginx_proc *p)
{
	if (p->pid > 0) {
		/* TERM is nginx's fast shutdown: no waiting for open tunnels */
		proc_stop(p->pid, SIGTERM, 3000);
		p->pid = 0;
	}
}
