/* fsutil.c implements small file and path helpers. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "fsutil.h"

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
