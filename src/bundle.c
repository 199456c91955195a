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
#include "bundle_impl.h"
#include "cachestats.h"
#include "fsutil.h"
#include "json.h"
#include "layer.h"
#include "log.h"
#include "metafile.h"
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
esbuild_run(char *const argv[], const char *cwd, const char *stdin_path,
    char *errbuf, size_t errlen)
{
	int rv = ssrd__spawn_run_stdin(argv, cwd,
	    stdin_path != NULL ? stdin_path : "/dev/null", errbuf, errlen);
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
void
ssrd__bundle_abs_path(
    char *out, size_t outlen, const char *dir, const char *name)
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

/* The settings key of an esbuild layer: its name, arguments and esbuild's
 * identity. */
static uint64_t
esbuild_key(const char *name, const struct esbuild_job *job)
{
	size_t nargs = 0;
	while (job->args[nargs] != NULL) {
		nargs++;
	}
	const char **parts  = malloc((nargs + 2) * sizeof(char *));
	char         id[64] = "";
	struct stat  sb;
	if (parts == NULL) {
		return 0; /* matches no record: the layer is built */
	}
	if (stat(job->esbuild, &sb) == 0) {
		snprintf(id, sizeof(id), "%lld:%lld", (long long) sb.st_size,
		    (long long) sb.st_mtim.tv_sec);
	}
	parts[0] = name;
	parts[1] = id;
	memcpy(parts + 2, job->args, nargs * sizeof(char *));
	uint64_t key = ssrd__layer_key(parts, nargs + 2);
	free(parts);
	return key;
}

/* Adds the files esbuild's metafile names (relative to cwd) to rec's inputs. */
static int
record_inputs(const char *meta, const char *cwd, ssrd_layer_record *rec)
{
	ssrd_metafile m  = { 0 };
	int           rv = ssrd__metafile_read(meta, &m);
	for (size_t i = 0; rv == SSRD_OK && i < m.ninputs; i++) {
		char *abs = ssrd__path_join(cwd, m.inputs[i]);
		rv        = abs != NULL ? ssrd__layer_add_input(rec, abs)
		                        : SSRD_ENOMEM;
		free(abs);
	}
	ssrd__metafile_free(&m);
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
	size_t nargs = 0;
	while (job->args[nargs] != NULL) {
		nargs++;
	}
	const char **argv = malloc((nargs + 4) * sizeof(char *));
	size_t       n    = 0;
	if (argv == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return SSRD_ENOMEM;
	}
	snprintf(outarg, sizeof(outarg), "--outfile=%s", spec->outfile);
	snprintf(meta, sizeof(meta), "%s.meta.json", spec->outfile);
	snprintf(metaarg, sizeof(metaarg), "--metafile=%s", meta);
	argv[n++] = job->esbuild;
	for (size_t i = 0; i < nargs; i++) {
		argv[n++] = job->args[i];
	}
	argv[n++] = outarg;
	argv[n++] = metaarg;
	argv[n]   = NULL;
	int rv    = esbuild_run(
	       (char *const *) argv, job->cwd, job->stdin_path, errbuf, errlen);
	free(argv);
	if (rv == SSRD_OK && spec->manifest != NULL
	    && record_inputs(meta, job->cwd, rec) != SSRD_OK) {
		/* Built fine, but without its inputs it cannot be trusted
		 * later. */
		ssrd__log(
		    SSRD_LOG_WARN, "metafile_unreadable", "path=%s", meta);
		ssrd__layer_record_clear(rec);
	}
	return rv;
}

int
ssrd__bundle_esbuild_layer(ssrd_manifest *manifest, const char *name,
    const char *outfile, const struct esbuild_job *job, ssrd_bundle *out,
    char *errbuf, size_t errlen)
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
	ssrd__bundle_abs_path(
	    entry, sizeof(entry), cfg->runtime_dir, "base.js");
	ssrd__bundle_abs_path(runtime, sizeof(runtime), cfg->runtime_dir, "");
	ssrd__bundle_abs_path(
	    outfile, sizeof(outfile), cfg->cache_dir, "base.js");
	ssrd__bundle_abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
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
		       "--banner:js=\"use strict\";", "--alias:util=./node/util.js",
		       "--alias:crypto=./node/crypto.js",
		       "--alias:stream=./node/stream.js", NULL };
	struct esbuild_job job    = { runtime, esbuild, args, NULL };
	return ssrd__bundle_esbuild_layer(
	    manifest, "base", outfile, &job, out, errbuf, errlen);
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
