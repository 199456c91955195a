/* chaos_client.c: the chaos test's driver (tests/e2e/chaos.sh, bench/soak.sh).
 * Many client threads, each with its own connection, send a shared budget of
 * renders drawn with a fixed seed from good pages and bad ones of
 * tests/fixtures/chaossite, and check every reply:
 *   - a good page (/echo, /wait rendered whole, /wait streamed) must succeed
 *     with its own bytes: the exact rows its props ask for, and no "tok:"
 *     that is not its own;
 *   - a bad page must fail with its own error name (loop, hang: timeout;
 *     alloc, bigalloc: out_of_memory; throw: render_error, with its own
 *     token in the message; huge: output_too_large) within its timeout_ms
 *     plus --margin-ms by the daemon's timings of the render, when the reply
 *     has them; when it has none (error replies, so far) by the client's
 *     clock, which counts the wait in the queue too: plus --queue-margin-ms;
 *   - a request that gets no reply, or a transport error, is lost.
 *
 * Usage (defaults in brackets):
 *   chaos_client --connect ADDR [--clients 32] [--requests 5000] [--seed 7]
 *     [--mix KIND=PCT,...]      the mix, in percent; echo takes what the
 *                               others leave of 100 unless named [wait=8,
 *                               stream=5,throw=4,hang=3,huge=1.5,loop=1,
 *                               alloc=1]; bigalloc (32 MB arrays) only when
 *                               named
 *     [--bad-timeout-ms 300]    the timeout of loop, hang, throw
 *     [--timeout KIND=MS]       one kind's (alloc, bigalloc, huge: 1500, so
 *                               that the limit they test stops them first)
 *     [--good-timeout-ms 0]     the good ones' (0: the daemon's)
 *     [--margin-ms 800] [--queue-margin-ms 1000]
 *     [--huge-kb 8192] [--rows-max 200]
 *     [--duration-s 0]          run for this long instead, kinds drawn by
 *                               weight (with --requests: whichever first)
 *     [--progress-s 0]          a progress line on stderr this often
 *     [--call-timeout-ms 60000] a call with no reply by then is lost; after
 *                               one is, no more requests are sent
 *
 * With a count, the budget is split by weight into exact counts (rounding
 * down; the rest goes to echo) and shuffled with the seed. Prints the mix, a
 * table per kind, failures by reason, the first unexpected outcomes, and one
 * line "chaos-result sent=N succeeded=N failed=N unexpected=N lost=N" for
 * scripts. Exits 0 when nothing was unexpected and nothing was lost. */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ssrd/client.h>

#include "measure.h"

enum kind {
	K_ECHO,
	K_WAIT,
	K_STREAM,
	K_THROW,
	K_HANG,
	K_HUGE,
	K_LOOP,
	K_ALLOC,
	K_BIGALLOC,
	NKINDS
};

/* One kind of request: which page, how it is sent, what it must get. */
struct kinddef {
	const char *name;
	const char *url;
	const char *want;   /* "ok", or the error name it must fail with */
	int         stream; /* 1: sent as a stream (ssrd_client_stream) */
	double      weight;
	int         timeout_ms; /* options.timeout_ms; 0: the daemon's */
};

static struct kinddef kinds[NKINDS] = {
	[K_ECHO]   = { "echo", "/echo", "ok", 0, 76.5, 0 },
	[K_WAIT]   = { "wait", "/wait", "ok", 0, 8, 0 },
	[K_STREAM] = { "stream", "/wait", "ok", 1, 5, 0 },
	[K_THROW]  = { "throw", "/throw", "render_error", 0, 4, -1 },
	[K_HANG]   = { "hang", "/hang", "timeout", 0, 3, -1 },
	/* alloc, bigalloc, huge: their own timeouts, well past the few
	 * hundred ms they take (filling the heap: mostly GC; 8 MB of output:
	 * encoding it, slower under ASan), so that what stops them is the
	 * limit they are there to reach, not their timeout */
	[K_HUGE]     = { "huge", "/huge", "output_too_large", 0, 1.5, 1500 },
	[K_LOOP]     = { "loop", "/loop", "timeout", 0, 1, -1 },
	[K_ALLOC]    = { "alloc", "/alloc", "out_of_memory", 0, 1, 1500 },
	[K_BIGALLOC] = { "bigalloc", "/bigalloc", "out_of_memory", 0, 0, 1500 },
};

static const char *connect_to;
static long        nclients = 32, requests = 5000, rows_max = 200;
static uint64_t    seed        = 7;
static int         bad_timeout = 300, good_timeout = 0, margin_ms = 800;
static int         queue_margin_ms = 1000;
static int         huge_kb = 8192, call_timeout = 60000;
static double      duration_s = 0, progress_s = 0;
static int         requests_given;

/* What happened to one request. */
enum outcome {
	O_OK,         /* good: its bytes; bad: its error, in time */
	O_LATE,       /* bad: its error, but after its limit */
	O_WRONG_ERR,  /* failed with another error than its kind's */
	O_WRONG_BODY, /* good: rendered, but not its own bytes */
	O_BAD_OK,     /* bad: rendered anyway */
	O_LOST,       /* no reply, or a transport error */
	NOUTCOMES
};

/* Per kind: counts by outcome, latencies (for percentiles). */
struct kindstat {
	long    n, by[NOUTCOMES];
	double *lat; /* the client's clock */
	long    nlat, caplat;
	double  max;
	long    nown;    /* replies with the daemon's timings */
	double  max_own; /* the longest render by them, queue left out */
};

#define MAX_CODES 16
#define MAX_NOTES 12

static pthread_mutex_t mu     = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stopped = PTHREAD_COND_INITIALIZER; /* stop_sending set */
static long           next_req, done_reqs;
static int            stop_sending;
/* a request was lost (the daemon is gone, most likely): send no more */
static int             gave_up;
static double          t_start, deadline;
static struct kindstat stat[NKINDS];
/* failures by error name, over every kind (what the daemon said) */
static char      *code_name[MAX_CODES];
static long       code_n[MAX_CODES], code_by_kind[MAX_CODES][NKINDS];
static long       lost_by_rv[64];
static char      *notes[MAX_NOTES]; /* the first unexpected outcomes, told */
static long       nnotes;
static enum kind *plan; /* count mode: the shuffled kinds */

/* splitmix64: a request's own generator, seeded from (seed, index), so its
 * kind and props do not depend on which thread sends it. */
static uint64_t
mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
	return (double) (mix64(s) >> 11) / 9007199254740992.0;
}

static enum kind
draw_kind(uint64_t *s)
{
	double total = 0, x;
	for (int k = 0; k < NKINDS; k++) {
		total += kinds[k].weight;
	}
	x = unit(s) * total;
	for (int k = 0; k < NKINDS; k++) {
		if (x < kinds[k].weight) {
			return (enum kind) k;
		}
		x -= kinds[k].weight;
	}
	return K_ECHO;
}

/* Splits the budget into exact counts by weight (the remainder to echo)
 * and shuffles them with the seed. */
static int
make_plan(long counts[NKINDS])
{
	double total = 0;
	long   sum   = 0;
	for (int k = 0; k < NKINDS; k++) {
		total += kinds[k].weight;
	}
	for (int k = 0; k < NKINDS; k++) {
		counts[k]
		    = (long) ((double) requests * kinds[k].weight / total);
		sum += counts[k];
	}
	counts[K_ECHO] += requests - sum;
	plan = malloc((size_t) requests * sizeof(*plan));
	if (plan == NULL) {
		return -1;
	}
	long i = 0;
	for (int k = 0; k < NKINDS; k++) {
		for (long j = 0; j < counts[k]; j++) {
			plan[i++] = (enum kind) k;
		}
	}
	uint64_t s = seed ^ 0x5eedULL;
	for (long j = requests - 1; j > 0; j--) {
		long      r = (long) (mix64(&s) % (uint64_t) (j + 1));
		enum kind t = plan[j];
		plan[j]     = plan[r];
		plan[r]     = t;
	}
	return 0;
}

/* The bytes a good page prints for (tok, n): components/Rows.jsx. */
static char *
expect_rows(const char *tok, long n)
{
	size_t cap = 128 + (size_t) n * (strlen(tok) + 48), len = 0;
	char  *e = malloc(cap);
	if (e == NULL) {
		return NULL;
	}
	len += (size_t) snprintf(e + len, cap - len,
	    "<section id=\"rows\"><p id=\"tok\">tok:%s</p><ul>", tok);
	for (long i = 0; i < n; i++) {
		len += (size_t) snprintf(e + len, cap - len,
		    "<li>tok:%s:%ld:%ld</li>", tok, i,
		    (i * 7919 + n * 31) % 1000);
	}
	snprintf(e + len, cap - len, "</ul></section>");
	return e;
}

/* 1 if body holds exactly the rows of (tok, n) and no other "tok:". */
static int
body_is_own(const char *body, const char *tok, long n, const char **why)
{
	char *want = expect_rows(tok, n);
	if (want == NULL) {
		*why = "out of memory";
		return 0;
	}
	int found = body != NULL && strstr(body, want) != NULL;
	free(want);
	if (!found) {
		*why = "its rows are missing or wrong";
		return 0;
	}
	size_t toklen = strlen(tok);
	long   seen   = 0;
	for (const char *p = body; (p = strstr(p, "tok:")) != NULL; p += 4) {
		if (strncmp(p + 4, tok, toklen) != 0
		    || (p[4 + toklen] != '<' && p[4 + toklen] != ':')) {
			*why = "another request's token is in it";
			return 0;
		}
		seen++;
	}
	if (seen != n + 1) {
		*why = "its token appears a wrong number of times";
		return 0;
	}
	return 1;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keeps the first MAX_NOTES unexpected outcomes' stories (mu held). */
static void
note(const char *fmt, ...)
{
	if (nnotes >= MAX_NOTES) {
		nnotes++;
		return;
	}
	char    buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notes[nnotes++] = strdup(buf);
}

static void
count_code(const char *code, enum kind k)
{
	for (int i = 0; i < MAX_CODES; i++) {
		if (code_name[i] == NULL) {
			code_name[i] = strdup(code);
		}
		if (strcmp(code_name[i], code) == 0) {
			code_n[i]++;
			code_by_kind[i][k]++;
			return;
		}
	}
}

static void
add_latency(struct kindstat *ks, double ms)
{
	if (ks->nlat == ks->caplat) {
		long    cap = ks->caplat ? ks->caplat * 2 : 256;
		double *g   = realloc(ks->lat, (size_t) cap * sizeof(double));
		if (g == NULL) {
			return;
		}
		ks->lat    = g;
		ks->caplat = cap;
	}
	ks->lat[ks->nlat++] = ms;
	if (ms > ks->max) {
		ks->max = ms;
	}
}

/* How long a render of kind k may take: its timeout plus the margin, plus
 * the queue's margin when only the client's clock tells (by_client). 0: no
 * limit. */
static int
limit_of(enum kind k, int by_client)
{
	if (kinds[k].timeout_ms <= 0) {
		return 0;
	}
	return kinds[k].timeout_ms + margin_ms
	    + (by_client ? queue_margin_ms : 0);
}

/* A streamed render, gathered whole into *r: the first reply, then every
 * chunk. A chunk's error (a render that failed part-way) becomes the
 * reply's. */
static int
stream_whole(ssrd_client *c, const ssrd_render_args *a, ssrd_reply *r)
{
	ssrd_stream *st = NULL;
	int          rv = ssrd_client_stream(c, a, &st, r);
	while (rv == SSRD_OK && r->ok && !r->end && st != NULL) {
		ssrd_reply ch;
		rv = ssrd_stream_next(st, &ch);
		if (rv != SSRD_OK) {
			break;
		}
		if (ch.ok && ch.body_len > 0) {
			char *g
			    = realloc(r->body, r->body_len + ch.body_len + 1);
			if (g == NULL) {
				ssrd_reply_clear(&ch);
				rv = SSRD_ENOMEM;
				break;
			}
			memcpy(g + r->body_len, ch.body, ch.body_len);
			r->body_len += ch.body_len;
			g[r->body_len] = '\0';
			r->body        = g;
		}
		r->end = ch.end;
		if (!ch.ok || ch.code != NULL) {
			r->ok      = 0;
			r->end     = 1;
			r->code    = ch.code;
			r->message = ch.message;
			ch.code = ch.message = NULL;
		}
		ssrd_reply_clear(&ch);
	}
	ssrd_stream_close(st);
	return rv;
}

/* Sends request i and judges its reply. */
static void
one(ssrd_client *c, long i, long me)
{
	uint64_t              s  = seed * 0x100000001b3ULL + (uint64_t) i;
	enum kind             k  = plan ? plan[i] : draw_kind(&s);
	const struct kinddef *kd = &kinds[k];
	char                  tok[48], props[160];
	long n = (long) (mix64(&s) % (uint64_t) (rows_max + 1));
	snprintf(tok, sizeof(tok), "c%02ld-r%06ld-%08" PRIx32, me, i,
	    (uint32_t) mix64(&s));
	if (k == K_WAIT || k == K_STREAM) {
		snprintf(props, sizeof(props),
		    "{\"tok\":\"%s\",\"n\":%ld,\"ms\":%d}", tok, n,
		    1 + (int) (mix64(&s) % 20));
	} else if (k == K_HUGE) {
		snprintf(props, sizeof(props), "{\"tok\":\"%s\",\"kb\":%d}",
		    tok, huge_kb);
	} else {
		snprintf(
		    props, sizeof(props), "{\"tok\":\"%s\",\"n\":%ld}", tok, n);
	}
	ssrd_render_args a = { .url = kd->url,
		.props              = props,
		.timeout_ms         = kd->timeout_ms > 0 ? kd->timeout_ms : 0 };
	ssrd_reply       r;
	double           t0 = measure_now_ms();
	int              rv = kd->stream ? stream_whole(c, &a, &r)
	                                 : ssrd_client_render(c, &a, &r);
	double           dt = measure_now_ms() - t0;
	/* the render's own time, by the daemon: from when a worker took it
	 * (error replies may not say; then the client's clock, queueing
	 * included, is what is held to the limit) */
	double own
	    = rv == SSRD_OK && r.total_ms > 0 ? r.total_ms - r.queue_ms : -1;
	int          good = strcmp(kd->want, "ok") == 0;
	const char  *why  = NULL;
	enum outcome o;
	if (rv != SSRD_OK) {
		o = O_LOST;
	} else if (r.ok && good) {
		o = body_is_own(r.body, tok, n, &why) ? O_OK : O_WRONG_BODY;
	} else if (r.ok) {
		o = O_BAD_OK;
	} else if (r.code == NULL || strcmp(r.code, kd->want) != 0) {
		o = O_WRONG_ERR;
	} else if (k == K_THROW
	    && (r.message == NULL || strstr(r.message, tok) == NULL)) {
		o   = O_WRONG_ERR; /* someone else's error */
		why = "the message is not its own";
	} else if (limit_of(k, own < 0) > 0
	    && (own >= 0 ? own : dt) > limit_of(k, own < 0)) {
		o = O_LATE;
	} else {
		o = O_OK;
	}
	pthread_mutex_lock(&mu);
	struct kindstat *ks = &stat[k];
	ks->n++;
	ks->by[o]++;
	done_reqs++;
	add_latency(ks, dt);
	if (own >= 0) {
		ks->nown++;
		ks->max_own = own > ks->max_own ? own : ks->max_own;
	}
	if (rv != SSRD_OK) {
		lost_by_rv[rv > 0 && rv < 64 ? rv : 0]++;
	} else if (!r.ok) {
		count_code(r.code ? r.code : "(none)", k);
	}
	switch (o) {
	case O_OK:
		break;
	case O_LOST:
		note("%s %s: lost after %.0f ms: %s", kd->name, tok, dt,
		    ssrd_strerror(rv));
		gave_up = 1;
		break;
	case O_LATE:
		note("%s %s: %s after %.0f ms (%s), over its limit of %d ms",
		    kd->name, tok, r.code, own >= 0 ? own : dt,
		    own >= 0 ? "its render, by the daemon"
		             : "by the client's clock",
		    limit_of(k, own < 0));
		break;
	case O_WRONG_ERR:
		note(
		    "%s %s: failed with %s (want %s) after %.0f ms: %.200s%s%s",
		    kd->name, tok, r.code ? r.code : "(none)", kd->want, dt,
		    r.message ? r.message : "", why ? "; " : "",
		    why ? why : "");
		break;
	case O_WRONG_BODY:
		note("%s %s (n=%ld): rendered, but %s (%zu bytes)", kd->name,
		    tok, n, why, r.body_len);
		break;
	case O_BAD_OK:
		note("%s %s: rendered (%zu bytes), want %s after %.0f ms",
		    kd->name, tok, r.body_len, kd->want, dt);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&mu);
	ssrd_reply_clear(&r); /* filled, or zeroed, on every return */
}

static void *
run(void *arg)
{
	long             me = (long) arg;
	ssrd_client     *c;
	ssrd_client_opts o  = { .timeout_ms = call_timeout,
		 /* no resends: a slow bad render must not be rendered twice */
		 .resend_ms = call_timeout };
	int              rv = ssrd_client_open(connect_to, &o, &c);
	if (rv != SSRD_OK) {
		fprintf(stderr, "chaos_client: cannot open %s: %s\n",
		    connect_to, ssrd_strerror(rv));
		exit(2);
	}
	for (;;) {
		pthread_mutex_lock(&mu);
		long i   = next_req;
		int  end = stop_sending || gave_up
		    || (plan != NULL && i >= requests)
		    || (requests_given && i >= requests)
		    || (deadline > 0 && measure_now_ms() >= deadline);
		if (!end) {
			next_req++;
		}
		pthread_mutex_unlock(&mu);
		if (end) {
			break;
		}
		one(c, i, me);
	}
	ssrd_client_close(c);
	return NULL;
}

static long
unexpected_of(const struct kindstat *ks)
{
	return ks->by[O_LATE] + ks->by[O_WRONG_ERR] + ks->by[O_WRONG_BODY]
	    + ks->by[O_BAD_OK];
}

static void
totals(long *sent, long *succeeded, long *failed, long *unexpected, long *lost)
{
	*sent = *succeeded = *failed = *unexpected = *lost = 0;
	for (int k = 0; k < NKINDS; k++) {
		*sent += stat[k].n;
		*unexpected += unexpected_of(&stat[k]);
		*lost += stat[k].by[O_LOST];
	}
	for (int i = 0; i < MAX_CODES && code_name[i] != NULL; i++) {
		*failed += code_n[i];
	}
	*succeeded = *sent - *failed - *lost;
}

static void *
progress(void *arg)
{
	(void) arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long long ns = ts.tv_nsec + (long long) (progress_s * 1e9);
		ts.tv_sec += (time_t) (ns / 1000000000LL);
		ts.tv_nsec = (long) (ns % 1000000000LL);
		while (!stop_sending
		    && pthread_cond_timedwait(&stopped, &mu, &ts) == 0) { }
		if (stop_sending) {
			break;
		}
		long sent, succeeded, failed, unexpected, lost;
		totals(&sent, &succeeded, &failed, &unexpected, &lost);
		double secs = (measure_now_ms() - t_start) / 1e3;
		fprintf(stderr,
		    "[chaos] %6.0fs done=%ld succeeded=%ld failed=%ld "
		    "unexpected=%ld lost=%ld (%.0f/s)\n",
		    secs, sent, succeeded, failed, unexpected, lost,
		    (double) sent / (secs > 0 ? secs : 1));
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* --mix: KIND=WEIGHT,... Weights are percentages: kinds not named get 0,
 * except echo, which gets what is left of 100 unless named. */
static int
set_mix(const char *spec)
{
	char  *copy = strdup(spec), *save = NULL;
	int    echo_named = 0;
	double sum        = 0;
	for (int k = 0; k < NKINDS; k++) {
		kinds[k].weight = 0;
	}
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t       = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		int   k  = 0;
		if (eq != NULL) {
			*eq = '\0';
			while (k < NKINDS && strcmp(kinds[k].name, t) != 0) {
				k++;
			}
		}
		if (eq == NULL || k == NKINDS) {
			fprintf(stderr,
			    "chaos_client: --mix wants KIND=WEIGHT "
			    "with a kind of echo, wait, stream, "
			    "throw, hang, huge, loop, alloc, "
			    "bigalloc; not %s\n",
			    t);
			free(copy);
			return -1;
		}
		kinds[k].weight = atof(eq + 1);
		echo_named |= k == K_ECHO;
		sum += kinds[k].weight;
	}
	if (!echo_named) {
		kinds[K_ECHO].weight = sum < 100 ? 100 - sum : 0;
	}
	free(copy);
	return 0;
}

static int
set_timeout(const char *spec)
{
	const char *eq = strchr(spec, '=');
	for (int k = 0; eq != NULL && k < NKINDS; k++) {
		if (strncmp(kinds[k].name, spec, (size_t) (eq - spec)) == 0
		    && kinds[k].name[eq - spec] == '\0') {
			kinds[k].timeout_ms = atoi(eq + 1);
			return 0;
		}
	}
	fprintf(
	    stderr, "chaos_client: --timeout wants KIND=MS, not %s\n", spec);
	return -1;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *f = argv[i], *v = argv[i + 1];
		if (strcmp(f, "--connect") == 0) {
			connect_to = v;
		} else if (strcmp(f, "--clients") == 0) {
			nclients = atol(v);
		} else if (strcmp(f, "--requests") == 0) {
			requests       = atol(v);
			requests_given = 1;
		} else if (strcmp(f, "--seed") == 0) {
			seed = strtoull(v, NULL, 10);
		} else if (strcmp(f, "--mix") == 0) {
			if (set_mix(v) != 0) {
				return 2;
			}
		} else if (strcmp(f, "--bad-timeout-ms") == 0) {
			bad_timeout = atoi(v);
		} else if (strcmp(f, "--good-timeout-ms") == 0) {
			good_timeout = atoi(v);
		} else if (strcmp(f, "--timeout") == 0) {
			if (set_timeout(v) != 0) {
				return 2;
			}
		} else if (strcmp(f, "--margin-ms") == 0) {
			margin_ms = atoi(v);
		} else if (strcmp(f, "--queue-margin-ms") == 0) {
			queue_margin_ms = atoi(v);
		} else if (strcmp(f, "--huge-kb") == 0) {
			huge_kb = atoi(v);
		} else if (strcmp(f, "--rows-max") == 0) {
			rows_max = atol(v);
		} else if (strcmp(f, "--duration-s") == 0) {
			duration_s = atof(v);
		} else if (strcmp(f, "--progress-s") == 0) {
			progress_s = atof(v);
		} else if (strcmp(f, "--call-timeout-ms") == 0) {
			call_timeout = atoi(v);
		} else {
			fprintf(
			    stderr, "chaos_client: unknown argument %s\n", f);
			return 2;
		}
	}
	if (connect_to == NULL || nclients < 1 || requests < 1) {
		fprintf(stderr,
		    "usage: chaos_client --connect ADDR [--clients N] "
		    "[--requests N] [--mix k=w,...] ... (see the "
		    "source's opening comment)\n");
		return 2;
	}
	for (int k = 0; k < NKINDS; k++) {
		if (kinds[k].timeout_ms < 0) {
			kinds[k].timeout_ms = bad_timeout;
		} else if (strcmp(kinds[k].want, "ok") == 0
		    && kinds[k].timeout_ms == 0) {
			kinds[k].timeout_ms = good_timeout;
		}
	}
	long counts[NKINDS] = { 0 };
	if (duration_s <= 0 && make_plan(counts) != 0) {
		fprintf(stderr, "chaos_client: out of memory\n");
		return 2;
	}
	if (duration_s > 0 && !requests_given) {
		printf("chaos: renders for %.0f s", duration_s);
	} else {
		printf("chaos: %ld renders", requests);
	}
	printf(", %ld clients (a connection each), seed %" PRIu64 "\n",
	    nclients, seed);
	printf(
	    "a bad render's limit: its timeout + %d ms by the daemon's "
	    "timings of it, or + %d ms more (queueing) by the client's clock "
	    "where the reply has none\n",
	    margin_ms, queue_margin_ms);
	if (duration_s > 0) {
		printf("kinds drawn by weight:");
		for (int k = 0; k < NKINDS; k++) {
			printf(" %s %.4g", kinds[k].name, kinds[k].weight);
		}
	} else {
		printf("mix:");
		for (int k = 0; k < NKINDS; k++) {
			printf(" %s %ld", kinds[k].name, counts[k]);
		}
	}
	printf("\n");
	fflush(stdout);

	t_start        = measure_now_ms();
	deadline       = duration_s > 0 ? t_start + duration_s * 1e3 : 0;
	pthread_t *ths = calloc((size_t) nclients, sizeof(pthread_t)), prog;
	for (long i = 0; i < nclients; i++) {
		pthread_create(&ths[i], NULL, run, (void *) i);
	}
	if (progress_s > 0) {
		pthread_create(&prog, NULL, progress, NULL);
	}
	for (long i = 0; i < nclients; i++) {
		pthread_join(ths[i], NULL);
	}
	double secs = (measure_now_ms() - t_start) / 1e3;
	pthread_mutex_lock(&mu);
	stop_sending = 1;
	pthread_cond_broadcast(&stopped);
	pthread_mutex_unlock(&mu);
	if (progress_s > 0) {
		pthread_join(prog, NULL);
	}

	/* "timeout": the render's options.timeout_ms (-: the daemon's); then
	 * the client's clock, p50, p99 and max; "render max": the longest
	 * render by the daemon's timings (queueing left out), where replies
	 * carry them; "limit": what each reply was held to, by the daemon's
	 * timings ("render") or else by the client's clock ("client") */
	printf("\n%-8s %-9s %6s %6s %10s %5s %-17s %7s %8s %8s %8s %10s "
	       "%14s\n",
	    "kind", "url", "sent", "as-is", "unexpected", "lost", "want",
	    "timeout", "p50 ms", "p99 ms", "max ms", "render max", "limit");
	for (int k = 0; k < NKINDS; k++) {
		struct kindstat *ks = &stat[k];
		if (ks->nlat > 0) {
			measure_sort(ks->lat, (size_t) ks->nlat);
		}
		char timeout[16] = "-", own[16] = "-", limit[32] = "-";
		if (kinds[k].timeout_ms > 0) {
			snprintf(timeout, sizeof(timeout), "%d",
			    kinds[k].timeout_ms);
		}
		if (ks->nown > 0) {
			snprintf(own, sizeof(own), "%.1f", ks->max_own);
		}
		if (limit_of((enum kind) k, 0) > 0 && ks->nown > 0) {
			snprintf(limit, sizeof(limit), "%d render%s",
			    limit_of((enum kind) k, 0),
			    ks->nown < ks->n ? "+" : "");
		} else if (limit_of((enum kind) k, 1) > 0) {
			snprintf(limit, sizeof(limit), "%d client",
			    limit_of((enum kind) k, 1));
		}
		printf("%-8s %-9s %6ld %6ld %10ld %5ld %-17s %7s %8.1f %8.1f "
		       "%8.1f %10s %14s\n",
		    kinds[k].name, kinds[k].url, ks->n, ks->by[O_OK],
		    unexpected_of(ks), ks->by[O_LOST], kinds[k].want, timeout,
		    measure_pct(ks->lat, (size_t) ks->nlat, 0.5),
		    measure_pct(ks->lat, (size_t) ks->nlat, 0.99), ks->max, own,
		    limit);
	}
	long sent, succeeded, failed, unexpected, lost;
	totals(&sent, &succeeded, &failed, &unexpected, &lost);
	printf("\nfailed by reason:");
	for (int i = 0; i < MAX_CODES && code_name[i] != NULL; i++) {
		printf("%s %s %ld (", i ? "," : "", code_name[i], code_n[i]);
		for (int k = 0, first = 1; k < NKINDS; k++) {
			if (code_by_kind[i][k] > 0) {
				printf("%s%s %ld", first ? "" : ", ",
				    kinds[k].name, code_by_kind[i][k]);
				first = 0;
			}
		}
		printf(")");
	}
	printf("%s\n", failed ? "" : " none");
	if (lost > 0) {
		printf("lost by transport error:");
		for (int e = 0; e < 64; e++) {
			if (lost_by_rv[e] > 0) {
				printf(
				    " %s %ld", ssrd_err_name(e), lost_by_rv[e]);
			}
		}
		printf("\n");
	}
	if (gave_up) {
		printf("a request was lost: the clients stopped sending after "
		       "%ld of the renders\n",
		    sent);
	}
	long wrong_body = 0;
	for (int k = 0; k < NKINDS; k++) {
		wrong_body += stat[k].by[O_WRONG_BODY];
	}
	for (long i = 0; i < nnotes && i < MAX_NOTES; i++) {
		printf("unexpected: %s\n", notes[i]);
		free(notes[i]);
	}
	if (nnotes > MAX_NOTES) {
		printf("unexpected: ... and %ld more\n", nnotes - MAX_NOTES);
	}
	printf(
	    "\nsent %ld in %.1f s (%.0f renders/s): succeeded %ld (%ld of "
	    "them not their own bytes), failed %ld, unexpected %ld, lost %ld\n",
	    sent, secs, (double) sent / secs, succeeded, wrong_body, failed,
	    unexpected, lost);
	printf("chaos-result sent=%ld succeeded=%ld failed=%ld unexpected=%ld "
	       "lost=%ld seconds=%.1f\n",
	    sent, succeeded, failed, unexpected, lost, secs);
	fflush(stdout);
	int bad = unexpected > 0 || lost > 0
	    || (duration_s <= 0 && sent != requests);
	for (int k = 0; k < NKINDS; k++) {
		free(stat[k].lat);
	}
	for (int i = 0; i < MAX_CODES; i++) {
		free(code_name[i]);
	}
	free(plan);
	free(ths);
	return bad ? 1 : 0;
}
