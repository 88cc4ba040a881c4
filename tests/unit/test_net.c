/*
 * test_net.c - listening and connecting on loopback, on ports the kernel
 * picks, and the error messages people will read.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net.h"
#include "tests/unit/unit.h"

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int has_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, level, name, &v, &l) < 0)
		return -1;
	return v;
}

/* net_connect with a generous deadline; the message goes to err. */
static int conn(const char *host, int port, const char *src, char *err)
{
	return net_connect(host, port, src, 2000, err, 256);
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Connect to host:port and have listening socket lfd accept it. */
static int round_trip(int lfd, const char *host, int port, const char *src,
		      char *peer_ip, size_t len)
{
	char err[256];
	int c = net_connect(host, port, src, 2000, err, sizeof(err)), a;

	if (c < 0) {
		unit_fail(__FILE__, __LINE__, "%s", err);
		return -1;
	}
	net_nonblock(lfd, 0);
	a = accept(lfd, NULL, NULL);
	net_nonblock(lfd, 1);
	EXPECT(a >= 0);
	if (a >= 0) {
		net_peer_ip(a, peer_ip, len);
		close(a);
	}
	close(c);
	return a >= 0 ? 0 : -1;
}

static void listen_localhost(void)
{
	char err[256] = "", buf[64], want[64], ip[64];
	int fds[4], n = net_listen("localhost:0", fds, 4, 0, err, sizeof(err));
	int port = n > 0 ? net_local_port(fds[0]) : -1;

	EXPECTF(n == (has_ipv6_loopback() ? 2 : 1), "gave %d (%s)", n, err);
	if (n < 1)
		return;
	EXPECT(port > 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	EXPECTF(!strcmp(net_fmt_fd(fds[0], 0, buf, sizeof(buf)), want),
		"first socket on %s", buf);
	if (n == 2) {
		snprintf(want, sizeof(want), "[::1]:%d", port);
		EXPECTF(!strcmp(net_fmt_fd(fds[1], 0, buf, sizeof(buf)), want),
			"second socket on %s", buf);
		EXPECT(sockopt(fds[1], IPPROTO_IPV6, IPV6_V6ONLY) == 1);
		if (round_trip(fds[1], "::1", port, NULL, ip, sizeof(ip)) == 0)
			EXPECTF(!strcmp(ip, "::1"), "peer %s", ip);
	}
	for (int i = 0; i < n; i++) {
		EXPECT(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
		EXPECT(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		EXPECT(sockopt(fds[i], SOL_SOCKET, SO_REUSEADDR) == 1);
		EXPECT(sockopt(fds[i], SOL_SOCKET, SO_ACCEPTCONN) == 1);
	}
	if (round_trip(fds[0], "127.0.0.1", port, NULL, ip, sizeof(ip)) == 0)
		EXPECTF(!strcmp(ip, "127.0.0.1"), "peer %s", ip);
	close_all(fds, n);
}

/* A bare port: one socket for IPv4 and IPv6, or IPv4 alone. */
static void listen_any(void)
{
	static const char *const specs[] = { "0", ":0" };

	for (size_t i = 0; i < NELEM(specs); i++) {
		char err[256] = "", buf[64], ip[64];
		int fds[4], n = net_listen(specs[i], fds, 4, 16, err, sizeof(err));
		int port = n > 0 ? net_local_port(fds[0]) : -1;

		EXPECTF(n == 1, "'%s' gave %d (%s)", specs[i], n, err);
		if (n != 1)
			continue;
		net_fmt_fd(fds[0], 0, buf, sizeof(buf));
		if (has_ipv6_loopback()) {
			EXPECTF(!strncmp(buf, "[::]:", 5), "on %s", buf);
			EXPECT(sockopt(fds[0], IPPROTO_IPV6, IPV6_V6ONLY) == 0);
			if (round_trip(fds[0], "::1", port, NULL, ip,
				       sizeof(ip)) == 0)
				EXPECTF(!strcmp(ip, "::1"), "peer %s", ip);
		}
		/* IPv4 peers show as IPv4, not ::ffff:127.0.0.1 */
		if (round_trip(fds[0], "127.0.0.1", port, NULL, ip,
			       sizeof(ip)) == 0)
			EXPECTF(!strcmp(ip, "127.0.0.1"), "peer %s", ip);
		close_all(fds, n);
	}
}

static void listen_literal(void)
{
	char err[256] = "", buf[64];
	int fds[4], n = net_listen("127.0.0.1:0", fds, 4, 0, err, sizeof(err));

	EXPECTF(n == 1, "gave %d (%s)", n, err);
	close_all(fds, n);
	if (!has_ipv6_loopback())
		return;
	n = net_listen("[::1]:0", fds, 4, 0, err, sizeof(err));
	EXPECTF(n == 1 && !strncmp(net_fmt_fd(fds[0], 0, buf, sizeof(buf)),
				   "[::1]:", 6), "gave %d (%s)", n, err);
	close_all(fds, n > 0 ? n : 0);
	/* "[::]" means IPv6 only, as in nginx */
	n = net_listen("[::]:0", fds, 4, 0, err, sizeof(err));
	EXPECTF(n == 1 && sockopt(fds[0], IPPROTO_IPV6, IPV6_V6ONLY) == 1,
		"gave %d (%s)", n, err);
	close_all(fds, n > 0 ? n : 0);
}

static void listen_errors(void)
{
	char err[256] = "", want[256];
	int before = open_fds(), fds[4], more[4], n, port;

	n = net_listen("127.0.0.1:0", fds, 4, 0, err, sizeof(err));
	if (n != 1) {
		unit_fail(__FILE__, __LINE__, "listen: %s", err);
		return;
	}
	port = net_local_port(fds[0]);

	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	snprintf(want, sizeof(want), "bind 127.0.0.1:%d: Address already in use",
		 port);
	EXPECT(net_listen(spec, more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, want), "got '%s'", err);

	/* localhost: the IPv4 socket opened first is closed again */
	snprintf(spec, sizeof(spec), "localhost:%d", port);
	EXPECT(net_listen(spec, more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, want), "got '%s'", err);
	close(fds[0]);
	if (has_ipv6_loopback()) {
		n = net_listen("[::1]:0", fds, 4, 0, err, sizeof(err));
		port = n == 1 ? net_local_port(fds[0]) : 0;
		snprintf(spec, sizeof(spec), "localhost:%d", port);
		snprintf(want, sizeof(want),
			 "bind [::1]:%d: Address already in use", port);
		EXPECT(net_listen(spec, more, 4, 0, err, sizeof(err)) == -1);
		EXPECTF(!strcmp(err, want), "got '%s'", err);
		close_all(fds, n > 0 ? n : 0);
	}

	EXPECT(net_listen("nohost.invalid:0", more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "cannot resolve 'nohost.invalid'"), "got '%s'", err);
	EXPECT(net_listen("x:99999", more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "bad port in 'x:99999'"), "got '%s'", err);
	EXPECT(net_listen("localhost", more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "missing port in 'localhost'"), "got '%s'", err);
	EXPECT(net_listen("192.0.2.1:0", more, 4, 0, err, sizeof(err)) == -1);
	EXPECTF(!strcmp(err, "bind 192.0.2.1:0: Cannot assign requested address"),
		"got '%s'", err);
	EXPECTF(open_fds() == before, "%d descriptors left open",
		open_fds() - before);
}

/* maxfds bounds what is stored; the rest is never opened. */
static void listen_maxfds(void)
{
	char err[256];
	int before = open_fds(), fds[1];
	int n = net_listen("localhost:0", fds, 1, 0, err, sizeof(err));

	EXPECTF(n == 1, "gave %d (%s)", n, err);
	close_all(fds, n > 0 ? n : 0);
	EXPECT(net_listen("localhost:0", fds, 0, 0, err, sizeof(err)) == -1);
	EXPECT(open_fds() == before);
}

static void connect_ok(void)
{
	char err[256] = "", a[64], b[64], ip[64];
	int fds[4], n = net_listen("127.0.0.1:0", fds, 4, 0, err, sizeof(err));
	int port = n == 1 ? net_local_port(fds[0]) : 0, c, s;

	if (n != 1) {
		unit_fail(__FILE__, __LINE__, "listen: %s", err);
		return;
	}
	c = net_connect("localhost", port, NULL, 2000, err, sizeof(err));
	EXPECTF(c >= 0, "%s", err);
	if (c >= 0) {
		EXPECT(!(fcntl(c, F_GETFL) & O_NONBLOCK));
		EXPECT(fcntl(c, F_GETFD) & FD_CLOEXEC);
		EXPECT(sockopt(c, IPPROTO_TCP, TCP_NODELAY) == 1);
		net_nonblock(fds[0], 0);
		s = accept(fds[0], NULL, NULL);
		EXPECT(s >= 0);
		EXPECT(!strcmp(net_fmt_fd(c, 0, a, sizeof(a)),
			       net_fmt_fd(s, 1, b, sizeof(b))));
		EXPECT(!strcmp(net_fmt_fd(c, 1, a, sizeof(a)),
			       net_fmt_fd(s, 0, b, sizeof(b))));
		EXPECT(!strcmp(net_peer_ip(s, ip, sizeof(ip)), "127.0.0.1"));
		EXPECT(net_local_port(c) > 0 && net_local_port(c) != port);
		EXPECT(write(c, "x", 1) == 1 && read(s, a, 1) == 1 && a[0] == 'x');
		close(s);
		close(c);
	}
	/* a client that seems to come from elsewhere on loopback */
	if (round_trip(fds[0], "127.0.0.1", port, "127.2.0.1", ip, sizeof(ip)) == 0)
		EXPECTF(!strcmp(ip, "127.2.0.1"), "peer %s", ip);
	close(fds[0]);
}

static void connect_errors(void)
{
	char err[256] = "", want[128];
	int before = open_fds(), fd, port, lfd, c, filler = -1;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	/* bound but not listening: the kernel refuses */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	port = net_local_port(fd);
	EXPECT(conn("127.0.0.1", port, NULL, err) == -1);
	snprintf(want, sizeof(want),
		 "cannot connect to '127.0.0.1:%d': Connection refused", port);
	EXPECTF(!strcmp(err, want), "got '%s'", err);
	if (has_ipv6_loopback()) {
		EXPECT(conn("::1", port, NULL, err) == -1);
		snprintf(want, sizeof(want),
			 "cannot connect to '[::1]:%d': Connection refused", port);
		EXPECTF(!strcmp(err, want), "got '%s'", err);
	}
	close(fd);

	EXPECT(conn("nohost.invalid", 80, NULL, err) == -1);
	EXPECTF(!strcmp(err, "cannot resolve 'nohost.invalid'"), "got '%s'", err);
	EXPECT(conn("", 80, NULL, err) == -1);
	EXPECT(conn("127.0.0.1", 80, "not-an-ip", err) == -1);
	EXPECTF(!strcmp(err, "source 'not-an-ip' is not an ipv4 address"),
		"got '%s'", err);
	EXPECT(conn("127.0.0.1", 80, "192.0.2.1", err) == -1);
	EXPECTF(!strcmp(err, "bind 192.0.2.1: Cannot assign requested address"),
		"got '%s'", err);

	/*
	 * A full accept queue makes the kernel drop SYNs, so the next
	 * connect hangs: backlog 0 holds one connection.
	 */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	EXPECT(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	       listen(lfd, 0) == 0);
	port = net_local_port(lfd);
	snprintf(want, sizeof(want),
		 "connect to '127.0.0.1:%d' timed out after 200 ms", port);
	for (int i = 0; i < 4; i++) {
		c = net_connect("127.0.0.1", port, NULL, 200, err, sizeof(err));
		if (c < 0)
			break;
		if (filler >= 0)
			close(filler);
		filler = c;
	}
	EXPECTF(c == -1 && !strcmp(err, want), "got %d '%s'", c, err);
	if (filler >= 0)
		close(filler);
	close(lfd);
	EXPECTF(open_fds() == before, "%d descriptors left open",
		open_fds() - before);
}

static void fmt_sockaddr(void)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(8010) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(443) };
	struct sockaddr un = { .sa_family = AF_UNIX };
	char buf[64];

	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	EXPECT(!strcmp(net_fmt_sockaddr((struct sockaddr *)&s4, buf,
					sizeof(buf)), "127.0.0.1:8010"));
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	EXPECT(!strcmp(net_fmt_sockaddr((struct sockaddr *)&s6, buf,
					sizeof(buf)), "[::1]:443"));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &s6.sin6_addr);
	EXPECT(!strcmp(net_fmt_sockaddr((struct sockaddr *)&s6, buf,
					sizeof(buf)), "10.1.2.3:443"));
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	EXPECT(!strcmp(net_fmt_sockaddr((struct sockaddr *)&s6, buf,
					sizeof(buf)), "[2001:db8::1]:443"));
	EXPECT(!strcmp(net_fmt_sockaddr(&un, buf, sizeof(buf)), "?"));
	EXPECT(!strcmp(net_fmt_fd(-1, 1, buf, sizeof(buf)), "?"));
	EXPECT(!strcmp(net_peer_ip(-1, buf, sizeof(buf)), "?"));
	EXPECT(net_local_port(-1) == -1);
}

static void nonblock_and_clock(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int64_t t0 = clock_ms(), t1;

	EXPECT(net_nonblock(fd, 1) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	EXPECT(net_nonblock(fd, 0) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK));
	EXPECT(net_nonblock(-1, 1) == -1);
	close(fd);
	usleep(20000);
	t1 = clock_ms();
	EXPECTF(t0 > 0 && t1 - t0 >= 19, "%lld then %lld", (long long)t0,
		(long long)t1);
}

/*
 * A port for a server started later: below the ephemeral range, where no
 * outgoing connection can take it meanwhile, free, and never the same one
 * twice in a process, even when the last one was never used.
 */
static void free_port(void)
{
	int lo = 32768, seen[40], i, k, fds[4];
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	char spec[32], err[256];

	if (f) {
		EXPECT(fscanf(f, "%d", &lo) == 1);
		fclose(f);
	}
	for (i = 0; i < 40; i++) {
		seen[i] = net_free_port(0);
		EXPECTF(seen[i] > 0 && seen[i] < lo, "port %d (ephemeral from %d)",
			seen[i], lo);
		for (k = 0; k < i; k++)
			EXPECTF(seen[k] != seen[i], "port %d twice", seen[i]);
	}
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", seen[39]);
	k = net_listen(spec, fds, 4, 0, err, sizeof(err));
	EXPECTF(k == 1, "%s", err);
	for (i = 0; i < k; i++)
		close(fds[i]);
}

const struct unit_case net_cases[] = {
	{ "net.free-port", free_port },
	{ "net.listen-localhost", listen_localhost },
	{ "net.listen-any", listen_any },
	{ "net.listen-literal", listen_literal },
	{ "net.listen-errors", listen_errors },
	{ "net.listen-maxfds", listen_maxfds },
	{ "net.connect", connect_ok },
	{ "net.connect-errors", connect_errors },
	{ "net.fmt-sockaddr", fmt_sockaddr },
	{ "net.nonblock-and-clock", nonblock_and_clock },
	{ NULL, NULL },
};
