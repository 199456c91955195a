/* host_files.c: files.read and files.list, confined to the site's root. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "host/host.h"

/*
 * Returns 1 if the relative path, read lexically, climbs above where it
 * starts ("a/../.." does, "a/../b" does not). Such a path is refused before
 * the file system is asked anything, so whether something exists outside
 * the root never shows in the message.
 */
static int
climbs_out(const char *path)
{
	long        depth = 0;
	const char *p     = path;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0) {
				return 1;
			}
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		p += len;
		while (*p == '/') {
			p++;
		}
	}
	return 0;
}

/* Returns 1 if real (absolute, symlink-free) is root or lies under it. */
static int
inside(const char *root, const char *real)
{
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/') {
		n--; /* "/" itself, or a root given with a trailing slash */
	}
	return strncmp(real, root, n) == 0
	    && (real[n] == '\0' || real[n] == '/');
}

/*
 * For a path (root/rel) that realpath() could not resolve: returns 1 if its
 * longest part that does resolve lies outside root, so that a symlink
 * leading out is reported as such, whether or not the rest exists there.
 */
static int
leads_out(const char *root, const char *joined)
{
	char *p   = strdup(joined);
	int   out = 0;
	for (char *slash; p != NULL && (slash = strrchr(p, '/')) != NULL;) {
		*slash     = '\0';
		char *real = realpath(*p ? p : "/", NULL);
		if (real != NULL) {
			out = !inside(root, real);
			free(real);
			break;
		}
	}
	free(p);
	return out;
}

/* Rejects with a message for a failed realpath() or open() of path. */
static void
reject_errno(ssrd_host_result *r, const char *op, const char *path, int err)
{
	char        buf[128];
	const char *why;
	switch (err) {
	case ENOENT:
		ssrd__host_reject(r, "%s: \"%s\" does not exist", op, path);
		return;
	case ENOTDIR:
		ssrd__host_reject(r,
		    "%s: \"%s\" does not exist (a part of the path is not a "
		    "directory)",
		    op, path);
		return;
	case EACCES:
		why = "permission denied";
		break;
	default:
		why = strerror_r(err, buf, sizeof(buf));
	}
	ssrd__host_reject(r, "%s: \"%s\": %s", op, path, why);
}

/*
 * Checks the one argument of files.read or files.list (op names which) and
 * resolves it under req->root. On success returns the real path (malloc'd)
 * and stores the path as the page gave it in *given (malloc'd); the caller
 * frees both. Otherwise sets *r to the rejection and returns NULL. An empty
 * path means the root when empty_ok, and is refused otherwise.
 *
 * The checks, in order: file access on; one string argument without NULs;
 * not empty; relative; no lexical climb above the root with ".."; exists;
 * and its real path (symlinks followed) is inside the root. The last one
 * catches symlinks anywhere along the path that lead out; for a path that
 * does not resolve, the part of it that does is checked, so a symlink
 * leading out is named as such rather than as a missing file.
 */
static char *
resolve(const ssrd_host_req *req, const char *op, int empty_ok, char **given,
    ssrd_host_result *r)
{
	*given = NULL;
	if (!req->opts->files) {
		ssrd__host_reject(r,
		    "%s: file access is off (config [host] files = 1 turns "
		    "it on)",
		    op);
		return NULL;
	}
	ssrd_json argv[1];
	if (ssrd__host_args(req, argv, 1) != 1
	    || ssrd__json_peek(&argv[0]) != '"') {
		ssrd__host_reject(
		    r, "%s: expects one argument, a path string", op);
		return NULL;
	}
	char *path = ssrd__host_arg_string(&argv[0]);
	if (path == NULL) {
		ssrd__host_reject(r, "%s: the path holds a NUL byte", op);
		return NULL;
	}
	if (path[0] == '\0' && !empty_ok) {
		ssrd__host_reject(r, "%s: the path is empty", op);
		free(path);
		return NULL;
	}
	if (path[0] == '/') {
		ssrd__host_reject(r,
		    "%s: \"%s\" is an absolute path; paths are relative to "
		    "the site root",
		    op, path);
		free(path);
		return NULL;
	}
	if (climbs_out(path)) {
		ssrd__host_reject(
		    r, "%s: \"%s\" is outside the site root", op, path);
		free(path);
		return NULL;
	}
	char *joined = NULL;
	if (asprintf(&joined, "%s/%s", req->root, path) < 0) {
		ssrd__host_reject(r, "%s: out of memory", op);
		free(path);
		return NULL;
	}
	char *real = realpath(joined, NULL);
	int   err  = errno;
	int   out  = real == NULL ? leads_out(req->root, joined)
	                          : !inside(req->root, real);
	free(joined);
	if (real == NULL && !out) {
		reject_errno(r, op, path, err);
		free(path);
		return NULL;
	}
	if (out) {
		ssrd__host_reject(r,
		    "%s: \"%s\" is outside the site root (a symlink leads "
		    "out)",
		    op, path);
		free(real);
		free(path);
		return NULL;
	}
	*given = path;
	return real;
}

/* What ssrd__open_beneath() found instead of a regular file, for messages,
 * by its reason; NULL for reasons that are not a kind of file. */
static const char *
kind_of(const char *why)
{
	static const char *const kinds[][2] = {
		{ "directory", "a directory" },
		{ "fifo", "a FIFO" },
		{ "socket", "a socket" },
		{ "char_device", "a character device" },
		{ "block_device", "a block device" },
		{ "special", "a socket or a device" },
		{ "not_regular", "of another kind" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(why, kinds[i][0]) == 0) {
			return kinds[i][1];
		}
	}
	return NULL;
}

/*
 * Opens real (resolve()'s answer: absolute, inside root) for files.read,
 * the root's own descriptor the only name looked up outside the kernel's
 * walk: ssrd__open_beneath() resolves the rest beneath it, so a directory
 * on the way swapped for a symlink since realpath() cannot lead the open
 * out of the root, and a FIFO cannot hang it. Returns the descriptor with
 * its fstat() in *st, or -1 with *r set to the rejection.
 */
static int
open_inside(const ssrd_host_req *req, const char *op, const char *path,
    const char *real, struct stat *st, ssrd_host_result *r)
{
	size_t n = strlen(req->root);
	while (n > 0 && req->root[n - 1] == '/') {
		n--;
	}
	const char *rel = real[n] == '/' ? real + n + 1 : real + n;
	if (*rel == '\0') {
		ssrd__host_reject(r,
		    "%s: \"%s\" is not a regular file (a directory)", op, path);
		return -1;
	}
	int dirfd = open(req->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		reject_errno(r, op, path, errno);
		return -1;
	}
	int         fd = -1;
	const char *why;
	int         rv  = ssrd__open_beneath(dirfd, rel, &fd, st, &why);
	int         err = errno;
	close(dirfd);
	if (rv == SSRD_OK) {
		return fd;
	}
	const char *k = kind_of(why);
	if (k != NULL) {
		ssrd__host_reject(
		    r, "%s: \"%s\" is not a regular file (%s)", op, path, k);
	} else if (strcmp(why, "escapes") == 0 || strcmp(why, "symlink") == 0) {
		ssrd__host_reject(r,
		    "%s: \"%s\" is outside the site root (a symlink leads "
		    "out)",
		    op, path);
	} else if (rv == SSRD_ENOENT) {
		ssrd__host_reject(r, "%s: \"%s\" does not exist", op, path);
	} else if (strcmp(why, "denied") == 0) {
		reject_errno(r, op, path, EACCES);
	} else {
		reject_errno(r, op, path, err);
	}
	return -1;
}

/*
 * files.read [path] -> "contents". The path is checked by resolve(); the
 * real path is then opened beneath the root (open_inside), and the checks
 * on what it is use fstat() of that open descriptor, so the file read is
 * the file checked. The size limit is checked against fstat() and again
 * while reading, in case the file grows. The contents are sent as text:
 * ill-formed UTF-8 becomes U+FFFD.
 */
void
ssrd__host_files_read(const ssrd_host_req *req, ssrd_host_result *r)
{
	const char *op = "files.read";
	char       *path;
	char       *real = resolve(req, op, 0, &path, r);
	if (real == NULL) {
		return;
	}
	size_t max = req->opts->files_max_bytes;
	if (max > SIZE_MAX / 4) {
		max = SIZE_MAX / 4; /* so max + 1 and doubling cannot wrap */
	}
	char       *buf = NULL;
	size_t      len = 0;
	struct stat st;
	int         fd = open_inside(req, op, path, real, &st, r);
	if (fd < 0) {
		goto out;
	}
	if ((uintmax_t) st.st_size > max) {
		ssrd__host_reject(r,
		    "%s: \"%s\" is too big (%jd bytes; the limit is %zu, "
		    "config [host] files_max_kb)",
		    op, path, (intmax_t) st.st_size, max);
		goto out;
	}
	/* One byte more than fstat() said, to see the end without growing. */
	size_t cap = (size_t) st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		ssrd__host_reject(r, "%s: out of memory", op);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				break; /* grew past the limit */
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char  *nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				ssrd__host_reject(r, "%s: out of memory", op);
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n == 0) {
			break;
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			reject_errno(r, op, path, errno);
			goto out;
		}
		len += (size_t) n;
	}
	if (len > max) {
		ssrd__host_reject(r,
		    "%s: \"%s\" is too big (more than %zu bytes, config [host] "
		    "files_max_kb)",
		    op, path, max);
		goto out;
	}
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_json_text(&b, buf, len);
	ssrd__host_resolve(r, ssrd__strbuf_take(&b));
out:
	if (fd >= 0) {
		close(fd);
	}
	free(buf);
	free(real);
	free(path);
}

/* One directory entry, as files.list reports it. */
struct entry {
	char       *name; /* malloc'd, as the directory holds it */
	const char *type; /* "file", "dir", "symlink" or "other" (static) */
	intmax_t    size; /* bytes for files, 0 for the rest */
};

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(
	    ((const struct entry *) a)->name, ((const struct entry *) b)->name);
}

/*
 * files.list [dir] -> [{"name","type","size"}, ...]. dir is checked as
 * files.read checks a path, except that "" (like ".") means the root. The
 * entries are sorted by name, byte by byte (strcmp), without "." and "..".
 * type comes from lstat(): "file", "dir", "symlink" (never followed, so a
 * symlink that leads out of the root is listed but not described) or
 * "other" (FIFOs, sockets, devices). size is the file's size in bytes for
 * files and 0 for every other type. An entry removed while listing is left
 * out. Names that are not UTF-8 get U+FFFD as files.read's text does.
 */
void
ssrd__host_files_list(const ssrd_host_req *req, ssrd_host_result *r)
{
	const char *op = "files.list";
	char       *path;
	char       *real = resolve(req, op, 1, &path, r);
	if (real == NULL) {
		return;
	}
	struct entry *v = NULL;
	size_t        n = 0, cap = 0;
	DIR          *d = NULL;
	int fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR) {
			ssrd__host_reject(
			    r, "%s: \"%s\" is not a directory", op, path);
		} else {
			reject_errno(r, op, path, errno);
		}
		goto out;
	}
	if ((d = fdopendir(fd)) == NULL) {
		reject_errno(r, op, path, errno);
		close(fd);
		goto out;
	}
	for (;;) {
		errno                   = 0;
		const struct dirent *de = readdir(d);
		if (de == NULL) {
			if (errno != 0) {
				reject_errno(r, op, path, errno);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0
		    || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)
		    != 0) {
			continue;
		}
		if (n == cap) {
			size_t        ncap = cap ? cap * 2 : 16;
			struct entry *nv   = realloc(v, ncap * sizeof(*v));
			if (nv == NULL) {
				ssrd__host_reject(r, "%s: out of memory", op);
				goto out;
			}
			v   = nv;
			cap = ncap;
		}
		if ((v[n].name = strdup(de->d_name)) == NULL) {
			ssrd__host_reject(r, "%s: out of memory", op);
			goto out;
		}
		v[n].type = S_ISREG(st.st_mode) ? "file"
		    : S_ISDIR(st.st_mode)       ? "dir"
		    : S_ISLNK(st.st_mode)       ? "symlink"
		                                : "other";
		v[n].size = S_ISREG(st.st_mode) ? (intmax_t) st.st_size : 0;
		n++;
	}
	if (n > 1) {
		qsort(v, n, sizeof(*v), entry_cmp);
	}
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "[");
	for (size_t i = 0; i < n; i++) {
		ssrd__strbuf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
		ssrd__strbuf_json_text(&b, v[i].name, strlen(v[i].name));
		ssrd__strbuf_printf(
		    &b, ",\"type\":\"%s\",\"size\":%jd}", v[i].type, v[i].size);
	}
	ssrd__strbuf_puts(&b, "]");
	ssrd__host_resolve(r, ssrd__strbuf_take(&b));
out:
	if (d != NULL) {
		closedir(d);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
	}
	free(v);
	free(real);
	free(path);
}
