/* sourcemap.h: reads Source Map v3 files (as esbuild writes them) to map bundle
 * positions back to source. */
#ifndef SSRD_SOURCEMAP_H
#define SSRD_SOURCEMAP_H

#include <stddef.h>

/*
 * A decoded source map: the "sources" list and every mapping segment of
 * "mappings", sorted by generated position. Immutable once parsed, so any
 * number of threads may look up in it at once.
 */
typedef struct ssrd_sourcemap ssrd_sourcemap;

/*
 * Parses the JSON text json (len bytes, need not be NUL-terminated).
 * Only "version" (must be 3), "sources", "sourceRoot" and "mappings" are
 * read; other keys (sourcesContent, names, ...) are skipped whatever their
 * JSON value. On success stores a new map in *out, which the caller frees with
 * ssrd__sourcemap_free(), and returns SSRD_OK. Returns SSRD_EINVAL for
 * malformed JSON, a bad VLQ, or an out-of-range source index, and
 * SSRD_ENOMEM; *out is untouched on error.
 */
int ssrd__sourcemap_parse(const char *json, size_t len, ssrd_sourcemap **out);

/*
 * Maps a position in the generated file to the original source. line and
 * column are 1-based, as V8 reports them. Picks the last segment on that
 * generated line whose column is <= the asked column (the usual rule); if
 * none, returns SSRD_ENOENT. On success stores the source path (owned by the
 * map, valid until it is freed; sourceRoot prefixed if present) and the
 * 1-based original line and column, and returns SSRD_OK.
 */
int ssrd__sourcemap_lookup(const ssrd_sourcemap *map, int line, int column,
    const char **source, int *src_line, int *src_column);

/* Returns how many sources the map names. */
size_t ssrd__sourcemap_source_count(const ssrd_sourcemap *map);

/* Frees map. Passing NULL is a harmless no-op. */
void ssrd__sourcemap_free(ssrd_sourcemap *map);

#endif
