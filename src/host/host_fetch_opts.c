/* host_fetch_opts.c: fetch's options as the page gives them (method,
 * headers, body), read and checked into a struct fetch. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "host/host.h"
#include "host/host_fetch_impl.h"

/* Methods pages may use; anything else is refused. */
static const char *const methods[]
    = { "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" };

/* Request headers ssrd sets itself (framing and routing); a page naming one
 * is refused, since a wrong Content-Length or Host would desync or misroute
 * the request. */
static const char *const managed_headers[]
    = { "connection", "content-length", "expect", "host", "keep-alive", "te",
	      "trailer", "transfer-encoding", "upgrade" };

void
ssrd__fetch_clear(struct fetch *f)
{
	for (size_t i = 0; i < f->nheaders; i++) {
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	free(f->body);
	free(f->url);
}

/* Stores a message in f->err and returns SSRD_EINVAL, to stop the reader. */
static int bad(struct fetch *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct fetch *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return SSRD_EINVAL;
}

static int
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(s, list[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* RFC 9110's tchar: what a header name is made of. */
static int
is_tchar(unsigned char c)
{
	return isalnum(c) != 0 || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int
header_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct fetch *f = ctx;
	if (keylen == 0 || strlen(key) != keylen) {
		return bad(f, "fetch: a header name is empty or holds a NUL");
	}
	for (size_t i = 0; i < keylen; i++) {
		if (!is_tchar((unsigned char) key[i])) {
			return bad(f,
			    "fetch: \"%.64s\" is not a valid header name", key);
		}
	}
	if (in_list(key, managed_headers,
	        sizeof(managed_headers) / sizeof(managed_headers[0]))) {
		return bad(f,
		    "fetch: header \"%.64s\" is set by ssrd; leave it out",
		    key);
	}
	if (ssrd__json_peek(j) != '"') {
		return bad(f, "fetch: header \"%.64s\" must be a string", key);
	}
	/* NULL here is a string holding a NUL (or, rarely, no memory). */
	char                *value = ssrd__host_arg_string(j);
	const unsigned char *c     = (const unsigned char *) value;
	while (c != NULL && *c != '\0'
	    && ((*c >= 0x20 && *c != 0x7f) || *c == '\t')) {
		c++;
	}
	if (c == NULL || *c != '\0') {
		free(value);
		return bad(f,
		    "fetch: header \"%.64s\" has CR, LF or another control "
		    "character in its value",
		    key);
	}
	char **names  = realloc(f->names, (f->nheaders + 1) * sizeof(char *));
	char  *name   = NULL;
	char **values = NULL;
	if (names != NULL) {
		f->names = names;
		values = realloc(f->values, (f->nheaders + 1) * sizeof(char *));
	}
	if (values != NULL) {
		f->values = values;
		name      = strdup(key);
	}
	if (name == NULL) {
		free(value);
		return SSRD_ENOMEM;
	}
	f->names[f->nheaders]  = name;
	f->values[f->nheaders] = value;
	f->nheaders++;
	return SSRD_OK;
}

#define KEY_IS(lit) (keylen == sizeof(lit) - 1 && memcmp(key, lit, keylen) == 0)

static int
option_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct fetch *f = ctx;
	if (ssrd__json_is_null(j)) {
		return SSRD_OK; /* null (or undefined, stringified) = default */
	}
	if (KEY_IS("method")) {
		char *m = ssrd__host_arg_string(j);
		if (m == NULL) {
			return bad(f, "fetch: options.method must be a string");
		}
		size_t n = sizeof(methods) / sizeof(methods[0]);
		size_t i = 0;
		while (i < n && strcasecmp(m, methods[i]) != 0) {
			i++;
		}
		if (i == n) {
			bad(f,
			    "fetch: method \"%.32s\" is not supported (GET, "
			    "POST, PUT, DELETE, PATCH or HEAD)",
			    m);
			free(m);
			return SSRD_EINVAL;
		}
		free(m);
		snprintf(f->method, sizeof(f->method), "%s", methods[i]);
		return SSRD_OK;
	}
	if (KEY_IS("headers")) {
		if (ssrd__json_peek(j) != '{') {
			return bad(f,
			    "fetch: options.headers must be an object of "
			    "strings");
		}
		return ssrd__json_object(j, header_member, f);
	}
	if (KEY_IS("body")) {
		if (ssrd__json_peek(j) != '"') {
			return bad(f,
			    "fetch: options.body must be a string "
			    "(JSON.stringify objects first)");
		}
		free(f->body);
		f->body = NULL;
		return ssrd__json_string_dup(j, &f->body, &f->body_len);
	}
	return ssrd__json_skip(j); /* what a page cannot use here: ignored */
}

#undef KEY_IS

int
ssrd__fetch_options(struct fetch *f, ssrd_json *opts)
{
	if (ssrd__json_peek(opts) != '{') {
		return bad(f, "fetch(url, options): options must be an object");
	}
	return ssrd__json_object(opts, option_member, f);
}
