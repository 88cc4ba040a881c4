/*
 * blame.h - tie a failed check to the line of the nginx config that
 * causes it, and the line that fixes it.
 */
#ifndef WSCTL_BLAME_H
#define WSCTL_BLAME_H

#include "checks/check.h"
#include "checks/nginx_conf.h"
#include "checks/plan.h"

/*
 * Fill res->ref for check id of target t when it failed on its own (no
 * cause): the directive responsible (file:line and its text), or the
 * block where the missing one belongs, and the fix.  Leaves it empty for
 * passes, for failures that follow from another, and for checks whose
 * failure no line of the config explains.
 */
void blame(const struct nginx_conf *c, const struct plan_target *t,
	   const char *id, struct check_result *res);

#endif
