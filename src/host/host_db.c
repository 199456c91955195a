/* host_db.c: db.query, one SQL statement on a SQLite database config names. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "host/host.h"
#include "host/host_dbguard.h"

/* Integers further from 0 than this lose precision as JS numbers. */
#define MAX_SAFE_INT 9007199254740992LL /* 2^53 */

/* An integer: a JSON number when JS holds it exactly, else its decimal
 * digits as a JSON string. */
static void
put_int(ssrd_strbuf *b, sqlite3_int64 v)
{
	if (v >= -MAX_SAFE_INT && v <= MAX_SAFE_INT) {
		ssrd__strbuf_printf(b, "%lld", (long long) v);
	} else {
		ssrd__strbuf_printf(b, "\"%lld\"", (long long) v);
	}
}

/* A float: the shortest %g form that reads back as the same double; null
 * for infinities and NaN, which JSON cannot hold. */
static void
put_double(ssrd_strbuf *b, double d)
{
	if (!isfinite(d)) {
		ssrd__strbuf_puts(b, "null");
		return;
	}
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d) {
			break;
		}
	}
	ssrd__strbuf_puts(b, buf);
}

/* Column col of the current row, as JSON (see ssrd__host_db_query). */
static void
put_value(ssrd_strbuf *b, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		put_int(b, sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT:
		put_double(b, sqlite3_column_double(st, col));
		break;
	case SQLITE_TEXT: {
		const char *s = (const char *) sqlite3_column_text(st, col);
		size_t      n = (size_t) sqlite3_column_bytes(st, col);
		ssrd__strbuf_json_text(b, s ? s : "", s ? n : 0);
		break;
	}
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, col);
		size_t               n = (size_t) sqlite3_column_bytes(st, col);
		ssrd__strbuf_puts(b, "\"");
		for (size_t i = 0; p != NULL && i < n; i++) {
			ssrd__strbuf_printf(b, "%02x", p[i]);
		}
		ssrd__strbuf_puts(b, "\"");
		break;
	}
	default:
		ssrd__strbuf_puts(b, "null");
	}
}

int
ssrd__host_db_init(void)
{
	return ssrd__dbguard_mem_install() == SQLITE_OK ? SSRD_OK : SSRD_EINVAL;
}

void
ssrd__host_db_start(const ssrd_host_opts *o)
{
	sqlite3_hard_heap_limit64((sqlite3_int64) o->db_heap_bytes);
}

/* Rejects an unknown database name, listing the names config gives. */
static void
reject_no_db(ssrd_host_result *r, const ssrd_host_opts *o, const char *name)
{
	ssrd_strbuf b = { 0 };
	for (size_t i = 0; i < o->ndbs; i++) {
		ssrd__strbuf_puts(&b, i ? ", " : "");
		ssrd__strbuf_puts(&b, o->dbs[i].name);
	}
	char *names = ssrd__strbuf_take(&b);
	ssrd__host_reject(r,
	    "db.query: no database \"%s\" (config [host] databases names: "
	    "%s)",
	    name,
	    names == NULL  ? "?"
	        : names[0] ? names
	                   : "none");
	free(names);
}

/* The params array's elements, as cursors, collected before binding so
 * their count can be checked first. */
struct params {
	ssrd_json *v;
	size_t     n;
	size_t     cap;
};

static int
take_param(ssrd_json *j, size_t index, void *ctx)
{
	struct params *p = ctx;
	if (p->n == p->cap) {
		size_t     ncap = p->cap ? p->cap * 2 : 8;
		ssrd_json *nv   = realloc(p->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			return -1;
		}
		p->v   = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = *j;
	return ssrd__json_skip(j);
}

/* Binds parameter i (0-based) from its cursor. Returns SQLITE_OK, an
 * SQLite error code, or -1 after rejecting an unbindable value. */
static int
bind_one(sqlite3_stmt *st, int i, ssrd_json *j, ssrd_host_result *r)
{
	double d;
	int    flag;
	char  *s;
	size_t len;
	switch (ssrd__json_peek(j)) {
	case '"':
		if (ssrd__json_string_dup(j, &s, &len) != 0) {
			return SQLITE_NOMEM;
		}
		return sqlite3_bind_text64(
		    st, i + 1, s, len, free, SQLITE_UTF8);
	case 't':
	case 'f':
		ssrd__json_bool(j, &flag);
		return sqlite3_bind_int(st, i + 1, flag);
	case 'n':
		return sqlite3_bind_null(st, i + 1);
	case '[':
	case '{':
		ssrd__host_reject(r,
		    "db.query: parameter %d is an %s; parameters must be "
		    "strings, numbers, booleans or null",
		    i + 1, ssrd__json_peek(j) == '[' ? "array" : "object");
		return -1;
	default:
		if (ssrd__json_number(j, &d) != 0) {
			ssrd__host_reject(
			    r, "db.query: parameter %d is not a number", i + 1);
			return -1;
		}
		/* 2^63 is exact as a double; every integral double below it
		 * and at or above -2^63 fits in an int64. */
		if (d == floor(d) && d >= -9223372036854775808.0
		    && d < 9223372036854775808.0) {
			return sqlite3_bind_int64(st, i + 1, (sqlite3_int64) d);
		}
		return sqlite3_bind_double(st, i + 1, d);
	}
}

/* Opens the database cfg names, for db.query: one connection, bounded by
 * g (see host_dbguard.h); *path gets its absolute path. Returns the
 * connection, or NULL after rejecting r. */
static sqlite3 *
open_db(const ssrd_host_req *req, const ssrd_host_db *cfg, char **path,
    ssrd_dbguard *g, ssrd_host_result *r)
{
	const ssrd_host_opts *o  = req->opts;
	sqlite3              *db = NULL;
	if ((*path = ssrd__path_join(req->root, cfg->path)) == NULL) {
		ssrd__host_reject(r, "db.query: out of memory");
		return NULL;
	}
	/* a path config gives as absolute stays out of messages */
	int         rel = cfg->path[0] != '/';
	struct stat sb;
	if (stat(*path, &sb) != 0) {
		char errbuf[128];
		int  err = errno;
		ssrd__host_reject(r, "db.query: database \"%s\": %s%s%s%s",
		    cfg->name, rel ? "file \"" : "its file",
		    rel ? cfg->path : "", rel ? "\" " : " ",
		    err == ENOENT ? "does not exist"
		                  : strerror_r(err, errbuf, sizeof(errbuf)));
		return NULL;
	}
	int flags
	    = (cfg->writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY)
	    | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(*path, &db, flags, NULL);
	if (rc == SQLITE_OK) {
		rc = ssrd__dbguard_open(
		    g, db, o->db_timeout_ms, o->db_max_bytes);
	}
	if (rc != SQLITE_OK) {
		ssrd__host_reject(r, "db.query: database \"%s\": %s", cfg->name,
		    sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* The result cap, as the message names it. */
static void
reject_too_big(ssrd_host_result *r, const ssrd_host_opts *o)
{
	ssrd__host_reject(r,
	    "db.query: the result passed %zu KiB (db_max_kb); select fewer "
	    "columns or add a LIMIT",
	    o->db_max_bytes >> 10);
}

/* The fewest bytes column col of the current row takes as JSON. */
static size_t
json_size_min(sqlite3_stmt *st, int col)
{
	size_t n = (size_t) sqlite3_column_bytes(st, col);
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_BLOB:
		return 2 * n + 2;
	case SQLITE_TEXT:
		return n + 2;
	default:
		return 1;
	}
}

/* Steps st to its end, each row into b as a JSON object (see
 * ssrd__host_db_query). Returns SQLITE_DONE, an SQLite error code, or -1
 * after rejecting r for db_max_rows or db_max_bytes. */
static int
read_rows(sqlite3_stmt *st, const ssrd_host_opts *o, ssrd_strbuf *b,
    ssrd_host_result *r)
{
	size_t cap   = o->db_max_bytes > 0 ? o->db_max_bytes : SIZE_MAX;
	int    ncols = sqlite3_column_count(st);
	long   rows  = 0;
	int    rc;
	ssrd__strbuf_puts(b, "[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows >= o->db_max_rows) {
			ssrd__host_reject(r,
			    "db.query: more than %ld rows (db_max_rows); add "
			    "a LIMIT",
			    o->db_max_rows);
			return -1;
		}
		ssrd__strbuf_puts(b, rows++ ? ",{" : "{");
		for (int c = 0; c < ncols; c++) {
			const char *col = sqlite3_column_name(st, c);
			if (c > 0) {
				ssrd__strbuf_puts(b, ",");
			}
			col = col ? col : "";
			ssrd__strbuf_json_text(b, col, strlen(col));
			ssrd__strbuf_puts(b, ":");
			/* refused before a big value is copied, if it must
			 * pass the cap, else as soon as it did */
			if (b->len + json_size_min(st, c) > cap) {
				reject_too_big(r, o);
				return -1;
			}
			put_value(b, st, c);
			if (b->len > cap) {
				reject_too_big(r, o);
				return -1;
			}
		}
		ssrd__strbuf_puts(b, "}");
	}
	return rc;
}

/*
 * One db.query call, from its arguments to its result. name and sql are
 * the page's, cfg the database config names name, path its absolute path
 * and shown what SQLite's messages say instead; db, st and g are the
 * connection, the statement and its bounds. Everything is freed by
 * query_clear(), whatever was reached.
 */
struct query {
	const ssrd_host_opts *o;
	char                 *name;
	char                 *sql;
	char                 *path;
	const ssrd_host_db   *cfg;
	int                   no_writes; /* the request's: a warm-up */
	const char           *shown;
	struct params         p;
	sqlite3              *db;
	sqlite3_stmt         *st;
	ssrd_dbguard          g;
};

/* Reads the page's arguments into q and finds the database they name.
 * Returns 1, or 0 after rejecting r. */
static int
read_args(const ssrd_host_req *req, struct query *q, ssrd_host_result *r)
{
	ssrd_json argv[3];
	int       argc = ssrd__host_args(req, argv, 3);
	if (argc < 2 || (q->name = ssrd__host_arg_string(&argv[0])) == NULL
	    || (q->sql = ssrd__host_arg_string(&argv[1])) == NULL) {
		ssrd__host_reject(r,
		    "db.query: expects (db, sql, params?): db and sql strings "
		    "and an optional array of parameters");
		return 0;
	}
	if (argc == 3 && !ssrd__json_is_null(&argv[2])) {
		if (ssrd__json_peek(&argv[2]) != '['
		    || ssrd__json_array(&argv[2], take_param, &q->p) != 0) {
			ssrd__host_reject(r,
			    "db.query: params must be an array of strings, "
			    "numbers, booleans or null");
			return 0;
		}
	}
	for (size_t i = 0; i < q->o->ndbs && q->cfg == NULL; i++) {
		if (strcmp(q->o->dbs[i].name, q->name) == 0) {
			q->cfg = &q->o->dbs[i];
		}
	}
	if (q->cfg == NULL) {
		reject_no_db(r, q->o, q->name);
		return 0;
	}
	if (strlen(q->sql) > SSRD_DB_SQL_MAX) {
		ssrd__host_reject(r,
		    "db.query: the SQL is %zu bytes, more than %d; bind long "
		    "values as parameters",
		    strlen(q->sql), SSRD_DB_SQL_MAX);
		return 0;
	}
	/* what SQLite's messages say instead of the absolute path */
	q->shown = q->cfg->path[0] != '/' ? q->cfg->path : q->cfg->name;
	return 1;
}

/* Compiles q->sql into q->st on q->db, refusing SQL that holds no
 * statement or more than one, and a write to a database that is not :rw.
 * Returns 1, or 0 after rejecting r. */
static int
prepare_one(struct query *q, ssrd_host_result *r)
{
	const char *tail = NULL;
	int         rc   = sqlite3_prepare_v2(q->db, q->sql, -1, &q->st, &tail);
	if (rc != SQLITE_OK) {
		ssrd__dbguard_reject(&q->g, rc, 1, q->path, q->shown, r);
		return 0;
	}
	if (q->st == NULL) {
		ssrd__host_reject(r, "db.query: no SQL statement");
		return 0;
	}
	/* Compiling the rest tells comments and semicolons (no statement)
	 * from a second statement, well-formed or not. */
	if (tail != NULL && *tail != '\0') {
		sqlite3_stmt *more = NULL;
		rc = sqlite3_prepare_v2(q->db, tail, -1, &more, NULL);
		sqlite3_finalize(more);
		if (rc != SQLITE_OK || more != NULL) {
			ssrd__host_reject(
			    r, "db.query: one statement per call");
			return 0;
		}
	}
	if (q->no_writes && !sqlite3_stmt_readonly(q->st)) {
		ssrd__host_reject(r,
		    "db.query: a warm-up render does not write (the worker "
		    "renders pages before it takes requests; writes run for "
		    "requests only)");
		return 0;
	}
	if (!q->cfg->writable && !sqlite3_stmt_readonly(q->st)) {
		ssrd__host_reject(r,
		    "db.query: database \"%s\" is read-only; a write needs "
		    "NAME=PATH:rw in config [host] databases",
		    q->name);
		return 0;
	}
	return 1;
}

/* Binds q->p to q->st, by position, once their counts match. Returns 1,
 * or 0 after rejecting r. */
static int
bind_all(struct query *q, ssrd_host_result *r)
{
	int want = sqlite3_bind_parameter_count(q->st);
	if ((size_t) want != q->p.n) {
		ssrd__host_reject(r,
		    "db.query: the statement takes %d parameter%s, %zu given",
		    want, want == 1 ? "" : "s", q->p.n);
		return 0;
	}
	for (size_t i = 0; i < q->p.n; i++) {
		int rc = bind_one(q->st, (int) i, &q->p.v[i], r);
		if (rc == -1) {
			return 0;
		}
		if (rc != SQLITE_OK) {
			ssrd__host_reject(r, "db.query: parameter %zu: %s",
			    i + 1, sqlite3_errstr(rc));
			return 0;
		}
	}
	return 1;
}

/* Runs q->st to its end and resolves r with its rows, or with its changes
 * if it has no result columns; or rejects r. */
static void
run(struct query *q, ssrd_host_result *r)
{
	ssrd_strbuf b  = { 0 };
	int         rc = read_rows(q->st, q->o, &b, r);
	if (rc == -1) {
		ssrd__strbuf_free(&b);
		return;
	}
	if (rc != SQLITE_DONE) {
		ssrd__dbguard_reject(&q->g, rc, 0, q->path, q->shown, r);
		ssrd__strbuf_free(&b);
		return;
	}
	if (sqlite3_column_count(q->st) == 0) {
		ssrd__strbuf_free(&b);
		ssrd__strbuf_puts(&b, "{\"changes\":");
		put_int(&b, sqlite3_changes64(q->db));
		ssrd__strbuf_puts(&b, ",\"lastInsertRowid\":");
		put_int(&b, sqlite3_last_insert_rowid(q->db));
		ssrd__strbuf_puts(&b, "}");
	} else {
		ssrd__strbuf_puts(&b, "]");
	}
	ssrd__host_resolve(r, ssrd__strbuf_take(&b));
}

/* Frees what q holds, the statement before the connection before its
 * bounds. */
static void
query_clear(struct query *q)
{
	sqlite3_finalize(q->st);
	sqlite3_close(q->db);
	ssrd__dbguard_close(&q->g);
	ssrd__dbguard_mem_end();
	free(q->p.v);
	free(q->path);
	free(q->sql);
	free(q->name);
}

/*
 * db.query [db, sql, params?] -> rows. Runs exactly one statement on the
 * database config names db, opened for this call only (read-only unless
 * config says NAME=PATH:rw; never created) and closed before returning.
 *
 * params, if given and not null, is an array bound by position: integral
 * numbers within int64 as INTEGER, other numbers as REAL, strings as TEXT,
 * true/false as 1/0, null as NULL; its length must match the statement's
 * parameter count (the highest ?NNN for numbered parameters).
 *
 * Refused before running: an unknown db, a missing database file, SQL
 * longer than SSRD_DB_SQL_MAX bytes or that does not compile, SQL holding
 * more than one statement (anything after the first but whitespace,
 * comments and semicolons) or none, a write to a database that is not :rw
 * (sqlite3_stmt_readonly()), a wrong parameter count and array or object
 * parameters; and what host_dbguard.c's authorizer refuses: PRAGMA and the
 * pragma functions, ATTACH, DETACH and VACUUM (and the attached-database
 * limit is 0), the virtual tables that read the file (dbstat), so a page
 * reaches only the tables of the file config names and never learns its
 * path; SQLITE_DBCONFIG_DEFENSIVE is on.
 *
 * Refused while running: a statement past db_timeout_ms (<= 0: no limit;
 * a progress handler looks at a monotonic deadline every few VM steps, and
 * the built-in functions that could outrun it in one call are guarded,
 * see host_dbguard_funcs.c), more than db_max_rows rows, a JSON result passing
 * db_max_bytes (both as soon as the rows read pass them, never
 * truncated), a string or blob longer than db_max_bytes, SQLite's heap
 * full (db_heap_mb, process-wide), and any SQLite error, as "db.query: "
 * and sqlite3_errmsg(). Messages name the database by its config name and
 * relative path, never the absolute path. The busy timeout is
 * db_timeout_ms too. A write that fails or times out part way is rolled
 * back by SQLite; but a write with RETURNING is made whole on the first
 * step, so one refused for returning too many rows is still made.
 *
 * The result, for a statement with result columns (SELECT, or a write with
 * RETURNING), is an array of objects {column name: value} in row order;
 * repeated column names repeat keys (the last wins in JSON.parse). Values:
 * INTEGER a number if |v| <= 2^53, else a string of its decimal digits;
 * REAL a number (null if not finite); TEXT a string (ill-formed UTF-8
 * becomes U+FFFD); BLOB a string of lowercase hex digits; NULL null. A
 * statement without result columns (INSERT, UPDATE, DELETE, DDL) resolves
 * with {"changes": N, "lastInsertRowid": N} (sqlite3_changes64() and
 * sqlite3_last_insert_rowid(), integers as above).
 */
void
ssrd__host_db_query(const ssrd_host_req *req, ssrd_host_result *r)
{
	struct query q = { .o = req->opts, .no_writes = req->no_writes };
	if (read_args(req, &q, r)) {
		ssrd__dbguard_mem_begin(q.o->db_query_bytes);
		q.db = open_db(req, q.cfg, &q.path, &q.g, r);
		if (q.db != NULL && prepare_one(&q, r) && bind_all(&q, r)) {
			run(&q, r);
		}
	}
	query_clear(&q);
}
