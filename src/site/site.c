/* site.c loads a site: its routes from app/, its shell and its page deltas. */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "site/site.h"
#include "source/directive.h"

static void site_free(ssrd_site *site);

/* Each route's stylesheets (site->styles): the shell's CSS (its layouts'
 * and components'), then its page's own, as Next.js orders them. */
static int
route_styles(ssrd_site *site)
{
	char shell[160];
	site->styles = calloc(site->routes.n, sizeof(char *));
	if (site->styles == NULL) {
		return SSRD_ENOMEM;
	}
	int rv = ssrd__bundle_stylesheet(
	    &site->shell, site->layer_dir, shell, sizeof(shell));
	for (size_t i = 0; rv == SSRD_OK && i < site->routes.n; i++) {
		char page[160] = "";
		if (site->page_errors[i] == NULL) {
			rv = ssrd__bundle_stylesheet(&site->pages[i],
			    site->layer_dir, page, sizeof(page));
		}
		if (rv == SSRD_OK
		    && asprintf(&site->styles[i], "%s%s%s", shell,
		           shell[0] && page[0] ? " " : "", page)
		        < 0) {
			site->styles[i] = NULL;
			rv              = SSRD_ENOMEM;
		}
	}
	return rv;
}

#define PUBLIC_MAX_FILES 100000

/* Adds the regular files under root/public/rel to site->public_files. */
static int
public_scan(ssrd_site *site, const char *rel, int depth, size_t *cap)
{
	char            dir[PATH_MAX];
	struct dirent **ents;
	snprintf(dir, sizeof(dir), "%s/public%s%s", site->root,
	    rel[0] ? "/" : "", rel);
	int n  = depth > 16 ? -1 : scandir(dir, &ents, NULL, alphasort);
	int rv = SSRD_OK;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char        sub[PATH_MAX], abs[PATH_MAX * 2];
		struct stat st;
		snprintf(
		    sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
		snprintf(abs, sizeof(abs), "%s/%s", dir, name);
		if (rv == SSRD_OK && name[0] != '.' && lstat(abs, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				rv = public_scan(site, sub, depth + 1, cap);
			} else if (S_ISREG(st.st_mode)
			    && site->npublic < PUBLIC_MAX_FILES) {
				if (site->npublic == *cap) {
					size_t nc = *cap ? *cap * 2 : 16;
					char **v  = realloc(site->public_files,
					     nc * sizeof(char *));
					if (v == NULL) {
						rv = SSRD_ENOMEM;
						free(ents[i]);
						continue;
					}
					site->public_files = v;
					*cap               = nc;
				}
				if ((site->public_files[site->npublic]
				        = strdup(sub))
				    == NULL) {
					rv = SSRD_ENOMEM;
				} else {
					site->npublic++;
				}
			}
		}
		free(ents[i]);
	}
	if (n >= 0) {
		free(ents);
	}
	return rv;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int
ssrd__site_public_file(const ssrd_site *site, const char *path)
{
	if (path == NULL || path[0] != '/' || site->npublic == 0) {
		return 0;
	}
	const char *key = path + 1;
	return bsearch(&key, site->public_files, site->npublic, sizeof(char *),
	           cmp_name)
	    != NULL;
}

/* A route's error when a segment file of its chain did not build (NULL
 * when none): which file, and esbuild's message. */
static char *
segment_error(const ssrd_site *site, const ssrd_route *r)
{
	for (size_t k = 0; k < r->nchain; k++) {
		const ssrd_segment *g = &site->routes.segments[r->chain[k]];
		for (int f = 0; f < SSRD_SEGF_COUNT; f++) {
			for (size_t b = 0;
			     g->files[f] != NULL && b < site->broken.files.n;
			     b++) {
				char *e;
				if (strcmp(site->broken.files.v[b], g->files[f])
				        == 0
				    && asprintf(&e,
				           "%s, above %s, does not build: %s",
				           g->files[f], r->page_key,
				           site->broken.why[b])
				        >= 0) {
					return e;
				}
			}
		}
	}
	return NULL;
}

/* Whether key is one of the site's page files. */
static int
is_page(const ssrd_site *site, const char *key)
{
	for (size_t i = 0; i < site->routes.n; i++) {
		if (strcmp(site->routes.v[i].page_key, key) == 0) {
			return 1;
		}
	}
	return 0;
}

/*
 * Finds the site's "use client" files (site->clients). Those the shell
 * does not hold already (components/ and segment files it does) go into
 * shared, so that pages take them from the shell: one instance, which
 * base.js marks as client components. A page file stays its delta's.
 */
static int
client_files(ssrd_site *site, ssrd_names *shared)
{
	int rv = ssrd__directive_client_files(site->root, &site->clients);
	for (size_t i = 0; rv == SSRD_OK && i < site->clients.n; i++) {
		const char *f = site->clients.v[i];
		if (strncmp(f, "components/", 11) != 0 && !is_page(site, f)) {
			rv = ssrd__names_add(shared, f);
		}
	}
	return rv == SSRD_OK ? SSRD_OK : SSRD_ENOMEM;
}

/* render-local prints its own route's build error, not the others'. */
static int quiet_pages;

void
ssrd__site_quiet_pages(int on)
{
	quiet_pages = on;
}

/* A new site for root: its real path, its fingerprint and its layers'
 * directory. */
static int
site_open(const ssrd_config *cfg, const char *root, ssrd_site **out,
    char *errbuf, size_t errlen)
{
	ssrd_site *site = calloc(1, sizeof(*site));
	if (site == NULL) {
		return SSRD_ENOMEM;
	}
	site->refs       = 1;
	site->generation = 1;
	site->root       = ssrd__path_real(root);
	if (site->root == NULL) {
		snprintf(errbuf, errlen,
		    "site %s does not exist (set [site] site or --site)", root);
		free(site);
		return SSRD_ENOENT;
	}
	/* Taken before building: a file that changes during the build changes
	 * the fingerprint again, so the watcher will not miss it. */
	site->fingerprint = ssrd__site_fingerprint(site->root);
	char layer_dir[PATH_MAX];
	if (ssrd__bundle_site_dir(cfg, site->root, layer_dir, sizeof(layer_dir))
	        != SSRD_OK
	    || (site->layer_dir = strdup(layer_dir)) == NULL) {
		snprintf(errbuf, errlen,
		    "cannot create the cache directory for %s "
		    "under %s",
		    site->root, cfg->cache_dir);
		free(site->root);
		free(site);
		return SSRD_EIO;
	}
	*out = site;
	return SSRD_OK;
}

/* Scans the site's app/ into its route table, logging the files it ignores,
 * and makes room for a bundle and an error per route. */
static int
site_routes(ssrd_site *site, char *errbuf, size_t errlen)
{
	int rv = ssrd__routes_scan(site->root, &site->routes, errbuf, errlen);
	for (size_t i = 0; rv == SSRD_OK && i < site->routes.nwarnings; i++) {
		char *q = ssrd__log_quote(
		    site->routes.warnings[i], strlen(site->routes.warnings[i]));
		ssrd__log(SSRD_LOG_WARN, "app_file_ignored", "root=%s why=%s",
		    site->root, q ? q : "\"\"");
		free(q);
	}
	if (rv == SSRD_OK && site->routes.n == 0) {
		snprintf(errbuf, errlen,
		    "site %s has no pages: add app/page.jsx", site->root);
		rv = SSRD_ENOENT;
	}
	if (rv == SSRD_OK) {
		site->pages       = calloc(site->routes.n, sizeof(ssrd_bundle));
		site->page_errors = calloc(site->routes.n, sizeof(char *));
		if (site->pages == NULL || site->page_errors == NULL) {
			rv = SSRD_ENOMEM;
		}
	}
	return rv;
}

/* Builds every route's page delta (page_packages[i]: what page i imports),
 * gathering the packages they import into packages. A page that does not
 * build only takes its own route down. */
static int
site_pages(const ssrd_config *cfg, ssrd_manifest *manifest, ssrd_site *site,
    const ssrd_names *shared, ssrd_names *page_packages, ssrd_names *packages,
    char *errbuf, size_t errlen)
{
	int rv = SSRD_OK;
	for (size_t i = 0; rv == SSRD_OK && i < site->routes.n; i++) {
		char why[8192];
		int  prv = ssrd__bundle_get_page(cfg, manifest, site->root,
		     &site->routes.v[i], shared, &site->pages[i],
		     &page_packages[i], why, sizeof(why));
		if (prv == SSRD_EBUILD) {
			site->page_errors[i] = strdup(why);
		} else if (prv != SSRD_OK) {
			snprintf(errbuf, errlen, "%s", why);
			rv = prv;
		}
		for (size_t k = 0; rv == SSRD_OK && k < page_packages[i].n;
		     k++) {
			rv = ssrd__names_add(packages, page_packages[i].v[k]);
		}
	}
	return rv;
}

/* Sets each route's error once the shell is built (a package it imports is
 * missing, a segment file above it does not build) and logs it; adds the
 * bytes of the pages that build to *page_bytes. Returns how many routes are
 * down. */
static size_t
site_page_errors(ssrd_site *site, const ssrd_names *page_packages,
    const ssrd_names *missing, size_t *page_bytes)
{
	size_t broken = 0;
	for (size_t i = 0; i < site->routes.n; i++) {
		for (size_t k = 0;
		     k < page_packages[i].n && site->page_errors[i] == NULL;
		     k++) {
			if (ssrd__names_has(missing, page_packages[i].v[k])
			    && asprintf(&site->page_errors[i],
			           "%s imports \"%s\", which is not installed: "
			           "run npm install %s in %s",
			           site->routes.v[i].page_key,
			           page_packages[i].v[k], page_packages[i].v[k],
			           site->root)
			        < 0) {
				site->page_errors[i] = NULL;
			}
		}
		if (site->page_errors[i] == NULL) {
			site->page_errors[i]
			    = segment_error(site, &site->routes.v[i]);
		}
		if (site->page_errors[i] != NULL) {
			broken++;
		}
		if (site->page_errors[i] != NULL && !quiet_pages) {
			char *q = ssrd__log_quote(
			    site->page_errors[i], strlen(site->page_errors[i]));
			ssrd__log(SSRD_LOG_ERROR, "page_build_failed",
			    "route=%s error=%s", site->routes.v[i].pattern,
			    q ? q : "\"\"");
			free(q);
		} else if (site->page_errors[i] == NULL) {
			*page_bytes += site->pages[i].len;
		}
	}
	return broken;
}

/* Builds the site's server layers: the shell's own files first, then the
 * pages (the packages they import go into the shell, so that each exists
 * once, whoever imports it), then the shell. */
static int
site_layers(const ssrd_config *cfg, ssrd_manifest *manifest, ssrd_site *site,
    size_t *page_bytes, size_t *broken, char *errbuf, size_t errlen)
{
	ssrd_names packages = { 0 }, missing = { 0 }, shared = { 0 };
	int        rv = ssrd__bundle_get_shell_files(cfg, manifest, site->root,
	           &site->routes, &shared, &site->broken, errbuf, errlen);
	/* A root segment file (app/layout.tsx) that does not build fails
	 * every route: that is the site failing, and a reload keeps the last
	 * good generation serving. */
	for (size_t i = 0; rv == SSRD_OK && i < site->broken.files.n; i++) {
		if (strchr(site->broken.files.v[i] + 4, '/') == NULL) {
			snprintf(errbuf, errlen, "%s", site->broken.why[i]);
			rv = SSRD_EBUILD;
		}
	}
	if (rv == SSRD_OK) {
		rv = client_files(site, &shared);
	}
	ssrd_names *page_packages
	    = rv == SSRD_OK ? calloc(site->routes.n, sizeof(ssrd_names)) : NULL;
	if (rv == SSRD_OK && page_packages == NULL) {
		rv = SSRD_ENOMEM;
	}
	if (rv == SSRD_OK) {
		rv = site_pages(cfg, manifest, site, &shared, page_packages,
		    &packages, errbuf, errlen);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__bundle_get_shell(cfg, manifest, site->root,
		    &site->routes, &site->broken, &site->clients, &shared,
		    &packages, &site->shell, &missing, errbuf, errlen);
	}
	if (rv == SSRD_OK) {
		*broken = site_page_errors(
		    site, page_packages, &missing, page_bytes);
	}
	for (size_t i = 0; page_packages != NULL && i < site->routes.n; i++) {
		ssrd__names_free(&page_packages[i]);
	}
	free(page_packages);
	ssrd__log(SSRD_LOG_DEBUG, "site_packages", "root=%s packages=%zu",
	    site->root, packages.n);
	ssrd__names_free(&packages);
	ssrd__names_free(&missing);
	ssrd__names_free(&shared);
	return rv;
}

/* What the site serves besides its pages: app/favicon.ico, public/ and the
 * routes' stylesheets. */
static int
site_statics(ssrd_site *site, char *errbuf, size_t errlen)
{
	char        fav[PATH_MAX + 32];
	struct stat fst;
	snprintf(fav, sizeof(fav), "%s/app/favicon.ico", site->root);
	site->app_favicon = lstat(fav, &fst) == 0 && S_ISREG(fst.st_mode);
	size_t cap        = 0;
	int    rv         = public_scan(site, "", 0, &cap);
	if (rv == SSRD_OK && site->npublic > 1) {
		qsort(site->public_files, site->npublic, sizeof(char *),
		    cmp_name);
	}
	if (rv == SSRD_OK && (rv = route_styles(site)) != SSRD_OK) {
		snprintf(errbuf, errlen,
		    "cannot copy the stylesheets of %s into %s", site->root,
		    site->layer_dir);
	}
	return rv;
}

/* The browser's bundle: without it pages still render, they just do not
 * come alive in the browser, so a failure is logged, not returned. */
static void
site_client(const ssrd_config *cfg, ssrd_manifest *manifest, ssrd_site *site)
{
	char why[8192];
	if (ssrd__bundle_get_client(cfg, manifest, site->root, &site->routes,
	        (const char *const *) site->page_errors, &site->broken,
	        &site->clients, &site->client, why, sizeof(why))
	    == SSRD_OK) {
		snprintf(site->client_url, sizeof(site->client_url),
		    "/_ssrd/client-%016llx.js",
		    (unsigned long long) XXH3_64bits(
		        site->client.code, site->client.len));
	} else {
		char *q = ssrd__log_quote(why, strlen(why));
		ssrd__log(SSRD_LOG_WARN, "client_bundle_failed",
		    "root=%s error=%s", site->root, q ? q : "\"\"");
		free(q);
	}
}

/* Each route's Link header (site->preload), from its stylesheets:
 * "</a.css>; rel=preload; as=style, </b.css>; rel=preload; as=style". Not
 * the browser bundle: whether a page loads it is known only as it renders
 * (hydrate = false, an async tree without islands: no bundle), and a page
 * that does says so itself (React's <link rel="preload" as="script">).
 * Without memory for it pages go without. */
static void
site_preload(ssrd_site *site)
{
	site->preload = calloc(site->routes.n, sizeof(char *));
	for (size_t i = 0; site->preload != NULL && i < site->routes.n; i++) {
		ssrd_strbuf b = { 0 };
		const char *s = site->styles[i] != NULL ? site->styles[i] : "";
		while (*s != '\0') {
			size_t n = strcspn(s, " ");
			ssrd__strbuf_printf(&b,
			    "%s<%.*s>; rel=preload; as=style",
			    b.len ? ", " : "", (int) n, s);
			s += n + (s[n] == ' ');
		}
		if (b.len > 0 && !ssrd__strbuf_failed(&b)) {
			site->preload[i] = ssrd__strbuf_take(&b);
		}
		ssrd__strbuf_free(&b);
	}
}

const char *
ssrd__site_preload(const ssrd_site *site, size_t i)
{
	return site->preload != NULL && i < site->routes.n ? site->preload[i]
	                                                   : NULL;
}

int
ssrd__site_load(const ssrd_config *cfg, ssrd_manifest *manifest,
    const char *root, ssrd_site **out, char *errbuf, size_t errlen)
{
	ssrd_site *site;
	int        rv = site_open(cfg, root, &site, errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	size_t page_bytes = 0, broken = 0;
	if ((rv = site_routes(site, errbuf, errlen)) != SSRD_OK
	    || (rv = site_layers(
	            cfg, manifest, site, &page_bytes, &broken, errbuf, errlen))
	        != SSRD_OK
	    || (rv = site_statics(site, errbuf, errlen)) != SSRD_OK) {
		site_free(site);
		return rv;
	}
	if (cfg->hydrate) {
		site_client(cfg, manifest, site);
	}
	site_preload(site);
	ssrd__log(SSRD_LOG_INFO, "site_loaded",
	    "root=%s routes=%zu shell_bytes=%zu page_bytes=%zu "
	    "broken_routes=%zu islands=%d public_files=%zu layers=%s",
	    site->root, site->routes.n, site->shell.len, page_bytes, broken,
	    site->clients.n > 0, site->npublic, site->layer_dir);
	*out = site;
	return SSRD_OK;
}

const ssrd_bundle *
ssrd__site_page(const ssrd_site *site, size_t i, const char **why)
{
	if (site->page_errors[i] != NULL) {
		*why = site->page_errors[i];
		return NULL;
	}
	return &site->pages[i];
}

static void
site_free(ssrd_site *site)
{
	if (site == NULL) {
		return;
	}
	for (size_t i = 0; i < site->routes.n; i++) {
		if (site->pages != NULL) {
			ssrd__bundle_clear(&site->pages[i]);
		}
		if (site->page_errors != NULL) {
			free(site->page_errors[i]);
		}
		if (site->preload != NULL) {
			free(site->preload[i]);
		}
		if (site->styles != NULL) {
			free(site->styles[i]);
		}
	}
	free(site->pages);
	free(site->page_errors);
	free(site->styles);
	free(site->preload);
	for (size_t i = 0; i < site->npublic; i++) {
		free(site->public_files[i]);
	}
	free(site->public_files);
	ssrd__bundle_clear(&site->shell);
	ssrd__bundle_clear(&site->client);
	ssrd__routes_free(&site->routes);
	ssrd__names_free(&site->clients);
	ssrd__broken_free(&site->broken);
	free(site->root);
	free(site->layer_dir);
	free(site);
}

ssrd_site *
ssrd__site_ref(ssrd_site *site)
{
	/* Only a holder may take another reference: a site at 0 is being
	 * freed. */
	int was = __atomic_fetch_add(&site->refs, 1, __ATOMIC_RELAXED);
	assert(was > 0);
	(void) was;
	return site;
}

void
ssrd__site_unref(ssrd_site *site)
{
	if (site == NULL) {
		return;
	}
	int left = __atomic_sub_fetch(&site->refs, 1, __ATOMIC_ACQ_REL);
	assert(left >= 0); /* one unref too many */
	if (left == 0) {
		site_free(site);
	}
}

/* Feeds (relative path, size, mtime) of every file under dir into st, in name
 * order. */
static void
fingerprint_dir(XXH3_state_t *st, const char *root, const char *rel, int depth)
{
	char            dir[PATH_MAX];
	struct dirent **ents;
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	int n = depth > 32 ? -1 : scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char        sub[PATH_MAX], abs[PATH_MAX * 2];
		struct stat sb;
		snprintf(
		    sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
		snprintf(abs, sizeof(abs), "%s/%s", root, sub);
		if (name[0] != '.' && strcmp(name, "node_modules") != 0
		    && lstat(abs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				fingerprint_dir(st, root, sub, depth + 1);
			} else {
				int64_t meta[2] = { (int64_t) sb.st_size,
					(int64_t) sb.st_mtim.tv_sec * 1000000000
					    + sb.st_mtim.tv_nsec };
				XXH3_64bits_update(st, sub, strlen(sub) + 1);
				XXH3_64bits_update(st, meta, sizeof(meta));
			}
		}
		free(ents[i]);
	}
	if (n >= 0) {
		free(ents);
	}
}

uint64_t
ssrd__site_fingerprint(const char *root)
{
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	fingerprint_dir(st, root, "", 0);
	uint64_t h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}
