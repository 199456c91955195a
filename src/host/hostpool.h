/* hostpool.h: the threads that run pages' blocking host calls (files,
 * SQLite, fetch), so that a worker's event loop never waits on them. Calls
 * are grouped by owner (the render that asked): each owner has a bound on
 * its calls running and waiting, and threads serve owners in turn, so one
 * render firing thousands of calls cannot starve the others. */
#ifndef SSRD_HOSTPOOL_H
#define SSRD_HOSTPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "host/host.h"

typedef struct ssrd_hostpool  ssrd_hostpool;
typedef struct ssrd_host_task ssrd_host_task;

/*
 * One call. The submitter fills req (its strings must live until done),
 * owner, done and arg, and zeroes the rest; a host thread runs it and fills
 * result, then calls done, which owns the task (and result.text) from then
 * on. done is called exactly once for each task ssrd__hostpool_submit()
 * accepted: on a host thread when it ran, or on the thread calling
 * ssrd__hostpool_cancel() or ssrd__hostpool_stop() when it was still
 * waiting (result is then a rejection, see those).
 */
struct ssrd_host_task {
	ssrd_host_req    req;
	ssrd_host_result result;
	/* Who asked: the pool's limits and turns are per owner. The worker
	 * passes (worker index + 1) << 48 | render id. 0 = no owner: such
	 * tasks share one turn but are under no limit (for callers that are
	 * not renders). */
	uint64_t owner;
	void (*done)(ssrd_host_task *task, void *arg);
	void *arg;
	/* NULL: the thread runs ssrd__host_run(&req, &result). Otherwise it
	 * calls run(task) instead, which must fill result (tests use it to
	 * make calls that block). */
	void (*run)(ssrd_host_task *task);
	ssrd_host_task *next; /* private to the pool until done */
};

/* What a pool is started with. */
typedef struct ssrd_hostpool_opts {
	size_t threads;  /* host threads, at least 1 */
	size_t inflight; /* one owner's tasks running at once, at most;
	                    0: half the threads, at least 1 */
	size_t queued;   /* one owner's tasks waiting, at most; 0: no limit */
} ssrd_hostpool_opts;

/* Fills o from cfg's host_threads, host_render_inflight and
 * host_render_queued. */
void ssrd__hostpool_opts_init(ssrd_hostpool_opts *o, const ssrd_config *cfg);

/* Starts o->threads threads (o is only read). Returns SSRD_OK,
 * SSRD_EINVAL (no threads), SSRD_ESYS or SSRD_ENOMEM. */
int ssrd__hostpool_start(const ssrd_hostpool_opts *o, ssrd_hostpool **out);

/*
 * Queues a task for task->owner. Returns SSRD_OK (done will be called
 * exactly once); or, and then done is never called and the task is the
 * caller's again: SSRD_EOVERLOAD when the owner already has the pool's
 * `queued` tasks waiting, SSRD_ECLOSED when the pool is stopping,
 * SSRD_ENOMEM. ssrd__hostpool_refuse() turns such a refusal into the
 * message the page gets. Any thread; never blocks on a running call.
 *
 * Threads take owners in turn (round-robin over the owners with a task
 * waiting and fewer than `inflight` running), an owner's own tasks in the
 * order submitted: a new owner's task waits for at most one task of each
 * other owner, not for their queues.
 */
int ssrd__hostpool_submit(ssrd_hostpool *hp, ssrd_host_task *task);

/*
 * Fills task->result with the rejection for a call that
 * ssrd__hostpool_submit() refused with err, named after task->req.op:
 *   SSRD_EOVERLOAD  "db.query: too many host calls waiting for this render
 *                    (host_render_queued = 1000)"
 *   SSRD_ECLOSED    "db.query: the host bridge is shutting down"
 *   others          "db.query: out of memory", ...
 * so that the caller settles the page's promise with it as with any
 * finished call. Never calls done. hp may be NULL (the limit is then not
 * named). result.text is malloc'd; the caller frees it. Any thread.
 */
void ssrd__hostpool_refuse(
    const ssrd_hostpool *hp, ssrd_host_task *task, int err);

/*
 * Withdraws owner's waiting tasks: each is completed, on the calling
 * thread and before this returns, through its done with a rejection
 * (`db.query: cancelled: the render ended`). Tasks of owner already
 * running are left alone and complete normally on their host thread. So
 * done is still called exactly once per submitted task. The caller must
 * not hold a lock that a done callback takes. owner 0 is a no-op. Returns
 * how many tasks were withdrawn. Any thread.
 */
size_t ssrd__hostpool_cancel(ssrd_hostpool *hp, uint64_t owner);

/*
 * Stops the pool: later submits get SSRD_ECLOSED, waiting tasks are
 * completed on the calling thread with a rejection (`db.query: cancelled:
 * ssrd is stopping`), running ones finish on their threads, which are then
 * joined, and the pool is freed. Every accepted task has had its done
 * called when this returns. NULL is a harmless no-op.
 */
void ssrd__hostpool_stop(ssrd_hostpool *hp);

#endif
