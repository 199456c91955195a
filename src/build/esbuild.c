/* esbuild.c: one esbuild run as a cached layer (its key, its inputs from the
 * metafile), and the React base layer. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

#include "build/esbuild.h"
#include "build/layer.h"
#include "build/metafile.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/subprocess.h"
#include "core/timers.h"

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
