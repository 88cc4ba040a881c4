/*
 * units.h - durations and sizes as people write them, parsed in one place.
 * Numbers are unsigned decimal integers: no sign, fraction or white space
 * ("1.5s" is refused; write "1500ms").
 */
#ifndef WSCTL_UNITS_H
#define WSCTL_UNITS_H

#include <stdint.h>
#include <stddef.h>

/*
 * Parse a duration into milliseconds.  Accepts nginx's forms: a number
 * with a unit ms, s, m, h or d, several of them in a row, largest first and
 * each once ("1m30s", not "30s1m"), or a bare number of seconds, to the
 * millisecond ("65", "0.25"), as wscat's -w and curl's -m take them.
 * Returns 0, or -1 for anything else, including overflow and an empty
 * string.
 */
int units_duration(const char *s, int64_t *ms);

/*
 * Parse a duration as nginx reads one in its configuration
 * (ngx_parse_time): numbers with the units y (365 days), M (30 days), w,
 * d, h, m, s and ms, largest first and each once, optionally separated
 * by spaces ("1h 30m"); or a bare number of seconds.  No fraction: nginx
 * refuses "0.25", and so does this.  Returns 0 with *ms set, or -1.
 */
int units_nginx_time(const char *s, int64_t *ms);

/*
 * Parse a size into bytes: a bare number of bytes, or a number with k, K,
 * KiB, m, M, MiB, g, G or GiB (all powers of 1024, as nginx reads k and m).
 * Returns 0, or -1 for anything else, including overflow.
 */
int units_size(const char *s, uint64_t *bytes);

/*
 * Write ms as the shortest exact form units_duration reads back ("65s",
 * "300ms", "90s", "2h", "1d1s"; "0s" for 0) into buf.  Returns buf.
 */
char *units_fmt_duration(int64_t ms, char *buf, size_t len);

/*
 * Write a measured time ms as a person reads it, rounded: "850ms",
 * "3.00s", "65.0s" (not units_fmt_duration's exact "3s2ms").  Returns buf.
 */
char *units_fmt_ms(int64_t ms, char *buf, size_t len);

#endif
