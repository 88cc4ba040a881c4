/*
 * export.h - a wsctl bench scenario written for another load engine, so
 * that a load bigger than one host runs on an engine made for it.  Only
 * Artillery's, with its ws engine (artillery run, run-fargate, run-lambda).
 */
#ifndef WSCTL_BENCH_EXPORT_H
#define WSCTL_BENCH_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "bench/bench.h"

/*
 * Write the scenario cfg describes, for the URL url as given, to f as an
 * Artillery script (YAML): the target, the connections as virtual users
 * arriving in the first second, each one's messages as a loop of a send
 * that waits for its echo, --rate as each user's think time, --timeout,
 * -H, --subprotocol and the TLS options (a --ca file's certificates
 * written in).  A scenario Artillery cannot express is refused: a closed
 * loop bounded only by time (echo without --rate or --count, handshake
 * without --count), --stages, and empty messages (its engine takes an
 * empty echo for an error).  Returns 0, or -1 with err filled; f is the
 * caller's to close.
 */
int bench_export_artillery(FILE *f, const struct bench_config *cfg,
			   const char *url, char *err, size_t errlen);

#endif
