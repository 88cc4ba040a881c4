/*
 * connect_listen.c - `wsctl connect --listen`, wscat's -l: wait for a
 * WebSocket client, then run the same session as a client's with it (what
 * arrives is printed, stdin lines are sent).  One client at a time, as
 * wscat: while one is connected the port is closed, so others are
 * refused rather than kept waiting.  On a terminal it listens again once
 * the client has gone; in a script it serves one client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/connect.h"
#include "common/net.h"
#include "common/wsc.h"

#define CMD "connect"
#define MAX_FDS 4

/* Listen on spec: every socket into fds; returns how many, or -1. */
static int open_listen(const char *spec, int *fds)
{
	char err[300];
	int n = net_listen(spec, fds, MAX_FDS, 1, err, sizeof(err));

	if (n < 0)
		cli_err(CMD, "%s", err);
	return n;
}

/* Wait for a client on fds[0..n); returns its socket, or -1. */
static int take_client(const int *fds, int n)
{
	struct pollfd p[MAX_FDS];
	int i, fd;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			cli_err(CMD, "poll: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)
			if (p[i].revents &&
			    (fd = accept(fds[i], NULL, NULL)) >= 0)
				return fd;
	}
}

static void close_all(int *fds, int n)
{
	while (n-- > 0)
		close(fds[n]);
}

int connect_listen(const struct connect_config *cfg, int interactive)
{
	struct wsc_opts o = {
		.protocols = cfg->protocols,
		.nprotocols = cfg->nprotocols,
		.timeout_ms = (int)cfg->timeout_ms,
		.flags = WSC_AUTO_PONG | WSC_AUTO_CLOSE,
	};
	char spec[300], where[300], err[600];
	int fds[MAX_FDS], n, fd, rc = EXIT_OK;
	struct wsc c;

	snprintf(spec, sizeof(spec), "%s", cfg->listen);
	if ((n = open_listen(spec, fds)) < 0)
		return EXIT_USAGE;
	/* the port picked for port 0 stays the port */
	net_fmt_fd(fds[0], 0, where, sizeof(where));
	snprintf(spec, sizeof(spec), "%s", where);
	fprintf(stderr, "listening on %s (press CTRL+C to quit)\n", where);
	for (;;) {
		fd = take_client(fds, n);
		close_all(fds, n);
		if (fd < 0)
			return EXIT_FAIL;
		rc = wsc_accept(&c, fd, &o, err, sizeof(err));
		if (rc == WSC_OK) {
			fprintf(stderr, "client connected: %s\n",
				net_fmt_fd(fd, 1, where, sizeof(where)));
			rc = connect_session(cfg, &c, interactive);
		} else {
			cli_err(CMD, "%s: %s", net_fmt_fd(fd, 1, where,
				sizeof(where)), err);
			rc = EXIT_FAIL;
		}
		wsc_free(&c);
		if (!interactive)
			return rc;
		if ((n = open_listen(spec, fds)) < 0)
			return EXIT_FAIL;
	}
}
