/* diagnose.h: the daemon's state for `ssrd diagnose`, as JSON for machines
 * or text for people, from one snapshot. */
#ifndef SSRD_DIAGNOSE_H
#define SSRD_DIAGNOSE_H

#include "pool.h"
#include "strbuf.h"

/* What the report is made from; all must outlive the server that uses it. */
typedef struct ssrd_diagnose_src {
	ssrd_pool  *pool;
	double      started_ms; /* ssrd__now_ms() at start */
	const char *config;     /* a JSON object: the options worth showing */
} ssrd_diagnose_src;

/* Appends the report to b: JSON (text 0) or text for a terminal (1). Any
 * thread. */
void ssrd__diagnose(const ssrd_diagnose_src *src, int text, ssrd_strbuf *b);

#endif
