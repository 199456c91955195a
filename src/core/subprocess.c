/* subprocess.c runs build tools as subprocesses and collects what they say. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/strbuf.h"
#include "core/subprocess.h"

extern char **environ;

static atomic_ulong launches;

unsigned long
ssrd__spawn_count(void)
{
	return atomic_load(&launches);
}

int
ssrd__spawn_run(
    char *const argv[], const char *cwd, char *errbuf, size_t errlen)
{
	return ssrd__spawn_run_stdin(argv, cwd, "/dev/null", errbuf, errlen);
}

int
ssrd__spawn_run_stdin(char *const argv[], const char *cwd,
    const char *stdin_path, char *errbuf, size_t errlen)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return SSRD_ESYS;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, stdin_path, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	pid_t pid;
	atomic_fetch_add(&launches, 1);
	int rv = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rv != 0) {
		close(pipefd[0]);
		snprintf(errbuf, errlen, "cannot start %s: %s", argv[0],
		    strerror(rv));
		return SSRD_ESYS;
	}
	/* Read to the end before waiting, so a chatty child never blocks on a
	 * full pipe. */
	ssrd_strbuf err = { 0 };
	char        buf[4096];
	ssize_t     n;
	while ((n = read(pipefd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			break;
		}
		ssrd__strbuf_append(&err, buf, (size_t) n);
	}
	close(pipefd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
	rv = SSRD_OK;
	if (WIFSIGNALED(status)) {
		snprintf(errbuf, errlen, "%s was killed by signal %d%s%s",
		    argv[0], WTERMSIG(status), err.len ? ": " : "",
		    err.len ? err.ptr : "");
		rv = SSRD_EBUILD;
	} else if (WEXITSTATUS(status) != 0) {
		snprintf(errbuf, errlen, "%s",
		    err.len > 0 ? err.ptr : "failed without a message");
		rv = SSRD_EBUILD;
	}
	ssrd__strbuf_free(&err);
	return rv;
}
