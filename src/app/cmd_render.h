/* cmd_render.h: `ssrd render`, a client of a running daemon over the render
 * protocol (the in-process form is `ssrd render-local`). */
#ifndef SSRD_CMD_RENDER_H
#define SSRD_CMD_RENDER_H

/* What `ssrd render` was asked for. Strings belong to the caller. */
typedef struct ssrd_render_cmd {
	const char *connect; /* addresses to dial (the config's ipc) */
	const char *url;     /* the route, with an optional query */
	const char *props;   /* JSON object text, or NULL */
	const char *headers; /* JSON object text, or NULL */
	const char *host;    /* the site, or NULL */
	int         stream;  /* 1: print chunks as they come */
	int         console; /* 1: print the render's console lines on stderr */
	int         timeout_ms;
	/* ssrd diagnose: "text" (default) or "json"; 1: again every 2 s */
	const char *format;
	int         watch;
	const char *token; /* the config's admin_token, for tcp:// */
} ssrd_render_cmd;

/*
 * Renders through the daemon and writes the HTML to stdout (a stream chunk
 * by chunk, flushed as each arrives). Returns the process exit code: 0
 * rendered; 1 the page failed (its message and stack on stderr); 2 bad props
 * or request; 3 no route; 4 no daemon answered (with what to do).
 */
int ssrd__cmd_render(const ssrd_render_cmd *cmd);

/*
 * ssrd diagnose: asks the daemon at cmd->connect (an ipc:// address) for its
 * state and prints it, as text or JSON (cmd->format); with cmd->watch,
 * again every 2 s on a cleared terminal until interrupted. Returns 0, 2 for
 * a bad --format, 4 if no daemon answered.
 */
int ssrd__cmd_diagnose(const ssrd_render_cmd *cmd);

#endif
