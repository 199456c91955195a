/* client_bundle.c: the browser's bundle (the whole document or its
 * islands) and the stylesheets esbuild writes beside a layer. */
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
	ssrd__segments_import(e, &segments, NULL, site_root, routes, broken);
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
	int  rv = ssrd__site_bundles_dir(
	     cfg, site_root, dir, sizeof(dir), errbuf, errlen);
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
	rv = ssrd__write_if_changed(entry, &e);
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
		rv = ssrd__esbuild_layer_with(manifest, name, outfile, &job,
		    entry, fixed, sizeof(fixed) / sizeof(fixed[0]), &builtins,
		    "--alias:%s%s=./client-empty.js", "", out, errbuf, errlen);
		/* each pass may reach modules the last one could not */
		if (rv != SSRD_EBUILD
		    || ssrd__unresolved_imports(
		           errbuf, ssrd__is_node_builtin, &builtins)
		        == 0) {
			break;
		}
	}
	ssrd__names_free(&builtins);
	return rv;
}
