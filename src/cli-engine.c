/* cli-engine.c: engine status and restart (placeholder until it lands). */
#include "cli.h"

int
cli_cmd_engine(struct cli_ctx *ctx, int argc, char **argv)
{
	cli_error("engine control is not built yet");
	return EXIT_FAILED;
}

int
cli_engine_restart_and_confirm(struct cli_ctx *ctx)
{
	cli_error("engine control is not built yet");
	return EXIT_FAILED;
}
