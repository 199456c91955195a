/* diagnose.h: the daemon's state for `ssrd diagnose` and /metrics: one
 * report (report.h) filled by a generator per subsystem, shown as text for
 * people, JSON for machines or Prometheus's format for scrapers. */
#ifndef SSRD_DIAGNOSE_H
#define SSRD_DIAGNOSE_H

#include "core/strbuf.h"
#include "diag/report.h"
#include "render/pool.h"
#include "render/respcache.h"

/* What the report is made from; all must outlive the servers that use it.
 * The render and layer-cache figures are the process's (stats.h,
 * cachestats.h). */
typedef struct ssrd_diagnose_src {
	ssrd_pool      *pool;
	double          started_ms; /* ssrd__now_ms() at start */
	const char     *config; /* a JSON object: the options worth showing */
	ssrd_respcache *respcache; /* the HTTP response cache, or NULL */
} ssrd_diagnose_src;

/* Fills r (zeroed, or emptied by ssrd__report_free()) with the daemon's
 * state: sections Server, Config, Queue, Workers, Renders, Layer caches and
 * Response cache. The caller frees r with ssrd__report_free(). Any thread. */
void ssrd__diagnose_report(const ssrd_diagnose_src *src, ssrd_report *r);

/* Appends the report to b: JSON (text 0) or text for a terminal (1). Any
 * thread. */
void ssrd__diagnose(const ssrd_diagnose_src *src, int text, ssrd_strbuf *b);

/* Appends the Prometheus text exposition (format 0.0.4) of the same figures
 * to b. Any thread. */
void ssrd__metrics(const ssrd_diagnose_src *src, ssrd_strbuf *b);

#endif
