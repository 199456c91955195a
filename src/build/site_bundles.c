/* site_bundles.c: what the builders of a site's layers share: the layers'
 * directory, entries written only when changed, the segment imports, and
 * esbuild's unresolved imports read back from its messages. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>

#include "build/esbuild.h"
#include "build/metafile.h"
#include "build/site_bundles.h"
#include "build/site_bundles_impl.h"
#include "core/fsutil.h"
#include "core/strbuf.h"

void
ssrd__broken_free(ssrd_broken *b)
{
	for (size_t i = 0; i < b->files.n; i++) {
		free(b->why[i]);
	}
	free(b->why);
	b->why = NULL;
	ssrd__names_free(&b->files);
}

/* Where a site's layers go: <cache_dir>/sites/<XXH3 of the root>. */
int
ssrd__site_bundles_dir(const ssrd_config *cfg, const char *site_root, char *dir,
    size_t len, char *errbuf, size_t errlen)
{
	char sub[64];
	snprintf(sub, sizeof(sub), "sites/%016llx",
	    (unsigned long long) XXH3_64bits(site_root, strlen(site_root)));
	ssrd__bundle_abs_path(dir, len, cfg->cache_dir, sub);
	if (ssrd__mkdirs(dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    dir, strerror(errno));
		return SSRD_EIO;
	}
	return SSRD_OK;
}

int
ssrd__bundle_site_dir(
    const ssrd_config *cfg, const char *site_root, char *dir, size_t len)
{
	char why[PATH_MAX + 64];
	return ssrd__site_bundles_dir(
	    cfg, site_root, dir, len, why, sizeof(why));
}

/* Writes text to path unless it already holds exactly that, so its mtime (an
 * input's) stays put. */
int
ssrd__write_if_changed(const char *path, const ssrd_strbuf *text)
{
	char  *old = NULL;
	size_t oldlen;
	int    rv = SSRD_OK;
	if (ssrd__file_read(path, &old, &oldlen) != SSRD_OK
	    || oldlen != text->len || memcmp(old, text->ptr, text->len) != 0) {
		rv = ssrd__file_write(path, text->ptr, text->len);
	}
	free(old);
	return rv;
}

/* The keys tree.js reads a segment's files by, in ssrd_seg_file's order. */
static const char *const seg_keys[SSRD_SEGF_COUNT]
    = { "layout", "template", "error", "loading", "notFound" };

/*
 * Adds `import * as gN from "<file>"` to imports for every segment file of
 * routes (layouts, templates, error, loading and not-found files of each
 * directory of app/), and to segments the entries of the object
 * tree.js's chainOf() reads: `"app/blog": { layout: gN, ... },`; and to
 * registry (may be NULL) `"app/blog/layout.jsx": gN,` for each file. The
 * files of broken (may be NULL) are left out.
 */
void
ssrd__segments_import(ssrd_strbuf *imports, ssrd_strbuf *segments,
    ssrd_strbuf *registry, const char *site_root, const ssrd_routes *routes,
    const ssrd_names *broken)
{
	size_t count = 0;
	for (size_t i = 0; routes != NULL && i < routes->nsegments; i++) {
		const ssrd_segment *g = &routes->segments[i];
		ssrd__strbuf_json_string(segments, g->dir, strlen(g->dir));
		ssrd__strbuf_puts(segments, ": {");
		for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
			if (g->files[f] == NULL
			    || (broken != NULL
			        && ssrd__names_has(broken, g->files[f]))) {
				continue; /* its routes fail (site.c) */
			}
			char abs[PATH_MAX * 2];
			snprintf(
			    abs, sizeof(abs), "%s/%s", site_root, g->files[f]);
			ssrd__strbuf_printf(
			    imports, "import * as g%zu from ", count);
			ssrd__strbuf_json_string(imports, abs, strlen(abs));
			ssrd__strbuf_puts(imports, ";\n");
			if (registry != NULL) {
				ssrd__strbuf_json_string(
				    registry, g->files[f], strlen(g->files[f]));
				ssrd__strbuf_printf(
				    registry, ": g%zu,\n", count);
			}
			ssrd__strbuf_printf(
			    segments, " %s: g%zu,", seg_keys[f], count++);
		}
		ssrd__strbuf_puts(segments, " },\n");
	}
}

/* Node's built-in modules: esbuild (--platform=node) leaves them external. */
int
ssrd__is_node_builtin(const char *name)
{
	static const char *const mods[] = { "assert", "async_hooks", "buffer",
		"child_process", "cluster", "console", "constants", "crypto",
		"dgram", "diagnostics_channel", "dns", "domain", "events", "fs",
		"http", "http2", "https", "inspector", "module", "net", "os",
		"path", "perf_hooks", "process", "punycode", "querystring",
		"readline", "repl", "stream", "string_decoder", "sys", "timers",
		"tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
		"worker_threads", "zlib" };
	if (strncmp(name, "node:", 5) == 0) {
		return 1;
	}
	size_t n = strcspn(name, "/");
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (strlen(mods[i]) == n && strncmp(name, mods[i], n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Adds to skip each name that esbuild's message says it could not resolve
 * and that wanted(name) accepts; returns how many. */
size_t
ssrd__unresolved_imports(
    const char *msg, int (*wanted)(const char *name), ssrd_names *skip)
{
	static const char pat[] = "Could not resolve \"";
	size_t            found = 0;
	for (const char *p = strstr(msg, pat); p != NULL; p = strstr(p, pat)) {
		p += sizeof(pat) - 1;
		const char *q = strchr(p, '"');
		if (q == NULL || q - p >= PATH_MAX) {
			break;
		}
		char spec[PATH_MAX];
		memcpy(spec, p, (size_t) (q - p));
		spec[q - p] = '\0';
		if (wanted(spec) && !ssrd__names_has(skip, spec)
		    && ssrd__names_add(skip, spec) == SSRD_OK) {
			found++;
		}
	}
	return found;
}

/*
 * Gets the esbuild layer built by job (its args are filled here) from first,
 * the nfixed flags of fixed, and one flag per name of extra (may be NULL):
 * fmt with prefix and the name (two %s). Returns as ssrd__layer_get().
 */
int
ssrd__esbuild_layer_with(ssrd_manifest *manifest, const char *name,
    const char *outfile, struct esbuild_job *job, const char *first,
    const char *const *fixed, size_t nfixed, const ssrd_names *extra,
    const char *fmt, const char *prefix, ssrd_bundle *out, char *errbuf,
    size_t errlen)
{
	size_t       nextra = extra != NULL ? extra->n : 0;
	const char **args   = calloc(nfixed + nextra + 2, sizeof(char *));
	char       **flags  = calloc(nextra + 1, sizeof(char *));
	size_t       n      = 0;
	int          rv = args != NULL && flags != NULL ? SSRD_OK : SSRD_ENOMEM;
	if (rv == SSRD_OK) {
		args[n++] = first;
		for (size_t i = 0; i < nfixed; i++) {
			args[n++] = fixed[i];
		}
	}
	for (size_t i = 0; rv == SSRD_OK && i < nextra; i++) {
		if (asprintf(&flags[i], fmt, prefix, extra->v[i]) < 0) {
			flags[i] = NULL;
			rv       = SSRD_ENOMEM;
		} else {
			args[n++] = flags[i];
		}
	}
	if (rv == SSRD_OK) {
		job->args = args;
		rv        = ssrd__bundle_esbuild_layer(
		           manifest, name, outfile, job, out, errbuf, errlen);
		job->args = NULL;
	} else {
		snprintf(errbuf, errlen, "out of memory");
	}
	for (size_t i = 0; flags != NULL && i < nextra; i++) {
		free(flags[i]);
	}
	free(flags);
	free(args);
	return rv;
}
