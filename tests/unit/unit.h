/*
 * unit.h - the unit test harness: a case is a void function that calls
 * EXPECT; main.c runs each one in a child process.
 */
#ifndef WSCTL_UNIT_H
#define WSCTL_UNIT_H

#include <stddef.h>
#include <stdint.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

/* Each test_*.c exports one table, ended by { NULL, NULL }. */
extern const struct unit_case units_cases[], addr_cases[], net_cases[],
	http_cases[], ws_cases[], utf8_cases[], nginx_conf_cases[], wsc_cases[],
	http_chunk_cases[], loop_cases[];
extern const struct unit_case hist_cases[], lb_cases[], err_cases[];
extern const struct unit_case deflate_cases[], report_cases[], proxy_run_cases[];

/* Record a failure of the current case; the first one is reported. */
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define EXPECT(cond) \
	do { \
		if (!(cond)) \
			unit_fail(__FILE__, __LINE__, "%s", #cond); \
	} while (0)

/* EXPECT with a message of its own: EXPECTF(r == 0, "'%s' gave %d", s, r) */
#define EXPECTF(cond, ...) \
	do { \
		if (!(cond)) \
			unit_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/*
 * Copy data[0..len) so that it ends right before an unreadable page, and
 * return the copy: a parser that reads one byte too far crashes.  The
 * copy lives until the next call.
 */
void *unit_fence(const void *data, size_t len);

/* Bytes as C escapes, for messages ("GET / HTTP/1.1\r\n").  Static. */
const char *unit_show(const void *data, size_t len);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
