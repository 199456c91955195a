/* fsutil.h: small file and path helpers. */
#ifndef SSRD_FSUTIL_H
#define SSRD_FSUTIL_H

#include <stddef.h>

/*
 * Reads the whole file at path into *out (malloc'd, NUL-terminated, caller
 * frees) and its length into *len. Returns SSRD_OK, SSRD_ENOENT, SSRD_EIO
 * or SSRD_ENOMEM.
 */
int ssrd__file_read(const char *path, char **out, size_t *len);

/* Writes len bytes to path atomically (a temporary file, then rename). Returns
 * SSRD_OK or SSRD_EIO. */
int ssrd__file_write(const char *path, const void *data, size_t len);

/* Creates dir and its parents (mode 0755). Returns SSRD_OK or SSRD_EIO. */
int ssrd__mkdirs(const char *dir);

/*
 * Joins rel to dir (rel may be absolute) and removes "." and ".." segments
 * and repeated slashes, lexically, without touching the file system.
 * Returns a malloc'd path, or NULL when out of memory.
 */
char *ssrd__path_join(const char *dir, const char *rel);

/* Returns a malloc'd absolute, symlink-free form of path, or NULL if it does
 * not exist. */
char *ssrd__path_real(const char *path);

#endif
