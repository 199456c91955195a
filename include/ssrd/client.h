/* client.h: the C client of ssrd's render protocol (SSRD_PROTO_VERSION, in
 * ssrd/proto.h), for app servers and tools. Link with -lssrd_client (static
 * or shared) and -lnng.
 *
 * Thread safety: one ssrd_client may be used from any number of threads at
 * once; every call runs on its own nng context. A stream (ssrd_stream)
 * belongs to one thread at a time. Every function that fills an ssrd_reply
 * fills it on every return (zeroed on errors); release it with
 * ssrd_reply_clear(). */
#ifndef SSRD_CLIENT_H
#define SSRD_CLIENT_H

#include <stddef.h>

#include <ssrd/errors.h>
#include <ssrd/proto.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ssrd_client ssrd_client;
typedef struct ssrd_stream ssrd_stream;

typedef struct ssrd_client_opts {
	int timeout_ms; /* a whole call, at most; 0: 30000 */
	/* A daemon that goes away has its requests in flight sent again at
	 * once, to another when several are dialed. Besides, after resend_ms
	 * without a reply a request is sent again (for a daemon that hangs);
	 * 0: an hour, i.e. not within a call: a render may legitimately take
	 * up to its timeout, and a resend would render it twice. */
	int resend_ms;
} ssrd_client_opts;

/* One render to ask for. Only url is required. */
typedef struct ssrd_render_args {
	const char *url;     /* path and query: "/products?page=2" */
	const char *props;   /* a JSON object's text, or NULL */
	const char *headers; /* a JSON object of strings, or NULL */
	const char *host;    /* the site to render from, or NULL: default */
	int         stream;  /* 0 (default): the daemon's renderer; 1:
	                        renderToReadableStream; -1: renderToString */
	int timeout_ms;      /* the render's own limit; 0: the daemon's */
	int console;         /* 1: return the render's console lines */
} ssrd_render_args;

/* A reply. Strings are malloc'd (NUL-terminated), owned by the reply. */
typedef struct ssrd_reply {
	int    ok;      /* 1: rendered (or a chunk of a stream) */
	int    status;  /* HTTP-like: 200, 400, 404, 500, 503, 504 */
	char  *code;    /* when !ok: "render_error", "no_route", ... */
	char  *message; /* when !ok */
	char  *stack;   /* when the page threw: source-mapped, or NULL */
	char  *body;    /* the HTML (or the chunk), body_len bytes */
	size_t body_len;
	char  *console; /* "LEVEL message\n" lines when asked for, or NULL */
	double queue_ms, first_ms, render_ms, total_ms;
	int    end;         /* streams: this was the last chunk */
	char  *header_json; /* the reply's header line as received */
} ssrd_reply;

/*
 * Connects to one or several daemons: addrs is a comma-separated list of
 * ipc:// and tcp:// addresses. Requests spread over the daemons that are up
 * (dialing goes on in the background, so a daemon may start later). opts
 * may be NULL. Returns SSRD_OK, SSRD_EINVAL (a malformed address),
 * SSRD_ENNG, SSRD_ENOMEM.
 */
int ssrd_client_open(
    const char *addrs, const ssrd_client_opts *opts, ssrd_client **out);

/* Closes the client. Calls in flight fail with SSRD_ECLOSED. NULL: no-op. */
void ssrd_client_close(ssrd_client *c);

/*
 * Renders one page and waits for the whole of it. Returns SSRD_OK when a
 * reply came (the render may still have failed: see out->ok, out->code);
 * SSRD_ETIMEDOUT, SSRD_ECLOSED, SSRD_ENNG for the transport; SSRD_EINVAL
 * for bad arguments; SSRD_EBADREQ for a reply that is not the protocol's.
 */
int ssrd_client_render(
    ssrd_client *c, const ssrd_render_args *args, ssrd_reply *out);

/* Renders n pages in one request; out[i] gets the i-th result (each
 * succeeds or fails on its own). Returns as ssrd_client_render(). */
int ssrd_client_batch(
    ssrd_client *c, const ssrd_render_args *args, size_t n, ssrd_reply *out);

/*
 * Starts a streamed render. *first gets the first chunk (React's shell) as
 * soon as the daemon has it; then call ssrd_stream_next() until a chunk has
 * end set. A failure before any output comes as an error reply in *first
 * (and *out is NULL). The daemon binds a stream to the connection that
 * opened it: the client opens it on an address whose connection is up (in
 * turn among them) and makes every pull and the cancel on that same
 * connection. If the connection drops, the stream is lost with it (the
 * next pull gets not_found).
 */
int ssrd_client_stream(ssrd_client *c, const ssrd_render_args *args,
    ssrd_stream **out, ssrd_reply *first);

/* The next chunk of a stream (it waits for React to produce it). */
int ssrd_stream_next(ssrd_stream *s, ssrd_reply *chunk);

/* Ends a stream: if it has not ended, the daemon cancels the render and
 * frees its worker. NULL: no-op. */
void ssrd_stream_close(ssrd_stream *s);

/* Sends a raw request (a protocol JSON object) and returns the raw reply
 * (malloc'd). For tools and tests. */
int ssrd_client_request(ssrd_client *c, const char *req, size_t len,
    char **reply, size_t *reply_len);

/* Frees what a reply holds and zeroes it. NULL: no-op. */
void ssrd_reply_clear(ssrd_reply *r);

#ifdef __cplusplus
}
#endif
#endif
