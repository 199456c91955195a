/* check_tree.h: scratch directory trees for the suites that need real
 * files: made under /tmp, filled with files, directories and symlinks, and
 * removed. A failing step fails the test, naming the path and errno. */
#ifndef SSRD_CHECK_TREE_H
#define SSRD_CHECK_TREE_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a fresh directory /tmp/<name>.XXXXXX into top (len bytes). */
static inline void
tree_make(char *top, size_t len, const char *name)
{
	snprintf(top, len, "/tmp/%s.XXXXXX", name);
	ck_assert_msg(mkdtemp(top) != NULL, "mkdtemp: %s", strerror(errno));
}

/* Writes text to top/rel. */
static inline void
tree_put(const char *top, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* Makes the directory top/rel. */
static inline void
tree_dir(const char *top, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	ck_assert_msg(mkdir(path, 0755) == 0, "%s: %s", path, strerror(errno));
}

/* Makes top/rel a symlink to target; a leading '@' in target stands for
 * top ("@/outside": an absolute path into the tree). */
static inline void
tree_link(const char *top, const char *target, const char *rel)
{
	char path[512], t[512];
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (target[0] == '@') {
		snprintf(t, sizeof(t), "%s%s", top, target + 1);
	} else {
		snprintf(t, sizeof(t), "%s", target);
	}
	ck_assert_msg(symlink(t, path) == 0, "%s: %s", path, strerror(errno));
}

/* Removes the tree. */
static inline void
tree_remove(const char *top)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
