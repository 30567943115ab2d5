/* cli-transfer.c: import, export and ca import (placeholder until they land). */
#include "cli.h"

int
cli_cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	cli_error("import is not built yet");
	return EXIT_FAILED;
}

int
cli_cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	cli_error("export is not built yet");
	return EXIT_FAILED;
}

int
cli_ca_import(struct cli_ctx *ctx, int argc, char **argv)
{
	cli_error("ca import is not built yet");
	return EXIT_FAILED;
}
