/* proto.c: decoding requests and encoding replies of the render protocol
 * (version 1, see proto.h and the README). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "proto/proto.h"

static const char *const kind_names[]
    = { "render", "batch", "stream", "pull", "cancel", "ping", "diagnose" };

const char *
ssrd__proto_kind_name(ssrd_msg_kind kind)
{
	return (unsigned) kind < sizeof(kind_names) / sizeof(kind_names[0])
	    ? kind_names[kind]
	    : "unknown";
}

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

/* One name=value pair of a query string, decoded. */
struct qpair {
	char  *name, *value;
	size_t nlen, vlen;
	size_t at; /* its place in the query, for a stable sort */
};

/* Decodes len bytes of s (%XX and +) into a malloc'd string, made
 * well-formed UTF-8 as the page will see it (ill-formed bytes as U+FFFD);
 * *olen its length. */
static char *
query_decode(const char *s, size_t len, size_t *olen)
{
	char  *dec = malloc(len + 1);
	size_t o   = 0;
	if (dec == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '+') {
			dec[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len
		    && (hi = ssrd__hexval(s[i + 1])) >= 0
		    && (lo = ssrd__hexval(s[i + 2])) >= 0) {
			dec[o++] = (char) (hi * 16 + lo);
			i += 2;
		} else {
			dec[o++] = s[i];
		}
	}
	dec[o] = '\0';
	*olen  = o;
	if (ssrd__utf8_is_ascii((const uint8_t *) dec, o)) {
		return dec;
	}
	/* sorted and compared as the page sees them: two names that differ
	 * only in ill-formed bytes are one name */
	char *wf = ssrd__utf8_wellformed(dec, o, olen);
	free(dec);
	return wf;
}

/* By name, bytewise; equal names in the order they came. */
static int
qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	size_t              n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int                 c = memcmp(x->name, y->name, n);
	if (c != 0) {
		return c;
	}
	if (x->nlen != y->nlen) {
		return x->nlen < y->nlen ? -1 : 1;
	}
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Appends a query string's pairs as a JSON object: %XX and + decoded, the
 * names in sorted order (bytewise), a repeated name with its last value.
 * So equivalent queries ("b=2&a=1", "a=1&b=2", "a=0&a=1&b=2") give the same
 * object, and so the same page and one response-cache entry. Returns how
 * many members it wrote.
 */
static size_t
query_json(ssrd_strbuf *b, const char *q)
{
	struct qpair *v = NULL;
	size_t        n = 0, cap = 0;
	for (size_t at = 0; *q != '\0'; at++) {
		size_t len = strcspn(q, "&");
		if (len > 0) {
			const char *eq = memchr(q, '=', len);
			size_t      kn = eq ? (size_t) (eq - q) : len;
			if (n == cap) {
				cap              = cap ? cap * 2 : 8;
				struct qpair *nv = realloc(v, cap * sizeof(*v));
				if (nv == NULL) {
					b->failed = 1;
					break;
				}
				v = nv;
			}
			struct qpair *p = &v[n];
			p->at           = at;
			p->name         = query_decode(q, kn, &p->nlen);
			p->value        = query_decode(
			           eq ? eq + 1 : "", eq ? len - kn - 1 : 0, &p->vlen);
			if (p->name == NULL || p->value == NULL) {
				free(p->name);
				free(p->value);
				b->failed = 1;
				break;
			}
			n++;
		}
		q += len;
		if (*q == '&') {
			q++;
		}
	}
	if (n > 1) {
		qsort(v, n, sizeof(*v), qpair_cmp);
	}
	size_t written = 0;
	ssrd__strbuf_puts(b, "{");
	for (size_t i = 0; i < n; i++) {
		/* the last of equal names wins */
		if (i + 1 < n && v[i].nlen == v[i + 1].nlen
		    && memcmp(v[i].name, v[i + 1].name, v[i].nlen) == 0) {
			continue;
		}
		ssrd__strbuf_puts(b, written++ ? "," : "");
		ssrd__strbuf_json_text(b, v[i].name, v[i].nlen);
		ssrd__strbuf_puts(b, ":");
		ssrd__strbuf_json_text(b, v[i].value, v[i].vlen);
	}
	ssrd__strbuf_puts(b, "}");
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return written;
}

char *
ssrd__proto_page_props(const char *url, const char *headers, size_t hlen,
    const char *props, size_t plen, size_t *out_len)
{
	/* a '?' after the '#' belongs to the fragment: not a query */
	size_t      at    = strcspn(url, "?#");
	const char *qmark = url[at] == '?' ? url + at : NULL;
	ssrd_strbuf b     = { 0 };
	int         n     = 0;
	ssrd__strbuf_puts(&b, "{");
	if (qmark != NULL) {
		const char *hash = strchr(qmark, '#');
		char       *q    = strndup(qmark + 1,
                    hash ? (size_t) (hash - qmark - 1) : strlen(qmark + 1));
		if (q == NULL) {
			ssrd__strbuf_free(&b);
			return NULL;
		}
		/* an empty query ("/about?") is none */
		size_t mark = b.len;
		ssrd__strbuf_puts(&b, "\"query\":");
		if (query_json(&b, q) > 0) {
			n++;
		} else if (!b.failed) {
			b.len = mark;
		}
		free(q);
	}
	if (headers != NULL) {
		ssrd__strbuf_puts(&b, n ? ",\"headers\":" : "\"headers\":");
		ssrd__strbuf_append(&b, headers, hlen);
		n++;
	}
	if (props != NULL) {
		/* the members between the braces, if any */
		const char *a = memchr(props, '{', plen);
		const char *z = props + plen;
		while (a != NULL && z > a && z[-1] != '}') {
			z--;
		}
		if (a != NULL && z > a) {
			a++;
			z--;
			while (a < z
			    && (*a == ' ' || *a == '\t' || *a == '\n'
			        || *a == '\r')) {
				a++;
			}
			if (a < z) {
				ssrd__strbuf_puts(&b, n ? "," : "");
				ssrd__strbuf_append(&b, a, (size_t) (z - a));
			}
		}
	}
	ssrd__strbuf_puts(&b, "}");
	if (ssrd__strbuf_failed(&b)) {
		ssrd__strbuf_free(&b);
		return NULL;
	}
	*out_len = b.len;
	return ssrd__strbuf_take(&b);
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

static int
top_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct decode *d = ctx;
	ssrd_msg      *m = d->m;
	(void) keylen;
	if (strcmp(key, "v") == 0) {
		double v;
		if (ssrd__json_number(j, &v) != SSRD_OK) {
			return fail(d, "v must be the protocol version, 1");
		}
		/* any number is read; only small whole ones are versions
		 * (a cast of 1e90 to int would be undefined) */
		d->version = v;
		m->version = v >= 0 && v <= 1e6 && v == (double) (long) v
		    ? (int) v
		    : -1;
		d->has_v   = 1;
		return SSRD_OK;
	}
	if (strcmp(key, "kind") == 0) {
		char *k  = NULL;
		int   rv = read_string(j, &k);
		if (rv != SSRD_OK) {
			free(k);
			return fail(d, "kind must be a string");
		}
		size_t i = 0;
		while (i < sizeof(kind_names) / sizeof(kind_names[0])
		    && strcmp(kind_names[i], k) != 0) {
			i++;
		}
		if (i == sizeof(kind_names) / sizeof(kind_names[0])) {
			rv = fail(d,
			    "unknown kind \"%.40s\" (render, batch, stream, "
			    "pull, cancel, ping, diagnose)",
			    k);
		}
		free(k);
		m->kind     = (ssrd_msg_kind) i;
		d->has_kind = 1;
		return rv;
	}
	if (strcmp(key, "id") == 0) {
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
		char *f  = NULL;
		int   rv = read_string(j, &f);
		if (rv != SSRD_OK
		    || (strcmp(f, "text") != 0 && strcmp(f, "json") != 0)) {
			free(f);
			return rv == SSRD_ENOMEM
			    ? rv
			    : fail(d, "format must be \"text\" or \"json\"");
		}
		m->text = strcmp(f, "text") == 0;
		free(f);
		return SSRD_OK;
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
				    kind_names[m->kind]);
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

static void
head(ssrd_strbuf *b, const char *id, const char *kind)
{
	ssrd__strbuf_printf(b, "{\"v\":%d", SSRD_PROTO_VERSION);
	if (id != NULL) {
		ssrd__strbuf_printf(b, ",\"id\":%s", id);
	}
	ssrd__strbuf_printf(b, ",\"kind\":\"%s\"", kind);
}

static void
timings(ssrd_strbuf *b, const ssrd_proto_timings *t)
{
	ssrd__strbuf_printf(b,
	    "\"timings\":{\"queue_ms\":%.3f,\"first_ms\":%.3f,"
	    "\"render_ms\":%.3f,\"total_ms\":%.3f}",
	    t->queue_ms, t->first_ms, t->render_ms, t->total_ms);
}

static void
error_members(ssrd_strbuf *b, int status, const char *code, const char *message,
    const char *stack)
{
	ssrd__strbuf_printf(
	    b, "\"ok\":false,\"status\":%d,\"error\":{\"code\":", status);
	ssrd__strbuf_json_text(b, code, strlen(code));
	ssrd__strbuf_puts(b, ",\"message\":");
	ssrd__strbuf_json_text(b, message, strlen(message));
	if (stack != NULL) {
		ssrd__strbuf_puts(b, ",\"stack\":");
		ssrd__strbuf_json_text(b, stack, strlen(stack));
	}
	ssrd__strbuf_puts(b, "}");
}

void
ssrd__proto_reply_page(ssrd_strbuf *b, const char *id, const char *kind,
    int status, const ssrd_proto_timings *t, const char *console,
    size_t body_len)
{
	head(b, id, kind);
	ssrd__strbuf_printf(b,
	    ",\"ok\":true,\"status\":%d,\"headers\":{"
	    "\"content-type\":\"text/html; charset=utf-8\"},",
	    status);
	timings(b, t);
	if (console != NULL) {
		ssrd__strbuf_puts(b, ",\"console\":");
		ssrd__strbuf_json_text(b, console, strlen(console));
	}
	ssrd__strbuf_printf(b, ",\"body_len\":%zu}\n", body_len);
}

void
ssrd__proto_reply_error(ssrd_strbuf *b, const char *id, const char *kind,
    int status, const char *code, const char *message, const char *stack,
    const ssrd_proto_timings *t)
{
	head(b, id, kind);
	ssrd__strbuf_puts(b, ",");
	error_members(b, status, code, message, stack);
	if (t != NULL) {
		ssrd__strbuf_puts(b, ",");
		timings(b, t);
	}
	ssrd__strbuf_puts(b, ",\"body_len\":0}\n");
}

void
ssrd__proto_reply_chunk(ssrd_strbuf *b, const char *id, const char *stream,
    unsigned long seq, int end, const char *code, const char *message,
    size_t body_len)
{
	head(b, id, "stream");
	ssrd__strbuf_puts(b, ",\"ok\":true,\"status\":200,\"stream\":");
	ssrd__strbuf_json_text(b, stream, strlen(stream));
	ssrd__strbuf_printf(
	    b, ",\"seq\":%lu,\"end\":%s", seq, end ? "true" : "false");
	if (code != NULL) {
		ssrd__strbuf_puts(b, ",\"error\":{\"code\":");
		ssrd__strbuf_json_text(b, code, strlen(code));
		ssrd__strbuf_puts(b, ",\"message\":");
		ssrd__strbuf_json_text(b, message, strlen(message));
		ssrd__strbuf_puts(b, "}");
	}
	ssrd__strbuf_printf(b, ",\"body_len\":%zu}\n", body_len);
}

void
ssrd__proto_batch_item(ssrd_strbuf *b, int ok, int status, const char *code,
    const char *message, const char *stack, const ssrd_proto_timings *t,
    size_t body_len)
{
	if (ok) {
		ssrd__strbuf_printf(b, "\"ok\":true,\"status\":%d,", status);
		timings(b, t);
	} else {
		error_members(b, status, code, message, stack);
		if (t != NULL) {
			ssrd__strbuf_puts(b, ",");
			timings(b, t);
		}
	}
	ssrd__strbuf_printf(b, ",\"body_len\":%zu", body_len);
}

char *
ssrd__proto_split_error(const char *text, const char **stack)
{
	size_t n = strcspn(text, "\n");
	*stack   = text[n] == '\n' ? text : NULL;
	return strndup(text, n);
}
