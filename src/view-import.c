/* view-import (being written). */
#include "config.h"
#include "ui.h"
void
view_import_run(struct ui *ui)
{
	ui_set_message(ui, true, "not yet");
}
