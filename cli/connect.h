/*
 * connect.h - what the pieces of `wsctl connect` share: its configuration,
 * the session that runs once the handshake is done, and the small line
 * editor used on a terminal.
 */
#ifndef WSCTL_CONNECT_H
#define WSCTL_CONNECT_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "common/wsc.h"

struct connect_config {
	const char *url;
	const char **headers;		/* "Name: value" */
	size_t nheaders;
	const char **protocols;
	size_t nprotocols;
	const char *origin;
	const char *source;
	const char *ca_file;
	const char *cert_file;		/* --cert, --key, --passphrase */
	const char *key_file;
	const char *passphrase;
	int insecure;
	const char **execute;		/* -x messages, in order */
	size_t nexecute;
	int64_t wait_ms;		/* -w; -1 when not given */
	int binary;
	int64_t ping_ms;		/* --ping-interval; 0 for none */
	int show_handshake;
	int show_ping_pong;		/* -P: print pings and pongs */
	int no_color;			/* --no-color */
	int64_t timeout_ms;
	const char *listen;		/* -l: [ADDR:]PORT, or NULL */
	char listen_buf[300];		/* a bare port on 127.0.0.1 */
	char url_buf[2048];		/* the URL with ws:// put in front */
	char auth[600];			/* --auth's header line */
	char host[300];			/* --host's */
};

/*
 * Run a session on the open connection c until it ends: interactive (a
 * prompt on the terminal) or not (stdin lines in, messages out).  Frees
 * nothing.  Returns the exit status.
 */
int connect_session(const struct connect_config *cfg, struct wsc *c,
		    int interactive);

/*
 * -l: listen on cfg->listen and run the session with each client that
 * connects, one at a time: on a terminal until CTRL+C, else with one.
 * Returns the exit status.
 */
int connect_listen(const struct connect_config *cfg, int interactive);

#define TERM_HISTORY 100		/* lines Up and Down go through */

/* The line being typed at a "> " prompt, in non-canonical mode. */
struct term {
	int raw;			/* 1 while the terminal is ours */
	int color;			/* wscat's colours: what arrives in
					   blue, the connection's news green */
	struct termios saved;
	char *line;
	size_t len, cap;
	int esc;			/* inside an escape sequence: 1 or 2 */
	char *hist[TERM_HISTORY];	/* lines sent, oldest first */
	int nhist;
	int hpos;			/* the one shown; nhist: the draft */
	char *draft;			/* what was typed before Up */
};

/* Take the terminal on fd 0 (no echo, no line buffering). */
void term_start(struct term *t);

/* Erase the prompt and give the terminal back as it was. */
void term_stop(struct term *t);

/*
 * CTRL+Z: give the terminal back as it was and stop the process, as a
 * shell expects; once continued, take the terminal again and redraw the
 * prompt with the half-typed line.
 */
void term_suspend(struct term *t);

/*
 * Edit the line with the keys in buf[0..n).  Calls on_line(arg, line, len)
 * for each line ended with Enter.  Returns 1 when CTRL+D was typed on an
 * empty line (the end of input), else 0.  on_line returns non-zero to
 * stop reading the rest of buf.
 */
int term_feed(struct term *t, const char *buf, size_t n,
	      int (*on_line)(void *arg, const char *line, size_t len),
	      void *arg);

/* Print prefix and s[0..len) on a line of their own above the prompt;
   with t->color, in blue when prefix is "< " (what arrived), else green. */
void term_print(struct term *t, const char *prefix, const char *s,
		size_t len);

/* Erase the prompt line, so an error can be printed on stderr. */
void term_clear(struct term *t);

/* Draw "> " and the line being typed. */
void term_prompt(struct term *t);

#endif
