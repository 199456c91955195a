/* log.c implements ssrd's logger: logfmt lines, or the same as JSON. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/strbuf.h"

static atomic_int log_level  = SSRD_LOG_INFO;
static atomic_int log_format = SSRD_LOG_LOGFMT;

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

/* Whether s (n bytes) is a JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int
json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-') {
		i++;
	}
	if (i >= n || !isdigit((unsigned char) s[i])) {
		return 0;
	}
	if (s[i] == '0') {
		i++;
	} else {
		while (i < n && isdigit((unsigned char) s[i])) {
			i++;
		}
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || !isdigit((unsigned char) s[i])) {
			return 0;
		}
		while (i < n && isdigit((unsigned char) s[i])) {
			i++;
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-')) {
			i++;
		}
		if (i >= n || !isdigit((unsigned char) s[i])) {
			return 0;
		}
		while (i < n && isdigit((unsigned char) s[i])) {
			i++;
		}
	}
	return i == n;
}

/* Reads a quoted logfmt value at p (just past its opening quote), undoing
 * ssrd__log_quote()'s escapes into v; returns where it ended. */
static const char *
unquote(const char *p, ssrd_strbuf *v)
{
	while (*p != '\0' && *p != '"') {
		char c = *p++;
		if (c == '\\' && *p != '\0') {
			c = *p++;
			if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'x' && ssrd__hexval(p[0]) >= 0
			    && ssrd__hexval(p[1]) >= 0) {
				c = (char) (ssrd__hexval(p[0]) * 16
				    + ssrd__hexval(p[1]));
				p += 2;
			}
		}
		ssrd__strbuf_append(v, &c, 1);
	}
	return *p == '"' ? p + 1 : p;
}

void
ssrd__log_logfmt_to_json(ssrd_strbuf *b, const char *line)
{
	const char *p = line;
	for (;;) {
		while (*p == ' ') {
			p++;
		}
		if (*p == '\0') {
			return;
		}
		size_t klen = strcspn(p, "= ");
		ssrd__strbuf_puts(b, ",");
		ssrd__strbuf_json_string(b, p, klen);
		ssrd__strbuf_puts(b, ":");
		p += klen;
		if (*p != '=') { /* a bare word: a flag */
			ssrd__strbuf_puts(b, "true");
			continue;
		}
		p++;
		if (*p == '"') {
			ssrd_strbuf v = { 0 };
			p             = unquote(p + 1, &v);
			ssrd__strbuf_json_string(b, v.ptr ? v.ptr : "", v.len);
			ssrd__strbuf_free(&v);
			continue;
		}
		size_t vlen = strcspn(p, " ");
		if (json_number(p, vlen)) {
			ssrd__strbuf_append(b, p, vlen);
		} else {
			ssrd__strbuf_json_string(b, p, vlen);
		}
		p += vlen;
	}
}

void
ssrd__log_set_format(int format)
{
	atomic_store(&log_format, format);
}

int
ssrd__log_format_parse(const char *name)
{
	return strcmp(name, "logfmt") == 0 ? SSRD_LOG_LOGFMT
	    : strcmp(name, "json") == 0    ? SSRD_LOG_JSON
	                                   : -1;
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
	if (atomic_load(&log_format) == SSRD_LOG_JSON) {
		char       *text = NULL;
		ssrd_strbuf b    = { 0 };
		if (vasprintf(&text, fmt, ap) < 0) {
			text = NULL;
		}
		ssrd__strbuf_printf(&b,
		    "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":", when,
		    ts.tv_nsec / 1000000, level_names[level]);
		ssrd__strbuf_json_string(&b, event, strlen(event));
		ssrd__log_logfmt_to_json(&b, text ? text : "");
		ssrd__strbuf_puts(&b, "}\n");
		if (!ssrd__strbuf_failed(&b)) {
			fwrite(b.ptr, 1, b.len, stderr); /* one call: whole */
		}
		ssrd__strbuf_free(&b);
		free(text);
		va_end(ap);
		return;
	}
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

char *
ssrd__log_value(const char *s, size_t n)
{
	int bare = n > 0;
	for (size_t i = 0; bare && i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		bare            = c > 0x20 && c != 0x7f && c != '"' && c != '='
		    && c != '\\';
	}
	return bare ? strndup(s, n) : ssrd__log_quote(s, n);
}
