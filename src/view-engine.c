/*
 * view-engine: the mail server engine as [engine] in certdesk.conf
 * describes it.  Until engine control (include/certdesk/engine.h) is in
 * the build, the view shows the configuration and says how to restart.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/util.h"

static const char *const view_engine_keys[] = {
	"pidfile", "reload_signal", "restart_command", "stop_command",
	"start_command", "probe", "probe_starttls"
};
#define N_ENGINE_KEYS (sizeof view_engine_keys / sizeof view_engine_keys[0])

static bool
view_engine_configured(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < N_ENGINE_KEYS; i++) {
		if (store_config_get(ui->store, "engine",
		    view_engine_keys[i]) != NULL)
			return true;
	}
	return false;
}

const char *
view_engine_state(struct ui *ui)
{
	return view_engine_configured(ui) ? "configured" : "not configured";
}

void
view_engine_run(struct ui *ui, bool offer_restart)
{
	struct util_buf	 b = { 0 };
	const char	*v;
	char		*text;
	size_t		 i;

	if (!view_engine_configured(ui))
		util_buf_printf(&b, "No [engine] section in %s/certdesk.conf: "
		    "certdesk does not know how to restart the mail server.\n",
		    store_root(ui->store));
	else {
		util_buf_printf(&b, "[engine] in certdesk.conf:\n");
		for (i = 0; i < N_ENGINE_KEYS; i++) {
			v = store_config_get(ui->store, "engine",
			    view_engine_keys[i]);
			if (v != NULL)
				util_buf_printf(&b, "  %s = %s\n",
				    view_engine_keys[i], v);
		}
	}
	util_buf_printf(&b, "\nA new certificate is used the next time the "
	    "Engine is started. Engine control is not in this build yet: "
	    "restart it with 'certdesk engine restart' or your service "
	    "manager.");
	text = util_buf_take_string(&b);
	ui_dialog_message(ui, offer_restart ? "Restart the engine" :
	    "Engine", text);
	free(text);
}
