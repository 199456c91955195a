/* engine.h: the flat C API over V8. The only V8 code lives behind it, in
 * v8_shim.cc. */
#ifndef SSRD_ENGINE_H
#define SSRD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A V8 code cache to use when compiling a script, and the one V8 made when
 * it could not use it. Zero it before use; free out with free().
 */
typedef struct ssrd_code_cache {
	const char *in; /* bytes from an earlier out, or NULL */
	size_t      in_len;
	int         produce; /* 1: make out when in is NULL or rejected */
	char       *out;     /* set when asked to produce and the script ran */
	size_t      out_len;
	int rejected; /* 1 if V8 refused in (other V8, flags or source) */
} ssrd_code_cache;

/* A byte string argument; need not be NUL-terminated. */
typedef struct ssrd_str {
	const char *ptr;
	size_t      len;
} ssrd_str;

/*
 * An isolate: one V8 heap with its own JIT state. It belongs to the thread
 * that created it and only that thread may pass it (or any of its contexts)
 * to the functions below; ssrd gives each worker thread one for its life.
 */
typedef struct ssrd_isolate ssrd_isolate;

/*
 * A context: one JavaScript global environment inside an isolate, with
 * ssrd's native functions installed as the global `__ssrd_native`. Contexts
 * of one isolate share compiled code and type feedback, not globals.
 */
typedef struct ssrd_context ssrd_context;

/* One frame of a JavaScript stack trace. Strings are malloc'd, owned by the
 * frame's error. */
typedef struct ssrd_js_frame {
	char *function; /* "Page", or "" for anonymous code */
	char *file;     /* the script name given to ssrd__context_eval() */
	int   line;     /* 1-based */
	int   column;   /* 1-based */
} ssrd_js_frame;

/*
 * A JavaScript exception turned into plain C data. Every string is malloc'd
 * and owned by the struct; release them with ssrd__js_error_clear(). A
 * zeroed struct is a valid "no error".
 */
typedef struct ssrd_js_error {
	char          *name;    /* "TypeError", the error's .name; "" if none */
	char          *message; /* "TypeError: x is not a function" */
	ssrd_js_frame *frames;  /* innermost first; NULL if none */
	size_t         nframes; /* number of frames */
	int terminated;         /* 1 if execution was terminated, not thrown */
} ssrd_js_error;

/* Frees the strings and frames of err and zeroes it. NULL is a harmless no-op.
 */
void ssrd__js_error_clear(ssrd_js_error *err);

/*
 * Callbacks from JavaScript into C, set per context. Each runs on the
 * isolate's thread, inside the call that triggered it; they must not call
 * back into the engine. Any may be NULL.
 */
typedef struct ssrd_context_hooks {
	void *arg; /* passed to every hook */
	/*
	 * Renders are named by the id C gave ssrd__context_set_render(); V8
	 * carries it through promise reactions and ssrd's timers, so `render`
	 * below is the render whose code made the call (0: none).
	 */
	/* console.log and friends (kind 0) or the page's ssrd.log (kind 1):
	 * level 0 debug, 1 info, 2 warn, 3 error; msg is UTF-8, not
	 * NUL-terminated. */
	void (*console)(void *arg, uint64_t render, int level, int kind,
	    const char *msg, size_t len);
	/* A chunk of a streaming render's output (bytes valid during the call).
	 */
	void (*chunk)(void *arg, uint64_t render, const char *data, size_t len);
	/* A streaming render's HTTP status, set before its first chunk (a
	 * page that called notFound(): 404; one shown in its error file:
	 * 500). */
	void (*status)(void *arg, uint64_t render, int code);
	/* A streaming render ended: completely (err NULL) or with err. */
	void (*end)(void *arg, uint64_t render, const ssrd_js_error *err);
	/* React's onError: err failed in a Suspense boundary (retried on the
	 * client) or the shell; component_stack is React's, may be "". */
	void (*report)(void *arg, uint64_t render, const ssrd_js_error *err,
	    const char *component_stack);
	/* A host bridge call: op with its JSON args; the promise numbered
	 * promise waits for ssrd__context_settle(). Returns 0 if taken; any
	 * other value rejects the promise at once. */
	int (*host_call)(void *arg, uint64_t render, uint32_t promise,
	    const char *op, const char *args, size_t len);
	/* setTimeout/setInterval asked for timer id to fire after delay_ms. */
	void (*timer_start)(
	    void *arg, uint64_t render, uint32_t id, double delay_ms);
	/* clearTimeout: timer id is no longer wanted. */
	void (*timer_stop)(void *arg, uint32_t id);
} ssrd_context_hooks;

/*
 * Initialises V8 and its platform for the whole process, with extra V8
 * flags (may be NULL or "") and up to page_cache_bytes of freed heap pages
 * kept for reuse (0: none; see pagecache.h). Call once, from the main
 * thread, before any other function here. Returns SSRD_OK, or SSRD_EENGINE
 * if called twice.
 */
int ssrd__engine_init(const char *v8_flags, size_t page_cache_bytes);

/* Returns V8's version string, e.g. "10.2.154.26-node.36". Static storage; any
 * thread. */
const char *ssrd__engine_v8_version(void);

/* The names of the natives every context gets, comma-separated: a snapshot
 * blob maps them by position, so it is only good for a binary with the same
 * list (part of the snapshot's cache key). Static storage; any thread once
 * ssrd__engine_init() has run. */
const char *ssrd__engine_natives_id(void);

/* Sizes of an isolate's heap (0 means V8's default), and where it starts from.
 */
typedef struct ssrd_isolate_opts {
	size_t heap_max_mb;  /* old generation limit */
	size_t young_max_mb; /* young generation limit (3 semi-spaces) */
	/* ArrayBuffer memory (outside the heap) at most; more fails with
	 * RangeError in JavaScript. 0: no limit */
	size_t array_buffers_max_mb;
	/* a blob from ssrd__snapshot_create(), or NULL; must outlive the
	 * isolate */
	const char *snapshot;
	size_t      snapshot_len;
} ssrd_isolate_opts;

/*
 * Creates an isolate owned by the calling thread. opts may be NULL for the
 * defaults. Stores it in *out and returns SSRD_OK, or returns SSRD_EENGINE.
 */
int ssrd__isolate_new(const ssrd_isolate_opts *opts, ssrd_isolate **out);

/*
 * Makes a startup snapshot: a fresh isolate and context with ssrd's natives,
 * the n scripts evaluated in order (names[i] names scripts[i] in errors),
 * serialised with their compiled code. While the scripts run, Date.now(),
 * Math.random() and the natives' clock are seeded and monotonic, so the same
 * scripts give the same bytes; the real ones are back in the snapshot.
 * Stores the blob in *blob (malloc'd, caller frees) and its size in *len.
 * Returns SSRD_OK, SSRD_EJS with *err filled, or SSRD_EENGINE. Call from one
 * thread at a time, after ssrd__engine_init().
 */
int ssrd__snapshot_create(const ssrd_str *scripts, const char *const *names,
    size_t n, char **blob, size_t *len, ssrd_js_error *err);

/* Disposes of an isolate; its contexts must already be freed. NULL is a no-op.
 */
void ssrd__isolate_free(ssrd_isolate *iso);

/*
 * Runs the tasks V8 posted for this isolate's thread (GC finalisation,
 * memory reducer, ...) that are due now, without waiting. The owner calls it
 * after each render and when idle, or they pile up. Owner thread only.
 */
void ssrd__isolate_pump(ssrd_isolate *iso);

/*
 * Stops the JavaScript running in iso as soon as it can (V8's
 * TerminateExecution; finally blocks do not run): the call in progress
 * returns SSRD_EJS with err->terminated set. For the watchdog: any thread.
 */
void ssrd__isolate_terminate(ssrd_isolate *iso);

/* After a stopped call, or a terminate that came too late to stop one: lets
 * iso run JavaScript again. Owner thread only. */
void ssrd__isolate_resume(ssrd_isolate *iso);

/*
 * Returns 1 if iso's heap reached its limit (heap_max_mb) since the last
 * call, and clears that. When it does, ssrd stops the JavaScript running
 * (as ssrd__isolate_terminate) and lets the heap grow a little past the
 * limit so the stopped code can unwind instead of V8 aborting the process;
 * the owner must then replace the isolate. Owner thread only.
 */
int ssrd__isolate_heap_limited(ssrd_isolate *iso);

/* Heap figures of one isolate, in bytes. */
typedef struct ssrd_heap_stats {
	size_t used;
	size_t total;
	size_t limit;
	size_t external;
	size_t malloced;
	size_t native_contexts;
	size_t detached_contexts;
	/* garbage collections since the isolate was made: how many, their
	 * pauses' sum and longest, ms; and the last SSRD_GC_LAST pauses,
	 * newest first (gc_last_n of them), with their kind ('s' scavenge,
	 * 'm' mark-compact, 'i' incremental marking step, 'w' weak
	 * callbacks) */
	unsigned long gc_count;
	double        gc_total_ms, gc_max_ms;
#define SSRD_GC_LAST 8
	double gc_last_ms[SSRD_GC_LAST];
	char   gc_last_kind[SSRD_GC_LAST];
	int    gc_last_n;
} ssrd_heap_stats;

/* Collects all the garbage it can now (V8's low-memory notification: full,
 * compacting). For measurements and idle time; slow. Owner thread only. */
void ssrd__isolate_gc(ssrd_isolate *iso);

/* Fills *st with iso's heap statistics. Owner thread only. */
void ssrd__isolate_heap_stats(ssrd_isolate *iso, ssrd_heap_stats *st);

/*
 * Creates a context in iso with the given hooks (copied; NULL for none)
 * and stores it in *out. Returns SSRD_OK or SSRD_EENGINE.
 */
int ssrd__context_new(
    ssrd_isolate *iso, const ssrd_context_hooks *hooks, ssrd_context **out);

/*
 * Sets dst's hook dst_name to the value of src's hook src_name (hooks: the
 * object of entry points a base layer registers, out of JavaScript's reach;
 * a bare context's globals instead): an object or function of another
 * context of the same isolate, used from dst as is (calls run in src's
 * context). Returns SSRD_OK, or SSRD_ENOENT if src has no such hook. Owner
 * thread only.
 */
int ssrd__context_link(ssrd_context *dst, const char *dst_name,
    ssrd_context *src, const char *src_name);

/*
 * Turns off eval, new Function() and the like in ctx, for every caller:
 * code of another context calling this one's Function constructor gets an
 * EvalError too. Owner thread only.
 */
void ssrd__context_forbid_eval(ssrd_context *ctx);

/* Frees a context. NULL is a harmless no-op. Owner thread only. */
void ssrd__context_free(ssrd_context *ctx);

/*
 * Compiles and runs a classic script of len bytes of UTF-8 source in ctx;
 * filename names it in stack traces. Microtasks queued by it are run before
 * returning. Returns SSRD_OK, or SSRD_EJS with *err filled (err may be NULL).
 */
int ssrd__context_eval(ssrd_context *ctx, const char *src, size_t len,
    const char *filename, ssrd_js_error *err);

/*
 * As ssrd__context_eval(), compiling with cc->in as V8's code cache when
 * given, and producing a fresh one in cc->out (after the run, so it holds
 * the functions the run compiled) when there was none or V8 rejected it.
 * cc may be NULL.
 */
int ssrd__context_eval_cached(ssrd_context *ctx, const char *src, size_t len,
    const char *filename, ssrd_code_cache *cc, ssrd_js_error *err);

/*
 * Calls the hook named fn (see ssrd__context_link; a bare context's global
 * function) with nargs string arguments (UTF-8)
 * and converts its result to a UTF-8 string in *out (malloc'd, NUL-
 * terminated, caller frees) with its length in *out_len. Microtasks queued
 * by the call are run before returning. Returns SSRD_OK; SSRD_EJS with *err
 * filled if it threw or the result is not a string; SSRD_ENOENT if fn is not
 * a function; SSRD_ENOMEM.
 */
int ssrd__context_call(ssrd_context *ctx, const char *fn, const ssrd_str *args,
    size_t nargs, char **out, size_t *out_len, ssrd_js_error *err);

/*
 * Makes render the id that code run in ctx from now on belongs to (0: none),
 * until the next call. Set it around the call that starts a render.
 */
void ssrd__context_set_render(ssrd_context *ctx, uint64_t render);

/*
 * The render whose code ran last in ctx: after a stopped call, the one that
 * was running (timers run as their render; a stopped one does not restore
 * the id it replaced). 0 if none.
 */
uint64_t ssrd__context_last_render(ssrd_context *ctx);

/*
 * Settles host call promise of ctx: ok = 1 resolves it with JSON.parse(text),
 * ok = 0 rejects it with an Error whose message is text. Runs the microtasks
 * that follow. Returns SSRD_OK, SSRD_ENOENT if no such promise is pending.
 */
int ssrd__context_settle(
    ssrd_context *ctx, uint32_t promise, int ok, const char *text, size_t len);

/* The number of host call promises of ctx not yet settled. */
size_t ssrd__context_pending(const ssrd_context *ctx);

/*
 * Runs the JS callbacks of the given timer ids (as started through the
 * timer_start hook), then the microtasks they queue. An exception thrown
 * by a callback is reported through the console hook at level 3, the way
 * a browser reports an uncaught error, and does not stop the others.
 */
void ssrd__context_fire_timers(
    ssrd_context *ctx, const uint32_t *ids, size_t n);

#ifdef __cplusplus
}
#endif
#endif
