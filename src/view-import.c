/*
 * view-import: choose a file with CDK's file selector, ask for its
 * password when the store says it needs one (masked), show the store's
 * summary of what will be stored where, and only then commit.  The store
 * sorts the input (certificate, chain, PKCS#7, PKCS#12, key) and pairs a
 * certificate with the pending request it answers; the view only asks.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui.h"
#include "certdesk/util.h"

/* Where the selector starts: here, else the home folder. */
static char *
view_import_start_dir(void)
{
	const char	*home = getenv("HOME");
	char		*cwd;
	struct stat	 sb;

	cwd = getcwd(NULL, 0);
	if (cwd != NULL && strcmp(cwd, "/") != 0)
		return cwd;
	free(cwd);
	if (home != NULL && stat(home, &sb) == 0 && S_ISDIR(sb.st_mode))
		return xstrdup(home);
	return xstrdup("/");
}

/*
 * Run the file selector; returns the chosen path or NULL.  CDK's selector
 * changes the process's folder as it browses, so it is put back after.
 */
char *
ui_choose_file(struct ui *ui, const char *title, const char *start)
{
	CDKFSELECT	*fs;
	char		*t, *chosen = NULL, *dir;
	int		 here, height, width;
	enum ui_run_result r;

	here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = xstrdup(start);
	for (;;) {
		if (chdir(dir) != 0) {
			free(dir);
			dir = xstrdup("/");
			if (chdir(dir) != 0)
				break;
		}
		t = ui_cdk_title(title);
		height = LINES - 4 > 20 ? 20 : LINES - 4;
		width = COLS - 8 > 76 ? 76 : COLS - 8;
		fs = newCDKFselect(ui->cdk, CENTER, CENTER, height, width, t,
		    "File: ", A_NORMAL, '_', A_REVERSE, "</B>", "", "", "",
		    TRUE, FALSE);
		free(t);
		if (fs == NULL) {
			if (ui_getkey() == KEY_RESIZE) {
				ui_redraw(ui);
				continue;
			}
			break;
		}
		curs_set(1);
		drawCDKFselect(fs, TRUE);
		r = ui_widget_run(ObjOf(fs), NULL, NULL);
		curs_set(0);
		free(dir);
		dir = xstrdup(fs->pwd != NULL ? fs->pwd : "/");
		if (r == UI_RUN_DONE && fs->pathname != NULL &&
		    *fs->pathname != '\0')
			chosen = xstrdup(fs->pathname);
		destroyCDKFselect(fs);
		ui_redraw(ui);
		if (r == UI_RUN_RESIZE)
			continue;
		break;
	}
	free(dir);
	if (here != -1) {
		if (fchdir(here) != 0) {
			/* The store's paths are absolute: no harm. */
		}
		close(here);
	}
	return chosen;
}

struct view_import_job {
	struct store			*store;
	const char			*file;
	struct store_import_options	*opts;
	struct store_import_plan	*plan;
	bool				 commit;
	char				*note;
	char				*cause;
	int				 status;
};

static void
view_import_job_cb(void *arg)
{
	struct view_import_job	*j = arg;

	if (j->commit)
		j->status = store_import_commit(j->store, j->plan, &j->note,
		    &j->cause);
	else
		j->status = store_import_prepare(j->store, j->file, j->opts,
		    &j->plan, &j->cause);
}

void
view_import_run(struct ui *ui)
{
	struct store_import_options	 opts = { 0 };
	struct view_import_job		 j;
	char				*file, *start, *key = NULL;
	char				*password = NULL, *text, *prompt;
	const char			*base;
	int				 tries = 0, choice;
	static const char *const	 buttons[] = {
		"Import", "Add a key file", "Cancel"
	};
	const char			*retry[3];
	char				*name = NULL;
	int				 n_retry;

	start = view_import_start_dir();
	file = ui_choose_file(ui, "Import: choose a certificate, chain, "
	    "PKCS#12 or PKCS#7 file", start);
	if (file == NULL) {
		ui_set_message(ui, false, "Nothing imported.");
		goto out;
	}
again:
	memset(&j, 0, sizeof j);
	opts.key_file = key;
	opts.password = password;
	opts.name = name;
	j.store = ui->store;
	j.file = file;
	j.opts = &opts;
	ui_run_long(ui, "Reading the file", view_import_job_cb, &j);
	if (j.status == STORE_NEED_PASSWORD && tries < 3) {
		tries++;
		if (password != NULL)
			util_free_secret(password, strlen(password));
		/*
		 * The store's message names the command line's option; here
		 * the password is simply asked for.
		 */
		free(j.cause);
		base = strrchr(file, '/');
		xasprintf(&prompt, tries > 1 ? "That password does not open "
		    "%s: try again" : "%s is encrypted: its password, please",
		    base != NULL ? base + 1 : file);
		password = ui_dialog_prompt(ui, prompt, "Password: ", NULL,
		    true);
		free(prompt);
		if (password == NULL) {
			ui_set_message(ui, false, "Nothing imported.");
			goto out;
		}
		goto again;
	}
	if (j.status != STORE_OK) {
		/*
		 * The store says why; the ways on are the administrator's:
		 * another name (when one is taken), the password again (when
		 * mistyped), or nothing.
		 */
		n_retry = 0;
		retry[n_retry++] = "Give it a name";
		if (password != NULL)
			retry[n_retry++] = "Type the password again";
		retry[n_retry++] = "Cancel";
		choice = ui_dialog_buttons(ui, "Import refused", j.cause,
		    retry, n_retry, NULL);
		ui_set_message(ui, true, "%s", j.cause != NULL ? j.cause :
		    "import failed");
		free(j.cause);
		if (choice == 0 && tries < 6) {
			tries++;
			prompt = ui_dialog_prompt(ui, "Import: the name to "
			    "file it under", "Name: ", name, false);
			if (prompt == NULL || *prompt == '\0') {
				free(prompt);
				goto out;
			}
			free(name);
			name = prompt;
			goto again;
		}
		if (choice == 1 && n_retry == 3 && tries < 6) {
			tries++;
			util_free_secret(password, strlen(password));
			password = ui_dialog_prompt(ui, "Import: the password "
			    "again", "Password: ", NULL, true);
			if (password == NULL)
				goto out;
			goto again;
		}
		goto out;
	}
	xasprintf(&text, "%s\n\nNothing is written until you choose Import.",
	    store_import_summary(j.plan));
	choice = ui_dialog_buttons(ui, "Import: what will be stored where",
	    text, buttons, 3, NULL);
	free(text);
	if (choice == 1) {
		store_import_plan_free(j.plan);
		free(key);
		key = ui_choose_file(ui, "Import: choose the private key",
		    start);
		if (key == NULL) {
			ui_set_message(ui, false, "Nothing imported.");
			goto out;
		}
		goto again;
	}
	if (choice != 0) {
		store_import_plan_free(j.plan);
		ui_set_message(ui, false, "Nothing imported.");
		goto out;
	}
	j.commit = true;
	ui_run_long(ui, "Importing", view_import_job_cb, &j);
	store_import_plan_free(j.plan);
	if (j.status != STORE_OK) {
		ui_dialog_message(ui, "Import failed", j.cause);
		ui_set_message(ui, true, "%s", j.cause != NULL ? j.cause :
		    "import failed");
	} else
		ui_set_message(ui, false, "%s", j.note != NULL ? j.note :
		    "Imported.");
	free(j.note);
	free(j.cause);
out:
	if (password != NULL)
		util_free_secret(password, strlen(password));
	free(name);
	free(key);
	free(file);
	free(start);
}
