/*
 * err.c - the error buffer every setup function fills.
 */
#include <stdarg.h>
#include <stdio.h>

#include "common/err.h"

int err_fmt(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		err_oneline(err, errlen);
	}
	return -1;
}

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

char *err_oneline(char *s, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0, extra = 0, out = 0, keep = 0;

	if (!cap)
		return s;
	for (; s[len]; len++)
		extra += is_control((unsigned char)s[len]) ? 3 : 0;
	if (!extra)
		return s;
	/* how much of s fits once escaped */
	while (keep < len) {
		size_t w = is_control((unsigned char)s[keep]) ? 4 : 1;

		if (out + w > cap - 1)
			break;
		out += w;
		keep++;
	}
	s[out] = '\0';
	/* from the end, so nothing is overwritten before it is read */
	while (keep--) {
		unsigned char c = (unsigned char)s[keep];

		if (is_control(c)) {
			out -= 4;
			s[out] = '\\';
			s[out + 1] = 'x';
			s[out + 2] = hex[c >> 4];
			s[out + 3] = hex[c & 15];
		} else {
			s[--out] = (char)c;
		}
	}
	return s;
}
