/* host.c: the host bridge's options (from config) and its dispatcher. The
 * operations live in host_files.c, host_db.c, host_fetch.c, host_env.c. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "host/host.h"

int
ssrd__host_opts_init(
    ssrd_host_opts *o, const ssrd_config *cfg, char *errbuf, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->files           = (int) cfg->files;
	o->files_max_bytes = (size_t) cfg->files_max_kb << 10;
	o->db_timeout_ms   = cfg->db_timeout_ms;
	o->db_max_rows     = cfg->db_max_rows;
	o->db_max_bytes    = (size_t) cfg->db_max_kb << 10;
	o->db_heap_bytes   = (size_t) cfg->db_heap_mb << 20;
	/* each host thread's query gets its share: one cannot starve the
	 * others' */
	o->db_query_bytes = o->db_heap_bytes
	    / (size_t) (cfg->host_threads > 0 ? cfg->host_threads : 1);
	o->fetch_timeout_ms = cfg->fetch_timeout_ms;
	o->fetch_max_bytes  = (size_t) cfg->fetch_max_kb << 10;
	int rv              = ssrd__config_parse_dbs(
	                 cfg->databases, &o->dbs, &o->ndbs, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = ssrd__config_split_list(
		    cfg->fetch_allow, &o->fetch_allow, &o->nfetch_allow);
	}
	if (rv == SSRD_OK) {
		rv = ssrd__config_split_list(
		    cfg->env_allow, &o->env_allow, &o->nenv_allow);
	}
	if (rv != SSRD_OK) {
		ssrd__host_opts_clear(o);
	}
	return rv;
}

void
ssrd__host_opts_clear(ssrd_host_opts *o)
{
	if (o == NULL) {
		return;
	}
	for (size_t i = 0; i < o->ndbs; i++) {
		free(o->dbs[i].name);
		free(o->dbs[i].path);
	}
	free(o->dbs);
	ssrd__config_free_list(o->fetch_allow, o->nfetch_allow);
	ssrd__config_free_list(o->env_allow, o->nenv_allow);
	memset(o, 0, sizeof(*o));
}

void
ssrd__host_reject(ssrd_host_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	int   n   = vasprintf(&msg, fmt, ap);
	va_end(ap);
	r->ok   = 0;
	r->text = n < 0 ? NULL : msg;
	r->len  = n < 0 ? 0 : (size_t) n;
	if (r->text == NULL) {
		r->text = strdup("out of memory");
		r->len  = r->text ? strlen(r->text) : 0;
	}
}

void
ssrd__host_resolve(ssrd_host_result *r, char *json)
{
	if (json == NULL) {
		ssrd__host_reject(r, "out of memory");
		return;
	}
	r->ok   = 1;
	r->text = json;
	r->len  = strlen(json);
}

struct args_ctx {
	ssrd_json *argv;
	size_t     max;
	size_t     n;
};

static int
take_arg(ssrd_json *j, size_t index, void *ctx)
{
	struct args_ctx *a = ctx;
	if (index >= a->max) {
		return SSRD_EINVAL;
	}
	a->argv[index] = *j;
	a->n           = index + 1;
	return ssrd__json_skip(j);
}

int
ssrd__host_args(const ssrd_host_req *req, ssrd_json *argv, size_t max)
{
	ssrd_json       j;
	struct args_ctx a = { argv, max, 0 };
	ssrd__json_init(&j, req->args, req->args_len);
	if (ssrd__json_array(&j, take_arg, &a) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK) {
		return -1;
	}
	return (int) a.n;
}

char *
ssrd__host_arg_string(ssrd_json *arg)
{
	char  *s;
	size_t len;
	if (ssrd__json_peek(arg) != '"'
	    || ssrd__json_string_dup(arg, &s, &len) != SSRD_OK) {
		return NULL;
	}
	if (strlen(s) != len) {
		free(s);
		return NULL;
	}
	return s;
}

static const struct {
	const char *name;
	void (*run)(const ssrd_host_req *, ssrd_host_result *);
} ops[] = {
	{ "files.read", ssrd__host_files_read },
	{ "files.list", ssrd__host_files_list },
	{ "db.query", ssrd__host_db_query },
	{ "fetch", ssrd__host_fetch },
	{ "env.get", ssrd__host_env_get },
};

void
ssrd__host_run(const ssrd_host_req *req, ssrd_host_result *r)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(req->op, ops[i].name) == 0) {
			ops[i].run(req, r);
			return;
		}
	}
	ssrd__host_reject(r, "ssrd: no host operation \"%s\"", req->op);
}
