/*
 * cli.h - what the sub-commands share: the command table's entry type,
 * exit codes, and the way usage errors are reported.  Only cli/ exits.
 */
#ifndef WSCTL_CLI_H
#define WSCTL_CLI_H

#define WSCTL_VERSION "0.1.0"

enum {
	EXIT_OK = 0,		/* everything passed */
	EXIT_FAIL = 1,		/* a check, a connection or the run failed */
	EXIT_USAGE = 2,		/* bad command line, or a setup error */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command name */
	const char *summary;
};

int cmd_check(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/*
 * Report a usage error for command cmd: one line "wsctl CMD: MESSAGE" on
 * stderr, then the hint "try 'wsctl CMD --help'".  Returns EXIT_USAGE.
 */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Report what getopt_long's '?' or ':' (c) meant, for an option string
 * that starts with ':'.  Call it right after getopt_long returned c.
 * Returns EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, int c, char **argv);

/* "wsctl CMD: MESSAGE" on stderr, for run-time failures. */
void cli_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Whether to colour stdout, as curl and git decide: choice 1 always, 0
 * never, -1 auto: a terminal, unless NO_COLOR is set (no-color.org) or
 * TERM is dumb.
 */
int cli_color(int choice);

/* Print text (a command's --help) on stdout and return EXIT_OK. */
int cli_help(const char *text);

#endif
