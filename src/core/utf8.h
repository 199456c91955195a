/* utf8.h: WHATWG-conformant conversions between UTF-8 and UTF-16, for
 * TextEncoder/TextDecoder. */
#ifndef SSRD_UTF8_H
#define SSRD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns how many UTF-8 bytes ssrd__utf8_from_utf16() writes for the n code
 * units at s. Lone surrogates count as U+FFFD (3 bytes). Pure; any thread.
 */
size_t ssrd__utf8_len_from_utf16(const uint16_t *s, size_t n);

/*
 * Encodes n UTF-16 code units as UTF-8 into out, which the caller owns and
 * sizes with ssrd__utf8_len_from_utf16() (3 * n always suffices). A surrogate
 * pair becomes one 4-byte sequence; a lone surrogate becomes U+FFFD, as
 * TextEncoder.encode() specifies. Returns the number of bytes written.
 */
size_t ssrd__utf8_from_utf16(const uint16_t *s, size_t n, uint8_t *out);

/*
 * Encodes n Latin-1 bytes as UTF-8 into out (2 * n bytes suffice).
 * Returns the number of bytes written.
 */
size_t ssrd__utf8_from_latin1(const uint8_t *s, size_t n, uint8_t *out);

/*
 * Decodes n bytes of UTF-8 into UTF-16 code units at out (n units always
 * suffice). Malformed input becomes U+FFFD per the WHATWG Encoding Standard:
 * one replacement per maximal subpart of an ill-formed sequence; overlongs,
 * surrogates (ED A0..BF) and values above U+10FFFF are ill-formed; a
 * truncated sequence at the end is one U+FFFD. A leading BOM is kept: the
 * caller strips it if it wants to. Returns the number of code units written.
 */
size_t ssrd__utf16_from_utf8(const uint8_t *s, size_t n, uint16_t *out);

/*
 * As ssrd__utf8_from_utf16(), but writes at most cap bytes and never splits
 * a character (TextEncoder.encodeInto()). Stores in *read how many code
 * units were consumed (a surrogate pair counts 2) and returns the number of
 * bytes written.
 */
size_t ssrd__utf8_from_utf16_max(
    const uint16_t *s, size_t n, uint8_t *out, size_t cap, size_t *read);

/* As ssrd__utf8_from_latin1(), bounded like ssrd__utf8_from_utf16_max(). */
size_t ssrd__utf8_from_latin1_max(
    const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *read);

/* Returns 1 if all n bytes at s are ASCII (< 0x80), else 0. */
int ssrd__utf8_is_ascii(const uint8_t *s, size_t n);

/*
 * Makes n bytes of UTF-8 well-formed, as a reader that replaces each
 * ill-formed sequence with U+FFFD would see them (ssrd__utf16_from_utf8()'s
 * rules): the result, malloc'd and NUL-terminated, with its length in *len;
 * NULL for want of memory. What JSON text built from the bytes says.
 */
char *ssrd__utf8_wellformed(const char *s, size_t n, size_t *len);

#endif
