/* lifecycle.c implements serve's start-up checks and its pid file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nng/nng.h>

#include <ssrd/errors.h>

#include "app/lifecycle.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strbuf.h"

/* ---- sites ---- */

/* A site directory exists and keeps its pages in app/. */
static int
check_site(const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(errbuf, errlen,
		    "site %s: %s (set [site] site or --site to the site's "
		    "directory)",
		    path, strerror(errno));
		return SSRD_ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen,
		    "site %s is not a directory (set [site] site or --site to "
		    "the site's directory)",
		    path);
		return SSRD_ENOENT;
	}
	char *app = ssrd__path_join(path, "app");
	if (app == NULL) {
		return SSRD_ENOMEM;
	}
	int rv = stat(app, &st) == 0 && S_ISDIR(st.st_mode) ? SSRD_OK
	                                                    : SSRD_ENOENT;
	free(app);
	if (rv != SSRD_OK) {
		snprintf(errbuf, errlen,
		    "site %s has no app/ directory: a site keeps its pages in "
		    "app/ (app/layout.jsx, app/page.jsx); is --site the right "
		    "directory?",
		    path);
	}
	return rv;
}

static int
check_sites(const ssrd_config *cfg, char *errbuf, size_t errlen)
{
	ssrd_site_entry *v;
	size_t           n;
	int              rv = ssrd__config_sites(cfg, &v, &n, errbuf, errlen);
	if (rv != SSRD_OK) {
		return rv;
	}
	for (size_t i = 0; rv == SSRD_OK && i < n; i++) {
		rv = check_site(v[i].path, errbuf, errlen);
	}
	ssrd__config_sites_free(v, n);
	return rv;
}

/* ---- addresses ---- */

/* Binds host:port for a moment, as nng will (SO_REUSEADDR), to learn
 * whether it can: a port in use, an address not of this machine, a
 * privileged port. */
static int
probe_tcp(const char *addr, const char *host, const char *port,
    const char *option, char *errbuf, size_t errlen)
{
	struct addrinfo  hints = { .ai_family = AF_UNSPEC,
		 .ai_socktype                 = SOCK_STREAM,
		 .ai_flags                    = AI_PASSIVE };
	struct addrinfo *ai    = NULL;
	int              gai   = getaddrinfo(
	                   host[0] && strcmp(host, "*") != 0 ? host : NULL, port, &hints, &ai);
	if (gai != 0) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: the host \"%s\" does not resolve: "
		    "%s (set %s)",
		    addr, host, gai_strerror(gai), option);
		return SSRD_ECONFIG;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	int on = 1, err = 0;
	if (fd < 0) {
		err = errno;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			err = errno;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	if (err == 0) {
		return SSRD_OK;
	}
	if (err == EADDRINUSE) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: the port is in use by another "
		    "process "
		    "(another ssrd?); stop it, or set %s to a free port",
		    addr, option);
	} else if (err == EADDRNOTAVAIL) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: %s is not an address of this "
		    "machine; "
		    "set %s to one that is (127.0.0.1, 0.0.0.0)",
		    addr, host, option);
	} else if (err == EACCES) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: ports below 1024 need privileges; "
		    "set "
		    "%s to a higher port",
		    addr, option);
	} else {
		snprintf(errbuf, errlen, "cannot listen on %s: %s; set %s",
		    addr, strerror(err), option);
	}
	return SSRD_ESYS;
}

/* A URL's host and port, by nng's own parser (what it will listen on). */
static int
check_tcp_url(const char *addr, const char *option, char *errbuf, size_t errlen)
{
	nng_url *u;
	if (nng_url_parse(&u, addr) != 0) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: not a valid address (set %s)", addr,
		    option);
		return SSRD_ECONFIG;
	}
	int rv = SSRD_OK;
	if (strcmp(u->u_port, "0") != 0) { /* 0: any free port, always */
		rv = probe_tcp(
		    addr, u->u_hostname, u->u_port, option, errbuf, errlen);
	}
	nng_url_free(u);
	return rv;
}

/* Whether a process accepts connections on the Unix socket at path. */
static int
socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return 0;
	}
	int live = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

/* An ipc:// path: short enough, in a directory that exists and this user
 * may write, and not a live socket or a file that is not a socket (nng
 * would remove such a file to make its socket). */
static int
check_ipc_path(const char *addr, char *errbuf, size_t errlen)
{
	const char        *path = addr + strlen("ipc://");
	struct sockaddr_un sa;
	struct stat        st;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: the path is %zu bytes, and a Unix "
		    "socket's may be at most %zu (set [server] ipc or --ipc to "
		    "a shorter one)",
		    addr, strlen(path), sizeof(sa.sun_path) - 1);
		return SSRD_ECONFIG;
	}
	char *copy = strdup(path);
	if (copy == NULL) {
		return SSRD_ENOMEM;
	}
	const char *dir = dirname(copy);
	int         rv  = SSRD_ESYS;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: the directory %s does not exist "
		    "(create it, or set [server] ipc or --ipc to a path in one "
		    "that does)",
		    addr, dir);
	} else if (access(dir, W_OK | X_OK) != 0) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: cannot create a socket in %s: %s "
		    "(set [server] ipc or --ipc to a directory this user may "
		    "write)",
		    addr, dir, strerror(errno));
	} else if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: %s exists and is not a socket, and "
		    "ssrd will not replace it (remove it, or set [server] ipc "
		    "or --ipc to another path)",
		    addr, path);
	} else if (lstat(path, &st) == 0 && socket_live(path)) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: another process listens on it "
		    "(another ssrd?): stop it, or set [server] ipc or --ipc to "
		    "another path",
		    addr);
	} else {
		rv = SSRD_OK; /* absent, or a stale socket nng replaces */
	}
	free(copy);
	return rv;
}

/* Every entry of the comma-separated protocol address list. */
static int
check_ipc_addrs(const char *list, char *errbuf, size_t errlen)
{
	int         rv = SSRD_OK;
	const char *p  = list, *item;
	size_t      n;
	while (rv == SSRD_OK && (n = ssrd__list_next(&p, &item)) > 0) {
		char *addr = strndup(item, n);
		if (addr == NULL) {
			return SSRD_ENOMEM;
		}
		rv = strncmp(addr, "ipc://", 6) == 0
		    ? check_ipc_path(addr, errbuf, errlen)
		    : check_tcp_url(
		        addr, "[server] ipc or --ipc", errbuf, errlen);
		free(addr);
	}
	return rv;
}

/* ---- the pid file ---- */

/* The process id path holds: > 0; 0 when it does not exist; -1 when it
 * holds something else (or cannot be read). */
static long
pidfile_read(const char *path)
{
	char  *text;
	size_t len;
	int    rv = ssrd__file_read(path, &text, &len);
	if (rv == SSRD_ENOENT) {
		return 0;
	}
	if (rv != SSRD_OK) {
		return -1;
	}
	char *end;
	errno    = 0;
	long pid = strtol(text, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\r') {
		end++;
	}
	int valid = errno == 0 && end != text && *end == '\0' && pid > 0;
	free(text);
	return valid ? pid : -1;
}

/* Whether pid names a running process other than this one (in a container
 * a restarted ssrd often gets the pid its last run wrote). */
static int
pid_live(long pid)
{
	if (pid == (long) getpid()) {
		return 0;
	}
	return kill((pid_t) pid, 0) == 0 || errno == EPERM;
}

/* Whether path may become the pid file: absent or stale. */
static int
pidfile_check(const char *path, char *errbuf, size_t errlen)
{
	long pid = pidfile_read(path);
	if (pid < 0) {
		snprintf(errbuf, errlen,
		    "the pid file %s exists and does not hold a process id: "
		    "remove it, or set [server] pid_file or --pid-file to "
		    "another path",
		    path);
		return SSRD_EIO;
	}
	if (pid > 0 && pid_live(pid)) {
		snprintf(errbuf, errlen,
		    "another ssrd (pid %ld) is running with pid_file %s: stop "
		    "it, or give this one another pid_file",
		    pid, path);
		return SSRD_EIO;
	}
	return SSRD_OK;
}

int
ssrd__lifecycle_pidfile_write(const char *path, char *errbuf, size_t errlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd
		    = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			int ok = dprintf(fd, "%ld\n", (long) getpid()) > 0;
			ok     = close(fd) == 0 && ok;
			if (ok) {
				return SSRD_OK;
			}
			snprintf(errbuf, errlen,
			    "cannot write the pid file %s: %s", path,
			    strerror(errno));
			unlink(path);
			return SSRD_EIO;
		}
		if (errno != EEXIST) {
			snprintf(errbuf, errlen,
			    "cannot create the pid file %s: %s (set [server] "
			    "pid_file or --pid-file to a path this user may "
			    "write)",
			    path, strerror(errno));
			return SSRD_ESYS;
		}
		int rv = pidfile_check(path, errbuf, errlen);
		if (rv != SSRD_OK) {
			return rv;
		}
		/* stale: its process is gone */
		ssrd__log(SSRD_LOG_WARN, "pid_file_stale",
		    "path=%s pid=%ld msg=\"replaced: its process is gone\"",
		    path, pidfile_read(path));
		unlink(path);
	}
	snprintf(errbuf, errlen,
	    "cannot create the pid file %s: another process keeps creating "
	    "it",
	    path);
	return SSRD_EIO;
}

void
ssrd__lifecycle_pidfile_remove(const char *path)
{
	if (path != NULL && path[0] != '\0'
	    && pidfile_read(path) == (long) getpid()) {
		unlink(path);
	}
}

int
ssrd__lifecycle_preflight(const ssrd_config *cfg, char *errbuf, size_t errlen)
{
	int rv = check_sites(cfg, errbuf, errlen);
	if (rv == SSRD_OK && cfg->http[0] != '\0') {
		rv = check_tcp_url(
		    cfg->http, "[server] http or --http", errbuf, errlen);
	}
	if (rv == SSRD_OK) {
		rv = check_ipc_addrs(cfg->ipc, errbuf, errlen);
	}
	if (rv == SSRD_OK && cfg->pid_file[0] != '\0') {
		rv = pidfile_check(cfg->pid_file, errbuf, errlen);
	}
	return rv;
}
