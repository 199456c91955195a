/* proto.h: ssrd's render protocol, version 1 — the messages app servers send
 * over nng and the replies they get. Pure encoding: no sockets here (ipc.c
 * serves it, client.c speaks it).
 *
 * A request is one JSON object (UTF-8), e.g.
 *   {"v":1,"kind":"render","id":7,"url":"/products?page=2",
 *    "props":{"count":20},"headers":{"accept-language":"fr"},
 *    "options":{"stream":false,"timeout_ms":2000,"console":true}}
 * A reply is one line of JSON (the header), a newline, then body_len bytes of
 * body (the HTML, raw), so that any language can split it at the first
 * newline and read the header with its JSON parser. The README documents
 * every kind with an example. */
#ifndef SSRD_PROTO_H
#define SSRD_PROTO_H

#include <stddef.h>

#include "core/strbuf.h"

#define SSRD_PROTO_VERSION 1

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

/* One render as asked for. Strings are malloc'd and owned by the message. */
typedef struct ssrd_render_req {
	char *url;   /* path with an optional ?query: "/products?page=2" */
	char *props; /* the props for the page: a JSON object's text, with
	                "query" and "headers" merged in (see proto.c) */
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

/*
 * The props a page gets for a request: {"query": {...}, "headers": {...},
 * ...props}. query is the url's query string decoded (%XX and +; a repeated
 * name keeps its last value; none: no member); headers (hlen bytes of a
 * JSON object's text, or NULL: no member) as given; then props' own members
 * (a JSON object's text of plen bytes, or NULL), which win a clash. Returns
 * the JSON text (malloc'd) with its length in *out_len, or NULL for want of
 * memory. For the protocol and for HTTP alike.
 */
char *ssrd__proto_page_props(const char *url, const char *headers, size_t hlen,
    const char *props, size_t plen, size_t *out_len);

/* Frees what m holds and zeroes it. NULL is a no-op. */
void ssrd__proto_msg_clear(ssrd_msg *m);

/* Returns the kind's name ("render"). */
const char *ssrd__proto_kind_name(ssrd_msg_kind kind);

/*
 * Reply headers. Each appends one JSON line and its newline to b; the caller
 * then appends the body (body_len bytes) itself. id is the request's id as
 * JSON text, or NULL. Failures mark b failed (see strbuf.h).
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

/* A stream's reply: its id, the chunk's sequence number, whether it is the
 * last; with an error (code non-NULL) when the render failed part-way. */
void ssrd__proto_reply_chunk(ssrd_strbuf *b, const char *id, const char *stream,
    unsigned long seq, int end, const char *code, const char *message,
    size_t body_len);

/* Appends the members of one batch result (no braces): the page's or the
 * error's fields (an error's timings when t is not NULL), as in the single
 * replies. */
void ssrd__proto_batch_item(ssrd_strbuf *b, int ok, int status,
    const char *code, const char *message, const char *stack,
    const ssrd_proto_timings *t, size_t body_len);

/* Splits an error text ("Error: x\n    at f (file:1:2)...") into its first
 * line (the message, malloc'd) and the rest (the stack, pointing into
 * text, or NULL). */
char *ssrd__proto_split_error(const char *text, const char **stack);

#endif
