/* front_loop.h: the data the HTTP front's two files share: front.c (the
 * loops, the listeners, the connections) and exchange.c (a request and its
 * reply). With them, the only files that know h2o. Internal. */
#ifndef SSRD_HTTP_FRONT_LOOP_H
#define SSRD_HTTP_FRONT_LOOP_H

#define H2O_USE_LIBUV 0
#include <stdatomic.h>
#include <sys/socket.h>

#include <h2o.h>

#include "core/strbuf.h"
#include "render/pool.h"

typedef struct ssrd_http_ex ssrd_http_ex; /* exchange.h's */

/* What the front keeps of each connection: to count them, and to close
 * them from under h2o (a stop, a client that takes nothing). */
struct front_conn {
	int                fd;
	h2o_socket_t      *sock;
	struct front_loop *fl;
	struct front_conn *prev, *next;
};

/*
 * The front on one worker's event loop: its h2o context, its listening
 * socket (SO_REUSEPORT: the kernel spreads connections over the loops) and
 * the connections and exchanges it serves. Touched by that worker's thread
 * only, once started.
 */
struct front_loop {
	struct ssrd_front *front;
	/* the handler of every request (ssrd_front_opts) */
	void (*serve)(void *arg, ssrd_http_ex *ex);
	void      *serve_arg;
	ssrd_pool *pool;
	long       worker; /* its index in the pool */
	/* its limits: the send timeout, ms (0: none), and the unsent output
	 * its replies may hold (0: no limit) */
	int              send_timeout_ms;
	size_t           budget;
	h2o_evloop_t    *loop;
	h2o_context_t    ctx;
	h2o_accept_ctx_t actx;
	int              listen_fd;
	h2o_socket_t    *listener;  /* NULL once closed */
	int              accepting; /* reading the listener */
	/* accept() stopped for want of descriptors: resumed by resume */
	h2o_timeout_t       resume_timeout;
	h2o_timeout_entry_t resume;
	/* once a second: replies that took nothing for the send timeout */
	h2o_timeout_t       tick_timeout;
	h2o_timeout_entry_t tick;
	struct front_conn  *conns; /* open, newest first */
	size_t              nconns, max_conns;
	ssrd_http_ex       *exs; /* exchanges whose request h2o still holds */
	size_t              unsent; /* their output not yet written */
	double              refused_logged_ms; /* rate of refusal lines */
	int                 stopping;
};

/* One request and its reply (exchange.h), on loop fl. */
struct ssrd_http_ex {
	h2o_req_t      *req; /* NULL once h2o has let it go */
	h2o_generator_t gen; /* a streamed reply's */
	/* its loop, while h2o holds the request (then NULL); and the worker
	 * it runs on, for posts from other threads: set once, never changed */
	struct front_loop *fl;
	ssrd_pool         *pool;
	long               worker;
	/* two: the reply (until it ends) and the request (until h2o lets
	 * it go); the last one frees ex */
	int refs;
	/* ended: the handler's reply is over (its reference dropped);
	 * answered: h2o has been given a response (by the reply, or by the
	 * front when it stops) */
	int ended, answered, gone, close_after;
	/* while a reply streams: a second descriptor of the connection,
	 * watched for the client hanging up (h2o reads nothing meanwhile) */
	h2o_socket_t *watch;
	int           watch_fd;
	int           stopped;         /* the front ended its stream (a stop) */
	const char   *method, *target; /* NUL-terminated copies */
	void (*gone_cb)(void *arg);
	void *gone_arg;
	/* a streamed reply: a send under way of sending, what comes next in
	 * queued, the end queued */
	int         streaming, sending, final;
	ssrd_strbuf sending_buf, queued;
	size_t      whole; /* a whole reply's copy, held until written */
	/* when the client last took something, or the reply was handed to
	 * h2o whole */
	double progress_ms;
	/* a borrowed body's release */
	void (*release)(void *arg);
	void         *release_arg;
	ssrd_http_ex *prev, *next; /* on fl->exs while req is set */
};

/* The descriptor of conn's socket, or -1. */
static inline int
ssrd__loop_conn_fd(const struct front_loop *fl, const h2o_conn_t *conn)
{
	for (const struct front_conn *c = fl->conns; c != NULL; c = c->next) {
		if (c->sock->data == conn) {
			return c->fd;
		}
	}
	return -1;
}

/* Closes conn's socket under h2o (shutdown: h2o sees it fail and lets the
 * connection go, with its requests). */
static inline void
ssrd__loop_abort(const struct front_loop *fl, const h2o_conn_t *conn)
{
	int fd = ssrd__loop_conn_fd(fl, conn);
	if (fd >= 0) {
		shutdown(fd, SHUT_RDWR);
	}
}

#endif
