/* proto.h: ssrd's render protocol, version SSRD_PROTO_VERSION — the messages
 * app servers send over nng and the replies they get, encoded and decoded on
 * both sides: the daemon (ipc.c) decodes requests and encodes reply heads;
 * the client library (client.c) encodes requests and decodes reply heads.
 * Pure encoding: no sockets here. Compiled into the client library's objects
 * too, so it needs nothing but core/errors, json, strbuf and utf8.
 *
 * A request is one JSON object (UTF-8), e.g.
 *   {"v":1,"kind":"render","id":7,"url":"/products?page=2",
 *    "props":{"count":20},"headers":{"accept-language":"fr"},
 *    "options":{"stream":false,"timeout_ms":2000,"console":true}}
 * A reply is one line of JSON (the head), a newline, then body_len bytes of
 * body (the HTML, raw), so that any language can split it at the first
 * newline and read the head with its JSON parser. The README documents
 * every kind with an example.
 *
 * The files: proto.c (the kinds, a page's props), request.c (requests),
 * reply.c (reply heads). */
#ifndef SSRD_PROTO_PROTO_H
#define SSRD_PROTO_PROTO_H

#include <stddef.h>

#include <ssrd/client.h>
#include <ssrd/proto.h>

#include "core/json.h"
#include "core/strbuf.h"

typedef enum ssrd_msg_kind {
	SSRD_MSG_RENDER,   /* one render, the whole page in one reply */
	SSRD_MSG_BATCH,    /* several renders, their results in one reply */
	SSRD_MSG_STREAM,   /* one render; the first reply carries the shell */
	SSRD_MSG_PULL,     /* the next chunk of a stream */
	SSRD_MSG_CANCEL,   /* stop a stream and free its worker */
	SSRD_MSG_PING,     /* liveness: replies with the version */
	SSRD_MSG_DIAGNOSE, /* the daemon's state (ipc:// only): "format"
	                      "text" or "json" (the default) */
} ssrd_msg_kind;

/* ---- kinds and props (proto.c) ---- */

/* Returns the kind's name ("render"); "unknown" for no kind. */
const char *ssrd__proto_kind_name(ssrd_msg_kind kind);

/* Returns the kind named name ("render"), or -1 for no kind's name. */
int ssrd__proto_kind_parse(const char *name);

/*
 * The props a page gets for a request: {"query": {...}, "headers": {...},
 * ...props}. query is the url's query string decoded (%XX and +; a repeated
 * name keeps its last value; none: no member); headers (hlen bytes of a
 * JSON object's text, or NULL: no member) as given; then props' own members
 * (a JSON object's text of plen bytes, or NULL), which win a clash. Returns
 * the JSON text (malloc'd) with its length in *out_len, or NULL for want of
 * memory. For the protocol and for HTTP alike. Thread-safe.
 */
char *ssrd__proto_page_props(const char *url, const char *headers, size_t hlen,
    const char *props, size_t plen, size_t *out_len);

/* ---- requests (request.c) ---- */

/* One render as asked for. Strings are malloc'd and owned by the message. */
typedef struct ssrd_render_req {
	char *url;   /* path with an optional ?query: "/products?page=2" */
	char *props; /* the props for the page: a JSON object's text, with
	                "query" and "headers" merged in (see
	                ssrd__proto_page_props()) */
	size_t props_len;
	char  *host;       /* the site to render from (its Host), or NULL */
	double timeout_ms; /* 0: the daemon's own limits */
	int    stream;     /* -1: the daemon's default, 0, 1 */
	int    console;    /* 1: return the render's console lines */
} ssrd_render_req;

/* A decoded request. A zeroed one is empty; clear it with
 * ssrd__proto_msg_clear(). */
typedef struct ssrd_msg {
	int           version;
	ssrd_msg_kind kind;
	char         *id; /* the caller's id, as JSON text, echoed; or NULL */
	ssrd_render_req *renders; /* render, stream: 1; batch: n */
	size_t           nrenders;
	char            *stream; /* pull, cancel: the stream's id */
	int   text;  /* diagnose: 1 for "format": "text" (people), 0: JSON */
	char *token; /* diagnose: the admin token a tcp:// caller gives */
} ssrd_msg;

/*
 * Decodes a request of len bytes. A batch may hold at most max_batch
 * renders. Returns SSRD_OK with *m filled; SSRD_EINVAL with the reason for
 * people in why (malformed JSON, a missing or mistyped field, an unknown
 * version or kind, a batch too big) — m->id is then still set when the
 * request had a readable id, so the error reply can carry it; SSRD_ENOMEM.
 * Thread-safe; never reads past len.
 */
int ssrd__proto_decode(const char *buf, size_t len, size_t max_batch,
    ssrd_msg *m, char *why, size_t whylen);

/* Frees what m holds and zeroes it. NULL is a no-op. */
void ssrd__proto_msg_clear(ssrd_msg *m);

/*
 * Request encoders, for the client. Each appends one whole request (no id)
 * to b; failures mark b failed (see strbuf.h). a->url must not be NULL;
 * a->props and a->headers, when not NULL, are JSON objects' text and are
 * copied as they are.
 */

/* A render or a stream (kind SSRD_MSG_RENDER or SSRD_MSG_STREAM) of a. */
void ssrd__proto_request_render(
    ssrd_strbuf *b, ssrd_msg_kind kind, const ssrd_render_args *a);

/* A batch of the n renders a[0..n). */
void ssrd__proto_request_batch(
    ssrd_strbuf *b, const ssrd_render_args *a, size_t n);

/* A pull or a cancel (kind SSRD_MSG_PULL or SSRD_MSG_CANCEL) of the stream
 * whose first reply gave the id stream. */
void ssrd__proto_request_stream(
    ssrd_strbuf *b, ssrd_msg_kind kind, const char *stream);

/* ---- reply heads (reply.c) ---- */

/*
 * Reply heads, for the daemon. Each appends one JSON line and its newline
 * to b; the caller then appends the body (body_len bytes) itself. id is the
 * request's id as JSON text, or NULL. Failures mark b failed (see
 * strbuf.h).
 */

/* Timings of one render, in ms. */
typedef struct ssrd_proto_timings {
	double queue_ms, first_ms, render_ms, total_ms;
} ssrd_proto_timings;

/* A rendered page: its status (200; 404 for a not-found page, 500 for a
 * segment shown in its error file), its headers, timings, and console
 * lines ("LEVEL message\n" text, or NULL). */
void ssrd__proto_reply_page(ssrd_strbuf *b, const char *id, const char *kind,
    int status, const ssrd_proto_timings *t, const char *console,
    size_t body_len);

/* A failure: HTTP-like status, the error's stable code (ssrd_err_name()),
 * a message and, when the page threw, its source-mapped stack (may be
 * NULL); with the render's timings when it ran (t may be NULL). */
void ssrd__proto_reply_error(ssrd_strbuf *b, const char *id, const char *kind,
    int status, const char *code, const char *message, const char *stack,
    const ssrd_proto_timings *t);

/* A success with nothing but a body_len: ping, cancel, diagnose. */
void ssrd__proto_reply_ok(
    ssrd_strbuf *b, const char *id, const char *kind, size_t body_len);

/* A stream's reply: its id, the chunk's sequence number, whether it is the
 * last; with an error (code non-NULL) when the render failed part-way. */
void ssrd__proto_reply_chunk(ssrd_strbuf *b, const char *id, const char *stream,
    unsigned long seq, int end, const char *code, const char *message,
    size_t body_len);

/* A batch's reply is written in three steps: its opening, then each
 * result (index from 0), then its close with the bodies' total length. */
void ssrd__proto_reply_batch_open(ssrd_strbuf *b, const char *id);

/* One batch result: the page's or the error's fields (an error's timings
 * when t is not NULL), as in the single replies. */
void ssrd__proto_reply_batch_item(ssrd_strbuf *b, size_t index, int ok,
    int status, const char *code, const char *message, const char *stack,
    const ssrd_proto_timings *t, size_t body_len);

void ssrd__proto_reply_batch_close(ssrd_strbuf *b, size_t body_len);

/* Splits an error text ("Error: x\n    at f (file:1:2)...") into its first
 * line (the message, malloc'd) and the rest (the stack, pointing into
 * text, or NULL). */
char *ssrd__proto_split_error(const char *text, const char **stack);

/*
 * Reading reply heads, for the client. A head is read into an ssrd_reply
 * (ssrd/client.h): its strings are malloc'd and owned by the reply, and
 * stay in it on errors too (the caller clears it with ssrd_reply_clear()).
 */
typedef struct ssrd_proto_head {
	ssrd_reply *r;        /* what the head says, read into */
	size_t      body_len; /* the body's length in bytes */
	char       *stream;   /* a stream's id (malloc'd; the caller's), or
	                         NULL */
	ssrd_json results;    /* batch: the "results" array, unread */
	int       has_results;
} ssrd_proto_head;

/*
 * Reads a reply message of len bytes: its head into h (h->r set by the
 * caller, the rest zeroed), h->r->header_json with the head's text, and
 * *body where the body starts (h->body_len bytes of it are in buf). Returns
 * SSRD_OK, or SSRD_EBADREQ for a message that is not a reply.
 */
int ssrd__proto_reply_read(
    const char *buf, size_t len, ssrd_proto_head *h, const char **body);

/* Copies len bytes of body into r->body (NUL-terminated) and r->body_len.
 * Returns SSRD_OK or SSRD_ENOMEM. */
int ssrd__proto_reply_body(ssrd_reply *r, const char *body, size_t len);

/*
 * Reads a batch reply's results (h as ssrd__proto_reply_read() left it)
 * into out[0..n), each with its body, taken in order from body..end.
 * Returns SSRD_OK; SSRD_EBADREQ when the results are not n, or a body
 * passes end; SSRD_ENOMEM. out[] must be zeroed before.
 */
int ssrd__proto_reply_batch_read(ssrd_proto_head *h, const char *body,
    const char *end, ssrd_reply *out, size_t n);

#endif
