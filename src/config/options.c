/* options.c holds the option table: every setting ssrd has, with its
 * section, default, bounds or words, the rule for the rest, and its help.
 * config.c reads it for the file, the flags, --help, ssrd config, diagnose
 * and the comparison on reload. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <ssrd/errors.h>

#include "config/config_impl.h"
#include "config/values.h"
#include "core/log.h"
#include "core/strbuf.h"

#ifndef SSRD_SOURCE_DIR
#define SSRD_SOURCE_DIR "."
#endif

/* ---- the rules that bounds and words cannot say ---- */

static int
check_http_url(const char *v, char *errbuf, size_t errlen)
{
	if (v[0] != '\0' && strncmp(v, "http://", 7) != 0) {
		snprintf(errbuf, errlen,
		    "http \"%s\" must start with http:// (e.g. "
		    "http://127.0.0.1:8080), or be empty to turn HTTP off",
		    v);
		return SSRD_ECONFIG;
	}
	return SSRD_OK;
}

/* Every entry of a comma-separated address list is ipc:// or tcp://. */
static int
check_ipc(const char *v, char *errbuf, size_t errlen)
{
	const char *p = v, *item;
	size_t      n;
	while ((n = ssrd__list_next(&p, &item)) > 0) {
		if (strncmp(item, "ipc://", 6) != 0
		    && strncmp(item, "tcp://", 6) != 0) {
			snprintf(errbuf, errlen,
			    "ipc address \"%.*s\" must start with ipc:// or "
			    "tcp:// (e.g. ipc:///run/ssrd.sock)",
			    (int) n, item);
			return SSRD_ECONFIG;
		}
	}
	return SSRD_OK;
}

/* NAME=PATH[:rw] entries, as the host bridge will read them. */
static int
check_databases(const char *v, char *errbuf, size_t errlen)
{
	return ssrd__config_parse_dbs(v, NULL, NULL, errbuf, errlen);
}

/* ---- the table ---- */

/*
 * One row per kind of value; the name is the field's. Anything after the
 * help is more of the row: .secret = 1 (never printed or logged), .live = 1
 * (a reload applies it without a restart). Designated, so that a column
 * added later is zero in every row that does not name it.
 */
#define OFF(f) offsetof(ssrd_config, f)
/* A whole number from lo to hi. */
#define LONG(sec, f, d, lo, hi, help_, ...)                                    \
	{                                                                      \
		.section = sec, .name = #f, .type = OPT_LONG,                  \
		.offset = OFF(f), .def = d, .min = lo, .max = hi,              \
		.help = help_, __VA_ARGS__                                     \
	}
/* Text, any (check_ NULL) or what check_ accepts. */
#define STR(sec, f, d, check_, help_, ...)                                     \
	{                                                                      \
		.section = sec, .name = #f, .type = OPT_STR, .offset = OFF(f), \
		.def = d, .check = check_, .help = help_, __VA_ARGS__          \
	}
/* A word that parse_, the reading subsystem's parser, knows: one of
 * words (for the message). */
#define WORD(sec, f, d, parse_, words, help_, ...)                             \
	{                                                                      \
		.section = sec, .name = #f, .type = OPT_WORD,                  \
		.offset = OFF(f), .def = d, .parse = parse_, .one_of = words,  \
		.help = help_, __VA_ARGS__                                     \
	}

const struct opt ssrd__config_options[] = {
	LONG("server", workers, "0", 0, 256,
	    "worker threads, each with its own V8 isolate; 0 = one per core"),
	LONG("server", queue_max, "1024", 1, 1000000,
	    "renders waiting for a worker, at most; more are refused at once "
	    "(HTTP 503, protocol overloaded)"),
	STR("server", http, "http://127.0.0.1:8080", check_http_url,
	    "HTTP listen URL; empty turns HTTP off"),
	STR("server", http_headers, "accept-language", NULL,
	    "request headers pages get as props.headers (lowercase names), "
	    "comma-separated"),
	LONG("server", http_buffer_mb, "128", 1, 65536,
	    "the most output HTTP replies may hold unsent, all together, MiB: "
	    "past it the reply whose client has gone longest without reading "
	    "is cut off and its render cancelled"),
	LONG("server", http_send_timeout_ms, "30000", 0, 3600000,
	    "a reply whose client takes none of it for this long is cut off, "
	    "its connection closed, ms; 0: never"),
	LONG("server", http_max_connections, "0", 0, 10000000,
	    "open HTTP connections at most; more are accepted and closed at "
	    "once (logged: http_refused); 0: the descriptor limit less 256"),
	LONG("server", http_idle_timeout_ms, "15000", 100, 3600000,
	    "a request's head must come within this, and a kept-alive "
	    "connection may idle this long, ms; then it is closed"),
	LONG("server", http_security_headers, "1", 0, 1,
	    "1: every response carries X-Frame-Options: SAMEORIGIN and "
	    "Referrer-Policy: strict-origin-when-cross-origin "
	    "(X-Content-Type-Options: nosniff always)"),
	LONG("server", public_dotfiles, "0", 0, 1,
	    "1: /public/ also serves paths with a component starting with '.' "
	    "(.well-known/...); 0: those are 404"),
	LONG("server", public_max_kb, "32768", 1, 4194304,
	    "/public/ refuses (404, logged) files bigger than this, KiB: each "
	    "is held in memory while it is sent"),
	LONG("server", public_max_age, "3600", 0, 31536000,
	    "seconds browsers and proxies may keep a /public/ file "
	    "(Cache-Control: public, max-age); they revalidate it with its "
	    "ETag after"),
	LONG("server", cache_mb, "64", 0, 65536,
	    "the HTTP response cache (rendered pages by route, query and the "
	    "headers pages see; gzip kept), MiB; 0 turns it off"),
	LONG("server", cache_ttl, "10", 0, 31536000,
	    "seconds a rendered page is served from the cache (and told to "
	    "browsers and proxies: Cache-Control max-age); 0: never cached. A "
	    "page may say otherwise: export const cache = false or { ttl, swr "
	    "}"),
	LONG("server", cache_swr, "30", 0, 31536000,
	    "seconds after that it is still served, stale, while one request "
	    "renders it again in the background"),
	STR("server", client_fallback, "", NULL,
	    "routes (as ssrd routes lists them, comma-separated, or *) whose "
	    "render, when it fails, times out or is refused before anything is "
	    "sent, is left to the browser: the page's props and the site's "
	    "bundle, with X-Ssrd-Fallback: <reason>"),
	STR("server", ipc, "ipc:///tmp/ssrd.sock", check_ipc,
	    "render protocol listen addresses (ipc:///path, tcp://host:port), "
	    "comma-separated; empty turns the protocol off"),
	LONG("server", ipc_contexts, "128", 1, 65536,
	    "protocol requests in flight at once"),
	LONG("server", max_message_kb, "1024", 1, 1048576,
	    "bigger protocol requests are refused (bad_request), KiB"),
	LONG("server", max_batch, "64", 1, 4096,
	    "renders in one batch request, at most"),
	LONG("server", stream_idle_ms, "10000", 1, 3600000,
	    "a stream whose caller stops pulling for this long is cancelled, "
	    "freeing its worker"),
	STR("server", pid_file, "", NULL,
	    "ssrd serve writes its process id here once it listens, and "
	    "removes it at exit; start fails if a live process holds it; "
	    "empty: no pid file"),
	LONG("server", drain_ms, "10000", 0, 3600000,
	    "on SIGTERM or SIGINT, how long queued and running renders may "
	    "finish (new requests are refused) before they are stopped, ms",
	    .live = 1),
	LONG("server", metrics, "1", 0, 1,
	    "1: GET /metrics on the HTTP listener answers in Prometheus's text "
	    "format"),
	STR("server", admin_token, "", NULL,
	    "a secret that opens diagnose to tcp:// callers and /metrics to "
	    "callers with Authorization: Bearer <token> (empty: diagnose on "
	    "ipc:// only, /metrics open)",
	    .secret = 1),
	STR("site", site, SSRD_SOURCE_DIR "/js/demo", ssrd__config_check_sites,
	    "the site's root directory (with app/), or HOST=PATH entries, "
	    "comma-separated; the first is the default"),
	LONG("site", hydrate, "1", 0, 1,
	    "1: build each site's browser bundle; pages served over HTTP load "
	    "it and hydrate (React takes over in the browser)"),
	LONG("site", watch_ms, "1000", 0, 3600000,
	    "how often ssrd serve looks for changed sources and rebuilds what "
	    "changed, ms; 0 = never"),
	LONG("render", heap_max_mb, "512", 16, 16384,
	    "each isolate's old-generation heap limit, MiB, and its "
	    "ArrayBuffer memory's; a render reaching it gets out_of_memory and "
	    "the worker replaces its isolate"),
	LONG("render", young_max_mb, "32", 1, 1024,
	    "each isolate's young generation, MiB (bigger = fewer scavenges "
	    "during renders)"),
	LONG("render", page_cache_mb, "16", 0, 4096,
	    "freed V8 heap pages kept resident for reuse, MiB, whole process "
	    "(0 = off)"),
	WORD("render", isolation, "site", ssrd__isolation_parse,
	    "site, page, request",
	    "site: one warm context per worker; page: a fresh context per "
	    "render for the page's code, React shared; request: a fresh "
	    "context per render for everything"),
	LONG("render", streaming, "1", 0, 2,
	    "1: a page that suspends streams (renderToReadableStream: Suspense "
	    "streams in as its data arrives), one that does not comes whole "
	    "from renderToString, in the same bytes; 2: every page through "
	    "renderToReadableStream; 0: renderToString, no hydration scripts"),
	LONG("render", streaming_stall_ms, "5000", 1, 3600000,
	    "a streaming render that produces no chunk for this long is "
	    "aborted: pending Suspense boundaries are left to the client"),
	LONG("render", render_timeout_ms, "30000", 1, 3600000,
	    "a render's wall clock: a streaming render still running is "
	    "aborted the same way; JavaScript that runs this long without "
	    "yielding (a loop) is stopped by the watchdog; error timeout "
	    "(formerly streaming_timeout_ms)"),
	LONG("render", render_timeout_max_ms, "60000", 1, 3600000,
	    "the longest wall clock a request may ask for (the protocol's "
	    "timeout_ms); longer requests get this"),
	LONG("render", max_output_kb, "32768", 0, 4194304,
	    "a render producing more HTML is stopped with output_too_large, "
	    "KiB; 0: no limit"),
	LONG("render", recycle_renders, "0", 0, 1000000000,
	    "a worker replaces its isolate (from the snapshot, between "
	    "renders) after this many renders; 0: never"),
	LONG("render", recycle_heap_mb, "256", 0, 16384,
	    "... or when its heap stays above this after a full GC, MiB; 0: "
	    "never. After a render reaches heap_max_mb it always does"),
	LONG("render", idle_gc_ms, "5000", 0, 3600000,
	    "a worker with nothing to do for this long collects its garbage "
	    "once (full GC, memory back to the system), ms; 0: never"),
	LONG("render", warmup_ms, "1000", 0, 60000,
	    "before it takes requests (at start, after a reload, after "
	    "replacing its isolate), each worker renders the site's pages "
	    "without dynamic segments, ten rounds at most, for at most this "
	    "long, so the first request of a route is not slow; ms, 0: never"),
	LONG("render", worker_renders, "16", 1, 1024,
	    "renders one worker interleaves while they wait for data (timers, "
	    "host calls)"),
	LONG("render", snapshot, "1", 0, 1,
	    "1: workers start from a V8 snapshot with React loaded; 0: each "
	    "evaluates the base"),
	STR("render", v8_flags, "", NULL,
	    "extra V8 flags for the whole process, e.g. --max-lazy"),
	LONG("host", host_threads, "4", 1, 64,
	    "threads doing pages' blocking host work (files, SQLite, fetch)"),
	LONG("host", host_render_inflight, "0", 0, 64,
	    "host calls of one render running at once, at most; 0: half of "
	    "host_threads (at least 1), so one render never holds every "
	    "thread"),
	LONG("host", host_render_queued, "1000", 1, 1000000,
	    "host calls of one render waiting for a thread, at most; more are "
	    "refused (the promise rejects). Threads take renders in turn"),
	LONG("host", files, "1", 0, 1,
	    "1: pages may read files and list directories under their site's "
	    "root"),
	LONG("host", files_max_kb, "8192", 1, 1048576,
	    "files.read refuses files bigger than this, KiB"),
	STR("host", databases, "blog=data/blog.sqlite", check_databases,
	    "SQLite databases pages may query: NAME=PATH[:rw], comma-separated "
	    "(relative paths from the site's root; read-only unless :rw)"),
	LONG("host", db_timeout_ms, "1000", 1, 3600000,
	    "a statement running longer is interrupted, ms"),
	LONG("host", db_max_rows, "10000", 1, 100000000,
	    "a query returning more rows is refused"),
	LONG("host", db_max_kb, "4096", 1, 1048576,
	    "a query's JSON result passing this is refused, KiB (never "
	    "truncated); also the longest string or blob SQLite makes"),
	LONG("host", db_heap_mb, "256", 8, 65536,
	    "SQLite's memory, MiB: the whole process's (SQLite's own limit is "
	    "process-wide: every query and the layer manifest together), and "
	    "each query at most its share, db_heap_mb / host_threads; a query "
	    "needing more fails with out of memory"),
	STR("host", fetch_allow, "127.0.0.1:8080", NULL,
	    "hosts fetch may reach, host or host:port, comma-separated; empty "
	    "refuses every URL"),
	LONG("host", fetch_timeout_ms, "5000", 1, 3600000,
	    "a fetch taking longer is abandoned, ms"),
	LONG("host", fetch_max_kb, "4096", 1, 1048576,
	    "fetch refuses response bodies bigger than this, KiB"),
	STR("host", env_allow, "SSRD_DEMO_API", NULL,
	    "environment variables env.get may read, comma-separated"),
	STR("cache", cache_dir, SSRD_SOURCE_DIR "/cache", NULL,
	    "directory for built bundles"),
	STR("build", esbuild,
	    SSRD_SOURCE_DIR "/js/node_modules/@esbuild/linux-x64/bin/esbuild",
	    NULL, "the esbuild binary that builds bundles"),
	STR("build", runtime_dir, SSRD_SOURCE_DIR "/js/runtime", NULL,
	    "ssrd's JavaScript runtime (base.js and polyfills.js)"),
	WORD("log", log_level, "info", ssrd__log_level_parse,
	    "debug, info, warn, error, off",
	    "debug | info | warn | error | off", .live = 1),
	WORD("log", log_format, "logfmt", ssrd__log_format_parse,
	    "logfmt, json",
	    "logfmt (key=value lines) | json (one JSON object per line)"),
	WORD("log", timing_log, "debug", ssrd__log_level_parse,
	    "debug, info, warn, error, off",
	    "the level of the per-render timing line (event=timing): debug | "
	    "info | warn | error | off",
	    .live = 1),
};
const size_t ssrd__config_noptions
    = sizeof(ssrd__config_options) / sizeof(ssrd__config_options[0]);
