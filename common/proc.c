/*
 * proc.c - stopping a child: a signal, a grace period, then SIGKILL.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "common/clock.h"
#include "common/proc.h"

int proc_stop(pid_t pid, int sig, int grace_ms)
{
	int64_t until = clock_ms() + grace_ms;
	int status = 0;
	pid_t r;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		struct timespec ts = { 0, 10 * 1000000L };

		if (clock_ms() > until) {
			kill(pid, SIGKILL);
			r = waitpid(pid, &status, 0);
			break;
		}
		nanosleep(&ts, NULL);
	}
	return r == pid ? status : -1;
}
