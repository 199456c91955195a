/* utf8.c implements utf8.h: WHATWG UTF-8 <-> UTF-16 and Latin-1 -> UTF-8. */
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

/*
 * The fast paths test 8 bytes (or 4 UTF-16 units) at a time with one mask.
 * Loads go through memcpy so that unaligned input is fine and the compiler
 * still emits a single load. The UTF-16 mask is the same in every 16-bit
 * lane, so it does not depend on byte order.
 */
#define ASCII_MASK8 UINT64_C(0x8080808080808080)
#define ASCII_MASK16 UINT64_C(0xFF80FF80FF80FF80)

static inline uint64_t
load64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline int
is_high(uint16_t c)
{
	return c >= 0xD800 && c <= 0xDBFF;
}

static inline int
is_low(uint16_t c)
{
	return c >= 0xDC00 && c <= 0xDFFF;
}

int
ssrd__utf8_is_ascii(const uint8_t *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		if (load64(s + i) & ASCII_MASK8) {
			return 0;
		}
	}
	for (; i < n; i++) {
		if (s[i] & 0x80) {
			return 0;
		}
	}
	return 1;
}

size_t
ssrd__utf8_len_from_utf16(const uint16_t *s, size_t n)
{
	size_t len = 0;
	size_t i   = 0;

	while (i < n) {
		if (i + 4 <= n && (load64(s + i) & ASCII_MASK16) == 0) {
			len += 4;
			i += 4;
			continue;
		}
		uint16_t c = s[i++];
		if (c < 0x80) {
			len += 1;
		} else if (c < 0x800) {
			len += 2;
		} else if (is_high(c) && i < n && is_low(s[i])) {
			len += 4;
			i++;
		} else {
			len += 3; /* BMP character, or a lone surrogate as
			             U+FFFD */
		}
	}
	return len;
}

/*
 * The code point at s[i] of n units: a surrogate pair is one (2 units), a
 * lone surrogate is U+FFFD (1 unit), as TextEncoder specifies.
 */
static uint32_t
next_code_point(const uint16_t *s, size_t n, size_t i, size_t *units)
{
	uint32_t c = s[i];
	*units     = 1;
	if (is_high((uint16_t) c) && i + 1 < n && is_low(s[i + 1])) {
		*units = 2;
		return 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
	}
	return c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c;
}

/* How many UTF-8 bytes code point c takes. */
static size_t
code_point_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Writes c as UTF-8 at o and returns how many bytes that took. */
static size_t
put_code_point(uint8_t *o, uint32_t c)
{
	switch (code_point_len(c)) {
	case 1:
		o[0] = (uint8_t) c;
		return 1;
	case 2:
		o[0] = (uint8_t) (0xC0 | (c >> 6));
		o[1] = (uint8_t) (0x80 | (c & 0x3F));
		return 2;
	case 3:
		o[0] = (uint8_t) (0xE0 | (c >> 12));
		o[1] = (uint8_t) (0x80 | ((c >> 6) & 0x3F));
		o[2] = (uint8_t) (0x80 | (c & 0x3F));
		return 3;
	default:
		o[0] = (uint8_t) (0xF0 | (c >> 18));
		o[1] = (uint8_t) (0x80 | ((c >> 12) & 0x3F));
		o[2] = (uint8_t) (0x80 | ((c >> 6) & 0x3F));
		o[3] = (uint8_t) (0x80 | (c & 0x3F));
		return 4;
	}
}

size_t
ssrd__utf8_from_utf16(const uint16_t *s, size_t n, uint8_t *out)
{
	uint8_t *o = out;
	size_t   i = 0, units;

	while (i < n) {
		if (i + 4 <= n && (load64(s + i) & ASCII_MASK16) == 0) {
			o[0] = (uint8_t) s[i];
			o[1] = (uint8_t) s[i + 1];
			o[2] = (uint8_t) s[i + 2];
			o[3] = (uint8_t) s[i + 3];
			o += 4;
			i += 4;
			continue;
		}
		o += put_code_point(o, next_code_point(s, n, i, &units));
		i += units;
	}
	return (size_t) (o - out);
}

size_t
ssrd__utf8_from_latin1(const uint8_t *s, size_t n, uint8_t *out)
{
	uint8_t *o = out;
	size_t   i = 0;

	while (i < n) {
		if (i + 8 <= n && (load64(s + i) & ASCII_MASK8) == 0) {
			memcpy(o, s + i, 8);
			o += 8;
			i += 8;
			continue;
		}
		o += put_code_point(o, s[i++]);
	}
	return (size_t) (o - out);
}

/*
 * The decoder follows the WHATWG UTF-8 decoder's byte ranges: the lead byte
 * fixes the sequence length and the allowed range of the second byte (which
 * is what excludes overlongs, surrogates and values above U+10FFFF); later
 * bytes are 80..BF. When a byte does not fit, the bytes consumed so far (a
 * "maximal subpart") become one U+FFFD and the offending byte is decoded
 * afresh, so "E0 80 80" gives three U+FFFD but "F0 9F 98" at the end one.
 */
size_t
ssrd__utf16_from_utf8(const uint8_t *s, size_t n, uint16_t *out)
{
	uint16_t *o = out;
	size_t    i = 0;

	while (i < n) {
		if (i + 8 <= n && (load64(s + i) & ASCII_MASK8) == 0) {
			for (int k = 0; k < 8; k++) {
				o[k] = s[i + k];
			}
			o += 8;
			i += 8;
			continue;
		}
		uint8_t b = s[i++];
		if (b < 0x80) {
			*o++ = b;
			continue;
		}

		uint32_t cp;
		int      need;
		uint8_t  lo = 0x80, hi = 0xBF; /* range of the second byte */
		if (b >= 0xC2 && b <= 0xDF) {
			need = 1;
			cp   = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			need = 2;
			cp   = b & 0x0F;
			lo   = b == 0xE0 ? 0xA0 : 0x80;
			hi   = b == 0xED ? 0x9F : 0xBF;
		} else if (b >= 0xF0 && b <= 0xF4) {
			need = 3;
			cp   = b & 0x07;
			lo   = b == 0xF0 ? 0x90 : 0x80;
			hi   = b == 0xF4 ? 0x8F : 0xBF;
		} else {
			*o++ = 0xFFFD; /* C0, C1, F5..FF, or a stray 80..BF */
			continue;
		}

		int ok = 1;
		for (int k = 0; k < need; k++) {
			if (i >= n || s[i] < lo || s[i] > hi) {
				ok = 0;
				break;
			}
			cp = (cp << 6) | (s[i++] & 0x3Fu);
			lo = 0x80;
			hi = 0xBF;
		}
		if (!ok) {
			*o++ = 0xFFFD;
		} else if (cp < 0x10000) {
			*o++ = (uint16_t) cp;
		} else {
			cp -= 0x10000;
			*o++ = (uint16_t) (0xD800 | (cp >> 10));
			*o++ = (uint16_t) (0xDC00 | (cp & 0x3FF));
		}
	}
	return (size_t) (o - out);
}

size_t
ssrd__utf8_from_utf16_max(
    const uint16_t *s, size_t n, uint8_t *out, size_t cap, size_t *read)
{
	size_t i = 0, o = 0, units;
	while (i < n) {
		uint32_t c = next_code_point(s, n, i, &units);
		if (o + code_point_len(c) > cap) {
			break; /* never split a character */
		}
		o += put_code_point(out + o, c);
		i += units;
	}
	*read = i;
	return o;
}

size_t
ssrd__utf8_from_latin1_max(
    const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *read)
{
	size_t i = 0, o = 0;
	while (i < n && o + code_point_len(s[i]) <= cap) {
		o += put_code_point(out + o, s[i++]);
	}
	*read = i;
	return o;
}

char *
ssrd__utf8_wellformed(const char *s, size_t n, size_t *len)
{
	uint16_t *u16 = malloc((n ? n : 1) * sizeof(*u16));
	char     *out = malloc(3 * n + 1);
	if (u16 == NULL || out == NULL) {
		free(u16);
		free(out);
		return NULL;
	}
	size_t units = ssrd__utf16_from_utf8((const uint8_t *) s, n, u16);
	*len         = ssrd__utf8_from_utf16(u16, units, (uint8_t *) out);
	out[*len]    = '\0';
	free(u16);
	return out;
}
