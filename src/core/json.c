/* json.c implements json.h: a strict streaming JSON reader. */
#include "core/json.h"

#include <math.h>
#include <ssrd/errors.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
ssrd__json_init(ssrd_json *j, const char *text, size_t len)
{
	static const char empty[1] = { 0 }; /* for NULL: no arithmetic on it */

	j->p     = text != NULL ? text : empty;
	j->end   = j->p + (text != NULL ? len : 0);
	j->depth = 0;
}

int
ssrd__json_peek(ssrd_json *j)
{
	while (j->p < j->end && memchr(" \t\n\r", *j->p, 4) != NULL) {
		j->p++;
	}
	return j->p < j->end ? (unsigned char) *j->p : -1;
}

/* Consumes c if it comes next, after any whitespace; returns whether it did. */
static int
eat(ssrd_json *j, int c)
{
	if (ssrd__json_peek(j) != c) {
		return 0;
	}
	j->p++;
	return 1;
}

/* Consumes the literal word (true, false, null) if it comes next. */
static int
eat_word(ssrd_json *j, const char *word)
{
	size_t n = strlen(word);

	(void) ssrd__json_peek(j);
	if ((size_t) (j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
		return 0;
	}
	j->p += n;
	return 1;
}

int
ssrd__json_end(ssrd_json *j)
{
	return ssrd__json_peek(j) == -1 ? SSRD_OK : SSRD_EINVAL;
}

/* Appends byte c to buf if it has room; *n counts bytes either way. */
static void
put(char *buf, size_t cap, size_t *n, uint32_t c)
{
	if (buf != NULL && *n < cap) {
		buf[*n] = (char) c;
	}
	(*n)++;
}

static void
put_utf8(char *buf, size_t cap, size_t *n, uint32_t cp)
{
	static const uint8_t lead[] = { 0x00, 0xC0, 0xE0, 0xF0 };
	int k = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;

	put(buf, cap, n, lead[k] | (cp >> (6 * k)));
	while (k-- > 0) {
		put(buf, cap, n, 0x80 | ((cp >> (6 * k)) & 0x3F));
	}
}

/* Reads the four hex digits of a \u escape. */
static int
hex4(ssrd_json *j, uint32_t *out)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	const char       *h;

	*out = 0;
	for (int k = 0; k < 4; k++) {
		if (j->p == j->end || (h = memchr(hex, *j->p++, 22)) == NULL) {
			return SSRD_EINVAL;
		}
		*out
		    = (*out << 4) | (uint32_t) ((h - hex) - (h - hex > 15) * 6);
	}
	return SSRD_OK;
}

/*
 * Reads the string at the cursor, writing at most cap bytes of its decoded
 * UTF-8 to buf (which may be NULL) and the full decoded length to *n, which
 * is never more than the raw length. Lone surrogates become U+FFFD.
 */
static int
string(ssrd_json *j, char *buf, size_t cap, size_t *n)
{
	static const char esc_in[]  = "\"\\/bfnrt",
	                  esc_out[] = "\"\\/\b\f\n\r\t";

	*n = 0;
	if (!eat(j, '"')) {
		return SSRD_EINVAL;
	}
	while (j->p < j->end) {
		uint8_t     c = (uint8_t) *j->p++;
		const char *e;
		uint32_t    cp, lo;
		if (c == '"') {
			return SSRD_OK;
		} else if (c < 0x20) {
			return SSRD_EINVAL;
		} else if (c != '\\') {
			put(buf, cap, n, c);
			continue;
		} else if (j->p >= j->end) {
			return SSRD_EINVAL;
		}
		c = (uint8_t) *j->p++;
		if ((e = memchr(esc_in, c, 8)) != NULL) {
			put(buf, cap, n, (uint8_t) esc_out[e - esc_in]);
			continue;
		}
		if (c != 'u' || hex4(j, &cp) != SSRD_OK) {
			return SSRD_EINVAL;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6
		    && j->p[0] == '\\' && j->p[1] == 'u') {
			j->p += 2;
			if (hex4(j, &lo) != SSRD_OK) {
				return SSRD_EINVAL;
			}
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10)
				    + (lo - 0xDC00);
			} else {
				/* Not a pair: read the second on its own. */
				j->p -= 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			cp = 0xFFFD; /* a lone surrogate */
		}
		put_utf8(buf, cap, n, cp);
	}
	return SSRD_EINVAL; /* unterminated */
}

/*
 * Reads a string into buf (cap bytes) if it fits with a NUL after it, else
 * into a new buffer; stores the buffer used in *out and the length in *n.
 */
static int
string_to(ssrd_json *j, char *buf, size_t cap, char **out, size_t *n)
{
	const char *start;
	int         rc;

	(void) ssrd__json_peek(j);
	start = j->p;
	if ((rc = string(j, buf, cap, n)) != SSRD_OK) {
		return rc;
	} else if (*n >= cap) {
		if ((buf = malloc(*n + 1)) == NULL) {
			return SSRD_ENOMEM;
		}
		j->p = start; /* decode again, now that the size is known */
		(void) string(j, buf, *n, n);
	}
	buf[*n] = '\0';
	*out    = buf;
	return SSRD_OK;
}

int
ssrd__json_string_dup(ssrd_json *j, char **out, size_t *len)
{
	size_t n;
	int    rc = string_to(j, NULL, 0, out, &n); /* *out set only if OK */

	if (rc == SSRD_OK && len != NULL) {
		*len = n;
	}
	return rc;
}

/* Consumes a run of digits; returns how many there were. */
static size_t
digits(ssrd_json *j)
{
	const char *start = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		j->p++;
	}
	return (size_t) (j->p - start);
}

/* Consumes a number, checking its form only. */
static int
number(ssrd_json *j)
{
	const char *start;

	(void) ssrd__json_peek(j);
	j->p += j->p < j->end && *j->p == '-';
	start = j->p;
	if (digits(j) == 0 || (*start == '0' && j->p - start > 1)) {
		return SSRD_EINVAL; /* no digits, or a leading zero */
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (digits(j) == 0) {
			return SSRD_EINVAL;
		}
	}
	if (j->p < j->end && (*j->p | 0x20) == 'e') {
		j->p++;
		j->p += j->p < j->end && (*j->p == '+' || *j->p == '-');
		return digits(j) > 0 ? SSRD_OK : SSRD_EINVAL;
	}
	return SSRD_OK;
}

int
ssrd__json_number(ssrd_json *j, double *out)
{
	char        small[64], *s = small, *stop;
	const char *start;
	size_t      n;
	int         rc;

	(void) ssrd__json_peek(j);
	start = j->p;
	if ((rc = number(j)) != SSRD_OK || out == NULL) {
		return rc;
	}
	/* strtod() needs a NUL-terminated copy: the text may end right here. */
	n = (size_t) (j->p - start);
	if (n >= sizeof(small) && (s = malloc(n + 1)) == NULL) {
		return SSRD_ENOMEM;
	}
	memcpy(s, start, n);
	s[n]     = '\0';
	double v = strtod(s, &stop);
	if (stop != s + n || isinf(v)) {
		rc = SSRD_EINVAL; /* overflow, or not the "C" locale */
	} else {
		*out = v;
	}
	if (s != small) {
		free(s);
	}
	return rc;
}

int
ssrd__json_bool(ssrd_json *j, int *out)
{
	int v = eat_word(j, "true");

	if (!v && !eat_word(j, "false")) {
		return SSRD_EINVAL;
	} else if (out != NULL) {
		*out = v;
	}
	return SSRD_OK;
}

int
ssrd__json_is_null(ssrd_json *j)
{
	return eat_word(j, "null");
}

/*
 * Reads the members of an object or the elements of an array between open
 * and close, calling fn(j, index, arg) for each, or skipping each if fn is
 * NULL. The depth check sits before each item, so an empty container is fine
 * one level deeper than a value.
 */
static int
items(ssrd_json *j, int open, int close, ssrd_json_elem_fn fn, void *arg)
{
	size_t i = 0;
	int    rc;

	if (!eat(j, open)) {
		return SSRD_EINVAL;
	}
	j->depth++;
	if (eat(j, close)) {
		rc = SSRD_OK; /* empty */
	} else if (j->depth > SSRD_JSON_MAX_DEPTH) {
		rc = SSRD_EINVAL;
	} else {
		do {
			rc = fn != NULL ? fn(j, i++, arg) : ssrd__json_skip(j);
		} while (rc == SSRD_OK && eat(j, ','));
		if (rc == SSRD_OK && !eat(j, close)) {
			rc = SSRD_EINVAL;
		}
	}
	j->depth--;
	return rc;
}

/* Skips a member without decoding its key: no buffer, no allocation. */
static int
skip_member(ssrd_json *j, size_t index, void *arg)
{
	size_t n;

	if (string(j, NULL, 0, &n) != SSRD_OK || !eat(j, ':')) {
		return SSRD_EINVAL;
	}
	return ssrd__json_skip(j);
}

struct member_call {
	ssrd_json_member_fn fn;
	void               *ctx;
};

/*
 * Decodes a member's key, on the stack if it is short (as most are), and
 * hands the member to the caller's function.
 */
static int
member(ssrd_json *j, size_t index, void *arg)
{
	struct member_call *call = arg;
	char                small[64], *key;
	size_t              n;
	int                 rc = string_to(j, small, sizeof(small), &key, &n);

	if (rc != SSRD_OK) {
		return rc;
	}
	rc = eat(j, ':') ? call->fn(j, key, n, call->ctx) : SSRD_EINVAL;
	if (key != small) {
		free(key);
	}
	return rc;
}

int
ssrd__json_object(ssrd_json *j, ssrd_json_member_fn fn, void *ctx)
{
	struct member_call call = { fn, ctx };

	return fn != NULL ? items(j, '{', '}', member, &call)
	                  : items(j, '{', '}', skip_member, NULL);
}

int
ssrd__json_array(ssrd_json *j, ssrd_json_elem_fn fn, void *ctx)
{
	return items(j, '[', ']', fn, ctx);
}

int
ssrd__json_skip(ssrd_json *j)
{
	size_t n;
	int    c = ssrd__json_peek(j);

	if (c == '{') {
		return items(j, '{', '}', skip_member, NULL);
	} else if (c == '[') {
		return items(j, '[', ']', NULL, NULL);
	} else if (c == '"') {
		return string(j, NULL, 0, &n);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		return number(j);
	}
	return ssrd__json_bool(j, NULL) == SSRD_OK || ssrd__json_is_null(j)
	    ? SSRD_OK
	    : SSRD_EINVAL;
}
