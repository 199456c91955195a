/* shell_bundle.c: a site's shell layer: every segment file, components/,
 * the "use client" files and one instance of each package the site imports. */
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
	ssrd__segments_import(
	    e, &segments, &registry, site_root, routes, broken);
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

/* A package name, not a path. */
static int
is_bare(const char *name)
{
	return name[0] != '.' && name[0] != '/';
}

int
ssrd__bundle_get_shell_files(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, ssrd_names *files,
    ssrd_broken *broken, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 32], outfile[PATH_MAX + 32];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 16], meta[PATH_MAX + 48];
	int  rv = ssrd__site_bundles_dir(
	     cfg, site_root, dir, sizeof(dir), errbuf, errlen);
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
		    && (rv = ssrd__write_if_changed(entry, &e)) != SSRD_OK) {
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

int
ssrd__bundle_get_shell(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, const ssrd_broken *broken,
    const ssrd_names *clients, const ssrd_names *shared,
    const ssrd_names *packages, ssrd_bundle *out, ssrd_names *missing,
    char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 8];
	int  rv = ssrd__site_bundles_dir(
	     cfg, site_root, dir, sizeof(dir), errbuf, errlen);
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
		    && (rv = ssrd__write_if_changed(entry, &e)) != SSRD_OK) {
			snprintf(errbuf, errlen, "cannot write %s: %s", entry,
			    strerror(errno));
		}
		ssrd__strbuf_free(&e);
		if (rv == SSRD_OK) {
			rv = ssrd__bundle_esbuild_layer(
			    manifest, name, outfile, &job, out, errbuf, errlen);
		}
		if (rv != SSRD_EBUILD || pass > 0
		    || ssrd__unresolved_imports(errbuf, is_bare, &skip) == 0) {
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
