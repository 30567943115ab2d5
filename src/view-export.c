/*
 * view-export: placeholder until the store's export lands on main.
 */
#include "config.h"

#include "ui.h"

void
view_export_run(struct ui *ui, enum store_area area, const char *name)
{
	ui_dialog_message(ui, "Export", "Export is not in this build yet: "
	    "use 'certdesk export NAME'.");
}
