/* load.c: a closed-loop load generator for bench/suite.sh, over HTTP (plain
 * sockets, HTTP/1.1 keep-alive when the server allows it; chunked,
 * Content-Length and read-to-close bodies) or over the render protocol (the
 * client library). N clients each send one request, wait for the whole reply,
 * and send the next, for a fixed time; replies that end during the warm-up are
 * not counted (a reply counts when it ends inside the measured window).
 *   load --transport http --target 127.0.0.1:PORT --url /path?q [--clients 1]
 *        [--seconds 2] [--warmup 0.5]
 *   load --transport ipc  --target ipc:///tmp/s.sock --url /path [--props JSON]
 * [--stream 1] Prints one JSON line: requests (in the measured window), ok,
 * errors, rps, p50_ms, p99_ms, first_p50_ms (first body byte / first chunk),
 * bytes_per_reply, cache_hits (HTTP replies with X-Ssrd-Cache: hit),
 * first_error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/client.h>

#include "measure.h"

static const char *transport = "http", *target = "127.0.0.1:8080", *url = "/";
static const char *props = NULL;
static int         stream, clients = 1;
static double      seconds = 2, warmup = 0.5;
static double      t_start, t_measure, t_end;

static ssrd_client       *client;
static struct sockaddr_in addr;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double         *lat, *first;
static size_t          n_lat, cap_lat;
static long            n_ok, n_err, n_hits;
static double          bytes_total;
static char            first_error[256];

static void
record(double t0, double t_first, double t1, int ok, size_t bytes, int hit,
    const char *err)
{
	pthread_mutex_lock(&mu);
	/* replies that end in the measured window count (however long ago they
	 * were asked for: at 64 clients a reply may take longer than the
	 * window); failures count from the window on, even when they end after
	 * it */
	if (ok ? (t1 >= t_measure && t1 <= t_end) : t1 >= t_measure) {
		if (ok) {
			if (n_lat == cap_lat) {
				cap_lat = cap_lat ? cap_lat * 2 : 4096;
				lat = realloc(lat, cap_lat * sizeof(double));
				first
				    = realloc(first, cap_lat * sizeof(double));
			}
			lat[n_lat]     = t1 - t0;
			first[n_lat++] = t_first - t0;
			n_ok++;
			n_hits += hit;
			bytes_total += (double) bytes;
		} else {
			n_err++;
		}
	}
	if (!ok && first_error[0] == '\0' && err != NULL) {
		snprintf(first_error, sizeof(first_error), "%s", err);
	}
	pthread_mutex_unlock(&mu);
}

/* ---- HTTP ---- */
typedef struct conn {
	int    fd;
	char   buf[65536];
	size_t len, pos;
	double t_first; /* when the first byte of the reply came */
} conn;

static int
conn_fill(conn *c)
{
	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	if (c->len == sizeof(c->buf)) {
		return -1;
	}
	ssize_t n;
	do {
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		if (c->t_first == 0) {
			c->t_first = measure_now_ms();
		}
		c->len += (size_t) n;
	}
	return (int) (n > 0 ? 1 : n);
}

/* a line ending in CRLF (returned without it, NUL-terminated in place) */
static char *
conn_line(conn *c)
{
	for (;;) {
		char *s = c->buf + c->pos;
		char *e = memchr(s, '\n', c->len - c->pos);
		if (e != NULL) {
			c->pos = (size_t) (e - c->buf) + 1;
			if (e > s && e[-1] == '\r') {
				e--;
			}
			*e = '\0';
			return s;
		}
		if (conn_fill(c) <= 0) {
			return NULL;
		}
	}
}

/* skips n bytes of body; -1 with n == SIZE_MAX reads to the end */
static long
conn_skip(conn *c, size_t n)
{
	size_t done = 0;
	while (done < n) {
		if (c->pos == c->len) {
			c->pos = c->len = 0;
			int r           = conn_fill(c);
			if (r <= 0) {
				return n == SIZE_MAX && r == 0 ? (long) done
				                               : -1;
			}
		}
		size_t k = c->len - c->pos;
		if (k > n - done) {
			k = n - done;
		}
		c->pos += k;
		done += k;
	}
	return (long) done;
}

static int
conn_open(conn *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0) {
		return -1;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a server that stops answering fails the request instead of hanging
	 * the run */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *) &addr, sizeof(addr)) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->len = c->pos = 0;
	return 0;
}

static void
conn_close(conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd  = -1;
	c->len = c->pos = 0;
}

/* one GET; 1 ok (status 200), 0 failed (err says why) */
static int
http_get(conn *c, size_t *bytes, int *hit, char *err, size_t errsz)
{
	char req[2048];
	int  n = snprintf(req, sizeof(req),
	     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ssrd-bench\r\n"
	      "Accept-Encoding: identity\r\n\r\n",
	     url);
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->fd >= 0;
		if (c->fd < 0 && conn_open(c) != 0) {
			snprintf(err, errsz, "connect: %s", strerror(errno));
			return 0;
		}
		c->t_first = 0;
		if (write(c->fd, req, (size_t) n) != n) {
			conn_close(c);
			if (reused) {
				continue;
			}
			snprintf(err, errsz, "write: %s", strerror(errno));
			return 0;
		}
		char *line = conn_line(c);
		if (line == NULL) {
			conn_close(c);
			if (reused) {
				continue; /* the server closed an idle
				             connection */
			}
			snprintf(
			    err, errsz, "connection closed before a reply");
			return 0;
		}
		int status = 0;
		sscanf(line, "HTTP/1.%*d %d", &status);
		size_t clen    = SIZE_MAX;
		int    chunked = 0, close_after = 0;
		*hit = 0;
		while ((line = conn_line(c)) != NULL && line[0] != '\0') {
			if (strncasecmp(line, "content-length:", 15) == 0) {
				clen = strtoull(line + 15, NULL, 10);
			} else if (strncasecmp(line, "transfer-encoding:", 18)
			        == 0
			    && strstr(line, "chunked") != NULL) {
				chunked = 1;
			} else if (strncasecmp(line, "connection:", 11) == 0
			    && strcasestr(line, "close") != NULL) {
				close_after = 1;
			} else if (strncasecmp(line, "x-ssrd-cache:", 13) == 0
			    && strstr(line, "hit") != NULL) {
				*hit = 1;
			}
		}
		if (line == NULL) {
			conn_close(c);
			snprintf(
			    err, errsz, "connection closed in the headers");
			return 0;
		}
		long got = 0;
		if (chunked) {
			for (;;) {
				char *sz = conn_line(c);
				if (sz == NULL) {
					got = -1;
					break;
				}
				size_t k = strtoull(sz, NULL, 16);
				if (k == 0) {
					while ((sz = conn_line(c)) != NULL
					    && sz[0] != '\0') { }
					break;
				}
				if (conn_skip(c, k) < 0
				    || conn_line(c) == NULL) {
					got = -1;
					break;
				}
				got += (long) k;
			}
		} else if (clen != SIZE_MAX) {
			got = conn_skip(c, clen);
		} else {
			got         = conn_skip(c, SIZE_MAX);
			close_after = 1;
		}
		if (got < 0) {
			conn_close(c);
			snprintf(err, errsz, "connection closed in the body");
			return 0;
		}
		if (close_after) {
			conn_close(c);
		}
		*bytes = (size_t) got;
		if (status != 200) {
			snprintf(err, errsz, "HTTP status %d", status);
			return 0;
		}
		return 1;
	}
	snprintf(err, errsz, "connection closed before a reply (twice)");
	return 0;
}

/* ---- the render protocol ---- */
static int
ipc_get(double *t_first, size_t *bytes, char *err, size_t errsz)
{
	ssrd_render_args a = { .url = url, .props = props };
	ssrd_reply       r = { 0 };
	int              ok;
	if (stream) {
		ssrd_stream *st = NULL;
		int          rv = ssrd_client_stream(client, &a, &st, &r);
		*t_first        = measure_now_ms();
		*bytes          = r.body_len;
		while (rv == SSRD_OK && r.ok && !r.end && st != NULL) {
			ssrd_reply c = { 0 };
			rv           = ssrd_stream_next(st, &c);
			*bytes += c.body_len;
			r.end = c.end;
			r.ok  = c.ok;
			if (!c.ok && c.code != NULL) {
				snprintf(err, errsz, "%s: %s", c.code,
				    c.message ? c.message : "");
			}
			ssrd_reply_clear(&c);
		}
		if (st != NULL) {
			ssrd_stream_close(st);
		}
		ok = rv == SSRD_OK && r.ok;
		if (rv != SSRD_OK) {
			snprintf(err, errsz, "client library error %d", rv);
		}
	} else {
		int rv   = ssrd_client_render(client, &a, &r);
		*t_first = measure_now_ms();
		*bytes   = r.body_len;
		ok       = rv == SSRD_OK && r.ok;
		if (rv != SSRD_OK) {
			snprintf(err, errsz,
			    "client library error %d (is the daemon up?)", rv);
		}
	}
	if (!ok && r.code != NULL && err[0] == '\0') {
		snprintf(
		    err, errsz, "%s: %s", r.code, r.message ? r.message : "");
	}
	ssrd_reply_clear(&r);
	return ok;
}

static void *
run(void *arg)
{
	(void) arg;
	conn *c = calloc(1, sizeof(*c));
	c->fd   = -1;
	while (measure_now_ms() < t_end) {
		char   err[256] = "";
		size_t bytes    = 0;
		int    hit      = 0, ok;
		double t0 = measure_now_ms(), tf = 0;
		if (strcmp(transport, "http") == 0) {
			ok = http_get(c, &bytes, &hit, err, sizeof(err));
			tf = c->t_first ? c->t_first : measure_now_ms();
		} else {
			ok = ipc_get(&tf, &bytes, err, sizeof(err));
		}
		double t1 = measure_now_ms();
		record(t0, tf, t1, ok, bytes, hit, err);
		if (!ok) {
			usleep(1000); /* do not spin on a server that is down */
		}
	}
	conn_close(c);
	free(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--transport") == 0) {
			transport = v;
		} else if (strcmp(k, "--target") == 0) {
			target = v;
		} else if (strcmp(k, "--url") == 0) {
			url = v;
		} else if (strcmp(k, "--props") == 0) {
			props = v;
		} else if (strcmp(k, "--stream") == 0) {
			stream = atoi(v);
		} else if (strcmp(k, "--clients") == 0) {
			clients = atoi(v);
		} else if (strcmp(k, "--seconds") == 0) {
			seconds = atof(v);
		} else if (strcmp(k, "--warmup") == 0) {
			warmup = atof(v);
		} else {
			fprintf(stderr, "load: unknown argument %s\n", k);
			return 2;
		}
	}
	if (strcmp(transport, "http") == 0) {
		char host[64];
		int  port = 0;
		if (sscanf(target, "%63[^:]:%d", host, &port) != 2) {
			fprintf(stderr,
			    "load: --target must be HOST:PORT for http\n");
			return 2;
		}
		addr.sin_family = AF_INET;
		addr.sin_port   = htons((uint16_t) port);
		if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
			fprintf(
			    stderr, "load: %s is not an IPv4 address\n", host);
			return 2;
		}
	} else if (strcmp(transport, "ipc") == 0) {
		ssrd_client_opts o = { .timeout_ms = 10000 };
		if (ssrd_client_open(target, &o, &client) != SSRD_OK) {
			fprintf(stderr, "load: cannot open %s\n", target);
			return 2;
		}
	} else {
		fprintf(stderr, "load: --transport is http or ipc\n");
		return 2;
	}
	t_start        = measure_now_ms();
	t_measure      = t_start + warmup * 1e3;
	t_end          = t_measure + seconds * 1e3;
	pthread_t *ths = calloc((size_t) clients, sizeof(pthread_t));
	for (int i = 0; i < clients; i++) {
		pthread_create(&ths[i], NULL, run, NULL);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(ths[i], NULL);
	}
	measure_sort(lat, n_lat);
	measure_sort(first, n_lat);
	char   esc[256];
	size_t j = 0;
	for (size_t i = 0; first_error[i] != '\0' && j + 2 < sizeof(esc); i++) {
		char ch  = first_error[i];
		esc[j++] = (ch == '"' || ch == '\\' || (unsigned char) ch < 32)
		    ? ' '
		    : ch;
	}
	esc[j] = '\0';
	printf("{\"transport\":\"%s\",\"url\":\"%s\",\"clients\":%d,"
	       "\"requests\":%ld,\"ok\":%ld,\"errors\":%ld,\"rps\":%.1f,"
	       "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"first_p50_ms\":%.3f,"
	       "\"bytes_per_reply\":%.0f,\"cache_hits\":%ld,"
	       "\"first_error\":\"%s\"}\n",
	    transport, url, clients, n_ok + n_err, n_ok, n_err,
	    (double) n_ok / seconds, measure_pct(lat, n_lat, 0.5),
	    measure_pct(lat, n_lat, 0.99), measure_pct(first, n_lat, 0.5),
	    n_ok ? bytes_total / (double) n_ok : 0.0, n_hits, esc);
	if (client != NULL) {
		ssrd_client_close(client);
	}
	free(ths);
	free(lat);
	free(first);
	return n_ok > 0 ? 0 : 1;
}
