/*
 * opt.c - usage errors and help, the same way for every sub-command.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/err.h"

/* Every error wsctl prints is one line, whatever its arguments hold. */
static void vline(const char *cmd, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "wsctl %s: %s\n", cmd, err_oneline(msg, sizeof(msg)));
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "try 'wsctl %s --help'\n", cmd);
	return EXIT_USAGE;
}

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(cmd, fmt, ap);
	va_end(ap);
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		if (optopt && strncmp(arg, "--", 2) != 0)
			return cli_usage(cmd, "option '-%c' needs a value", optopt);
		return cli_usage(cmd, "option '%s' needs a value", arg);
	}
	if (optopt)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", arg);
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return EXIT_OK;
}

int cli_color(int choice)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (choice >= 0)
		return choice;
	if ((no && no[0]) || (term && !strcmp(term, "dumb")))
		return 0;
	return isatty(1);
}
