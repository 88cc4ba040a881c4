/*
 * floor.h - what floor-relay.c and floor-uring.c share: their command
 * line and their listening socket.  A benchmark aid, not part of wsctl.
 */
#ifndef FLOOR_H
#define FLOOR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define MAX_BACKENDS 8

/*
 * floor_listen - read "LISTEN_PORT BACKEND_PORT..." (all on 127.0.0.1)
 * from argv into backends[] and *nbackends, ignore SIGPIPE, and return a
 * socket listening on LISTEN_PORT, made with socket()'s extra flags
 * (SOCK_NONBLOCK or 0).  On bad arguments or a failed listen it prints
 * one line naming NAME and exits 2.
 */
static inline int floor_listen(int argc, char **argv, const char *name,
			       int flags, struct sockaddr_in *backends,
			       int *nbackends)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1, i;

	if (argc < 3 || argc - 2 > MAX_BACKENDS) {
		fprintf(stderr, "usage: %s LISTEN_PORT BACKEND_PORT...\n", name);
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
	for (*nbackends = 0, i = 2; i < argc; i++, ++*nbackends) {
		backends[*nbackends].sin_family = AF_INET;
		backends[*nbackends].sin_port = htons((uint16_t)atoi(argv[i]));
		backends[*nbackends].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | flags, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 4096) < 0) {
		fprintf(stderr, "%s: listen on port %s: ", name, argv[1]);
		perror(NULL);
		exit(2);
	}
	return fd;
}

#endif
