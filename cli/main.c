/*
 * main.c - wsctl's entry point: one table of sub-commands, and the help
 * that is generated from it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cmd commands[] = {
	{ "check", cmd_check, "run conformance checks against a WebSocket proxy" },
	{ "echo", cmd_echo, "run WebSocket echo backends that report what they received" },
	{ "connect", cmd_connect, "talk to a WebSocket server, interactively or from a script" },
	{ "proxy", cmd_proxy, "a balancing WebSocket and HTTP reverse proxy, in nginx's place" },
	{ "bench", cmd_bench, "load a WebSocket server or proxy and measure it" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wsctl <command> [options]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-9s %s\n", "help", "show this list, or a command's help");
	fprintf(f, "\n'wsctl <command> --help' shows a command's options.\n"
		   "Exit status: 0 ok, 1 a check or the run failed, 2 usage or setup error.\n");
	return EXIT_OK;
}

static const struct cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	/* a peer that goes away must show up as an error, not kill us */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2)
		return usage(stderr), EXIT_USAGE;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("wsctl %s\n", WSCTL_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		if (argc > 2) {
			char help[] = "--help";
			char *sub[] = { argv[2], help, NULL };

			if (!(c = find(argv[2]))) {
				fprintf(stderr, "wsctl: unknown command '%s'\n"
					"try 'wsctl help'\n", argv[2]);
				return EXIT_USAGE;
			}
			return c->fn(2, sub);
		}
		return usage(stdout);
	}
	if (!(c = find(argv[1]))) {
		fprintf(stderr, "wsctl: unknown command '%s'\ntry 'wsctl help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
