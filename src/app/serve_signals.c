/* serve_signals.c: what `ssrd serve` does once it listens: the pid file,
 * SIGHUP (reload the config and the sites), SIGTERM and SIGINT (drain,
 * then stop). */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "app/app.h"
#include "app/lifecycle.h"
#include "core/log.h"
#include "core/timers.h"
#include "diag/stats.h"

static const char *
signal_name(int sig)
{
	return sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM";
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

/* A config value as a logfmt value (malloc'd): text quoted as the log
 * quotes it, a number as it is. */
static char *
log_value(const ssrd_config_change *c, const char *v)
{
	return c->text ? ssrd__log_quote(v, strlen(v)) : strdup(v);
}

struct reload_apply {
	ssrd_app    *app;
	ssrd_config *fresh;
};

/* Puts the reloaded value of the live option called name into the running
 * config, and into effect; returns 1, or 0 for an option it cannot apply.
 * Only this thread reads these options. */
static int
apply_live(ssrd_app *app, ssrd_config *fresh, const char *name)
{
	if (strcmp(name, "log_level") == 0) {
		char *old          = app->cfg.log_level;
		app->cfg.log_level = fresh->log_level;
		fresh->log_level   = old; /* freed with fresh */
		ssrd__log_set_level(ssrd__log_level_parse(app->cfg.log_level));
	} else if (strcmp(name, "timing_log") == 0) {
		char *old           = app->cfg.timing_log;
		app->cfg.timing_log = fresh->timing_log;
		fresh->timing_log   = old;
		ssrd__stats_set_log_level(
		    ssrd__log_level_parse(app->cfg.timing_log));
	} else if (strcmp(name, "drain_ms") == 0) {
		app->cfg.drain_ms = fresh->drain_ms;
	} else {
		return 0;
	}
	return 1;
}

/* One option that differs in the reloaded config: applied at once if the
 * table says it can be (.live), else named in a warning; the running value
 * stays until a restart. */
static void
apply_change(const ssrd_config_change *c, void *arg)
{
	struct reload_apply *ra = arg;
	/* a secret's values are not for the log: that it changed is enough */
	char *was  = c->secret ? strdup("(secret)") : log_value(c, c->before);
	char *now  = c->secret ? strdup("\"(secret, changed)\"")
	                       : log_value(c, c->after);
	int   live = c->live && apply_live(ra->app, ra->fresh, c->name);
	assert(live == c->live); /* every live option has its applier */
	ssrd__log(live ? SSRD_LOG_INFO : SSRD_LOG_WARN,
	    live ? "config_applied" : "restart_needed",
	    "option=%s running=%s configured=%s%s", c->name, live ? now : was,
	    now, live ? "" : " msg=\"takes effect when ssrd restarts\"");
	free(was);
	free(now);
}

/* Loads every site again now; returns how many failed, the first one's
 * error in errbuf. */
static size_t
reload_sites(ssrd_app *app, char *errbuf, size_t errlen)
{
	size_t failed = 0;
	char why[4096]; /* the whole of it is in the site_reload_failed line */
	for (size_t i = 0; i < app->nsites; i++) {
		if (ssrd__reloader_reload_now(
		        app->reloaders[i], why, sizeof(why))
		    != SSRD_OK) {
			if (failed++ == 0) {
				snprintf(errbuf, errlen, "site %s: %s",
				    app->entries[i].path, why);
			}
		}
	}
	return failed;
}

/*
 * SIGHUP: reads the config file and the flags again (flags still win). An
 * invalid config is logged with its reason and changes nothing. A valid
 * one is applied where it can be live, the other changes are named as
 * needing a restart, and every site is loaded again: renders in flight
 * finish on the generation they started with, the next ones get the new
 * one, so no request fails because of a reload.
 */
static void
reload_all(ssrd_app *app)
{
	char        errbuf[8192];
	ssrd_config fresh;
	double      t0 = ssrd__now_ms();
	ssrd__log(SSRD_LOG_INFO, "reloading", "signal=SIGHUP");
	if (ssrd__app_args(NULL, &fresh, app->argc, app->argv, app->cmd, errbuf,
	        sizeof(errbuf))
	    != 0) {
		char *q = ssrd__log_quote(errbuf, strlen(errbuf));
		ssrd__log(SSRD_LOG_ERROR, "reload_failed",
		    "reason=%s msg=\"the config is invalid: still running on "
		    "the previous one\"",
		    q ? q : "\"\"");
		free(q);
		ssrd__config_clear(&fresh);
		return;
	}
	struct reload_apply ra = { app, &fresh };
	ssrd__config_diff(&app->cfg, &fresh, apply_change, &ra);
	ssrd__config_clear(&fresh);
	size_t failed = reload_sites(app, errbuf, sizeof(errbuf));
	if (failed > 0) {
		char *q = ssrd__log_quote(errbuf, strlen(errbuf));
		ssrd__log(SSRD_LOG_ERROR, "reload_failed",
		    "sites=%zu failed=%zu reason=%s msg=\"a site that did not "
		    "load keeps serving its last good build\"",
		    app->nsites, failed, q ? q : "\"\"");
		free(q);
		return;
	}
	ssrd__log(SSRD_LOG_INFO, "reloaded", "sites=%zu ms=%.1f", app->nsites,
	    ssrd__now_ms() - t0);
}

/* Takes the signals already pending without waiting: returns 1 if one of
 * them is another SIGTERM or SIGINT. A SIGHUP while draining is dropped. */
static int
stop_again(const sigset_t *sigs)
{
	struct timespec zero = { 0, 0 };
	int             sig, again = 0;
	while ((sig = sigtimedwait(sigs, NULL, &zero)) > 0) {
		if (sig == SIGHUP) {
			ssrd__log(SSRD_LOG_WARN, "reload_skipped",
			    "signal=SIGHUP reason=draining");
		} else {
			ssrd__log(SSRD_LOG_WARN, "drain_cut",
			    "signal=%s msg=\"a second stop signal: stopping "
			    "at once\"",
			    signal_name(sig));
			again = 1;
		}
	}
	return again;
}

/* How a drain went, for the closing log line. */
struct drain {
	int    sig;
	int    forced;       /* a second signal cut it short */
	size_t renders_left; /* queued or running when it ended */
	size_t replies_left; /* rendered but not yet written */
	double t0;
};

/* Waits for the queued and running renders, until deadline (ms) or a
 * second stop signal; in slices, so that such a signal is seen soon. */
static void
drain_renders(
    ssrd_app *app, const sigset_t *sigs, double deadline, struct drain *d)
{
	for (;;) {
		double left     = deadline - ssrd__now_ms();
		d->renders_left = ssrd__pool_drain(app->pool,
		    left <= 0        ? 0
		        : left < 100 ? left
		                     : 100);
		if (d->renders_left == 0 || ssrd__now_ms() >= deadline) {
			return;
		}
		if (stop_again(sigs)) {
			d->forced = 1;
			return;
		}
	}
}

/* The renders are done; their replies are with the fronts, on their way
 * to the clients (a stream's last chunks, a protocol reply being sent, a
 * stream not yet pulled to its end). Gives them up to a second. */
static void
drain_replies(ssrd_app *app, const sigset_t *sigs, struct drain *d)
{
	double deadline = ssrd__now_ms() + 1000;
	while ((d->replies_left
	           = ssrd__http_busy(app->http) + ssrd__ipc_busy(app->ipc))
	        > 0
	    && ssrd__now_ms() < deadline) {
		if (stop_again(sigs)) {
			d->forced = 1;
			return;
		}
		sleep_ms(10);
	}
	/* A buffered reply handed to nng is written by nng's own threads just
	 * after; the server's stop would cut a write still under way. */
	sleep_ms(50);
}

/*
 * SIGTERM or SIGINT: new requests are refused (HTTP 503 with Retry-After,
 * the protocol's `closed`); the queued and running renders get drain_ms to
 * finish and their replies a moment to be written. Whatever is left is
 * stopped by the teardown that follows. A second stop signal cuts it short.
 */
static void
drain(ssrd_app *app, const sigset_t *sigs, struct drain *d)
{
	d->t0 = ssrd__now_ms();
	ssrd__log(SSRD_LOG_INFO, "draining",
	    "signal=%s grace_ms=%ld msg=\"refusing new requests, finishing "
	    "the ones in flight\"",
	    signal_name(d->sig), app->cfg.drain_ms);
	ssrd__http_drain(app->http);
	drain_renders(app, sigs, d->t0 + (double) app->cfg.drain_ms, d);
	if (d->renders_left == 0 && !d->forced) {
		drain_replies(app, sigs, d);
	}
	int clean = d->renders_left == 0 && d->replies_left == 0 && !d->forced;
	ssrd__log(clean ? SSRD_LOG_INFO : SSRD_LOG_WARN, "drained",
	    "renders_left=%zu replies_left=%zu ms=%.1f%s", d->renders_left,
	    d->replies_left, ssrd__now_ms() - d->t0,
	    d->renders_left > 0 ? " msg=\"stopping the renders still running\""
	                        : "");
}

/* Waits for signals until a stop: SIGHUP reloads, SIGTERM/SIGINT drain. */
static void
serve_until_stopped(ssrd_app *app, const sigset_t *sigs, struct drain *d)
{
	for (;;) {
		int sig = 0;
		if (sigwait(sigs, &sig) != 0) {
			continue;
		}
		if (sig == SIGHUP) {
			reload_all(app);
			continue;
		}
		d->sig = sig;
		drain(app, sigs, d);
		return;
	}
}

/*
 * The listeners are up: writes the pid file, serves until a stop signal
 * and its drain, tears everything down, removes the pid file. Returns 0 (a
 * requested stop, even one cut short by a second signal), or SSRD_EXIT_START
 * when the pid file cannot be written.
 */
int
ssrd__serve_signals(ssrd_app *app, const sigset_t *sigs)
{
	char  errbuf[1024];
	char *pid_file
	    = strdup(app->cfg.pid_file); /* outlives ssrd__app_close() */
	if (pid_file == NULL) {
		fprintf(stderr, "ssrd: out of memory\n");
		return SSRD_EXIT_START;
	}
	if (pid_file[0] != '\0'
	    && ssrd__lifecycle_pidfile_write(pid_file, errbuf, sizeof(errbuf))
	        != SSRD_OK) {
		fprintf(stderr, "ssrd: %s\n", errbuf);
		free(pid_file);
		return SSRD_EXIT_START;
	}
	if (pid_file[0] != '\0') {
		ssrd__log(SSRD_LOG_INFO, "pid_file", "path=%s pid=%ld",
		    pid_file, (long) getpid());
	}
	struct drain d = { 0 };
	serve_until_stopped(app, sigs, &d);
	ssrd__app_close(app); /* stops what the drain left */
	ssrd__lifecycle_pidfile_remove(pid_file);
	free(pid_file);
	ssrd__log(SSRD_LOG_INFO, "stopped",
	    "signal=%s drained=%d forced=%d ms=%.1f", signal_name(d.sig),
	    d.renders_left == 0 && d.replies_left == 0 && !d.forced, d.forced,
	    ssrd__now_ms() - d.t0);
	return 0;
}
