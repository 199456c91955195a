/* cmd_diagnose.c: `ssrd diagnose`, the state of a running daemon, asked for
 * over its ipc:// address. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ssrd/client.h>

#include "app/cmd_render.h"
#include "core/strbuf.h"

/* Asks once and prints the body; returns an exit code. */
static int
ask(ssrd_client *c, const ssrd_render_cmd *cmd, int json)
{
	char       *reply = NULL;
	size_t      len   = 0;
	ssrd_strbuf req   = { 0 };
	ssrd__strbuf_printf(&req,
	    "{\"v\":1,\"kind\":\"diagnose\",\"format\":\"%s\"",
	    json ? "json" : "text");
	if (cmd->token != NULL && cmd->token[0] != '\0') {
		ssrd__strbuf_puts(&req, ",\"token\":");
		ssrd__strbuf_json_string(&req, cmd->token, strlen(cmd->token));
	}
	ssrd__strbuf_puts(&req, "}");
	int rv = ssrd__strbuf_failed(&req)
	    ? SSRD_ENOMEM
	    : ssrd_client_request(c, req.ptr, req.len, &reply, &len);
	ssrd__strbuf_free(&req);
	if (rv != SSRD_OK) {
		fprintf(stderr,
		    "ssrd: no reply from %s: %s (is `ssrd serve` running "
		    "there? pass --connect ipc:///PATH)\n",
		    cmd->connect, ssrd_strerror(rv));
		return 4;
	}
	/* the reply: a JSON header line, then the body */
	const char *nl = memchr(reply, '\n', len);
	if (nl == NULL || strstr(reply, "\"ok\":true") == NULL
	    || strstr(reply, "\"ok\":true") > nl) {
		fprintf(stderr, "ssrd: the daemon refused: %.*s\n",
		    (int) (nl ? nl - reply : (long) len), reply);
		free(reply);
		return 4;
	}
	fwrite(nl + 1, 1, len - (size_t) (nl + 1 - reply), stdout);
	fflush(stdout);
	free(reply);
	return 0;
}

int
ssrd__cmd_diagnose(const ssrd_render_cmd *cmd)
{
	int json = 0;
	if (cmd->format != NULL) {
		if (strcmp(cmd->format, "json") == 0) {
			json = 1;
		} else if (strcmp(cmd->format, "text") != 0) {
			fprintf(stderr,
			    "ssrd: --format is text or json, not \"%s\"\n",
			    cmd->format);
			return 2;
		}
	}
	ssrd_client     *c;
	ssrd_client_opts o  = { .timeout_ms = 5000 };
	int              rv = ssrd_client_open(cmd->connect, &o, &c);
	if (rv != SSRD_OK) {
		fprintf(stderr, "ssrd: cannot use the address \"%s\": %s\n",
		    cmd->connect, ssrd_strerror(rv));
		return 4;
	}
	int code;
	do {
		if (cmd->watch) {
			fputs("\033[H\033[2J", stdout); /* home, clear */
		}
		code = ask(c, cmd, json);
	} while (code == 0 && cmd->watch && sleep(2) == 0);
	ssrd_client_close(c);
	return code;
}
