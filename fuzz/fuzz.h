/*
 * fuzz.h - what every harness in fuzz/ shares: a contract that does not
 * hold is a crash with the contract's text, so libFuzzer keeps the input
 * and `make fuzz` reports it.
 */
#ifndef WSCTL_FUZZ_H
#define WSCTL_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: contract broken: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* A message for people: one line, printable, within its buffer. */
static inline void contract_oneline(const char *msg, size_t cap)
{
	size_t n = strnlen(msg, cap);

	CONTRACT(n < cap);
	for (size_t i = 0; i < n; i++)
		CONTRACT((unsigned char)msg[i] >= 0x20 &&
			 (unsigned char)msg[i] != 0x7f);
}

/* data[0..n) as a NUL-terminated string of at most max bytes, malloc'd;
 * NULL when it holds a NUL (the C APIs under test take strings). */
static inline char *fuzz_string(const unsigned char *data, size_t n,
				size_t max)
{
	char *s;

	if (n > max || memchr(data, 0, n))
		return NULL;
	if (!(s = malloc(n + 1)))
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
