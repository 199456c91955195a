/* http_public.c implements serving a site's public/ files under /public/:
 * finding one without leaving public/, its validators, and the threads that
 * read and answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xxhash.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "host/hostpool.h"
#include "http/http_public.h"
#include "http/http_reply.h"
#include "http/http_request.h"
#include "http/response.h"

/* Content types by extension (lowercase, without the dot). Text gets its
 * charset: browsers would otherwise guess, and nosniff forbids guessing. */
static const struct {
	const char *ext, *type;
} types[] = {
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/x-icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "opus", "audio/opus" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
	{ "zip", "application/zip" },
};

const char *
ssrd__public_type(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *dot  = strrchr(base != NULL ? base + 1 : name, '.');
	if (dot != NULL && dot[1] != '\0') {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			if (strcasecmp(dot + 1, types[i].ext) == 0) {
				return types[i].type;
			}
		}
	}
	return "application/octet-stream";
}

void
ssrd__public_http_date(time_t t, char *buf, size_t len)
{
	static const char days[7][4]
	    = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm         tm;
	if (gmtime_r(&t, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* 1 if a component of file starts with '.': .env, .git/config, a/.htpasswd */
static int
has_dotfile(const char *file)
{
	return file[0] == '.' || strstr(file, "/.") != NULL;
}

int
ssrd__public_open(const char *root, const char *file, const ssrd_public_opts *o,
    ssrd_public_file *f, const char **why)
{
	return ssrd__public_open_in(root, "public", file, o, f, why);
}

int
ssrd__public_open_in(const char *root, const char *subdir, const char *file,
    const ssrd_public_opts *o, ssrd_public_file *f, const char **why)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (file[0] == '\0') {
		*why = "directory"; /* public/ itself */
		return SSRD_EINVAL;
	}
	if (!o->dotfiles && has_dotfile(file)) {
		*why = "dotfile";
		return SSRD_EINVAL;
	}
	char *pub = ssrd__path_join(root, subdir);
	if (pub == NULL) {
		*why = "no_memory";
		return SSRD_ENOMEM;
	}
	/* public/ itself is the site's, so a symlink there leaves the site */
	int dir = open(pub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int err = errno;
	free(pub);
	if (dir < 0) {
		*why = err == ENOENT ? "no_public" : "public_not_a_directory";
		return err == ENOENT ? SSRD_ENOENT : SSRD_EINVAL;
	}
	int rv = ssrd__open_beneath(dir, file, &f->fd, &f->st, why);
	f->err = rv == SSRD_EIO ? errno : 0;
	close(dir);
	if (rv != SSRD_OK) {
		return rv;
	}
	if ((uintmax_t) f->st.st_size > o->max_bytes) {
		*why = "too_big";
		ssrd__public_close(f);
		return SSRD_EINVAL;
	}
	f->len  = (size_t) f->st.st_size;
	f->type = ssrd__public_type(file);
	/* what tells versions apart without reading them: a rewrite in place
	 * changes the ctime even when the mtime is set back (cp -p) */
	const int64_t v[] = { (int64_t) f->st.st_dev, (int64_t) f->st.st_ino,
		(int64_t) f->st.st_size, (int64_t) f->st.st_mtim.tv_sec,
		(int64_t) f->st.st_mtim.tv_nsec, (int64_t) f->st.st_ctim.tv_sec,
		(int64_t) f->st.st_ctim.tv_nsec };
	snprintf(f->etag, sizeof(f->etag), "\"%016llx\"",
	    (unsigned long long) XXH3_64bits(v, sizeof(v)));
	ssrd__public_http_date(
	    f->st.st_mtime, f->last_modified, sizeof(f->last_modified));
	return SSRD_OK;
}

int
ssrd__public_read(ssrd_public_file *f, const char **why)
{
	if ((f->data = malloc(f->len ? f->len : 1)) == NULL) {
		*why = "no_memory";
		return SSRD_ENOMEM;
	}
	size_t got = 0;
	while (got < f->len) {
		ssize_t n = read(f->fd, f->data + got, f->len - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			*why   = n == 0 ? "changed" : "error";
			f->err = n == 0 ? 0 : errno;
			free(f->data);
			f->data = NULL;
			return SSRD_EIO;
		}
		got += (size_t) n;
	}
	return SSRD_OK;
}

void
ssrd__public_close(ssrd_public_file *f)
{
	if (f == NULL) {
		return;
	}
	if (f->fd >= 0) {
		close(f->fd);
	}
	free(f->data);
	f->fd   = -1;
	f->data = NULL;
}

/* How many threads read public files, and how many requests may wait for
 * them before more are refused (503): a file system that stops answering
 * holds these, and nothing else. */
#define PUBLIC_THREADS 2
#define PUBLIC_QUEUE_MAX 1024

/* One request, with its strings after it in the same allocation. */
struct public_task {
	ssrd_host_task      task; /* the pool's: run answers, done frees */
	struct ssrd_public *p;
	ssrd_http_ex       *ex;
	ssrd_public_req     rq;
	void (*done)(void *arg);
	void *arg;
	int   answered; /* task_run sent the reply */
};

/* The pool (a host pool of its own: not the threads pages' host calls
 * need), and how many of its tasks are not yet done. */
struct ssrd_public {
	ssrd_public_opts opts;
	ssrd_hostpool   *pool;
	atomic_size_t    queued;
};

/*
 * Answers ex with status and the headers every reply of public/ has: the
 * content type, the security headers (p's policy), caching (and f's
 * validators). A 200 sends body (len bytes, copied); HEAD sends none but
 * says the file's length; a 304 sends none.
 */
static void
finish(const ssrd_public *p, ssrd_http_ex *ex, uint16_t status,
    const char *type, ssrd_http_caching caching, int max_age,
    const ssrd_public_file *f, const char *body, size_t len, int head)
{
	const ssrd_http_reply r = {
		.status        = status,
		.type          = type,
		.caching       = caching,
		.max_age       = max_age,
		.etag          = f != NULL ? f->etag : NULL,
		.last_modified = f != NULL ? f->last_modified : NULL,
	};
	ssrd__ex_reply(ex, p->opts.policy, &r, body, len, head);
}

/* Whether the client has this version: If-None-Match decides when it came
 * (RFC 9110), else an If-Modified-Since equal to Last-Modified (what
 * browsers send back; nginx's "exact" as well). */
static int
not_modified(const ssrd_public_req *rq, const ssrd_public_file *f)
{
	if (rq->if_none_match != NULL) {
		return ssrd__http_request_not_modified(
		    rq->if_none_match, f->etag);
	}
	return rq->if_modified_since != NULL
	    && strcmp(rq->if_modified_since, f->last_modified) == 0;
}

static void
answer(const ssrd_public *p, const ssrd_public_req *rq, ssrd_http_ex *ex)
{
	ssrd_public_file f;
	const char      *why = NULL;
	const char      *dir = rq->subdir != NULL ? rq->subdir
	         : rq->immutable                  ? "assets"
	                                          : "public";
	int              rv
	    = ssrd__public_open_in(rq->root, dir, rq->file, &p->opts, &f, &why);
	int nm = rv == SSRD_OK && not_modified(rq, &f);
	if (rv == SSRD_OK && !nm && !rq->head) {
		rv = ssrd__public_read(&f, &why);
	}
	if (rv == SSRD_OK) {
		finish(p, ex, nm ? 304 : 200, f.type,
		    rq->immutable ? SSRD_HTTP_CACHE_IMMUTABLE
		                  : SSRD_HTTP_CACHE_PUBLIC,
		    p->opts.max_age, &f, f.data, f.len, rq->head);
		ssrd__public_close(&f);
		return;
	}
	/* One answer for every refusal, so that nothing tells a missing
	 * file from one refused (outside public/, special, hidden). The
	 * reason is the operator's: a size limit to raise is a warning, a
	 * miss is routine, the rest may be a probe. */
	int level = strcmp(why, "too_big") == 0 || rv == SSRD_ENOMEM
	    ? SSRD_LOG_WARN
	    : rv == SSRD_ENOENT ? SSRD_LOG_DEBUG
	                        : SSRD_LOG_INFO;
	if (ssrd__log_enabled(level)) {
		char *q = ssrd__log_value(rq->path, strlen(rq->path));
		if (rv == SSRD_EIO) {
			ssrd__log(level, "public_refused",
			    "path=%s reason=%s errno=%d", q ? q : "-", why,
			    f.err);
		} else {
			ssrd__log(level, "public_refused", "path=%s reason=%s",
			    q ? q : "-", why);
		}
		free(q);
	}
	ssrd__public_close(&f);
	finish(p, ex, 404, "text/plain; charset=utf-8",
	    SSRD_HTTP_CACHE_NO_CACHE, 0, NULL, "404 not found\n", 14, rq->head);
}

static void
task_run(ssrd_host_task *task)
{
	struct public_task *t = task->arg;
	answer(t->p, &t->rq, t->ex);
	t->answered = 1;
}

static void
task_done(ssrd_host_task *task, void *arg)
{
	struct public_task *t = arg;
	(void) task;
	if (!t->answered) {
		/* withdrawn unrun: the pool is stopping */
		finish(t->p, t->ex, 503, "text/plain; charset=utf-8",
		    SSRD_HTTP_CACHE_NO_STORE, 0, NULL, "503 shutting down\n",
		    18, t->rq.head);
	}
	t->done(t->arg);
	atomic_fetch_sub(&t->p->queued, 1);
	free(t);
}

int
ssrd__public_start(const ssrd_public_opts *o, ssrd_public **out)
{
	ssrd_public *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return SSRD_ENOMEM;
	}
	p->opts = *o;
	/* one owner (0: no per-owner limit): PUBLIC_QUEUE_MAX bounds it */
	const ssrd_hostpool_opts po
	    = { .threads = PUBLIC_THREADS, .inflight = PUBLIC_THREADS };
	int rv = ssrd__hostpool_start(&po, &p->pool);
	if (rv != SSRD_OK) {
		free(p);
		return rv;
	}
	*out = p;
	return SSRD_OK;
}

int
ssrd__public_submit(ssrd_public *p, ssrd_http_ex *ex, const ssrd_public_req *rq,
    void (*done)(void *arg), void *arg)
{
	const char *s[]
	    = { rq->root, rq->path, rq->if_none_match, rq->if_modified_since };
	size_t n = sizeof(struct public_task);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		n += ssrd__str_size(s[i]);
	}
	if (atomic_fetch_add(&p->queued, 1) >= PUBLIC_QUEUE_MAX) {
		atomic_fetch_sub(&p->queued, 1);
		return SSRD_EOVERLOAD;
	}
	struct public_task *t = calloc(1, n);
	if (t == NULL) {
		atomic_fetch_sub(&p->queued, 1);
		return SSRD_ENOMEM;
	}
	char *at     = (char *) (t + 1);
	t->task.run  = task_run;
	t->task.done = task_done;
	t->task.arg  = t;
	t->p         = p;
	t->ex        = ex;
	t->done      = done;
	t->arg       = arg;
	t->rq.root   = ssrd__str_pack(&at, rq->root);
	t->rq.path   = ssrd__str_pack(&at, rq->path);
	t->rq.file   = t->rq.path + (rq->file - rq->path); /* within path */
	t->rq.if_none_match     = ssrd__str_pack(&at, rq->if_none_match);
	t->rq.if_modified_since = ssrd__str_pack(&at, rq->if_modified_since);
	t->rq.head              = rq->head;
	t->rq.immutable         = rq->immutable;
	t->rq.subdir            = rq->subdir; /* static: "app" or NULL */
	int rv                  = ssrd__hostpool_submit(p->pool, &t->task);
	if (rv != SSRD_OK) {
		atomic_fetch_sub(&p->queued, 1);
		free(t);
	}
	return rv;
}

void
ssrd__public_stop(ssrd_public *p)
{
	if (p != NULL) {
		ssrd__hostpool_stop(p->pool); /* answers what is queued */
		free(p);
	}
}
