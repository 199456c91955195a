/* host_env.c: env.get, environment variables on config's allowlist only. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "host/host.h"

void
ssrd__host_env_get(const ssrd_host_req *req, ssrd_host_result *r)
{
	ssrd_json argv[1];
	char     *name;
	if (ssrd__host_args(req, argv, 1) != 1
	    || (name = ssrd__host_arg_string(&argv[0])) == NULL) {
		ssrd__host_reject(r, "env.get(name): name must be a string");
		return;
	}
	size_t i = 0;
	while (i < req->opts->nenv_allow
	    && strcmp(req->opts->env_allow[i], name) != 0) {
		i++;
	}
	if (i == req->opts->nenv_allow) {
		ssrd__host_reject(r,
		    "env.get: \"%s\" is not in env_allow (config [host] "
		    "env_allow lists the variables pages may read)",
		    name);
		free(name);
		return;
	}
	const char *v = getenv(name);
	free(name);
	ssrd_strbuf b = { 0 };
	if (v == NULL) {
		ssrd__strbuf_puts(&b, "null");
	} else {
		ssrd__strbuf_json_string(&b, v, strlen(v));
	}
	ssrd__host_resolve(r, ssrd__strbuf_take(&b));
}
