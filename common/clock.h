/*
 * clock.h - the one monotonic clock every part of wsctl reads.
 */
#ifndef WSCTL_CLOCK_H
#define WSCTL_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (CLOCK_MONOTONIC); never goes back. */
int64_t clock_ms(void);

/* Microseconds on the same clock. */
int64_t clock_us(void);

#endif
