/* strbuf.h: a growable byte string for building HTML, JSON and messages. */
#ifndef SSRD_STRBUF_H
#define SSRD_STRBUF_H

#include <stddef.h>

/*
 * A zeroed ssrd_strbuf is an empty one. Appends never fail loudly: once an
 * allocation fails the buffer is marked failed, later appends do nothing,
 * and ssrd__strbuf_failed() says so, so a caller checks once at the end.
 * ptr is always NUL-terminated when len > 0 and not failed.
 */
typedef struct ssrd_strbuf {
	char  *ptr;
	size_t len;
	size_t cap;
	int    failed;
} ssrd_strbuf;

void ssrd__strbuf_append(ssrd_strbuf *b, const char *s, size_t n);
void ssrd__strbuf_puts(ssrd_strbuf *b, const char *s);
void ssrd__strbuf_printf(ssrd_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The next entry of a comma-separated list ("a, b,,c"): points *item at it,
 * the spaces around it trimmed, moves *p past it and returns its length;
 * returns 0 at the end of the list. Empty entries are skipped.
 */
size_t ssrd__list_next(const char **p, const char **item);

/* Appends n bytes of s as a JSON string literal, quotes included. */
void ssrd__strbuf_json_string(ssrd_strbuf *b, const char *s, size_t n);

/* Appends n bytes of text as a JSON string literal, each ill-formed UTF-8
 * sequence replaced by U+FFFD (the WHATWG rules, as TextDecoder does): for
 * bytes from outside (files, SQLite, HTTP) that a page receives as text. */
void ssrd__strbuf_json_text(ssrd_strbuf *b, const char *s, size_t n);

/* Returns 1 if an allocation failed. */
int ssrd__strbuf_failed(const ssrd_strbuf *b);

/* Returns the string (malloc'd, caller frees; "" if empty) and resets b; NULL
 * if failed. */
char *ssrd__strbuf_take(ssrd_strbuf *b);

/* Frees the buffer and resets b. */
void ssrd__strbuf_free(ssrd_strbuf *b);

/* Whether given equals secret, in a time that depends on secret's length
 * only (not on where they differ): for tokens. given may be NULL. */
int ssrd__secret_equal(const char *secret, const char *given);

/* Copies s and its NUL to *at (NULL stays NULL: returns NULL) and moves
 * *at past it; returns the copy. For strings packed after a struct in one
 * allocation, sized with ssrd__str_size(). */
const char *ssrd__str_pack(char **at, const char *s);

/* The bytes ssrd__str_pack() takes for s: strlen + 1, or 0 for NULL. */
size_t ssrd__str_size(const char *s);

/* The value of hex digit c (0-15), or -1: for %XX escapes. */
int ssrd__hexval(char c);

#endif
