/*
 * tmpdir.c - the temporary folders of tmpdir.h.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/tmpdir.h"

int tmpdir_make(char *dir, size_t len, const char *name, char *err,
		size_t errlen)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(dir, len, "%s/wsctl-%s-XXXXXX",
			     tmp && *tmp ? tmp : "/tmp", name) >= len) {
		dir[0] = 0;
		return err_fmt(err, errlen, "TMPDIR '%s' is too long", tmp);
	}
	if (!mkdtemp(dir)) {
		int e = errno;

		err_fmt(err, errlen, "cannot make a folder like '%s': %s", dir,
			strerror(e));
		dir[0] = 0;
		return -1;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tmpdir_remove(char *dir)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = 0;
}
