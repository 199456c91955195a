/* log.h: ssrd's log, one line per event on stderr: logfmt or JSON. */
#ifndef SSRD_LOG_H
#define SSRD_LOG_H

enum ssrd_log_level {
	SSRD_LOG_DEBUG = 0,
	SSRD_LOG_INFO  = 1,
	SSRD_LOG_WARN  = 2,
	SSRD_LOG_ERROR = 3,
	SSRD_LOG_OFF   = 4,
};

/* Sets the least level that is written. Any thread; takes effect at once. */
void ssrd__log_set_level(int level);

/* Returns the level named by name ("debug", "info", "warn", "error", "off"), or
 * -1. */
int ssrd__log_level_parse(const char *name);

enum ssrd_log_format {
	SSRD_LOG_LOGFMT = 0, /* ts=… level=… event=… key=value … */
	SSRD_LOG_JSON = 1, /* {"ts":"…","level":"…","event":"…","key":…} */
};

/* Sets how lines are written. Any thread; takes effect at once. */
void ssrd__log_set_format(int format);

/* Returns the format named by name ("logfmt", "json"), or -1. */
int ssrd__log_format_parse(const char *name);

/*
 * Appends the logfmt text line (key=value pairs; values bare or quoted as
 * ssrd__log_quote() quotes them) to b as a JSON object's members, each
 * after a comma: numbers stay numbers, everything else is a string.
 */
struct ssrd_strbuf;
void ssrd__log_logfmt_to_json(struct ssrd_strbuf *b, const char *line);

/* Returns 1 if a line at level would be written. */
int ssrd__log_enabled(int level);

/*
 * Writes one line: `ts=… level=… event=<event> ` followed by fmt, which
 * should itself be logfmt (`key=value …`; quote values with
 * ssrd__log_quote()). Lines from different threads never interleave.
 */
void ssrd__log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Quotes n bytes of s as a logfmt value (double quotes, \" \\ \n \t escaped,
 * other control bytes as \xNN) into a malloc'd string the caller frees.
 * Returns NULL only when out of memory.
 */
char *ssrd__log_quote(const char *s, size_t n);

/* As ssrd__log_quote(), but a value that needs no quotes (no space, quote,
 * '=', backslash or control byte, not empty) is copied bare. */
char *ssrd__log_value(const char *s, size_t n);

#endif
