/* bundle_site.c builds a site's layers with esbuild: the shell (layout,
 * components/ and every npm package the site imports, one instance each),
 * the page deltas (one route each, packages and components/ left to the
 * shell) and the browser's bundle. */
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
#include "core/fsutil.h"
#include "core/strbuf.h"

/* Server layers resolve packages as Node does (their "node" and "main"
 * builds, not the browser's, which touch `document`) and leave Node's
 * built-ins to the base (see js/runtime/node/). The CSS they import
 * (global, and .module.css as local names) is written beside each layer,
 * from the very build that named its classes, and linked from the page
 * (ssrd__bundle_stylesheet). Images and fonts become URLs of content-hashed
 * copies that ssrd serves from the cache (/_ssrd/assets/); the browser's bundle
 * names them alike, so that hydration sees the same URL. */
#define ESBUILD_ASSETS                                                         \
	"--loader:.svg=file", "--loader:.png=file", "--loader:.jpg=file",      \
	    "--loader:.jpeg=file", "--loader:.gif=file",                       \
	    "--loader:.webp=file", "--loader:.avif=file",                      \
	    "--loader:.ico=file", "--loader:.woff=file",                       \
	    "--loader:.woff2=file", "--loader:.ttf=file",                      \
	    "--loader:.otf=file", "--public-path=/_ssrd/",                     \
	    "--asset-names=assets/[name].[hash]"

/* React stays external in site layers: `require("react")` resolves to the
 * base's copy; so do ssrd's bridge and its next/ modules. */
#define ESBUILD_SITE                                                           \
	ESBUILD_FLAGS, "--platform=node", "--jsx=automatic",                   \
	    "--external:react", "--external:react/*", "--external:react-dom",  \
	    "--external:react-dom/*", "--external:ssrd", "--external:next/*",  \
	    "--minify-syntax", "--minify-whitespace", "--loader:.js=jsx",      \
	    ESBUILD_ASSETS

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
static int
site_dir(const ssrd_config *cfg, const char *site_root, char *dir, size_t len,
    char *errbuf, size_t errlen)
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
	return site_dir(cfg, site_root, dir, len, why, sizeof(why));
}

/* Writes text to path unless it already holds exactly that, so its mtime (an
 * input's) stays put. */
static int
write_if_changed(const char *path, const ssrd_strbuf *text)
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

static int
has_ext(const char *name, const char *const *exts, size_t n)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++) {
		size_t e = strlen(exts[i]);
		if (len > e && strcmp(name + len - e, exts[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* What a page may import from components/: code, JSON, images and fonts. */
static int
is_shell_file(const char *name)
{
	static const char *const exts[]
	    = { ".jsx", ".js", ".tsx", ".ts", ".mjs", ".cjs", ".json", ".svg",
		      ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico",
		      ".woff", ".woff2", ".ttf", ".otf" };
	return !has_ext(name, (const char *const[]) { ".d.ts" }, 1)
	    && has_ext(name, exts, sizeof(exts) / sizeof(exts[0]));
}

/* Adds `import * as mN from "<file>"` and a registry entry for every module
 * under dir, recursively. */
static void
import_components(ssrd_strbuf *imports, ssrd_strbuf *registry, const char *root,
    const char *rel, size_t *count, int depth)
{
	char            dir[PATH_MAX];
	struct dirent **ents;
	snprintf(dir, sizeof(dir), "%s/%s", root, rel);
	int n = depth > 16 ? -1 : scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char        sub[PATH_MAX], abs[PATH_MAX * 2];
		struct stat sb;
		snprintf(sub, sizeof(sub), "%s/%s", rel, name);
		snprintf(abs, sizeof(abs), "%s/%s", root, sub);
		if (name[0] != '.' && strcmp(name, "node_modules") != 0
		    && stat(abs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				import_components(imports, registry, root, sub,
				    count, depth + 1);
			} else if (is_shell_file(name)) {
				ssrd__strbuf_printf(
				    imports, "import * as m%zu from ", *count);
				ssrd__strbuf_json_string(
				    imports, abs, strlen(abs));
				ssrd__strbuf_puts(imports, ";\n");
				ssrd__strbuf_json_string(
				    registry, sub, strlen(sub));
				ssrd__strbuf_printf(
				    registry, ": m%zu,\n", (*count)++);
			}
		}
		free(ents[i]);
	}
	if (n >= 0) {
		free(ents);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
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
static void
segments_import(ssrd_strbuf *imports, ssrd_strbuf *segments,
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

/*
 * The shell's entry, read by esbuild from stdin so that packages resolve
 * from the site's root as a page's imports do. Packages are imported as the
 * pages import them (the "import" condition: a package's ESM build, the same
 * file the layout's imports get, so one instance), all but those in skip.
 */
static int
shell_entry(ssrd_strbuf *e, const char *site_root, const ssrd_routes *routes,
    const ssrd_names *broken, const ssrd_names *clients,
    const ssrd_names *shared, const ssrd_names *packages,
    const ssrd_names *skip)
{
	ssrd_strbuf registry = { 0 }, segments = { 0 };
	size_t      count = 0;
	segments_import(e, &segments, &registry, site_root, routes, broken);
	import_components(e, &registry, site_root, "components", &count, 0);
	/* The site files the layout imports that pages import too (app/...):
	 * the pages take them from here, so that there is one of each. */
	for (size_t i = 0; shared != NULL && i < shared->n; i++) {
		char abs[PATH_MAX * 2];
		snprintf(abs, sizeof(abs), "%s/%s", site_root, shared->v[i]);
		ssrd__strbuf_printf(e, "import * as s%zu from ", i);
		ssrd__strbuf_json_string(e, abs, strlen(abs));
		ssrd__strbuf_puts(e, ";\n");
		ssrd__strbuf_json_string(
		    &registry, shared->v[i], strlen(shared->v[i]));
		ssrd__strbuf_printf(&registry, ": s%zu,\n", i);
	}
	/* Sorted: the entry's bytes, and so the layer's key, do not depend
	 * on the order pages were built in. */
	char **names
	    = packages->n ? malloc(packages->n * sizeof(char *)) : NULL;
	if (packages->n > 0 && names == NULL) {
		ssrd__strbuf_free(&registry);
		return SSRD_ENOMEM;
	}
	for (size_t i = 0; i < packages->n; i++) {
		names[i] = packages->v[i];
	}
	if (packages->n > 1) {
		qsort(names, packages->n, sizeof(char *), cmp_str);
	}
	ssrd_strbuf reg = { 0 };
	for (size_t i = 0; i < packages->n; i++) {
		if (ssrd__names_has(skip, names[i])) {
			continue;
		}
		ssrd__strbuf_printf(e, "import * as p%zu from ", i);
		ssrd__strbuf_json_string(e, names[i], strlen(names[i]));
		ssrd__strbuf_puts(e, ";\n");
		ssrd__strbuf_json_string(&reg, names[i], strlen(names[i]));
		ssrd__strbuf_printf(&reg, ": p%zu,\n", i);
	}
	free(names);
	/* The "use client" files, by key: base.js marks what they export as
	 * client components (islands). */
	ssrd_strbuf cl = { 0 };
	ssrd__strbuf_puts(&cl, "[");
	for (size_t i = 0; clients != NULL && i < clients->n; i++) {
		ssrd__strbuf_puts(&cl, i ? "," : "");
		ssrd__strbuf_json_string(
		    &cl, clients->v[i], strlen(clients->v[i]));
	}
	ssrd__strbuf_puts(&cl, "]");
	/* app/favicon.ico: every page links it, as Next.js's file convention */
	char fav[PATH_MAX + 32];
	snprintf(fav, sizeof(fav), "%s/app/favicon.ico", site_root);
	ssrd__strbuf_printf(e,
	    "__ssrd_register_shell({\n%s}, {\n%s}, {\n%s}, %s, { favicon: "
	    "%s });\n",
	    segments.ptr ? segments.ptr : "", registry.ptr ? registry.ptr : "",
	    reg.ptr ? reg.ptr : "", cl.ptr ? cl.ptr : "[]",
	    access(fav, R_OK) == 0 ? "true" : "false");
	ssrd__strbuf_free(&cl);
	ssrd__strbuf_free(&reg);
	ssrd__strbuf_free(&segments);
	ssrd__strbuf_free(&registry);
	return ssrd__strbuf_failed(e) ? SSRD_ENOMEM : SSRD_OK;
}

/* Adds to broken each segment file of routes that esbuild's message msg
 * names ("app/blog/layout.jsx:3:9:"), with msg; returns how many. */
static size_t
segment_failures(
    const char *msg, const ssrd_routes *routes, ssrd_broken *broken)
{
	size_t found = 0;
	for (size_t i = 0; i < routes->nsegments; i++) {
		for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
			const char *key = routes->segments[i].files[f];
			char        at[PATH_MAX];
			if (key == NULL
			    || ssrd__names_has(&broken->files, key)) {
				continue;
			}
			snprintf(at, sizeof(at), "%s:", key);
			if (strstr(msg, at) == NULL) {
				continue;
			}
			char **why = realloc(broken->why,
			    (broken->files.n + 1) * sizeof(char *));
			if (why == NULL) {
				return found;
			}
			broken->why = why;
			if ((why[broken->files.n] = strdup(msg)) == NULL
			    || ssrd__names_add(&broken->files, key)
			        != SSRD_OK) {
				free(why[broken->files.n]);
				return found;
			}
			found++;
		}
	}
	return found;
}

int
ssrd__bundle_get_shell_files(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, ssrd_names *files,
    ssrd_broken *broken, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 32], outfile[PATH_MAX + 32];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 16], meta[PATH_MAX + 48];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd__bundle_abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(entry, sizeof(entry), "%s/shell-files-entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/shell-files.js", dir);
	snprintf(name, sizeof(name), "shell-files:%s", site_root);
	ssrd_names none = { 0 };
	/* Only the site's own files matter here: packages stay out. */
	char sourcefile[PATH_MAX + 48];
	snprintf(sourcefile, sizeof(sourcefile), "--sourcefile=%s", entry);
	const char *args[]
	    = { ESBUILD_SITE, "--packages=external", sourcefile, NULL };
	struct esbuild_job job = { site_root, esbuild, args, entry };
	/* A layout, template, error, loading or not-found file that does not
	 * build fails the routes under it, not the site: built again
	 * without it (up to 8 such files). */
	for (int pass = 0; pass < 8; pass++) {
		ssrd_strbuf e = { 0 };
		rv = shell_entry(&e, site_root, routes, &broken->files, NULL,
		    NULL, &none, &none);
		if (rv == SSRD_OK
		    && (rv = write_if_changed(entry, &e)) != SSRD_OK) {
			snprintf(errbuf, errlen, "cannot write %s: %s", entry,
			    strerror(errno));
		}
		ssrd__strbuf_free(&e);
		if (rv != SSRD_OK) {
			return rv;
		}
		ssrd_bundle probe = { 0 };
		rv                = ssrd__bundle_esbuild_layer(
		                   manifest, name, outfile, &job, &probe, errbuf, errlen);
		ssrd__bundle_clear(&probe);
		if (rv != SSRD_EBUILD
		    || segment_failures(errbuf, routes, broken) == 0) {
			break;
		}
	}
	ssrd_metafile m = { 0 };
	snprintf(meta, sizeof(meta), "%s.meta.json", outfile);
	if (rv == SSRD_OK && (rv = ssrd__metafile_read(meta, &m)) != SSRD_OK) {
		snprintf(
		    errbuf, errlen, "cannot read esbuild's metafile %s", meta);
		return rv;
	}
	for (size_t i = 0; rv == SSRD_OK && i < m.ninputs; i++) {
		const char *f = m.inputs[i];
		if (strncmp(f, "../", 3) != 0 && f[0] != '/'
		    && strstr(f, "shell-files-entry.js") == NULL
		    && strncmp(f, "components/", 11) != 0
		    && strstr(f, "node_modules/") == NULL) {
			rv = ssrd__names_add(files, f);
		}
	}
	ssrd__metafile_free(&m);
	return rv;
}

static int is_node_builtin(const char *name);

/* A package name, not a path. */
static int
is_bare(const char *name)
{
	return name[0] != '.' && name[0] != '/';
}

/* Adds to skip each name that esbuild's message says it could not resolve
 * and that wanted(name) accepts; returns how many. */
static size_t
unresolved(const char *msg, int (*wanted)(const char *name), ssrd_names *skip)
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

int
ssrd__bundle_get_shell(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, const ssrd_broken *broken,
    const ssrd_names *clients, const ssrd_names *shared,
    const ssrd_names *packages, ssrd_bundle *out, ssrd_names *missing,
    char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 8];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd__bundle_abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(entry, sizeof(entry), "%s/shell-entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/shell.js", dir);
	snprintf(name, sizeof(name), "shell:%s", site_root);

	/* Named by its path: stack traces and the metafile's inputs show it. */
	char sourcefile[PATH_MAX + 32];
	snprintf(sourcefile, sizeof(sourcefile), "--sourcefile=%s", entry);
	const char        *args[] = { ESBUILD_SITE, sourcefile, NULL };
	struct esbuild_job job    = { site_root, esbuild, args, entry };
	/* A package esbuild cannot find fails the pages that import it, not
	 * the site: the shell is built again without it. */
	ssrd_names skip = { 0 };
	for (int pass = 0; pass < 2; pass++) {
		ssrd_strbuf e = { 0 };
		rv = shell_entry(&e, site_root, routes, &broken->files, clients,
		    shared, packages, &skip);
		if (rv == SSRD_OK
		    && (rv = write_if_changed(entry, &e)) != SSRD_OK) {
			snprintf(errbuf, errlen, "cannot write %s: %s", entry,
			    strerror(errno));
		}
		ssrd__strbuf_free(&e);
		if (rv == SSRD_OK) {
			rv = ssrd__bundle_esbuild_layer(
			    manifest, name, outfile, &job, out, errbuf, errlen);
		}
		if (rv != SSRD_EBUILD || pass > 0
		    || unresolved(errbuf, is_bare, &skip) == 0) {
			break;
		}
	}
	for (size_t i = 0; rv == SSRD_OK && missing != NULL && i < skip.n;
	     i++) {
		if (ssrd__names_has(packages, skip.v[i])) {
			rv = ssrd__names_add(missing, skip.v[i]);
		}
	}
	ssrd__names_free(&skip);
	return rv;
}

/* Node's built-in modules: esbuild (--platform=node) leaves them external. */
static int
is_node_builtin(const char *name)
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

/* The built-ins a render has no use for, and what to use instead; NULL if
 * name is not one of them. */
static const char *
builtin_advice(const char *name)
{
	static const struct {
		const char *mod, *advice;
	} table[] = {
		{ "fs",
		    "read files with `import { files } from \"ssrd\"` "
		    "(files under the site's root)" },
		{ "http", "fetch data with fetch() (the hosts config allows)" },
		{ "https",
		    "fetch data with fetch() (the hosts config allows)" },
		{ "http2",
		    "fetch data with fetch() (the hosts config allows)" },
		{ "net", "fetch data with fetch() (the hosts config allows)" },
		{ "tls", "fetch data with fetch() (the hosts config allows)" },
		{ "dgram",
		    "fetch data with fetch() (the hosts config allows)" },
		{ "dns", "fetch data with fetch() (the hosts config allows)" },
		{ "child_process", "a render cannot start processes" },
		{ "cluster", "a render cannot start processes" },
		{ "worker_threads", "a render runs on one thread" },
		{ "os", "read settings with `import { env } from \"ssrd\"`" },
		{ "perf_hooks", "use the global `performance`" },
		{ "vm", "a render cannot compile code" },
		{ "v8", "a render cannot reach the engine" },
		{ "inspector", "a render cannot reach the engine" },
		{ "module", "import modules statically" },
		{ "zlib", "ssrd compresses responses itself" },
		{ "readline", "a render has no terminal" },
		{ "repl", "a render has no terminal" },
		{ "tty", "a render has no terminal" },
	};
	const char *m = strncmp(name, "node:", 5) == 0 ? name + 5 : name;
	size_t      n = strcspn(m, "/");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].mod) == n
		    && strncmp(m, table[i].mod, n) == 0) {
			return table[i].advice;
		}
	}
	return NULL;
}

/* Finds where file first names spec in quotes: 1-based line, 0-based column
 * (as esbuild reports). Leaves both 0 if it cannot tell. */
static void
locate_import(const char *file, const char *spec, int *line, int *col)
{
	char  *text;
	size_t len;
	*line = *col = 0;
	if (ssrd__file_read(file, &text, &len) != SSRD_OK) {
		return;
	}
	size_t sl = strlen(spec);
	for (size_t i = 0; i + sl + 2 <= len; i++) {
		if ((text[i] == '"' || text[i] == '\'')
		    && memcmp(text + i + 1, spec, sl) == 0
		    && text[i + 1 + sl] == text[i]) {
			*line      = 1;
			size_t bol = 0;
			for (size_t k = 0; k < i; k++) {
				if (text[k] == '\n') {
					(*line)++;
					bol = k + 1;
				}
			}
			*col = (int) (i - bol);
			break;
		}
	}
	free(text);
}

/* Whether the base provides name to every layer (React, ssrd's bridge, and
 * the modules of Next.js's that js/runtime/next/ stands in for: the others
 * fail when required, saying so). */
static int
is_base_module(const char *name)
{
	return strcmp(name, "react") == 0 || strncmp(name, "react/", 6) == 0
	    || strcmp(name, "react-dom") == 0
	    || strncmp(name, "react-dom/", 10) == 0 || strcmp(name, "ssrd") == 0
	    || strncmp(name, "next/", 5) == 0;
}

/*
 * Reads a page's metafile: the packages it imports go into packages; a
 * site file of it that imports a Node built-in no render can use is an
 * error, with the file, line and what to use instead in errbuf.
 */
static int
page_imports(const char *meta, const char *site_root, ssrd_names *packages,
    char *errbuf, size_t errlen)
{
	ssrd_metafile m  = { 0 };
	int           rv = ssrd__metafile_read(meta, &m);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen,
		    "cannot read esbuild's metafile %s (delete the cache "
		    "directory to rebuild it)",
		    meta);
		return SSRD_EBUILD;
	}
	for (size_t i = 0; rv == SSRD_OK && i < m.nexternals; i++) {
		const ssrd_meta_import *x    = &m.externals[i];
		const char             *spec = x->path;
		if (spec[0] == '.' || spec[0] == '/' || is_base_module(spec)) {
			continue;
		}
		const char *advice = builtin_advice(spec);
		if (advice != NULL
		    && strstr(x->importer, "node_modules/") == NULL) {
			char file[PATH_MAX * 2];
			int  line, col;
			snprintf(file, sizeof(file), "%s/%s", site_root,
			    x->importer);
			locate_import(file, spec, &line, &col);
			snprintf(errbuf, errlen,
			    "%s:%d:%d: Node's \"%s\" is not available to "
			    "pages: %s",
			    x->importer, line, col, spec, advice);
			rv = SSRD_EBUILD;
		} else if (!is_node_builtin(spec)) {
			rv = ssrd__names_add(packages, spec);
		}
	}
	ssrd__metafile_free(&m);
	return rv;
}

/*
 * Gets the esbuild layer built by job (its args are filled here) from first,
 * the nfixed flags of fixed, and one flag per name of extra (may be NULL):
 * fmt with prefix and the name (two %s). Returns as ssrd__layer_get().
 */
static int
esbuild_layer_with(ssrd_manifest *manifest, const char *name,
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

int
ssrd__bundle_get_page(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_route *route, const ssrd_names *shared,
    ssrd_bundle *out, ssrd_names *packages, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], outfile[PATH_MAX + 64], esbuild[PATH_MAX + 16];
	char name[PATH_MAX * 2], meta[PATH_MAX + 96];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd__bundle_abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	/* One file per route, named by the hash of its page key. */
	snprintf(outfile, sizeof(outfile), "%s/page-%016llx.js", dir,
	    (unsigned long long) XXH3_64bits(
	        route->page_key, strlen(route->page_key)));
	snprintf(name, sizeof(name), "page:%s:%s", site_root, route->page_key);
	/* The page alone: React, npm packages and the shell's components stay
	 * external and come from the base and the shell at run time (see
	 * base.js require), so that each exists once per context. */
	static const char *const fixed[] = { ESBUILD_SITE,
		"--packages=external", "--external:./components/*",
		"--global-name=__ssrd_page" };
	struct esbuild_job       job     = { site_root, esbuild, NULL, NULL };
	rv = esbuild_layer_with(manifest, name, outfile, &job, route->page_key,
	    fixed, sizeof(fixed) / sizeof(fixed[0]), shared, "--external:%s/%s",
	    site_root, out, errbuf, errlen);
	snprintf(meta, sizeof(meta), "%s.meta.json", outfile);
	if (rv == SSRD_OK
	    && (rv = page_imports(meta, site_root, packages, errbuf, errlen))
	        != SSRD_OK) {
		ssrd__bundle_clear(out);
	}
	return rv;
}

/* `"key": () => require("<root>/key"),`: a module evaluated when first
 * asked for. */
static void
lazy_require(ssrd_strbuf *e, const char *site_root, const char *key)
{
	char abs[PATH_MAX * 2];
	snprintf(abs, sizeof(abs), "%s/%s", site_root, key);
	ssrd__strbuf_json_string(e, key, strlen(key));
	ssrd__strbuf_puts(e, ": () => require(");
	ssrd__strbuf_json_string(e, abs, strlen(abs));
	ssrd__strbuf_puts(e, "),\n");
}

/* The browser's copy of a site hydrated whole: React, every segment's
 * files and every page that built for the server; client-main.js builds
 * the server's tree from what it embedded (window.__SSRD__, see base.js)
 * and hydrates the document with it. */
static void
whole_entry(ssrd_strbuf *e, const char *runtime, const char *site_root,
    const ssrd_routes *routes, const char *const *page_errors,
    const ssrd_names *broken)
{
	ssrd_strbuf segments = { 0 };
	char        start[PATH_MAX + 32];
	snprintf(start, sizeof(start), "%s/client-main.js", runtime);
	ssrd__strbuf_puts(e, "import { start } from ");
	ssrd__strbuf_json_string(e, start, strlen(start));
	ssrd__strbuf_puts(e, ";\n");
	segments_import(e, &segments, NULL, site_root, routes, broken);
	/* Each page's modules are evaluated only on its own pages (esbuild
	 * wraps what require() names to run when first called): a page that
	 * imports what a browser cannot run (a server-only package) does not
	 * stop the others hydrating. */
	ssrd__strbuf_puts(e, "const pages = {\n");
	for (size_t i = 0; i < routes->n; i++) {
		if (page_errors == NULL || page_errors[i] == NULL) {
			lazy_require(e, site_root, routes->v[i].page_key);
		}
	}
	ssrd__strbuf_printf(
	    e, "};\nstart({\n%s}, pages);\n", segments.ptr ? segments.ptr : "");
	ssrd__strbuf_free(&segments);
}

/* The browser's copy of a site with "use client" files: React and those
 * files alone, each loaded when an island of it is on the page. */
static void
islands_entry(ssrd_strbuf *e, const char *runtime, const char *site_root,
    const ssrd_names *clients)
{
	char start[PATH_MAX + 32];
	snprintf(start, sizeof(start), "%s/client-main.js", runtime);
	ssrd__strbuf_puts(e, "import { startIslands } from ");
	ssrd__strbuf_json_string(e, start, strlen(start));
	ssrd__strbuf_puts(e, ";\nstartIslands({\n");
	for (size_t i = 0; i < clients->n; i++) {
		lazy_require(e, site_root, clients->v[i]);
	}
	ssrd__strbuf_puts(e, "});\n");
}

int
ssrd__bundle_stylesheet(
    const ssrd_bundle *b, const char *layer_dir, char *url, size_t len)
{
	char        css[PATH_MAX + 8];
	struct stat js_st, css_st;
	size_t      n = strlen(b->path);
	url[0]        = '\0';
	if (n < 3 || strcmp(b->path + n - 3, ".js") != 0) {
		return SSRD_OK;
	}
	snprintf(css, sizeof(css), "%.*s.css", (int) (n - 3), b->path);
	if (stat(css, &css_st) != 0 || stat(b->path, &js_st) != 0) {
		return SSRD_OK;
	}
	/* esbuild writes both at once; a stylesheet older than its script
	 * is from an earlier build that imported CSS where this one does
	 * not */
	if (css_st.st_mtime + 2 < js_st.st_mtime) {
		unlink(css);
		return SSRD_OK;
	}
	char  *text = NULL;
	size_t tlen;
	if (ssrd__file_read(css, &text, &tlen) != SSRD_OK) {
		return SSRD_EIO;
	}
	/* served with the images and fonts: under a name of its content,
	 * cached for good (/_ssrd/assets/) */
	const char *base = strrchr(css, '/') + 1;
	char        name[128], dst[PATH_MAX + 160];
	snprintf(name, sizeof(name), "%.*s.%016llx.css",
	    (int) (strlen(base) - 4 > 40 ? 40 : strlen(base) - 4), base,
	    (unsigned long long) XXH3_64bits(text, tlen));
	snprintf(dst, sizeof(dst), "%s/assets", layer_dir);
	int rv = ssrd__mkdirs(dst);
	snprintf(dst, sizeof(dst), "%s/assets/%s", layer_dir, name);
	if (rv == SSRD_OK && access(dst, R_OK) != 0) {
		rv = ssrd__file_write(dst, text, tlen);
	}
	free(text);
	if (rv == SSRD_OK) {
		snprintf(url, len, "/_ssrd/assets/%s", name);
	}
	return rv == SSRD_OK ? SSRD_OK : SSRD_EIO;
}

int
ssrd__bundle_get_client(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes,
    const char *const *page_errors, const ssrd_broken *broken,
    const ssrd_names *clients, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 8], runtime[PATH_MAX + 16];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd__bundle_abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	ssrd__bundle_abs_path(runtime, sizeof(runtime), cfg->runtime_dir, "");
	snprintf(entry, sizeof(entry), "%s/client-entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/client.js", dir);
	snprintf(name, sizeof(name), "client:%s", site_root);

	ssrd_strbuf e = { 0 };
	if (clients != NULL && clients->n > 0) {
		islands_entry(&e, runtime, site_root, clients);
	} else {
		whole_entry(&e, runtime, site_root, routes, page_errors,
		    &broken->files);
	}
	if (ssrd__strbuf_failed(&e)) {
		ssrd__strbuf_free(&e);
		return SSRD_ENOMEM;
	}
	rv = write_if_changed(entry, &e);
	ssrd__strbuf_free(&e);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot write %s: %s", entry,
		    strerror(errno));
		return rv;
	}
	/* React comes from ssrd's own node_modules: the aliases resolve in
	 * esbuild's working directory, the runtime's. The host bridge is
	 * server-only: client-ssrd.js stands in for it. */
	/* A Node built-in the browser cannot resolve (a server-only package
	 * a page imports requires "stream", say) becomes an empty module, as
	 * webpack's `resolve.fallback: false` makes it: the package loads, and
	 * fails only if used. One that resolves (npm's "events", "buffer") is
	 * bundled as usual. */
	static const char *const fixed[]  = { ESBUILD_COMMON, "--minify",
		 "--jsx=automatic", "--loader:.js=jsx", "--alias:react=react",
		 "--alias:react-dom=react-dom", "--alias:ssrd=./client-ssrd.js",
		 "--alias:next=./next", ESBUILD_ASSETS, "--loader:.css=empty" };
	ssrd_names               builtins = { 0 };
	struct esbuild_job       job      = { runtime, esbuild, NULL, NULL };
	for (int pass = 0; pass < 4; pass++) {
		rv = esbuild_layer_with(manifest, name, outfile, &job, entry,
		    fixed, sizeof(fixed) / sizeof(fixed[0]), &builtins,
		    "--alias:%s%s=./client-empty.js", "", out, errbuf, errlen);
		/* each pass may reach modules the last one could not */
		if (rv != SSRD_EBUILD
		    || unresolved(errbuf, is_node_builtin, &builtins) == 0) {
			break;
		}
	}
	ssrd__names_free(&builtins);
	return rv;
}
