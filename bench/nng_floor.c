/* nng_floor.c: the round trip of a bare nng REQ/REP echo (a few bytes), the
 * floor under any protocol on nng on this machine, for comparison with
 * ssrd's ping and tiny renders.  nng_floor ADDR [N] -> one JSON line. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

static double
now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec * 1e6 + (double) t.tv_nsec / 1e3;
}

static void *
echo(void *arg)
{
	nng_socket *s = arg;
	for (;;) {
		nng_msg *m;
		if (nng_recvmsg(*s, &m, 0) != 0 || nng_sendmsg(*s, m, 0) != 0) {
			return NULL;
		}
	}
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *addr
	    = argc > 1 ? argv[1] : "ipc:///tmp/ssrd-nng-floor.sock";
	int        n = argc > 2 ? atoi(argv[2]) : 5000;
	nng_socket rep, req;
	pthread_t  t;
	if (nng_rep0_open(&rep) != 0 || nng_listen(rep, addr, NULL, 0) != 0
	    || nng_req0_open(&req) != 0 || nng_dial(req, addr, NULL, 0) != 0) {
		fprintf(stderr, "nng_floor: cannot set up %s\n", addr);
		return 1;
	}
	pthread_create(&t, NULL, echo, &rep);
	double *lat = calloc((size_t) n, sizeof(double));
	for (int i = -500; i < n; i++) {
		nng_msg *m;
		double   t0 = now_us();
		nng_msg_alloc(&m, 0);
		nng_msg_append(m, "{\"v\":1,\"kind\":\"ping\"}", 22);
		if (nng_sendmsg(req, m, 0) != 0
		    || nng_recvmsg(req, &m, 0) != 0) {
			return 1;
		}
		nng_msg_free(m);
		if (i >= 0) {
			lat[i] = now_us() - t0;
		}
	}
	qsort(lat, (size_t) n, sizeof(double), cmp);
	printf("{\"addr\":\"%s\",\"round_trips\":%d,\"p50_us\":%.1f,\"p99_us\":"
	       "%.1f}\n",
	    addr, n, lat[n / 2], lat[(size_t) (n * 0.99)]);
	nng_close(req);
	nng_close(rep);
	return 0;
}
