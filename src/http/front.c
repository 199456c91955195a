/* front.c implements the HTTP front's transport (front.h): the listening
 * socket, h2o on each worker's loop, the connections and their limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ssrd/errors.h>

#include "core/log.h"
#include "core/timers.h"
#include "http/exchange.h"
#include "http/front.h"
#include "http/front_loop.h"
#include "http/front_request.h"

struct ssrd_front {
	h2o_globalconf_t   config;
	ssrd_pool         *pool;
	ssrd_front_opts    opts;
	int                fd; /* the listening socket */
	long               nloops;
	struct front_loop *loops;
};

/* Descriptors kept for what is not a connection: the cache, the site's
 * files, the render protocol, SQLite, fetch. */
#define FD_MARGIN 256

/* How often a refusal or a paused accept is logged at most, ms. */
#define LOG_EVERY_MS 10000.0

/* ---- connections ---- */

static void
conn_closed(void *data)
{
	struct front_conn *c  = data;
	struct front_loop *fl = c->fl;
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		fl->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	fl->nconns--;
	free(c);
}

/* A refusal line, at most once per LOG_EVERY_MS per loop. */
static void
log_refusal(
    struct front_loop *fl, const char *event, const char *reason, int err)
{
	double now = ssrd__now_ms();
	if (now - fl->refused_logged_ms < LOG_EVERY_MS
	    && fl->refused_logged_ms > 0) {
		return;
	}
	fl->refused_logged_ms = now;
	ssrd__log(SSRD_LOG_WARN, event,
	    "worker=%ld reason=%s connections=%zu max=%zu errno=%d", fl->worker,
	    reason, fl->nconns, fl->max_conns, err);
}

static void on_accept(h2o_socket_t *listener, const char *err);

/* Out of descriptors: accept() would fail at once for ever, so the loop
 * stops asking for a moment instead of spinning. */
static void
accept_pause(struct front_loop *fl, int err)
{
	log_refusal(fl, "http_accept_paused", "descriptors", err);
	if (fl->accepting) {
		h2o_socket_read_stop(fl->listener);
		fl->accepting = 0;
		h2o_timeout_link(fl->loop, &fl->resume_timeout, &fl->resume);
	}
}

static void
accept_resume(h2o_timeout_entry_t *e)
{
	struct front_loop *fl
	    = H2O_STRUCT_FROM_MEMBER(struct front_loop, resume, e);
	if (fl->listener != NULL && !fl->accepting) {
		fl->accepting = 1;
		h2o_socket_read_start(fl->listener, on_accept);
	}
}

/* Takes one connection on its socket fd into h2o. */
static void
conn_open(struct front_loop *fl, int fd)
{
	struct front_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd   = fd;
	c->fl   = fl;
	c->sock = h2o_evloop_socket_create(
	    fl->loop, fd, H2O_SOCKET_FLAG_IS_ACCEPTED_CONNECTION);
	c->sock->on_close.cb   = conn_closed;
	c->sock->on_close.data = c;
	c->next                = fl->conns;
	if (fl->conns != NULL) {
		fl->conns->prev = c;
	}
	fl->conns = c;
	fl->nconns++;
	h2o_accept(&fl->actx, c->sock);
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
	struct front_loop *fl = listener->data;
	if (err != NULL) {
		return;
	}
	/* a few at a time: the other loops take their share */
	for (int i = 0; i < 16; i++) {
		int fd = accept4(
		    fl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE
			    || errno == ENOBUFS || errno == ENOMEM) {
				accept_pause(fl, errno);
			}
			if (errno == EINTR || errno == ECONNABORTED) {
				continue;
			}
			return; /* EAGAIN: another loop took it, or none */
		}
		if (fl->nconns >= fl->max_conns) {
			close(fd);
			log_refusal(fl, "http_refused", "connections", 0);
			continue;
		}
		conn_open(fl, fd);
	}
}

/* ---- the handler ---- */

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	(void) self;
	struct front_loop *fl
	    = H2O_STRUCT_FROM_MEMBER(struct front_loop, ctx, req->conn->ctx);
	ssrd_http_ex *ex = ssrd__ex_new(fl, req);
	if (ex == NULL) {
		return -1; /* h2o answers 404: nothing better without memory */
	}
	fl->serve(fl->serve_arg, ex);
	return 0;
}

static void
on_tick(h2o_timeout_entry_t *e)
{
	struct front_loop *fl
	    = H2O_STRUCT_FROM_MEMBER(struct front_loop, tick, e);
	ssrd__ex_tick(fl, ssrd__now_ms());
	h2o_timeout_link(fl->loop, &fl->tick_timeout, &fl->tick);
}

/* ---- the loops: started and stopped on their workers' threads ---- */

/* A post that the caller waits for. */
struct on_loop {
	pthread_mutex_t    mu;
	pthread_cond_t     cv;
	int                done;
	struct front_loop *fl;
	void (*fn)(struct front_loop *fl);
};

static void
on_loop_run(void *arg)
{
	struct on_loop *o = arg;
	o->fn(o->fl);
	pthread_mutex_lock(&o->mu);
	o->done = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

/* Runs fn(fl) on fl's worker's thread and waits for it. Returns SSRD_OK,
 * or SSRD_ECLOSED if that worker has stopped (fn did not run). */
static int
run_on_loop(
    ssrd_pool *pool, struct front_loop *fl, void (*fn)(struct front_loop *fl))
{
	struct on_loop o  = { PTHREAD_MUTEX_INITIALIZER,
		 PTHREAD_COND_INITIALIZER, 0, fl, fn };
	int            rv = ssrd__pool_post(pool, fl->worker, on_loop_run, &o);
	if (rv == SSRD_OK) {
		pthread_mutex_lock(&o.mu);
		while (!o.done) {
			pthread_cond_wait(&o.cv, &o.mu);
		}
		pthread_mutex_unlock(&o.mu);
	}
	pthread_mutex_destroy(&o.mu);
	pthread_cond_destroy(&o.cv);
	return rv;
}

static void
loop_start(struct front_loop *fl)
{
	ssrd_front *f = fl->front;
	fl->loop      = ssrd__pool_loop(f->pool, fl->worker);
	h2o_context_init(&fl->ctx, fl->loop, &f->config);
	fl->actx.ctx   = &fl->ctx;
	fl->actx.hosts = f->config.hosts;
	h2o_timeout_init(fl->loop, &fl->resume_timeout, 100);
	fl->resume.cb = accept_resume;
	h2o_timeout_init(fl->loop, &fl->tick_timeout, 1000);
	fl->tick.cb = on_tick;
	h2o_timeout_link(fl->loop, &fl->tick_timeout, &fl->tick);
	fl->listener = h2o_evloop_socket_create(
	    fl->loop, fl->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
	fl->listener->data = fl;
	fl->accepting      = 1;
	h2o_socket_read_start(fl->listener, on_accept);
}

/* How long a stop waits for h2o to let its connections go, ms. */
#define STOP_WAIT_MS 2000.0

static void
loop_stop(struct front_loop *fl)
{
	fl->stopping = 1;
	if (fl->listener != NULL) {
		h2o_socket_read_stop(fl->listener);
		h2o_socket_close(fl->listener); /* closes its descriptor */
		fl->listener = NULL;
	}
	if (h2o_timeout_is_linked(&fl->resume)) {
		h2o_timeout_unlink(&fl->resume);
	}
	/* every connection fails under h2o, which lets it go with its
	 * requests (their renders are cancelled) */
	for (struct front_conn *c = fl->conns; c != NULL; c = c->next) {
		shutdown(c->fd, SHUT_RDWR);
	}
	ssrd__ex_stop_all(fl);
	double until = ssrd__now_ms() + STOP_WAIT_MS;
	while (
	    (fl->conns != NULL || fl->exs != NULL) && ssrd__now_ms() < until) {
		h2o_evloop_run(fl->loop, 10);
	}
	if (h2o_timeout_is_linked(&fl->tick)) {
		h2o_timeout_unlink(&fl->tick);
	}
	h2o_timeout_dispose(fl->loop, &fl->resume_timeout);
	h2o_timeout_dispose(fl->loop, &fl->tick_timeout);
	if (fl->conns != NULL || fl->exs != NULL) {
		/* h2o still holds them: its context stays (a leak, not a
		 * crash) */
		ssrd__log(SSRD_LOG_WARN, "http_stop_incomplete",
		    "worker=%ld connections=%zu", fl->worker, fl->nconns);
		return;
	}
	h2o_context_dispose(&fl->ctx);
}

/* ---- the front ---- */

/* Splits "http://HOST:PORT[/]" into host and port (brackets off an IPv6
 * literal). Returns 0, or -1 if url is not of that form. */
static int
parse_url(const char *url, char *host, size_t hlen, char *port, size_t plen)
{
	if (strncmp(url, "http://", 7) != 0) {
		return -1;
	}
	const char *h = url + 7, *end;
	const char *colon;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':') {
			return -1;
		}
		colon = end + 1;
		h++;
	} else {
		colon = strrchr(h, ':');
		end   = colon;
	}
	if (colon == NULL || end == h || (size_t) (end - h) >= hlen) {
		return -1;
	}
	size_t n = strcspn(colon + 1, "/");
	if (n == 0 || n >= plen || strspn(colon + 1, "0123456789") != n
	    || (colon[1 + n] != '\0' && strcmp(colon + 1 + n, "/") != 0)) {
		return -1;
	}
	memcpy(host, h, (size_t) (end - h));
	host[end - h] = '\0';
	memcpy(port, colon + 1, n);
	port[n] = '\0';
	return 0;
}

/* The listening socket for url, or -1 with errbuf filled. Without
 * SO_REUSEPORT: a second server on the same port is refused, not fed half
 * the connections. */
static int
listen_on(const char *url, char *errbuf, size_t errlen)
{
	char host[256], port[16];
	if (parse_url(url, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(errbuf, errlen,
		    "cannot serve %s: not an address of the form "
		    "http://HOST:PORT (set [server] http or --http)",
		    url);
		return -1;
	}
	struct addrinfo  hints = { .ai_family = AF_UNSPEC,
		 .ai_socktype                 = SOCK_STREAM,
		 .ai_flags                    = AI_PASSIVE };
	struct addrinfo *ai    = NULL;
	int              gai   = getaddrinfo(host, port, &hints, &ai);
	if (gai != 0) {
		snprintf(errbuf, errlen, "cannot serve %s: %s", url,
		    gai_strerror(gai));
		return -1;
	}
	int fd = socket(
	    ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0
	    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
	    || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0
	    || listen(fd, 4096) != 0) {
		snprintf(errbuf, errlen,
		    "cannot listen on %s: %s (is another process using it? "
		    "set [server] http or --http)",
		    url, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The connections all loops may hold: o's, or the descriptor limit less
 * FD_MARGIN. */
static long
max_connections(const ssrd_front_opts *o)
{
	struct rlimit rl;
	long          by_fds = 1024 - FD_MARGIN;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0
	    && rl.rlim_cur != RLIM_INFINITY) {
		by_fds = (long) rl.rlim_cur - FD_MARGIN;
	}
	if (by_fds < 16) {
		by_fds = 16;
	}
	/* an operator's own limit stands, even past the descriptors: then
	 * accept() fails and pauses (accept_pause) */
	return o->max_connections > 0 ? o->max_connections : by_fds;
}

int
ssrd__front_start(const char *url, ssrd_pool *pool, const ssrd_front_opts *o,
    ssrd_front **out, char *errbuf, size_t errlen)
{
	ssrd_front *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return SSRD_ENOMEM;
	}
	f->pool   = pool;
	f->opts   = *o;
	f->nloops = ssrd__pool_workers(pool);
	f->loops  = calloc((size_t) f->nloops, sizeof(*f->loops));
	if (f->loops == NULL || (f->fd = listen_on(url, errbuf, errlen)) < 0) {
		int rv = f->loops == NULL ? SSRD_ENOMEM : SSRD_ENNG;
		free(f->loops);
		free(f);
		return rv;
	}
	/* a client gone mid-write is an error of that write (h2o's writev),
	 * not the end of the process */
	signal(SIGPIPE, SIG_IGN);
	ssrd__front_configure(&f->config, o->idle_timeout_ms, on_req);
	long max = max_connections(o);
	for (long i = 0; i < f->nloops; i++) {
		struct front_loop *fl = &f->loops[i];
		fl->front             = f;
		fl->serve             = o->serve;
		fl->serve_arg         = o->serve_arg;
		fl->pool              = pool;
		fl->send_timeout_ms   = o->send_timeout_ms;
		fl->budget            = o->buffer_max / (size_t) f->nloops;
		fl->worker            = i;
		fl->max_conns
		    = (size_t) (max / f->nloops > 0 ? max / f->nloops : 1);
		/* each loop watches the socket through a descriptor of its
		 * own (h2o closes it with the loop's socket) */
		fl->listen_fd = dup(f->fd);
		if (fl->listen_fd < 0
		    || run_on_loop(pool, fl, loop_start) != SSRD_OK) {
			snprintf(errbuf, errlen,
			    "cannot start the HTTP front on worker %ld", i);
			if (fl->listen_fd >= 0) {
				close(fl->listen_fd);
			}
			f->nloops = i;
			ssrd__front_stop(f);
			return SSRD_ESYS;
		}
	}
	*out = f;
	return SSRD_OK;
}

size_t
ssrd__front_busy(const ssrd_front *f)
{
	(void) f;
	return ssrd__ex_live();
}

void
ssrd__front_stop(ssrd_front *f)
{
	if (f == NULL) {
		return;
	}
	close(f->fd); /* the loops' descriptors keep it open until they go */
	for (long i = 0; i < f->nloops; i++) {
		run_on_loop(f->pool, &f->loops[i], loop_stop);
	}
	h2o_config_dispose(&f->config);
	free(f->loops);
	free(f);
}
