/* view-engine (being written). */
#include "config.h"
#include "ui.h"
void
view_engine_run(struct ui *ui, bool offer_restart)
{
	ui_set_message(ui, true, "not yet");
}
const char *
view_engine_state(struct ui *ui)
{
	return "unknown";
}
