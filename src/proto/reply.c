/* reply.c: the render protocol's reply heads — encoding them (the daemon's
 * side) and reading them (the client's), version SSRD_PROTO_VERSION (see
 * proto.h and the README). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "proto/proto.h"

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
ssrd__proto_reply_ok(
    ssrd_strbuf *b, const char *id, const char *kind, size_t body_len)
{
	head(b, id, kind);
	ssrd__strbuf_printf(
	    b, ",\"ok\":true,\"status\":200,\"body_len\":%zu}\n", body_len);
}

void
ssrd__proto_reply_batch_open(ssrd_strbuf *b, const char *id)
{
	head(b, id, "batch");
	ssrd__strbuf_puts(b, ",\"ok\":true,\"results\":[");
}

void
ssrd__proto_reply_batch_item(ssrd_strbuf *b, size_t index, int ok, int status,
    const char *code, const char *message, const char *stack,
    const ssrd_proto_timings *t, size_t body_len)
{
	ssrd__strbuf_puts(b, index ? ",{" : "{");
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
	ssrd__strbuf_printf(b, ",\"body_len\":%zu}", body_len);
}

void
ssrd__proto_reply_batch_close(ssrd_strbuf *b, size_t body_len)
{
	ssrd__strbuf_printf(b, "],\"body_len\":%zu}\n", body_len);
}

char *
ssrd__proto_split_error(const char *text, const char **stack)
{
	size_t n = strcspn(text, "\n");
	*stack   = text[n] == '\n' ? text : NULL;
	return strndup(text, n);
}

/* ---- reading ---- */

/* Reads a string member into *out (malloc'd, replacing what was there); a
 * member of another type is skipped. */
static int
take_string(ssrd_json *j, char **out)
{
	size_t len;
	free(*out);
	*out = NULL;
	return ssrd__json_peek(j) == '"' ? ssrd__json_string_dup(j, out, &len)
	                                 : ssrd__json_skip(j);
}

/* The members of "timings", into r's figures. */
static int
timing_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_reply *r = ctx;
	double     *d = strcmp(key, "queue_ms") == 0 ? &r->queue_ms
	        : strcmp(key, "first_ms") == 0       ? &r->first_ms
	        : strcmp(key, "render_ms") == 0      ? &r->render_ms
	        : strcmp(key, "total_ms") == 0       ? &r->total_ms
	                                             : NULL;
	(void) keylen;
	return d ? ssrd__json_number(j, d) : ssrd__json_skip(j);
}

/* The members of "error", into r's strings. */
static int
error_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_reply *r = ctx;
	(void) keylen;
	return strcmp(key, "code") == 0   ? take_string(j, &r->code)
	    : strcmp(key, "message") == 0 ? take_string(j, &r->message)
	    : strcmp(key, "stack") == 0   ? take_string(j, &r->stack)
	                                  : ssrd__json_skip(j);
}

/* The members a reply and a batch result share. */
static int
reply_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_proto_head *h = ctx;
	ssrd_reply      *r = h->r;
	double           d;
	(void) keylen;
	if (strcmp(key, "ok") == 0 || strcmp(key, "end") == 0) {
		return ssrd__json_bool(j, key[0] == 'o' ? &r->ok : &r->end);
	}
	if (strcmp(key, "status") == 0 || strcmp(key, "body_len") == 0) {
		int rv = ssrd__json_number(j, &d);
		if (rv == SSRD_OK && key[0] == 's') {
			r->status = (int) d;
		} else if (rv == SSRD_OK) {
			h->body_len = d >= 0 ? (size_t) d : 0;
		}
		return rv;
	}
	if (strcmp(key, "error") == 0) {
		return ssrd__json_object(j, error_member, r);
	}
	if (strcmp(key, "timings") == 0) {
		return ssrd__json_object(j, timing_member, r);
	}
	if (strcmp(key, "console") == 0) {
		return take_string(j, &r->console);
	}
	if (strcmp(key, "stream") == 0) {
		return take_string(j, &h->stream);
	}
	if (strcmp(key, "results") == 0) {
		h->results     = *j;
		h->has_results = 1;
	}
	return ssrd__json_skip(j);
}

int
ssrd__proto_reply_read(
    const char *buf, size_t len, ssrd_proto_head *h, const char **body)
{
	const char *nl = memchr(buf, '\n', len);
	ssrd_json   j;
	if (nl == NULL) {
		return SSRD_EBADREQ;
	}
	ssrd__json_init(&j, buf, (size_t) (nl - buf));
	if (ssrd__json_object(&j, reply_member, h) != SSRD_OK
	    || ssrd__json_end(&j) != SSRD_OK
	    || h->body_len > len - (size_t) (nl + 1 - buf)) {
		return SSRD_EBADREQ;
	}
	h->r->header_json = strndup(buf, (size_t) (nl - buf));
	*body             = nl + 1;
	return SSRD_OK;
}

int
ssrd__proto_reply_body(ssrd_reply *r, const char *body, size_t len)
{
	r->body = malloc(len + 1);
	if (r->body == NULL) {
		return SSRD_ENOMEM;
	}
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->body_len  = len;
	return SSRD_OK;
}

/* A batch's results, read one by one into out[] with the bodies that
 * follow the head in order. */
struct batch_read {
	ssrd_reply *out;
	size_t      n, got;
	const char *body, *end;
	int         err;
};

static int
batch_result(ssrd_json *j, size_t index, void *ctx)
{
	struct batch_read *br = ctx;
	if (index >= br->n) {
		return SSRD_EBADREQ;
	}
	ssrd_proto_head h  = { .r = &br->out[index] };
	int             rv = ssrd__json_object(j, reply_member, &h);
	free(h.stream);
	if (rv != SSRD_OK || h.body_len > (size_t) (br->end - br->body)) {
		return SSRD_EBADREQ;
	}
	rv = ssrd__proto_reply_body(&br->out[index], br->body, h.body_len);
	br->body += h.body_len;
	br->got = index + 1;
	return rv;
}

int
ssrd__proto_reply_batch_read(ssrd_proto_head *h, const char *body,
    const char *end, ssrd_reply *out, size_t n)
{
	struct batch_read br = { out, n, 0, body, end, 0 };
	int               rv = ssrd__json_array(&h->results, batch_result, &br);
	if (rv == SSRD_OK && br.got != n) {
		rv = SSRD_EBADREQ;
	}
	return rv;
}
