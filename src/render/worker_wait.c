/* worker_wait.c: where a worker thread sleeps when it has nothing to run:
 * its own event loop (h2o's evloop, over epoll), so that sockets served on
 * the worker's thread (the HTTP front, http/front.h) wake it as work from
 * the pool does. Other threads wake it through an eventfd in that loop. */
#define _GNU_SOURCE
#define H2O_USE_LIBUV 0
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <h2o.h>

#include <ssrd/errors.h>

#include "core/timers.h"
#include "render/worker_impl.h"

/* The eventfd became readable: h2o has read its counter; drop it. */
static void
on_wake(h2o_socket_t *sock, const char *err)
{
	(void) err;
	h2o_buffer_consume(&sock->input, sock->input->size);
}

/*
 * The first job the worker's own thread queued while its loop runs from
 * the wait for work (a request just read, ssrd__pool_submit_here()) runs in
 * the same turn of the loop, from a zero timeout: after the loop's reads, so
 * that a batch of requests is first spread over the workers, and before h2o
 * applies its sockets' new states at the next turn, so that the
 * connection's reading, stopped for the request and started again once
 * its reply is written, costs no epoll_ctl and no extra wait. Measured on
 * a 2 KB page: 7 system calls a request before (3 epoll_wait, 2 epoll_ctl,
 * read, writev), 3 after.
 */
struct run_soon {
	h2o_timeout_t       zero;
	h2o_timeout_entry_t entry;
	struct worker      *w;
};

static void
on_run_soon(h2o_timeout_entry_t *e)
{
	struct run_soon *s = H2O_STRUCT_FROM_MEMBER(struct run_soon, entry, e);
	ssrd__worker_run_own(s->w);
}

void
ssrd__worker_run_soon(struct worker *w)
{
	if (w->soon != NULL && !h2o_timeout_is_linked(&w->soon->entry)) {
		h2o_timeout_link(w->evloop, &w->soon->zero, &w->soon->entry);
	}
}

int
ssrd__worker_loop_open(struct worker *w)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0) {
		snprintf(w->start_msg, sizeof(w->start_msg),
		    "cannot make the worker's wake-up eventfd: %s",
		    strerror(errno));
		return SSRD_ESYS;
	}
	w->evloop = h2o_evloop_create();
	w->soon   = calloc(1, sizeof(*w->soon));
	if (w->soon != NULL) { /* without it, a job waits for the next turn */
		w->soon->w        = w;
		w->soon->entry.cb = on_run_soon;
		h2o_timeout_init(w->evloop, &w->soon->zero, 0);
	}
	w->wake_fd   = fd;
	w->wake_sock = h2o_evloop_socket_create(w->evloop, fd, 0);
	h2o_socket_read_start(w->wake_sock, on_wake);
	return SSRD_OK;
}

void
ssrd__worker_loop_close(struct worker *w)
{
	if (w->evloop == NULL) {
		return;
	}
	if (w->soon != NULL) {
		if (h2o_timeout_is_linked(&w->soon->entry)) {
			h2o_timeout_unlink(&w->soon->entry);
		}
		h2o_timeout_dispose(w->evloop, &w->soon->zero);
		free(w->soon);
		w->soon = NULL;
	}
	/* closes the eventfd; the close completes in the loop's next run */
	h2o_socket_close(w->wake_sock);
	h2o_evloop_run(w->evloop, 0);
	h2o_evloop_destroy(w->evloop);
	/* h2o keeps freed socket buffers for reuse, per thread: given back
	 * before the thread ends, or they are lost with it */
	h2o_mem_recycle_t *r = &h2o_socket_buffer_prototype.allocator;
	while (r->cnt > 0) {
		free(h2o_mem_alloc_recycle(r, 0));
	}
	w->evloop    = NULL;
	w->wake_sock = NULL;
	w->wake_fd   = -1;
}

void
ssrd__worker_signal(struct worker *w)
{
	if (!w->sleeping) {
		return; /* it looks at its work before it sleeps again */
	}
	w->sleeping  = 0; /* one wake-up per sleep */
	uint64_t one = 1;
	/* EAGAIN: the counter is full, so the worker wakes anyway */
	while (write(w->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) { }
}

/* Whether h2o has work queued for its loop's next turn. */
static int
loop_has_pending(const h2o_evloop_t *loop)
{
	return loop->_statechanged.head != NULL
	    || loop->_pending_as_server != NULL
	    || loop->_pending_as_client != NULL;
}

void
ssrd__worker_poll(struct worker *w)
{
	int i = 0;
	do {
		h2o_evloop_run(w->evloop, 0);
	} while (loop_has_pending(w->evloop) && ++i < 8);
}

void
ssrd__worker_sleep(struct worker *w, pthread_mutex_t *mu, double deadline_ms)
{
	int32_t wait = INT32_MAX;
	if (deadline_ms >= 0) {
		double left = deadline_ms - ssrd__now_ms();
		if (left <= 0) {
			return;
		}
		wait = left >= INT32_MAX ? INT32_MAX : (int32_t) ceil(left);
	}
	if (loop_has_pending(w->evloop)) {
		/* h2o runs some callbacks (a write's completion, which lets a
		 * stream send more) at its loop's next turn, and its wait does
		 * not count them: they run now, and the caller looks again at
		 * what they may have brought (a request read, a render queued)
		 */
		pthread_mutex_unlock(mu);
		ssrd__worker_poll(w);
		pthread_mutex_lock(mu);
		return;
	}
	w->sleeping = 1;
	pthread_mutex_unlock(mu);
	h2o_evloop_run(w->evloop, wait);
	pthread_mutex_lock(mu);
	w->sleeping = 0;
}
