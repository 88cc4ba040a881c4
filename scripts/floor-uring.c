/*
 * floor-uring - floor-relay.c's relay on io_uring (liburing): the same
 * bytes moved, with each loop turn's receives and sends submitted in one
 * io_uring_enter instead of a read, a write and an epoll_wait of their
 * own.  It asks whether a relay made of io_uring has a lower floor than
 * one made of read, write and epoll_wait on this machine's kernel.
 *
 *   floor-uring LISTEN_PORT BACKEND_PORT...     (all on 127.0.0.1)
 *   floor-uring --probe          exit 0 if this kernel lets it make a ring
 *
 * A benchmark aid, not part of wsctl: bench-proxy builds it with cc when
 * liburing is there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "floor.h"

#define BUF 8192

enum op { OP_ACCEPT, OP_RECV, OP_SEND };

struct pair;

struct side {
	int fd;
	struct side *peer;
	struct pair *pair;
	unsigned sent, len;		/* of buf, while a send is out */
	char buf[BUF];
};

struct pair {
	struct side s[2];
	int ops;			/* submitted, not yet completed */
	int ending;
};

static struct io_uring ring;
static struct sockaddr_in backends[MAX_BACKENDS];
static int nbackends, next_backend, lfd;

static struct io_uring_sqe *sqe(void)
{
	struct io_uring_sqe *e;

	while (!(e = io_uring_get_sqe(&ring)))
		io_uring_submit(&ring);
	return e;
}

static void *tag(void *p, enum op op)
{
	return (void *)((uintptr_t)p | (uintptr_t)op);
}

static void post_recv(struct side *s)
{
	struct io_uring_sqe *e = sqe();

	io_uring_prep_recv(e, s->fd, s->buf, BUF, 0);
	io_uring_sqe_set_data(e, tag(s, OP_RECV));
	s->pair->ops++;
}

static void post_send(struct side *s)
{
	struct io_uring_sqe *e = sqe();

	io_uring_prep_send(e, s->peer->fd, s->buf + s->sent, s->len - s->sent,
			   MSG_NOSIGNAL);
	io_uring_sqe_set_data(e, tag(s, OP_SEND));
	s->pair->ops++;
}

static void post_accept(void)
{
	struct io_uring_sqe *e = sqe();

	io_uring_prep_multishot_accept(e, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data(e, tag(NULL, OP_ACCEPT));
}

/* End the pair: shutting both down completes what is still out. */
static void end(struct pair *p)
{
	if (!p->ending) {
		p->ending = 1;
		shutdown(p->s[0].fd, SHUT_RDWR);
		shutdown(p->s[1].fd, SHUT_RDWR);
	}
	if (p->ops == 0) {
		close(p->s[0].fd);
		close(p->s[1].fd);
		free(p);
	}
}

static void accepted(int c)
{
	int one = 1, u = socket(AF_INET, SOCK_STREAM, 0);
	struct pair *p;

	if (u < 0 || connect(u, (struct sockaddr *)&backends[
	    next_backend++ % nbackends], sizeof(backends[0])) < 0 ||
	    !(p = calloc(1, sizeof(*p)))) {
		if (u >= 0)
			close(u);
		close(c);
		return;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->s[0].fd = c;
	p->s[1].fd = u;
	p->s[0].peer = &p->s[1];
	p->s[1].peer = &p->s[0];
	p->s[0].pair = p->s[1].pair = p;
	post_recv(&p->s[0]);
	post_recv(&p->s[1]);
}

static void complete(struct io_uring_cqe *cqe)
{
	uintptr_t d = (uintptr_t)io_uring_cqe_get_data(cqe);
	struct side *s = (struct side *)(d & ~(uintptr_t)3);
	int res = cqe->res;

	if ((d & 3) == OP_ACCEPT) {
		if (res >= 0)
			accepted(res);
		if (!(cqe->flags & IORING_CQE_F_MORE))
			post_accept();
		return;
	}
	s->pair->ops--;
	if (s->pair->ending) {
		end(s->pair);
	} else if ((d & 3) == OP_RECV) {
		if (res <= 0) {
			end(s->pair);
			return;
		}
		s->sent = 0;
		s->len = (unsigned)res;
		post_send(s);
	} else {
		if (res <= 0) {
			end(s->pair);
			return;
		}
		s->sent += (unsigned)res;
		if (s->sent < s->len)
			post_send(s);
		else
			post_recv(s);
	}
}

int main(int argc, char **argv)
{
	struct io_uring_params params = { .flags = IORING_SETUP_SINGLE_ISSUER };
	int i;

	if (argc == 2 && !strcmp(argv[1], "--probe")) {
		i = io_uring_queue_init_params(8, &ring, &params);
		return i < 0 ? 2 : 0;
	}
	lfd = floor_listen(argc, argv, "floor-uring", 0, backends, &nbackends);
	if ((i = io_uring_queue_init_params(4096, &ring, &params)) < 0) {
		fprintf(stderr, "floor-uring: io_uring: %s\n", strerror(-i));
		return 2;
	}
	post_accept();
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;

		if (io_uring_submit_and_wait(&ring, 1) < 0)
			continue;	/* -EINTR, -EAGAIN: the ring is still there */
		io_uring_for_each_cqe(&ring, head, cqe) {
			complete(cqe);
			n++;
		}
		io_uring_cq_advance(&ring, n);
	}
}
