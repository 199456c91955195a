/* page_bundle.c: a page delta: one route's page, with React, packages,
 * components/ and the shell's files left to the layers below it. */
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
		} else if (!ssrd__is_node_builtin(spec)) {
			rv = ssrd__names_add(packages, spec);
		}
	}
	ssrd__metafile_free(&m);
	return rv;
}

int
ssrd__bundle_get_page(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_route *route, const ssrd_names *shared,
    ssrd_bundle *out, ssrd_names *packages, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], outfile[PATH_MAX + 64], esbuild[PATH_MAX + 16];
	char name[PATH_MAX * 2], meta[PATH_MAX + 96];
	int  rv = ssrd__site_bundles_dir(
	     cfg, site_root, dir, sizeof(dir), errbuf, errlen);
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
	rv = ssrd__esbuild_layer_with(manifest, name, outfile, &job,
	    route->page_key, fixed, sizeof(fixed) / sizeof(fixed[0]), shared,
	    "--external:%s/%s", site_root, out, errbuf, errlen);
	snprintf(meta, sizeof(meta), "%s.meta.json", outfile);
	if (rv == SSRD_OK
	    && (rv = page_imports(meta, site_root, packages, errbuf, errlen))
	        != SSRD_OK) {
		ssrd__bundle_clear(out);
	}
	return rv;
}
