/* config.c implements ssrd's configuration: one option table drives the file,
 * the flags and the help. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "config/config.h"
#include "config/values.h"
#include "core/log.h"
#include "core/strbuf.h"

#ifndef SSRD_SOURCE_DIR
#define SSRD_SOURCE_DIR "."
#endif

enum opt_type { OPT_LONG, OPT_STR };

/* One option: where it lives, what it may hold, and what to tell people. */
struct opt {
	const char   *section;
	const char   *name;
	enum opt_type type;
	size_t        offset;
	const char   *def; /* default, as text, parsed like any other value */
	long          min, max; /* bounds for OPT_LONG */
	int (*check)(const char *value, char *errbuf, size_t errlen);
	const char *help;
	/* a secret: never printed (ssrd config shows "(set)"), never logged */
	int secret;
};

/* A log level for the option called name. */
static int
check_level(const char *name, const char *v, char *errbuf, size_t errlen)
{
	if (ssrd__log_level_parse(v) < 0) {
		snprintf(errbuf, errlen,
		    "%s \"%s\" is not one of debug, info, warn, error, off",
		    name, v);
		return SSRD_ECONFIG;
	}
	return SSRD_OK;
}

static int
check_log_level(const char *v, char *errbuf, size_t errlen)
{
	return check_level("log_level", v, errbuf, errlen);
}

static int
check_timing_log(const char *v, char *errbuf, size_t errlen)
{
	return check_level("timing_log", v, errbuf, errlen);
}

static int
check_log_format(const char *v, char *errbuf, size_t errlen)
{
	if (ssrd__log_format_parse(v) < 0) {
		snprintf(errbuf, errlen,
		    "log_format \"%s\" is not one of logfmt, json", v);
		return SSRD_ECONFIG;
	}
	return SSRD_OK;
}

static int
check_isolation(const char *v, char *errbuf, size_t errlen)
{
	if (ssrd__isolation_parse(v) < 0) {
		snprintf(errbuf, errlen,
		    "isolation \"%s\" is not one of site, page, request", v);
		return SSRD_ECONFIG;
	}
	return SSRD_OK;
}

static int
check_databases(const char *v, char *errbuf, size_t errlen)
{
	return ssrd__config_parse_dbs(v, NULL, NULL, errbuf, errlen);
}

static char *trim(char *s);

/* Splits "HOST=PATH, PATH" lists; with out NULL it only validates. */
static int
parse_sites(const char *v, ssrd_site_entry **out, size_t *n, char *errbuf,
    size_t errlen)
{
	char  *copy = strdup(v), *save = NULL;
	size_t count = 0;
	int    rv    = SSRD_OK;
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	for (char *e = strtok_r(copy, ",", &save); e != NULL && rv == SSRD_OK;
	     e       = strtok_r(NULL, ",", &save)) {
		char *item = trim(e), *eq = strchr(item, '='), *host = NULL,
		     *path = item;
		if (eq != NULL) {
			*eq  = '\0';
			host = trim(item);
			path = trim(eq + 1);
			if (*host == '\0' || strpbrk(host, " /:") != NULL) {
				snprintf(errbuf, errlen,
				    "site entry \"%s=%s\": the host must be a "
				    "plain name like shop.example.com",
				    host, path);
				rv = SSRD_ECONFIG;
				break;
			}
		}
		if (*path == '\0') {
			snprintf(errbuf, errlen,
			    "site: an entry has no directory; write PATH or "
			    "HOST=PATH, comma-separated");
			rv = SSRD_ECONFIG;
			break;
		}
		if (out != NULL) {
			ssrd_site_entry *nv
			    = realloc(*out, (count + 1) * sizeof(*nv));
			if (nv == NULL) {
				rv = SSRD_ENOMEM;
				break;
			}
			*out           = nv;
			nv[count].host = host ? strdup(host) : NULL;
			nv[count].path = strdup(path);
		}
		count++;
	}
	free(copy);
	if (rv == SSRD_OK && count == 0) {
		snprintf(errbuf, errlen,
		    "site is empty: give a directory, or HOST=PATH entries");
		rv = SSRD_ECONFIG;
	}
	if (n != NULL) {
		*n = count;
	}
	return rv;
}

static int
check_sites(const char *v, char *errbuf, size_t errlen)
{
	return parse_sites(v, NULL, NULL, errbuf, errlen);
}

int
ssrd__config_sites(const ssrd_config *cfg, ssrd_site_entry **out, size_t *n,
    char *errbuf, size_t errlen)
{
	*out   = NULL;
	int rv = parse_sites(cfg->site, out, n, errbuf, errlen);
	if (rv != SSRD_OK) {
		ssrd__config_sites_free(*out, *n);
		*out = NULL;
	}
	return rv;
}

void
ssrd__config_sites_free(ssrd_site_entry *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].host);
		free(v[i].path);
	}
	free(v);
}

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

#define OFF(f) offsetof(ssrd_config, f)
static const struct opt options[] = {
	{ "server", "workers", OPT_LONG, OFF(workers), "0", 0, 256, NULL,
	    "worker threads, each with its own V8 isolate; 0 = one per core" },
	{ "server", "queue_max", OPT_LONG, OFF(queue_max), "1024", 1, 1000000,
	    NULL,
	    "renders waiting for a worker, at most; more are refused at once "
	    "(HTTP 503, protocol overloaded)" },
	{ "server", "http", OPT_STR, OFF(http), "http://127.0.0.1:8080", 0, 0,
	    check_http_url, "HTTP listen URL; empty turns HTTP off" },
	{ "server", "http_headers", OPT_STR, OFF(http_headers),
	    "accept-language", 0, 0, NULL,
	    "request headers pages get as props.headers (lowercase names), "
	    "comma-separated" },
	{ "server", "http_buffer_mb", OPT_LONG, OFF(http_buffer_mb), "128", 1,
	    65536, NULL,
	    "the most output HTTP replies may hold unsent, all together, MiB: "
	    "past it the reply whose client has gone longest without reading "
	    "is cut off and its render cancelled" },
	{ "server", "http_send_timeout_ms", OPT_LONG, OFF(http_send_timeout_ms),
	    "30000", 0, 3600000, NULL,
	    "a reply whose client takes none of it for this long is ended "
	    "(streamed pages, big cached ones), ms; 0: never" },
	{ "server", "http_security_headers", OPT_LONG,
	    OFF(http_security_headers), "1", 0, 1, NULL,
	    "1: every response carries X-Frame-Options: SAMEORIGIN and "
	    "Referrer-Policy: strict-origin-when-cross-origin "
	    "(X-Content-Type-Options: nosniff always)" },
	{ "server", "public_dotfiles", OPT_LONG, OFF(public_dotfiles), "0", 0,
	    1, NULL,
	    "1: /public/ also serves paths with a component starting with '.' "
	    "(.well-known/...); 0: those are 404" },
	{ "server", "public_max_kb", OPT_LONG, OFF(public_max_kb), "32768", 1,
	    4194304, NULL,
	    "/public/ refuses (404, logged) files bigger than this, KiB: each "
	    "is held in memory while it is sent" },
	{ "server", "public_max_age", OPT_LONG, OFF(public_max_age), "3600", 0,
	    31536000, NULL,
	    "seconds browsers and proxies may keep a /public/ file "
	    "(Cache-Control: public, max-age); they revalidate it with its "
	    "ETag after" },
	{ "server", "cache_mb", OPT_LONG, OFF(cache_mb), "64", 0, 65536, NULL,
	    "the HTTP response cache (rendered pages by route, query and the "
	    "headers pages see; gzip kept), MiB; 0 turns it off" },
	{ "server", "cache_ttl", OPT_LONG, OFF(cache_ttl), "10", 0, 31536000,
	    NULL,
	    "seconds a rendered page is served from the cache (and told to "
	    "browsers and proxies: Cache-Control max-age); 0: never cached. A "
	    "page may say otherwise: export const cache = false or { ttl, swr "
	    "}" },
	{ "server", "cache_swr", OPT_LONG, OFF(cache_swr), "30", 0, 31536000,
	    NULL,
	    "seconds after that it is still served, stale, while one request "
	    "renders it again in the background" },
	{ "server", "client_fallback", OPT_STR, OFF(client_fallback), "", 0, 0,
	    NULL,
	    "routes (as ssrd routes lists them, comma-separated, or *) whose "
	    "render, when it fails, times out or is refused before anything "
	    "is sent, is left to the browser: the page's props and the site's "
	    "bundle, with X-Ssrd-Fallback: <reason>" },
	{ "server", "ipc", OPT_STR, OFF(ipc), "ipc:///tmp/ssrd.sock", 0, 0,
	    check_ipc,
	    "render protocol listen addresses (ipc:///path, tcp://host:port), "
	    "comma-separated; empty turns the protocol off" },
	{ "server", "ipc_contexts", OPT_LONG, OFF(ipc_contexts), "128", 1,
	    65536, NULL, "protocol requests in flight at once" },
	{ "server", "max_message_kb", OPT_LONG, OFF(max_message_kb), "1024", 1,
	    1048576, NULL,
	    "bigger protocol requests are refused (bad_request), KiB" },
	{ "server", "max_batch", OPT_LONG, OFF(max_batch), "64", 1, 4096, NULL,
	    "renders in one batch request, at most" },
	{ "server", "stream_idle_ms", OPT_LONG, OFF(stream_idle_ms), "10000", 1,
	    3600000, NULL,
	    "a stream whose caller stops pulling for this long is cancelled, "
	    "freeing its worker" },
	{ "server", "pid_file", OPT_STR, OFF(pid_file), "", 0, 0, NULL,
	    "ssrd serve writes its process id here once it listens, and "
	    "removes it at exit; start fails if a live process holds it; "
	    "empty: no pid file" },
	{ "server", "drain_ms", OPT_LONG, OFF(drain_ms), "10000", 0, 3600000,
	    NULL,
	    "on SIGTERM or SIGINT, how long queued and running renders may "
	    "finish (new requests are refused) before they are stopped, ms" },
	{ "server", "metrics", OPT_LONG, OFF(metrics), "1", 0, 1, NULL,
	    "1: GET /metrics on the HTTP listener answers in Prometheus's "
	    "text format" },
	{ "server", "admin_token", OPT_STR, OFF(admin_token), "", 0, 0, NULL,
	    "a secret that opens diagnose to tcp:// callers and /metrics to "
	    "callers with Authorization: Bearer <token> (empty: diagnose on "
	    "ipc:// only, /metrics open)",
	    1 },
	{ "site", "site", OPT_STR, OFF(site), SSRD_SOURCE_DIR "/js/demo", 0, 0,
	    check_sites,
	    "the site's root directory (with app/), or HOST=PATH entries, "
	    "comma-separated; the first is the default" },
	{ "site", "hydrate", OPT_LONG, OFF(hydrate), "1", 0, 1, NULL,
	    "1: build each site's browser bundle; pages served over HTTP load "
	    "it and hydrate (React takes over in the browser)" },
	{ "site", "watch_ms", OPT_LONG, OFF(watch_ms), "1000", 0, 3600000, NULL,
	    "how often ssrd serve looks for changed sources and rebuilds what "
	    "changed, ms; 0 = never" },
	{ "render", "heap_max_mb", OPT_LONG, OFF(heap_max_mb), "512", 16, 16384,
	    NULL,
	    "each isolate's old-generation heap limit, MiB, and its "
	    "ArrayBuffer memory's; a render reaching it gets out_of_memory and "
	    "the worker replaces its isolate" },
	{ "render", "young_max_mb", OPT_LONG, OFF(young_max_mb), "32", 1, 1024,
	    NULL,
	    "each isolate's young generation, MiB (bigger = fewer scavenges "
	    "during renders)" },
	{ "render", "page_cache_mb", OPT_LONG, OFF(page_cache_mb), "16", 0,
	    4096, NULL,
	    "freed V8 heap pages kept resident for reuse, MiB, whole process "
	    "(0 = off)" },
	{ "render", "isolation", OPT_STR, OFF(isolation), "site", 0, 0,
	    check_isolation,
	    "site: one warm context per worker; page: a fresh context per "
	    "render for the page's code, React shared; request: a fresh "
	    "context per render for everything" },
	{ "render", "streaming", OPT_LONG, OFF(streaming), "1", 0, 1, NULL,
	    "1: render with renderToReadableStream (Suspense streams in as its "
	    "data arrives); 0: renderToString, one synchronous call" },
	{ "render", "streaming_stall_ms", OPT_LONG, OFF(streaming_stall_ms),
	    "5000", 1, 3600000, NULL,
	    "a streaming render that produces no chunk for this long is "
	    "aborted: pending Suspense boundaries are left to the client" },
	{ "render", "render_timeout_ms", OPT_LONG, OFF(render_timeout_ms),
	    "30000", 1, 3600000, NULL,
	    "a render's wall clock: a streaming render still running is "
	    "aborted the same way; JavaScript that runs this long without "
	    "yielding (a loop) is stopped by the watchdog; error timeout "
	    "(formerly streaming_timeout_ms)" },
	{ "render", "render_timeout_max_ms", OPT_LONG,
	    OFF(render_timeout_max_ms), "60000", 1, 3600000, NULL,
	    "the longest wall clock a request may ask for (the protocol's "
	    "timeout_ms); longer requests get this" },
	{ "render", "max_output_kb", OPT_LONG, OFF(max_output_kb), "32768", 0,
	    4194304, NULL,
	    "a render producing more HTML is stopped with output_too_large, "
	    "KiB; 0: no limit" },
	{ "render", "recycle_renders", OPT_LONG, OFF(recycle_renders), "0", 0,
	    1000000000, NULL,
	    "a worker replaces its isolate (from the snapshot, between "
	    "renders) after this many renders; 0: never" },
	{ "render", "recycle_heap_mb", OPT_LONG, OFF(recycle_heap_mb), "256", 0,
	    16384, NULL,
	    "... or when its heap stays above this after a full GC, MiB; 0: "
	    "never. After a render reaches heap_max_mb it always does" },
	{ "render", "idle_gc_ms", OPT_LONG, OFF(idle_gc_ms), "5000", 0, 3600000,
	    NULL,
	    "a worker with nothing to do for this long collects its garbage "
	    "once (full GC, memory back to the system), ms; 0: never" },
	{ "render", "worker_renders", OPT_LONG, OFF(worker_renders), "16", 1,
	    1024, NULL,
	    "renders one worker interleaves while they wait for data (timers, "
	    "host calls)" },
	{ "render", "snapshot", OPT_LONG, OFF(snapshot), "1", 0, 1, NULL,
	    "1: workers start from a V8 snapshot with React loaded; 0: each "
	    "evaluates the base" },
	{ "render", "v8_flags", OPT_STR, OFF(v8_flags), "", 0, 0, NULL,
	    "extra V8 flags for the whole process, e.g. --max-lazy" },
	{ "host", "host_threads", OPT_LONG, OFF(host_threads), "4", 1, 64, NULL,
	    "threads doing pages' blocking host work (files, SQLite, "
	    "fetch)" },
	{ "host", "host_render_inflight", OPT_LONG, OFF(host_render_inflight),
	    "0", 0, 64, NULL,
	    "host calls of one render running at once, at most; 0: half of "
	    "host_threads (at least 1), so one render never holds every "
	    "thread" },
	{ "host", "host_render_queued", OPT_LONG, OFF(host_render_queued),
	    "1000", 1, 1000000, NULL,
	    "host calls of one render waiting for a thread, at most; more are "
	    "refused (the promise rejects). Threads take renders in turn" },
	{ "host", "files", OPT_LONG, OFF(files), "1", 0, 1, NULL,
	    "1: pages may read files and list directories under their site's "
	    "root" },
	{ "host", "files_max_kb", OPT_LONG, OFF(files_max_kb), "8192", 1,
	    1048576, NULL, "files.read refuses files bigger than this, KiB" },
	{ "host", "databases", OPT_STR, OFF(databases), "blog=data/blog.sqlite",
	    0, 0, check_databases,
	    "SQLite databases pages may query: NAME=PATH[:rw], comma-separated "
	    "(relative paths from the site's root; read-only unless :rw)" },
	{ "host", "db_timeout_ms", OPT_LONG, OFF(db_timeout_ms), "1000", 1,
	    3600000, NULL, "a statement running longer is interrupted, ms" },
	{ "host", "db_max_rows", OPT_LONG, OFF(db_max_rows), "10000", 1,
	    100000000, NULL, "a query returning more rows is refused" },
	{ "host", "db_max_kb", OPT_LONG, OFF(db_max_kb), "4096", 1, 1048576,
	    NULL,
	    "a query's JSON result passing this is refused, KiB (never "
	    "truncated); also the longest string or blob SQLite makes" },
	{ "host", "db_heap_mb", OPT_LONG, OFF(db_heap_mb), "256", 8, 65536,
	    NULL,
	    "SQLite's memory, MiB: the whole process's (SQLite's own limit is "
	    "process-wide: every query and the layer manifest together), and "
	    "each query at most its share, db_heap_mb / host_threads; a query "
	    "needing more fails with out of memory" },
	{ "host", "fetch_allow", OPT_STR, OFF(fetch_allow), "127.0.0.1:8080", 0,
	    0, NULL,
	    "hosts fetch may reach, host or host:port, comma-separated; empty "
	    "refuses every URL" },
	{ "host", "fetch_timeout_ms", OPT_LONG, OFF(fetch_timeout_ms), "5000",
	    1, 3600000, NULL, "a fetch taking longer is abandoned, ms" },
	{ "host", "fetch_max_kb", OPT_LONG, OFF(fetch_max_kb), "4096", 1,
	    1048576, NULL,
	    "fetch refuses response bodies bigger than this, KiB" },
	{ "host", "env_allow", OPT_STR, OFF(env_allow), "SSRD_DEMO_API", 0, 0,
	    NULL, "environment variables env.get may read, comma-separated" },
	{ "cache", "cache_dir", OPT_STR, OFF(cache_dir),
	    SSRD_SOURCE_DIR "/cache", 0, 0, NULL,
	    "directory for built bundles" },
	{ "build", "esbuild", OPT_STR, OFF(esbuild),
	    SSRD_SOURCE_DIR "/js/node_modules/@esbuild/linux-x64/bin/esbuild",
	    0, 0, NULL, "the esbuild binary that builds bundles" },
	{ "build", "runtime_dir", OPT_STR, OFF(runtime_dir),
	    SSRD_SOURCE_DIR "/js/runtime", 0, 0, NULL,
	    "ssrd's JavaScript runtime (base.js and polyfills.js)" },
	{ "log", "log_level", OPT_STR, OFF(log_level), "info", 0, 0,
	    check_log_level, "debug | info | warn | error | off" },
	{ "log", "log_format", OPT_STR, OFF(log_format), "logfmt", 0, 0,
	    check_log_format,
	    "logfmt (key=value lines) | json (one JSON object per line)" },
	{ "log", "timing_log", OPT_STR, OFF(timing_log), "debug", 0, 0,
	    check_timing_log,
	    "the level of the per-render timing line (event=timing): debug | "
	    "info | warn | error | off" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* Finds an option by name, accepting dashes for underscores (flags use dashes).
 */
static const struct opt *
opt_find(const char *name)
{
	char   norm[64];
	size_t n = strlen(name);
	if (n >= sizeof(norm)) {
		return NULL;
	}
	for (size_t i = 0; i <= n; i++) {
		norm[i] = name[i] == '-' ? '_' : name[i];
	}
	/* the name render_timeout_ms had while it bounded streaming renders
	 * alone */
	if (strcmp(norm, "streaming_timeout_ms") == 0) {
		strcpy(norm, "render_timeout_ms");
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].name, norm) == 0) {
			return &options[i];
		}
	}
	return NULL;
}

static int
opt_apply(ssrd_config *cfg, const struct opt *o, const char *value,
    char *errbuf, size_t errlen)
{
	char *field = (char *) cfg + o->offset;
	if (o->check != NULL && o->check(value, errbuf, errlen) != SSRD_OK) {
		return SSRD_ECONFIG;
	}
	if (o->type == OPT_LONG) {
		char *end;
		errno  = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			snprintf(errbuf, errlen,
			    "%s = \"%s\" is not a whole number", o->name,
			    value);
			return SSRD_ECONFIG;
		}
		if (v < o->min || v > o->max) {
			snprintf(errbuf, errlen,
			    "%s = %ld is out of range: use %ld to %ld", o->name,
			    v, o->min, o->max);
			return SSRD_ECONFIG;
		}
		*(long *) field = v;
		return SSRD_OK;
	}
	char *copy = strdup(value);
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	free(*(char **) field);
	*(char **) field = copy;
	return SSRD_OK;
}

int
ssrd__config_init(ssrd_config *cfg)
{
	char errbuf[256];
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NOPTIONS; i++) {
		int rv = opt_apply(
		    cfg, &options[i], options[i].def, errbuf, sizeof(errbuf));
		if (rv != SSRD_OK) {
			ssrd__config_clear(cfg);
			return rv;
		}
	}
	return SSRD_OK;
}

void
ssrd__config_clear(ssrd_config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (options[i].type == OPT_STR) {
			char **f = (char **) ((char *) cfg + options[i].offset);
			free(*f);
			*f = NULL;
		}
	}
}

int
ssrd__config_set(ssrd_config *cfg, const char *name, const char *value,
    char *errbuf, size_t errlen)
{
	const struct opt *o = opt_find(name);
	if (o == NULL) {
		snprintf(errbuf, errlen,
		    "unknown option \"%s\" (ssrd --help lists them)", name);
		return SSRD_ECONFIG;
	}
	return opt_apply(cfg, o, value, errbuf, errlen);
}

static char *
trim(char *s)
{
	while (isspace((unsigned char) *s)) {
		s++;
	}
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1])) {
		*--e = '\0';
	}
	return s;
}

int
ssrd__config_load_text(ssrd_config *cfg, const char *name, const char *text,
    size_t len, char *errbuf, size_t errlen)
{
	/* A copy to cut into lines in place. Values are C strings, so a NUL
	 * byte ends the text of its line: the rest of that line is ignored. */
	char *copy = malloc(len + 1);
	if (copy == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return SSRD_ENOMEM;
	}
	if (len > 0) {
		memcpy(copy, text, len);
	}
	copy[len]         = '\0';
	char  section[64] = "";
	char *p = copy, *end = copy + len;
	int   lineno = 0;
	int   rv     = SSRD_OK;
	char  why[256];
	while (rv == SSRD_OK && p < end) {
		char *nl = memchr(p, '\n', (size_t) (end - p));
		if (nl != NULL) {
			*nl = '\0';
		}
		char *s = trim(p);
		p       = nl != NULL ? nl + 1 : end;
		lineno++;
		if (*s == '\0' || *s == '#' || *s == ';') {
			continue;
		}
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0'
			    || (size_t) (close - s - 1) >= sizeof(section)) {
				snprintf(errbuf, errlen,
				    "%s:%d: bad section header \"%s\"; write "
				    "it as [name]",
				    name, lineno, s);
				rv = SSRD_ECONFIG;
				break;
			}
			*close = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(errbuf, errlen,
			    "%s:%d: expected `key = value`, got \"%s\"", name,
			    lineno, s);
			rv = SSRD_ECONFIG;
			break;
		}
		*eq          = '\0';
		char  *key   = trim(s);
		char  *value = trim(eq + 1);
		size_t vlen  = strlen(value);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		const struct opt *o = opt_find(key);
		if (o == NULL) {
			snprintf(errbuf, errlen,
			    "%s:%d: unknown option \"%s\" (ssrd --help lists "
			    "them)",
			    name, lineno, key);
			rv = SSRD_ECONFIG;
		} else if (strcmp(o->section, section) != 0) {
			snprintf(errbuf, errlen,
			    "%s:%d: option \"%s\" belongs in section [%s], not "
			    "[%s]",
			    name, lineno, key, o->section, section);
			rv = SSRD_ECONFIG;
		} else if ((rv = opt_apply(cfg, o, value, why, sizeof(why)))
		    != SSRD_OK) {
			snprintf(
			    errbuf, errlen, "%s:%d: %s", name, lineno, why);
		}
	}
	free(copy);
	return rv;
}

int
ssrd__config_load_file(
    ssrd_config *cfg, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return SSRD_EIO;
	}
	/* The whole file first: the parsing works on text (and is fuzzed so,
	 * tests/fuzz/fuzz_config.c). */
	char  *text = NULL;
	size_t len = 0, cap = 0;
	int    rv = SSRD_OK, err = 0;
	for (;;) {
		if (cap - len < 4096) {
			char *grown = realloc(text, cap * 2 + 4096);
			if (grown == NULL) {
				snprintf(
				    errbuf, errlen, "%s: out of memory", path);
				rv = SSRD_ENOMEM;
				break;
			}
			text = grown;
			cap  = cap * 2 + 4096;
		}
		size_t n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			err = ferror(f) ? errno : 0;
			break;
		}
	}
	if (rv == SSRD_OK && err != 0) {
		snprintf(
		    errbuf, errlen, "%s: cannot read: %s", path, strerror(err));
		rv = SSRD_EIO;
	}
	fclose(f);
	if (rv == SSRD_OK) {
		rv = ssrd__config_load_text(
		    cfg, path, text, len, errbuf, errlen);
	}
	free(text);
	return rv;
}

void
ssrd__config_print_help(FILE *out)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o = &options[i];
		char              flag[64];
		snprintf(flag, sizeof(flag), "--%s", o->name);
		for (char *p = flag + 2; *p; p++) {
			if (*p == '_') {
				*p = '-';
			}
		}
		fprintf(out, "  %-16s [%s] %s (default: %s)\n", flag,
		    o->section, o->help, o->def[0] ? o->def : "\"\"");
	}
}

int
ssrd__config_secret(const char *name)
{
	const struct opt *o = opt_find(name);
	return o != NULL && o->secret;
}

void
ssrd__config_print(const ssrd_config *cfg, FILE *out, int secrets)
{
	const char *section = "";
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct opt *o     = &options[i];
		const char       *field = (const char *) cfg + o->offset;
		if (strcmp(section, o->section) != 0) {
			section = o->section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		if (o->type == OPT_LONG) {
			fprintf(
			    out, "%s = %ld\n", o->name, *(const long *) field);
		} else {
			/* Quoted, so leading or trailing spaces and quotes
			 * survive a reload. */
			const char *v = *(char *const *) field;
			fprintf(out, "%s = \"%s\"\n", o->name,
			    o->secret && !secrets && v[0] != '\0' ? "(set)"
			                                          : v);
		}
	}
}

long
ssrd__config_workers(const ssrd_config *cfg)
{
	if (cfg->workers > 0) {
		return cfg->workers;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
