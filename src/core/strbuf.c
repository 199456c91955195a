/* strbuf.c implements the growable byte string. */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/utf8.h"

#ifndef NDEBUG
/* The invariants of strbuf.h: a zeroed buffer is empty; otherwise len fits
 * in cap with room for the NUL. (Callers shorten len to drop what they
 * appended, so the NUL itself is only rewritten by the next append.) */
static int
strbuf_sanity(const ssrd_strbuf *b)
{
	if (b->ptr == NULL) {
		return b->len == 0 && b->cap == 0;
	}
	return b->len < b->cap;
}
#endif

static int
reserve(ssrd_strbuf *b, size_t extra)
{
	assert(strbuf_sanity(b));
	if (b->failed) {
		return 0;
	}
	if (b->len + extra + 1 <= b->cap) {
		return 1;
	}
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1) {
		cap *= 2;
	}
	char *p = realloc(b->ptr, cap);
	if (p == NULL) {
		b->failed = 1;
		return 0;
	}
	b->ptr = p;
	b->cap = cap;
	return 1;
}

void
ssrd__strbuf_append(ssrd_strbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n)) {
		return;
	}
	memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void
ssrd__strbuf_puts(ssrd_strbuf *b, const char *s)
{
	ssrd__strbuf_append(b, s, strlen(s));
}

void
ssrd__strbuf_printf(ssrd_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t) n)) {
		b->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

void
ssrd__strbuf_json_string(ssrd_strbuf *b, const char *s, size_t n)
{
	ssrd__strbuf_append(b, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<') {
			continue;
		}
		ssrd__strbuf_append(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"':
			ssrd__strbuf_append(b, "\\\"", 2);
			break;
		case '\\':
			ssrd__strbuf_append(b, "\\\\", 2);
			break;
		case '\n':
			ssrd__strbuf_append(b, "\\n", 2);
			break;
		default:
			/* Control bytes, and '<' so the JSON is safe inside
			 * <script>. */
			ssrd__strbuf_printf(b, "\\u%04x", c);
		}
	}
	ssrd__strbuf_append(b, s + start, n - start);
	ssrd__strbuf_append(b, "\"", 1);
}

int
ssrd__strbuf_failed(const ssrd_strbuf *b)
{
	return b->failed;
}

char *
ssrd__strbuf_take(ssrd_strbuf *b)
{
	if (b->failed) {
		ssrd__strbuf_free(b);
		return NULL;
	}
	char *p = b->ptr;
	if (p == NULL) {
		p = calloc(1, 1);
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void
ssrd__strbuf_free(ssrd_strbuf *b)
{
	free(b->ptr);
	b->ptr    = NULL;
	b->len    = 0;
	b->cap    = 0;
	b->failed = 0;
}

void
ssrd__strbuf_json_text(ssrd_strbuf *b, const char *s, size_t n)
{
	if (ssrd__utf8_is_ascii((const uint8_t *) s, n)) {
		ssrd__strbuf_json_string(b, s, n);
		return;
	}
	/* by way of UTF-16 and back: each ill-formed sequence becomes one
	 * U+FFFD on the way in; each unit is at most 3 bytes on the way out */
	uint16_t *u16 = malloc(n * sizeof(*u16));
	uint8_t  *u8  = malloc(3 * n);
	if (u16 == NULL || u8 == NULL) {
		b->failed = 1;
	} else {
		size_t units
		    = ssrd__utf16_from_utf8((const uint8_t *) s, n, u16);
		size_t len = ssrd__utf8_from_utf16(u16, units, u8);
		ssrd__strbuf_json_string(b, (const char *) u8, len);
	}
	free(u16);
	free(u8);
}

size_t
ssrd__list_next(const char **p, const char **item)
{
	const char *s = *p;
	while (*s == ' ' || *s == ',') {
		s++;
	}
	size_t n = strcspn(s, ",");
	*item    = s;
	*p       = s + n;
	while (n > 0 && s[n - 1] == ' ') {
		n--;
	}
	return n;
}

int
ssrd__secret_equal(const char *secret, const char *given)
{
	if (given == NULL) {
		return 0;
	}
	size_t        n = strlen(secret), m = strlen(given);
	unsigned char d = n != m;
	for (size_t i = 0; i < n; i++) {
		d |= (unsigned char) secret[i]
		    ^ (unsigned char) given[i < m ? i : 0];
	}
	return d == 0 && n > 0;
}

int
ssrd__hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

const char *
ssrd__str_pack(char **at, const char *s)
{
	if (s == NULL) {
		return NULL;
	}
	size_t n = strlen(s) + 1;
	char  *d = memcpy(*at, s, n);
	*at += n;
	return d;
}

size_t
ssrd__str_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}
