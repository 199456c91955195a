/* bundle.c: reading a built bundle with its source map and code cache, and
 * mapping errors back through the maps. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>

#include "build/bundle.h"
#include "core/cachestats.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strbuf.h"

/* What precedes V8's bytes in a .v8cache file. */
struct code_cache_header {
	char     magic[8];    /* "SSRDV8C1" */
	uint64_t source_hash; /* XXH3 of the bundle's code it was made from */
	uint64_t data_hash;   /* XXH3 of what follows */
	uint64_t data_len;
};

int
ssrd__bundle_save_code_cache(const ssrd_bundle *b, const char *data, size_t len)
{
	struct code_cache_header h = { "SSRDV8C1", XXH3_64bits(b->code, b->len),
		XXH3_64bits(data, len), len };
	char                     path[PATH_MAX + 16];
	char                    *buf = malloc(sizeof(h) + len);
	if (buf == NULL) {
		return SSRD_ENOMEM;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data, len);
	snprintf(path, sizeof(path), "%s.v8cache", b->path);
	int rv = ssrd__file_write(path, buf, sizeof(h) + len);
	free(buf);
	return rv;
}

/* Loads b's code cache if one made for exactly b->code is on disk; else leaves
 * none. */
static void
read_code_cache(ssrd_bundle *b)
{
	char                     path[PATH_MAX + 16], *text;
	size_t                   len;
	struct code_cache_header h;
	snprintf(path, sizeof(path), "%s.v8cache", b->path);
	if (ssrd__file_read(path, &text, &len) != SSRD_OK) {
		return;
	}
	if (len >= sizeof(h)) {
		memcpy(&h, text, sizeof(h));
	}
	if (len < sizeof(h) || memcmp(h.magic, "SSRDV8C1", 8) != 0
	    || h.data_len != len - sizeof(h)
	    || h.source_hash != XXH3_64bits(b->code, b->len)
	    || h.data_hash != XXH3_64bits(text + sizeof(h), len - sizeof(h))) {
		ssrd__log(SSRD_LOG_INFO, "code_cache_ignored",
		    "path=%s reason=\"stale or damaged\"", path);
		free(text);
		return;
	}
	b->code_cache_len = len - sizeof(h);
	b->code_cache     = malloc(b->code_cache_len);
	if (b->code_cache != NULL) {
		memcpy(b->code_cache, text + sizeof(h), b->code_cache_len);
	}
	free(text);
}

void
ssrd__bundle_clear(ssrd_bundle *b)
{
	if (b == NULL) {
		return;
	}
	if (b->kind > 0) {
		ssrd__cachestats_hold(
		    b->kind - 1, -(long) b->len, -(long) b->code_cache_len);
	}
	free(b->code_cache);
	free(b->path);
	free(b->code);
	free(b->map_dir);
	ssrd__sourcemap_free(b->map);
	memset(b, 0, sizeof(*b));
}

int
ssrd__bundle_read(const char *js_path, int has_map, ssrd_bundle *out)
{
	ssrd_bundle b = { 0 };
	int         rv;
	if ((b.path = strdup(js_path)) == NULL) {
		return SSRD_ENOMEM;
	}
	if ((rv = ssrd__file_read(js_path, &b.code, &b.len)) != SSRD_OK) {
		ssrd__bundle_clear(&b);
		return rv;
	}
	char  *map_path = NULL, *map_text = NULL;
	size_t map_len;
	if (has_map && asprintf(&map_path, "%s.map", js_path) > 0
	    && ssrd__file_read(map_path, &map_text, &map_len) == SSRD_OK
	    && ssrd__sourcemap_parse(map_text, map_len, &b.map) != SSRD_OK) {
		ssrd__log(SSRD_LOG_WARN, "bundle",
		    "path=%s msg=\"source map unreadable; stacks will show "
		    "bundle positions\"",
		    map_path);
	}
	free(map_path);
	free(map_text);
	if (has_map) {
		read_code_cache(&b);
	}
	b.map_dir = strdup(js_path);
	if (b.map_dir != NULL) {
		char *slash = strrchr(b.map_dir, '/');
		if (slash != NULL) {
			*slash = '\0';
		}
	}
	*out = b;
	return SSRD_OK;
}

/* Shows path relative to root when it lies inside it, else from node_modules/
 * on, else whole. */
static const char *
display_path(const char *path, const char *root)
{
	size_t n = root != NULL ? strlen(root) : 0;
	if (n > 0 && strncmp(path, root, n) == 0 && path[n] == '/') {
		return path + n + 1;
	}
	const char *nm = strstr(path, "node_modules/");
	return nm != NULL ? nm : path;
}

char *
ssrd__bundle_format_error(const ssrd_js_error *err,
    const ssrd_bundle *const *bundles, size_t nb, const char *display_root)
{
	ssrd_strbuf s       = { 0 };
	size_t      hidden  = 0; /* library frames folded into one line */
	int         lib_run = 0; /* the last frame shown was in node_modules */
	ssrd__strbuf_puts(
	    &s, err->message != NULL ? err->message : "unknown error");
	for (size_t i = 0; i < err->nframes; i++) {
		const ssrd_js_frame *f    = &err->frames[i];
		const char          *file = f->file;
		int                  line = f->line, col = f->column;
		char                *abs = NULL;
		for (size_t k = 0; k < nb; k++) {
			const ssrd_bundle *b = bundles[k];
			const char        *src;
			int                sl, sc;
			if (b == NULL || b->map == NULL
			    || strcmp(f->file, b->path) != 0) {
				continue;
			}
			if (ssrd__sourcemap_lookup(
			        b->map, f->line, f->column, &src, &sl, &sc)
			    == SSRD_OK) {
				abs  = ssrd__path_join(b->map_dir, src);
				file = abs != NULL ? abs : src;
				line = sl;
				col  = sc;
			}
			break;
		}
		const char *shown = display_path(file, display_root);
		/* Show the first frame of a run inside node_modules; fold the
		 * rest into a count. */
		int in_lib = strncmp(shown, "node_modules/", 13) == 0;
		if (in_lib && lib_run) {
			hidden++;
			free(abs);
			continue;
		}
		if (hidden > 0) {
			ssrd__strbuf_printf(
			    &s, "\n    ... %zu more in node_modules", hidden);
			hidden = 0;
		}
		lib_run = in_lib;
		if (f->function != NULL && f->function[0] != '\0') {
			ssrd__strbuf_printf(&s, "\n    at %s (%s:%d:%d)",
			    f->function, shown, line, col);
		} else {
			ssrd__strbuf_printf(
			    &s, "\n    at %s:%d:%d", shown, line, col);
		}
		free(abs);
	}
	if (hidden > 0) {
		ssrd__strbuf_printf(
		    &s, "\n    ... %zu more in node_modules", hidden);
	}
	return ssrd__strbuf_take(&s);
}
