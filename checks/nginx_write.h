/*
 * nginx_write.h - write directives back out as nginx configuration text,
 * one directive per line, and remember for every line written which line
 * of which original file it stands for.  The sandbox writes its rewritten
 * copy with it, and turns nginx's complaints about the copy ("in
 * /tmp/.../nginx.conf:57") back into the user's file and line.
 */
#ifndef WSCTL_NGINX_WRITE_H
#define WSCTL_NGINX_WRITE_H

#include <stdio.h>

#include "checks/nginx_conf.h"

struct nginx_writer {
	FILE *f;
	unsigned line;			/* lines written so far */
	struct nginx_pos *map;		/* map[n - 1]: origin of line n */
	size_t cap;
	int depth;			/* open blocks, for indenting */
	int failed;			/* out of memory or a write error */
};

/* Start writing to path (created or truncated).  Returns 0 or -1. */
int nginx_write_open(struct nginx_writer *w, const char *path);

/*
 * Write one directive, words args[0..nargs), each quoted so that nginx
 * reads back exactly the word (quotes, backslashes and control bytes
 * escaped), then ";" or, with block 1, " {".  at is the line it stands
 * for (file NULL for a line of wsctl's own).
 */
void nginx_write_dir(struct nginx_writer *w, const struct nginx_pos *at,
		     const char *const *args, size_t nargs, int block);

/* Close the innermost block: "}". */
void nginx_write_close(struct nginx_writer *w, const struct nginx_pos *at);

/* A comment line ("# ..."), for whoever reads the copy. */
void nginx_write_comment(struct nginx_writer *w, const char *text);

/*
 * Finish the file.  Returns 0, or -1 when anything failed along the way;
 * the map stays with w either way, for nginx_write_origin, until
 * nginx_write_free.
 */
int nginx_write_end(struct nginx_writer *w);

/* The original position of line n of the copy, or NULL for wsctl's own. */
const struct nginx_pos *nginx_write_origin(const struct nginx_writer *w,
					   unsigned n);

void nginx_write_free(struct nginx_writer *w);

#endif
