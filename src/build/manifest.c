/* manifest.c implements the cache manifest on SQLite. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "build/manifest.h"
#include "core/log.h"

/* Bumped when the tables change; a manifest of another version is set aside. */
#define SCHEMA_VERSION 1

static const char schema[]
    = "CREATE TABLE IF NOT EXISTS layer ("
      " name TEXT PRIMARY KEY, key INTEGER NOT NULL, file TEXT NOT NULL,"
      " checksum INTEGER NOT NULL, map_checksum INTEGER NOT NULL,"
      " bytes INTEGER NOT NULL, build_ms REAL NOT NULL, built_at INTEGER NOT "
      "NULL);"
      "CREATE TABLE IF NOT EXISTS layer_input ("
      " layer TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,"
      " mtime_ns INTEGER NOT NULL, hash INTEGER NOT NULL,"
      " PRIMARY KEY (layer, path));";

struct ssrd_manifest {
	pthread_mutex_t mu;
	sqlite3        *db;
};

void
ssrd__layer_record_clear(ssrd_layer_record *rec)
{
	if (rec == NULL) {
		return;
	}
	for (size_t i = 0; i < rec->ninputs; i++) {
		free(rec->inputs[i].path);
	}
	free(rec->inputs);
	free(rec->file);
	memset(rec, 0, sizeof(*rec));
}

/*
 * Opens path and makes sure it holds our schema. Returns 0 on success; 1 if
 * the file is not a usable manifest (not a database, corrupt, another
 * schema), which the caller may set aside; -1 for anything else (a lock
 * held too long, no permission), which it must not.
 */
static int
try_open(const char *path, sqlite3 **out, char *errbuf, size_t errlen)
{
	sqlite3      *db      = NULL;
	sqlite3_stmt *st      = NULL;
	int           version = -1;
	int           rv      = sqlite3_open_v2(path, &db,
	                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                   NULL);
	if (rv == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rv = sqlite3_exec(
		    db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
	}
	if (rv == SQLITE_OK
	    && (rv = sqlite3_prepare_v2(
	            db, "PRAGMA user_version;", -1, &st, NULL))
	        == SQLITE_OK
	    && (rv = sqlite3_step(st)) == SQLITE_ROW) {
		version = sqlite3_column_int(st, 0);
		rv      = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rv == SQLITE_OK && version == 0) {
		char set[64];
		snprintf(set, sizeof(set), "PRAGMA user_version=%d;",
		    SCHEMA_VERSION);
		rv = sqlite3_exec(db, schema, NULL, NULL, NULL);
		if (rv == SQLITE_OK) {
			rv = sqlite3_exec(db, set, NULL, NULL, NULL);
		}
	} else if (rv == SQLITE_OK && version != SCHEMA_VERSION) {
		snprintf(errbuf, errlen,
		    "%s: manifest schema %d, this ssrd writes %d", path,
		    version, SCHEMA_VERSION);
		sqlite3_close(db);
		return 1;
	}
	if (rv != SQLITE_OK) {
		int code = db ? sqlite3_errcode(db) : rv;
		snprintf(errbuf, errlen, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rv));
		sqlite3_close(db);
		return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? 1 : -1;
	}
	*out = db;
	return 0;
}

int
ssrd__manifest_open(
    const char *cache_dir, ssrd_manifest **out, char *errbuf, size_t errlen)
{
	char path[4096], aside[4200], lockpath[4200];
	snprintf(path, sizeof(path), "%s/manifest.sqlite", cache_dir);
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	ssrd_manifest *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return SSRD_ENOMEM;
	}
	/* Processes sharing the cache open (and create, or set aside) one at a
	 * time. */
	int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock >= 0) {
		while (flock(lock, LOCK_EX) != 0 && errno == EINTR) { }
	}
	int rv = try_open(path, &m->db, errbuf, errlen);
	if (rv == 1) {
		/* Unusable: keep it for a post-mortem, start a fresh one. */
		ssrd__log(
		    SSRD_LOG_WARN, "manifest_reset", "reason=\"%s\"", errbuf);
		snprintf(aside, sizeof(aside), "%s.bad", path);
		rename(path, aside);
		char wal[4200];
		snprintf(wal, sizeof(wal), "%s-wal", path);
		remove(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		remove(wal);
		rv = try_open(path, &m->db, errbuf, errlen);
	}
	if (lock >= 0) {
		close(lock);
	}
	if (rv != 0) {
		free(m);
		return SSRD_EIO;
	}
	pthread_mutex_init(&m->mu, NULL);
	*out = m;
	return SSRD_OK;
}

void
ssrd__manifest_close(ssrd_manifest *m)
{
	if (m == NULL) {
		return;
	}
	sqlite3_close(m->db);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static char *
column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return strdup(t != NULL ? (const char *) t : "");
}

int
ssrd__manifest_get(ssrd_manifest *m, const char *name, ssrd_layer_record *out)
{
	ssrd_layer_record rec = { 0 };
	sqlite3_stmt     *st  = NULL;
	int               rv  = SSRD_EIO;
	pthread_mutex_lock(&m->mu);
	if (sqlite3_prepare_v2(m->db,
	        "SELECT file, key, checksum, map_checksum, bytes, build_ms, "
	        "built_at"
	        " FROM layer WHERE name = ?1;",
	        -1, &st, NULL)
	    != SQLITE_OK) {
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rv = SSRD_ENOENT;
		goto out;
	}
	if (step != SQLITE_ROW) {
		goto out;
	}
	rec.file         = column_dup(st, 0);
	rec.key          = (uint64_t) sqlite3_column_int64(st, 1);
	rec.checksum     = (uint64_t) sqlite3_column_int64(st, 2);
	rec.map_checksum = (uint64_t) sqlite3_column_int64(st, 3);
	rec.bytes        = sqlite3_column_int64(st, 4);
	rec.build_ms     = sqlite3_column_double(st, 5);
	rec.built_at     = sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(m->db,
	        "SELECT path, size, mtime_ns, hash FROM layer_input WHERE "
	        "layer = ?1 ORDER BY path;",
	        -1, &st, NULL)
	    != SQLITE_OK) {
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ssrd_layer_input *in
		    = realloc(rec.inputs, (rec.ninputs + 1) * sizeof(*in));
		if (in == NULL) {
			rv = SSRD_ENOMEM;
			goto out;
		}
		rec.inputs   = in;
		in           = &rec.inputs[rec.ninputs++];
		in->path     = column_dup(st, 0);
		in->size     = sqlite3_column_int64(st, 1);
		in->mtime_ns = sqlite3_column_int64(st, 2);
		in->hash     = (uint64_t) sqlite3_column_int64(st, 3);
	}
	if (step == SQLITE_DONE) {
		*out = rec;
		memset(&rec, 0, sizeof(rec));
		rv = SSRD_OK;
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->mu);
	ssrd__layer_record_clear(&rec);
	return rv;
}

int
ssrd__manifest_put(
    ssrd_manifest *m, const char *name, const ssrd_layer_record *rec)
{
	sqlite3_stmt *st = NULL;
	int           ok = 0;
	pthread_mutex_lock(&m->mu);
	if (sqlite3_exec(m->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL)
	    != SQLITE_OK) {
		goto out;
	}
	if (sqlite3_prepare_v2(m->db,
	        "INSERT OR REPLACE INTO layer (name, key, file, checksum, "
	        "map_checksum, bytes, build_ms, built_at)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);",
	        -1, &st, NULL)
	    != SQLITE_OK) {
		goto rollback;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64) rec->key);
	sqlite3_bind_text(st, 3, rec->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64) rec->checksum);
	sqlite3_bind_int64(st, 5, (sqlite3_int64) rec->map_checksum);
	sqlite3_bind_int64(st, 6, rec->bytes);
	sqlite3_bind_double(st, 7, rec->build_ms);
	sqlite3_bind_int64(st, 8, rec->built_at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(m->db,
	        "DELETE FROM layer_input WHERE layer = ?1;", -1, &st, NULL)
	    != SQLITE_OK) {
		goto rollback;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(m->db,
	        "INSERT INTO layer_input (layer, path, size, mtime_ns, hash) "
	        "VALUES (?1, ?2, ?3, ?4, ?5);",
	        -1, &st, NULL)
	    != SQLITE_OK) {
		goto rollback;
	}
	for (size_t i = 0; i < rec->ninputs; i++) {
		const ssrd_layer_input *in = &rec->inputs[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, in->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, in->size);
		sqlite3_bind_int64(st, 4, in->mtime_ns);
		sqlite3_bind_int64(st, 5, (sqlite3_int64) in->hash);
		if (sqlite3_step(st) != SQLITE_DONE) {
			goto rollback;
		}
	}
	ok = sqlite3_exec(m->db, "COMMIT;", NULL, NULL, NULL) == SQLITE_OK;
	if (ok) {
		goto out;
	}
rollback:
	ssrd__log(SSRD_LOG_WARN, "manifest_write_failed",
	    "layer=%s reason=\"%s\"", name, sqlite3_errmsg(m->db));
	sqlite3_exec(m->db, "ROLLBACK;", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->mu);
	return ok ? SSRD_OK : SSRD_EIO;
}

long
ssrd__manifest_count(ssrd_manifest *m)
{
	sqlite3_stmt *st = NULL;
	long          n  = -1;
	pthread_mutex_lock(&m->mu);
	if (sqlite3_prepare_v2(
	        m->db, "SELECT count(*) FROM layer;", -1, &st, NULL)
	        == SQLITE_OK
	    && sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->mu);
	return n;
}
