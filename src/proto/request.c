/* request.c: the render protocol's requests — decoding them (the daemon's
 * side) and encoding them (the client's), version SSRD_PROTO_VERSION (see
 * proto.h and the README). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "proto/proto.h"

/* ---- decoding ---- */

/* A render's fields while they are read: raw JSON spans of the text. */
struct render_fields {
	ssrd_render_req *r;
	const char      *props, *props_end;     /* the object's text */
	const char      *headers, *headers_end; /* the object's text */
	int              has_url;
};

struct decode {
	ssrd_msg            *m;
	size_t               max_batch;
	char                *why;
	size_t               whylen;
	struct render_fields top; /* render, stream: the fields at the top */
	int                  has_v, has_kind;
	double               version; /* as given, for the message */
	const char          *renders; /* batch: the array's text */
	const char          *renders_end;
};

static int
fail(struct decode *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->why, d->whylen, fmt, ap);
	va_end(ap);
	return SSRD_EINVAL;
}

/* Reads a string member into *out (malloc'd); NUL bytes are refused. */
static int
read_string(ssrd_json *j, char **out)
{
	size_t len;
	if (ssrd__json_peek(j) != '"') {
		return SSRD_EINVAL;
	}
	free(*out);
	*out   = NULL;
	int rv = ssrd__json_string_dup(j, out, &len);
	if (rv == SSRD_OK && strlen(*out) != len) {
		free(*out);
		*out = NULL;
		return SSRD_EINVAL;
	}
	return rv;
}

/* headers: an object whose every value is a string. */
static int
header_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	(void) key;
	(void) keylen;
	(void) ctx;
	if (ssrd__json_peek(j) != '"') {
		return SSRD_EINVAL;
	}
	return ssrd__json_skip(j);
}

struct options_ctx {
	ssrd_render_req *r;
	struct decode   *d;
};

static int
option_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct options_ctx *o = ctx;
	(void) keylen;
	if (strcmp(key, "stream") == 0 || strcmp(key, "console") == 0) {
		int v;
		if (ssrd__json_bool(j, &v) != SSRD_OK) {
			return fail(
			    o->d, "options.%s must be true or false", key);
		}
		if (key[0] == 's') {
			o->r->stream = v;
		} else {
			o->r->console = v;
		}
		return SSRD_OK;
	}
	if (strcmp(key, "timeout_ms") == 0) {
		double v;
		if (ssrd__json_number(j, &v) != SSRD_OK || v < 0 || v > 3.6e6) {
			return fail(o->d,
			    "options.timeout_ms must be a number of ms from 0 "
			    "to 3600000");
		}
		o->r->timeout_ms = v;
		return SSRD_OK;
	}
	/* unknown options are skipped: newer clients, older daemons */
	return ssrd__json_skip(j);
}

/* One member of a render: url, props, headers, host, options. Returns 1 in
 * *taken if it was one. */
static int
render_member(struct decode *d, struct render_fields *f, ssrd_json *j,
    const char *key, int *taken)
{
	*taken = 1;
	if (strcmp(key, "url") == 0 || strcmp(key, "route") == 0) {
		if (read_string(j, &f->r->url) != SSRD_OK
		    || f->r->url[0] != '/') {
			return fail(
			    d, "%s must be a path string starting with /", key);
		}
		f->has_url = 1;
		return SSRD_OK;
	}
	if (strcmp(key, "host") == 0) {
		if (read_string(j, &f->r->host) != SSRD_OK) {
			return fail(d, "host must be a string");
		}
		return SSRD_OK;
	}
	if (strcmp(key, "props") == 0) {
		f->props = j->p;
		if (ssrd__json_peek(j) != '{'
		    || ssrd__json_object(j, NULL, NULL) != SSRD_OK) {
			return fail(d, "props must be a JSON object");
		}
		f->props_end = j->p;
		return SSRD_OK;
	}
	if (strcmp(key, "headers") == 0) {
		f->headers = j->p;
		if (ssrd__json_peek(j) != '{'
		    || ssrd__json_object(j, header_member, NULL) != SSRD_OK) {
			return fail(d,
			    "headers must be an object of strings, e.g. "
			    "{\"accept-language\":\"fr\"}");
		}
		f->headers_end = j->p;
		return SSRD_OK;
	}
	if (strcmp(key, "options") == 0) {
		struct options_ctx o = { f->r, d };
		if (ssrd__json_peek(j) != '{') {
			return fail(d, "options must be an object");
		}
		return ssrd__json_object(j, option_member, &o);
	}
	*taken = 0;
	return SSRD_OK;
}
/* A render's props, from its url, headers and props (see proto.h). */
static int
finish_render(struct decode *d, struct render_fields *f)
{
	ssrd_render_req *r = f->r;
	if (!f->has_url) {
		return fail(d, "a render needs \"url\": \"/path?query\"");
	}
	r->props = ssrd__proto_page_props(r->url, f->headers,
	    f->headers ? (size_t) (f->headers_end - f->headers) : 0, f->props,
	    f->props ? (size_t) (f->props_end - f->props) : 0, &r->props_len);
	return r->props ? SSRD_OK : SSRD_ENOMEM;
}

/* A batch item is read with its own render_fields; the decode is passed
 * alongside. */
struct item_ctx {
	struct decode        *d;
	struct render_fields *f;
};

static int
item_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct item_ctx *ic = ctx;
	int              taken;
	(void) keylen;
	int rv = render_member(ic->d, ic->f, j, key, &taken);
	if (rv == SSRD_OK && !taken) {
		rv = ssrd__json_skip(j);
	}
	return rv;
}

static int
batch_elem(ssrd_json *j, size_t index, void *ctx)
{
	struct decode *d = ctx;
	ssrd_msg      *m = d->m;
	if (index >= d->max_batch) {
		return fail(
		    d, "a batch holds at most %zu renders", d->max_batch);
	}
	ssrd_render_req *v
	    = realloc(m->renders, (index + 1) * sizeof(ssrd_render_req));
	if (v == NULL) {
		return SSRD_ENOMEM;
	}
	m->renders = v;
	memset(&v[index], 0, sizeof(v[index]));
	v[index].stream         = -1;
	m->nrenders             = index + 1;
	struct render_fields f  = { .r = &v[index] };
	struct item_ctx      ic = { d, &f };
	if (ssrd__json_peek(j) != '{') {
		return fail(d, "renders[%zu] must be an object", index);
	}
	int rv = ssrd__json_object(j, item_member, &ic);
	if (rv == SSRD_OK) {
		rv = finish_render(d, &f);
		if (rv == SSRD_EINVAL) {
			char inner[256];
			snprintf(inner, sizeof(inner), "%s", d->why);
			fail(d, "renders[%zu]: %s", index, inner);
		}
	}
	return rv;
}

/* "v": the protocol version. */
static int
version_member(struct decode *d, ssrd_json *j)
{
	double v;
	if (ssrd__json_number(j, &v) != SSRD_OK) {
		return fail(d, "v must be the protocol version, 1");
	}
	/* any number is read; only small whole ones are versions
	 * (a cast of 1e90 to int would be undefined) */
	d->version = v;
	d->m->version
	    = v >= 0 && v <= 1e6 && v == (double) (long) v ? (int) v : -1;
	d->has_v = 1;
	return SSRD_OK;
}

/* "kind": one of the kinds' names. */
static int
kind_member(struct decode *d, ssrd_json *j)
{
	char *k  = NULL;
	int   rv = read_string(j, &k);
	if (rv != SSRD_OK) {
		free(k);
		return fail(d, "kind must be a string");
	}
	int kind = ssrd__proto_kind_parse(k);
	if (kind < 0) {
		rv = fail(d,
		    "unknown kind \"%.40s\" (render, batch, stream, "
		    "pull, cancel, ping, diagnose)",
		    k);
	} else {
		d->m->kind = (ssrd_msg_kind) kind;
	}
	free(k);
	d->has_kind = 1;
	return rv;
}

/* "id": a string or a number, kept as its JSON text to be echoed. */
static int
id_member(struct decode *d, ssrd_json *j)
{
	ssrd_msg   *m = d->m;
	const char *a = j->p;
	int         c = ssrd__json_peek(j);
	if (c != '"' && c != '-' && !(c >= '0' && c <= '9')) {
		return fail(d, "id must be a string or a number");
	}
	a = j->p;
	if (ssrd__json_skip(j) != SSRD_OK || j->p - a > 256) {
		return fail(d,
		    "id must be a string or a number of at "
		    "most 256 bytes");
	}
	free(m->id);
	m->id = strndup(a, (size_t) (j->p - a));
	return m->id ? SSRD_OK : SSRD_ENOMEM;
}

/* "format" (diagnose): "text" or "json". */
static int
format_member(struct decode *d, ssrd_json *j)
{
	char *f  = NULL;
	int   rv = read_string(j, &f);
	if (rv != SSRD_OK
	    || (strcmp(f, "text") != 0 && strcmp(f, "json") != 0)) {
		free(f);
		return rv == SSRD_ENOMEM
		    ? rv
		    : fail(d, "format must be \"text\" or \"json\"");
	}
	d->m->text = strcmp(f, "text") == 0;
	free(f);
	return SSRD_OK;
}

/* One member of the request's object: the request's own, or a render's
 * (render, stream); unknown members are ignored. */
static int
top_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct decode *d = ctx;
	ssrd_msg      *m = d->m;
	(void) keylen;
	if (strcmp(key, "v") == 0) {
		return version_member(d, j);
	}
	if (strcmp(key, "kind") == 0) {
		return kind_member(d, j);
	}
	if (strcmp(key, "id") == 0) {
		return id_member(d, j);
	}
	if (strcmp(key, "stream") == 0 && ssrd__json_peek(j) == '"') {
		if (read_string(j, &m->stream) != SSRD_OK) {
			return fail(d, "stream must be a string");
		}
		return SSRD_OK;
	}
	if (strcmp(key, "token") == 0) {
		free(m->token);
		m->token = NULL;
		if (read_string(j, &m->token) != SSRD_OK) {
			return fail(d, "token must be a string");
		}
		return SSRD_OK;
	}
	if (strcmp(key, "format") == 0) {
		return format_member(d, j);
	}
	if (strcmp(key, "renders") == 0) {
		if (ssrd__json_peek(j) != '[') {
			return fail(d, "renders must be an array");
		}
		d->renders = j->p;
		if (ssrd__json_skip(j) != SSRD_OK) {
			return fail(d, "renders is not valid JSON");
		}
		d->renders_end = j->p;
		return SSRD_OK;
	}
	int taken;
	int rv = render_member(d, &d->top, j, key, &taken);
	if (rv == SSRD_OK && !taken) {
		rv = ssrd__json_skip(j); /* unknown members are ignored */
	}
	return rv;
}

int
ssrd__proto_decode(const char *buf, size_t len, size_t max_batch, ssrd_msg *m,
    char *why, size_t whylen)
{
	memset(m, 0, sizeof(*m));
	ssrd_render_req top = { .stream = -1 };
	struct decode   d   = { .m = m,
		    .max_batch     = max_batch,
		    .why           = why,
		    .whylen        = whylen,
		    .top           = { .r = &top } };
	ssrd_json       j;
	why[0] = '\0';
	ssrd__json_init(&j, buf, len);
	if (ssrd__json_peek(&j) != '{') {
		return fail(&d, "a request is one JSON object");
	}
	int rv = ssrd__json_object(&j, top_member, &d);
	if (rv == SSRD_OK && ssrd__json_end(&j) != SSRD_OK) {
		rv = fail(&d, "text after the request's JSON object");
	}
	if (rv == SSRD_EINVAL && why[0] == '\0') {
		fail(&d, "malformed JSON");
	}
	if (rv == SSRD_OK && !d.has_v) {
		rv = fail(&d, "no \"v\": the protocol version (1) is required");
	} else if (rv == SSRD_OK && m->version != SSRD_PROTO_VERSION) {
		rv = fail(&d,
		    "protocol version %g is not supported (this ssrd "
		    "speaks 1)",
		    d.version);
	} else if (rv == SSRD_OK && !d.has_kind) {
		rv = fail(&d,
		    "no \"kind\" (render, batch, stream, pull, "
		    "cancel, ping, diagnose)");
	}
	if (rv == SSRD_OK) {
		switch (m->kind) {
		case SSRD_MSG_RENDER:
		case SSRD_MSG_STREAM:
			rv = finish_render(&d, &d.top);
			if (rv == SSRD_OK) {
				m->renders = malloc(sizeof(top));
				if (m->renders == NULL) {
					rv = SSRD_ENOMEM;
					break;
				}
				m->renders[0] = top;
				m->nrenders   = 1;
				memset(&top, 0, sizeof(top));
			}
			break;
		case SSRD_MSG_BATCH:
			if (d.renders == NULL) {
				rv = fail(
				    &d, "a batch needs \"renders\": [...]");
				break;
			}
			ssrd__json_init(&j, d.renders,
			    (size_t) (d.renders_end - d.renders));
			rv = ssrd__json_array(&j, batch_elem, &d);
			if (rv == SSRD_OK && m->nrenders == 0) {
				rv = fail(
				    &d, "a batch needs at least one render");
			}
			break;
		case SSRD_MSG_PULL:
		case SSRD_MSG_CANCEL:
			if (m->stream == NULL) {
				rv = fail(&d,
				    "%s needs \"stream\": the id the "
				    "stream's first reply gave",
				    ssrd__proto_kind_name(m->kind));
			}
			break;
		case SSRD_MSG_PING:
		case SSRD_MSG_DIAGNOSE:
			break;
		}
	}
	free(top.url);
	free(top.props);
	free(top.host);
	if (rv != SSRD_OK) {
		char *id = m->id;
		m->id    = NULL;
		ssrd__proto_msg_clear(m);
		m->id = id; /* the error reply still carries it */
	}
	return rv;
}

void
ssrd__proto_msg_clear(ssrd_msg *m)
{
	if (m == NULL) {
		return;
	}
	for (size_t i = 0; i < m->nrenders; i++) {
		free(m->renders[i].url);
		free(m->renders[i].props);
		free(m->renders[i].host);
	}
	free(m->renders);
	free(m->id);
	free(m->stream);
	free(m->token);
	memset(m, 0, sizeof(*m));
}

/* ---- encoding ---- */

/* The opening of every request: the version and the kind. */
static void
request_head(ssrd_strbuf *b, ssrd_msg_kind kind)
{
	ssrd__strbuf_printf(b, "{\"v\":%d,\"kind\":\"%s\"", SSRD_PROTO_VERSION,
	    ssrd__proto_kind_name(kind));
}

/* A render's members (no braces). ssrd_render_args' stream is 0 for the
 * daemon's default, 1 or -1; a default is not sent. */
static void
render_fields(ssrd_strbuf *b, const ssrd_render_args *a)
{
	ssrd__strbuf_puts(b, "\"url\":");
	ssrd__strbuf_json_string(b, a->url, strlen(a->url));
	if (a->props != NULL) {
		ssrd__strbuf_printf(b, ",\"props\":%s", a->props);
	}
	if (a->headers != NULL) {
		ssrd__strbuf_printf(b, ",\"headers\":%s", a->headers);
	}
	if (a->host != NULL) {
		ssrd__strbuf_puts(b, ",\"host\":");
		ssrd__strbuf_json_string(b, a->host, strlen(a->host));
	}
	ssrd__strbuf_puts(b, ",\"options\":{\"console\":");
	ssrd__strbuf_puts(b, a->console ? "true" : "false");
	if (a->stream != 0) {
		ssrd__strbuf_puts(b,
		    a->stream > 0 ? ",\"stream\":true" : ",\"stream\":false");
	}
	if (a->timeout_ms > 0) {
		ssrd__strbuf_printf(b, ",\"timeout_ms\":%d", a->timeout_ms);
	}
	ssrd__strbuf_puts(b, "}");
}

void
ssrd__proto_request_render(
    ssrd_strbuf *b, ssrd_msg_kind kind, const ssrd_render_args *a)
{
	request_head(b, kind);
	ssrd__strbuf_puts(b, ",");
	render_fields(b, a);
	ssrd__strbuf_puts(b, "}");
}

void
ssrd__proto_request_batch(ssrd_strbuf *b, const ssrd_render_args *a, size_t n)
{
	request_head(b, SSRD_MSG_BATCH);
	ssrd__strbuf_puts(b, ",\"renders\":[");
	for (size_t i = 0; i < n; i++) {
		ssrd__strbuf_puts(b, i ? ",{" : "{");
		render_fields(b, &a[i]);
		ssrd__strbuf_puts(b, "}");
	}
	ssrd__strbuf_puts(b, "]}");
}

void
ssrd__proto_request_stream(
    ssrd_strbuf *b, ssrd_msg_kind kind, const char *stream)
{
	request_head(b, kind);
	ssrd__strbuf_puts(b, ",\"stream\":");
	ssrd__strbuf_json_string(b, stream, strlen(stream));
	ssrd__strbuf_puts(b, "}");
}
