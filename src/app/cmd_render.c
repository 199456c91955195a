/* cmd_render.c: `ssrd render ROUTE` as a client of a running daemon. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <ssrd/client.h>

#include "app/cmd_render.h"

/* The exit code and message for a reply that is an error. */
static int
report(const ssrd_render_cmd *cmd, const ssrd_reply *r)
{
	const char *code = r->code ? r->code : "?";
	fprintf(stderr, "ssrd: rendering %s failed (%s, %d): %s\n", cmd->url,
	    code, r->status, r->message ? r->message : "");
	if (r->stack != NULL) {
		const char *nl = strchr(r->stack, '\n');
		if (nl != NULL) {
			fprintf(stderr, "%s\n", nl + 1); /* the frames */
		}
	}
	return strcmp(code, "no_route") == 0 ? 3
	    : strcmp(code, "bad_props") == 0 || strcmp(code, "bad_request") == 0
	    ? 2
	    : 1;
}

static void
print_console(const ssrd_reply *r)
{
	if (r->console != NULL && r->console[0] != '\0') {
		fputs(r->console, stderr);
	}
}

int
ssrd__cmd_render(const ssrd_render_cmd *cmd)
{
	ssrd_client     *c;
	ssrd_client_opts o  = { .timeout_ms
		 = cmd->timeout_ms > 0 ? cmd->timeout_ms + 5000 : 35000 };
	int              rv = ssrd_client_open(cmd->connect, &o, &c);
	if (rv != SSRD_OK) {
		fprintf(stderr, "ssrd: cannot use the address \"%s\": %s\n",
		    cmd->connect, ssrd_strerror(rv));
		return 4;
	}
	ssrd_render_args a         = { .url = cmd->url,
		        .props              = cmd->props,
		        .headers            = cmd->headers,
		        .host               = cmd->host,
		        .stream             = cmd->stream ? 1 : 0,
		        .timeout_ms         = cmd->timeout_ms,
		        .console            = cmd->console };
	ssrd_reply       r         = { 0 };
	int              exit_code = 0;
	if (!cmd->stream) {
		rv = ssrd_client_render(c, &a, &r);
	} else {
		ssrd_stream *s;
		rv = ssrd_client_stream(c, &a, &s, &r);
		while (rv == SSRD_OK && r.ok) {
			fwrite(r.body, 1, r.body_len, stdout);
			fflush(stdout);
			if (r.end || s == NULL) {
				break;
			}
			ssrd_reply_clear(&r);
			rv = ssrd_stream_next(s, &r);
		}
		if (rv == SSRD_OK && r.ok) {
			ssrd_reply_clear(&r); /* written already */
			r.ok = 1;
		}
		ssrd_stream_close(s);
	}
	if (rv != SSRD_OK) {
		fprintf(stderr,
		    "ssrd: no reply from %s: %s (is `ssrd serve` running with "
		    "ipc = %s? pass --connect ADDR, or use ssrd "
		    "render-local)\n",
		    cmd->connect, ssrd_strerror(rv), cmd->connect);
		exit_code = 4;
	} else if (!r.ok) {
		exit_code = report(cmd, &r);
	} else if (!cmd->stream) {
		print_console(&r);
		fwrite(r.body, 1, r.body_len, stdout);
		exit_code = fflush(stdout) == 0 ? 0 : 4;
	}
	ssrd_reply_clear(&r);
	ssrd_client_close(c);
	return exit_code;
}
