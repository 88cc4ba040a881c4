/*
 * test_proxy_run.c - a driver's sandbox run (checks/proxy_run.c) with a
 * real HAProxy: a port of the copy's taken between its pick and the
 * proxy's bind, as another run's bind can, costs a retry, not the run;
 * a stand-in's lost port gives a new one that the copy then names.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/proxy.h"
#include "common/net.h"
#include "tests/unit/unit.h"

static const char conf[] =
	"defaults\n"
	"\tmode http\n"
	"\ttimeout connect 5s\n"
	"\ttimeout client 60s\n"
	"\ttimeout server 60s\n"
	"frontend web\n"
	"\tbind :80\n"
	"\tdefault_backend app\n"
	"backend app\n"
	"\tserver app1 app1:3000\n";

/* A listening socket on 127.0.0.1:port of nobody's sharing (no
   SO_REUSEPORT, which HAProxy's bind would join), or -1. */
static int squat(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A copy of conf under $TMPDIR, its path into path. */
static int write_conf(char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	snprintf(path, len, "%s/unit-proxy-run-%d.cfg", tmp ? tmp : "/tmp",
		 (int)getpid());
	if (!(f = fopen(path, "w")))
		return -1;
	fputs(conf, f);
	return fclose(f);
}

static void lost_port(void)
{
	struct proxy_model m = { 0 };
	struct proxy_box b = { 0 };
	char path[512], err[1024], spec[64], e[256];
	int held, fd, taken;

	EXPECT(write_conf(path, sizeof(path)) == 0);
	EXPECTF(proxy_load(&m, path, proxy_find("haproxy"), err,
			   sizeof(err)) == 0, "%s", err);
	EXPECTF(proxy_box_make(&m, &b, err, sizeof(err)) == 0, "%s", err);
	/* the race lost: someone binds the copy's port first */
	taken = b.listen[0].port;
	held = squat(taken);
	EXPECTF(held >= 0, "cannot bind port %d", taken);
	EXPECTF(proxy_start(&m, &b, err, sizeof(err)) == 0, "%s", err);
	EXPECTF(b.listen[0].port != taken, "still on the taken port %d", taken);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", b.listen[0].port);
	EXPECTF(!strcmp(b.connect, spec), "connect %s, listen %s", b.connect,
		spec);
	fd = net_connect(b.listen[0].host, b.listen[0].port, NULL, 1000, e,
			 sizeof(e));
	EXPECTF(fd >= 0, "the copy does not listen on its new port: %s", e);
	if (fd >= 0)
		close(fd);
	if (held >= 0)
		close(held);
	proxy_box_free(&b);
	proxy_model_free(&m);
	unlink(path);
}

/* Whether the file at path has text in it. */
static int file_has(const char *path, const char *text)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, text) != NULL;
}

/* A stand-in that lost its port: a new one, and the copy sends there. */
static void new_backends(void)
{
	struct proxy_model m = { 0 };
	struct proxy_box b = { 0 };
	char path[512], err[1024], old[64], now[64];

	EXPECT(write_conf(path, sizeof(path)) == 0);
	EXPECTF(proxy_load(&m, path, proxy_find("haproxy"), err,
			   sizeof(err)) == 0, "%s", err);
	EXPECTF(proxy_box_make(&m, &b, err, sizeof(err)) == 0, "%s", err);
	snprintf(old, sizeof(old), "127.0.0.1:%u", b.backend[0].port);
	EXPECTF(file_has(b.conf, old), "the copy does not name %s", old);
	EXPECTF(proxy_box_new_backends(&m, &b, err, sizeof(err)) == 0, "%s",
		err);
	snprintf(now, sizeof(now), "127.0.0.1:%u", b.backend[0].port);
	EXPECTF(strcmp(old, now), "the stand-in kept %s", old);
	EXPECTF(file_has(b.conf, now), "the copy does not name %s", now);
	EXPECTF(!file_has(b.conf, old), "the copy still names %s", old);
	proxy_box_free(&b);
	proxy_model_free(&m);
	unlink(path);
}

const struct unit_case proxy_run_cases[] = {
	{ "proxy-run.lost-port", lost_port },
	{ "proxy-run.new-backends", new_backends },
	{ NULL, NULL },
};
