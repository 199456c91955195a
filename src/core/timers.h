/* timers.h: a worker's timer schedule, a binary min-heap of (due time, id). */
#ifndef SSRD_TIMERS_H
#define SSRD_TIMERS_H

#include <stddef.h>
#include <stdint.h>

/* One worker's pending timers. Not thread-safe: the worker alone uses it. A
 * zeroed struct is empty. */
typedef struct ssrd_timers {
	struct ssrd_timer {
		double due_ms; /* monotonic milliseconds */
		uint64_t
		    seq; /* insertion order: equal due times fire in order */
		uint32_t id;
		uint64_t render; /* the render that set it (0: none) */
	} * heap;
	size_t   n, cap;
	uint64_t seq;
} ssrd_timers;

/* Schedules id, set by render, at due_ms. Returns SSRD_OK or SSRD_ENOMEM. */
int ssrd__timers_add(
    ssrd_timers *t, uint32_t id, double due_ms, uint64_t render);

/* Removes id if scheduled (linear: timers per worker are few). */
void ssrd__timers_remove(ssrd_timers *t, uint32_t id);

/* Returns the earliest due time, or -1 if none is scheduled. */
double ssrd__timers_next(const ssrd_timers *t);

/* Returns 1 if a timer set by render is scheduled, else 0 (linear). */
int ssrd__timers_has_render(const ssrd_timers *t, uint64_t render);

/* Returns the render of the earliest timer (the next to pop), 0 if none. */
uint64_t ssrd__timers_next_render(const ssrd_timers *t);

/* Pops up to max ids due at or before now_ms into ids, earliest first. Returns
 * how many. */
size_t ssrd__timers_pop_due(
    ssrd_timers *t, double now_ms, uint32_t *ids, size_t max);

/* Frees the heap. */
void ssrd__timers_free(ssrd_timers *t);

/* Monotonic clock in milliseconds. */
double ssrd__now_ms(void);

#endif
