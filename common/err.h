/*
 * err.h - the error buffer every setup function fills.
 */
#ifndef WSCTL_ERR_H
#define WSCTL_ERR_H

#include <stddef.h>

/*
 * Format a one-line message into err (when err is not NULL and errlen is
 * not 0) and return -1, so that "return err_fmt(err, errlen, ...)" both
 * reports and fails.  What the arguments bring in (a config's word, a
 * URL) is made one line by err_oneline.
 */
int err_fmt(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Make the NUL-terminated s (in a buffer of cap bytes) one printable
 * line, in place: each control byte (below 0x20, and 0x7f) becomes
 * "\xHH", so a newline or a terminal escape sequence in a file or on a
 * command line cannot split a message or reach the terminal.  What does
 * not fit is cut, never a partial escape.  Returns s.
 */
char *err_oneline(char *s, size_t cap);

#endif
