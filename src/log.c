/* log.c implements ssrd's logfmt logger. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static atomic_int log_level = SSRD_LOG_INFO;

static const char *const level_names[]
    = { "debug", "info", "warn", "error", "off" };

void
ssrd__log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int
ssrd__log_level_parse(const char *name)
{
	for (int i = 0; i <= SSRD_LOG_OFF; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			return i;
		}
	}
	return -1;
}

int
ssrd__log_enabled(int level)
{
	return level >= atomic_load(&log_level) && level < SSRD_LOG_OFF;
}

void
ssrd__log(int level, const char *event, const char *fmt, ...)
{
	if (!ssrd__log_enabled(level)) {
		return;
	}
	struct timespec ts;
	struct tm       tm;
	char            when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	va_list ap;
	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "ts=%s.%03ldZ level=%s event=%s ", when,
	    ts.tv_nsec / 1000000, level_names[level], event);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

char *
ssrd__log_quote(const char *s, size_t n)
{
	char *out = malloc(n * 4 + 3);
	if (out == NULL) {
		return NULL;
	}
	char *p = out;
	*p++    = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		switch (c) {
		case '"':
			*p++ = '\\';
			*p++ = '"';
			break;
		case '\\':
			*p++ = '\\';
			*p++ = '\\';
			break;
		case '\n':
			*p++ = '\\';
			*p++ = 'n';
			break;
		case '\t':
			*p++ = '\\';
			*p++ = 't';
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				p += sprintf(p, "\\x%02x", c);
			} else {
				*p++ = (char) c;
			}
		}
	}
	*p++ = '"';
	*p   = '\0';
	return out;
}
