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
	}
	return -1;
}
