/* check_utf8.c tests src/utf8.c against the WHATWG UTF-8 rules. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

#include "check_run.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Decodes n bytes into a buffer of exactly n units (the documented bound), so
 * that ASan catches any write past it, and checks the result against want.
 */
static void
check_decode(const uint8_t *in, size_t n, const uint16_t *want, size_t nwant)
{
	uint8_t  *src = malloc(n ? n : 1);
	uint16_t *out = malloc((n ? n : 1) * sizeof(*out));
	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(out);
	if (n > 0) {
		memcpy(src, in, n);
	}
	size_t got = ssrd__utf16_from_utf8(src, n, out);
	ck_assert_msg(got == nwant, "decoded %zu units, want %zu", got, nwant);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_msg(out[i] == want[i],
		    "unit %zu: got U+%04X, want U+%04X", i, out[i], want[i]);
	}
	free(src);
	free(out);
}

/* Encodes into a buffer of exactly the predicted length and checks it. */
static void
check_encode(const uint16_t *in, size_t n, const uint8_t *want, size_t nwant)
{
	size_t len = ssrd__utf8_len_from_utf16(in, n);
	ck_assert_msg(
	    len == nwant, "predicted %zu bytes, want %zu", len, nwant);
	uint8_t *out = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(out);
	size_t got = ssrd__utf8_from_utf16(in, n, out);
	ck_assert_uint_eq(got, nwant);
	ck_assert_mem_eq(out, want, nwant);
	free(out);
}

#define DECODE(in, ...)                                                        \
	do {                                                                   \
		static const uint8_t  in_[]   = in;                            \
		static const uint16_t want_[] = { __VA_ARGS__ };               \
		check_decode(in_, sizeof(in_) - 1, want_, N(want_));           \
	} while (0)

#define ENCODE(want, ...)                                                      \
	do {                                                                   \
		static const uint16_t in_[]   = { __VA_ARGS__ };               \
		static const uint8_t  want_[] = want;                          \
		check_encode(in_, N(in_), want_, sizeof(want_) - 1);           \
	} while (0)

START_TEST(test_ascii)
{
	DECODE("hello", 'h', 'e', 'l', 'l', 'o');
	ENCODE("hello", 'h', 'e', 'l', 'l', 'o');
	DECODE("<div class=\"x\">0123456789</div>", '<', 'd', 'i', 'v', ' ',
	    'c', 'l', 'a', 's', 's', '=', '"', 'x', '"', '>', '0', '1', '2',
	    '3', '4', '5', '6', '7', '8', '9', '<', '/', 'd', 'i', 'v', '>');
	DECODE("\x00\x7F", 0x00, 0x7F);
	ck_assert_int_eq(ssrd__utf8_is_ascii((const uint8_t *) "", 0), 1);
	check_decode(NULL, 0, NULL, 0);
	ck_assert_uint_eq(ssrd__utf8_len_from_utf16(NULL, 0), 0);
	ck_assert_uint_eq(ssrd__utf8_from_latin1(NULL, 0, NULL), 0);
}
END_TEST

START_TEST(test_multibyte)
{
	DECODE("\xC2\x80", 0x80);
	DECODE("\xC3\xA9", 0xE9);
	DECODE("\xDF\xBF", 0x7FF);
	DECODE("\xE0\xA0\x80", 0x800);
	DECODE("\xE2\x82\xAC", 0x20AC);
	DECODE("\xED\x9F\xBF", 0xD7FF);
	DECODE("\xEE\x80\x80", 0xE000);
	DECODE("\xEF\xBF\xBD", 0xFFFD);
	DECODE("\xEF\xBF\xBF", 0xFFFF);
	DECODE("\xEF\xBB\xBFx", 0xFEFF, 'x'); /* the BOM is kept */
	ENCODE("\xC2\x80", 0x80);
	ENCODE("\xC3\xA9", 0xE9);
	ENCODE("\xDF\xBF", 0x7FF);
	ENCODE("\xE0\xA0\x80", 0x800);
	ENCODE("\xE2\x82\xAC", 0x20AC);
	ENCODE("\xEF\xBF\xBF", 0xFFFF);
	ENCODE("a\xC3\xA9\xE2\x82\xAC"
	       "b",
	    'a', 0xE9, 0x20AC, 'b');
}
END_TEST

START_TEST(test_astral)
{
	DECODE("\xF0\x9F\x98\x80", 0xD83D, 0xDE00);
	DECODE("\xF0\x90\x80\x80", 0xD800, 0xDC00);
	DECODE("\xF4\x8F\xBF\xBF", 0xDBFF, 0xDFFF);
	DECODE("a\xF0\x9F\x98\x80z", 'a', 0xD83D, 0xDE00, 'z');
	ENCODE("\xF0\x9F\x98\x80", 0xD83D, 0xDE00);
	ENCODE("\xF0\x90\x80\x80", 0xD800, 0xDC00);
	ENCODE("\xF4\x8F\xBF\xBF", 0xDBFF, 0xDFFF);
	ENCODE(
	    "\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 0xD83D, 0xDE00, 0xD83D, 0xDE00);
}
END_TEST

START_TEST(test_lone_surrogates)
{
	ENCODE("\xEF\xBF\xBD", 0xD800); /* lone high */
	ENCODE("\xEF\xBF\xBD", 0xDFFF); /* lone low */
	ENCODE("\xEF\xBF\xBD"
	       "a",
	    0xD83D, 'a');                     /* high, no low */
	ENCODE("a\xEF\xBF\xBD", 'a', 0xD83D); /* high at the end */
	ENCODE("\xEF\xBF\xBD\xEF\xBF\xBD", 0xDE00, 0xD83D); /* reversed */
	ENCODE("\xEF\xBF\xBD\xF0\x9F\x98\x80", 0xD83D, 0xD83D, 0xDE00);
	ENCODE("\xF0\x9F\x98\x80\xEF\xBF\xBD", 0xD83D, 0xDE00, 0xDE00);
	/* A lone surrogate inside an otherwise ASCII block of four. */
	ENCODE("ab\xEF\xBF\xBD"
	       "cdefg",
	    'a', 'b', 0xDC00, 'c', 'd', 'e', 'f', 'g');
}
END_TEST

START_TEST(test_latin1)
{
	static const uint8_t in[] = { 'c', 'a', 'f', 0xE9, 0x80, 0xFF, 0x00 };
	static const uint8_t want[]
	    = { 'c', 'a', 'f', 0xC3, 0xA9, 0xC2, 0x80, 0xC3, 0xBF, 0x00 };
	uint8_t *out = malloc(2 * N(in));
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(ssrd__utf8_from_latin1(in, N(in), out), N(want));
	ck_assert_mem_eq(out, want, N(want));

	/* Every Latin-1 byte decodes back to the same code point. */
	uint8_t  all[256];
	uint8_t  enc[512];
	uint16_t dec[512];
	for (int i = 0; i < 256; i++) {
		all[i] = (uint8_t) i;
	}
	size_t len = ssrd__utf8_from_latin1(all, 256, enc);
	ck_assert_uint_eq(len, 128 + 2 * 128);
	ck_assert_uint_eq(ssrd__utf16_from_utf8(enc, len, dec), 256);
	for (int i = 0; i < 256; i++) {
		ck_assert_uint_eq(dec[i], (unsigned) i);
	}
	free(out);
}
END_TEST

START_TEST(test_overlong)
{
	DECODE("\xC0\x80", 0xFFFD, 0xFFFD);
	DECODE("\xC1\xBF", 0xFFFD, 0xFFFD);
	DECODE("\xE0\x80\x80", 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xE0\x9F\xBF", 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xF0\x80\x80\x80", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xF0\x8F\xBF\xBF", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD);
}
END_TEST

START_TEST(test_surrogates_and_range)
{
	DECODE("\xED\xA0\x80", 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xED\xBF\xBF", 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xED\xA0\xBD\xED\xB8\x80", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD,
	    0xFFFD, 0xFFFD); /* CESU-8 U+1F600 */
	DECODE("\xF4\x90\x80\x80", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xF5\x80\x80\x80", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xF8\x88\x80\x80\x80", 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD);
	DECODE("\xFE\xFF", 0xFFFD, 0xFFFD);
}
END_TEST

START_TEST(test_stray_continuation)
{
	DECODE("\x80", 0xFFFD);
	DECODE("\xBF\xBF", 0xFFFD, 0xFFFD);
	DECODE("a\x80"
	       "b",
	    'a', 0xFFFD, 'b');
	DECODE("\xC3\xA9\xA9", 0xE9, 0xFFFD);
	DECODE("\xF0\x9F\x98\x80\x80", 0xD83D, 0xDE00, 0xFFFD);
}
END_TEST

START_TEST(test_truncated)
{
	/* At the end: one U+FFFD for the whole maximal subpart. */
	DECODE("\xC3", 0xFFFD);
	DECODE("\xE2\x82", 0xFFFD);
	DECODE("\xF0\x9F\x98", 0xFFFD);
	DECODE("a\xF0\x9F", 'a', 0xFFFD);
	DECODE("\xF0", 0xFFFD);
	/* In the middle: one U+FFFD, then the interrupting byte as itself. */
	DECODE("\xC3"
	       "a",
	    0xFFFD, 'a');
	DECODE("\xE2\x82"
	       "a",
	    0xFFFD, 'a');
	DECODE("\xF0\x9F\x98"
	       "a",
	    0xFFFD, 'a');
	DECODE("\xF0\x9F\x98\xC3\xA9", 0xFFFD, 0xE9);
	DECODE("\xE2\xF0\x9F\x98\x80", 0xFFFD, 0xD83D, 0xDE00);
	DECODE("\xE2\x82\xE2\x82\xAC", 0xFFFD, 0x20AC);
}
END_TEST

/* The WHATWG UTF-8 decoder written as the standard's state machine. */
static size_t
ref_decode(const uint8_t *s, size_t n, uint16_t *out)
{
	uint32_t cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xBF;
	size_t   o = 0;
	size_t   i = 0;

	while (i <= n) {
		if (i == n) {
			if (needed != 0) {
				out[o++] = 0xFFFD;
			}
			break;
		}
		uint8_t b = s[i++];
		if (needed == 0) {
			if (b <= 0x7F) {
				out[o++] = b;
			} else if (b >= 0xC2 && b <= 0xDF) {
				needed = 1;
				cp     = b & 0x1F;
			} else if (b >= 0xE0 && b <= 0xEF) {
				lower  = b == 0xE0 ? 0xA0 : lower;
				upper  = b == 0xED ? 0x9F : upper;
				needed = 2;
				cp     = b & 0xF;
			} else if (b >= 0xF0 && b <= 0xF4) {
				lower  = b == 0xF0 ? 0x90 : lower;
				upper  = b == 0xF4 ? 0x8F : upper;
				needed = 3;
				cp     = b & 0x7;
			} else {
				out[o++] = 0xFFFD;
			}
			continue;
		}
		if (b < lower || b > upper) {
			cp = needed = seen = 0;
			lower              = 0x80;
			upper              = 0xBF;
			i--; /* prepend the byte to the stream */
			out[o++] = 0xFFFD;
			continue;
		}
		lower = 0x80;
		upper = 0xBF;
		cp    = (cp << 6) | (b & 0x3F);
		if (++seen != needed) {
			continue;
		}
		if (cp >= 0x10000) {
			out[o++] = (uint16_t) (0xD800 + ((cp - 0x10000) >> 10));
			out[o++]
			    = (uint16_t) (0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else {
			out[o++] = (uint16_t) cp;
		}
		cp = needed = seen = 0;
	}
	return o;
}

static uint32_t rng_state = 12345;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

START_TEST(test_random_bytes_match_reference)
{
	static const uint8_t interesting[] = { 0x00, 'a', 0x7F, 0x80, 0x8F,
		0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
		0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF };
	uint8_t              buf[64];
	uint16_t             got[64], want[64];

	for (int iter = 0; iter < 200000; iter++) {
		size_t n = rng() % N(buf);
		for (size_t i = 0; i < n; i++) {
			buf[i] = (rng() & 1)
			    ? interesting[rng() % N(interesting)]
			    : (uint8_t) rng();
		}
		size_t ng = ssrd__utf16_from_utf8(buf, n, got);
		size_t nw = ref_decode(buf, n, want);
		ck_assert_uint_eq(ng, nw);
		ck_assert_mem_eq(got, want, nw * sizeof(uint16_t));
	}
}
END_TEST

START_TEST(test_large_round_trip)
{
	size_t    n  = (size_t) 1 << 20; /* code units */
	uint16_t *in = malloc(n * sizeof(*in));
	ck_assert_ptr_nonnull(in);

	size_t i = 0;
	while (i < n) {
		uint32_t kind = rng() % 16;
		if (kind < 10) { /* an ASCII run, as in HTML */
			for (uint32_t k = rng() % 40; k > 0 && i < n; k--) {
				in[i++] = (uint16_t) (0x20 + rng() % 0x5F);
			}
		} else if (kind < 12) {
			in[i++] = (uint16_t) (0x80 + rng() % (0x800 - 0x80));
		} else if (kind < 14) {
			uint16_t c
			    = (uint16_t) (0x800 + rng() % (0x10000 - 0x800));
			in[i++] = (c >= 0xD800 && c <= 0xDFFF) ? 0x20AC : c;
		} else if (i + 2 <= n) {
			uint32_t cp = 0x10000 + rng() % 0x100000;
			in[i++] = (uint16_t) (0xD800 + ((cp - 0x10000) >> 10));
			in[i++]
			    = (uint16_t) (0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else {
			in[i++] = 'x';
		}
	}

	size_t   len = ssrd__utf8_len_from_utf16(in, n);
	uint8_t *enc = malloc(len);
	ck_assert_ptr_nonnull(enc);
	ck_assert_uint_gt(len, n);
	ck_assert_uint_eq(ssrd__utf8_from_utf16(in, n, enc), len);
	ck_assert_int_eq(ssrd__utf8_is_ascii(enc, len), 0);

	/* The decoder writes at most len units; n of them here. */
	uint16_t *big = malloc(len * sizeof(*big));
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(ssrd__utf16_from_utf8(enc, len, big), n);
	ck_assert_mem_eq(big, in, n * sizeof(*in));

	/* Same for a reference decode of the same bytes. */
	uint16_t *ref = malloc(len * sizeof(*ref));
	ck_assert_ptr_nonnull(ref);
	ck_assert_uint_eq(ref_decode(enc, len, ref), n);
	ck_assert_mem_eq(ref, in, n * sizeof(*in));

	free(ref);
	free(big);
	free(enc);
	free(in);
}
END_TEST

/*
 * For each length 0..17 (around the 8-byte and 4-unit blocks), put one
 * non-ASCII character at every position of an ASCII buffer and check every
 * function sees it.
 */
START_TEST(test_fast_path_boundaries)
{
	size_t len = (size_t) _i;

	uint8_t *ascii = malloc(len + 1);
	ck_assert_ptr_nonnull(ascii);
	for (size_t i = 0; i < len; i++) {
		ascii[i] = (uint8_t) ('a' + i);
	}
	ck_assert_int_eq(ssrd__utf8_is_ascii(ascii, len), 1);

	for (size_t pos = 0; pos < len; pos++) {
		uint8_t  *b = malloc(len);
		uint16_t *u = malloc(len * sizeof(*u));
		uint16_t *d = malloc(len * sizeof(*d));
		uint8_t  *e = malloc(3 * len); /* the documented bound */
		uint16_t *w = malloc(len * sizeof(*w));
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_nonnull(u);
		ck_assert_ptr_nonnull(d);
		ck_assert_ptr_nonnull(e);
		ck_assert_ptr_nonnull(w);
		memcpy(b, ascii, len);

		/* is_ascii sees every high bit, whatever the byte. */
		for (int hb = 0x80; hb <= 0xFF; hb += 0x3F) {
			b[pos] = (uint8_t) hb;
			ck_assert_int_eq(ssrd__utf8_is_ascii(b, len), 0);
		}

		/* A stray 0x80 decodes to U+FFFD exactly at pos. */
		b[pos] = 0x80;
		for (size_t i = 0; i < len; i++) {
			w[i] = i == pos ? 0xFFFD : ascii[i];
		}
		check_decode(b, len, w, len);

		/* A 2-byte character at pos decodes to one unit there. */
		if (pos + 1 < len) {
			b[pos]     = 0xC3;
			b[pos + 1] = 0xA9;
			size_t m   = 0;
			for (size_t i = 0; i < len; i++) {
				if (i == pos) {
					w[m++] = 0xE9;
					i++;
				} else {
					w[m++] = ascii[i];
				}
			}
			check_decode(b, len, w, m);
			b[pos + 1] = ascii[pos + 1];
		}

		/* Latin-1: one 0xE9 at pos becomes C3 A9. */
		b[pos] = 0xE9;
		ck_assert_uint_eq(ssrd__utf8_from_latin1(b, len, e), len + 1);
		ck_assert_mem_eq(e, ascii, pos);
		ck_assert_uint_eq(e[pos], 0xC3);
		ck_assert_uint_eq(e[pos + 1], 0xA9);
		ck_assert_mem_eq(e + pos + 2, ascii + pos + 1, len - pos - 1);

		/* UTF-16: a non-ASCII unit at pos; then a lone surrogate. */
		for (size_t i = 0; i < len; i++) {
			u[i] = ascii[i];
		}
		u[pos] = 0xE9;
		ck_assert_uint_eq(ssrd__utf8_len_from_utf16(u, len), len + 1);
		ck_assert_uint_eq(ssrd__utf8_from_utf16(u, len, e), len + 1);
		ck_assert_uint_eq(e[pos], 0xC3);
		ck_assert_uint_eq(e[pos + 1], 0xA9);
		ck_assert_mem_eq(e + pos + 2, ascii + pos + 1, len - pos - 1);
		ck_assert_uint_eq(ssrd__utf16_from_utf8(e, len + 1, d), len);
		ck_assert_mem_eq(d, u, len * sizeof(*u));

		u[pos] = 0xD800;
		ck_assert_uint_eq(ssrd__utf8_len_from_utf16(u, len), len + 2);
		ck_assert_uint_eq(ssrd__utf8_from_utf16(u, len, e), len + 2);
		ck_assert_mem_eq(e + pos, "\xEF\xBF\xBD", 3);
		ck_assert_mem_eq(e + pos + 3, ascii + pos + 1, len - pos - 1);

		free(b);
		free(u);
		free(d);
		free(e);
		free(w);
	}

	/* All-ASCII UTF-16 and Latin-1 input are copied byte for byte. */
	uint16_t *u = malloc((len + 1) * sizeof(*u));
	uint8_t  *e = malloc(len + 1);
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < len; i++) {
		u[i] = ascii[i];
	}
	ck_assert_uint_eq(ssrd__utf8_from_utf16(u, len, e), len);
	ck_assert_mem_eq(e, ascii, len);
	ck_assert_uint_eq(ssrd__utf8_from_latin1(ascii, len, e), len);
	ck_assert_mem_eq(e, ascii, len);
	free(u);
	free(e);
	free(ascii);
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s  = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ascii);
	tcase_add_test(tc, test_multibyte);
	tcase_add_test(tc, test_astral);
	tcase_add_test(tc, test_lone_surrogates);
	tcase_add_test(tc, test_latin1);
	tcase_add_test(tc, test_overlong);
	tcase_add_test(tc, test_surrogates_and_range);
	tcase_add_test(tc, test_stray_continuation);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_random_bytes_match_reference);
	tcase_add_test(tc, test_large_round_trip);
	tcase_add_loop_test(tc, test_fast_path_boundaries, 0, 18);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int rc = ssrd_check_run(utf8_suite(), CK_FORK);
	return rc;
}
