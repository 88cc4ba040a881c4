/*
 * err.h - the error buffer every setup function fills.
 */
#ifndef WSCTL_ERR_H
#define WSCTL_ERR_H

#include <stddef.h>

/*
 * Format a one-line message into err (when err is not NULL and errlen is
 * not 0) and return -1, so that "return err_fmt(err, errlen, ...)" both
 * reports and fails.
 */
int err_fmt(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
