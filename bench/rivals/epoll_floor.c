/* A tiny page over a bare epoll loop per thread (SO_REUSEPORT), keep-alive,
 * pipelining. The floor. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int    port;
static char   resp[512];
static size_t resp_len;

struct conn {
	int    fd;
	size_t n;
	char   buf[8192];
};

static void *
run(void *arg)
{
	(void) arg;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port                    = htons(port),
		.sin_addr.s_addr             = htonl(0x7f000001) };
	if (bind(lfd, (void *) &a, sizeof(a)) != 0 || listen(lfd, 1024) != 0) {
		perror("listen");
		exit(1);
	}
	int                ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c == NULL) {
				int fd;
				while ((fd = accept4(
				            lfd, NULL, NULL, SOCK_NONBLOCK))
				    >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					struct conn *nc
					    = calloc(1, sizeof(*nc));
					nc->fd = fd;
					struct epoll_event e
					    = { .events         = EPOLLIN,
						      .data.ptr = nc };
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				}
				continue;
			}
			ssize_t r = read(
			    c->fd, c->buf + c->n, sizeof(c->buf) - c->n - 1);
			if (r <= 0) {
				close(c->fd);
				free(c);
				continue;
			}
			c->n += (size_t) r;
			c->buf[c->n] = 0;
			char   out[16384];
			size_t on = 0;
			char  *p  = c->buf, *e;
			while ((e = strstr(p, "\r\n\r\n")) != NULL
			    && on + resp_len < sizeof(out)) {
				memcpy(out + on, resp, resp_len);
				on += resp_len;
				p = e + 4;
			}
			c->n -= (size_t) (p - c->buf);
			memmove(c->buf, p, c->n);
			if (on > 0 && write(c->fd, out, on) < 0) {
				close(c->fd);
				free(c);
			}
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	port              = argc > 1 ? atoi(argv[1]) : 8082;
	int        n      = argc > 2 ? atoi(argv[2]) : 2;
	const char body[] = "<!DOCTYPE html><html><head></head><body><p>Hello "
	                    "from a tiny page</p></body></html>";
	resp_len          = (size_t) snprintf(resp, sizeof(resp),
	             "HTTP/1.1 200 OK\r\nContent-Type: text/html; "
	                      "charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
	             sizeof(body) - 1, body);
	pthread_t tid[16];
	for (int i = 0; i < n; i++)
		pthread_create(&tid[i], NULL, run, NULL);
	pthread_join(tid[0], NULL);
}
