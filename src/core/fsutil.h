/* fsutil.h: small file and path helpers. */
#ifndef SSRD_FSUTIL_H
#define SSRD_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>

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

/*
 * Opens the regular file that rel names beneath the directory dirfd, for
 * reading, without ever resolving a name outside that directory. rel is
 * relative: components separated by single '/', none of them empty, "." or
 * ".." (http_request.c's normalised paths are so); any other rel is refused
 * ("bad_path").
 *
 * The kernel resolves rel: openat2() with RESOLVE_BENEATH and
 * RESOLVE_NO_MAGICLINKS, so a symlink that stays beneath dirfd is followed
 * and one that leads out of it (an absolute one, or one whose ".." climbs
 * above dirfd) is refused ("escapes"), as are /proc's magic links. Where
 * openat2() is missing (ENOSYS, kernels before 5.6; EPERM from some seccomp
 * filters) this is ssrd__open_beneath_walk(). The file is opened with
 * O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, so that neither a FIFO nor
 * a device can block the open or become the controlling terminal; then the
 * open descriptor is fstat()ed, and anything but a regular file is closed
 * and refused: what is checked is what would be read. Nothing here waits
 * for anything but the file system.
 *
 * Returns SSRD_OK with the descriptor in *fd (the caller closes it) and its
 * fstat() in *st. Otherwise *fd is -1, *why names the reason for the log
 * (static storage) and the return says what kind it is:
 *   SSRD_ENOENT  "missing"       no such file, or a component is no directory
 *   SSRD_EINVAL  "bad_path"      rel is not as above
 *                "escapes"       a symlink leads out of dirfd
 *                "symlink"       a symlink the walk refuses, a loop, a magic
 * link "directory", "fifo", "socket", "char_device", "block_device",
 * "not_regular"   what the file is instead "special"       a socket or a device
 * that cannot be opened "denied"        the permissions say no SSRD_EIO "error"
 * anything else; errno says what Any thread; dirfd is only read.
 */
int ssrd__open_beneath(
    int dirfd, const char *rel, int *fd, struct stat *st, const char **why);

/*
 * ssrd__open_beneath() without openat2(): rel is walked one component at a
 * time from dirfd, each directory opened with O_PATH | O_DIRECTORY |
 * O_NOFOLLOW and the last component with O_NOFOLLOW and the flags above, so
 * that every symlink on the way is refused ("symlink"), even one that stays
 * beneath dirfd. The same checks and returns otherwise. Any thread.
 */
int ssrd__open_beneath_walk(
    int dirfd, const char *rel, int *fd, struct stat *st, const char **why);

/* Names a file type for the log: "directory", "fifo", "socket",
 * "char_device", "block_device", "symlink", "regular" or "not_regular". */
const char *ssrd__file_kind(mode_t mode);

#endif
