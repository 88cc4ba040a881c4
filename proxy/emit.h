/*
 * emit.h - writing a head into a caller's buffer, as the proxy's heads
 * and log lines are written: every piece is appended whole or not at
 * all, and running out of room is sticky, so a writer checks once at the
 * end instead of after every piece.
 */
#ifndef WSCTL_PROXY_EMIT_H
#define WSCTL_PROXY_EMIT_H

#include <stddef.h>
#include <string.h>

struct emit {
	char *p;
	size_t len, cap;
	int overflow;
};

static inline void emit(struct emit *e, const char *s, size_t n)
{
	if (n > e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->p + e->len, s, n);
	e->len += n;
}

static inline void emit_s(struct emit *e, const char *s)
{
	emit(e, s, strlen(s));
}

#endif
