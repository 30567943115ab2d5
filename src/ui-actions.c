/*
 * ui-actions: the console's actions are one X-macro list (UI_ACTIONS in
 * ui.h), which yields the enum, the key bar on the bottom line and the
 * help screen, so the three cannot drift apart.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/util.h"

const struct ui_action_info ui_actions[UI_ACTION_COUNT] = {
#define UI_ACTION_INFO(id, label, key, letter, keys, help) \
	{ #id, label, key, letter, keys, help },
	UI_ACTIONS(UI_ACTION_INFO)
#undef UI_ACTION_INFO
};

enum ui_action
ui_action_for_key(int key)
{
	int	i;

	/* Keys that share an action with another key. */
	switch (key) {
	case '\r':
	case KEY_ENTER:
		key = '\n';
		break;
	case KEY_DC:
		return UI_ACTION_REMOVE;
	}
	for (i = 0; i < UI_ACTION_COUNT; i++) {
		if (ui_actions[i].key == key ||
		    (ui_actions[i].letter != 0 && ui_actions[i].letter == key))
			return i;
	}
	return UI_ACTION_NONE;
}

/*
 * The key bar.  Wide terminals get "F1 Help F2 New ..."; at 80 columns
 * Midnight Commander's compact "1Help 2New ..." fits where that cannot.
 */
void
ui_keybar_draw(int y)
{
	char	 num[16];
	int	 i, x = 0, need = 0, fkey;
	bool	 wide;

	for (i = 0; i < UI_ACTION_COUNT; i++) {
		if (ui_actions[i].label == NULL)
			continue;
		fkey = ui_actions[i].key - KEY_F0;
		need += (fkey >= 10 ? 3 : 2) + 1 + (int)strlen(
		    ui_actions[i].label) + 1;
	}
	wide = need <= COLS;
	ui_clear_line(y);
	for (i = 0; i < UI_ACTION_COUNT; i++) {
		if (ui_actions[i].label == NULL)
			continue;
		fkey = ui_actions[i].key - KEY_F0;
		if (wide)
			snprintf(num, sizeof num, "F%d", fkey);
		else
			snprintf(num, sizeof num, "%d", fkey);
		x += ui_put(y, x, COLS - x, num, ui_attr(UI_KEY));
		if (wide)
			x += ui_put(y, x, COLS - x, " ", A_NORMAL);
		x += ui_put(y, x, COLS - x, ui_actions[i].label,
		    ui_attr(UI_KEYLABEL));
		if (x < COLS)
			x += ui_put(y, x, COLS - x, " ", A_NORMAL);
	}
}

char **
ui_actions_help_lines(size_t *n)
{
	char	**lines;
	size_t	  count = 0;
	int	  i;

	lines = xcalloc(UI_ACTION_COUNT + 16, sizeof *lines);
	lines[count++] = xstrdup("In the list:");
	for (i = 0; i < UI_ACTION_COUNT; i++) {
		xasprintf(&lines[count++], "  %-14s %s", ui_actions[i].keys,
		    ui_actions[i].help);
	}
	lines[count++] = xstrdup("");
	lines[count++] = xstrdup("In a form:");
	lines[count++] = xstrdup("  Tab Down       next field");
	lines[count++] = xstrdup("  BTab Up        previous field "
	    "(BTab is Shift-Tab)");
	lines[count++] = xstrdup("  F2             submit (as does Enter "
	    "on OK)");
	lines[count++] = xstrdup("  Esc            cancel: nothing is "
	    "written");
	lines[count++] = xstrdup("  Ctrl-U         clear the field; Left, "
	    "Right, Home, End move in it");
	lines[count++] = xstrdup("  Left Right     in Key Type: choose "
	    "(Space too)");
	lines[count++] = xstrdup("");
	lines[count++] = xstrdup("In a dialog or details: Esc closes it; "
	    "Up, Down, PgUp, PgDn scroll.");
	lines[count++] = xstrdup("Anywhere: Ctrl-L redraws; Ctrl-C quits "
	    "and restores the terminal.");
	lines[count++] = xstrdup("Some SSH clients swallow function keys: "
	    "each has a letter twin.");
	*n = count;
	return lines;
}
