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
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <ssrd/errors.h>

#include "bundle.h"
#include "fsutil.h"
#include "log.h"
#include "strbuf.h"

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

int
ssrd__bundle_build_base(
    const ssrd_config *cfg, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char entry[PATH_MAX + 16], outfile[PATH_MAX + 16],
	    outarg[PATH_MAX + 32];
	char esbuild[PATH_MAX + 16], runtime[PATH_MAX + 16];
	abs_path(entry, sizeof(entry), cfg->runtime_dir, "base.js");
	abs_path(runtime, sizeof(runtime), cfg->runtime_dir, "");
	abs_path(outfile, sizeof(outfile), cfg->cache_dir, "base.js");
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(outarg, sizeof(outarg), "--outfile=%s", outfile);
	if (ssrd__mkdirs(cfg->cache_dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    cfg->cache_dir, strerror(errno));
		return SSRD_EIO;
	}
	char *const argv[]
	    = { esbuild, entry, ESBUILD_COMMON, "--minify", outarg, NULL };
	int rv = esbuild_run(argv, runtime, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = bundle_load(outfile, out);
	}
	return rv;
}

int
ssrd__bundle_build_site(const ssrd_config *cfg, const char *site_root,
    const ssrd_routes *routes, ssrd_bundle *out, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], entry[PATH_MAX + 16], outfile[PATH_MAX + 16],
	    outarg[PATH_MAX + 32];
	char esbuild[PATH_MAX + 16], sub[64];
	snprintf(sub, sizeof(sub), "sites/%016llx",
	    (unsigned long long) XXH3_64bits(site_root, strlen(site_root)));
	abs_path(dir, sizeof(dir), cfg->cache_dir, sub);
	abs_path(esbuild, sizeof(esbuild), cfg->esbuild, "");
	snprintf(entry, sizeof(entry), "%s/entry.js", dir);
	snprintf(outfile, sizeof(outfile), "%s/site.js", dir);
	snprintf(outarg, sizeof(outarg), "--outfile=%s", outfile);
	if (ssrd__mkdirs(dir) != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot create cache directory %s: %s",
		    dir, strerror(errno));
		return SSRD_EIO;
	}

	/* The entry imports the layout and every page and hands them to the
	 * base. */
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
	int rv = ssrd__file_write(entry, js.ptr, js.len);
	ssrd__strbuf_free(&js);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen, "cannot write %s: %s", entry,
		    strerror(errno));
		return rv;
	}

	/* React stays external: `require("react")` resolves to the base's copy.
	 */
	char *const argv[] = { esbuild, entry, ESBUILD_COMMON,
		"--jsx=automatic", "--external:react", "--external:react/*",
		"--external:react-dom", "--external:react-dom/*",
		"--minify-syntax", "--minify-whitespace", "--loader:.js=jsx",
		outarg, NULL };
	rv                 = esbuild_run(argv, site_root, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = bundle_load(outfile, out);
	}
	return rv;
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
