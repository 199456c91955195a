/* json.h: a small strict streaming JSON reader (RFC 8259) over a byte span,
 * for source maps, esbuild's metafile and the like. */
#ifndef SSRD_JSON_H
#define SSRD_JSON_H

#include <stddef.h>

/*
 * A value nested inside more than this many arrays and objects is rejected
 * (SSRD_EINVAL), so reading or skipping never recurses deeper than that.
 */
#define SSRD_JSON_MAX_DEPTH 256

/*
 * A cursor over JSON text. Invariant: p <= end, and no function reads at or
 * past end, so the text need not be NUL-terminated. depth is how many arrays
 * and objects enclose the cursor. Callers set it up with ssrd__json_init()
 * and otherwise only read it: reading p just before and after a value gives
 * the value's raw text. A cursor is a plain value with no resources; copying
 * it saves a position to come back to.
 *
 * The reader keeps no state besides the cursor and allocates only what it
 * hands out, so distinct cursors may be used in any threads at once; one
 * cursor belongs to one thread at a time. The text must stay unchanged and
 * alive while the cursor is in use.
 *
 * Every reader skips whitespace first and, on success, leaves the cursor just
 * past what it read. On an error the cursor stays within the text but where
 * is unspecified: abandon the parse.
 */
typedef struct ssrd_json {
	const char *p;     /* next byte to read */
	const char *end;   /* one past the last byte of the text */
	int         depth; /* arrays and objects open around p */
} ssrd_json;

/*
 * Called by ssrd__json_object() for each member, with the cursor on the
 * member's value, which the callback must consume (with ssrd__json_skip() or
 * a reader). key is the decoded key (UTF-8, keylen bytes, NUL-terminated
 * after them but possibly holding NULs itself), owned by the reader and valid
 * only during the call. Returning anything but SSRD_OK stops the object.
 */
typedef int (*ssrd_json_member_fn)(
    ssrd_json *j, const char *key, size_t keylen, void *ctx);

/*
 * Called by ssrd__json_array() for each element, index counting from 0, with
 * the cursor on the element, which it must consume. Returning anything but
 * SSRD_OK stops the array.
 */
typedef int (*ssrd_json_elem_fn)(ssrd_json *j, size_t index, void *ctx);

/*
 * Points j at the len bytes at text (NULL is allowed when len is 0), depth 0.
 * Nothing is copied: text must outlive the cursor's use.
 */
void ssrd__json_init(ssrd_json *j, const char *text, size_t len);

/*
 * Skips whitespace and returns the next byte without consuming it, or -1 at
 * the end: '{', '[', '"', '-' or a digit, 't', 'f', 'n' tell the value's
 * type before reading it; anything else means the text is not JSON there.
 */
int ssrd__json_peek(ssrd_json *j);

/*
 * Returns SSRD_OK if only whitespace remains, else SSRD_EINVAL: call it
 * after the top-level value to reject trailing text.
 */
int ssrd__json_end(ssrd_json *j);

/*
 * Reads an object, calling fn(j, key, keylen, ctx) for each member in text
 * order (repeated keys included). fn may be NULL to skip every member.
 * Returns SSRD_OK; SSRD_EINVAL if the text is not an object, a key or the
 * syntax is malformed, or the depth limit is passed; SSRD_ENOMEM if a key
 * could not be decoded for want of memory; or the first code other than
 * SSRD_OK that fn returns, as it is (so a private "stop" code works too).
 */
int ssrd__json_object(ssrd_json *j, ssrd_json_member_fn fn, void *ctx);

/*
 * Reads an array, calling fn(j, index, ctx) for each element. fn may be NULL
 * to skip every element. Returns as ssrd__json_object() does.
 */
int ssrd__json_array(ssrd_json *j, ssrd_json_elem_fn fn, void *ctx);

/*
 * Skips one value of any type, checking its syntax all through (strings'
 * escapes, numbers' form, the depth limit). Returns SSRD_OK or SSRD_EINVAL;
 * never allocates.
 */
int ssrd__json_skip(ssrd_json *j);

/*
 * Reads a string into a new NUL-terminated buffer stored in *out, which the
 * caller frees with free(). Escapes are decoded to UTF-8; a surrogate pair
 * (\ud83d\ude00) becomes one character and a lone surrogate U+FFFD. Stores
 * the decoded length in *len unless len is NULL (the string may hold NULs).
 * Returns SSRD_OK; SSRD_EINVAL if the next value is not a well-formed
 * string (unescaped control characters included); SSRD_ENOMEM. On error
 * *out and *len are untouched.
 */
int ssrd__json_string_dup(ssrd_json *j, char **out, size_t *len);

/*
 * Reads a number in JSON's strict form (no "+1", "01", ".5", "1." or hex)
 * and stores its value in *out unless out is NULL. Returns SSRD_OK;
 * SSRD_EINVAL if the next value is not a number, or (when out is not NULL)
 * its magnitude overflows a double; SSRD_ENOMEM for a number longer than
 * 63 bytes that could not be copied. The conversion uses strtod(), so it
 * assumes the "C" LC_NUMERIC locale (ssrd never calls setlocale()).
 */
int ssrd__json_number(ssrd_json *j, double *out);

/*
 * Reads true or false, storing 1 or 0 in *out unless out is NULL. Returns
 * SSRD_OK, or SSRD_EINVAL if the next value is neither.
 */
int ssrd__json_bool(ssrd_json *j, int *out);

/*
 * If the next value is null, consumes it and returns 1; otherwise consumes
 * nothing (but whitespace) and returns 0. For "a string or null" values.
 */
int ssrd__json_is_null(ssrd_json *j);

#endif
