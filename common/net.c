/*
 * net.c - listening and connecting sockets, with errors a person can read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/addr.h"
#include "common/err.h"
#include "common/net.h"

#define DEFAULT_BACKLOG 511	/* nginx's default: the kernel caps it anyway */
#define SOCK_FLAGS (SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res;
	char ps[8];

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%u", port);
	if (!host || !*host || getaddrinfo(host, ps, &hints, &res) != 0 ||
	    !res)
		return err_fmt(err, errlen, "cannot resolve '%s'",
			       host ? host : "");
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int net_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

static int sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return -1;
}

static void sa_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

int net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	return sa_port((struct sockaddr *)&ss);
}

/* 1 when port (0: any) binds on the loopback address now; *got its port */
static int binds(int v6, int port, int *got)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int fd, ok, one = 1;

	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a4.sin_port = htons((uint16_t)port);
	a6.sin6_addr = in6addr_loopback;
	a6.sin6_port = htons((uint16_t)port);
	if ((fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
			 0)) < 0)
		return 0;
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	ok = bind(fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
		  v6 ? sizeof(a6) : sizeof(a4)) == 0;
	if (ok)
		*got = net_local_port(fd);
	close(fd);
	return ok;
}

/* The lowest port the kernel hands out for outgoing connections. */
static int ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int lo = 32768;

	if (f) {
		if (fscanf(f, "%d", &lo) != 1)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

int net_free_port(int v6)
{
	static int given[256];		/* handed out already: not again */
	static unsigned ngiven, seed;
	int lo = ephemeral_low(), base = lo > 20000 ? lo - 12000 : 0;
	int tries, port, k, seen;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)clock_ms();
	/* below the ephemeral range, where no outgoing connection (of this
	   run or anyone's) takes the port between now and the bind */
	for (tries = 0; base && tries < 64; tries++) {
		seed = seed * 1103515245u + 12345u;
		port = base + (int)((seed >> 8) % (unsigned)(lo - base));
		for (k = 0, seen = 0; k < (int)ngiven && k < 256; k++)
			seen |= given[k] == port;
		if (!seen && binds(v6, port, &port)) {
			given[ngiven++ % 256] = port;
			return port;
		}
	}
	return binds(v6, 0, &port) ? port : -1;
}

/* The address without the port; IPv4-mapped IPv6 shown as IPv4. */
static const char *sa_ip(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &s4->sin_addr, buf, len);
	if (sa->sa_family != AF_INET6)
		return NULL;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, len);
	return inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
}

char *net_fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!sa_ip(sa, ip, sizeof(ip)))
		snprintf(buf, len, "?");
	else
		addr_fmt(ip, sa_port(sa), buf, len);
	return buf;
}

char *net_fmt_fd(int fd, int peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
		     : getsockname(fd, (struct sockaddr *)&ss, &sl);

	if (r < 0)
		snprintf(buf, len, "?");
	else
		net_fmt_sockaddr((struct sockaddr *)&ss, buf, len);
	return buf;
}

char *net_peer_ip(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !sa_ip((struct sockaddr *)&ss, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/*
 * One listening socket on sa.  v6only is -1 to leave IPV6_V6ONLY alone.
 * Returns the descriptor, or -1 with err filled and errno kept.
 */
static int listen_one(const struct sockaddr *sa, socklen_t sl, int v6only,
		      int backlog, char *err, size_t errlen)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, e;
	const char *what;

	fd = socket(sa->sa_family, SOCK_FLAGS, 0);
	if (fd < 0) {
		what = "socket";
		goto out;
	}
	what = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto out;
	if (sa->sa_family == AF_INET6 && v6only >= 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		       sizeof(v6only)) < 0)
		goto out;
	what = "bind";
	if (bind(fd, sa, sl) < 0)
		goto out;
	what = "listen";
	if (listen(fd, backlog) < 0)
		goto out;
	return fd;
out:
	e = errno;
	err_fmt(err, errlen, "%s %s: %s", what,
	     net_fmt_sockaddr(sa, where, sizeof(where)), strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

/* errno values that mean "this host has no such address family" */
static int no_family(int e)
{
	return e == EAFNOSUPPORT || e == EADDRNOTAVAIL || e == EPROTONOSUPPORT;
}

struct lsn {
	int *fds;
	int n, max, backlog;
	uint16_t port;		/* 0 until the first socket picked one */
};

/*
 * Listen on sa, at the port the spec's first socket got.  Returns 0, or
 * -1 with err filled; with optional set, a missing address family is
 * skipped instead.
 */
static int lsn_add(struct lsn *l, struct sockaddr *sa, socklen_t sl,
		   int v6only, int optional, char *err, size_t errlen)
{
	int fd;

	if (l->n == l->max)
		return 0;
	if (l->port)
		sa_set_port(sa, l->port);
	fd = listen_one(sa, sl, v6only, l->backlog, err, errlen);
	if (fd < 0)
		return optional && no_family(errno) ? 0 : -1;
	if (!l->port)
		l->port = net_local_port(fd);
	l->fds[l->n++] = fd;
	return 0;
}

static int lsn_fail(struct lsn *l)
{
	while (l->n > 0)
		close(l->fds[--l->n]);
	return -1;
}

/* A name that is not a literal: every address it resolves to, once. */
static int listen_name(struct lsn *l, const struct hostport *hp,
		       char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res, *ai, *bj;
	char port[8];
	int r;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", hp->port);
	r = getaddrinfo(hp->host, port, &hints, &res);
	if (r != 0)
		return err_fmt(err, errlen, "cannot resolve '%s'", hp->host);
	for (ai = res; ai; ai = ai->ai_next) {
		/* /etc/hosts may list an address twice; bind it once */
		for (bj = res; bj != ai; bj = bj->ai_next)
			if (bj->ai_addrlen == ai->ai_addrlen &&
			    !memcmp(bj->ai_addr, ai->ai_addr, ai->ai_addrlen))
				break;
		if (bj != ai)
			continue;
		if (lsn_add(l, ai->ai_addr, ai->ai_addrlen, 1, 0,
			    err, errlen) < 0) {
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}

int net_listen(const char *spec, int *fds, int maxfds, int backlog,
	       char *err, size_t errlen)
{
	struct lsn l = { fds, 0, maxfds, backlog, 0 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct hostport hp;

	if (maxfds < 1)
		return err_fmt(err, errlen, "no room for a listening socket");
	if (backlog <= 0)
		l.backlog = DEFAULT_BACKLOG;
	if (addr_parse(spec, 0, &hp, err, errlen) < 0)
		return -1;
	s4.sin_port = s6.sin6_port = htons(hp.port);

	if (!hp.host[0]) {
		/* one dual-stack socket; IPv4 alone on a host without IPv6 */
		s6.sin6_addr = in6addr_any;
		if (lsn_add(&l, (struct sockaddr *)&s6, sizeof(s6), 0, 1,
			    err, errlen) < 0)
			return lsn_fail(&l);
		if (l.n == 0) {
			s4.sin_addr.s_addr = htonl(INADDR_ANY);
			if (lsn_add(&l, (struct sockaddr *)&s4, sizeof(s4), -1,
				    0, err, errlen) < 0)
				return lsn_fail(&l);
		}
	} else if (!strcasecmp(hp.host, "localhost")) {
		/* not through the resolver: /etc/hosts varies between hosts */
		s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s6.sin6_addr = in6addr_loopback;
		if (lsn_add(&l, (struct sockaddr *)&s4, sizeof(s4), -1, 0,
			    err, errlen) < 0 ||
		    lsn_add(&l, (struct sockaddr *)&s6, sizeof(s6), 1, 1,
			    err, errlen) < 0)
			return lsn_fail(&l);
	} else if (inet_pton(AF_INET, hp.host, &s4.sin_addr) == 1) {
		if (lsn_add(&l, (struct sockaddr *)&s4, sizeof(s4), -1, 0,
			    err, errlen) < 0)
			return lsn_fail(&l);
	} else if (inet_pton(AF_INET6, hp.host, &s6.sin6_addr) == 1) {
		/* "[::]" means IPv6 only, as in nginx; ":PORT" means both */
		if (lsn_add(&l, (struct sockaddr *)&s6, sizeof(s6), 1, 0,
			    err, errlen) < 0)
			return lsn_fail(&l);
	} else if (listen_name(&l, &hp, err, errlen) < 0) {
		return lsn_fail(&l);
	}
	if (l.n == 0)
		return err_fmt(err, errlen, "no address to listen on in '%s'",
			    spec);
	return l.n;
}

/*
 * A local address of sa's family from src, to bind before connecting.
 * Returns 0, or -1 with err filled.
 */
static int bind_src(int fd, int family, const char *src, char *err,
		    size_t errlen)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int one = 1, e;

	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	if (getaddrinfo(src, NULL, &hints, &res) != 0)
		return err_fmt(err, errlen, "source '%s' is not an %s address",
			    src, family == AF_INET6 ? "ipv6" : "ipv4");
#ifdef IP_BIND_ADDRESS_NO_PORT
	/* pick the port at connect time: many clients from one source */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#else
	(void)one;
#endif
	for (ai = res; ai; ai = ai->ai_next) {
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(res);
			return 0;
		}
	}
	e = errno;
	freeaddrinfo(res);
	return err_fmt(err, errlen, "bind %s: %s", src, strerror(e));
}

/*
 * Start a connect to ai and wait until deadline (-1: none).  Returns the
 * descriptor, or -1 with err filled and *timed_out set when the time ran
 * out.
 */
static int connect_one(const struct addrinfo *ai, const char *src,
		       int64_t deadline, const char *name, int *timed_out,
		       char *err, size_t errlen)
{
	struct pollfd pfd;
	socklen_t sl = sizeof(int);
	int fd, e = 0, r;

	fd = socket(ai->ai_family, SOCK_FLAGS, 0);
	if (fd < 0)
		return err_fmt(err, errlen, "cannot connect to '%s': %s", name,
			    strerror(errno));
	if (src && bind_src(fd, ai->ai_family, src, err, errlen) < 0)
		goto fail_fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto fail_errno;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			int wait = -1;

			if (deadline >= 0) {
				int64_t left = deadline - clock_ms();

				wait = left > 0 ? (int)left : 0;
			}
			r = poll(&pfd, 1, wait);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			e = errno;
			goto fail_errno;
		}
		if (r == 0) {
			*timed_out = 1;
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
			e = errno;
		if (e)
			goto fail_errno;
	}
	r = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof(r)) < 0 ||
	    net_nonblock(fd, 0) < 0) {
		e = errno;
		goto fail_errno;
	}
	return fd;
fail_errno:
	err_fmt(err, errlen, "cannot connect to '%s': %s", name, strerror(e));
fail_fd:
	close(fd);
	return -1;
}

int net_connect(const char *host, uint16_t port, const char *src,
		int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char name[300], ps[8];
	int64_t deadline = timeout_ms > 0 ? clock_ms() + timeout_ms : -1;
	int fd = -1, timed_out = 0;

	addr_fmt(host, port, name, sizeof(name));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%u", port);
	if (!host || !*host || getaddrinfo(host, ps, &hints, &res) != 0)
		return err_fmt(err, errlen, "cannot resolve '%s'",
			    host ? host : "");
	for (ai = res; ai && !timed_out; ai = ai->ai_next) {
		fd = connect_one(ai, src, deadline, name, &timed_out,
				 err, errlen);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0 && timed_out)
		return err_fmt(err, errlen, "connect to '%s' timed out after %d ms",
			    name, timeout_ms);
	return fd;
}
