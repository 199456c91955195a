/* config.h: ssrd's configuration, from one table of options used for the file,
 * the flags, --help, ssrd config, diagnose and reloads. */
#ifndef SSRD_CONFIG_H
#define SSRD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/*
 * Every setting ssrd has. Strings are malloc'd and owned by the struct
 * (ssrd__config_clear() frees them). Filled with the defaults by
 * ssrd__config_init(), then by a file, then by flags; each step validates
 * against the option table, so a config that exists is a valid one.
 */
typedef struct ssrd_config {
	/* [server] */
	long  workers;      /* worker threads; 0 = one per core */
	long  queue_max;    /* renders waiting for a worker, at most */
	char *http;         /* HTTP listen URL, e.g. http://127.0.0.1:8080 */
	char *http_headers; /* request headers pages get */
	long  http_security_headers; /* 1: X-Frame-Options, Referrer-Policy */
	long  http_buffer_mb; /* unsent output all HTTP replies may hold */
	long  http_send_timeout_ms; /* a write taking nothing this long ends */
	long  http_max_connections; /* open at most; 0: by the fd limit */
	long  http_idle_timeout_ms; /* a request's head, an idle keep-alive */
	long  public_dotfiles;      /* 1: /public/ serves .names too */
	long  public_max_kb;        /* /public/ refuses bigger files */
	long  public_max_age;       /* /public/'s Cache-Control max-age, s */
	long  cache_mb;             /* the HTTP response cache's size; 0: off */
	long  cache_ttl;            /* s a page stays fresh there; 0: off */
	long  cache_swr; /* s it is then served stale while rendered again */
	char *client_fallback; /* routes rendered in the browser on failure */
	char *ipc; /* protocol listen addresses (ipc://, tcp://), comma-sep. */
	long  ipc_contexts;   /* protocol requests in flight at once */
	long  max_message_kb; /* bigger requests get a bad_request reply */
	long  max_batch;      /* renders in one batch, at most */
	long
	    stream_idle_ms; /* a stream not pulled for this long is cancelled */
	char *pid_file;     /* serve writes its pid here; "" = none */
	long  drain_ms; /* SIGTERM/SIGINT: how long in-flight work may finish */
	long  metrics;  /* 1: GET /metrics on the HTTP listener */
	char *admin_token; /* opens diagnose over tcp:// and guards /metrics */
	/* [site] */
	char *site;     /* the site's root directory (holds app/) */
	long  watch_ms; /* how often to look for changed sources; 0 = never */
	long  hydrate;  /* 1: build the browser bundle; HTTP pages hydrate */
	/* [render] */
	long  heap_max_mb;   /* each isolate's old-generation limit */
	long  young_max_mb;  /* each isolate's young generation */
	char *v8_flags;      /* extra V8 flags, process-wide */
	long  page_cache_mb; /* freed V8 pages kept for reuse, process-wide */
	long  snapshot;      /* 1: workers start from a snapshot of the base */
	char *isolation;     /* site | page | request */
	long  streaming;     /* 1: renderToReadableStream on the event loop */
	long  streaming_stall_ms;    /* no new chunk for this long: ended */
	long  render_timeout_ms;     /* a render's wall clock, at most */
	long  render_timeout_max_ms; /* what a request may ask for, at most */
	long  max_output_kb;         /* a render's HTML, at most; 0: no limit */
	long  recycle_renders; /* a worker's renders per isolate; 0: no limit */
	long  recycle_heap_mb; /* heap after a full GC that means recycling */
	long  idle_gc_ms;      /* idle this long: one full GC; 0: never */
	long  warmup_ms; /* a worker warms its code this long first; 0: never */
	long  worker_renders; /* renders one worker runs at once (async) */
	/* [host]: what pages may reach through the `ssrd` module */
	long  host_threads;         /* threads doing the blocking host work */
	long  host_render_inflight; /* one render's calls running; 0: auto */
	long  host_render_queued;   /* one render's calls waiting, at most */
	long  files;                /* 1: files.read/list under the site root */
	long  files_max_kb;         /* files.read refuses bigger files */
	char *databases;            /* NAME=PATH[:rw], comma-separated */
	long  db_timeout_ms;        /* a statement running longer is stopped */
	long  db_max_rows;          /* a query returning more rows is refused */
	long  db_max_kb;        /* a bigger JSON result (or value) is refused */
	long  db_heap_mb;       /* SQLite's heap, whole process, at most */
	char *fetch_allow;      /* host or host:port entries fetch may reach */
	long  fetch_timeout_ms; /* a fetch taking longer is abandoned */
	long  fetch_max_kb;     /* bigger response bodies are refused */
	char *env_allow;        /* environment variables env.get may read */
	/* [cache] */
	char *cache_dir; /* where built bundles are kept */
	/* [build] */
	char *esbuild;     /* the esbuild binary */
	char *runtime_dir; /* ssrd's JS runtime (base.js, polyfills.js) */
	/* [log] */
	char *log_level;  /* debug | info | warn | error | off */
	char *log_format; /* logfmt | json */
	char *timing_log; /* the timing line's level, or off */
} ssrd_config;

/* Fills cfg with the built-in defaults. Returns SSRD_OK or SSRD_ENOMEM. */
int ssrd__config_init(ssrd_config *cfg);

/* Frees cfg's strings. NULL is a harmless no-op. */
void ssrd__config_clear(ssrd_config *cfg);

/*
 * Reads an INI file (sections [server] [site] [render] [cache] [build] [log],
 * `key = value` lines, `#` or `;` comments) into cfg. On a bad file returns
 * SSRD_ECONFIG and writes "FILE:LINE: reason. fix" into errbuf; an unreadable
 * file gives SSRD_EIO with the reason in errbuf.
 */
int ssrd__config_load_file(
    ssrd_config *cfg, const char *path, char *errbuf, size_t errlen);

/*
 * Reads len bytes of INI text (as ssrd__config_load_file() reads a file's;
 * the last line needs no newline, and a NUL byte ends its line's text) into
 * cfg, option by option: on an error the lines before it stay applied.
 * Returns SSRD_OK, SSRD_ECONFIG with "NAME:LINE: reason" in errbuf (name
 * says where the text came from), or SSRD_ENOMEM. text is only read.
 */
int ssrd__config_load_text(ssrd_config *cfg, const char *name, const char *text,
    size_t len, char *errbuf, size_t errlen);

/*
 * Applies one option by name ("workers", "cache_dir" or "cache-dir") from a
 * string. Returns SSRD_OK, or SSRD_ECONFIG with the reason in errbuf
 * (unknown name, bad number, out of bounds).
 */
int ssrd__config_set(ssrd_config *cfg, const char *name, const char *value,
    char *errbuf, size_t errlen);

/* One entry of the `site` option: the directory, and the Host it answers (NULL:
 * the default). */
typedef struct ssrd_site_entry {
	char *host;
	char *path;
} ssrd_site_entry;

/*
 * Splits cfg->site ("PATH" or "HOST=PATH, HOST=PATH, ...") into *out
 * (malloc'd array, free with ssrd__config_sites_free()) and its length into
 * *n. The first entry is the default site. Returns SSRD_OK, SSRD_ECONFIG
 * with the reason in errbuf, or SSRD_ENOMEM.
 */
int ssrd__config_sites(const ssrd_config *cfg, ssrd_site_entry **out, size_t *n,
    char *errbuf, size_t errlen);

/* Frees what ssrd__config_sites() returned. */
void ssrd__config_sites_free(ssrd_site_entry *v, size_t n);

/* Writes one line per option (flag, default, help) for --help. */
void ssrd__config_print_help(FILE *out);

/* Writes the effective configuration as INI, one `key = value` per option;
 * a secret's value (admin_token) as "(set)" unless secrets is set, which
 * only code that compares configurations may ask for (never for output). */
void ssrd__config_print(const ssrd_config *cfg, FILE *out, int secrets);

/* Returns 1 if the option called name holds a secret (never to be logged
 * or shown), else 0. */
int ssrd__config_secret(const char *name);

/*
 * Returns every option of cfg as one JSON object (malloc'd; the caller
 * frees it), "name":value in the table's order: numbers as numbers, text
 * as strings, a secret that is set as "(set)" (as ssrd config shows it).
 * NULL when out of memory. What diagnose reports as its config.
 */
char *ssrd__config_json(const ssrd_config *cfg);

/* One option whose value differs between two configs. The strings belong
 * to ssrd__config_diff() and last until fn returns. */
typedef struct ssrd_config_change {
	const char *name;   /* the option's name, as in the file */
	const char *before; /* its value in a: a number in decimal, or text */
	const char *after;  /* its value in b, the same way */
	int         text;   /* 1: a text option (ssrd config quotes it) */
	int secret; /* 1: before and after are a secret: never log them */
	int live;   /* 1: a reload applies it at once; 0: needs a restart */
} ssrd_config_change;

typedef void (*ssrd_config_change_fn)(
    const ssrd_config_change *change, void *arg);

/*
 * Compares a and b option by option, from the table (so an option added
 * later counts too), and calls fn (if not NULL) for each that differs, in
 * the table's order. Returns how many differ. Allocates nothing.
 */
int ssrd__config_diff(const ssrd_config *a, const ssrd_config *b,
    ssrd_config_change_fn fn, void *arg);

/* Returns the number of workers to start: cfg->workers, or the core count for
 * 0. */
long ssrd__config_workers(const ssrd_config *cfg);

#endif
