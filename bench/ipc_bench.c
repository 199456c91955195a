/* ipc_bench.c: many concurrent clients of a running daemon over the render
 * protocol, through the client library. Each request carries its own props
 * ({"name": "c<client>-<n>"} on pages that print it) and its reply is checked
 * to hold them, so a reply delivered to the wrong caller counts as an error.
 *   ipc_bench --connect ADDRS [--url /] [--clients 64] [--requests 10000]
 *             [--check 1] [--props-key name]
 * Prints one JSON line: counts by outcome, throughput, p50/p99 latency. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssrd/client.h>

#include "measure.h"

static const char *connect_to = "ipc:///tmp/ssrd.sock", *url = "/";
/* more members for every request's props */
static const char *props_extra = NULL;
static int         ping;      /* 1: ping, no render (protocol alone) */
static int         stream;    /* 1: streamed renders: first and last chunk */
static double     *first_lat; /* stream: to the first chunk */
static long        clients = 64, requests = 10000, check = 1;

static ssrd_client    *client;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long            next_req, ok, wrong, transport;
static long            by_code_n[8];
static const char     *by_code_name[8];
static double         *lat;

static void
count_code(const char *code)
{
	for (int i = 0; i < 8; i++) {
		if (by_code_name[i] == NULL) {
			by_code_name[i] = strdup(code);
		}
		if (strcmp(by_code_name[i], code) == 0) {
			by_code_n[i]++;
			return;
		}
	}
}

static void *
run(void *arg)
{
	long me = (long) arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		long i = next_req++;
		pthread_mutex_unlock(&mu);
		if (i >= requests) {
			return NULL;
		}
		char name[64], props[512];
		snprintf(name, sizeof(name), "c%ld-%ld", me, i);
		snprintf(props, sizeof(props), "{\"name\":\"%s\"%s%s}", name,
		    props_extra ? "," : "", props_extra ? props_extra : "");
		ssrd_render_args a  = { .url = url, .props = props };
		ssrd_reply       r  = { 0 };
		double           t0 = measure_now_ms();
		int              rv;
		if (ping) {
			static const char req[] = "{\"v\":1,\"kind\":\"ping\"}";
			char             *raw;
			size_t            n;
			rv = ssrd_client_request(
			    client, req, sizeof(req) - 1, &raw, &n);
			if (rv == SSRD_OK) {
				r.ok = strstr(raw, "\"ok\":true") != NULL;
				free(raw);
			}
		} else if (stream) {
			ssrd_stream *st;
			double       first = 0;
			rv           = ssrd_client_stream(client, &a, &st, &r);
			first        = measure_now_ms() - t0;
			size_t total = r.body_len;
			char  *whole = r.body;
			r.body       = NULL;
			while (rv == SSRD_OK && r.ok && !r.end && st != NULL) {
				ssrd_reply c = { 0 };
				rv           = ssrd_stream_next(st, &c);
				if (rv == SSRD_OK && c.ok) {
					char *g = realloc(
					    whole, total + c.body_len + 1);
					if (g != NULL) {
						memcpy(g + total, c.body,
						    c.body_len);
						total += c.body_len;
						g[total] = '\0';
						whole    = g;
					}
				}
				r.end = c.end;
				r.ok  = c.ok;
				ssrd_reply_clear(&c);
			}
			ssrd_stream_close(st);
			free(r.body);
			r.body       = whole;
			r.body_len   = total;
			first_lat[i] = first;
		} else {
			rv = ssrd_client_render(client, &a, &r);
		}
		double dt = measure_now_ms() - t0;
		pthread_mutex_lock(&mu);
		lat[i] = dt;
		if (rv != SSRD_OK) {
			transport++;
		} else if (!r.ok) {
			count_code(r.code ? r.code : "?");
		} else if (check && !ping
		    && (r.body == NULL || strstr(r.body, name) == NULL)) {
			wrong++;
		} else {
			ok++;
		}
		pthread_mutex_unlock(&mu);
		ssrd_reply_clear(&r);
	}
}

int
main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0) {
			connect_to = argv[i + 1];
		} else if (strcmp(argv[i], "--url") == 0) {
			url = argv[i + 1];
		} else if (strcmp(argv[i], "--clients") == 0) {
			clients = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--requests") == 0) {
			requests = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--props-extra") == 0) {
			props_extra = argv[i + 1];
		} else if (strcmp(argv[i], "--stream") == 0) {
			stream = atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "--ping") == 0) {
			ping = atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "--check") == 0) {
			check = atol(argv[i + 1]);
		} else {
			fprintf(stderr, "ipc_bench: unknown argument %s\n",
			    argv[i]);
			return 2;
		}
	}
	ssrd_client_opts o = { .timeout_ms = 60000 };
	if (ssrd_client_open(connect_to, &o, &client) != SSRD_OK) {
		fprintf(stderr, "ipc_bench: cannot open %s\n", connect_to);
		return 2;
	}
	lat            = calloc((size_t) requests, sizeof(double));
	first_lat      = calloc((size_t) requests, sizeof(double));
	pthread_t *ths = calloc((size_t) clients, sizeof(pthread_t));
	double     t0  = measure_now_ms();
	for (long i = 0; i < clients; i++) {
		pthread_create(&ths[i], NULL, run, (void *) i);
	}
	for (long i = 0; i < clients; i++) {
		pthread_join(ths[i], NULL);
	}
	double secs = (measure_now_ms() - t0) / 1e3;
	measure_sort(lat, (size_t) requests);
	measure_sort(first_lat, (size_t) requests);
	long failed = 0;
	printf("{\"url\":\"%s\",\"clients\":%ld,\"requests\":%ld,\"ok\":%ld,"
	       "\"wrong_body\":%ld,\"transport_errors\":%ld,\"errors\":{",
	    url, clients, requests, ok, wrong, transport);
	for (int i = 0; i < 8 && by_code_name[i] != NULL; i++) {
		printf("%s\"%s\":%ld", i ? "," : "", by_code_name[i],
		    by_code_n[i]);
		failed += by_code_n[i];
	}
	printf("},\"lost\":%ld,\"seconds\":%.2f,\"renders_per_s\":%.0f,"
	       "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"first_chunk_p50_ms\":%.3f,"
	       "\"first_chunk_p99_ms\":%.3f}\n",
	    requests - ok - wrong - transport - failed, secs,
	    (double) requests / secs, measure_pct(lat, (size_t) requests, 0.5),
	    measure_pct(lat, (size_t) requests, 0.99),
	    measure_pct(first_lat, (size_t) requests, 0.5),
	    measure_pct(first_lat, (size_t) requests, 0.99));
	fflush(stdout);
	ssrd_client_close(client);
	free(ths);
	free(lat);
	free(first_lat);
	for (int i = 0; i < 8; i++) {
		free((char *) by_code_name[i]);
	}
	return ok == requests ? 0 : 1;
}
