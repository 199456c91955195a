/* args.c reads ssrd's command line: the config from the defaults, the
 * --config file and the flags, and the flags of render and diagnose. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "app/app.h"
#include "core/log.h"
#include "diag/stats.h"

/* Stores render's own flags (which are not config options) in app; returns
 * 1 if name was one. app NULL (a reload): recognised, not stored. */
static int
client_flag(ssrd_app *app, const char *name, const char *value)
{
	static const char *const names[] = { "props", "connect", "headers",
		"host", "format", "timeout-ms", "timeout_ms" };
	size_t                   i       = 0;
	while (i < sizeof(names) / sizeof(names[0])
	    && strcmp(name, names[i]) != 0) {
		i++;
	}
	if (i == sizeof(names) / sizeof(names[0])) {
		return 0;
	}
	if (app == NULL) {
		return 1;
	}
	if (i == 0) {
		app->props = value;
	} else if (i == 1) {
		app->client.connect = value;
	} else if (i == 2) {
		app->client.headers = value;
	} else if (i == 3) {
		app->client.host = value;
	} else if (i == 4) {
		app->client.format = value;
	} else {
		app->client.timeout_ms = atoi(value);
	}
	return 1;
}

/* Two passes over argv: --config first, wherever it is, so that every
 * other flag overrides the file whatever the order. */
int
ssrd__app_args(ssrd_app *app, ssrd_config *cfg, int argc, char **argv,
    const char *cmd, char *errbuf, size_t errlen)
{
	char why[512];
	if (ssrd__config_init(cfg) != SSRD_OK) {
		snprintf(errbuf, errlen, "out of memory");
		return SSRD_EXIT_START;
	}
	if (strcmp(cmd, "render") == 0 || strcmp(cmd, "render-local") == 0) {
		ssrd__config_set(cfg, "log_level", "warn", why, sizeof(why));
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc
		    && ssrd__config_load_file(cfg, argv[++i], errbuf, errlen)
		        != SSRD_OK) {
			return SSRD_EXIT_START;
		}
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (app != NULL && app->route != NULL) {
				snprintf(errbuf, errlen,
				    "unexpected argument \"%s\" (see ssrd "
				    "help)",
				    a);
				return SSRD_EXIT_USAGE;
			}
			if (app != NULL) {
				app->route = a;
			}
			continue;
		}
		char        name[64];
		const char *value = strchr(a, '=');
		size_t n = value ? (size_t) (value - a - 2) : strlen(a + 2);
		if (n >= sizeof(name)) {
			snprintf(errbuf, errlen, "unknown option %s", a);
			return SSRD_EXIT_USAGE;
		}
		memcpy(name, a + 2, n);
		name[n] = '\0';
		/* render's and diagnose's switches, which take no value */
		if (value == NULL
		    && (strcmp(name, "stream") == 0
		        || strcmp(name, "console") == 0
		        || strcmp(name, "watch") == 0)) {
			if (app != NULL && name[0] == 's') {
				app->client.stream = 1;
			} else if (app != NULL && name[0] == 'c') {
				app->client.console = 1;
			} else if (app != NULL) {
				app->client.watch = 1;
			}
			continue;
		}
		if (value != NULL) {
			value++;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			snprintf(
			    errbuf, errlen, "option --%s needs a value", name);
			return SSRD_EXIT_USAGE;
		}
		if (strcmp(name, "config") == 0
		    || client_flag(app, name, value)) {
			continue;
		}
		if (ssrd__config_set(cfg, name, value, why, sizeof(why))
		    != SSRD_OK) {
			snprintf(errbuf, errlen, "--%s: %s", name, why);
			return SSRD_EXIT_USAGE;
		}
	}
	return 0;
}

int
ssrd__app_parse_args(ssrd_app *app, int argc, char **argv, const char *cmd)
{
	char errbuf[1024];
	int  rc = ssrd__app_args(
	     app, &app->cfg, argc, argv, cmd, errbuf, sizeof(errbuf));
	if (rc != 0) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		return rc;
	}
	app->argc = argc;
	app->argv = argv;
	app->cmd  = cmd;
	ssrd__log_set_level(ssrd__log_level_parse(app->cfg.log_level));
	ssrd__log_set_format(ssrd__log_format_parse(app->cfg.log_format));
	ssrd__stats_set_log_level(ssrd__log_level_parse(app->cfg.timing_log));
	return 0;
}
