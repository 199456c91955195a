/* host.h: the host bridge, the work behind the `ssrd` module that pages
 * import (files, databases, fetch, environment). Each operation is a plain
 * blocking C function; hostpool.c runs them off the worker threads. */
#ifndef SSRD_HOST_H
#define SSRD_HOST_H

#include <stddef.h>

#include "config/config.h"
#include "config/values.h"
#include "core/json.h"

/*
 * What config grants pages, parsed once from ssrd_config. Everything not
 * granted here is refused. Read-only once made: any thread may use it.
 */
typedef struct ssrd_host_opts {
	int           files;           /* 1: files.read/list under the root */
	size_t        files_max_bytes; /* files.read refuses bigger files */
	ssrd_host_db *dbs;
	size_t        ndbs;
	long          db_timeout_ms; /* a statement running longer is stopped */
	long          db_max_rows;   /* a query returning more is refused */
	size_t        db_max_bytes;  /* a bigger JSON result, or string or
	                                blob, is refused; 0: no cap */
	size_t db_heap_bytes;        /* SQLite's heap, process-wide; 0: none */
	size_t db_query_bytes;       /* SQLite's memory for one query, at most
	                                (see ssrd__host_db_init); 0: no cap */
	char **fetch_allow;          /* "host" or "host:port" entries */
	size_t nfetch_allow;         /* 0: fetch refuses every URL */
	long   fetch_timeout_ms;
	size_t fetch_max_bytes; /* response bodies bigger are refused */
	char **env_allow;       /* variable names env.get may read */
	size_t nenv_allow;
} ssrd_host_opts;

/*
 * Fills o from cfg's [host] options. Returns SSRD_OK, SSRD_ECONFIG with
 * the reason in errbuf (a malformed `databases` entry, say), or
 * SSRD_ENOMEM. Free with ssrd__host_opts_clear().
 */
int ssrd__host_opts_init(
    ssrd_host_opts *o, const ssrd_config *cfg, char *errbuf, size_t errlen);

/*
 * Routes SQLite's allocations through counting wrappers so that
 * db_query_bytes can bound each query (SQLite's own limit is per process
 * only). Call it first thing in main(), before anything uses SQLite; later
 * it does nothing and returns SSRD_EINVAL, and queries are then bounded by
 * db_heap_bytes only. Returns SSRD_OK.
 */
int ssrd__host_db_init(void);

/*
 * Applies what of o is process-wide: SQLite's hard heap limit, set to
 * o->db_heap_bytes (0: none). SQLite has that limit for the whole process
 * only, not per connection, so it bounds every connection together (pages'
 * queries and the layer manifest). Call it once, at start; any thread.
 */
void ssrd__host_db_start(const ssrd_host_opts *o);

/* Frees what o holds and zeroes it. NULL is a no-op. */
void ssrd__host_opts_clear(ssrd_host_opts *o);

/*
 * The outcome of one operation. ok = 1: text is a JSON value that becomes
 * the promise's result (JSON.parse in the page's context). ok = 0: text is
 * a message for people that becomes the Error the promise rejects with,
 * e.g. `files.read: "../x" is outside the site root`. text is malloc'd
 * (NUL-terminated, len bytes); the caller frees it.
 */
typedef struct ssrd_host_result {
	int    ok;
	char  *text;
	size_t len;
} ssrd_host_result;

/*
 * One operation, as the page asked for it: op names it and args is the JSON
 * array of its arguments (what the JS side passed, JSON.stringify'd).
 *   files.read  [path]                 -> "contents" (UTF-8 text)
 *   files.list  [dir]                  -> [{"name","type","size"}, ...]
 *   db.query    [db, sql, [params...]] -> [{column: value, ...}, ...]
 *   fetch       [url, {method, headers, body}]
 *                                      -> {"status","statusText","headers":{},
 *                                          "body"}
 *   env.get     [name]                 -> "value" or null
 * Paths are relative to root (the site's root directory, absolute and
 * real); root may not be left by `..`, absolute paths or symlinks.
 */
typedef struct ssrd_host_req {
	const ssrd_host_opts *opts;
	const char           *root;
	const char           *op;
	const char           *args;
	size_t                args_len;
	/* 1: nothing that changes the world (a worker's warm-up render, which
	 * nobody asked for): writes refused even to a :rw database */
	int no_writes;
} ssrd_host_req;

/*
 * Runs one operation to completion on the calling thread and fills *r
 * (always: an unknown op or malformed args is a rejection with a message).
 * Thread-safe; may block (disk, SQLite, network) up to the configured
 * timeouts.
 */
void ssrd__host_run(const ssrd_host_req *req, ssrd_host_result *r);

/* The operations ssrd__host_run() dispatches to, one file each. Same
 * contract; req->op is already known. */
void ssrd__host_files_read(const ssrd_host_req *req, ssrd_host_result *r);
void ssrd__host_files_list(const ssrd_host_req *req, ssrd_host_result *r);
void ssrd__host_db_query(const ssrd_host_req *req, ssrd_host_result *r);
void ssrd__host_fetch(const ssrd_host_req *req, ssrd_host_result *r);
void ssrd__host_env_get(const ssrd_host_req *req, ssrd_host_result *r);

/*
 * Splits req->args (a JSON array) into cursors, one on each element, in
 * argv[0..max). Returns how many elements there are, or -1 if args is not
 * an array or has more than max elements.
 */
int ssrd__host_args(const ssrd_host_req *req, ssrd_json *argv, size_t max);

/* Reads a cursor's string (malloc'd) or returns NULL if it is not a string
 * or holds a NUL. */
char *ssrd__host_arg_string(ssrd_json *arg);

/* Sets *r to a rejection with a printf-formatted message. For the
 * operations above. */
void ssrd__host_reject(ssrd_host_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets *r to success with the JSON text taken from a strbuf-built string
 * (text malloc'd; NULL means out of memory, which becomes a rejection). */
void ssrd__host_resolve(ssrd_host_result *r, char *json);

#endif
