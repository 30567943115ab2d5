/*
 * view-help: every key, from the action list (ui-actions.c), so the help
 * cannot forget one.
 */
#include "config.h"

#include "ui.h"

void
view_help_run(struct ui *ui)
{
	char	**lines;
	size_t	  n;

	lines = ui_actions_help_lines(&n);
	ui_pager_run(ui, "Help: keys of the SSL certificates console", lines,
	    n);
	ui_free_lines(lines, n);
}
