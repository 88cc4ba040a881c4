/*
 * net.h - sockets with errors a person can read.  Setup functions take an
 * error buffer and return -1 with it filled: "bind 127.0.0.1:8010: Address
 * already in use".
 */
#ifndef WSCTL_NET_H
#define WSCTL_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Open non-blocking listening sockets for spec ("127.0.0.1:8010",
 * "[::1]:8010", "localhost:8010", ":8010", "8010"), with SO_REUSEADDR.
 * A bare port listens on every address (one dual-stack socket, or
 * 0.0.0.0 without IPv6); localhost listens on both 127.0.0.1 and ::1 (or
 * 127.0.0.1 alone); "[::]" is IPv6 only, as in nginx; other names listen
 * on every address they resolve to.  Port 0 picks a free port (the same
 * one for every socket of the spec).  backlog 0 means 511.  Stores up to
 * maxfds descriptors in fds and returns how many, or -1 with err filled
 * (every socket it opened is closed again).
 */
int net_listen(const char *spec, int *fds, int maxfds, int backlog,
	       char *err, size_t errlen);

/*
 * Connect to host:port within timeout_ms (<= 0: no limit) in all, trying
 * each address the name resolves to.  src, when not NULL, is a numeric
 * local address to bind first ("127.2.0.1"), its port picked at connect
 * time.  Returns a connected, blocking descriptor with
 * TCP_NODELAY set, or -1 with err filled: "cannot connect to
 * '127.0.0.1:8010': Connection refused", "cannot resolve 'nohost'".
 */
int net_connect(const char *host, uint16_t port, const char *src,
		int timeout_ms, char *err, size_t errlen);

/*
 * Resolve host:port to its first TCP address, into *ss (*sslen set), for
 * code that connects many times and so resolves once.  Returns 0, or -1
 * with err filled: "cannot resolve 'nohost'".
 */
int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *sslen, char *err, size_t errlen);

/* Make fd non-blocking (on = 1) or blocking (on = 0).  Returns 0 or -1. */
int net_nonblock(int fd, int on);

/* The local port fd is bound to, or -1. */
int net_local_port(int fd);

/*
 * A port that is free on 127.0.0.1 (v6 0) or ::1 (v6 1) right now, for a
 * server started later: taken below the kernel's ephemeral range (where
 * outgoing connections do not take it in the meantime), never the same
 * twice in a process; the kernel's pick for port 0 when that fails.
 * Returns it, or -1 (no ::1).  Not thread-safe.
 */
int net_free_port(int v6);

/*
 * Format a socket address as "127.0.0.1:8010" or "[::1]:8010" (IPv4-mapped
 * IPv6 addresses are shown as IPv4).  Returns buf.
 */
char *net_fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len);

/* The same for the peer (peer = 1) or local (peer = 0) end of fd. */
char *net_fmt_fd(int fd, int peer, char *buf, size_t len);

/* The peer's address without the port ("127.0.0.1", "::1"). Returns buf. */
char *net_peer_ip(int fd, char *buf, size_t len);

#endif
