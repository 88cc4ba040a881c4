/* placeholder until the real command lands */
#include "cli/cli.h"

int cmd_echo(int argc, char **argv)
{
	(void)argc;
	return cli_usage(argv[0], "not implemented yet");
}
