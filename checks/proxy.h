/*
 * proxy.h - one driver per proxy kind, as HAProxy's balancers sit behind
 * struct lb_ops: each reads its config into the model below (every fact
 * with its line), writes the sandboxed copy that runs here, says how to
 * start and reload it, and ties a failed check to its own directive.
 *
 * A copy keeps the user's lines where they were (a changed line is
 * rewritten in place, a removed one becomes a comment), so what the
 * proxy says about "COPY:N" is the user's "FILE:N"; a driver that has
 * to add lines before the user's says how many (proxy_box.shift).
 *
 * nginx's driver is the odd one: its model and sandbox are nginx_conf.h
 * and sandbox.h, which hold far more; here it gives detection and hints.
 */
#ifndef WSCTL_PROXY_H
#define WSCTL_PROXY_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "checks/backends.h"
#include "checks/check.h"
#include "checks/expect.h"
#include "common/addr.h"

#define PROXY_MAX_LISTEN	8
#define PROXY_MAX_FACTS		32
#define PROXY_MAX_LINES		20000
#define PROXY_MAX_NOTES		64

/* A directive the checks care about, where the config has it. */
struct proxy_fact {
	const char *key;	/* the driver's name for it: "forwardfor" */
	unsigned line;
	char text[200];		/* the line as written, trimmed */
};

struct proxy_listen {
	char host[256];		/* as written; "" for every address */
	unsigned port;
	int tls;
	unsigned line;
	char name[256];		/* the server name it serves, or "" */
};

struct proxy_model {
	const struct proxy_driver *drv;
	const char *file;		/* the user's path */
	char *text;			/* the file, owned; lines point in */
	char *line[PROXY_MAX_LINES + 1];	/* line[1..nlines], NUL-ended */
	unsigned nlines;
	struct proxy_listen listen[PROXY_MAX_LISTEN];
	int nlisten;
	char path[256];			/* the path that reaches the backends */
	struct {
		char addr[300];		/* as written: "app1:3000" */
		int weight;
		int backup;
		unsigned line;
	} b[BACKENDS_MAX];
	int nb;
	enum balance balance;
	unsigned balance_line;
	int64_t timeout_ms;		/* the tunnel's idle timeout; 0 unknown */
	unsigned timeout_line;		/* 0: the proxy's default */
	char section[200];		/* the block the proxying lives in */
	unsigned section_line;
	struct proxy_fact fact[PROXY_MAX_FACTS];
	int nfacts;
};

/* The sandbox of one run: a folder under $TMPDIR and what is in it. */
struct proxy_box {
	char prefix[256];		/* $TMPDIR/wsctl-KIND-XXXXXX */
	char conf[300];			/* the copy */
	char cert[300], key[300];	/* made here when a listen has TLS */
	char ca[300];			/* what the checker trusts, or "" */
	unsigned shift;			/* lines the copy has before the
					   user's first */
	unsigned shift_after;		/* ... from the user's line this */
	struct hostport listen[PROXY_MAX_LISTEN];	/* where each went */
	struct hostport backend[BACKENDS_MAX];		/* the stand-ins */
	unsigned admin_port;		/* a control port of its own, or 0 */
	char reload_cmd[1024];		/* how to reload it, or "" */
	char url[600];			/* the target, as production's */
	char connect[300];		/* where the copy listens for it */
	pid_t pid;
	struct {			/* what the copy changed, for the
					   report: line 0 the whole */
		unsigned line;
		char text[300];
	} note[PROXY_MAX_NOTES];
	int nnotes;
};

struct proxy_driver {
	const char *kind;		/* "haproxy" */
	const char *program;		/* "haproxy" */
	const char *server;		/* how its Server header starts, or
					   NULL (HAProxy sends none) */
	/* how much text looks like this kind's config: 0 not at all */
	int (*detect)(const char *text);
	/* fill m from m->line[]; -1 with err ("FILE:N: why") */
	int (*read)(struct proxy_model *m, char *err, size_t errlen);
	/* write the copy of m into b->conf; b's ports are chosen */
	int (*write)(const struct proxy_model *m, struct proxy_box *b,
		     char *err, size_t errlen);
	/* the command that runs the copy in the foreground, into argv */
	void (*argv)(const struct proxy_box *b, const char **argv);
	int reload_sig;			/* sent to pid; 0: b->reload_cmd */
	/* this proxy's words for what fixes a failed check, or NULL */
	const char *(*hint)(const char *id);
	/* the line of m that a failure of id comes from, into ref */
	void (*blame)(const struct proxy_model *m, const char *id,
		      struct check_ref *ref);
	/* once it accepts: whether it is ready to serve (Caddy: its
	   certificates made); NULL when accepting is enough */
	int (*ready)(const struct proxy_model *m, const struct proxy_box *b);
};

extern const struct proxy_driver proxy_nginx, proxy_haproxy, proxy_caddy,
	proxy_apache;

/* The driver of kind ("haproxy", ...), or NULL. */
const struct proxy_driver *proxy_find(const char *kind);

/* The driver whose Server header server is ("Apache/2.4.62"), or NULL. */
const struct proxy_driver *proxy_by_server(const char *server);

/*
 * Read file into m (zeroed by the caller) with drv, or with the driver
 * whose syntax it is when drv is NULL.  Returns 0, or -1 with err: one
 * line, "FILE:N: why", or "cannot tell which proxy FILE is for; say
 * --proxy KIND".
 */
int proxy_load(struct proxy_model *m, const char *file,
	       const struct proxy_driver *drv, char *err, size_t errlen);

/*
 * proxy_load's work past reading the file: m->file named and m->text
 * (malloc'd, NUL-ended, m's to free) set by the caller.  The same
 * returns and errors.
 */
int proxy_parse(struct proxy_model *m, const struct proxy_driver *drv,
		char *err, size_t errlen);

void proxy_model_free(struct proxy_model *m);

/* The fact named key, or NULL. */
const struct proxy_fact *proxy_fact(const struct proxy_model *m,
				    const char *key);

/* Record fact key at line n of m (its text the line's). */
void proxy_fact_add(struct proxy_model *m, const char *key, unsigned n);

/*
 * Make b's folder, free loopback ports for every listen and backend
 * (b->connect the first listen's), a certificate when a listen has TLS,
 * and the copy (the driver's write).  Returns 0, or -1 with err filled
 * and the folder removed.
 */
int proxy_box_make(const struct proxy_model *m, struct proxy_box *b,
		   char *err, size_t errlen);

/*
 * New free ports for b's stand-in backends, and the copy written again
 * to use them: for a stand-in that lost its port to someone else's bind
 * before it could listen, before the copy runs.  Returns 0, or -1 with
 * err.
 */
int proxy_box_new_backends(const struct proxy_model *m, struct proxy_box *b,
			   char *err, size_t errlen);

/* Remove b's folder.  A zeroed b is fine. */
void proxy_box_free(struct proxy_box *b);

/*
 * Run the copy and wait until it accepts on its first listen, or exits.
 * A copy that exits because one of its ports was taken since it was
 * picked (someone else's bind won the race) is written again on new
 * ports and run again, up to 3 times: b->listen and b->connect change.
 * Returns 0, or -1 with err: the proxy's own first complaint with the
 * copy's path and line made the user's ("haproxy did not start: FILE:12:
 * unknown keyword 'x'"), or "cannot run 'haproxy'".
 */
int proxy_start(const struct proxy_model *m, struct proxy_box *b, char *err,
		size_t errlen);

/* Stop what proxy_start started (SIGTERM, then SIGKILL), and reap it. */
void proxy_stop(struct proxy_box *b);

/*
 * Fill res->ref for a failure of id (one without a cause): the driver's
 * blame, or else its hint alone.  Nothing for a pass.
 */
void proxy_blame(const struct proxy_model *m, const char *id,
		 struct check_result *res);

/*
 * For a URL run: the hint of the proxy whose Server header server is,
 * into res->ref.fix (no line), for failures without a cause.
 */
void proxy_hint(const char *server, const char *id, struct check_result *res);

/* ---- for the drivers --------------------------------------------- */

#define PROXY_MAX_ARGS 32

/* A line's words, up to a comment (a word that starts with '#'). */
struct proxy_args {
	char buf[1024];
	char *v[PROXY_MAX_ARGS];
	int n;
};

/* Split line into a's words (a owns the copy). */
void proxy_split(const char *line, struct proxy_args *a);

/* The line without its leading blanks, and its first word into w. */
const char *proxy_word(const char *line, char *w, size_t wlen);

/* Cut s at a comment ('#' after a space) and the blanks before it. */
void proxy_strip_comment(char *s);

/*
 * Write line n of m to f as it is, or commented out with why when
 * drop ("# wsctl: left out (why): LINE", and a note in b).
 */
void proxy_copy_line(FILE *f, const struct proxy_model *m,
		     struct proxy_box *b, unsigned n, int drop,
		     const char *why);

/* Note in b what the copy changed at line n of the user's (0: none). */
void proxy_note(struct proxy_box *b, unsigned n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "host:port" of the stand-in for the backend addr as written, or NULL. */
const struct hostport *proxy_stand_in(const struct proxy_model *m,
				      const struct proxy_box *b,
				      const char *addr);

/* A driver's table row: for check id, the fact to blame (key), what to
   say when the config lacks it (missing; NULL: blame only the fact),
   and the fix in the proxy's words. */
struct proxy_rule {
	const char *id, *key, *missing, *fix;
};

/* The fix of id in rules (ended by a zeroed row), or NULL. */
const char *proxy_rule_fix(const struct proxy_rule *rules, const char *id);

/* Fill ref for id from rules: its fact's line, or the section's with
   what is missing. */
void proxy_rule_blame(const struct proxy_model *m,
		      const struct proxy_rule *rules, const char *id,
		      struct check_ref *ref);

/* Fill ref from the fact key when m has it, else from the section. */
void proxy_ref(const struct proxy_model *m, const char *key,
	       const char *missing, const char *fix, struct check_ref *ref);

#endif
