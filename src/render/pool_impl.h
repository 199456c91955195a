/* pool_impl.h: the pool's and the workers' insides, shared by pool.c (the
 * queue), the worker's files (worker_impl.h: the threads and their event
 * loops) and watchdog.c. Internal. */
#ifndef SSRD_POOL_IMPL_H
#define SSRD_POOL_IMPL_H

#include <pthread.h>

#include "render/pool.h"
#include "render/sitectx.h"

struct render;
struct host_done;

/*
 * A worker. Everything in it but the fields marked "under pool->mu" belongs
 * to its thread: the isolate and the contexts are never touched from
 * anywhere else.
 */
struct worker {
	ssrd_pool        *pool;
	int               index;
	pthread_t         thread;
	ssrd_isolate     *iso;
	ssrd_sitectx_loop loop; /* the hooks its contexts report through */
	/* isolation = site: the warm context of each site (by slot) */
	ssrd_sitectx **slots;
	/* ... and, by slot, the one it had before a reload (NULL: none), for
	 * the requests taken across the swap; retired when the worker idles */
	ssrd_sitectx **older;
	/* isolation = page: the context whose React every render uses */
	ssrd_sitectx *warm;
	/* every open context, for timers: slots, warm, renders' own, and
	 * retired ones still in use */
	ssrd_sitectx **live;
	size_t         nlive, caplive;
	struct render *renders; /* in flight */
	/* the job rendering synchronously now (renderToString), which is no
	 * render in flight, and its render id; NULL, 0: none */
	ssrd_job *sync_job;
	uint64_t  sync_rid;
	long      inflight;
	long      host_outstanding; /* host calls not yet completed */
	uint64_t  next_rid;
	/* why the isolate is to be replaced once its renders are done (a
	 * static string), or NULL; no new render starts meanwhile */
	const char *recycle_why;
	long        renders_since_boot;
	double      idle_since;   /* when it last had nothing in flight */
	double      heap_seen_ms; /* when stats.heap was last filled */
	int         idle_gc_done;
	/* under pool->wd_mu: the JavaScript it runs now (a slice) must end
	 * by js_deadline (0: it runs none); js_stopped: the watchdog stopped
	 * it */
	double js_deadline;
	int    js_stopped;
	/* counters, written by the thread, read by anyone (atomics) */
	ssrd_worker_stats stats;
	/* its event loop (worker_wait.c), where it sleeps: the eventfd in it
	 * that other threads write to wake it (ssrd__worker_signal()) */
	struct st_h2o_evloop_t *evloop;
	struct st_h2o_socket_t *wake_sock;
	int                     wake_fd;
	/* a job its own thread queued runs in the same turn of the loop
	 * (worker_wait.c's run_soon); in_take: its loop runs from
	 * ssrd__pool_take() with room for a job, nothing of V8's on the
	 * stack, so it may; stepped: one did, so the wait returns for the
	 * worker's bookkeeping. Its thread only. */
	struct run_soon *soon;
	int              in_take, stepped;
	/* under pool->mu: how the pool and the host threads reach the worker
	 * (ssrd__pool_take() sleeps in its loop and empties done_head) */
	int               sleeping;  /* in ssrd__worker_sleep(), not woken */
	int               accepting; /* takes new jobs (not recycling) */
	struct host_done *done_head; /* host calls completed, to settle */
	/* jobs its own thread queued for it (ssrd__pool_submit_here()), and
	 * functions to run on its thread (ssrd__pool_post()), oldest first;
	 * exited: its thread has run its last posts */
	ssrd_job         *own_head, *own_tail;
	long              own_queued;
	struct pool_post *post_head, *post_tail;
	int               exited;
	/* a site's new generation to warm before it serves (a reference,
	 * ssrd__pool_adopt(); written atomically, so that the worker may look
	 * without mu); NULL: none. And the last one it warmed (only compared,
	 * never followed). */
	ssrd_site       *warm_next;
	const ssrd_site *warmed;
	/* set once at start-up, under pool->mu (ssrd__pool_started()) */
	int  started;
	int  start_err;
	char start_msg[1024];
};

/*
 * What the workers and the watchdog see of the pool. The queue is pool.c's
 * alone (struct pool there, which embeds this): workers take from it with
 * ssrd__pool_take() and report with ssrd__pool_done(). Everything here but
 * stopping and the watchdog's fields is set before the threads start and
 * read-only after.
 */
struct ssrd_pool {
	pthread_mutex_t mu;
	/* set once, under mu, by ssrd__pool_stop(), atomically: workers
	 * read it without mu through ssrd__pool_stopping() */
	int                stopping;
	long               nworkers; /* threads started */
	struct worker     *workers;
	const ssrd_bundle *base;
	/* the generations workers boot with (references), by slot */
	ssrd_site **sites;
	size_t      nsites;
	/* by slot, under mu: the routes of generation warm_skip_gen no warm-up
	 * renders any more, one byte each (worker_warm.c), or NULL */
	unsigned char **warm_skip;
	unsigned       *warm_skip_gen;
	ssrd_pool_opts  opts; /* with the defaults filled in */
	/* the watchdog: stops JavaScript that runs past its deadline */
	pthread_mutex_t wd_mu;
	pthread_cond_t  wd_cv;
	double          wd_next; /* when it wakes next (-1: when told) */
	int             wd_stop;
};

/* Whether the pool is stopping, read without p->mu. */
static inline int
ssrd__pool_stopping(const ssrd_pool *p)
{
	return __atomic_load_n(&p->stopping, __ATOMIC_ACQUIRE);
}

/* The watchdog thread's body (watchdog.c). */
void *ssrd__watchdog_main(void *arg);

/* Waits on cv (made with CLOCK_MONOTONIC) until deadline_ms on ssrd's
 * clock, or for ever if it is negative. */
void ssrd__cv_wait_until(
    pthread_cond_t *cv, pthread_mutex_t *mu, double deadline_ms);

/* The worker thread's body (worker.c). */
void *ssrd__worker_main(void *arg);

/*
 * Whether worker w has to run its loop now rather than wait for a job
 * (worker.c; its thread, pool->mu held): host calls came back, a render is
 * to be aborted, a deadline of its loop has come, a new generation waits to
 * be warmed (warm_next), or it has nothing left in flight and the pool
 * stops (stopping) or it no longer accepts jobs.
 * Otherwise returns 0 with *next set to when its loop must run next (-1:
 * no time).
 */
int ssrd__worker_wake(const struct worker *w, int stopping, double *next);

/*
 * The worker's event loop (worker_wait.c), made and closed on its thread:
 * _open returns SSRD_OK or SSRD_ESYS with w->start_msg set.
 */
int  ssrd__worker_loop_open(struct worker *w);
void ssrd__worker_loop_close(struct worker *w);

/* Has w's own queued job run in this turn of its loop, from a zero timeout
 * that ssrd__worker_run_own() answers (its thread, pool->mu not held). */
void ssrd__worker_run_soon(struct worker *w);

/* Runs w's first own job now, in a worker turn (worker.c), if its loop
 * runs from ssrd__pool_take() (w->in_take); else leaves it to that wait.
 * Its thread, from the loop, pool->mu not held. */
void ssrd__worker_run_own(struct worker *w);

/* w's first own job, taken and active until ssrd__pool_done(), if w has
 * room for it now; else NULL. Its thread, pool->mu not held. */
ssrd_job *ssrd__pool_take_own(ssrd_pool *p, struct worker *w);

/* Runs w's loop once without waiting (its thread, pool->mu not held). */
void ssrd__worker_poll(struct worker *w);

/* Wakes w if it sleeps (pool->mu held; any thread): work, a completion, a
 * cancel or the stop is there for it to see. */
void ssrd__worker_signal(struct worker *w);

/* Sleeps in w's loop (its thread; mu held, released meanwhile) until
 * ssrd__worker_signal(), an event of a socket in the loop, or deadline_ms
 * on ssrd's clock (negative: none). Returns at once if that has passed. */
void ssrd__worker_sleep(
    struct worker *w, pthread_mutex_t *mu, double deadline_ms);

/* Marks the calling thread as w's (ssrd__pool_self()). */
void ssrd__pool_self_set(struct worker *w);

/* Runs what was posted to w (ssrd__pool_post()) and not yet run, oldest
 * first; with last, marks w as taking no more posts first. Its thread. */
void ssrd__pool_run_posts(ssrd_pool *p, struct worker *w, int last);

/* Worker w has started (err: SSRD_OK, or why not, with w->start_msg):
 * tells ssrd__pool_start(). Worker thread, once. */
void ssrd__pool_started(ssrd_pool *p, struct worker *w, int err);

/*
 * The worker's wait for work (its thread; takes pool->mu). accepting:
 * whether w takes a new job now (not when about to replace its isolate).
 * Blocks until a job is queued that w has room for, or
 * ssrd__worker_wake() says its loop must run; then takes that job into
 * *job (NULL if none), active until ssrd__pool_done(), and the host calls
 * that came back into *done (NULL if none; newest first). Returns 1 if the
 * pool is stopping, else 0.
 */
int ssrd__pool_take(ssrd_pool *p, struct worker *w, int accepting,
    ssrd_job **job, struct host_done **done);

/* Takes the generation ssrd__pool_adopt() wants w to warm (its reference
 * moves to the caller), or NULL. Worker thread. */
ssrd_site *ssrd__pool_warm_take(ssrd_pool *p, struct worker *w);

/* w has warmed site (ssrd__pool_warm_take()'s): tells ssrd__pool_adopt()
 * and drops the reference. Worker thread. */
void ssrd__pool_warmed(ssrd_pool *p, struct worker *w, ssrd_site *site);

/* A job ssrd__pool_take() handed out has completed (its done called): wakes
 * ssrd__pool_drain() when it was the last. Worker thread, once per job. */
void ssrd__pool_done(ssrd_pool *p);

#endif
