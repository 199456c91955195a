/* job.h: one render, as a submitter hands it to the pool and the worker
 * hands it back: its inputs, its completion, its outputs. Its own header so
 * that what only passes jobs around (sitectx, respcache, stats) need not
 * see the pool. */
#ifndef SSRD_JOB_H
#define SSRD_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "site/site.h"

typedef struct ssrd_job ssrd_job;

/* Called once per submitted job, on the worker thread, when it is done. It owns
 * the job from then on. */
typedef void (*ssrd_job_done)(ssrd_job *job, void *arg);

/*
 * One render. The submitter fills the inputs (strings malloc'd; the job
 * owns them and ssrd__job_free() frees them) and the completion; the
 * worker fills the outputs before calling done.
 */
struct ssrd_job {
	/* inputs */
	uint64_t   id;      /* the render's id in logs */
	ssrd_site *site;    /* the site generation to render with: a reference,
	                       dropped by ssrd__job_free() */
	size_t route;       /* the route's index in site's table */
	char  *page_key;    /* the route's page, "app/page.jsx" */
	char  *path;        /* the request path, given to the layout */
	char  *params_json; /* the route's dynamic segments, a JSON object */
	char  *props_json; /* the request's props, a JSON object; NULL for {} */
	size_t props_len;
	/* -1: the pool's default; 0: renderToString, one synchronous call;
	 * 1: renderToReadableStream on the worker's event loop */
	int    stream;
	double timeout_ms;      /* a streaming render's wall clock; 0: pool's */
	int    capture_console; /* 1: keep the render's console lines */
	int    hydrate; /* 1: the page loads the site's browser bundle (when it
	                   has one) with its props: streaming renders only */
	int heap_stats; /* 1: after the render, a full GC, then fill heap */
	int warmup;     /* 1: the worker's own warm-up render (no caller; not
	                   counted, not handed to the pool) */
	/* How long the reply may be cached, s (0: not at all), and served stale
	 * while it is rendered again: the caller sets its defaults; the worker
	 * applies the page's own `export const cache` (false, or {ttl, swr}).
	 */
	int cache_ttl, cache_swr;
	/* Called on the worker thread with each batch of output as React
	 * produces it (bytes valid during the call) when set; otherwise the
	 * output gathers in html. */
	void (*chunk)(ssrd_job *job, const char *data, size_t len, void *arg);
	int final_chunk; /* set by the worker when chunk gets the last bytes:
	                    done follows at once (a caller may wait and send
	                    both together) */
	ssrd_job_done done;
	void         *arg;
	/* outputs */
	int err; /* SSRD_OK, SSRD_EJS, SSRD_EBADPROPS, SSRD_ECLOSED, ... */
	int needs_stream; /* set by a renderToString render that cannot finish
	                     (the page suspends, or a segment must catch an
	                     error): the worker streams it instead */
	int status;       /* the HTTP status of a rendered page: 200, or 404 for
	                     the not-found page */
	char  *html;      /* the document when err is SSRD_OK (malloc'd) */
	size_t html_len;
	char  *error_text; /* message and source-mapped stack otherwise
	                      (malloc'd) */
	/* boundary errors React reported while streaming (a Suspense boundary
	 * whose content threw, left to the client): the page is sent, but it
	 * is not what the page renders when all is well, so no cache keeps it
	 */
	int    reported;
	double queue_ms;  /* waiting in the queue */
	double render_ms; /* from start to end (streaming: to the last chunk) */
	double first_ms;  /* from start to the first output */
	/* parts of render_ms: opening a context and evaluating the site's
	 * shell in it (0 when the warm one served), evaluating the page's
	 * delta (0 when it was already) */
	double context_ms, shell_ms, delta_ms;
	double done_ms; /* ssrd__now_ms() when the worker finished it */
	int    worker;  /* which worker rendered it */
	char  *console; /* "LEVEL message\n" lines, when capture_console */
	size_t console_len;
	ssrd_heap_stats heap; /* the worker's isolate, when heap_stats */
	/* private to the pool */
	ssrd_job *next;
	double    enqueued_ms;
	int       cancelled; /* atomic: ssrd__pool_cancel() */
};

/*
 * Makes the job that renders path (its query and fragment ignored) on site:
 * matches the route, takes a reference to site, copies path, the route's
 * params and props (props_len bytes, or NULL for {}). Stores it in *out
 * (the caller sets id, done and arg) and returns SSRD_OK; SSRD_ENOROUTE if
 * no route matches; SSRD_EINVAL for a malformed path; SSRD_ENOMEM. Any thread.
 */
int ssrd__job_new(ssrd_site *site, const char *path, const char *props,
    size_t props_len, ssrd_job **out);

/*
 * As ssrd__job_new() for the site's not-found page (app/not-found.jsx),
 * rendered for path with status 404. Returns SSRD_ENOROUTE if the site has
 * none.
 */
int ssrd__job_new_not_found(ssrd_site *site, const char *path,
    const char *props, size_t props_len, ssrd_job **out);

/* Frees a job and every string it owns. NULL is a harmless no-op. */
void ssrd__job_free(ssrd_job *job);

#endif
