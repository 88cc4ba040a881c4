/*
 * accesslog.c - one line per request or tunnel, written when it ends:
 * when, who, to which upstream, what, the status, the bytes each way,
 * how long, and why it ended.  Text (space separated, the request in
 * quotes) or JSON (one object per line).
 *
 * A connection carries a record only while the log is on, and only from
 * its request head to the end of that request or tunnel, so the log
 * costs an idle tunnel one small allocation and costs nothing when off.
 * Each line is one write(2) on an O_APPEND descriptor: lines from
 * several workers never mix, and a rotated file is picked up at SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "proxy/conn.h"

#define LINE_MAX_TARGET 1024
#define LINE_MAX_METHOD 64
/* "\u00HH" is the longest escape: six bytes for one */
#define LINE_ESCAPED (6 * (LINE_MAX_METHOD + 1 + LINE_MAX_TARGET))

static const char *const why_names[] = {
	[WHY_NONE] = "error",
	[WHY_DONE] = "done",
	[WHY_CLIENT] = "client-closed",
	[WHY_UPSTREAM] = "upstream-closed",
	[WHY_READ_TIMEOUT] = "read-timeout",
	[WHY_DRAIN] = "drain",
	[WHY_ERROR] = "error",
};

static int open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int alog_open(const struct proxy_config *cfg, int *fd, char *err,
	      size_t errlen)
{
	const char *path = cfg->access_log;

	*fd = -1;
	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		*fd = STDOUT_FILENO;
		return 0;
	}
	*fd = open_path(path);
	if (*fd < 0)
		return err_fmt(err, errlen, "access log %s: %s", path,
			       strerror(errno));
	return 0;
}

void alog_reopen(struct proxy *px)
{
	const char *path = px->cfg->access_log;
	int fd;

	if (px->alog_fd < 0 || !strcmp(path, "-"))
		return;
	fd = open_path(path);
	if (fd < 0) {
		/* keep writing where we did: better than losing lines */
		px_log(px, "access log %s: %s; still writing to the old file",
		       path, strerror(errno));
		return;
	}
	dup2(fd, px->alog_fd);
	close(fd);
}

void alog_begin(struct conn *c, const char *method, size_t mlen,
		const char *target, size_t tlen)
{
	struct reqlog *l;

	if (c->px->alog_fd < 0)
		return;
	free(c->log);
	if (!method) {
		method = target = "-";
		mlen = tlen = 1;
	}
	if (tlen > LINE_MAX_TARGET)
		tlen = LINE_MAX_TARGET;
	if (mlen > LINE_MAX_METHOD)
		mlen = LINE_MAX_METHOD;
	c->log = l = malloc(sizeof(*l) + mlen + 1 + tlen + 1);
	if (!l)
		return;		/* a line less, not a connection less */
	memset(l, 0, sizeof(*l));
	l->t0 = loop_now(c->px->loop);
	l->peer = -1;
	l->mlen = mlen;
	memcpy(l->line, method, mlen);
	l->line[mlen] = ' ';
	memcpy(l->line + mlen + 1, target, tlen);
	l->line[mlen + 1 + tlen] = '\0';
}

/* s[0..n) into e, with the bytes that would break the format escaped:
 * \xHH in text, \u00HH in JSON. */
static void quoted(struct emit *e, const char *s, size_t n, int json)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		char esc[6];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			emit(e, s + i, 1);
			continue;
		}
		if (json) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			emit(e, esc, 6);
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[ch >> 4];
			esc[3] = hex[ch & 15];
			emit(e, esc, 4);
		}
	}
}

void alog_end(struct conn *c, int why)
{
	struct proxy *px = c->px;
	struct reqlog *l = c->log;
	/* room for the worst case: every byte of the request escaped */
	char buf[LINE_ESCAPED + 1024], tmp[400], when[40], who[64];
	struct emit e = { buf, 0, sizeof(buf) - 1, 0 };
	const char *up = "-", *target;
	long long ms;
	int n, json = px->cfg->log_format == PROXY_LOG_JSON;

	if (!l)
		return;
	c->log = NULL;
	if (l->why)
		why = l->why;
	if (c->peer >= 0)
		l->peer = c->peer;
	if (l->peer >= 0)
		up = c->gen->lb.peers[l->peer].name;
	px_iso_time(px_wall_ms(), when, sizeof(when));
	conn_client(c, who, sizeof(who));
	ms = loop_now(px->loop) - l->t0;
	target = l->line + l->mlen + 1;
	if (json) {
		n = snprintf(tmp, sizeof(tmp), "{\"time\":\"%s\",\"client\":"
			     "\"%s\",\"upstream\":", when, who);
		emit(&e, tmp, n);
		if (l->peer >= 0)
			n = snprintf(tmp, sizeof(tmp), "\"%s\"", up);
		else
			n = snprintf(tmp, sizeof(tmp), "null");
		emit(&e, tmp, n);
		emit(&e, ",\"method\":\"", 11);
		quoted(&e, l->line, l->mlen, 1);
		emit(&e, "\",\"target\":\"", 12);
		quoted(&e, target, strlen(target), 1);
		n = snprintf(tmp, sizeof(tmp), "\",\"tls\":%s,\"status\":%u,"
			     "\"bytes_in\":%llu,\"bytes_out\":%llu,"
			     "\"duration_ms\":%lld,\"reason\":\"%s\"}\n",
			     c->cl.ssl ? "true" : "false", l->status,
			     (unsigned long long)l->rx,
			     (unsigned long long)l->tx, ms, why_names[why]);
		emit(&e, tmp, n);
	} else {
		n = snprintf(tmp, sizeof(tmp), "%s %s %s \"", when, who, up);
		emit(&e, tmp, n);
		quoted(&e, l->line, strlen(l->line), 0);
		n = snprintf(tmp, sizeof(tmp), "\" %u %llu %llu %lldms %s\n",
			     l->status, (unsigned long long)l->rx,
			     (unsigned long long)l->tx, ms, why_names[why]);
		emit(&e, tmp, n);
	}
	free(l);
	if (e.overflow) {
		px_log(px, "access log line over %zu bytes: not written",
		       sizeof(buf));
		return;
	}
	if (write(px->alog_fd, buf, e.len) < 0)
		return;
}
