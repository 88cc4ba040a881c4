/*
 * proc.h - the children wsctl starts (backends, proxies): stopping one.
 */
#ifndef WSCTL_PROC_H
#define WSCTL_PROC_H

#include <sys/types.h>

/*
 * Send pid sig, wait up to grace_ms for it to exit, then SIGKILL it;
 * reap it either way.  Returns its wait status, or -1 when pid <= 0 or
 * was not a child.
 */
int proc_stop(pid_t pid, int sig, int grace_ms);

#endif
