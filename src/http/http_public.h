/* http_public.h: the files of a site's public/ directory, served under
 * /public/ on threads of their own. */
#ifndef SSRD_HTTP_PUBLIC_H
#define SSRD_HTTP_PUBLIC_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "http/exchange.h"

/* What configuration says about public files. */
typedef struct ssrd_public_opts {
	int dotfiles;     /* 1: a path with a component starting with '.' is
	                     served too ([server] public_dotfiles) */
	size_t max_bytes; /* bigger files are refused (public_max_kb) */
	int    max_age;   /* Cache-Control: public, max-age=this, s */
	/* the server's response policy (security headers): borrowed, must
	 * outlive the threads; NULL: the defaults */
	const struct ssrd_http_policy *policy;
} ssrd_public_opts;

/*
 * One file of public/, open, as ssrd__public_open() found it. fd stays
 * open until ssrd__public_close(), so that what is read is the file that
 * was checked.
 */
typedef struct ssrd_public_file {
	int         fd;
	struct stat st;
	const char *type; /* its Content-Type, by its extension; static */
	/* a quoted XXH3 of its device, inode, size, mtime and ctime: a new
	 * one whenever the file may have changed, read or not */
	char   etag[24];
	char   last_modified[32]; /* its mtime as an HTTP date */
	char  *data;              /* its bytes once read (malloc'd), or NULL */
	size_t len;               /* how many: st.st_size */
	int    err;               /* after SSRD_EIO: the errno (0: none) */
} ssrd_public_file;

/*
 * Finds file (a path under public/ as http_request.c gives it: relative,
 * with no empty, "." or ".." component; "" for public/ itself) in the
 * site at root (absolute) and opens it with ssrd__open_beneath(), relative
 * to public/, itself opened without following a symlink. Refused: "" or a
 * path with a component starting with '.' unless o->dotfiles, no public/,
 * anything but a regular file, a symlink leaving public/, a file bigger
 * than o->max_bytes. Returns SSRD_OK with *out filled (close it with
 * ssrd__public_close()), or SSRD_ENOENT (missing), SSRD_EINVAL (refused)
 * or SSRD_EIO with *why naming the reason for the log (static; those of
 * ssrd__open_beneath() and "dotfile", "no_public", "public_not_a_directory",
 * "too_big"; after SSRD_EIO out->err keeps the errno). Does not read the
 * file. Any thread; waits on the file system only.
 */
int ssrd__public_open(const char *root, const char *file,
    const ssrd_public_opts *o, ssrd_public_file *out, const char **why);

/* As ssrd__public_open(), in root/subdir instead of root/public. */
int ssrd__public_open_in(const char *root, const char *subdir, const char *file,
    const ssrd_public_opts *o, ssrd_public_file *out, const char **why);

/*
 * Reads f's bytes into f->data: exactly f->len of them (a file that shrank
 * since it was opened is refused, "changed"; one that grew is read up to
 * its size then). Returns SSRD_OK, or SSRD_EIO (f->err: the errno, or 0) or
 * SSRD_ENOMEM with *why.
 */
int ssrd__public_read(ssrd_public_file *f, const char **why);

/* Closes f and frees its bytes. NULL, or a closed f, is a harmless no-op. */
void ssrd__public_close(ssrd_public_file *f);

/* Returns the Content-Type for a file name by its extension, any case
 * ("text/css; charset=utf-8"), or "application/octet-stream". Static. */
const char *ssrd__public_type(const char *name);

/* Writes t as an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes and
 * a NUL) into buf, whatever the locale. */
void ssrd__public_http_date(time_t t, char *buf, size_t len);

/*
 * The threads that serve public files: the front's loops only hand a
 * request over, so that no file system, however slow, holds the workers
 * every HTTP request and render needs.
 */
typedef struct ssrd_public ssrd_public;

/* Starts them with a copy of o. Returns SSRD_OK, SSRD_ENOMEM or SSRD_ESYS. */
int ssrd__public_start(const ssrd_public_opts *o, ssrd_public **out);

/* One request for a public file. Every string is copied by submit. */
typedef struct ssrd_public_req {
	const char *root; /* the site's root directory, absolute */
	const char *path; /* the normalised path, "/public/..." (the log's) */
	const char *file; /* the path under public/: a suffix of path */
	const char *if_none_match;     /* the request's header, or NULL */
	const char *if_modified_since; /* the request's header, or NULL */
	int         head;              /* HEAD: no body */
	const char *subdir; /* the directory of root it is in, a string that
	                       outlives the request ("app"); NULL: assets/ or
	                       public/, as immutable says */
	int immutable;      /* 1: a file of root/assets/ named by its content
	                       (the site's images and fonts, in the cache):
	                       browsers keep it a year; 0: root/public/ */
} ssrd_public_req;

/*
 * Queues rq; a thread of p answers it through ex with a response: 200 with the
 * file, 304 when the client's validator matches (If-None-Match, else an exact
 * If-Modified-Since), else 404 "404 not found" whatever the reason (which goes
 * to the log as event=public_refused), each with the security headers,
 * Content-Type and Cache-Control. Then it calls done(arg) on that thread.
 * Returns SSRD_OK (ex will be answered, done called once), SSRD_EOVERLOAD (too
 * many waiting) or SSRD_ECLOSED (stopping) or SSRD_ENOMEM: then neither
 * happens, and the caller answers. Any thread.
 */
int ssrd__public_submit(ssrd_public *p, ssrd_http_ex *ex,
    const ssrd_public_req *rq, void (*done)(void *arg), void *arg);

/* Answers what is queued, joins the threads and frees p. NULL is a no-op. */
void ssrd__public_stop(ssrd_public *p);

#endif
