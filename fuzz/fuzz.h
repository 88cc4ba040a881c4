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
#include <unistd.h>

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

static char fuzz_dir[64], fuzz_path[96];

static inline void fuzz_file_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/*
 * Write data[0..n) to the harness's one file, "$TMPDIR/wsctl-fuzz-
 * XXXXXX/name", made at the first call and removed when the run ends;
 * returns its path.  For the readers that take a path, not bytes.
 */
static inline const char *fuzz_file(const char *name, const void *data,
				    size_t n)
{
	FILE *f;

	if (!fuzz_path[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/wsctl-fuzz-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fuzz_dir))
			abort();
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
		atexit(fuzz_file_cleanup);
	}
	if (!(f = fopen(fuzz_path, "wb")))
		abort();
	fwrite(data, 1, n, f);
	fclose(f);
	return fuzz_path;
}

#endif
