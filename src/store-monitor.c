/*
 * store-monitor.c: the monitoring check of the active certificate, in the
 * Nagios plugin convention (one summary line, exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN, performance data after '|').
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

#define MONITOR_OK		0
#define MONITOR_WARNING		1
#define MONITOR_CRITICAL	2
#define MONITOR_UNKNOWN		3

static const char *const monitor_words[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

int
store_monitor(struct store *st, int warn_days, int crit_days, char **line)
{
	struct store_entry	*e = NULL;
	struct util_buf		 b = { 0 };
	char			*why = NULL, *until, *cn;
	int			 state = MONITOR_OK;

	if (store_show_entry(st, STORE_AREA_SERVER, "server", &e, &why) !=
	    STORE_OK) {
		xasprintf(line, "CERTIFICATE CRITICAL: no usable active "
		    "certificate: %s", why);
		free(why);
		return MONITOR_CRITICAL;
	}
	until = util_format_time(e->not_after);
	cn = util_escape(e->common_name);
	if (!e->checks[STORE_CHECK_KEY_MATCHES].ok) {
		state = MONITOR_CRITICAL;
		util_buf_printf(&b, "; %s", e->checks[STORE_CHECK_KEY_MATCHES].why);
	}
	if (!e->checks[STORE_CHECK_DATE_VALID].ok) {
		state = MONITOR_CRITICAL;
		util_buf_printf(&b, "; %s", e->checks[STORE_CHECK_DATE_VALID].why);
	} else if (e->days_left <= crit_days)
		state = MONITOR_CRITICAL;
	else if (e->days_left <= warn_days && state < MONITOR_WARNING)
		state = MONITOR_WARNING;
	if (!e->checks[STORE_CHECK_NAME_MATCHES].ok) {
		if (state < MONITOR_WARNING)
			state = MONITOR_WARNING;
		util_buf_printf(&b, "; %s",
		    e->checks[STORE_CHECK_NAME_MATCHES].why);
	}
	if (!e->checks[STORE_CHECK_CHAIN_COMPLETE].ok) {
		if (state < MONITOR_WARNING)
			state = MONITOR_WARNING;
		util_buf_printf(&b, "; %s",
		    e->checks[STORE_CHECK_CHAIN_COMPLETE].why);
	}
	xasprintf(line, "CERTIFICATE %s: %s expires %s (%ld days left)%s | "
	    "days_left=%ld;%d;%d", monitor_words[state], cn[0] != '\0' ? cn :
	    "server.crt", until, e->days_left, b.data != NULL ?
	    (char *)b.data : "", e->days_left, warn_days, crit_days);
	free(cn);
	free(until);
	util_buf_done(&b);
	store_entry_free(e);
	return state;
}
