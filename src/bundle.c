/* bundle.c builds the base and site bundles with esbuild and maps errors back
 * through their source maps. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>

#include "bundle.h"
#include "cachestats.h"
#include "fsutil.h"
#include "json.h"
#include "layer.h"
#include "log.h"
#include "strbuf.h"
#include "subprocess.h"
#include "timers.h"
#include <ssrd/version.h>

extern char **environ;

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

/* Runs esbuild; a failure to start it gets a hint at the fix. */
static int
esbuild_run(char *const argv[], const char *cwd, char *errbuf, size_t errlen)
{
	int rv = ssrd__spawn_run(argv, cwd, errbuf, errlen);
	if (rv == SSRD_ESYS) {
		size_t n = strlen(errbuf);
		snprintf(errbuf + n, errlen - n,
		    " (run tools/deps.sh, or set [build] esbuild)");
		rv = SSRD_EBUILD;
	}
	return rv;
}

/*
 * Writes dir/name into out as an absolute path: esbuild runs in another
 * directory, so a relative path from the config would point elsewhere.
 */
static void
abs_path(char *out, size_t outlen, const char *dir, const char *name)
{
	char cwd[PATH_MAX] = ".";
	if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(cwd, sizeof(cwd), ".");
	}
	snprintf(out, outlen, "%s%s%s%s%s", dir[0] == '/' ? "" : cwd,
	    dir[0] == '/' ? "" : "/", dir, name[0] ? "/" : "", name);
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

/* Flags every bundle shares: one script, production React, a source map for
 * errors. */
#define ESBUILD_COMMON                                                         \
	"--bundle", "--format=iife", "--platform=browser", "--target=es2020",  \
	    "--define:process.env.NODE_ENV=\"production\"",                    \
	    "--sourcemap=external", "--sources-content=false",                 \
	    "--log-level=error", "--color=false"

/* What esbuild needs for one bundle: where it runs and its arguments. */
struct esbuild_job {
	const char *cwd;     /* metafile paths are relative to it */
	const char *esbuild; /* absolute */
	const char *
	    *args; /* after the binary, before --outfile; NULL-terminated */
};

/* The settings key of an esbuild layer: its name, arguments and esbuild's
 * identity. */
static uint64_t
esbuild_key(const char *name, const struct esbuild_job *job)
{
	const char *parts[64];
	size_t      n      = 0;
	char        id[64] = "";
	struct stat sb;
	if (stat(job->esbuild, &sb) == 0) {
		snprintf(id, sizeof(id), "%lld:%lld", (long long) sb.st_size,
		    (long long) sb.st_mtim.tv_sec);
	}
	parts[n++] = name;
	parts[n++] = id;
	for (const char **a = job->args; *a != NULL && n < 64; a++) {
		parts[n++] = *a;
	}
	return ssrd__layer_key(parts, n);
}

/* Collects the "inputs" keys of an esbuild metafile. */
struct meta_inputs {
	const char        *cwd;
	ssrd_layer_record *rec;
	int                err;
};

static int
meta_input(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct meta_inputs *mi = ctx;
	char                rel[PATH_MAX];
	if (keylen >= sizeof(rel) || ssrd__json_skip(j) != SSRD_OK) {
		return SSRD_EINVAL;
	}
	memcpy(rel, key, keylen);
	rel[keylen] = '\0';
	char *abs   = ssrd__path_join(mi->cwd, rel);
	if (abs == NULL) {
		return SSRD_ENOMEM;
	}
	int rv = ssrd__layer_add_input(mi->rec, abs);
	free(abs);
	return rv;
}

static int
meta_top(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	if (keylen == 6 && memcmp(key, "inputs", 6) == 0) {
		return ssrd__json_object(j, meta_input, ctx);
	}
	return ssrd__json_skip(j);
}

/* Reads esbuild's metafile into rec's inputs. */
static int
read_metafile(const char *path, const char *cwd, ssrd_layer_record *rec)
{
	char  *text;
	size_t len;
	int    rv = ssrd__file_read(path, &text, &len);
	if (rv != SSRD_OK) {
		return rv;
	}
	struct meta_inputs mi = { cwd, rec, 0 };
	ssrd_json          j;
	ssrd__json_init(&j, text, len);
	rv = ssrd__json_object(&j, meta_top, &mi);
	free(text);
	return rv;
}

/* ssrd_layer_build_fn for bundles: runs esbuild, then reads its metafile for
 * the inputs. */
static int
esbuild_build(const ssrd_layer_spec *spec, ssrd_layer_record *rec, char *errbuf,
    size_t errlen)
{
	const struct esbuild_job *job = spec->arg;
	char outarg[PATH_MAX + 16], metaarg[PATH_MAX + 32], meta[PATH_MAX + 16];
	const char *argv[64];
	size_t      n = 0;
	snprintf(outarg, sizeof(outarg), "--outfile=%s", spec->outfile);
	snprintf(meta, sizeof(meta), "%s.meta.json", spec->outfile);
	snprintf(metaarg, sizeof(metaarg), "--metafile=%s", meta);
	argv[n++] = job->esbuild;
	for (const char **a = job->args; *a != NULL && n < 60; a++) {
		argv[n++] = *a;
	}
	argv[n++] = outarg;
	argv[n++] = metaarg;
	argv[n]   = NULL;
	int rv    = esbuild_run((char *const *) argv, job->cwd, errbuf, errlen);
	if (rv == SSRD_OK && spec->manifest != NULL
	    && read_metafile(meta, job->cwd, rec) != SSRD_OK) {
		/* Built fine, but without its inputs it cannot be trusted
		 * later. */
		ssrd__log(
		    SSRD_LOG_WARN, "metafile_unreadable", "path=%s", meta);
		ssrd__layer_record_clear(rec);
	}
	return rv;
}

/* Gets the esbuild layer name built by job into outfile. */
static int
esbuild_layer(ssrd_manifest *manifest, const char *name, const char *outfile,
    const struct esbuild_job *job, ssrd_bundle *out, char *errbuf,
    size_t errlen)
{
	ssrd_layer_spec spec = { name, outfile, 1, esbuild_key(name, job),
		manifest, esbuild_build, (void *) job, "esbuild" };
	return ssrd__layer_get(&spec, out, errbuf, errlen);
}

int
ssrd__bundle_get_base(const ssrd_config *cfg, ssrd_manifest *manifest,
    ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], runtime[PATH_MAX + 16];
	abs_path(entry, sizeof(entry), cfg->runtime_dir, "base.js");
	abs_path(runtime, sizeof(runtime), cfg->runtime_dir, "");
	abs_path(outfile, sizeof(outfile), cfg->cache_dir, "base.js");
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	if (ssrd__mkdirs(cfg->cache_dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    cfg->cache_dir, strerror(errno));
		return SSRD_EIO;
	}
	/* Strict mode for the whole base: no function of it hands a caller
	 * the global as a sloppy `this`, or shows one to a stack trace
	 * formatter (CallSite.getThis), which a page could otherwise use to
	 * reach a shared context's global (isolation = page). */
	const char        *args[] = { entry, ESBUILD_COMMON, "--minify",
		       "--banner:js=\"use strict\";",
		       "--alias:util=./node/util.js",
		       "--alias:crypto=./node/crypto.js",
		       "--alias:stream=./node/stream.js", NULL };
	struct esbuild_job job    = { runtime, esbuild, args };
	return esbuild_layer(
	    manifest, "base", outfile, &job, out, errbuf, errlen);
}

/* Where a site's layers go: <cache_dir>/sites/<XXH3 of the root>. */
static int
site_dir(const ssrd_config *cfg, const char *site_root, char *dir, size_t len,
    char *errbuf, size_t errlen)
{
	char sub[64];
	snprintf(sub, sizeof(sub), "sites/%016llx",
	    (unsigned long long) XXH3_64bits(site_root, strlen(site_root)));
	abs_path(dir, len, cfg->cache_dir, sub);
	if (ssrd__mkdirs(dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    dir, strerror(errno));
		return SSRD_EIO;
	}
	return SSRD_OK;
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
is_module_file(const char *name)
{
	static const char *const exts[] = { ".jsx", ".js", ".tsx", ".ts" };
	size_t                   n      = strlen(name);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && strcmp(name + n - e, exts[i]) == 0) {
			return 1;
		}
	}
	return 0;
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
		if (name[0] != '.' && stat(abs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				import_components(imports, registry, root, sub,
				    count, depth + 1);
			} else if (is_module_file(name)) {
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

/* React stays external in site layers: `require("react")` resolves to the
 * base's copy. */
#define ESBUILD_SITE                                                           \
	ESBUILD_COMMON, "--jsx=automatic", "--external:react",                 \
	    "--external:react/*", "--external:react-dom",                      \
	    "--external:react-dom/*", "--external:ssrd", "--minify-syntax",    \
	    "--minify-whitespace", "--loader:.js=jsx"

int
ssrd__bundle_get_client(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, ssrd_bundle *out,
    char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 8], layout[PATH_MAX];
	char runtime[PATH_MAX + 16];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	abs_path(runtime, sizeof(runtime), cfg->runtime_dir, "");
	snprintf(entry, sizeof(entry), "%s/client-entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/client.js", dir);
	snprintf(name, sizeof(name), "client:%s", site_root);

	/* The browser's copy of the site: React, the layout and every page,
	 * hydrating the document the server sent with the props it embedded
	 * (window.__SSRD__, see base.js). */
	ssrd_strbuf e = { 0 };
	ssrd__strbuf_puts(&e,
	    "import { createRoot, hydrateRoot } from \"react-dom/client\";\n"
	    "import { jsx } from \"react/jsx-runtime\";\n");
	snprintf(layout, sizeof(layout), "%s/app/layout.jsx", site_root);
	int has_layout = access(layout, R_OK) == 0;
	if (has_layout) {
		ssrd__strbuf_puts(&e, "import Layout from ");
		ssrd__strbuf_json_string(&e, layout, strlen(layout));
		ssrd__strbuf_puts(&e, ";\n");
	}
	for (size_t i = 0; i < routes->n; i++) {
		char page[PATH_MAX];
		snprintf(page, sizeof(page), "%s/%s", site_root,
		    routes->v[i].page_key);
		ssrd__strbuf_printf(&e, "import P%zu from ", i);
		ssrd__strbuf_json_string(&e, page, strlen(page));
		ssrd__strbuf_puts(&e, ";\n");
	}
	ssrd__strbuf_puts(&e, "const pages = {\n");
	for (size_t i = 0; i < routes->n; i++) {
		ssrd__strbuf_json_string(
		    &e, routes->v[i].page_key, strlen(routes->v[i].page_key));
		ssrd__strbuf_printf(&e, ": P%zu,\n", i);
	}
	/* A page the server could not render (d.fallback) is rendered here
	 * from scratch; any other is hydrated. */
	ssrd__strbuf_printf(&e,
	    "};\n"
	    "const d = window.__SSRD__;\n"
	    "const Page = d && pages[d.page];\n"
	    "if (Page) {\n"
	    "  const page = jsx(Page, d.props);\n"
	    "  const tree = %s;\n"
	    "  if (d.fallback) createRoot(document).render(tree);\n"
	    "  else hydrateRoot(document, tree);\n"
	    "}\n",
	    has_layout ? "jsx(Layout, { path: d.path, children: page })"
	               : "page");
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
	const char        *args[] = { entry, "--bundle", "--format=iife",
		       "--platform=browser", "--target=es2020",
		       "--define:process.env.NODE_ENV=\"production\"", "--minify",
		       "--jsx=automatic", "--loader:.js=jsx", "--log-level=error",
		       "--color=false", "--sourcemap=external",
		       "--sources-content=false", "--alias:react=react",
		       "--alias:react-dom=react-dom", "--alias:ssrd=./client-ssrd.js",
		       NULL };
	struct esbuild_job job    = { runtime, esbuild, args };
	return esbuild_layer(
	    manifest, name, outfile, &job, out, errbuf, errlen);
}

int
ssrd__bundle_get_shell(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], name[PATH_MAX + 8], layout[PATH_MAX];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(entry, sizeof(entry), "%s/shell-entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/shell.js", dir);
	snprintf(name, sizeof(name), "shell:%s", site_root);

	/* The shell: the layout, and every module under components/, so that
	 * pages share one instance of each (one React context, one cache). */
	ssrd_strbuf imports = { 0 }, registry = { 0 };
	size_t      count = 0;
	snprintf(layout, sizeof(layout), "%s/app/layout.jsx", site_root);
	int has_layout = access(layout, R_OK) == 0;
	if (has_layout) {
		ssrd__strbuf_puts(&imports, "import Layout from ");
		ssrd__strbuf_json_string(&imports, layout, strlen(layout));
		ssrd__strbuf_puts(&imports, ";\n");
	}
	import_components(
	    &imports, &registry, site_root, "components", &count, 0);
	ssrd__strbuf_printf(&imports, "__ssrd_register_shell(%s, {\n%s});\n",
	    has_layout ? "Layout" : "null", registry.ptr ? registry.ptr : "");
	ssrd__strbuf_free(&registry);
	if (ssrd__strbuf_failed(&imports)) {
		ssrd__strbuf_free(&imports);
		return SSRD_ENOMEM;
	}
	rv = write_if_changed(entry, &imports);
	ssrd__strbuf_free(&imports);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot write %s: %s", entry,
		    strerror(errno));
		return rv;
	}
	const char        *args[] = { entry, ESBUILD_SITE, NULL };
	struct esbuild_job job    = { site_root, esbuild, args };
	return esbuild_layer(
	    manifest, name, outfile, &job, out, errbuf, errlen);
}

int
ssrd__bundle_get_page(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_route *route, ssrd_bundle *out,
    char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], outfile[PATH_MAX + 64], esbuild[PATH_MAX + 16];
	char name[PATH_MAX * 2];
	int  rv = site_dir(cfg, site_root, dir, sizeof(dir), errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	/* One file per route, named by the hash of its page key. */
	snprintf(outfile, sizeof(outfile), "%s/page-%016llx.js", dir,
	    (unsigned long long) XXH3_64bits(
	        route->page_key, strlen(route->page_key)));
	snprintf(name, sizeof(name), "page:%s:%s", site_root, route->page_key);
	/* The page alone: React and the shell's components stay external and
	 * come from the base and the shell at run time (see base.js require).
	 */
	const char *args[]
	    = { route->page_key, ESBUILD_SITE, "--external:./components/*",
		      "--global-name=__ssrd_page", NULL };
	struct esbuild_job job = { site_root, esbuild, args };
	return esbuild_layer(
	    manifest, name, outfile, &job, out, errbuf, errlen);
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
