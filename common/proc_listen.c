/*
 * proc_listen.c - whether a child of wsctl's is what listens on a port:
 * the listening sockets' inodes from /proc/net/tcp{,6}, matched against
 * the descriptors of the child and of its own children.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proc.h"

#define MAX_INODES 16
#define TCP_LISTEN 0x0A

/* Add the inodes of the sockets in table (a /proc/net/tcp file) that
   listen on port to ino[*n].  Returns 0, or -1 when table cannot be
   read. */
static int listening(const char *table, unsigned port, unsigned long *ino,
		     int *n)
{
	char line[512];
	FILE *f = fopen(table, "r");

	if (!f)
		return -1;
	while (*n < MAX_INODES && fgets(line, sizeof(line), f)) {
		unsigned lport, state;
		unsigned long inode;
		char *colon;

		/* "  0: 0100007F:1F90 00000000:0000 0A ... uid timeout inode" */
		colon = strchr(line, ':');
		if (!colon || !(colon = strchr(colon + 1, ':')) ||
		    sscanf(colon + 1, "%x %*s %x %*s %*s %*s %*s %*s %lu",
			   &lport, &state, &inode) != 3)
			continue;
		if (lport == port && state == TCP_LISTEN && inode)
			ino[(*n)++] = inode;
	}
	fclose(f);
	return 0;
}

/* Whether pid has a descriptor on one of the n sockets in ino. */
static int holds(pid_t pid, const unsigned long *ino, int n)
{
	char dir[64], path[320], link[64];
	struct dirent *de;
	DIR *d;
	int found = 0, i;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(dir)))
		return 0;
	while (!found && (de = readdir(d))) {
		unsigned long got;
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &got) != 1)
			continue;
		for (i = 0; i < n; i++)
			found |= got == ino[i];
	}
	closedir(d);
	return found;
}

/* The parent of pid, from /proc/PID/stat, or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *paren;
	FILE *f;
	int ppid = -1;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	/* "PID (COMM) STATE PPID ...": COMM may hold spaces and parens */
	if ((paren = strrchr(buf, ')')) && sscanf(paren + 1, " %*c %d",
						    &ppid) != 1)
		ppid = -1;
	return ppid;
}

int proc_listens(pid_t pid, unsigned port)
{
	unsigned long ino[MAX_INODES];
	struct dirent *de;
	DIR *d;
	int n = 0, found;

	if (listening("/proc/net/tcp", port, ino, &n) < 0)
		return -1;
	listening("/proc/net/tcp6", port, ino, &n);	/* none without IPv6 */
	if (!n)
		return 0;
	if ((found = holds(pid, ino, n)) || !(d = opendir("/proc")))
		return found;
	while (!found && (de = readdir(d))) {
		pid_t child;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		child = (pid_t)atoi(de->d_name);
		found = parent_of(child) == pid && holds(child, ino, n);
	}
	closedir(d);
	return found;
}
