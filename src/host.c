/* host.c: the host bridge's options (from config) and its dispatcher. The
 * operations live in host_files.c, host_db.c, host_fetch.c, host_env.c. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "host.h"

/* Splits a comma-separated list into trimmed, non-empty entries. */
static int
split_list(const char *spec, char ***out, size_t *n)
{
	*out = NULL;
	*n   = 0;
	if (spec == NULL) {
		return SSRD_OK;
	}
	const char *p = spec;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		if (end == NULL) {
			end = p + strlen(p);
		}
		const char *a = p, *b = end;
		while (a < b && (*a == ' ' || *a == '\t')) {
			a++;
		}
		while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
			b--;
		}
		if (b > a) {
			char **v = realloc(*out, (*n + 1) * sizeof(char *));
			if (v == NULL) {
				return SSRD_ENOMEM;
			}
			*out = v;
			if ((v[*n] = strndup(a, (size_t) (b - a))) == NULL) {
				return SSRD_ENOMEM;
			}
			(*n)++;
		}
		p = *end ? end + 1 : end;
	}
	return SSRD_OK;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

int
ssrd__host_parse_dbs(const char *spec, ssrd_host_db **out, size_t *n,
    char *errbuf, size_t errlen)
{
	char **items;
	size_t nitems;
	if (split_list(spec, &items, &nitems) != SSRD_OK) {
		free_list(items, nitems);
		return SSRD_ENOMEM;
	}
	ssrd_host_db *dbs = calloc(nitems ? nitems : 1, sizeof(*dbs));
	int           rv  = dbs ? SSRD_OK : SSRD_ENOMEM;
	for (size_t i = 0; rv == SSRD_OK && i < nitems; i++) {
		char  *item = items[i];
		char  *eq   = strchr(item, '=');
		size_t len  = strlen(item);
		int    rw   = len > 3 && strcmp(item + len - 3, ":rw") == 0;
		if (rw) {
			item[len - 3] = '\0';
		}
		if (eq == NULL || eq == item || eq[1] == '\0') {
			snprintf(errbuf, errlen,
			    "databases entry \"%s\" must be NAME=PATH or "
			    "NAME=PATH:rw",
			    items[i]);
			rv = SSRD_ECONFIG;
			break;
		}
		*eq = '\0';
		for (const char *c = item; *c; c++) {
			if (!(*c == '_' || *c == '-' || (*c >= 'a' && *c <= 'z')
			        || (*c >= 'A' && *c <= 'Z')
			        || (*c >= '0' && *c <= '9'))) {
				snprintf(errbuf, errlen,
				    "databases: name \"%s\" may hold only "
				    "letters, digits, - and _",
				    item);
				rv = SSRD_ECONFIG;
				break;
			}
		}
		for (size_t k = 0; rv == SSRD_OK && k < i; k++) {
			if (strcmp(dbs[k].name, item) == 0) {
				snprintf(errbuf, errlen,
				    "databases: \"%s\" is named twice", item);
				rv = SSRD_ECONFIG;
			}
		}
		if (rv != SSRD_OK) {
			break;
		}
		dbs[i].name     = strdup(item);
		dbs[i].path     = strdup(eq + 1);
		dbs[i].writable = rw;
		if (dbs[i].name == NULL || dbs[i].path == NULL) {
			rv = SSRD_ENOMEM;
		}
	}
	if (rv == SSRD_OK && out != NULL) {
		*out = dbs;
		*n   = nitems;
		dbs  = NULL;
	}
	for (size_t i = 0; dbs != NULL && i < nitems; i++) {
		free(dbs[i].name);
		free(dbs[i].path);
	}
	free(dbs);
	free_list(items, nitems);
	return rv;
}

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
	int rv              = ssrd__host_parse_dbs(
	                 cfg->databases, &o->dbs, &o->ndbs, errbuf, errlen);
	if (rv == SSRD_OK) {
		rv = split_list(
		    cfg->fetch_allow, &o->fetch_allow, &o->nfetch_allow);
	}
	if (rv == SSRD_OK) {
		rv = split_list(cfg->env_allow, &o->env_allow, &o->nenv_allow);
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
	free_list(o->fetch_allow, o->nfetch_allow);
	free_list(o->env_allow, o->nenv_allow);
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
