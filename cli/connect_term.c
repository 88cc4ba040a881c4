/*
 * connect_term.c - the prompt of `wsctl connect` on a terminal.  The
 * terminal is put out of canonical mode so that the line being typed is
 * ours: a message that arrives is printed above it and the line is drawn
 * again, as wscat does with readline.  The editing is minimal: Backspace,
 * CTRL+U, CTRL+W, CTRL+L, Enter and CTRL+D; escape sequences (arrows) are
 * ignored.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/connect.h"

#define PROMPT "> "
#define ERASE "\r\033[K"

static void out(const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

/* Put the terminal in the mode the prompt wants, from t->saved. */
static void take(struct term *t)
{
	struct termios raw = t->saved;

	/* ISIG stays: CTRL+C is still SIGINT, which the session handles */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		t->raw = 1;
}

void term_start(struct term *t)
{
	memset(t, 0, sizeof(*t));
	fflush(stdout);
	if (tcgetattr(STDIN_FILENO, &t->saved) == 0)
		take(t);
}

void term_suspend(struct term *t)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;

	term_clear(t);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	/* stop for real: the default action, only for this once */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &old);
	raise(SIGTSTP);
	sigaction(SIGTSTP, &old, NULL);
	/* continued: the shell may have changed the modes meanwhile */
	if (t->raw && tcgetattr(STDIN_FILENO, &t->saved) == 0)
		take(t);
	term_prompt(t);
}

void term_stop(struct term *t)
{
	term_clear(t);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->raw = 0;
	free(t->line);
	t->line = NULL;
	t->len = t->cap = 0;
	while (t->nhist > 0)
		free(t->hist[--t->nhist]);
	free(t->draft);
	t->draft = NULL;
}

void term_prompt(struct term *t)
{
	outs(ERASE PROMPT);
	out(t->line, t->len);
}

void term_clear(struct term *t)
{
	(void)t;
	fflush(stdout);
	outs(ERASE);
}

void term_print(struct term *t, const char *prefix, const char *s,
		size_t len)
{
	fflush(stdout);
	outs(ERASE);
	if (t->color)
		outs(prefix[0] == '<' ? "\033[34m" : "\033[32m");
	outs(prefix);
	out(s, len);
	if (t->color)
		outs("\033[0m");
	outs("\n");
	term_prompt(t);
}

static int append(struct term *t, char ch)
{
	char *p;

	if (t->len + 1 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		if (!(p = realloc(t->line, t->cap)))
			return -1;
		t->line = p;
	}
	t->line[t->len++] = ch;
	return 0;
}

/* Drop the last character: a UTF-8 sequence is one character. */
static void backspace(struct term *t)
{
	while (t->len && ((unsigned char)t->line[t->len - 1] & 0xc0) == 0x80)
		t->len--;
	if (t->len)
		t->len--;
}

/* Replace the line with s (NULL: empty). */
static void set_line(struct term *t, const char *s)
{
	t->len = 0;
	while (s && *s && append(t, *s++) == 0)
		;
}

static char *line_dup(const struct term *t)
{
	char *s = malloc(t->len + 1);

	if (s) {
		memcpy(s, t->line ? t->line : "", t->len);
		s[t->len] = '\0';
	}
	return s;
}

/* Remember a line sent, unless empty or the same as the last one. */
static void remember(struct term *t, const char *line, size_t len)
{
	const char *last = t->nhist ? t->hist[t->nhist - 1] : NULL;
	char *s;

	if (!len || (last && strlen(last) == len && !memcmp(last, line, len)))
		goto done;
	if (!(s = malloc(len + 1)))
		goto done;
	memcpy(s, line, len);
	s[len] = '\0';
	if (t->nhist == TERM_HISTORY) {
		free(t->hist[0]);
		memmove(t->hist, t->hist + 1, --t->nhist * sizeof(t->hist[0]));
	}
	t->hist[t->nhist++] = s;
done:
	free(t->draft);
	t->draft = NULL;
	t->hpos = t->nhist;
}

/* Up (-1) or Down (+1) through the history; the draft waits at the end. */
static void walk(struct term *t, int dir)
{
	int to = t->hpos + dir;

	if (to < 0 || to > t->nhist)
		return;
	if (t->hpos == t->nhist) {
		free(t->draft);
		t->draft = line_dup(t);
	}
	t->hpos = to;
	set_line(t, to == t->nhist ? t->draft : t->hist[to]);
}

static void kill_word(struct term *t)
{
	while (t->len && t->line[t->len - 1] == ' ')
		t->len--;
	while (t->len && t->line[t->len - 1] != ' ')
		t->len--;
}

int term_feed(struct term *t, const char *buf, size_t n,
	      int (*on_line)(void *arg, const char *line, size_t len),
	      void *arg)
{
	int redraw = 0;
	unsigned char ch;
	size_t i, len;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)buf[i];
		if (t->esc == 1) {
			t->esc = ch == '[' || ch == 'O' ? 2 : 0;
			continue;
		}
		if (t->esc == 2) {
			if (ch < 0x40 || ch > 0x7e)
				continue;	/* parameters */
			t->esc = 0;
			if (ch == 'A' || ch == 'B') {
				walk(t, ch == 'A' ? -1 : 1);
				redraw = 1;
			}
			continue;		/* other keys: ignored */
		}
		switch (ch) {
		case '\r':
		case '\n':
			if (redraw)
				term_prompt(t);
			outs("\n");
			/* empty while on_line runs, so its output draws "> " */
			len = t->len;
			remember(t, t->line ? t->line : "", len);
			t->len = 0;
			redraw = 0;
			if (on_line(arg, t->line ? t->line : "", len) != 0)
				return 0;
			term_prompt(t);
			break;
		case 0x04:		/* CTRL+D */
			if (!t->len)
				return 1;
			break;
		case 0x08:
		case 0x7f:
			backspace(t);
			redraw = 1;
			break;
		case 0x15:		/* CTRL+U */
			t->len = 0;
			redraw = 1;
			break;
		case 0x17:		/* CTRL+W */
			kill_word(t);
			redraw = 1;
			break;
		case 0x0c:		/* CTRL+L */
			redraw = 1;
			break;
		case 0x1b:
			t->esc = 1;
			break;
		default:
			if (ch < 0x20 && ch != '\t')
				break;	/* other control keys do nothing */
			if (append(t, (char)ch) == 0 && !redraw)
				out((const char *)&ch, 1);
			break;
		}
	}
	if (redraw)
		term_prompt(t);
	return 0;
}
