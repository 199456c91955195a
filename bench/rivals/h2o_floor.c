/* A tiny page over libh2o-evloop: one event loop per thread on SO_REUSEPORT
 * sockets. */
#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static h2o_globalconf_t config;
static int              port;
static const char body[] = "<!DOCTYPE html><html><head></head><body><p>Hello "
                           "from a tiny page</p></body></html>";

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	(void) self;
	req->res.status = 200;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
	    NULL, H2O_STRLIT("text/html; charset=utf-8"));
	h2o_send_inline(req, body, sizeof(body) - 1);
	return 0;
}

struct th {
	h2o_context_t    ctx;
	h2o_accept_ctx_t actx;
};

static void
on_accept(h2o_socket_t *listener, const char *err)
{
	struct th    *t = listener->data;
	h2o_socket_t *sock;
	if (err != NULL || (sock = h2o_evloop_socket_accept(listener)) == NULL)
		return;
	h2o_accept(&t->actx, sock);
}

static void *
run(void *arg)
{
	struct th *t = calloc(1, sizeof(*t));
	(void) arg;
	h2o_context_init(&t->ctx, h2o_evloop_create(), &config);
	t->actx.ctx   = &t->ctx;
	t->actx.hosts = config.hosts;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port                    = htons(port),
		.sin_addr.s_addr             = htonl(0x7f000001) };
	if (bind(fd, (void *) &a, sizeof(a)) != 0 || listen(fd, 1024) != 0) {
		perror("listen");
		exit(1);
	}
	h2o_socket_t *ls = h2o_evloop_socket_create(
	    t->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
	ls->data = t;
	h2o_socket_read_start(ls, on_accept);
	while (h2o_evloop_run(t->ctx.loop, INT32_MAX) == 0)
		;
	return NULL;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	port  = argc > 1 ? atoi(argv[1]) : 8081;
	int n = argc > 2 ? atoi(argv[2]) : 2;
	h2o_config_init(&config);
	h2o_hostconf_t *host = h2o_config_register_host(
	    &config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	h2o_handler_t  *h    = h2o_create_handler(path, sizeof(*h));
	h->on_req            = on_req;
	pthread_t tid[16];
	for (int i = 0; i < n; i++)
		pthread_create(&tid[i], NULL, run, NULL);
	pthread_join(tid[0], NULL);
}
