/* front.h: the HTTP front's transport: h2o (libh2o-evloop) on the event loop
 * of every worker, so that the thread that reads a request renders it and
 * writes its reply, with no hand-off on the common path. One listening
 * socket, watched by every loop: an idle worker takes the next connection.
 * HTTP/1.1 framing (RFC 9112), keep-alive and pipelining are h2o's; the
 * limits are ssrd's: how many connections, how long a request may take to
 * come and an idle connection may stay, how long a client may take nothing
 * of its reply, and how much unsent output a loop may hold. */
#ifndef SSRD_HTTP_FRONT_H
#define SSRD_HTTP_FRONT_H

#include <stddef.h>

#include "http/exchange.h"
#include "render/pool.h"

typedef struct ssrd_front ssrd_front;

/* The front's limits (0: the default each names). */
typedef struct ssrd_front_opts {
	/* answers each request, now or later (http.c), on the loop that read
	 * it */
	void (*serve)(void *arg, ssrd_http_ex *ex);
	void *serve_arg;
	/* open connections at most, all loops together; more are accepted
	 * and closed at once, logged (0: the descriptor limit less a margin
	 * for files, sockets and the cache; a limit set past the descriptors
	 * stands, and accept() pauses when they run out) */
	long max_connections;
	/* a request's head must come within this, and a kept-alive
	 * connection may idle this long, ms (0: 15000) */
	int idle_timeout_ms;
	/* a reply the client takes nothing of for this long is cut off, ms
	 * (0: none) */
	int send_timeout_ms;
	/* unsent output all replies may hold, bytes (0: no limit); past it
	 * the slowest client is cut off */
	size_t buffer_max;
} ssrd_front_opts;

/*
 * Listens on url ("http://127.0.0.1:8080", "http://[::1]:8080",
 * "http://0.0.0.0:8080") and serves it on every worker of pool, each
 * request handed to o->serve. Returns SSRD_OK with *out
 * set, or an error with errbuf saying why (the port taken, a bad URL).
 */
int ssrd__front_start(const char *url, ssrd_pool *pool,
    const ssrd_front_opts *o, ssrd_front **out, char *errbuf, size_t errlen);

/* Replies not yet written in full, all loops (a drain waits for none).
 * Any thread. */
size_t ssrd__front_busy(const ssrd_front *f);

/* Stops listening, closes every connection (their renders are cancelled)
 * and frees f. NULL is a no-op. Not on a worker's thread. */
void ssrd__front_stop(ssrd_front *f);

#endif
