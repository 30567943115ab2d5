/* view-export (being written). */
#include "config.h"
#include "ui.h"
void
view_export_run(struct ui *ui, enum store_area area, const char *name)
{
	ui_set_message(ui, true, "not yet");
}
