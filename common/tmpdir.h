/*
 * tmpdir.h - the temporary folders a run makes, under $TMPDIR (or /tmp),
 * and their removal: a run leaves nothing behind.
 */
#ifndef WSCTL_TMPDIR_H
#define WSCTL_TMPDIR_H

#include <stddef.h>

/*
 * Make a fresh folder "$TMPDIR/wsctl-NAME-XXXXXX" into dir[0..len).
 * Returns 0, or -1 with err filled.
 */
int tmpdir_make(char *dir, size_t len, const char *name, char *err,
		size_t errlen);

/* Remove dir and everything in it, and empty dir; "" is fine. */
void tmpdir_remove(char *dir);

#endif
