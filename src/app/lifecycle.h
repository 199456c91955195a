/* lifecycle.h: what `ssrd serve` does around its run: the checks that make a
 * bad start fail before the slow part, and the pid file. (What a reload of
 * the config changed: ssrd__config_diff(), config/config.h.) */
#ifndef SSRD_LIFECYCLE_H
#define SSRD_LIFECYCLE_H

#include <stddef.h>

#include "config/config.h"

/*
 * Checks, before anything is built, what would otherwise fail only after
 * the base and the sites were built and the workers started: every site
 * directory exists and has app/; the HTTP address and every protocol
 * address can be listened on (a TCP port is free: bound for a moment and
 * released; an ipc:// path's directory exists and is writable, and no live
 * process listens on the path, nor is it a file that is not a socket); the
 * pid file, if any, names no live process. Returns SSRD_OK, or an error
 * with a message in errbuf that names the site, the address or the file
 * and says what to do. Main thread, before the listeners start.
 */
int ssrd__lifecycle_preflight(
    const ssrd_config *cfg, char *errbuf, size_t errlen);

/*
 * Writes this process's id into path, which must not exist (O_EXCL): one
 * that names a live process fails with "another ssrd (pid N) is running
 * with pid_file PATH"; a stale one (its process gone) is replaced; one that
 * holds no process id is left alone and refused. Returns SSRD_OK, or
 * SSRD_EIO / SSRD_ESYS with the reason in errbuf.
 */
int ssrd__lifecycle_pidfile_write(
    const char *path, char *errbuf, size_t errlen);

/* Removes path if it still holds this process's id (never another's).
 * NULL or "" is a harmless no-op. */
void ssrd__lifecycle_pidfile_remove(const char *path);

#endif
