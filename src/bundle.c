/* bundle.c builds the base and site bundles with esbuild and maps errors back
 * through their source maps. */
#define _GNU_SOURCE
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
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "strbuf.h"
#include "timers.h"
#include <ssrd/version.h>

extern char **environ;

static atomic_ulong compiler_launches;

unsigned long
ssrd__bundle_compiler_launches(void)
{
	return atomic_load(&compiler_launches);
}

void
ssrd__bundle_clear(ssrd_bundle *b)
{
	if (b == NULL) {
		return;
	}
	free(b->path);
	free(b->code);
	free(b->map_dir);
	ssrd__sourcemap_free(b->map);
	memset(b, 0, sizeof(*b));
}

/*
 * Runs esbuild with argv (argv[0] is the binary) in directory cwd, so the
 * paths in its messages are relative to it, and waits for it. Its output
 * goes to files named in argv; what it says on stderr comes back in errbuf
 * when it fails.
 */
static int
esbuild_run(char *const argv[], const char *cwd, char *errbuf, size_t errlen)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return SSRD_ESYS;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	pid_t pid;
	atomic_fetch_add(&compiler_launches, 1);
	int rv = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rv != 0) {
		close(pipefd[0]);
		snprintf(errbuf, errlen,
		    "cannot start esbuild at %s: %s (run tools/deps.sh, or set "
		    "[build] esbuild)",
		    argv[0], strerror(rv));
		return SSRD_EBUILD;
	}
	ssrd_strbuf err = { 0 };
	char        buf[4096];
	ssize_t     n;
	while ((n = read(pipefd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			break;
		}
		ssrd__strbuf_append(&err, buf, (size_t) n);
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(errbuf, errlen, "%s",
		    err.len > 0 ? err.ptr : "esbuild failed without a message");
		ssrd__strbuf_free(&err);
		return SSRD_EBUILD;
	}
	ssrd__strbuf_free(&err);
	return SSRD_OK;
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

/* Reads a built bundle and its .map from disk into out. */
static int
bundle_load(const char *js_path, ssrd_bundle *out)
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
	if (asprintf(&map_path, "%s.map", js_path) > 0
	    && ssrd__file_read(map_path, &map_text, &map_len) == SSRD_OK
	    && ssrd__sourcemap_parse(map_text, map_len, &b.map) != SSRD_OK) {
		ssrd__log(SSRD_LOG_WARN, "bundle",
		    "path=%s msg=\"source map unreadable; stacks will show "
		    "bundle positions\"",
		    map_path);
	}
	free(map_path);
	free(map_text);
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

/*
 * One layer to get: from the cache when the manifest vouches for it, else
 * from esbuild. args are esbuild's arguments after the binary, without
 * --outfile and --metafile, NULL-terminated.
 */
struct layer_spec {
	const char *name; /* its name in the manifest */
	const char
	    *cwd; /* where esbuild runs; metafile paths are relative to it */
	const char    *outfile; /* absolute */
	const char    *esbuild; /* absolute */
	const char   **args;
	ssrd_manifest *manifest; /* NULL: always build */
};

/* XXH3 of a file's contents; 0 with *ok = 0 if it cannot be read. */
static uint64_t
hash_file(const char *path, int *ok)
{
	char  *text;
	size_t len;
	*ok = ssrd__file_read(path, &text, &len) == SSRD_OK;
	if (!*ok) {
		return 0;
	}
	uint64_t h = XXH3_64bits(text, len);
	free(text);
	return h;
}

/*
 * The settings a layer's output depends on besides its input files: the
 * arguments, esbuild's identity, ssrd's version. A change to any of them
 * (an upgrade, a new route) makes every cached copy foreign.
 */
static uint64_t
layer_key(const struct layer_spec *spec)
{
	XXH3_state_t *st = XXH3_createState();
	struct stat   sb;
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, ssrd_version(), strlen(ssrd_version()) + 1);
	XXH3_64bits_update(st, spec->name, strlen(spec->name) + 1);
	for (const char **a = spec->args; *a != NULL; a++) {
		XXH3_64bits_update(st, *a, strlen(*a) + 1);
	}
	if (stat(spec->esbuild, &sb) == 0) {
		int64_t id[2] = { (int64_t) sb.st_size,
			(int64_t) sb.st_mtim.tv_sec * 1000000000
			    + sb.st_mtim.tv_nsec };
		XXH3_64bits_update(st, id, sizeof(id));
	}
	uint64_t h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

/* 1 if every input is as it was built from: same size and mtime, or failing
 * that the same contents. */
static int
inputs_fresh(const ssrd_layer_record *rec, const char **changed)
{
	for (size_t i = 0; i < rec->ninputs; i++) {
		const ssrd_layer_input *in = &rec->inputs[i];
		struct stat             sb;
		*changed = in->path;
		if (stat(in->path, &sb) != 0 || sb.st_size != in->size) {
			return 0;
		}
		int64_t mtime = (int64_t) sb.st_mtim.tv_sec * 1000000000
		    + sb.st_mtim.tv_nsec;
		int ok;
		if (mtime != in->mtime_ns
		    && (hash_file(in->path, &ok) != in->hash || !ok)) {
			return 0;
		}
	}
	return 1;
}

/* Loads the bundle at rec->file if its bytes and its map's bytes match the
 * record. */
static int
load_verified(const ssrd_layer_record *rec, ssrd_bundle *out, const char **why)
{
	ssrd_bundle b = { 0 };
	if (bundle_load(rec->file, &b) != SSRD_OK) {
		*why = "bundle file unreadable";
		return 0;
	}
	char map[PATH_MAX + 8];
	int  ok;
	snprintf(map, sizeof(map), "%s.map", rec->file);
	if ((int64_t) b.len != rec->bytes
	    || XXH3_64bits(b.code, b.len) != rec->checksum) {
		*why = "bundle checksum mismatch";
	} else if (hash_file(map, &ok) != rec->map_checksum || !ok) {
		*why = "source map checksum mismatch";
	} else {
		*out = b;
		return 1;
	}
	ssrd__bundle_clear(&b);
	return 0;
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
	struct meta_inputs *mi  = ctx;
	ssrd_layer_record  *rec = mi->rec;
	char                rel[PATH_MAX];
	struct stat         sb;
	int                 ok;
	if (keylen >= sizeof(rel) || ssrd__json_skip(j) != SSRD_OK) {
		return SSRD_EINVAL;
	}
	memcpy(rel, key, keylen);
	rel[keylen]           = '\0';
	char             *abs = ssrd__path_join(mi->cwd, rel);
	ssrd_layer_input *v
	    = realloc(rec->inputs, (rec->ninputs + 1) * sizeof(*v));
	if (abs == NULL || v == NULL) {
		free(abs);
		if (v != NULL) {
			rec->inputs = v;
		}
		return SSRD_ENOMEM;
	}
	rec->inputs = v;
	if (stat(abs, &sb) != 0) {
		free(abs);
		return SSRD_EIO;
	}
	v[rec->ninputs++] = (ssrd_layer_input) { abs, (int64_t) sb.st_size,
		(int64_t) sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
		hash_file(abs, &ok) };
	return ok ? SSRD_OK : SSRD_EIO;
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

static int
layer_get(const struct layer_spec *spec, ssrd_bundle *out, char *errbuf,
    size_t errlen)
{
	uint64_t          key = layer_key(spec);
	ssrd_layer_record rec = { 0 };
	const char       *why = "not cached", *changed = NULL;
	char              reason[PATH_MAX + 32];
	if (spec->manifest != NULL
	    && ssrd__manifest_get(spec->manifest, spec->name, &rec)
	        == SSRD_OK) {
		if (rec.key != key) {
			why = "built by another version or with other settings";
		} else if (strcmp(rec.file, spec->outfile) != 0) {
			why = "cached under another path";
		} else if (!inputs_fresh(&rec, &changed)) {
			snprintf(
			    reason, sizeof(reason), "changed: %s", changed);
			why = reason;
		} else if (load_verified(&rec, out, &why)) {
			out->from_cache = 1;
			ssrd__log(SSRD_LOG_INFO, "layer",
			    "name=%s source=cache bytes=%zu", spec->name,
			    out->len);
			ssrd__layer_record_clear(&rec);
			return SSRD_OK;
		}
		ssrd__log(SSRD_LOG_INFO, "layer_stale", "name=%s reason=\"%s\"",
		    spec->name, why);
	}
	ssrd__layer_record_clear(&rec);

	char outarg[PATH_MAX + 16], metaarg[PATH_MAX + 32], meta[PATH_MAX + 16];
	const char *argv[64];
	size_t      n = 0;
	snprintf(outarg, sizeof(outarg), "--outfile=%s", spec->outfile);
	snprintf(meta, sizeof(meta), "%s.meta.json", spec->outfile);
	snprintf(metaarg, sizeof(metaarg), "--metafile=%s", meta);
	argv[n++] = spec->esbuild;
	for (const char **a = spec->args; *a != NULL && n < 60; a++) {
		argv[n++] = *a;
	}
	argv[n++] = outarg;
	argv[n++] = metaarg;
	argv[n]   = NULL;
	double t0 = ssrd__now_ms();
	int rv = esbuild_run((char *const *) argv, spec->cwd, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = bundle_load(spec->outfile, out);
	}
	if (rv != SSRD_OK) {
		return rv;
	}
	out->build_ms = ssrd__now_ms() - t0;
	ssrd__log(SSRD_LOG_INFO, "layer",
	    "name=%s source=esbuild bytes=%zu build_ms=%.1f", spec->name,
	    out->len, out->build_ms);
	if (spec->manifest == NULL) {
		return SSRD_OK;
	}
	/* Record what it was built from, so the next start can skip esbuild. */
	char map[PATH_MAX + 8];
	int  ok;
	snprintf(map, sizeof(map), "%s.map", spec->outfile);
	rec.file         = strdup(spec->outfile);
	rec.key          = key;
	rec.checksum     = XXH3_64bits(out->code, out->len);
	rec.map_checksum = hash_file(map, &ok);
	rec.bytes        = (int64_t) out->len;
	rec.build_ms     = out->build_ms;
	rec.built_at     = (int64_t) time(NULL);
	if (rec.file == NULL || !ok
	    || read_metafile(meta, spec->cwd, &rec) != SSRD_OK
	    || ssrd__manifest_put(spec->manifest, spec->name, &rec)
	        != SSRD_OK) {
		ssrd__log(SSRD_LOG_WARN, "layer_unrecorded",
		    "name=%s msg=\"the next start will build it again\"",
		    spec->name);
	}
	ssrd__layer_record_clear(&rec);
	return SSRD_OK;
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
	const char       *args[] = { entry, ESBUILD_COMMON, "--minify", NULL };
	struct layer_spec spec
	    = { "base", runtime, outfile, esbuild, args, manifest };
	return layer_get(&spec, out, errbuf, errlen);
}

int
ssrd__bundle_get_site(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *site_root, const ssrd_routes *routes, ssrd_bundle *out,
    char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16];
	char esbuild[PATH_MAX + 16], sub[64], name[PATH_MAX + 8];
	snprintf(sub, sizeof(sub), "sites/%016llx",
	    (unsigned long long) XXH3_64bits(site_root, strlen(site_root)));
	abs_path(dir, sizeof(dir), cfg->cache_dir, sub);
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(entry, sizeof(entry), "%s/entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/site.js", dir);
	snprintf(name, sizeof(name), "site:%s", site_root);
	if (ssrd__mkdirs(dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    dir, strerror(errno));
		return SSRD_EIO;
	}

	/* The entry imports the layout and every page and hands them to the
	 * base. It is an input like any other: a new route changes it. */
	ssrd_strbuf js = { 0 };
	char        layout[PATH_MAX];
	snprintf(layout, sizeof(layout), "%s/app/layout.jsx", site_root);
	int has_layout = access(layout, R_OK) == 0;
	if (has_layout) {
		ssrd__strbuf_puts(&js, "import Layout from ");
		ssrd__strbuf_json_string(&js, layout, strlen(layout));
		ssrd__strbuf_puts(&js, ";\n");
	}
	for (size_t i = 0; i < routes->n; i++) {
		ssrd__strbuf_printf(&js, "import P%zu from ", i);
		char p[PATH_MAX];
		snprintf(
		    p, sizeof(p), "%s/%s", site_root, routes->v[i].page_key);
		ssrd__strbuf_json_string(&js, p, strlen(p));
		ssrd__strbuf_puts(&js, ";\n");
	}
	ssrd__strbuf_printf(&js, "__ssrd_register_site(%s, {\n",
	    has_layout ? "Layout" : "null");
	for (size_t i = 0; i < routes->n; i++) {
		ssrd__strbuf_json_string(
		    &js, routes->v[i].page_key, strlen(routes->v[i].page_key));
		ssrd__strbuf_printf(&js, ": P%zu,\n", i);
	}
	ssrd__strbuf_puts(&js, "});\n");
	if (ssrd__strbuf_failed(&js)) {
		ssrd__strbuf_free(&js);
		return SSRD_ENOMEM;
	}
	/* Rewrite it only when it changes, so its mtime stays put across
	 * restarts. */
	char  *old = NULL;
	size_t oldlen;
	int    rv = SSRD_OK;
	if (ssrd__file_read(entry, &old, &oldlen) != SSRD_OK || oldlen != js.len
	    || memcmp(old, js.ptr, js.len) != 0) {
		rv = ssrd__file_write(entry, js.ptr, js.len);
	}
	free(old);
	ssrd__strbuf_free(&js);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot write %s: %s", entry,
		    strerror(errno));
		return rv;
	}

	/* React stays external: `require("react")` resolves to the base's copy.
	 */
	const char *args[]
	    = { entry, ESBUILD_COMMON, "--jsx=automatic", "--external:react",
		      "--external:react/*", "--external:react-dom",
		      "--external:react-dom/*", "--minify-syntax",
		      "--minify-whitespace", "--loader:.js=jsx", NULL };
	struct layer_spec spec
	    = { name, site_root, outfile, esbuild, args, manifest };
	return layer_get(&spec, out, errbuf, errlen);
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
