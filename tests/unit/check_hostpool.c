/* check_hostpool.c: the host pool's per-owner limits, its turns, cancel and
 * stop, with tasks that sleep or wait on a gate instead of doing host
 * work. */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssrd/errors.h>

#include "check_run.h"
#include "host/hostpool.h"

/* What the tests' tasks report, under mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  cv = PTHREAD_COND_INITIALIZER;
static int             gate_open;  /* gated tasks wait until it is 1 */
static size_t          running[4]; /* by owner index: tasks in run() */
static size_t          most[4];    /* the most running[] reached */
static size_t          ndone;      /* done callbacks so far */
static char            order[64];  /* letters of tasks run, in order */
static size_t          norder;

/* One test task: which owner (index into running[]), how it behaves. */
struct ttask {
	ssrd_host_task task;
	size_t         who;      /* index of its owner in running[] */
	char           letter;   /* appended to order[] when it runs */
	long           sleep_ms; /* run() sleeps this long */
	int            gated;    /* run() waits for gate_open */
	size_t         dones;    /* done callbacks for this task */
	pthread_t      done_on;  /* the thread that called done */
	double         done_at;  /* when, now_ms() */
	int            keep;     /* 1: done does not free it */
};

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

static void
sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static void
t_run(ssrd_host_task *task)
{
	struct ttask *t = (struct ttask *) task;
	pthread_mutex_lock(&mu);
	running[t->who]++;
	if (running[t->who] > most[t->who]) {
		most[t->who] = running[t->who];
	}
	if (t->letter != 0 && norder < sizeof(order) - 1) {
		order[norder++] = t->letter;
	}
	pthread_cond_broadcast(&cv);
	while (t->gated && !gate_open) {
		pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);
	if (t->sleep_ms > 0) {
		sleep_ms(t->sleep_ms);
	}
	pthread_mutex_lock(&mu);
	running[t->who]--;
	pthread_mutex_unlock(&mu);
	ssrd__host_resolve(&t->task.result, strdup("\"ran\""));
}

static void
t_done(ssrd_host_task *task, void *arg)
{
	struct ttask *t = arg;
	ck_assert_ptr_eq(task, &t->task);
	pthread_mutex_lock(&mu);
	t->dones++;
	t->done_on = pthread_self();
	t->done_at = now_ms();
	ndone++;
	pthread_cond_broadcast(&cv);
	int keep = t->keep;
	pthread_mutex_unlock(&mu);
	if (!keep) {
		free(t->task.result.text);
		free(t);
	}
}

/* A task of owner `owner` (0 allowed), counted under running[who]. */
static struct ttask *
mk(uint64_t owner, size_t who, long sleep, int gated, int keep)
{
	struct ttask *t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	t->task.req.op = "db.query";
	t->task.owner  = owner;
	t->task.done   = t_done;
	t->task.arg    = t;
	t->task.run    = t_run;
	t->who         = who;
	t->sleep_ms    = sleep;
	t->gated       = gated;
	t->keep        = keep;
	return t;
}

/* Submits t, expecting SSRD_OK. */
static void
submit_ok(ssrd_hostpool *hp, struct ttask *t)
{
	int rv = ssrd__hostpool_submit(hp, &t->task);
	ck_assert_msg(rv == SSRD_OK, "submit: %s", ssrd_strerror(rv));
}

/* Waits (up to ms) until *counter, read under mu, reaches n; returns it. */
static size_t
wait_for(const size_t *counter, size_t n, double ms)
{
	double until = now_ms() + ms;
	pthread_mutex_lock(&mu);
	while (*counter < n && now_ms() < until) {
		pthread_mutex_unlock(&mu);
		sleep_ms(1);
		pthread_mutex_lock(&mu);
	}
	size_t got = *counter;
	pthread_mutex_unlock(&mu);
	return got;
}

/* Waits (up to 5 s) until running[who] reaches n. */
static void
wait_running(size_t who, size_t n)
{
	size_t got = wait_for(&running[who], n, 5000);
	ck_assert_msg(
	    got >= n, "owner %zu: %zu running, want %zu", who, got, n);
}

/* Waits (up to 10 s) until ndone reaches n. */
static void
wait_done(size_t n)
{
	size_t got = wait_for(&ndone, n, 10000);
	ck_assert_msg(got >= n, "%zu done callbacks, want %zu", got, n);
}

static void
open_gate(void)
{
	pthread_mutex_lock(&mu);
	gate_open = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static ssrd_hostpool *
start(size_t threads, size_t inflight, size_t queued)
{
	ssrd_hostpool           *hp;
	const ssrd_hostpool_opts o  = { threads, inflight, queued };
	int                      rv = ssrd__hostpool_start(&o, &hp);
	ck_assert_msg(rv == SSRD_OK, "start: %s", ssrd_strerror(rv));
	return hp;
}

#define OWNER(n) (((uint64_t) 1 << 48) | (n))

/* ---- fairness ------------------------------------------------------------ */

/* Two owners flood the pool with thousands of 20 ms tasks, so that every
 * thread is busy; a third owner's one task still completes within a few
 * flood tasks' time, where one FIFO queue would make it wait ~10 s. */
START_TEST(test_flood_victim)
{
	ssrd_hostpool *hp = start(4, 2, 5000);
	for (size_t i = 0; i < 2500; i++) {
		submit_ok(hp, mk(OWNER(1), 0, 20, 0, 0));
		submit_ok(hp, mk(OWNER(2), 1, 20, 0, 0));
	}
	wait_running(0, 2);
	wait_running(1, 2);
	for (int round = 0; round < 5; round++) {
		struct ttask *v  = mk(OWNER(3), 2, 0, 0, 1);
		double        t0 = now_ms();
		submit_ok(hp, v);
		ck_assert_uint_eq(wait_for(&v->dones, 1, 10000), 1);
		double took = v->done_at - t0;
		/* at most one flood task ahead of it on a thread (20 ms),
		 * plus scheduling slack on a loaded machine */
		ck_assert_msg(took < 150,
		    "round %d: the victim's task took "
		    "%.1f ms behind the flood",
		    round, took);
		free(v->task.result.text);
		free(v);
	}
	/* neither flooder ran more than its in-flight limit at once */
	ck_assert_uint_eq(most[0], 2);
	ck_assert_uint_eq(most[1], 2);
	size_t n = ssrd__hostpool_cancel(hp, OWNER(1))
	    + ssrd__hostpool_cancel(hp, OWNER(2));
	ck_assert_uint_gt(n, 4900);
	ssrd__hostpool_stop(hp);
	ck_assert_uint_eq(ndone, 5000 + 5);
}
END_TEST

/* With one thread, tasks run owners in turn: a1 b1 c1 a2 b2 a3 b3, not
 * a1 a2 a3 b1 b2 b3 c1. */
START_TEST(test_round_robin)
{
	ssrd_hostpool *hp = start(1, 1, 100);
	submit_ok(hp, mk(OWNER(9), 3, 0, 1, 0)); /* holds the thread */
	wait_running(3, 1);
	pthread_mutex_lock(&mu);
	norder = 0;
	pthread_mutex_unlock(&mu);
	const char *plan = "aaabbbc";
	for (const char *p = plan; *p; p++) {
		struct ttask *t = mk(OWNER((uint64_t) *p), 0, 0, 0, 0);
		t->letter       = *p;
		submit_ok(hp, t);
	}
	open_gate();
	wait_done(8);
	order[norder] = '\0';
	ck_assert_str_eq(order, "abcabab");
	ssrd__hostpool_stop(hp);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* An owner never has more than `inflight` tasks on threads, even with
 * threads idle; another owner uses those. */
START_TEST(test_inflight_limit)
{
	ssrd_hostpool *hp = start(4, 2, 100);
	for (int i = 0; i < 10; i++) {
		submit_ok(hp, mk(OWNER(1), 0, 0, 1, 0));
	}
	wait_running(0, 2);
	sleep_ms(50); /* time for a third to start, were it allowed */
	pthread_mutex_lock(&mu);
	ck_assert_uint_eq(running[0], 2);
	pthread_mutex_unlock(&mu);
	/* the two idle threads serve another owner at once */
	submit_ok(hp, mk(OWNER(2), 1, 0, 1, 0));
	submit_ok(hp, mk(OWNER(2), 1, 0, 1, 0));
	wait_running(1, 2);
	open_gate();
	wait_done(12);
	ck_assert_uint_eq(most[0], 2);
	ck_assert_uint_eq(most[1], 2);
	ssrd__hostpool_stop(hp);
}
END_TEST

/* The default in-flight limit is half the threads, at least 1. */
START_TEST(test_inflight_default)
{
	ssrd_hostpool *hp = start(1, 0, 100);
	for (int i = 0; i < 3; i++) {
		submit_ok(hp, mk(OWNER(1), 0, 5, 0, 0));
	}
	wait_done(3);
	ck_assert_uint_eq(most[0], 1);
	ssrd__hostpool_stop(hp);
	hp = start(6, 0, 100);
	for (int i = 0; i < 12; i++) {
		submit_ok(hp, mk(OWNER(2), 1, 30, 0, 0));
	}
	wait_done(15);
	ck_assert_uint_eq(most[1], 3);
	ssrd__hostpool_stop(hp);
}
END_TEST

/* `queued` tasks may wait per owner: the next is refused with
 * SSRD_EOVERLOAD (and never completed), other owners are unaffected,
 * owner 0 has no limit, and room comes back as tasks leave. */
START_TEST(test_queued_limit)
{
	ssrd_hostpool *hp = start(1, 1, 3);
	submit_ok(hp, mk(OWNER(9), 3, 0, 1, 0)); /* holds the thread */
	wait_running(3, 1);
	for (int i = 0; i < 3; i++) {
		submit_ok(hp, mk(OWNER(1), 0, 0, 0, 0));
	}
	struct ttask *extra = mk(OWNER(1), 0, 0, 0, 0);
	int           rv    = ssrd__hostpool_submit(hp, &extra->task);
	ck_assert_msg(
	    rv == SSRD_EOVERLOAD, "4th of 3: got %s", ssrd_err_name(rv));
	ssrd__hostpool_refuse(hp, &extra->task, rv);
	ck_assert_int_eq(extra->task.result.ok, 0);
	ck_assert_str_eq(extra->task.result.text,
	    "db.query: too many host calls waiting for this render "
	    "(host_render_queued = 3)");
	free(extra->task.result.text);
	memset(&extra->task.result, 0, sizeof(extra->task.result));
	/* the running task of owner 9 does not count as waiting */
	for (int i = 0; i < 3; i++) {
		submit_ok(hp, mk(OWNER(9), 3, 0, 0, 0));
	}
	ck_assert_int_eq(
	    ssrd__hostpool_submit(hp, &extra->task), SSRD_EOVERLOAD);
	/* another owner, and owner 0, are not affected */
	for (int i = 0; i < 3; i++) {
		submit_ok(hp, mk(OWNER(2), 1, 0, 0, 0));
	}
	for (int i = 0; i < 20; i++) {
		submit_ok(hp, mk(0, 2, 0, 0, 0));
	}
	open_gate();
	wait_done(1 + 3 + 3 + 3 + 20);
	/* room again */
	submit_ok(hp, extra);
	wait_done(1 + 3 + 3 + 3 + 20 + 1);
	ssrd__hostpool_stop(hp);
	ck_assert_uint_eq(ndone, 1 + 3 + 3 + 3 + 20 + 1);
}
END_TEST

START_TEST(test_refuse_messages)
{
	ssrd_host_task t = { .req = { .op = "files.read" } };
	ssrd__hostpool_refuse(NULL, &t, SSRD_EOVERLOAD);
	ck_assert_str_eq(t.result.text,
	    "files.read: too many host calls waiting for this render "
	    "(host_render_queued)");
	ck_assert_uint_eq(t.result.len, strlen(t.result.text));
	free(t.result.text);
	ssrd__hostpool_refuse(NULL, &t, SSRD_ECLOSED);
	ck_assert_str_eq(
	    t.result.text, "files.read: the host bridge is shutting down");
	free(t.result.text);
	ssrd__hostpool_refuse(NULL, &t, SSRD_ENOMEM);
	ck_assert_int_eq(t.result.ok, 0);
	ck_assert_str_eq(t.result.text, "files.read: out of memory");
	free(t.result.text);
}
END_TEST

/* ---- cancel and stop ----------------------------------------------------- */

/* Cancel completes the owner's waiting tasks on the calling thread, once
 * each, with a rejection; its running task and other owners' tasks run
 * normally. */
START_TEST(test_cancel)
{
	ssrd_hostpool *hp       = start(1, 1, 100);
	struct ttask  *running0 = mk(OWNER(1), 0, 0, 1, 1);
	submit_ok(hp, running0);
	wait_running(0, 1);
	struct ttask *mine[5], *other[2];
	for (int i = 0; i < 5; i++) {
		submit_ok(hp, mine[i] = mk(OWNER(1), 0, 0, 0, 1));
	}
	for (int i = 0; i < 2; i++) {
		submit_ok(hp, other[i] = mk(OWNER(2), 1, 0, 0, 1));
	}
	ck_assert_uint_eq(ssrd__hostpool_cancel(hp, 0), 0);
	ck_assert_uint_eq(ssrd__hostpool_cancel(hp, OWNER(77)), 0);
	ck_assert_uint_eq(ssrd__hostpool_cancel(hp, OWNER(1)), 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(mine[i]->dones, 1);
		ck_assert(pthread_equal(mine[i]->done_on, pthread_self()));
		ck_assert_int_eq(mine[i]->task.result.ok, 0);
		ck_assert_str_eq(mine[i]->task.result.text,
		    "db.query: cancelled: the render ended");
	}
	ck_assert_uint_eq(running0->dones, 0);
	/* a second cancel finds nothing */
	ck_assert_uint_eq(ssrd__hostpool_cancel(hp, OWNER(1)), 0);
	open_gate();
	wait_done(5 + 1 + 2);
	ck_assert_uint_eq(running0->dones, 1);
	ck_assert_int_eq(running0->task.result.ok, 1);
	ck_assert_str_eq(running0->task.result.text, "\"ran\"");
	ck_assert(!pthread_equal(running0->done_on, pthread_self()));
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(other[i]->dones, 1);
		ck_assert_int_eq(other[i]->task.result.ok, 1);
	}
	ssrd__hostpool_stop(hp);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(mine[i]->dones, 1);
		free(mine[i]->task.result.text);
		free(mine[i]);
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(other[i]->dones, 1);
		free(other[i]->task.result.text);
		free(other[i]);
	}
	free(running0->task.result.text);
	free(running0);
}
END_TEST

static ssrd_hostpool *stopping_hp;
static int            resubmit_rv = -1;

/* A done that submits again: during stop that is refused. */
static void
t_done_resubmit(ssrd_host_task *task, void *arg)
{
	struct ttask *t = arg;
	pthread_mutex_lock(&mu);
	int first = t->dones == 0;
	pthread_mutex_unlock(&mu);
	if (first && task->result.ok) {
		resubmit_rv = ssrd__hostpool_submit(stopping_hp, task);
	}
	t->keep = 1;
	t_done(task, arg);
}

static void *
open_gate_later(void *arg)
{
	(void) arg;
	sleep_ms(100);
	open_gate();
	return NULL;
}

/* Stop with tasks waiting: they complete with a rejection, the running
 * one finishes, every done is called once, nothing leaks (ASan). */
START_TEST(test_stop_with_queued)
{
	ssrd_hostpool *hp = start(2, 1, 1000);
	stopping_hp       = hp;
	struct ttask *run = mk(OWNER(1), 0, 0, 1, 1);
	run->task.done    = t_done_resubmit;
	submit_ok(hp, run);
	wait_running(0, 1);
	submit_ok(hp, mk(OWNER(2), 1, 0, 1, 0));
	wait_running(1, 1);
	for (int i = 0; i < 300; i++) {
		submit_ok(hp, mk(OWNER((uint64_t) (i % 3 + 1)), 2, 0, 0, 0));
		submit_ok(hp, mk(0, 3, 0, 0, 0));
	}
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, open_gate_later, NULL), 0);
	double t0 = now_ms();
	ssrd__hostpool_stop(hp);
	double took = now_ms() - t0;
	pthread_join(th, NULL);
	ck_assert_uint_eq(ndone, 2 + 600);
	ck_assert_uint_eq(run->dones, 1);
	ck_assert_int_eq(run->task.result.ok, 1);
	ck_assert_int_eq(resubmit_rv, SSRD_ECLOSED);
	/* the waiting ones did not run: stop waited for the gate only */
	ck_assert_msg(took < 2000, "stop took %.0f ms", took);
	pthread_mutex_lock(&mu);
	ck_assert_uint_eq(most[2], 0);
	ck_assert_uint_eq(most[3], 0);
	pthread_mutex_unlock(&mu);
	free(run->task.result.text);
	free(run);
}
END_TEST

/* What a waiting task gets when stop withdraws it. */
START_TEST(test_stop_rejection)
{
	ssrd_hostpool *hp = start(1, 1, 10);
	submit_ok(hp, mk(OWNER(1), 0, 0, 1, 0));
	wait_running(0, 1);
	struct ttask *w = mk(OWNER(2), 1, 0, 0, 1);
	submit_ok(hp, w);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, open_gate_later, NULL), 0);
	ssrd__hostpool_stop(hp);
	pthread_join(th, NULL);
	ck_assert_uint_eq(w->dones, 1);
	ck_assert(pthread_equal(w->done_on, pthread_self()));
	ck_assert_int_eq(w->task.result.ok, 0);
	ck_assert_str_eq(
	    w->task.result.text, "db.query: cancelled: ssrd is stopping");
	free(w->task.result.text);
	free(w);
}
END_TEST

/* A task without run goes through ssrd__host_run(). */
START_TEST(test_real_operation)
{
	ssrd_host_opts ho      = { 0 };
	char          *allow[] = { "SSRD_CHECK_HOSTPOOL" };
	ho.env_allow           = allow;
	ho.nenv_allow          = 1;
	setenv("SSRD_CHECK_HOSTPOOL", "yes", 1);
	ssrd_hostpool *hp = start(2, 0, 0);
	struct ttask  *t  = mk(OWNER(1), 0, 0, 0, 1);
	t->task.run       = NULL;
	const char *args  = "[\"SSRD_CHECK_HOSTPOOL\"]";
	t->task.req
	    = (ssrd_host_req) { &ho, "/", "env.get", args, strlen(args) };
	submit_ok(hp, t);
	wait_done(1);
	ck_assert_int_eq(t->task.result.ok, 1);
	ck_assert_str_eq(t->task.result.text, "\"yes\"");
	ssrd__hostpool_stop(hp);
	free(t->task.result.text);
	free(t);
}
END_TEST

START_TEST(test_opts_from_config)
{
	ssrd_config cfg;
	char        errbuf[256];
	ck_assert_int_eq(ssrd__config_init(&cfg), SSRD_OK);
	ssrd_hostpool_opts o;
	ssrd__hostpool_opts_init(&o, &cfg);
	ck_assert_uint_eq(o.threads, 4);
	ck_assert_uint_eq(o.inflight, 0); /* the pool makes it 2 */
	ck_assert_uint_eq(o.queued, 1000);
	ck_assert_int_eq(ssrd__config_set(&cfg, "host_render_inflight", "3",
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(ssrd__config_set(&cfg, "host-render-queued", "7",
	                     errbuf, sizeof(errbuf)),
	    SSRD_OK);
	ck_assert_int_eq(ssrd__config_set(&cfg, "host_render_queued", "0",
	                     errbuf, sizeof(errbuf)),
	    SSRD_ECONFIG);
	ssrd__hostpool_opts_init(&o, &cfg);
	ck_assert_uint_eq(o.inflight, 3);
	ck_assert_uint_eq(o.queued, 7);
	ssrd__config_clear(&cfg);
	ssrd_hostpool *hp;
	ck_assert_int_eq(ssrd__hostpool_start(&(ssrd_hostpool_opts) { 0 }, &hp),
	    SSRD_EINVAL);
	ssrd__hostpool_stop(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hostpool");

	TCase *fair = tcase_create("fairness");
	tcase_set_timeout(fair, 60);
	tcase_add_test(fair, test_flood_victim);
	tcase_add_test(fair, test_round_robin);
	suite_add_tcase(s, fair);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_inflight_limit);
	tcase_add_test(limits, test_inflight_default);
	tcase_add_test(limits, test_queued_limit);
	tcase_add_test(limits, test_refuse_messages);
	tcase_add_test(limits, test_opts_from_config);
	suite_add_tcase(s, limits);

	TCase *end = tcase_create("cancel_stop");
	tcase_add_test(end, test_cancel);
	tcase_add_test(end, test_stop_with_queued);
	tcase_add_test(end, test_stop_rejection);
	tcase_add_test(end, test_real_operation);
	suite_add_tcase(s, end);

	return ssrd_check_run(s, CK_FORK);
}
