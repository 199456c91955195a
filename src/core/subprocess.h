/* subprocess.h: runs the build tools ssrd drives (esbuild, its own snapshot
 * maker) as subprocesses. */
#ifndef SSRD_SUBPROCESS_H
#define SSRD_SUBPROCESS_H

#include <stddef.h>

/*
 * Runs argv (argv[0] is the program's path, argv NULL-terminated) in the
 * directory cwd with stdout discarded, and waits for it. Returns SSRD_OK if
 * it exited 0; SSRD_EBUILD otherwise, with what it wrote to stderr (or how
 * it died) in errbuf; SSRD_ESYS if it could not be started, with the
 * reason. Any thread; counts every start (ssrd__spawn_count()).
 */
int ssrd__spawn_run(
    char *const argv[], const char *cwd, char *errbuf, size_t errlen);

/* As ssrd__spawn_run(), with the file at stdin_path as the child's standard
 * input (ssrd__spawn_run() gives it /dev/null). */
int ssrd__spawn_run_stdin(char *const argv[], const char *cwd,
    const char *stdin_path, char *errbuf, size_t errlen);

/* How many build subprocesses this process has started. Any thread. */
unsigned long ssrd__spawn_count(void);

#endif
