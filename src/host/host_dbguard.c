/* host_dbguard.c: the bounds of one db.query connection: SQLite's limits,
 * the deadline, the authorizer, and the messages for what they refuse;
 * with the memory budget in host_dbguard_mem.c and the guarded built-in
 * functions in host_dbguard_funcs.c. */
#define _GNU_SOURCE
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/strbuf.h"
#include "host/host_dbguard.h"
#include "host/host_dbguard_impl.h"

/* How many VM steps SQLite runs between looks at the clock: a look costs
 * ~20 ns, 100 steps ~1-5 us (measured: 2% on a scan, 25% at 10 steps). */
#define PROGRESS_STEPS 100

/*
 * SQLite's limits on a page's statement, each bounding work that no
 * progress handler sees (compiling, one opcode) or memory. -1: the
 * length limit, max_length. Chosen so that no query a page would write
 * by hand, or build from a list of ids, meets them.
 */
static const struct {
	int id;
	int value;
} limits[] = {
	/* the longest string or blob: a longer one could not be sent */
	{ SQLITE_LIMIT_LENGTH, -1 },
	/* compiling runs outside the deadline: 100 KB of SQL compiles in
	 * milliseconds */
	{ SQLITE_LIMIT_SQL_LENGTH, SSRD_DB_SQL_MAX },
	/* LIKE and GLOB cost pattern x text: the guard bounds the product,
	 * this the pattern (SQLite's default is 50,000) */
	{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000 },
	/* the parser and code generator recurse on it (C stack); an OR chain
	 * of 500 terms is still fine, longer lists want IN (...) */
	{ SQLITE_LIMIT_EXPR_DEPTH, 500 },
	/* compound SELECTs are compiled recursively too; multi-row VALUES
	 * are not counted */
	{ SQLITE_LIMIT_COMPOUND_SELECT, 100 },
	/* a statement's program, ~24 bytes an instruction: SQL as long as
	 * the SQL limit allows compiles to less (IN with 16,000 values in
	 * 85 KB: 48,000) */
	{ SQLITE_LIMIT_VDBE_OP, 100000 },
	/* SQLite's own ceiling: json_object() of 63 pairs needs 126 */
	{ SQLITE_LIMIT_FUNCTION_ARG, 127 },
	/* SQLite's default since 3.32 (Debian raises it to 250,000) */
	{ SQLITE_LIMIT_VARIABLE_NUMBER, 32766 },
	/* recursive triggers are on in Debian's build: nesting past 32 is a
	 * loop, not a design */
	{ SQLITE_LIMIT_TRIGGER_DEPTH, 32 },
	/* only the databases config names: no ATTACH, no VACUUM INTO */
	{ SQLITE_LIMIT_ATTACHED, 0 },
};

void
ssrd__dbguard_limit(sqlite3 *db, int max_length)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		sqlite3_limit(db, limits[i].id,
		    limits[i].value < 0 ? max_length : limits[i].value);
	}
}

/* ---- the deadline -------------------------------------------------------- */

int
ssrd__dbguard_deadline_check(ssrd_dbguard *g)
{
	if (g->on && !g->hit) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		g->hit = now.tv_sec > g->at.tv_sec
		    || (now.tv_sec == g->at.tv_sec
		        && now.tv_nsec >= g->at.tv_nsec);
	}
	return g->hit;
}

/* SQLite's progress handler: a non-zero return interrupts the statement. */
static int
progress(void *ctx)
{
	return ssrd__dbguard_deadline_check(ctx);
}

static void
deadline_start(ssrd_dbguard *g, long ms)
{
	g->on  = ms > 0;
	g->hit = 0;
	if (!g->on) {
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &g->at);
	g->at.tv_sec += ms / 1000;
	g->at.tv_nsec += (ms % 1000) * 1000000L;
	if (g->at.tv_nsec >= 1000000000L) {
		g->at.tv_sec++;
		g->at.tv_nsec -= 1000000000L;
	}
}

/* ---- the authorizer ------------------------------------------------------ */

/* Names in a NULL-terminated list, case-insensitively. */
static int
listed(const char *name, const char *const *list)
{
	for (; name != NULL && *list != NULL; list++) {
		if (sqlite3_stricmp(name, *list) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Virtual tables that read the database file itself (dbstat is compiled
 * into Debian's SQLite; sqlite_dbpage is not, but may be elsewhere). */
static const char *const file_tables[] = { "dbstat", "sqlite_dbpage", NULL };

/* Functions a page may not call: fts3_tokenizer(name, pointer) installs a
 * C function pointer (Debian builds with SQLITE_ENABLE_FTS3_TOKENIZER);
 * load_extension loads code (off on our connections anyway). */
static const char *const refused_functions[]
    = { "fts3_tokenizer", "load_extension", NULL };

/* PRAGMAs allowed: argument-less reads that SQLite's own FTS and R-Tree
 * modules run inside statements on tables they manage; they tell a page
 * nothing about the server. */
static const char *const inner_pragmas[]
    = { "page_size", "data_version", NULL };

static int
deny(ssrd_dbguard *g, const char *why, const char *what)
{
	g->denied = why;
	snprintf(
	    g->denied_what, sizeof(g->denied_what), "%s", what ? what : "");
	return SQLITE_DENY;
}

/*
 * Refuses, while a statement is compiled (or, for the pragma functions and
 * VACUUM INTO, when it runs the statements they stand for): PRAGMA
 * statements and the
 * table-valued pragma functions (pragma_database_list, pragma_table_info:
 * SQLite 3.40 asks SQLITE_PRAGMA for both, after SQLITE_READ), but for
 * inner_pragmas; ATTACH and DETACH (and so VACUUM, which attaches); the
 * file_tables, read or created as a virtual table under another name; and
 * refused_functions. And everything once the deadline has passed.
 */
static int
authorize(void *ctx, int action, const char *a, const char *b,
    const char *dbname, const char *trigger)
{
	ssrd_dbguard *g = ctx;
	(void) dbname;
	(void) trigger;
	/* SQLite compiles without calling the progress handler, but calls
	 * this for every table, column and function it resolves */
	if (ssrd__dbguard_deadline_check(g)) {
		return SQLITE_DENY;
	}
	switch (action) {
	case SQLITE_PRAGMA:
		if (b == NULL && listed(a, inner_pragmas)) {
			return SQLITE_OK;
		}
		return deny(g, "pragma", a);
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return deny(g, "attach", NULL);
	case SQLITE_READ:
		return listed(a, file_tables) ? deny(g, "file_table", a)
		                              : SQLITE_OK;
	case SQLITE_CREATE_VTABLE:
		return listed(b, file_tables) ? deny(g, "file_table", b)
		                              : SQLITE_OK;
	case SQLITE_FUNCTION:
		return listed(b, refused_functions) ? deny(g, "function", b)
		                                    : SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* ---- the connection ------------------------------------------------------ */

int
ssrd__dbguard_open(
    ssrd_dbguard *g, sqlite3 *db, long timeout_ms, size_t max_length)
{
	memset(g, 0, sizeof(*g));
	g->db         = db;
	g->timeout_ms = timeout_ms;
	g->max_length = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
	if (max_length > 0 && max_length < (size_t) g->max_length) {
		g->max_length = (int) max_length;
	}
	ssrd__dbguard_limit(db, g->max_length);
	sqlite3_busy_timeout(db,
	    timeout_ms <= 0            ? 0
	        : timeout_ms > INT_MAX ? INT_MAX
	                               : (int) timeout_ms);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *) NULL);
	sqlite3_db_config(
	    db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *) NULL);
	int rc = ssrd__dbguard_funcs_open(g);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_set_authorizer(db, authorize, g);
	deadline_start(g, timeout_ms);
	ssrd__dbguard_mem_watch(g);
	sqlite3_progress_handler(db, PROGRESS_STEPS, progress, g);
	return SQLITE_OK;
}

void
ssrd__dbguard_close(ssrd_dbguard *g)
{
	ssrd__dbguard_mem_unwatch(g);
	ssrd__dbguard_funcs_close(g);
}

/* msg with every occurrence of abs replaced by shown (malloc'd; NULL if
 * out of memory). */
static char *
scrub(const char *msg, const char *abs, const char *shown)
{
	ssrd_strbuf b   = { 0 };
	size_t      len = abs != NULL ? strlen(abs) : 0;
	const char *hit;
	while (len > 0 && (hit = strstr(msg, abs)) != NULL) {
		ssrd__strbuf_append(&b, msg, (size_t) (hit - msg));
		ssrd__strbuf_puts(&b, shown);
		msg = hit + len;
	}
	ssrd__strbuf_puts(&b, msg);
	return ssrd__strbuf_take(&b);
}

static void
reject_denied(ssrd_dbguard *g, ssrd_host_result *r)
{
	const char *what = g->denied_what;
	if (strcmp(g->denied, "pragma") == 0) {
		ssrd__host_reject(r,
		    "db.query: PRAGMA %s is refused: pages may not run PRAGMA "
		    "statements or pragma functions (pragma_%s)",
		    what, what);
	} else if (strcmp(g->denied, "attach") == 0) {
		ssrd__host_reject(r,
		    "db.query: not authorized (ATTACH and VACUUM INTO are off: "
		    "pages reach only the databases config names; DETACH and "
		    "VACUUM too)");
	} else if (strcmp(g->denied, "file_table") == 0) {
		ssrd__host_reject(r,
		    "db.query: the virtual table %s is refused: it reads the "
		    "database file itself",
		    what);
	} else {
		ssrd__host_reject(
		    r, "db.query: the function %s() is refused", what);
	}
}

void
ssrd__dbguard_reject(ssrd_dbguard *g, int rc, int compiling,
    const char *abs_path, const char *shown, ssrd_host_result *r)
{
	int    prim = rc & 0xff;
	size_t budget;
	int    over_budget = ssrd__dbguard_mem_hit(&budget);
	if (g->hit) {
		ssrd__host_reject(r,
		    "db.query: statement timed out after %ld ms",
		    g->timeout_ms);
	} else if (g->denied != NULL) {
		reject_denied(g, r);
	} else if (prim == SQLITE_TOOBIG) {
		ssrd__host_reject(r,
		    "db.query: a string or blob passed %d KiB, the longest a "
		    "query may make (db_max_kb)",
		    g->max_length >> 10);
	} else if (prim == SQLITE_NOMEM && over_budget) {
		ssrd__host_reject(r,
		    "db.query: out of memory: the statement needed more than "
		    "%zu MiB, one query's share of SQLite's memory (db_heap_mb "
		    "/ "
		    "host_threads)",
		    budget >> 20);
	} else if (prim == SQLITE_NOMEM && compiling) {
		ssrd__host_reject(r,
		    "db.query: the statement is too big to compile (more than "
		    "%d VM instructions), or SQLite's memory is full "
		    "(db_heap_mb)",
		    sqlite3_limit(g->db, SQLITE_LIMIT_VDBE_OP, -1));
	} else if (prim == SQLITE_NOMEM) {
		ssrd__host_reject(r,
		    "db.query: out of memory: SQLite's memory reached %lld MiB "
		    "(db_heap_mb, shared by every query of the process)",
		    (long long) (sqlite3_hard_heap_limit64(-1) >> 20));
	} else {
		char *msg = scrub(sqlite3_errmsg(g->db), abs_path, shown);
		ssrd__host_reject(
		    r, "db.query: %s", msg ? msg : "out of memory");
		free(msg);
	}
}
