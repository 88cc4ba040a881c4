/*
 * connect_session.c - `wsctl connect` once the handshake is done: one
 * poll() loop over stdin, the socket and a few deadlines.
 *
 * Without a terminal the session is a filter: stdin lines become messages,
 * messages become stdout lines, and nothing else is written to stdout.
 * It ends when input has ended and every message sent has had a reply (or
 * --wait has passed), and closes with 1000.  On a terminal the same rules
 * hold; the prompt and what arrives are drawn by connect_term.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "cli/cli.h"
#include "cli/connect.h"
#include "common/net.h"
#include "common/units.h"

#define CMD "connect"
#define READ_CHUNK (64 * 1024)
#define INTERRUPT_CLOSE_MS 2000	/* CTRL+C: how long the close may take */
#define SHOW_BINARY 16		/* bytes of a binary message shown */

static volatile sig_atomic_t interrupted, suspended;

struct session {
	const struct connect_config *cfg;
	struct wsc *c;
	int interactive;
	struct term term;
	int input_open;		/* stdin is still read */
	int64_t input_end;	/* when input ended, -1 before */
	char *in;		/* a partial line, or stdin (--binary) */
	size_t in_len, in_cap;
	long lineno;
	long sent;		/* data messages sent */
	long owed;		/* replies still awaited */
	long pongs_owed;	/* /ping commands not yet answered */
	int64_t last_io;	/* last message sent or received */
	int64_t next_ping;	/* --ping-interval, 0 for none */
	int ping_out;		/* that ping's pong has not come */
	int we_closed;		/* we sent the first close */
	int quiet_close;	/* no complaint if it goes unanswered */
	int64_t close_by;	/* the server's close is due by then */
	int done;
	int rc;
	char err[512];
};

static void on_signal(int sig)
{
	if (sig == SIGTSTP)
		suspended = 1;
	else
		interrupted = 1;
}

/* Report an error on stderr, below the prompt's line; the first sticks. */
static void fail(struct session *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct session *s, int rc, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->interactive)
		term_clear(&s->term);
	cli_err(CMD, "%s", msg);
	if (s->interactive && !s->done)
		term_prompt(&s->term);
	if (!s->rc)
		s->rc = rc;
}

static void start_close(struct session *s, unsigned code, const char *reason,
			int64_t wait_ms)
{
	if (s->c->close_sent)
		return;
	s->input_open = 0;
	if (wsc_send_close(s->c, code, reason, s->err, sizeof(s->err))) {
		fail(s, EXIT_FAIL, "%s", s->err);
		s->done = 1;
		return;
	}
	s->we_closed = 1;
	s->close_by = clock_ms() + wait_ms;
}

static void drain(struct session *s);

/*
 * A send failed: the reason may be waiting in the socket (a close from
 * the server, then its TCP end), which says more than "Broken pipe".
 */
static void send_failed(struct session *s)
{
	char why[sizeof(s->err)];

	memcpy(why, s->err, sizeof(why));
	drain(s);
	if (!s->done)
		fail(s, EXIT_FAIL, "%s", why);
	s->done = 1;
}

static void send_data(struct session *s, unsigned opcode, const char *data,
		      size_t len)
{
	if (wsc_send(s->c, opcode, data, len, s->err, sizeof(s->err))) {
		send_failed(s);
		return;
	}
	s->sent++;
	s->owed++;
	s->last_io = clock_ms();
}

/*
 * A mistake in the input: on a terminal it is shown and the line dropped;
 * in a script it ends the run with the usage status, after a clean close.
 */
static void input_error(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void input_error(struct session *s, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->interactive) {
		term_clear(&s->term);
		cli_err(CMD, "%s", msg);
		return;
	}
	fail(s, EXIT_USAGE, "line %ld: %s", s->lineno, msg);
	start_close(s, WS_CLOSE_NORMAL, "", s->cfg->timeout_ms);
}

static void cmd_close(struct session *s, const char *arg, size_t len)
{
	unsigned code = WS_CLOSE_NORMAL;
	const char *reason = "";
	char buf[130];
	size_t i = 0;

	if (len >= sizeof(buf))
		return input_error(s, "close reason over 123 bytes");
	memcpy(buf, arg, len);
	buf[len] = '\0';
	if (len) {
		for (code = 0; i < len && buf[i] >= '0' && buf[i] <= '9' &&
		     code < 10000; i++)
			code = code * 10 + (unsigned)(buf[i] - '0');
		if (i == 0 || (i < len && buf[i] != ' ') ||
		    !ws_close_code_valid(code))
			return input_error(s, "bad close code '%.*s': want "
					   "1000-1003, 1007-1014 or "
					   "3000-4999", (int)strcspn(buf, " "),
					   buf);
		reason = i < len ? buf + i + 1 : "";
		if (strlen(reason) > 123)
			return input_error(s, "close reason over 123 bytes");
	}
	start_close(s, code, reason, s->cfg->timeout_ms);
}

/* A line that starts with one slash. */
static void command(struct session *s, const char *cmd, size_t len)
{
	size_t name = 0;
	const char *arg;
	size_t alen;

	while (name < len && cmd[name] != ' ')
		name++;
	arg = name < len ? cmd + name + 1 : cmd + len;
	alen = name < len ? len - name - 1 : 0;
	if (name == 4 && !memcmp(cmd, "ping", 4)) {
		if (alen > 125)
			return input_error(s, "ping data over 125 bytes");
		if (wsc_send(s->c, WS_PING, arg, alen, s->err,
			     sizeof(s->err))) {
			send_failed(s);
			return;
		}
		s->pongs_owed++;
		s->last_io = clock_ms();
	} else if (name == 5 && !memcmp(cmd, "close", 5)) {
		cmd_close(s, arg, alen);
	} else {
		input_error(s, "unknown command '/%.*s' (write '//%.*s' to "
			    "send it as text)", (int)name, cmd, (int)name, cmd);
	}
}

/* One line of input, without its newline.  Returns 1 to stop reading. */
static int on_line(void *arg, const char *line, size_t len)
{
	struct session *s = arg;
	unsigned op = s->cfg->binary ? WS_BINARY : WS_TEXT;

	if (s->done || s->c->close_sent)
		return 1;
	s->lineno++;
	if (s->interactive && !len)
		return 0;
	if (len && line[0] == '/') {
		if (len < 2 || line[1] != '/') {
			command(s, line + 1, len - 1);
			return s->done || s->c->close_sent;
		}
		line++;		/* "//x" sends "/x" */
		len--;
	}
	if (op == WS_TEXT && utf8_validate(UTF8_ACCEPT, (const uint8_t *)line,
					   len) != UTF8_ACCEPT)
		input_error(s, "not valid UTF-8 (--binary sends bytes)");
	else
		send_data(s, op, line, len);
	return s->done || s->c->close_sent;
}

static void end_input(struct session *s)
{
	if (!s->input_open)
		return;
	if (s->cfg->binary && !s->interactive) {
		if (s->in_len)
			send_data(s, WS_BINARY, s->in, s->in_len);
	} else if (s->in_len) {
		on_line(s, s->in, s->in_len);	/* no newline at the end */
	}
	s->in_len = 0;
	s->input_open = 0;
	s->input_end = clock_ms();
}

static int keep(struct session *s, const char *p, size_t n)
{
	char *q;
	size_t cap;

	if (s->in_len + n > s->in_cap) {
		cap = s->in_cap ? s->in_cap : READ_CHUNK;
		while (cap < s->in_len + n)
			cap *= 2;
		if (!(q = realloc(s->in, cap)))
			return -1;
		s->in = q;
		s->in_cap = cap;
	}
	memcpy(s->in + s->in_len, p, n);
	s->in_len += n;
	return 0;
}

/* Split what was read into lines; keep the unfinished one. */
static void take_lines(struct session *s, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *nl;

	while (p < end && !s->done && s->input_open) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (keep(s, p, (size_t)(end - p)) < 0)
				fail(s, EXIT_FAIL, "out of memory");
			return;
		}
		if (s->in_len) {
			if (keep(s, p, (size_t)(nl - p)) < 0) {
				fail(s, EXIT_FAIL, "out of memory");
				return;
			}
			on_line(s, s->in, s->in_len);
			s->in_len = 0;
		} else {
			on_line(s, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
}

static void read_input(struct session *s)
{
	char buf[READ_CHUNK];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		end_input(s);
		return;
	}
	if (s->interactive) {
		if (term_feed(&s->term, buf, (size_t)n, on_line, s))
			end_input(s);
	} else if (s->cfg->binary) {
		if (keep(s, buf, (size_t)n) < 0) {
			fail(s, EXIT_FAIL, "out of memory");
			s->done = 1;
		}
	} else {
		take_lines(s, buf, (size_t)n);
	}
}

static void show(struct session *s, const struct wsc_msg *m)
{
	char line[16 + 4 * SHOW_BINARY + 40];
	size_t i, n = 0;

	if (!s->interactive) {
		fwrite(m->data, 1, m->len, stdout);
		if (!s->cfg->binary)
			putchar('\n');
		if (fflush(stdout) == EOF) {
			fail(s, EXIT_FAIL, "cannot write to stdout: %s",
			     strerror(errno));
			start_close(s, WS_CLOSE_NORMAL, "", s->cfg->timeout_ms);
		}
		return;
	}
	if (m->opcode == WS_TEXT) {
		term_print(&s->term, "< ", (const char *)m->data, m->len);
		return;
	}
	n = (size_t)snprintf(line, sizeof(line), "binary, %zu bytes:", m->len);
	for (i = 0; i < m->len && i < SHOW_BINARY; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %02x",
				      m->data[i]);
	if (m->len > SHOW_BINARY)
		snprintf(line + n, sizeof(line) - n, " ...");
	term_print(&s->term, "< ", line, strlen(line));
}

static void on_close(struct session *s, const struct wsc_msg *m)
{
	unsigned code = m->close_code;
	char line[200];

	s->done = 1;
	if (s->we_closed || code == WS_CLOSE_NORMAL ||
	    code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS) {
		if (s->interactive) {
			snprintf(line, sizeof(line),
				 "disconnected with code %u (%s)%s%.*s",
				 code, wsc_close_name(code),
				 m->reason_len ? ": " : "",
				 (int)m->reason_len, m->reason);
			term_print(&s->term, "", line, strlen(line));
		}
		return;
	}
	fail(s, EXIT_FAIL,
	     "server closed the connection with code %u (%s)%s%.*s",
	     code, wsc_close_name(code), m->reason_len ? ": " : "",
	     (int)m->reason_len, m->reason);
}

/* "< ping: DATA" on the terminal, or on stderr (stdout is the
   messages') when not interactive. */
static void control_line(struct session *s, const char *what,
			 const struct wsc_msg *m)
{
	char head[16];

	snprintf(head, sizeof(head), m->len ? "< %s: " : "< %s", what);
	if (s->interactive)
		term_print(&s->term, head, (const char *)m->data, m->len);
	else
		fprintf(stderr, "%s%.*s\n", head, (int)m->len,
			(const char *)m->data);
}

static void on_message(struct session *s, const struct wsc_msg *m)
{
	switch (m->opcode) {
	case WS_TEXT:
	case WS_BINARY:
		show(s, m);
		if (s->owed)
			s->owed--;
		s->last_io = clock_ms();
		break;
	case WS_PING:
		/* answered already (WSC_AUTO_PONG); -P shows it */
		if (s->cfg->show_ping_pong)
			control_line(s, "ping", m);
		break;
	case WS_PONG:
		s->ping_out = 0;
		if (!s->pongs_owed) {
			if (s->cfg->show_ping_pong)
				control_line(s, "pong", m);
			break;
		}
		s->pongs_owed--;
		s->last_io = clock_ms();
		if (s->interactive || s->cfg->show_ping_pong)
			control_line(s, "pong", m);
		break;
	case WS_CLOSE:
		on_close(s, m);
		break;
	}
}

/* Everything the socket has now. */
static void drain(struct session *s)
{
	struct wsc_msg m;
	int rc;

	while (!s->done) {
		rc = wsc_recv(s->c, &m, 0, s->err, sizeof(s->err));
		if (rc == WSC_ERR_TIMEOUT)
			return;
		if (rc == WSC_OK) {
			on_message(s, &m);
			continue;
		}
		s->done = 1;
		if (rc == WSC_ERR_EOF && (s->c->close_received || s->we_closed))
			return;
		if (rc == WSC_ERR_EOF)
			fail(s, EXIT_FAIL, "connection closed without a close "
			     "frame (1006 abnormal closure)");
		else if (rc == WSC_ERR_PROTO)
			fail(s, EXIT_FAIL, "protocol error from the server: %s",
			     s->err);
		else
			fail(s, EXIT_FAIL, "%s", s->err);
	}
}

static char *dur(int64_t ms, char *buf, size_t len)
{
	return units_fmt_duration(ms, buf, len);
}

/* Act on deadlines that passed; returns the ms until the next one. */
static int timers(struct session *s)
{
	const struct connect_config *cfg = s->cfg;
	int64_t now = clock_ms(), next = -1, at;
	char d[32];

#define SOON(t) do { if (next < 0 || (t) < next) next = (t); } while (0)
	if (s->c->close_sent) {
		if (now < s->close_by) {
			SOON(s->close_by);
		} else {
			if (!s->quiet_close)
				fail(s, EXIT_FAIL, "no close frame from the "
				     "server within %s",
				     dur(cfg->timeout_ms, d, sizeof(d)));
			s->done = 1;
		}
	} else if (!s->input_open) {
		if (cfg->wait_ms >= 0) {
			at = s->input_end + cfg->wait_ms;
			if (now >= at)
				start_close(s, WS_CLOSE_NORMAL, "",
					    cfg->timeout_ms);
			else
				SOON(at);
		} else if (!s->owed && !s->pongs_owed) {
			start_close(s, WS_CLOSE_NORMAL, "", cfg->timeout_ms);
		} else if (now >= (at = s->last_io + cfg->timeout_ms)) {
			if (s->owed)
				fail(s, EXIT_FAIL, "no reply to %ld of %ld "
				     "messages within %s (--wait sets a fixed "
				     "wait)", s->owed, s->sent,
				     dur(cfg->timeout_ms, d, sizeof(d)));
			else
				fail(s, EXIT_FAIL, "no pong within %s",
				     dur(cfg->timeout_ms, d, sizeof(d)));
			start_close(s, WS_CLOSE_NORMAL, "", cfg->timeout_ms);
		} else {
			SOON(at);
		}
		if (s->c->close_sent)
			SOON(s->close_by);
	}
	if (s->next_ping && !s->done && !s->c->close_sent) {
		if (now >= s->next_ping) {
			if (s->ping_out) {
				fail(s, EXIT_FAIL, "no pong within %s "
				     "(--ping-interval)",
				     dur(cfg->ping_ms, d, sizeof(d)));
				s->done = 1;
			} else if (wsc_send(s->c, WS_PING, "", 0, s->err,
					    sizeof(s->err))) {
				fail(s, EXIT_FAIL, "%s", s->err);
				s->done = 1;
			}
			s->ping_out = 1;
			s->next_ping = now + cfg->ping_ms;
		}
		SOON(s->next_ping);
	}
#undef SOON
	if (next < 0)
		return -1;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

/* With a prompt, CTRL+Z (SIGTSTP) is caught too, to give the terminal
 * back before stopping (term_suspend). */
static void signals(void (*fn)(int), int interactive)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (interactive)
		sigaction(SIGTSTP, &sa, NULL);
}

static void start(struct session *s)
{
	const struct connect_config *cfg = s->cfg;
	unsigned op = cfg->binary ? WS_BINARY : WS_TEXT;
	size_t i;

	s->input_end = -1;
	s->last_io = clock_ms();
	if (cfg->ping_ms)
		s->next_ping = s->last_io + cfg->ping_ms;
	if (s->interactive) {
		term_start(&s->term);
		s->term.color = !s->cfg->no_color && cli_color(-1);
		printf("%sconnected (press CTRL+C to quit)%s\n",
		       s->term.color ? "\033[32m" : "",
		       s->term.color ? "\033[0m" : "");
		fflush(stdout);
		term_prompt(&s->term);
	}
	for (i = 0; i < cfg->nexecute && !s->done; i++)
		send_data(s, op, cfg->execute[i], strlen(cfg->execute[i]));
	if (cfg->nexecute) {
		s->input_end = clock_ms();
		return;
	}
	s->input_open = 1;
}

int connect_session(const struct connect_config *cfg, struct wsc *c,
		    int interactive)
{
	struct session s = { .cfg = cfg, .c = c, .interactive = interactive };
	struct pollfd p[2];
	int timeout, n;

	interrupted = suspended = 0;
	signals(on_signal, interactive);
	start(&s);
	while (!s.done) {
		if (suspended) {
			suspended = 0;
			term_suspend(&s.term);
		}
		if (interrupted) {
			interrupted = 0;
			if (s.c->close_sent)
				break;	/* a second CTRL+C: do not wait */
			s.quiet_close = 1;
			start_close(&s, WS_CLOSE_NORMAL, "",
				    INTERRUPT_CLOSE_MS);
		}
		if (wsc_pending(c)) {
			drain(&s);
			continue;
		}
		timeout = timers(&s);
		if (s.done)
			break;
		p[0] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		n = poll(p, s.input_open ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR) {
			fail(&s, EXIT_FAIL, "poll: %s", strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (p[0].revents)
			drain(&s);
		if (!s.done && s.input_open && p[1].revents)
			read_input(&s);
	}
	/* the server ends TCP after the closing handshake: let it */
	if (c->close_sent && c->close_received)
		wsc_close(c, 0, NULL, 1000, NULL, 0);
	if (interactive)
		term_stop(&s.term);
	signals(SIG_DFL, interactive);
	free(s.in);
	return s.rc;
}
