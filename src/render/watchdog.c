/* watchdog.c: one thread per pool that stops JavaScript running past its
 * deadline. A worker stuck in `while (true) {}` never returns to its event
 * loop to notice its own timeout; V8's TerminateExecution is the one call
 * that may come from another thread, so this thread makes it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>

#include "core/log.h"
#include "core/timers.h"
#include "render/pool_impl.h"

void
ssrd__cv_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, double deadline_ms)
{
	if (deadline_ms < 0) {
		pthread_cond_wait(cv, mu);
		return;
	}
	double wait = deadline_ms - ssrd__now_ms();
	if (wait <= 0) {
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long ns = ts.tv_nsec + (long long) (wait * 1e6) + 1;
	ts.tv_sec += (time_t) (ns / 1000000000LL);
	ts.tv_nsec = (long) (ns % 1000000000LL);
	pthread_cond_timedwait(cv, mu, &ts);
}

/*
 * Workers publish each slice of JavaScript they run (js_deadline, under
 * wd_mu) and signal only when a new deadline is earlier than this thread's
 * next wake-up, so it wakes about once per render timeout while renders
 * behave. A stopped worker clears js_stopped itself,
 * under the same lock, after V8 has returned (worker_slice.c,
 * ssrd__worker_slice_end), so a
 * terminate can never land on the next slice.
 */
void *
ssrd__watchdog_main(void *arg)
{
	ssrd_pool *p = arg;
	pthread_setname_np(pthread_self(), "ssrd-watchdog");
	pthread_mutex_lock(&p->wd_mu);
	while (!p->wd_stop) {
		double now = ssrd__now_ms(), next = -1;
		for (long i = 0; i < p->nworkers; i++) {
			struct worker *w = &p->workers[i];
			if (w->js_deadline <= 0 || w->js_stopped) {
				continue;
			}
			if (now >= w->js_deadline) {
				ssrd__isolate_terminate(w->iso);
				w->js_stopped = 1;
			} else if (next < 0 || w->js_deadline < next) {
				next = w->js_deadline;
			}
		}
		/* With no slice running, keep the wake-up planned for one that
		 * has ended: the next slice's deadline is most likely later,
		 * and then it need not signal (a wake-up per slice would cost
		 * a context switch per render). */
		if (next < 0 && p->wd_next > now) {
			next = p->wd_next;
		}
		p->wd_next = next;
		ssrd__cv_wait_until(&p->wd_cv, &p->wd_mu, next);
	}
	pthread_mutex_unlock(&p->wd_mu);
	return NULL;
}
