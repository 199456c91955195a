/* check_fsutil.c tests src/fsutil.c's opener: ssrd__open_beneath() with the
 * kernel's openat2(), and its walk without it (ssrd__open_beneath_walk(),
 * and openat2() taken away by a seccomp filter), against a directory full
 * of ways out: symlinks leaving it (absolute and relative, to files and
 * directories, chained, to devices, through /proc), special files (a FIFO,
 * a socket, devices), directories, and malformed paths. Each case checks
 * the verdict, the reason, what was opened and that no descriptor leaked.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/fsutil.h"

#include "check_run.h"
#include "check_tree.h"

/* The scratch tree: top/outside (the secrets) and top/pub (the directory
 * opened beneath). */
static char top[64];
static int  pubfd = -1;
static int  have_devices; /* mknod worked (root) */

static void
setup(void)
{
	tree_make(top, sizeof(top), "ssrd-fsutil");
	tree_dir(top, "outside");
	tree_dir(top, "outside/dir");
	tree_put(top, "outside/secret.txt", "SECRET-OUTSIDE");
	tree_put(top, "outside/dir/x.txt", "SECRET-DIR");
	tree_dir(top, "pub");
	tree_dir(top, "pub/sub");
	tree_dir(top, "pub/empty_dir");
	tree_put(top, "pub/a.txt", "file a");
	tree_put(top, "pub/sub/b.txt", "file b");
	tree_put(top, "pub/.hidden", "hidden");
	tree_put(top, "pub/empty", "");
	char path[256];
	snprintf(path, sizeof(path), "%s/pub/fifo", top);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	/* a listening socket: opening it is ENXIO */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/pub/sock", top);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *) &sa, sizeof(sa)), 0);
	close(s);
	/* devices: /dev/zero's numbers (it opens), and a block device with
	 * no driver (it does not) */
	snprintf(path, sizeof(path), "%s/pub/zero", top);
	have_devices = mknod(path, S_IFCHR | 0644, makedev(1, 5)) == 0;
	snprintf(path, sizeof(path), "%s/pub/blk", top);
	have_devices
	    = have_devices && mknod(path, S_IFBLK | 0644, makedev(240, 0)) == 0;
	tree_link(top, "@/outside/secret.txt", "pub/abs_file");
	tree_link(top, "../outside/secret.txt", "pub/rel_file");
	tree_link(top, "@/outside", "pub/abs_dir");
	tree_link(top, "../outside", "pub/rel_dir");
	tree_link(top, "../../outside/secret.txt", "pub/sub/up2_file");
	tree_link(top, "chain2", "pub/chain1");
	tree_link(top, "sub/chain3", "pub/chain2");
	tree_link(top, "../rel_file", "pub/sub/chain3");
	tree_link(top, "/etc/passwd", "pub/etc_passwd");
	tree_link(top, "/dev/zero", "pub/dev_zero");
	tree_link(top, "/proc/self/root/etc/passwd", "pub/proc_root");
	tree_link(top, "/proc/self/cwd", "pub/proc_cwd");
	tree_link(top, "loop", "pub/loop");
	tree_link(top, "../pub/a.txt", "pub/up_and_back");
	tree_link(top, "sub/b.txt", "pub/in_file");
	tree_link(top, "sub", "pub/in_dir");
	tree_link(top, "../a.txt", "pub/sub/in_up");
	tree_link(top, "in_file", "pub/in_chain");
	tree_link(top, "empty_dir", "pub/in_to_dir");
	tree_link(top, "fifo", "pub/in_to_fifo");
	snprintf(path, sizeof(path), "%s/pub", top);
	pubfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(pubfd, 0);
}

static void
teardown(void)
{
	if (pubfd >= 0) {
		close(pubfd);
	}
	tree_remove(top);
}

/* What a case should give, with openat2() and with the walk. */
struct want {
	int         rv;
	const char *why;     /* NULL with SSRD_OK */
	const char *content; /* SSRD_OK: what the file holds */
};

/* clang-format off */
#define OK(content) { SSRD_OK, NULL, content }
#define MISSING { SSRD_ENOENT, "missing", NULL }
#define REFUSED(why) { SSRD_EINVAL, why, NULL }
#define CASE(rel, beneath, walk) { rel, beneath, walk, 0 }
#define DEVICE(rel, beneath, walk) { rel, beneath, walk, 1 }
static const struct {
	const char *rel;
	struct want beneath, walk; /* with openat2(); with the walk */
	int         device;        /* needs mknod */
} cases[] = {
	/* plain files, served either way */
	CASE("a.txt", OK("file a"), OK("file a")),
	CASE("sub/b.txt", OK("file b"), OK("file b")),
	/* dotfiles are the caller's policy */
	CASE(".hidden", OK("hidden"), OK("hidden")),
	CASE("empty", OK(""), OK("")),
	/* missing */
	CASE("nope", MISSING, MISSING),
	CASE("sub/nope", MISSING, MISSING),
	CASE("nope/a.txt", MISSING, MISSING),
	CASE("a.txt/x", MISSING, MISSING),
	/* not regular files */
	CASE("sub", REFUSED("directory"), REFUSED("directory")),
	CASE("empty_dir", REFUSED("directory"), REFUSED("directory")),
	CASE("fifo", REFUSED("fifo"), REFUSED("fifo")),
	CASE("sock", REFUSED("special"), REFUSED("special")),
	DEVICE("zero", REFUSED("char_device"), REFUSED("char_device")),
	DEVICE("blk", REFUSED("special"), REFUSED("special")),
	/* symlinks out: absolute, relative, to files and directories */
	CASE("abs_file", REFUSED("escapes"), REFUSED("symlink")),
	CASE("rel_file", REFUSED("escapes"), REFUSED("symlink")),
	CASE("abs_dir/secret.txt", REFUSED("escapes"), REFUSED("symlink")),
	CASE("rel_dir/secret.txt", REFUSED("escapes"), REFUSED("symlink")),
	CASE("rel_dir/dir/x.txt", REFUSED("escapes"), REFUSED("symlink")),
	CASE("abs_dir", REFUSED("escapes"), REFUSED("symlink")),
	CASE("rel_dir", REFUSED("escapes"), REFUSED("symlink")),
	CASE("sub/up2_file", REFUSED("escapes"), REFUSED("symlink")),
	/* chained: inside, inside, then out */
	CASE("chain1", REFUSED("escapes"), REFUSED("symlink")),
	CASE("sub/chain3", REFUSED("escapes"), REFUSED("symlink")),
	/* out to the system: files, devices, /proc's magic links */
	CASE("etc_passwd", REFUSED("escapes"), REFUSED("symlink")),
	CASE("dev_zero", REFUSED("escapes"), REFUSED("symlink")),
	CASE("proc_root", REFUSED("escapes"), REFUSED("symlink")),
	CASE("proc_cwd/etc/passwd", REFUSED("escapes"), REFUSED("symlink")),
	CASE("loop", REFUSED("symlink"), REFUSED("symlink")),
	/* up above the directory and back in is still out */
	CASE("up_and_back", REFUSED("escapes"), REFUSED("symlink")),
	/* symlinks that stay inside: followed by openat2(), never by the
	 * walk; what they lead to is checked all the same */
	CASE("in_file", OK("file b"), REFUSED("symlink")),
	CASE("in_dir/b.txt", OK("file b"), REFUSED("symlink")),
	CASE("sub/in_up", OK("file a"), REFUSED("symlink")),
	CASE("in_chain", OK("file b"), REFUSED("symlink")),
	CASE("in_to_dir", REFUSED("directory"), REFUSED("symlink")),
	CASE("in_to_fifo", REFUSED("fifo"), REFUSED("symlink")),
	/* paths that are not relative and normalised */
	CASE("", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("/etc/passwd", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("../outside/secret.txt", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("sub/../../outside/secret.txt", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("sub/../a.txt", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("./a.txt", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("sub/.", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("..", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("sub//b.txt", REFUSED("bad_path"), REFUSED("bad_path")),
	CASE("sub/", REFUSED("bad_path"), REFUSED("bad_path")),
};
/* clang-format on */
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* How many descriptors the process has open. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int  n = 0;
	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL) {
		n++;
	}
	closedir(d);
	return n;
}

typedef int (*opener)(int, const char *, int *, struct stat *, const char **);

/* Runs case i through open and compares with want; returns NULL if it
 * matches, else what went wrong (static). */
static const char *
run_case(size_t i, opener open_fn, const struct want *w)
{
	static char msg[512];
	int         fd = -2, before = open_fds();
	struct stat st;
	const char *why = NULL;
	int         rv  = open_fn(pubfd, cases[i].rel, &fd, &st, &why);
	if (rv != w->rv
	    || (rv != SSRD_OK
	        && (why == NULL || w->why == NULL
	            || strcmp(why, w->why) != 0))) {
		snprintf(msg, sizeof(msg), "\"%s\": got %s (%s), want %s (%s)",
		    cases[i].rel, ssrd_err_name(rv), why ? why : "-",
		    ssrd_err_name(w->rv), w->why ? w->why : "-");
		if (fd >= 0) {
			close(fd);
		}
		return msg;
	}
	if (rv != SSRD_OK) {
		if (fd != -1 || open_fds() != before) {
			snprintf(msg, sizeof(msg),
			    "\"%s\": refused, but fd %d / a descriptor leaked",
			    cases[i].rel, fd);
			return msg;
		}
		return NULL;
	}
	char    buf[64]    = "";
	ssize_t n          = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	int flags          = fcntl(fd, F_GETFL);
	int fdflags        = fcntl(fd, F_GETFD);
	close(fd);
	if (!S_ISREG(st.st_mode) || strcmp(buf, w->content) != 0
	    || (flags & O_ACCMODE) != O_RDONLY || !(flags & O_NONBLOCK)
	    || !(fdflags & FD_CLOEXEC) || open_fds() != before) {
		snprintf(msg, sizeof(msg),
		    "\"%s\": opened \"%s\" (mode %o, flags %x, fd flags %x), "
		    "want \"%s\", O_RDONLY|O_NONBLOCK, close-on-exec, no leak",
		    cases[i].rel, buf, (unsigned) st.st_mode, flags, fdflags,
		    w->content);
		return msg;
	}
	return NULL;
}

/* Whether this kernel lets us call openat2() at all. */
static int
kernel_has_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0) {
		close((int) fd);
	}
	return fd >= 0;
}

START_TEST(test_beneath)
{
	if (cases[_i].device && !have_devices) {
		fprintf(stderr, "skipped \"%s\": mknod needs root\n",
		    cases[_i].rel);
		return;
	}
	/* without openat2() ssrd__open_beneath() is the walk */
	const struct want *w
	    = kernel_has_openat2() ? &cases[_i].beneath : &cases[_i].walk;
	const char *err = run_case((size_t) _i, ssrd__open_beneath, w);
	ck_assert_msg(err == NULL, "open_beneath: %s", err);
}
END_TEST

START_TEST(test_walk)
{
	if (cases[_i].device && !have_devices) {
		return;
	}
	const char *err
	    = run_case((size_t) _i, ssrd__open_beneath_walk, &cases[_i].walk);
	ck_assert_msg(err == NULL, "open_beneath_walk: %s", err);
}
END_TEST

/* Makes openat2() fail with err in this process and its children. */
static void
deny_openat2(int err)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | ((unsigned) err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
	    || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("seccomp");
		_exit(2);
	}
}

/* With openat2() refused as err (ENOSYS: an old kernel; EPERM: a seccomp
 * filter), ssrd__open_beneath() gives the walk's verdict on every case.
 * In a child of its own, so that the filter dies with it. */
static void
fallback_under(int err)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		deny_openat2(err);
		if (kernel_has_openat2()) {
			_exit(3); /* the filter did not take */
		}
		int bad = 0;
		for (int round = 0; round < 2; round++) { /* and once known */
			for (size_t i = 0; i < NCASES; i++) {
				if (cases[i].device && !have_devices) {
					continue;
				}
				const char *e = run_case(
				    i, ssrd__open_beneath, &cases[i].walk);
				if (e != NULL) {
					fprintf(stderr, "%s: %s\n",
					    strerror(err), e);
					bad++;
				}
			}
		}
		_exit(bad == 0 ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "fallback under %s: child status %d (1: a case failed, see "
	    "above; 2: no seccomp; 3: openat2 still answered)",
	    strerror(err), status);
}

START_TEST(test_fallback_enosys)
{
	fallback_under(ENOSYS);
}
END_TEST

START_TEST(test_fallback_eperm)
{
	fallback_under(EPERM);
}
END_TEST

/* A FIFO with no writer opens at once: the opener never waits on it. */
START_TEST(test_fifo_does_not_block)
{
	alarm(5); /* a blocked open would end the test here */
	for (int k = 0; k < 100; k++) {
		int         fd;
		struct stat st;
		const char *why;
		ck_assert_int_eq(
		    ssrd__open_beneath(pubfd, "fifo", &fd, &st, &why),
		    SSRD_EINVAL);
		ck_assert_str_eq(why, "fifo");
		ck_assert_int_eq(
		    ssrd__open_beneath_walk(pubfd, "fifo", &fd, &st, &why),
		    SSRD_EINVAL);
	}
	alarm(0);
}
END_TEST

/* /proc's magic links (here the process's cwd and root) are symlinks
 * into anywhere: refused even where they sit beneath the directory. */
START_TEST(test_magic_links)
{
	int proc = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(proc, 0);
	static const char *const rels[]
	    = { "cwd/etc/passwd", "root/etc/passwd", "exe" };
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		int         fd = -2;
		struct stat st;
		const char *why = NULL;
		ck_assert_int_eq(
		    ssrd__open_beneath(proc, rels[i], &fd, &st, &why),
		    SSRD_EINVAL);
		ck_assert_msg(
		    strcmp(why, "symlink") == 0, "%s: %s", rels[i], why);
		ck_assert_int_eq(fd, -1);
		ck_assert_int_eq(
		    ssrd__open_beneath_walk(proc, rels[i], &fd, &st, &why),
		    SSRD_EINVAL);
		ck_assert_msg(
		    strcmp(why, "symlink") == 0, "%s: %s", rels[i], why);
	}
	close(proc);
}
END_TEST

START_TEST(test_file_kind)
{
	ck_assert_str_eq(ssrd__file_kind(S_IFREG | 0644), "regular");
	ck_assert_str_eq(ssrd__file_kind(S_IFDIR), "directory");
	ck_assert_str_eq(ssrd__file_kind(S_IFLNK), "symlink");
	ck_assert_str_eq(ssrd__file_kind(S_IFIFO), "fifo");
	ck_assert_str_eq(ssrd__file_kind(S_IFSOCK), "socket");
	ck_assert_str_eq(ssrd__file_kind(S_IFCHR), "char_device");
	ck_assert_str_eq(ssrd__file_kind(S_IFBLK), "block_device");
	ck_assert_str_eq(ssrd__file_kind(0), "not_regular");
}
END_TEST

int
main(void)
{
	fprintf(stderr, "openat2: %s\n",
	    kernel_has_openat2() ? "available (RESOLVE_BENEATH tested)"
	                         : "missing (the walk tested twice)");
	Suite *s  = suite_create("fsutil");
	TCase *tc = tcase_create("open_beneath");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_beneath, 0, (int) NCASES);
	tcase_add_loop_test(tc, test_walk, 0, (int) NCASES);
	tcase_add_test(tc, test_fallback_enosys);
	tcase_add_test(tc, test_fallback_eperm);
	tcase_add_test(tc, test_fifo_does_not_block);
	tcase_add_test(tc, test_magic_links);
	tcase_add_test(tc, test_file_kind);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
