/* host_dbguard.c: the bounds of one db.query connection: SQLite's limits,
 * the deadline, the authorizer and the guarded built-in functions. */
#define _GNU_SOURCE
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/strbuf.h"
#include "host/host_dbguard.h"

/* How many VM steps SQLite runs between looks at the clock: a look costs
 * ~20 ns, 100 steps ~1-5 us (measured: 2% on a scan, 25% at 10 steps). */
#define PROGRESS_STEPS 100

/* The longest one guarded call may be expected to run, ns. A call whose
 * worst case passes it is refused before it starts; every guarded call
 * looks at the deadline when it returns. */
#define GUARD_CALL_NS 100e6

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

/* ---- memory: a budget per query ----------------------------------------- */

/*
 * SQLite's own heap limit is process-wide. To bound one query, SQLite's
 * allocations go through these wrappers, which count, per thread, what a
 * query in progress holds: a db.query runs wholly on one host thread (its
 * connection opened, used and closed there, SQLITE_OPEN_NOMUTEX), so the
 * thread's count is the query's. Each block carries its size and whether
 * it was counted in a 16-byte header (keeping malloc's alignment).
 */
struct mem_header {
	size_t size;
	size_t counted; /* 1: added to the query's count when made */
};

static __thread size_t        q_used;  /* bytes the query holds */
static __thread size_t        q_limit; /* 0: no query in progress */
static __thread int           q_hit;   /* the budget refused an allocation */
static __thread ssrd_dbguard *q_guard; /* the query's, for its deadline */
static __thread unsigned      q_calls; /* allocations, to space the looks */
static int                    mem_installed;

static int deadline_check(ssrd_dbguard *g);

/*
 * Whether an allocation of more bytes is refused: past the query's
 * budget, or, looking every 256 allocations, past its deadline. SQLite
 * calls no progress handler while it compiles, but it allocates all along
 * (a statement whose CTEs each use the one before twice, eighteen deep,
 * takes seconds and gigabytes to compile), and it survives any failed
 * allocation.
 */
static int
mem_refused(size_t more)
{
	if (q_limit != 0 && q_used + more > q_limit) {
		q_hit = 1;
		return 1;
	}
	return q_guard != NULL && (++q_calls & 255) == 0
	    && deadline_check(q_guard);
}

static void *
mem_malloc(int n)
{
	size_t size = n > 0 ? (size_t) n : 0;
	if (mem_refused(size)) {
		return NULL;
	}
	struct mem_header *h = malloc(sizeof(*h) + size);
	if (h == NULL) {
		return NULL;
	}
	h->size    = size;
	h->counted = q_limit != 0;
	q_used += h->counted ? size : 0;
	return h + 1;
}

/* Takes a counted block off the count, if a query is counting. */
static void
mem_uncount(const struct mem_header *h)
{
	if (h->counted && q_limit != 0) {
		q_used -= h->size < q_used ? h->size : q_used;
	}
}

static void
mem_free(void *p)
{
	if (p != NULL) {
		struct mem_header *h = (struct mem_header *) p - 1;
		mem_uncount(h);
		free(h);
	}
}

static void *
mem_realloc(void *p, int n)
{
	struct mem_header *h    = (struct mem_header *) p - 1;
	size_t             size = n > 0 ? (size_t) n : 0;
	size_t             more = size > h->size ? size - h->size : 0;
	if (mem_refused(h->counted ? more : 0)) {
		return NULL;
	}
	struct mem_header *nh = realloc(h, sizeof(*nh) + size);
	if (nh == NULL) {
		return NULL;
	}
	mem_uncount(nh); /* the old size, still in the header */
	nh->size    = size;
	nh->counted = nh->counted && q_limit != 0;
	q_used += nh->counted ? size : 0;
	return nh + 1;
}

static int
mem_size(void *p)
{
	return p != NULL ? (int) ((struct mem_header *) p - 1)->size : 0;
}

static int
mem_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
mem_init(void *arg)
{
	(void) arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	(void) arg;
}

int
ssrd__dbguard_mem_install(void)
{
	static const sqlite3_mem_methods methods
	    = { mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup,
		      mem_init, mem_shutdown, NULL };
	int rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
	if (rc == SQLITE_OK) {
		mem_installed = 1;
	}
	return rc;
}

int
ssrd__dbguard_mem_begin(size_t limit)
{
	q_used  = 0;
	q_hit   = 0;
	q_limit = mem_installed ? limit : 0;
	return q_limit != 0;
}

void
ssrd__dbguard_mem_end(void)
{
	q_limit = 0;
}

/* ---- the deadline -------------------------------------------------------- */

/* Sets hit once the deadline has passed; returns hit. */
static int
deadline_check(ssrd_dbguard *g)
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
	return deadline_check(ctx);
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
	if (deadline_check(g)) {
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

/* ---- guarded functions --------------------------------------------------- */

/*
 * Built-in functions one call of which can run for seconds on values
 * within the length limit, so that neither the progress handler (between
 * opcodes) nor the deadline sees it. Each is overridden on the page's
 * connection by a guard that estimates the call's worst case, refuses it
 * past GUARD_CALL_NS, else runs the real built-in on a private in-memory
 * connection (so results are SQLite's own, byte for byte) and then looks
 * at the deadline. The cost is ns_pair times the byte lengths of
 * arguments text and pat, from the worst cases measured with SQLite 3.40.1
 * on this machine kind (like: '%aaa...b' against 'aaa...', 1.2-1.5 ns
 * a pair; glob with classes '*[a-a][a-a]...b', 2 ns; instr and
 * replace: a needle that matches but for its last byte; trim: a set of
 * thousands of characters; json_patch: two objects of 60,000 keys),
 * rounded up. printf and format are checked instead for %c repeated past
 * the length limit, which 3.40 loops over even after the result is too
 * big. Overriding like() costs the LIKE optimization (index ranges for
 * LIKE 'abc%' on NOCASE columns) and ~0.3 us a call.
 */
static const struct guarded {
	const char *name;
	int         nargs;   /* -1: any number */
	int         text;    /* argument index of the subject, -1: none */
	int         pat;     /* argument index of the pattern, -1: none */
	double      ns_pair; /* worst-case ns per byte of text x byte of pat */
	const char *pat_is;  /* what the message calls pat */
} guarded[SSRD_DBGUARD_NFUNCS] = {
	{ "like", 2, 1, 0, 2.0, "pattern" },
	{ "like", 3, 1, 0, 2.0, "pattern" },
	{ "glob", 2, 1, 0, 3.0, "pattern" },
	{ "instr", 2, 0, 1, 0.02, "needle" },
	{ "replace", 3, 0, 1, 0.02, "needle" },
	{ "trim", 2, 0, 1, 5.0, "set of characters" },
	{ "ltrim", 2, 0, 1, 5.0, "set of characters" },
	{ "rtrim", 2, 0, 1, 5.0, "set of characters" },
	{ "json_patch", 2, 0, 1, 0.06, "patch" },
	{ "printf", -1, -1, -1, 0, NULL },
	{ "format", -1, -1, -1, 0, NULL },
};

/* The value of a printf `*` argument as SQLite 3.40 reads it: an int64
 * cut to int. */
static int
printf_int_arg(sqlite3_value **argv, int argc, int *k)
{
	if (*k >= argc) {
		return 0;
	}
	return (int) (uint32_t) sqlite3_value_int64(argv[(*k)++]);
}

/*
 * How many characters printf's %c conversions repeat, parsing the format
 * as SQLite 3.40's printf does (flags, width and precision with * taking
 * arguments in order, l/ll, the conversion; an unknown conversion ends
 * it). %c with precision p makes p copies, looping over them one by one.
 */
static int64_t
printf_repeats(int argc, sqlite3_value **argv)
{
	const unsigned char *f = argc > 0 ? sqlite3_value_text(argv[0]) : NULL;
	int                  k = 1;
	int64_t              total = 0;
	for (; f != NULL && *f != '\0'; f++) {
		if (*f != '%' || *++f == '\0') {
			continue;
		}
		int precision = -1;
		for (;; f++) {
			if (*f == '\0') {
				return total;
			} else if (strchr("-+ #!0,", *f) != NULL) {
				continue;
			} else if (*f >= '1' && *f <= '9') {
				while (f[1] >= '0' && f[1] <= '9') {
					f++;
				}
			} else if (*f == '*') {
				(void) printf_int_arg(argv, argc, &k);
			} else if (*f == '.' && f[1] == '*') {
				f++;
				precision = printf_int_arg(argv, argc, &k);
				if (precision < 0) {
					precision = precision >= -INT_MAX
					    ? -precision
					    : -1;
				}
			} else if (*f == '.') {
				uint32_t px = 0;
				while (f[1] >= '0' && f[1] <= '9') {
					px = px * 10 + (uint32_t) (*++f - '0');
				}
				precision = (int) (px & 0x7fffffff);
			} else if (*f == 'l') {
				f += f[1] == 'l' ? 2 : 1;
				break;
			} else {
				break;
			}
		}
		if (*f == '\0') {
			return total;
		}
		if (*f == 'c' && precision > 1) {
			total += precision - 1;
		}
		if (*f == '%' || *f == 'n') {
			continue; /* no argument */
		}
		if (strchr("dsgzqQwcouxXfeEGirp", *f) == NULL) {
			return total; /* SQLite stops at an unknown conversion
			               */
		}
		k++;
	}
	return total;
}

/* Returns the helper statement running guarded[fn] on argc arguments,
 * preparing it (and the helper connection) on first use; NULL on
 * failure. */
static sqlite3_stmt *
helper_stmt(ssrd_dbguard *g, int fn, int argc)
{
	for (size_t i = 0; i < g->nstmts; i++) {
		if (g->stmts[i].fn == fn && g->stmts[i].argc == argc) {
			return g->stmts[i].st;
		}
	}
	if (g->helper == NULL) {
		if (sqlite3_open_v2(":memory:", &g->helper,
		        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)
		    != SQLITE_OK) {
			sqlite3_close(g->helper);
			g->helper = NULL;
			return NULL;
		}
		for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]);
		     i++) {
			sqlite3_limit(g->helper, limits[i].id,
			    limits[i].value < 0 ? g->max_length
			                        : limits[i].value);
		}
	}
	if (g->nstmts == sizeof(g->stmts) / sizeof(g->stmts[0])) {
		sqlite3_finalize(g->stmts[--g->nstmts].st);
	}
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_printf(&b, "SELECT %s(", guarded[fn].name);
	for (int i = 0; i < argc; i++) {
		ssrd__strbuf_printf(&b, "%s?%d", i ? "," : "", i + 1);
	}
	ssrd__strbuf_puts(&b, ")");
	char         *sql = ssrd__strbuf_take(&b);
	sqlite3_stmt *st  = NULL;
	if (sql == NULL
	    || sqlite3_prepare_v2(g->helper, sql, -1, &st, NULL) != SQLITE_OK) {
		free(sql);
		sqlite3_finalize(st);
		return NULL;
	}
	free(sql);
	g->stmts[g->nstmts++] = (struct ssrd_dbguard_stmt) { fn, argc, st };
	return st;
}

/* Refuses a call whose worst case passes GUARD_CALL_NS; returns 1 if it
 * did. */
static int
too_costly(sqlite3_context *ctx, const struct guarded *fg, int argc,
    sqlite3_value **argv)
{
	if (fg->text < 0 || fg->text >= argc || fg->pat >= argc) {
		return 0;
	}
	double text = (double) sqlite3_value_bytes(argv[fg->text]);
	double pat  = (double) sqlite3_value_bytes(argv[fg->pat]);
	double ns   = text * pat * fg->ns_pair;
	if (ns <= GUARD_CALL_NS) {
		return 0;
	}
	char *msg = sqlite3_mprintf(
	    "%s() on a %.0f-byte %s and a %.0f-byte text could run for "
	    "%.0f ms, longer than one call may (%.0f ms); use shorter values",
	    fg->name, pat, fg->pat_is, text, ns / 1e6, GUARD_CALL_NS / 1e6);
	sqlite3_result_error(ctx, msg ? msg : "call too costly", -1);
	sqlite3_free(msg);
	return 1;
}

/* The override of every guarded function (see guarded[]). */
static void
guard_call(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct ssrd_dbguard_fn *uf = sqlite3_user_data(ctx);
	ssrd_dbguard           *g  = uf->g;
	const struct guarded   *fg = &guarded[uf->fn];
	if (too_costly(ctx, fg, argc, argv)) {
		return;
	}
	if (fg->text < 0 && printf_repeats(argc, argv) >= g->max_length) {
		sqlite3_result_error_toobig(ctx);
		return;
	}
	sqlite3_stmt *st = helper_stmt(g, uf->fn, argc);
	if (st == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	for (int i = 0; i < argc; i++) {
		sqlite3_bind_value(st, i + 1, argv[i]);
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	} else if (rc == SQLITE_TOOBIG) {
		sqlite3_result_error_toobig(ctx);
	} else if (rc == SQLITE_NOMEM) {
		sqlite3_result_error_nomem(ctx);
	} else {
		sqlite3_result_error(ctx, sqlite3_errmsg(g->helper), -1);
		sqlite3_result_error_code(ctx, rc);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st); /* let go of copies of big values */
	if (deadline_check(g)) {
		sqlite3_result_error(ctx, "interrupted", -1);
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
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		sqlite3_limit(db, limits[i].id,
		    limits[i].value < 0 ? g->max_length : limits[i].value);
	}
	sqlite3_busy_timeout(db,
	    timeout_ms <= 0            ? 0
	        : timeout_ms > INT_MAX ? INT_MAX
	                               : (int) timeout_ms);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *) NULL);
	sqlite3_db_config(
	    db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *) NULL);
	for (int fn = 0; fn < SSRD_DBGUARD_NFUNCS; fn++) {
		g->fns[fn] = (struct ssrd_dbguard_fn) { g, fn };
		int rc     = sqlite3_create_function_v2(db, guarded[fn].name,
		        guarded[fn].nargs, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
		        &g->fns[fn], guard_call, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	sqlite3_set_authorizer(db, authorize, g);
	deadline_start(g, timeout_ms);
	q_guard = g->on && mem_installed ? g : NULL;
	sqlite3_progress_handler(db, PROGRESS_STEPS, progress, g);
	return SQLITE_OK;
}

void
ssrd__dbguard_close(ssrd_dbguard *g)
{
	if (q_guard == g) {
		q_guard = NULL;
	}
	for (size_t i = 0; i < g->nstmts; i++) {
		sqlite3_finalize(g->stmts[i].st);
	}
	g->nstmts = 0;
	sqlite3_close(g->helper);
	g->helper = NULL;
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
	int prim = rc & 0xff;
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
	} else if (prim == SQLITE_NOMEM && q_hit) {
		ssrd__host_reject(r,
		    "db.query: out of memory: the statement needed more than "
		    "%zu MiB, one query's share of SQLite's memory (db_heap_mb "
		    "/ "
		    "host_threads)",
		    q_limit >> 20);
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
