/*
 * main.c - wsctl's unit tests.  Every test_<module>.c exports a table of
 * cases (unit.h); this file runs each case in a child process with a
 * deadline, as libuv does, so a crash or a hang fails that case and not
 * the run, and prints "ok NAME" or "not ok NAME: why" for it, the format
 * tests/run counts.  The parsers are fed through unit_fence(), which puts
 * the input right before a PROT_NONE page so that reading one byte past
 * the end is a crash, not a silent pass; build with `make asan` to catch
 * the rest.  `build/unit_tests [GLOB]` runs only the cases whose name
 * matches GLOB ("http.*").  Exit status: 0 when every case passed, else 1.
 */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"

#define CASE_DEADLINE 30	/* seconds; the slowest case takes well under 1 */

static const struct unit_case *const tables[] = {
	units_cases, addr_cases, net_cases, http_cases, ws_cases, utf8_cases,
	nginx_conf_cases,
	wsc_cases,
	http_chunk_cases,
	loop_cases,
	hist_cases,
	lb_cases,
	err_cases,
	deflate_cases,
	report_cases,
	proxy_run_cases,
};

static int nfail;
static char first_fail[512];

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (nfail++)
		return;
	n = snprintf(first_fail, sizeof(first_fail), "%s:%d: ",
		     strrchr(file, '/') ? strrchr(file, '/') + 1 : file, line);
	va_start(ap, fmt);
	vsnprintf(first_fail + n, sizeof(first_fail) - n, fmt, ap);
	va_end(ap);
}

void *unit_fence(const void *data, size_t len)
{
	static uint8_t *map;
	static size_t maplen;
	size_t page = sysconf(_SC_PAGESIZE);
	size_t need = (len + page - 1) / page * page + page;

	if (need > maplen) {
		if (map)
			munmap(map, maplen);
		map = mmap(NULL, need, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED || mprotect(map + need - page, page,
						  PROT_NONE) < 0) {
			perror("unit_fence");
			exit(2);
		}
		maplen = need;
	}
	uint8_t *p = map + maplen - page - len;
	if (len)
		memcpy(p, data, len);
	return p;
}

const char *unit_show(const void *data, size_t len)
{
	static char buf[400];
	const unsigned char *s = data;
	size_t o = 0;

	for (size_t i = 0; i < len && o < sizeof(buf) - 8; i++) {
		unsigned char c = s[i];

		if (c == '\r')
			o += sprintf(buf + o, "\\r");
		else if (c == '\n')
			o += sprintf(buf + o, "\\n");
		else if (c < 0x20 || c >= 0x7f || c == '\\')
			o += sprintf(buf + o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	if (o >= sizeof(buf) - 8)
		o += sprintf(buf + o, "...");
	buf[o] = '\0';
	return buf;
}

/* Run one case in a child; its first failure comes back through a pipe. */
static int run(const struct unit_case *c)
{
	char msg[sizeof(first_fail)] = "";
	int pfd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		printf("not ok %s: cannot fork: %m\n", c->name);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		alarm(CASE_DEADLINE);
		c->fn();
		if (nfail && write(pfd[1], first_fail, strlen(first_fail)) < 0)
			exit(3);
		/* exit, not _exit: LeakSanitizer runs at exit */
		exit(nfail ? 1 : 0);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += n;
	msg[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %s\n", c->name);
		return 0;
	}
	if (got)
		printf("not ok %s: %s\n", c->name, msg);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("not ok %s: timed out after %ds\n", c->name, CASE_DEADLINE);
	else if (WIFSIGNALED(status))
		printf("not ok %s: killed by signal %d (%s)\n", c->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		printf("not ok %s: exited %d (a sanitizer report is on stderr?)\n",
		       c->name, WEXITSTATUS(status));
	return -1;
}

int main(int argc, char **argv)
{
	const char *glob = argc > 1 ? argv[1] : NULL;
	int pass = 0, fail = 0;

	for (size_t t = 0; t < NELEM(tables); t++) {
		for (const struct unit_case *c = tables[t]; c->name; c++) {
			if (glob && fnmatch(glob, c->name, 0) != 0)
				continue;
			if (run(c) == 0)
				pass++;
			else
				fail++;
		}
	}
	printf("# %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
