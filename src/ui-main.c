/* ui-main.c: the console (placeholder until it lands). */
#include "cli.h"

int
ui_main(struct cli_ctx *ctx)
{
	cli_error("the console is not built yet");
	return EXIT_FAILED;
}
