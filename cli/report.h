/*
 * report.h - what wsctl check writes: a table for people, a JSON report
 * (docs/report.schema.json) and JUnit XML for CI.
 */
#ifndef WSCTL_REPORT_H
#define WSCTL_REPORT_H

#include <stdio.h>

#include "checks/run.h"

struct sandbox;
struct plan;

struct report_meta {
	const struct check_config *cfg;
	const char *config_file;	/* --nginx-conf, --proxy-config, or NULL */
	const struct sandbox *sandbox;	/* --start-nginx, --start, or NULL */
	const struct plan *plan;	/* --nginx-conf: targets, left out */
	int verbose;			/* -v: the table lists its changes */
	const char *proxy;		/* the kind the sandbox ran: "nginx" */
	const char *name;		/* --name, or NULL */
	int width;			/* the terminal's columns; 0: no wrap */
	int live;			/* the rows went out as the checks
					   finished (report_row): the table
					   has only the failures */
};

struct summary {
	int total, passed, failed, skipped, errors;
};

#define REPORT_ROOT_IDS 32

/* A root cause: a config line (or one check) and the failures it makes. */
struct report_root {
	const struct check_ref *ref;	/* NULL: no line of the config */
	const char *ids[REPORT_ROOT_IDS];	/* the checks failing on it */
	int nids;
	int follow;			/* checks whose cause is one of ids */
	const struct run_result *first;	/* its first failure */
};

/*
 * The root causes of run's failures, each once, in the order they first
 * failed: failures with no cause, grouped by config line (or by check
 * when none is to blame).  Fills up to max and returns how many.
 */
int report_roots(const struct run *run, struct report_root *out, int max);

/* Count run's results by status. */
struct summary report_summary(const struct run *run);

/* The lower-case name of a status: "pass", "fail", "skip", "error". */
const char *report_status_name(enum check_status st);

/*
 * Print w to f as the table's row, as its check finishes: the id, the
 * status (coloured when color is 1), the text wrapped to width columns.
 */
void report_row(FILE *f, const struct run_row *w, int color, int width);

/* Print the table to f, with colour when color is 1. */
void report_table(FILE *f, const struct run *run, const struct report_meta *m,
		  int color);

/*
 * Write the JSON report to path ("-" for stdout).  Returns 0, or -1 with
 * err filled ("cannot write 'r.json': Permission denied").
 */
int report_json(const char *path, const struct run *run,
		const struct report_meta *m, char *err, size_t errlen);

/*
 * Write one self-contained HTML page of the run to path (no script,
 * nothing fetched).  Returns 0, or -1 with err filled.
 */
int report_html(const char *path, const struct run *run,
		const struct report_meta *m, char *err, size_t errlen);

/* s to f with XML's (and HTML's) five special characters escaped, and
   control characters XML cannot carry as \xNN. */
void report_xml_escape(FILE *f, const char *s);

/* Write JUnit XML to path.  Returns 0, or -1 with err filled. */
int report_junit(const char *path, const struct run *run,
		 const struct report_meta *m, char *err, size_t errlen);

#endif
