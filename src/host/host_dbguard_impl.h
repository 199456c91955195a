/* host_dbguard_impl.h: what the parts of the db.query guard share:
 * host_dbguard.c (limits, deadline, authorizer, the connection),
 * host_dbguard_mem.c (the memory budget) and host_dbguard_funcs.c (the
 * guarded built-ins). Internal to src/host/; the thread running the query
 * calls all of them. */
#ifndef SSRD_HOST_DBGUARD_IMPL_H
#define SSRD_HOST_DBGUARD_IMPL_H

#include <sqlite3.h>
#include <stddef.h>

#include "host/host_dbguard.h"

/* Sets g->hit once g's deadline has passed (never without a deadline);
 * returns g->hit (host_dbguard.c). */
int ssrd__dbguard_deadline_check(ssrd_dbguard *g);

/* Sets SQLite's limits on a page's statement on db, the string and blob
 * length to max_length bytes (host_dbguard.c). */
void ssrd__dbguard_limit(sqlite3 *db, int max_length);

/* Overrides the guarded built-in functions on g->db with their guards
 * (host_dbguard_funcs.c). Returns SQLITE_OK or SQLite's error code. */
int ssrd__dbguard_funcs_open(ssrd_dbguard *g);

/* Finalizes g's helper statements and closes its helper connection. */
void ssrd__dbguard_funcs_close(ssrd_dbguard *g);

/* Lets the allocation wrappers look at g's deadline while this thread's
 * query runs, if g has one and the wrappers are installed; unwatch stops
 * that if g is the one watched (host_dbguard_mem.c). */
void ssrd__dbguard_mem_watch(ssrd_dbguard *g);
void ssrd__dbguard_mem_unwatch(ssrd_dbguard *g);

/* Returns 1 if this thread's query budget refused an allocation since
 * ssrd__dbguard_mem_begin(), and sets *limit to the budget, bytes (0: not
 * counting). */
int ssrd__dbguard_mem_hit(size_t *limit);

#endif
