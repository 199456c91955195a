/* fsutil.c implements small file and path helpers, and opening a file
 * beneath a directory without leaving it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"

int
ssrd__file_read(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return errno == ENOENT ? SSRD_ENOENT : SSRD_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return SSRD_EIO;
	}
	size_t n   = (size_t) st.st_size;
	char  *buf = malloc(n + 1);
	if (buf == NULL) {
		close(fd);
		return SSRD_ENOMEM;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			break;
		}
		got += (size_t) r;
	}
	close(fd);
	if (got != n) {
		free(buf);
		return SSRD_EIO;
	}
	buf[n] = '\0';
	*out   = buf;
	*len   = n;
	return SSRD_OK;
}

int
ssrd__file_write(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long) getpid())
	    >= (int) sizeof(tmp)) {
		return SSRD_EIO;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return SSRD_EIO;
	}
	const char *p    = data;
	size_t      left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return SSRD_EIO;
		}
		p += w;
		left -= (size_t) w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return SSRD_EIO;
	}
	return SSRD_OK;
}

int
ssrd__mkdirs(const char *dir)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", dir) >= (int) sizeof(p)) {
		return SSRD_EIO;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				return SSRD_EIO;
			}
			*s = '/';
		}
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		return SSRD_EIO;
	}
	return SSRD_OK;
}

char *
ssrd__path_join(const char *dir, const char *rel)
{
	size_t n   = strlen(dir) + strlen(rel) + 2;
	char  *in  = malloc(n);
	char  *out = malloc(n + 1);
	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		return NULL;
	}
	if (rel[0] == '/') {
		snprintf(in, n, "%s", rel);
	} else {
		snprintf(in, n, "%s/%s", dir, rel);
	}
	/* out keeps a stack of segments; ".." pops one. */
	size_t o        = 0;
	int    absolute = in[0] == '/';
	char  *save     = NULL;
	for (char *s = strtok_r(in, "/", &save); s != NULL;
	     s       = strtok_r(NULL, "/", &save)) {
		if (strcmp(s, ".") == 0) {
			continue;
		}
		if (strcmp(s, "..") == 0) {
			while (o > 0 && out[o - 1] != '/') {
				o--;
			}
			if (o > 0) {
				o--;
			}
			continue;
		}
		if (o > 0 || absolute) {
			out[o++] = '/';
		}
		size_t l = strlen(s);
		memcpy(out + o, s, l);
		o += l;
	}
	if (o == 0 && absolute) {
		out[o++] = '/';
	}
	out[o] = '\0';
	free(in);
	return out;
}

char *
ssrd__path_real(const char *path)
{
	return realpath(path, NULL);
}

const char *
ssrd__file_kind(mode_t m)
{
	return S_ISREG(m) ? "regular"
	    : S_ISDIR(m)  ? "directory"
	    : S_ISLNK(m)  ? "symlink"
	    : S_ISFIFO(m) ? "fifo"
	    : S_ISSOCK(m) ? "socket"
	    : S_ISCHR(m)  ? "char_device"
	    : S_ISBLK(m)  ? "block_device"
	                  : "not_regular";
}

/* How the file itself is opened: never waiting on a FIFO's writer or a
 * device, never taking a terminal. */
#define BENEATH_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* 0 once openat2() answered ENOSYS: the walk from then on. */
static atomic_int have_openat2 = 1;

/* 1 if rel is relative, with no empty, "." or ".." component. */
static int
rel_ok(const char *rel)
{
	size_t n = strlen(rel);
	if (n == 0 || n >= PATH_MAX || rel[0] == '/' || rel[n - 1] == '/') {
		return 0;
	}
	for (const char *c = rel; *c != '\0'; c++) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.')
		    || (len == 2 && c[0] == '.' && c[1] == '.')) {
			return 0;
		}
		c += len;
		if (*c == '\0') {
			break;
		}
	}
	return 1;
}

/* The refusal for an open that failed with err. */
static int
refuse_errno(int err, const char **why)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		*why = "missing";
		return SSRD_ENOENT;
	case EXDEV:
		*why = "escapes";
		return SSRD_EINVAL;
	case ELOOP:
		*why = "symlink";
		return SSRD_EINVAL;
	case ENXIO: /* a socket, or a device with no driver */
	case ENODEV:
		*why = "special";
		return SSRD_EINVAL;
	case EACCES:
	case EPERM:
		*why = "denied";
		return SSRD_EINVAL;
	default:
		*why  = "error";
		errno = err;
		return SSRD_EIO;
	}
}

/* Keeps fd in *out if it is a regular file, else closes it. */
static int
keep_regular(int fd, int *out, struct stat *st, const char **why)
{
	if (fstat(fd, st) != 0) {
		int err = errno;
		close(fd);
		return refuse_errno(err, why);
	}
	if (!S_ISREG(st->st_mode)) {
		*why = ssrd__file_kind(st->st_mode);
		close(fd);
		return SSRD_EINVAL;
	}
	*out = fd;
	return SSRD_OK;
}

int
ssrd__open_beneath(
    int dirfd, const char *rel, int *out, struct stat *st, const char **why)
{
	*out = -1;
	if (!rel_ok(rel)) {
		*why = "bad_path";
		return SSRD_EINVAL;
	}
	if (!atomic_load(&have_openat2)) {
		return ssrd__open_beneath_walk(dirfd, rel, out, st, why);
	}
	struct open_how how = {
		.flags   = BENEATH_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int  tries = 0;
	/* EAGAIN: a rename or mount raced the resolution of a "..", which
	 * the kernel then cannot vouch for; it may be asked again */
	do {
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || errno == EAGAIN) && ++tries < 8);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (errno == ENOSYS) {
			atomic_store(&have_openat2, 0);
		}
		/* EPERM may be a seccomp filter's answer, or the file's:
		 * the walk tells them apart */
		return ssrd__open_beneath_walk(dirfd, rel, out, st, why);
	}
	if (fd < 0) {
		return refuse_errno(errno, why);
	}
	return keep_regular((int) fd, out, st, why);
}

/* Why the walk could not open comp beneath at as a directory (err): a
 * symlink is refused as one, whatever open said of it. */
static int
refuse_component(int at, const char *comp, int err, const char **why)
{
	struct stat sb;
	if ((err == ENOTDIR || err == ELOOP)
	    && fstatat(at, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0
	    && S_ISLNK(sb.st_mode)) {
		*why = "symlink";
		return SSRD_EINVAL;
	}
	return refuse_errno(err, why);
}

int
ssrd__open_beneath_walk(
    int dirfd, const char *rel, int *out, struct stat *st, const char **why)
{
	char path[PATH_MAX];
	*out = -1;
	if (!rel_ok(rel)) {
		*why = "bad_path";
		return SSRD_EINVAL;
	}
	snprintf(path, sizeof(path), "%s", rel);
	int   at = dirfd; /* the directory the walk is in; ours unless dirfd */
	char *comp = path, *slash;
	int   rv   = SSRD_OK;
	while (rv == SSRD_OK && (slash = strchr(comp, '/')) != NULL) {
		*slash   = '\0';
		int next = openat(
		    at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rv = refuse_component(at, comp, errno, why);
		}
		if (at != dirfd) {
			close(at);
		}
		at   = next;
		comp = slash + 1;
	}
	if (rv == SSRD_OK) {
		int fd = openat(at, comp, BENEATH_FLAGS | O_NOFOLLOW);
		rv     = fd < 0 ? refuse_component(at, comp, errno, why)
		                : keep_regular(fd, out, st, why);
		if (at != dirfd) {
			close(at);
		}
	}
	return rv;
}
