/*
 * sandbox_priv.h - what the sandbox's files share: the walk over the
 * directive tree (sandbox.c writes, sandbox_scan.c finds the addresses,
 * sandbox_rules.c changes directives) and its helpers.
 */
#ifndef WSCTL_SANDBOX_PRIV_H
#define WSCTL_SANDBOX_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "checks/sandbox.h"

#define MAX_ARGS	64
#define MAX_NAMES	100

enum ctx {
	C_MAIN = 1 << 0, C_EVENTS = 1 << 1, C_HTTP = 1 << 2,
	C_SERVER = 1 << 3, C_LOCATION = 1 << 4, C_UPSTREAM = 1 << 5,
	C_OTHER = 1 << 6,
};
#define C_ANY_HTTP (C_HTTP | C_SERVER | C_LOCATION)

struct walk {
	struct sandbox *sb;
	const struct nginx_conf *c;
	const struct nginx_dir *const *sets;	/* every "set" directive */
	size_t nsets;
	const char *names[MAX_NAMES];		/* server names, for the cert */
	size_t nnames;
	int ssl_on;			/* the server being written says so */
	int http_ssl_on;		/* so does the http block */
	int tls;			/* some listen is TLS: make a cert */
	unsigned temp;			/* numbering of moved paths */
	int certs, keys;		/* per block: the first one only */
	int64_t shortest;		/* the config's shortest timeout */
	char *err;
	size_t errlen;
	int failed;
};

struct pass_url {
	int https;
	const char *auth;	/* after "://" */
	size_t auth_len;	/* up to the first '/' */
};

/* ---- sandbox.c ----------------------------------------------------- */

/* A change for the report: "listen 80 -> 127.0.0.1:41234". */
void sb_note(struct walk *k, const struct nginx_pos *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A rewritten word, in the sandbox's own pool (the conf is read-only);
   "" and k->failed when the pool is full. */
const char *sb_keep(struct walk *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write d with words args[0..n) instead of its own. */
void sb_emit(struct walk *k, const struct nginx_dir *d,
	     const char *const *args, size_t n);

/* d's words (MAX_ARGS at most) into args, for a rule to change some. */
size_t sb_copy_args(const struct nginx_dir *d, const char **args);

/* ---- sandbox_scan.c: the first pass -------------------------------- */

/* Find every address to move, server name, "set" and timeout under d;
   sets[] gets the "set" directives.  Returns 0, or -1 (k->err). */
int sb_scan(struct walk *k, const struct nginx_dir *d,
	    const struct nginx_dir **sets, size_t *nsets, size_t max);

/* Then every proxy_pass, with the "set" values known. */
void sb_scan_passes(struct walk *k, const struct nginx_dir *d);

/* "host:port" of addr (port dflt when none), host in lower case. */
int sb_host_key(const char *addr, int dflt, char *out, size_t len);

/* Where a moved upstream address points in the copy: its stand-in, or a
   socket nobody listens on. */
const char *sb_host_to(struct walk *k, const struct sandbox_host *h);

/* Split a proxy_pass URL; -1 when it is not http:// or https://. */
int sb_split_url(const char *u, struct pass_url *p);

/* Evaluate proxy_pass url with the "set" values into ev and split it:
   1 for an address, 0 for an upstream block's name, -1 unknown here. */
int sb_pass_target(const struct walk *k, const char *url, char *ev,
		   size_t evlen, struct pass_url *p);

/* ---- sandbox_rules.c: the second pass's changes -------------------- */

/* Apply the rule for d in context ctx.  Returns 0 when it wrote (or left
   out) d, -1 when d is to be written as it is. */
int sb_rule(struct walk *k, const struct nginx_dir *d, unsigned ctx);

/* The port a listen address moves to (the same for the same address). */
const struct sandbox_port *sb_add_port(struct walk *k,
				       const struct hostport *from,
				       const char *unix_path);

/* Write a listen for p with d's flags (d NULL: for nginx's *:80). */
void sb_write_listen(struct walk *k, const struct nginx_dir *d,
		     const struct sandbox_port *p, const char *was);

#endif
