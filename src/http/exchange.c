/* exchange.c implements a request and its reply on h2o (exchange.h): the
 * head from the one builder, whole replies, streamed ones sent as the client
 * takes them within the loop's budget and send timeout, and the hand-over
 * of replies made on other threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/timers.h"
#include "http/exchange.h"
#include "http/front_loop.h"
#include "http/front_request.h"

/* ---- life ---- */

static atomic_long live;

size_t
ssrd__ex_live(void)
{
	long n = atomic_load(&live);
	return n > 0 ? (size_t) n : 0;
}

static void
ex_unref(ssrd_http_ex *ex)
{
	if (atomic_fetch_sub(&ex->refs, 1) > 1) {
		return;
	}
	ssrd__strbuf_free(&ex->sending_buf);
	ssrd__strbuf_free(&ex->queued);
	free(ex);
	atomic_fetch_sub(&live, 1);
}

/* The loop's tally of unsent output, as ex holds it now. */
static size_t
ex_held(const ssrd_http_ex *ex)
{
	return ex->sending_buf.len + ex->queued.len + ex->whole;
}

/* The client is gone, or cut off: its render may stop, and nothing more
 * goes out. */
static void
ex_lose(ssrd_http_ex *ex)
{
	if (ex->gone) {
		return;
	}
	ex->gone = 1;
	if (ex->fl != NULL) {
		ex->fl->unsent -= ex_held(ex);
	}
	/* a send under way keeps its bytes: h2o's socket may still point at
	 * them */
	ssrd__strbuf_free(&ex->queued);
	if (!ex->ended && ex->gone_cb != NULL) {
		ex->gone_cb(ex->gone_arg);
	}
}

static void watch_close(ssrd_http_ex *ex);

/* h2o lets the request go (its reply written, or its connection closed):
 * from its pool's destructor. */
static void
on_dispose(void *p)
{
	ssrd_http_ex      *ex = *(ssrd_http_ex **) p;
	struct front_loop *fl = ex->fl;
	watch_close(ex);
	if (ex->prev != NULL) {
		ex->prev->next = ex->next;
	} else {
		fl->exs = ex->next;
	}
	if (ex->next != NULL) {
		ex->next->prev = ex->prev;
	}
	ex->req = NULL;
	/* what it held unsent is gone with it; a client gone before the
	 * reply ended is lost now (ex_lose() tells its render once) */
	if (!ex->gone) {
		fl->unsent -= ex_held(ex);
		ex->gone = !ex->ended;
		if (ex->gone && ex->gone_cb != NULL) {
			ex->gone_cb(ex->gone_arg);
		}
	}
	if (ex->release != NULL) {
		ex->release(ex->release_arg);
		ex->release = NULL;
	}
	ex->fl = NULL;
	ex_unref(ex);
}

ssrd_http_ex *
ssrd__ex_new(struct front_loop *fl, h2o_req_t *req)
{
	ssrd_http_ex *ex = calloc(1, sizeof(*ex));
	if (ex == NULL) {
		return NULL;
	}
	atomic_fetch_add(&live, 1);
	ssrd_http_ex **slot
	    = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), on_dispose);
	*slot      = ex;
	ex->req    = req;
	ex->fl     = fl;
	ex->pool   = fl->pool;
	ex->worker = fl->worker;
	atomic_init(&ex->refs, 2);
	ex->method = h2o_strdup(
	    &req->pool, req->input.method.base, req->input.method.len)
	                 .base;
	ex->target
	    = h2o_strdup(&req->pool, req->input.path.base, req->input.path.len)
	          .base;
	ex->progress_ms = ssrd__now_ms();
	ex->next        = fl->exs;
	if (fl->exs != NULL) {
		fl->exs->prev = ex;
	}
	fl->exs = ex;
	return ex;
}

/* ---- the client hanging up ---- */

static void
watch_close(ssrd_http_ex *ex)
{
	if (ex->watch != NULL) {
		h2o_socket_read_stop(ex->watch);
		h2o_socket_close(ex->watch); /* closes the second descriptor */
		ex->watch = NULL;
	}
}

/* The connection became readable while the reply streams: the client
 * hung up (end of file), or sent its next request (pipelined: left for h2o
 * to read once this reply is over). */
static void
on_watch(h2o_socket_t *sock, const char *err)
{
	ssrd_http_ex *ex = sock->data;
	char          c;
	ssize_t       n = recv(ex->watch_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && err == NULL) {
		return;
	}
	if (n > 0) {
		watch_close(ex); /* its next request: nothing to watch */
		return;
	}
	h2o_conn_t        *conn = ex->req->conn;
	struct front_loop *fl   = ex->fl;
	watch_close(ex);
	ex_lose(ex);
	ssrd__loop_abort(fl, conn);
}

static void
watch_start(ssrd_http_ex *ex)
{
	int fd     = ssrd__loop_conn_fd(ex->fl, ex->req->conn);
	int dup_fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (dup_fd < 0) {
		return; /* unwatched: a hang-up shows at the next write */
	}
	ex->watch_fd = dup_fd;
	ex->watch    = h2o_evloop_socket_create(
	       ex->fl->loop, dup_fd, H2O_SOCKET_FLAG_DONT_READ);
	ex->watch->data = ex;
	h2o_socket_read_start(ex->watch, on_watch);
}

/* ---- the request ---- */

const char *
ssrd__ex_method(const ssrd_http_ex *ex)
{
	return ex->method;
}

const char *
ssrd__ex_target(const ssrd_http_ex *ex)
{
	return ex->target;
}

const char *
ssrd__ex_header(ssrd_http_ex *ex, const char *name)
{
	return ex->req != NULL ? ssrd__front_header(ex->req, name) : NULL;
}

int
ssrd__ex_framing(const ssrd_http_ex *ex, const char **text)
{
	*text = NULL;
	return ex->req != NULL ? ssrd__front_framing(ex->req, text) : 0;
}

/* ---- the head ---- */

/* Sets req's status and headers from r under p; the values are copied into
 * the request's pool. h2o frames the body itself (Content-Length or
 * chunked) and closes the connection when told to. */
static void
set_head(ssrd_http_ex *ex, const ssrd_http_policy *p, const ssrd_http_reply *r)
{
	h2o_req_t      *req = ex->req;
	ssrd_http_reply rr  = *r;
	ssrd_http_head  h;
	rr.framing = SSRD_HTTP_FRAMED_BY_SERVER;
	rr.close   = 0;
	ssrd__http_head_build(p, &rr, &h);
	req->res.status = h.status;
	req->res.reason = h.reason;
	for (size_t i = 0; i < h.n; i++) {
		size_t      nl = strlen(h.h[i].name);
		h2o_iovec_t v  = h2o_strdup(&req->pool, h.h[i].value, SIZE_MAX);
		h2o_add_header_by_str(&req->pool, &req->res.headers,
		    h.h[i].name, nl, 1, h.h[i].name, v.base, v.len);
	}
	if (r->close || ex->close_after || ex->fl->stopping) {
		req->http1_is_persistent = 0;
	}
}

static void budget_check(struct front_loop *fl);

/* ---- whole replies ---- */

/* Sends r's reply with body (len bytes: copied, or borrowed when
 * borrowed is set), on the owner's thread. */
static void
reply_here(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len, int head,
    int borrowed)
{
	h2o_req_t         *req = ex->req;
	struct front_loop *fl  = ex->fl; /* h2o may let req go in h2o_send */
	ex->ended              = 1;
	if (req != NULL && !ex->gone && !ex->answered) {
		ex->answered = 1;
		set_head(ex, p, r);
		int nobody                 = head || r->status == 304;
		req->res.content_length    = r->status == 304 ? SIZE_MAX : len;
		h2o_iovec_t            buf = nobody || borrowed
		               ? h2o_iovec_init(body, len)
		               : h2o_strdup(&req->pool, body, len);
		static h2o_generator_t whole = { NULL, NULL };
		ex->progress_ms              = ssrd__now_ms();
		if (!nobody && !borrowed) {
			/* the copy counts against the budget until written */
			ex->whole = len;
			fl->unsent += len;
		}
		h2o_start_response(req, &whole);
		h2o_send(req, &buf, nobody || len == 0 ? 0 : 1,
		    H2O_SEND_STATE_FINAL);
		budget_check(fl);
	}
	ex_unref(ex); /* the reply's reference */
}

/* A whole reply made on another thread, for the owner's to send: the head
 * flattened and the body, in one allocation. */
struct later {
	ssrd_http_ex           *ex;
	const ssrd_http_policy *p;
	ssrd_http_reply         r;
	int                     head;
	size_t                  len;
	char                    body[]; /* then the head's strings */
};

static void
later_send(void *arg)
{
	struct later *l = arg;
	reply_here(l->ex, l->p, &l->r, l->body, l->len, l->head, 0);
	free(l);
}

void
ssrd__ex_reply(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len, int head)
{
	if (ssrd__ex_on_owner(ex)) {
		reply_here(ex, p, r, body, len, head, 0);
		return;
	}
	const char *s[]  = { r->type, r->cache_state, r->fallback, r->etag,
		 r->last_modified, r->link };
	int         copy = !head && r->status != 304 && len > 0;
	size_t      n    = sizeof(struct later) + (copy ? len : 0);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		n += ssrd__str_size(s[i]);
	}
	struct later *l = malloc(n);
	if (l == NULL) {
		ssrd__log(SSRD_LOG_ERROR, "http_reply_failed", "reason=memory");
	} else {
		l->ex   = ex;
		l->p    = p;
		l->r    = *r;
		l->head = head;
		l->len  = len;
		if (copy) {
			memcpy(l->body, body, len);
		}
		char *at           = l->body + (copy ? len : 0);
		l->r.type          = ssrd__str_pack(&at, r->type);
		l->r.cache_state   = ssrd__str_pack(&at, r->cache_state);
		l->r.fallback      = ssrd__str_pack(&at, r->fallback);
		l->r.etag          = ssrd__str_pack(&at, r->etag);
		l->r.last_modified = ssrd__str_pack(&at, r->last_modified);
		l->r.link          = ssrd__str_pack(&at, r->link);
	}
	if (l == NULL || ssrd__ex_post(ex, later_send, l) != 0) {
		free(l);
		/* the loop has stopped: its requests went with it; what is
		 * left of ex is this reference */
		ex->ended = 1;
		ex_unref(ex);
	}
}

void
ssrd__ex_reply_borrowed(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len,
    void (*release)(void *arg), void *arg)
{
	if (ex->req == NULL || ex->gone) {
		release(arg);
	} else {
		ex->release     = release; /* when h2o lets the request go */
		ex->release_arg = arg;
	}
	reply_here(ex, p, r, body, len, 0, 1);
}

/* ---- streamed replies ---- */

/* Hands h2o what is queued, when it takes more (no send under way). */
static void
pump(ssrd_http_ex *ex)
{
	if (ex->req == NULL || ex->gone || ex->sending || !ex->streaming
	    || ex->stopped || (ex->queued.len == 0 && !ex->final)) {
		return;
	}
	ssrd_strbuf t   = ex->sending_buf;
	ex->sending_buf = ex->queued;
	ex->queued      = t;
	ex->queued.len  = 0;
	h2o_iovec_t buf
	    = h2o_iovec_init(ex->sending_buf.ptr, ex->sending_buf.len);
	ex->sending = 1;
	h2o_send(ex->req, &buf, buf.len > 0 ? 1 : 0,
	    ex->final ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

/* h2o has written the last send: more may go. */
static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	ssrd_http_ex *ex = H2O_STRUCT_FROM_MEMBER(ssrd_http_ex, gen, gen);
	(void) req;
	ex->sending = 0;
	if (!ex->gone) {
		ex->fl->unsent -= ex->sending_buf.len;
	}
	ex->sending_buf.len = 0;
	ex->progress_ms     = ssrd__now_ms();
	pump(ex);
}

/* h2o ends the reply before its end: the connection closed. */
static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	ssrd_http_ex *ex = H2O_STRUCT_FROM_MEMBER(ssrd_http_ex, gen, gen);
	(void) req;
	ex->sending = 0;
	ex_lose(ex);
}

/* The loop holds too much unsent output: the reply whose client has taken
 * nothing for longest is cut off. */
static void
budget_check(struct front_loop *fl)
{
	size_t max = fl->budget;
	while (max > 0 && fl->unsent > max) {
		ssrd_http_ex *v = NULL;
		for (ssrd_http_ex *e = fl->exs; e != NULL; e = e->next) {
			if (!e->gone && ex_held(e) > 0
			    && (v == NULL || e->progress_ms < v->progress_ms)) {
				v = e;
			}
		}
		if (v == NULL) {
			break;
		}
		ssrd__log(SSRD_LOG_WARN, "client_too_slow",
		    "unsent_kb=%zu budget_mb=%zu", ex_held(v) >> 10, max >> 20);
		h2o_conn_t *conn = v->req->conn;
		ex_lose(v);
		ssrd__loop_abort(fl, conn);
	}
}

void
ssrd__ex_stream_start(
    ssrd_http_ex *ex, const ssrd_http_policy *p, const ssrd_http_reply *r)
{
	ex->streaming = 1;
	if (ex->req == NULL || ex->gone || ex->answered) {
		return;
	}
	ex->answered = 1;
	set_head(ex, p, r);
	ex->gen.proceed = on_proceed;
	ex->gen.stop    = on_stop;
	ex->progress_ms = ssrd__now_ms();
	h2o_start_response(ex->req, &ex->gen);
	watch_start(ex);
}

void
ssrd__ex_stream_write(ssrd_http_ex *ex, const char *data, size_t len)
{
	if (ex->req == NULL || ex->gone || len == 0) {
		return;
	}
	if (ex_held(ex) == 0) {
		ex->progress_ms = ssrd__now_ms(); /* its wait starts now */
	}
	ssrd__strbuf_append(&ex->queued, data, len);
	ex->fl->unsent += len;
	pump(ex);
	budget_check(ex->fl);
}

void
ssrd__ex_stream_end(ssrd_http_ex *ex)
{
	ex->ended = 1;
	ex->final = 1;
	pump(ex);
	ex_unref(ex); /* the reply's reference */
}

/* ---- the rest ---- */

void
ssrd__ex_on_gone(ssrd_http_ex *ex, void (*gone)(void *arg), void *arg)
{
	ex->gone_cb  = gone;
	ex->gone_arg = arg;
}

int
ssrd__ex_gone(const ssrd_http_ex *ex)
{
	return ex->gone;
}

void
ssrd__ex_close_after(ssrd_http_ex *ex)
{
	ex->close_after = 1;
}

void
ssrd__ex_stop_all(struct front_loop *fl)
{
	static h2o_generator_t none = { NULL, NULL };
	for (ssrd_http_ex *e = fl->exs; e != NULL; e = e->next) {
		h2o_req_t *req = e->req;
		if (!e->answered) {
			/* waiting for its render: a response h2o cannot write
			 * (the socket is shut down) ends it */
			e->answered              = 1;
			req->res.status          = 503;
			req->res.reason          = "Service Unavailable";
			req->http1_is_persistent = 0;
			h2o_start_response(req, &none);
			h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
		} else if (e->streaming && !e->sending && !e->stopped) {
			e->stopped = 1;
			h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
		}
	}
}

void
ssrd__ex_tick(struct front_loop *fl, double now)
{
	int ms = fl->send_timeout_ms;
	if (ms <= 0) {
		return;
	}
	for (ssrd_http_ex *e = fl->exs, *next; e != NULL; e = next) {
		next = e->next;
		/* a reply handed to h2o whole, or a send under way, that the
		 * client has taken nothing of for the timeout */
		int waiting = e->streaming ? e->sending : e->ended;
		if (!e->gone && waiting && now - e->progress_ms > ms) {
			ssrd__log(SSRD_LOG_WARN, "client_stalled",
			    "timeout_ms=%d", ms);
			h2o_conn_t *conn = e->req->conn;
			ex_lose(e);
			ssrd__loop_abort(fl, conn);
		}
	}
}

int
ssrd__ex_post(ssrd_http_ex *ex, void (*fn)(void *arg), void *arg)
{
	return ssrd__pool_post(ex->pool, ex->worker, fn, arg) == 0 ? 0 : -1;
}

int
ssrd__ex_on_owner(const ssrd_http_ex *ex)
{
	return ssrd__pool_self(ex->pool) == ex->worker;
}
