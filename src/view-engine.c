/*
 * view-engine: the mail server engine, as [engine] in certdesk.conf
 * describes it: whether it runs, what each probe sees it serve, and a
 * restart that waits until the engine serves the active certificate.
 * The manual: "A new certificate will be used the next time the Engine
 * is started", so Set as active offers this restart at once.  All the
 * work is engine.h's; network and commands run in the worker thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/engine.h"
#include "certdesk/util.h"

static char	view_engine_state_text[64] = "?";

/* The run state from the pid file alone: no probe, no network. */
void
view_engine_refresh_state(struct ui *ui)
{
	struct engine_config	 config;
	struct engine_status	 status;
	char			*cause = NULL;
	size_t			 n_probes;
	bool			 good;

	memset(&config, 0, sizeof config);
	if (engine_config_load(ui->store, &config, &cause) != STORE_OK) {
		snprintf(view_engine_state_text, sizeof view_engine_state_text,
		    "misconfigured");
		free(cause);
		engine_config_done(&config);
		return;
	}
	if (!config.configured) {
		snprintf(view_engine_state_text, sizeof view_engine_state_text,
		    "not configured");
		engine_config_done(&config);
		return;
	}
	n_probes = config.n_probes;
	config.n_probes = 0;
	memset(&status, 0, sizeof status);
	if (engine_status(ui->store, &config, &status, &good, &cause) ==
	    STORE_OK) {
		if (status.state == ENGINE_STATE_RUNNING && status.pid > 0)
			snprintf(view_engine_state_text,
			    sizeof view_engine_state_text, "running (pid %ld)",
			    status.pid);
		else
			snprintf(view_engine_state_text,
			    sizeof view_engine_state_text, "%s",
			    engine_state_name(status.state));
		engine_status_done(&status);
	} else {
		snprintf(view_engine_state_text, sizeof view_engine_state_text,
		    "unknown");
		free(cause);
	}
	config.n_probes = n_probes;
	engine_config_done(&config);
}

const char *
view_engine_state(struct ui *ui)
{
	return view_engine_state_text;
}

static void
view_engine_progress_cb(const char *msg, void *arg)
{
	ui_long_progress(msg);
}

struct view_engine_job {
	struct store			*store;
	struct engine_config		*config;
	/* status */
	struct engine_status		 status;
	bool				 good;
	/* restart */
	bool				 restart;
	enum engine_action		 action;
	struct engine_probe_result	*results;
	size_t				 n_results;
	char				*cause;
	int				 ret;
};

static void
view_engine_job_cb(void *arg)
{
	struct view_engine_job	*j = arg;
	struct store_entry	*active = NULL;
	const char		*expected = NULL;
	char			*cause = NULL;

	if (!j->restart) {
		j->ret = engine_status(j->store, j->config, &j->status,
		    &j->good, &j->cause);
		return;
	}
	if (store_show_entry(j->store, STORE_AREA_SERVER, "server", &active,
	    &cause) == STORE_OK)
		expected = active->sha256;
	free(cause);
	j->ret = engine_restart(j->config, view_engine_progress_cb, NULL,
	    &j->action, &j->cause);
	if (j->ret == STORE_OK)
		j->ret = engine_wait_and_probe(j->config, expected,
		    view_engine_progress_cb, NULL, &j->results, &j->n_results,
		    &j->cause);
	if (active != NULL)
		store_entry_free(active);
}

static const char *
view_engine_action_name(enum engine_action action)
{
	switch (action) {
	case ENGINE_ACTION_SIGNAL:
		return "reloaded";
	case ENGINE_ACTION_RESTART:
		return "restarted";
	case ENGINE_ACTION_STOP_START:
		return "stopped and started";
	case ENGINE_ACTION_START:
		return "started";
	default:
		return "left alone";
	}
}

static char *
view_engine_status_text(const struct engine_config *config,
    const struct engine_status *st)
{
	const struct engine_probe_result	*r;
	struct util_buf				 b = { 0 };
	size_t					 i;

	util_buf_printf(&b, "Engine: %s", engine_state_name(st->state));
	if (st->pid > 0)
		util_buf_printf(&b, " (pid %ld)", st->pid);
	if (st->state_why != NULL)
		util_buf_printf(&b, "\n%s", st->state_why);
	if (st->active_sha256[0] != '\0')
		util_buf_printf(&b, "\n\nActive certificate: %s\nSHA-256 %s",
		    st->active_cn != NULL ? st->active_cn : "",
		    st->active_sha256);
	else
		util_buf_printf(&b, "\n\nActive certificate: none");
	if (config->n_probes == 0)
		util_buf_printf(&b, "\n\nNo probe in [engine] (probe = "
		    "HOST:PORT): what the engine serves is not checked.");
	for (i = 0; i < st->n_probes; i++) {
		r = &st->probes[i];
		util_buf_printf(&b, "\n\nProbe %s (starttls %s): ", r->hostport,
		    engine_starttls_name(config->probe_starttls[i]));
		if (!r->ok) {
			util_buf_printf(&b, "%s", r->error != NULL ? r->error :
			    "no answer");
			continue;
		}
		util_buf_printf(&b, "serves %s, chain of %u: %s",
		    r->common_name != NULL ? r->common_name : "",
		    r->chain_length, r->serves_active ? "the active "
		    "certificate" : "NOT the active certificate");
	}
	return util_buf_take_string(&b);
}

/* After an activation whose restart failed: offer the previous pair. */
static void
view_engine_offer_previous(struct ui *ui, const char *why)
{
	char	*dir = NULL, *entry = NULL, *cause = NULL, *text;
	char	*note = NULL;
	static const char *const buttons[] = {
		"Keep the new pair", "Put the previous pair back"
	};

	if (engine_previous_pair(ui->store, &dir, &entry, &cause) !=
	    STORE_OK) {
		xasprintf(&text, "%s\n\nThe new pair stays active; %s", why,
		    cause != NULL ? cause : "no previous pair was kept");
		ui_dialog_message(ui, "Engine restart failed", text);
		free(text);
		goto out;
	}
	xasprintf(&text, "%s\n\nThe previous pair was kept in %s%s%s%s.",
	    why, dir, entry != NULL ? " and is still stored as '" : "",
	    entry != NULL ? entry : "", entry != NULL ? "'" : "");
	if (ui_dialog_buttons(ui, "Engine restart failed", text, buttons, 2,
	    NULL) == 1) {
		if (store_restore_previous(ui->store, &note, &cause) !=
		    STORE_OK) {
			ui_dialog_message(ui, "Put back failed", cause);
			ui_set_message(ui, true, "%s", cause);
		} else {
			ui_set_message(ui, false, "%s", note != NULL ? note :
			    "The previous pair is active again.");
			free(text);
			text = NULL;
			view_list_reload(ui);
			ui_redraw(ui);
			if (ui_dialog_confirm(ui, "Restart the engine?", "The "
			    "previous pair is active again. Restart the Engine "
			    "now so it serves it?", "Restart now", "Later"))
				view_engine_run(ui, false);
		}
	}
	free(text);
out:
	free(note);
	free(dir);
	free(entry);
	free(cause);
}

static void
view_engine_restart(struct ui *ui, struct engine_config *config,
    bool after_activate)
{
	struct view_engine_job	 j;
	struct util_buf		 b = { 0 };
	char			*text, *why;
	size_t			 i;

	memset(&j, 0, sizeof j);
	j.store = ui->store;
	j.config = config;
	j.restart = true;
	ui_run_long(ui, "Restarting the engine", view_engine_job_cb, &j);
	view_engine_refresh_state(ui);
	if (j.ret != STORE_OK) {
		xasprintf(&why, "After the engine was %s: %s",
		    view_engine_action_name(j.action), j.cause != NULL ?
		    j.cause : "it failed");
		ui_set_message(ui, true, "%s", why);
		if (after_activate)
			view_engine_offer_previous(ui, why);
		else
			ui_dialog_message(ui, "Engine restart failed", why);
		free(why);
		goto out;
	}
	util_buf_printf(&b, "The engine was %s.",
	    view_engine_action_name(j.action));
	if (j.n_results == 0)
		util_buf_printf(&b, " No probe in [engine], so what it serves "
		    "was not checked.");
	for (i = 0; i < j.n_results; i++)
		util_buf_printf(&b, "\nIt now serves %s, SHA-256 %s, chain of "
		    "%u (%s).", j.results[i].common_name != NULL ?
		    j.results[i].common_name : "", j.results[i].sha256,
		    j.results[i].chain_length, j.results[i].hostport);
	text = util_buf_take_string(&b);
	ui_set_message(ui, false, "%s", text);
	ui_dialog_message(ui, "Engine restarted", text);
	free(text);
out:
	for (i = 0; i < j.n_results; i++)
		engine_probe_result_done(&j.results[i]);
	free(j.results);
	free(j.cause);
}

void
view_engine_run(struct ui *ui, bool after_activate)
{
	struct engine_config	 config;
	struct view_engine_job	 j;
	char			*cause = NULL, *text;
	int			 choice;
	static const char *const buttons[] = { "Restart now", "Close" };

	memset(&config, 0, sizeof config);
	if (engine_config_load(ui->store, &config, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Engine", cause);
		ui_set_message(ui, true, "%s", cause);
		free(cause);
		goto out;
	}
	if (!config.configured) {
		cause = engine_config_missing(&config);
		ui_dialog_message(ui, "Engine", cause);
		ui_set_message(ui, true, "%s", cause);
		free(cause);
		goto out;
	}
	if (after_activate) {
		/* The administrator already said "restart now". */
		view_engine_restart(ui, &config, true);
		goto out;
	}
	memset(&j, 0, sizeof j);
	j.store = ui->store;
	j.config = &config;
	ui_run_long(ui, "Checking the engine", view_engine_job_cb, &j);
	if (j.ret != STORE_OK) {
		ui_dialog_message(ui, "Engine", j.cause);
		free(j.cause);
		goto out;
	}
	text = view_engine_status_text(&config, &j.status);
	engine_status_done(&j.status);
	choice = ui_dialog_buttons(ui, "Engine: status", text, buttons, 2,
	    NULL);
	free(text);
	if (choice == 0)
		view_engine_restart(ui, &config, false);
out:
	view_engine_refresh_state(ui);
	engine_config_done(&config);
}
