/* job.c: making a job for a path on a site, and freeing it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "render/job.h"

/* A job for route (with its params, which it takes) on site. */
static int
job_make(ssrd_site *site, const ssrd_route *route, char *params,
    const char *path, const char *props, size_t props_len, ssrd_job **out)
{
	ssrd_job *job = calloc(1, sizeof(*job));
	if (job == NULL) {
		free(params);
		return SSRD_ENOMEM;
	}
	job->site        = ssrd__site_ref(site);
	job->route       = (size_t) (route - site->routes.v);
	job->stream      = -1;
	job->status      = 200;
	job->page_key    = strdup(route->page_key);
	job->path        = strndup(path, strcspn(path, "?#"));
	job->params_json = params;
	if (props != NULL) {
		job->props_json = strndup(props, props_len);
		job->props_len  = props_len;
	}
	if (job->page_key == NULL || job->path == NULL || params == NULL
	    || (props != NULL && job->props_json == NULL)) {
		ssrd__job_free(job);
		return SSRD_ENOMEM;
	}
	*out = job;
	return SSRD_OK;
}

int
ssrd__job_new(ssrd_site *site, const char *path, const char *props,
    size_t props_len, ssrd_job **out)
{
	const ssrd_route *route;
	char             *params = NULL;
	int rv = ssrd__routes_match(&site->routes, path, &route, &params);
	if (rv != SSRD_OK) {
		return rv;
	}
	return job_make(site, route, params, path, props, props_len, out);
}

int
ssrd__job_new_not_found(ssrd_site *site, const char *path, const char *props,
    size_t props_len, ssrd_job **out)
{
	const ssrd_route *route = ssrd__routes_not_found(&site->routes);
	if (route == NULL) {
		return SSRD_ENOROUTE;
	}
	int rv
	    = job_make(site, route, strdup("{}"), path, props, props_len, out);
	if (rv == SSRD_OK) {
		(*out)->status = 404;
	}
	return rv;
}

void
ssrd__job_free(ssrd_job *job)
{
	if (job == NULL) {
		return;
	}
	ssrd__site_unref(job->site);
	free(job->page_key);
	free(job->path);
	free(job->params_json);
	free(job->props_json);
	free(job->html);
	free(job->error_text);
	free(job->console);
	free(job);
}
