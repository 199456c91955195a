/* exchange.h: one HTTP request and its reply, as the HTTP front (front.c,
 * on h2o) hands it to ssrd's handlers: what the request says, and the reply
 * sent whole or streamed. Every reply's head comes from the one builder
 * (response.h). An exchange belongs to the event loop of the worker whose
 * thread read its request; other threads reach it through ssrd__ex_post().
 * Nothing outside exchange.c and front.c knows h2o. */
#ifndef SSRD_HTTP_EXCHANGE_H
#define SSRD_HTTP_EXCHANGE_H

#include <stddef.h>

#include "http/response.h"

typedef struct ssrd_http_ex ssrd_http_ex;

/* ---- the request (the owner's thread) ---- */

/* Its method ("GET"), and its request-target as sent ("/a?b=1"),
 * NUL-terminated, valid while ex is. */
const char *ssrd__ex_method(const ssrd_http_ex *ex);
const char *ssrd__ex_target(const ssrd_http_ex *ex);

/* The value of its first header called name (any case; "Host" is the
 * request's authority), NUL-terminated, valid while ex is; NULL if none. */
const char *ssrd__ex_header(ssrd_http_ex *ex, const char *name);

/* The status its framing or size refuses it with (front_request.h's
 * ssrd__front_framing()), *text the answer's body; 0: read it on. */
int ssrd__ex_framing(const ssrd_http_ex *ex, const char **text);

/* ---- the reply: exactly one of the calls below ends it ---- */

/*
 * Replies with r's head under p and body (len bytes, copied); head: a HEAD
 * request, answered with the head alone and Content-Length len (RFC 9110:
 * the GET's length); a 304 has no body. Any thread: from another than the
 * owner's, the reply is copied and sent by the owner's loop.
 */
void ssrd__ex_reply(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len, int head);

/* As ssrd__ex_reply() with body borrowed, not copied: release(arg) is
 * called once the reply is written or abandoned. Owner's thread. */
void ssrd__ex_reply_borrowed(ssrd_http_ex *ex, const ssrd_http_policy *p,
    const ssrd_http_reply *r, const char *body, size_t len,
    void (*release)(void *arg), void *arg);

/*
 * Starts a streamed reply with r's head (chunked: the length is not known)
 * and the first len bytes of body. Then _write() sends more as it comes, and
 * _end() ends it (the last bytes, len may be 0). Bytes are copied and go
 * out as the client takes them; a client that falls further behind than the
 * front allows, or takes nothing for its send timeout, is cut off: its
 * connection closed and ex's gone callback called. Owner's thread.
 */
void ssrd__ex_stream_start(
    ssrd_http_ex *ex, const ssrd_http_policy *p, const ssrd_http_reply *r);
void ssrd__ex_stream_write(ssrd_http_ex *ex, const char *data, size_t len);
void ssrd__ex_stream_end(ssrd_http_ex *ex);

/* ---- the rest ---- */

/*
 * Calls gone(arg) once, on the owner's thread, if the client goes away (or
 * is cut off) before the reply has ended: a render for it may stop. After
 * that, the reply calls are still to be made (one of them ends ex) but
 * send nothing.
 */
void ssrd__ex_on_gone(ssrd_http_ex *ex, void (*gone)(void *arg), void *arg);

/* Whether the client has gone (ssrd__ex_on_gone()). Owner's thread. */
int ssrd__ex_gone(const ssrd_http_ex *ex);

/* Closes the connection after this reply (a refusal, a framing error:
 * a client that comes back connects afresh). Owner's thread. */
void ssrd__ex_close_after(ssrd_http_ex *ex);

/*
 * Runs fn(arg) on ex's owner thread. Until ex's reply has ended, ex is
 * there when fn runs. Returns 0, or -1 if the owner's loop has stopped
 * (fn will not run). Any thread.
 */
int ssrd__ex_post(ssrd_http_ex *ex, void (*fn)(void *arg), void *arg);

/* Whether the calling thread is ex's owner's. */
int ssrd__ex_on_owner(const ssrd_http_ex *ex);

/* ---- for the front (front.c) ---- */

struct front_loop;
struct st_h2o_req_t;

/* Makes the exchange of req, on fl (the handler's thread); NULL for want
 * of memory. */
ssrd_http_ex *ssrd__ex_new(struct front_loop *fl, struct st_h2o_req_t *req);

/* Once a second on fl's loop: exchanges whose client took nothing for the
 * send timeout are cut off. */
void ssrd__ex_tick(struct front_loop *fl, double now);

/* The loop stops (its connections are shut down): every exchange is given
 * a response that fails at once, so that h2o lets each request go. */
void ssrd__ex_stop_all(struct front_loop *fl);

/* Exchanges not yet freed, process-wide (a drain waits for none). Any
 * thread. */
size_t ssrd__ex_live(void);

#endif
