/* check_decode.h: the tests' own decoders for Content-Encoding, zlib's inflate
 * and libbrotli's decoder, fed piece by piece as a browser would be. */
#ifndef SSRD_CHECK_DECODE_H
#define SSRD_CHECK_DECODE_H

#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/compress.h"
#include "core/strbuf.h"

/* A decoder for one coded body, fed as it arrives. */
struct decoder {
	ssrd_coding         coding;
	z_stream            z;
	BrotliDecoderState *br;
	int                 ended; /* the coded stream's end was seen */
	int                 error;
	ssrd_strbuf         out; /* what it decoded so far */
};

static inline void
decoder_init(struct decoder *d, ssrd_coding coding)
{
	memset(d, 0, sizeof(*d));
	d->coding = coding;
	if (coding == SSRD_CODING_GZIP) {
		d->error = inflateInit2(&d->z, 15 + 16) != Z_OK;
	} else {
		d->br    = BrotliDecoderCreateInstance(NULL, NULL, NULL);
		d->error = d->br == NULL;
	}
}

/* Feeds len coded bytes; what they decode to is appended to d->out. */
static inline void
decoder_feed(struct decoder *d, const char *data, size_t len)
{
	char out[4096];
	if (d->coding == SSRD_CODING_GZIP) {
		d->z.next_in  = (Bytef *) data;
		d->z.avail_in = (uInt) len;
		do {
			d->z.next_out  = (Bytef *) out;
			d->z.avail_out = sizeof(out);
			int rv         = inflate(&d->z, Z_SYNC_FLUSH);
			ssrd__strbuf_append(
			    &d->out, out, sizeof(out) - d->z.avail_out);
			if (rv == Z_STREAM_END) {
				d->ended = 1;
				break;
			}
			if (rv != Z_OK && rv != Z_BUF_ERROR) {
				d->error = 1;
				break;
			}
		} while (d->z.avail_out == 0);
		return;
	}
	const uint8_t *in    = (const uint8_t *) data;
	size_t         avail = len;
	for (;;) {
		uint8_t            *next = (uint8_t *) out;
		size_t              room = sizeof(out);
		BrotliDecoderResult rv   = BrotliDecoderDecompressStream(
		      d->br, &avail, &in, &room, &next, NULL);
		ssrd__strbuf_append(&d->out, out, sizeof(out) - room);
		if (rv == BROTLI_DECODER_RESULT_SUCCESS) {
			d->ended = 1;
			return;
		}
		if (rv == BROTLI_DECODER_RESULT_ERROR) {
			d->error = 1;
			return;
		}
		/* all input taken: done, unless output is still held back */
		if (rv == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
		    && !BrotliDecoderHasMoreOutput(d->br)) {
			return;
		}
	}
}

static inline void
decoder_free(struct decoder *d)
{
	if (d->coding == SSRD_CODING_GZIP) {
		inflateEnd(&d->z);
	} else {
		BrotliDecoderDestroyInstance(d->br);
	}
	ssrd__strbuf_free(&d->out);
}

#endif
