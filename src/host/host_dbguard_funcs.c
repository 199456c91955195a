/* host_dbguard_funcs.c: the guards in front of the SQLite built-ins one
 * call of which could outrun db.query's deadline (like, glob, printf...). */
#define _GNU_SOURCE
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "host/host_dbguard.h"
#include "host/host_dbguard_impl.h"

/* The longest one guarded call may be expected to run, ns. A call whose
 * worst case passes it is refused before it starts; every guarded call
 * looks at the deadline when it returns. */
#define GUARD_CALL_NS 100e6

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
		ssrd__dbguard_limit(g->helper, g->max_length);
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
	if (ssrd__dbguard_deadline_check(g)) {
		sqlite3_result_error(ctx, "interrupted", -1);
	}
}

int
ssrd__dbguard_funcs_open(ssrd_dbguard *g)
{
	for (int fn = 0; fn < SSRD_DBGUARD_NFUNCS; fn++) {
		g->fns[fn] = (struct ssrd_dbguard_fn) { g, fn };
		int rc     = sqlite3_create_function_v2(g->db, guarded[fn].name,
		        guarded[fn].nargs, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
		        &g->fns[fn], guard_call, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	return SQLITE_OK;
}

void
ssrd__dbguard_funcs_close(ssrd_dbguard *g)
{
	for (size_t i = 0; i < g->nstmts; i++) {
		sqlite3_finalize(g->stmts[i].st);
	}
	g->nstmts = 0;
	sqlite3_close(g->helper);
	g->helper = NULL;
}
