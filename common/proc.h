/*
 * proc.h - the children wsctl starts (backends, proxies): stopping one,
 * and telling whether one is what listens on a port.
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

/*
 * Whether pid, or a child of pid's, holds a socket that listens on TCP
 * port (IPv4 or IPv6, any address): 1 yes, 0 no (nobody does, or
 * someone else), -1 when /proc cannot tell.  Reads /proc only.
 */
int proc_listens(pid_t pid, unsigned port);

#endif
