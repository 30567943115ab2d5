/*
 * view-import: placeholder until the store's import lands on main; the
 * full view (file selector, password, summary, commit) follows it.
 */
#include "config.h"

#include "ui.h"

void
view_import_run(struct ui *ui)
{
	ui_dialog_message(ui, "Import", "Import is not in this build yet: "
	    "use 'certdesk import FILE'.");
}
