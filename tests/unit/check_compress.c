/* check_compress.c: Content-Encoding's coders (core/compress.c): whole bodies
 * in gzip and brotli decode to what went in, and a coded stream flushed at
 * each write lets the reader decode everything written so far, as a browser
 * shows a streamed page while it comes, and ends with the coded stream's
 * end. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_decode.h"
#include "check_run.h"
#include "core/compress.h"

static const ssrd_coding codings[] = { SSRD_CODING_GZIP, SSRD_CODING_BR };

/* A page-like body of n rows. */
static ssrd_strbuf
page(int rows)
{
	ssrd_strbuf b = { 0 };
	ssrd__strbuf_puts(&b, "<!DOCTYPE html><html><body><table>");
	for (int i = 0; i < rows; i++) {
		ssrd__strbuf_printf(&b,
		    "<tr><td>%d</td><td>Product %d</td><td>%d.%02d</td></tr>",
		    i, i * 7919 % 1000, i % 97, i % 100);
	}
	ssrd__strbuf_puts(&b, "</table></body></html>");
	return b;
}

START_TEST(test_names)
{
	ck_assert_ptr_null(ssrd__coding_name(SSRD_CODING_IDENTITY));
	ck_assert_str_eq(ssrd__coding_name(SSRD_CODING_GZIP), "gzip");
	ck_assert_str_eq(ssrd__coding_name(SSRD_CODING_BR), "br");
}
END_TEST

START_TEST(test_whole_bodies)
{
	ssrd_strbuf body = page(2000);
	for (size_t c = 0; c < 2; c++) {
		for (int e = SSRD_EFFORT_LIVE; e <= SSRD_EFFORT_STORED; e++) {
			size_t n = 0;
			char  *z = ssrd__compress(codings[c], (ssrd_effort) e,
			     body.ptr, body.len, &n);
			ck_assert_ptr_nonnull(z);
			ck_assert_uint_lt(n, body.len / 4); /* it compresses */
			struct decoder d;
			decoder_init(&d, codings[c]);
			decoder_feed(&d, z, n);
			ck_assert(!d.error && d.ended);
			ck_assert_uint_eq(d.out.len, body.len);
			ck_assert(memcmp(d.out.ptr, body.ptr, body.len) == 0);
			decoder_free(&d);
			free(z);
		}
		/* an empty body has a coded form too */
		size_t n = 0;
		char  *z
		    = ssrd__compress(codings[c], SSRD_EFFORT_LIVE, "", 0, &n);
		ck_assert_ptr_nonnull(z);
		ck_assert_uint_gt(n, 0);
		free(z);
	}
	size_t n = 0;
	ck_assert_ptr_null(ssrd__compress(
	    SSRD_CODING_IDENTITY, SSRD_EFFORT_LIVE, body.ptr, body.len, &n));
	ck_assert_ptr_null(ssrd__zstream_new(SSRD_CODING_IDENTITY));
	ssrd__strbuf_free(&body);
}
END_TEST

/* What a stream emits goes to the decoder at once: the reader's side. */
static void
to_decoder(void *arg, const char *data, size_t len)
{
	ck_assert_uint_gt(len, 0);
	decoder_feed(arg, data, len);
}

START_TEST(test_streams_flush_each_write)
{
	ssrd_strbuf body   = page(3000); /* bigger than one piece of output */
	size_t      cuts[] = { 0, 1, 17, 4096, 40000, body.len };
	for (size_t c = 0; c < 2; c++) {
		ssrd_zstream *z = ssrd__zstream_new(codings[c]);
		ck_assert_ptr_nonnull(z);
		struct decoder d;
		decoder_init(&d, codings[c]);
		for (size_t i = 1; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			size_t from = cuts[i - 1], to = cuts[i];
			ck_assert_int_eq(ssrd__zstream_write(z, body.ptr + from,
			                     to - from, 0, to_decoder, &d),
			    0);
			/* all written so far, and no more, can be read */
			ck_assert(!d.error);
			ck_assert_uint_eq(d.out.len, to);
			ck_assert(memcmp(d.out.ptr, body.ptr, to) == 0);
			ck_assert(!d.ended);
		}
		/* a write of nothing flushes nothing new */
		ck_assert_int_eq(
		    ssrd__zstream_write(z, NULL, 0, 0, to_decoder, &d), 0);
		ck_assert_uint_eq(d.out.len, body.len);
		ck_assert_int_eq(
		    ssrd__zstream_write(z, NULL, 0, 1, to_decoder, &d), 0);
		ck_assert(!d.error && d.ended);
		ck_assert_uint_eq(d.out.len, body.len);
		decoder_free(&d);
		ssrd__zstream_free(z);
	}
	ssrd__zstream_free(NULL);
	ssrd__strbuf_free(&body);
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("compress");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_whole_bodies);
	tcase_add_test(tc, test_streams_flush_each_write);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
