/* host_dbguard.h: what bounds one db.query connection: SQLite's limits, a
 * deadline, an authorizer, and guards on the built-in functions whose one
 * call could outrun the deadline. For host_db.c. */
#ifndef SSRD_HOST_DBGUARD_H
#define SSRD_HOST_DBGUARD_H

#include <sqlite3.h>
#include <stddef.h>
#include <time.h>

#include "host/host.h"

/* Longest SQL text a page may send, bytes (SQLITE_LIMIT_SQL_LENGTH).
 * Compiling is not covered by the progress handler: this bounds it. */
#define SSRD_DB_SQL_MAX 100000

/* Built-in functions a guard stands in front of (see host_dbguard_funcs.c). */
#define SSRD_DBGUARD_NFUNCS 11

/* A prepared `SELECT fn(?1, ...)` on the helper connection. */
struct ssrd_dbguard_stmt {
	int           fn;   /* index into the guarded functions */
	int           argc; /* its arguments */
	sqlite3_stmt *st;
};

struct ssrd_dbguard;

/* What each guarded function gets as its user data. */
struct ssrd_dbguard_fn {
	struct ssrd_dbguard *g;
	int                  fn; /* index into the guarded functions */
};

/*
 * The bounds of one connection, from ssrd__dbguard_open() to
 * ssrd__dbguard_close(), used by one thread. Invariant: hit is set only
 * when a deadline is on, and once set the statement is being stopped;
 * denied is set only by the authorizer, for the refusal being reported.
 */
typedef struct ssrd_dbguard {
	sqlite3        *db;
	struct timespec at; /* CLOCK_MONOTONIC time the statement must end by */
	int             on; /* 0: no deadline (db_timeout_ms <= 0) */
	int             hit; /* 1: the deadline stopped the statement */
	long            timeout_ms;
	int             max_length; /* SQLITE_LIMIT_LENGTH, bytes */
	const char     *denied;     /* why the authorizer refused, or NULL */
	char            denied_what[96]; /* what it refused, e.g. a name */
	sqlite3        *helper; /* where guarded calls run the built-in */
	struct ssrd_dbguard_stmt stmts[16]; /* helper statements, cached */
	size_t                   nstmts;
	struct ssrd_dbguard_fn   fns[SSRD_DBGUARD_NFUNCS];
} ssrd_dbguard;

/*
 * Bounds db (just opened, nothing prepared on it yet) for one statement
 * that must end within timeout_ms (<= 0: no deadline, which starts now)
 * and make no string or blob longer than max_length bytes (0: SQLite's
 * own limit). g must stay put and outlive db. Returns SQLITE_OK or an
 * SQLite error code (out of memory).
 */
int ssrd__dbguard_open(
    ssrd_dbguard *g, sqlite3 *db, long timeout_ms, size_t max_length);

/* Frees what g holds beyond db (which the caller closes first). Until
 * then, with ssrd__dbguard_mem_install() done, SQLite's allocations on this
 * thread fail once g's deadline has passed, which ends a statement that
 * takes long to compile. */
void ssrd__dbguard_close(ssrd_dbguard *g);

/*
 * Rejects r after SQLite failed with rc on g's connection: a timeout if
 * the deadline stopped the statement, the authorizer's reason if it
 * refused, a named limit for SQLITE_TOOBIG and SQLITE_NOMEM, else
 * "db.query: " and sqlite3_errmsg(); compiling says whether the failure
 * came from sqlite3_prepare. Any occurrence of abs_path (the database's
 * real path) in SQLite's message becomes shown (its config name and
 * relative path), so no message hands a page the server's paths.
 */
void ssrd__dbguard_reject(ssrd_dbguard *g, int rc, int compiling,
    const char *abs_path, const char *shown, ssrd_host_result *r);

/*
 * Routes SQLite's allocations through wrappers that keep a per-thread
 * count, for ssrd__dbguard_mem_begin(). Must run before anything else
 * uses SQLite in the process (sqlite3_config's rule); returns SQLITE_OK,
 * or SQLITE_MISUSE if SQLite has started, and then queries are bounded by
 * the process-wide heap limit only.
 */
int ssrd__dbguard_mem_install(void);

/*
 * Starts counting what SQLite allocates on this thread, refusing (as out
 * of memory) what would take it past limit bytes, until
 * ssrd__dbguard_mem_end(); for one query, which runs on one thread.
 * Returns 1 if counting (the wrappers are installed and limit > 0).
 */
int  ssrd__dbguard_mem_begin(size_t limit);
void ssrd__dbguard_mem_end(void);

#endif
