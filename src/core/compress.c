/* compress.c implements compress.h with zlib (gzip) and libbrotli's encoder
 * (br). */
#include <stdint.h>
#include <stdlib.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "core/compress.h"

/* Levels by effort (ssrd_effort): gzip's 1..9 and brotli's 0..11. On the
 * demo's 42 KB catalog, gzip 4 and brotli 4 code it in well under a
 * millisecond; 6 makes both smaller for the cache, where it is done once. */
static const int gzip_level[] = { 4, 6 };
static const int br_quality[] = { 4, 6 };

/* Brotli's window, log2: a whole body uses the default (4 MiB, for the
 * call's length only); a stream, which lives as long as its reply, a
 * smaller one (256 KiB), which costs little on pages. */
#define BR_WINDOW_WHOLE BROTLI_DEFAULT_WINDOW
#define BR_WINDOW_STREAM 18

/* The bytes a stream's write hands out at a time. */
#define ZSTREAM_OUT 16384

const char *
ssrd__coding_name(ssrd_coding c)
{
	return c == SSRD_CODING_GZIP ? "gzip"
	    : c == SSRD_CODING_BR    ? "br"
	                             : NULL;
}

/* zlib's deflate with a gzip header and trailer (windowBits 15 + 16). */
static int
gzip_init(z_stream *z, int level)
{
	return deflateInit2(
	    z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static char *
gzip_whole(const char *src, size_t len, int level, size_t *out_len)
{
	z_stream z = { 0 };
	if (gzip_init(&z, level) != Z_OK) {
		return NULL;
	}
	size_t cap = deflateBound(&z, (uLong) len);
	char  *out = malloc(cap);
	if (out == NULL) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in   = (Bytef *) src;
	z.avail_in  = (uInt) len;
	z.next_out  = (Bytef *) out;
	z.avail_out = (uInt) cap;
	int rv      = deflate(&z, Z_FINISH);
	*out_len    = z.total_out;
	deflateEnd(&z);
	if (rv != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
br_whole(const char *src, size_t len, int quality, size_t *out_len)
{
	size_t cap = BrotliEncoderMaxCompressedSize(len);
	char  *out = cap > 0 ? malloc(cap) : NULL;
	if (out == NULL) {
		return NULL;
	}
	*out_len = cap;
	if (!BrotliEncoderCompress(quality, BR_WINDOW_WHOLE, BROTLI_MODE_TEXT,
	        len, (const uint8_t *) src, out_len, (uint8_t *) out)) {
		free(out);
		return NULL;
	}
	return out;
}

char *
ssrd__compress(
    ssrd_coding c, ssrd_effort e, const char *src, size_t len, size_t *out_len)
{
	switch (c) {
	case SSRD_CODING_GZIP:
		return gzip_whole(src, len, gzip_level[e], out_len);
	case SSRD_CODING_BR:
		return br_whole(src, len, br_quality[e], out_len);
	default:
		return NULL;
	}
}

struct ssrd_zstream {
	ssrd_coding         coding;
	z_stream            z;  /* gzip */
	BrotliEncoderState *br; /* br */
	char                out[ZSTREAM_OUT];
};

ssrd_zstream *
ssrd__zstream_new(ssrd_coding c)
{
	if (c != SSRD_CODING_GZIP && c != SSRD_CODING_BR) {
		return NULL;
	}
	ssrd_zstream *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		return NULL;
	}
	z->coding = c;
	if (c == SSRD_CODING_GZIP) {
		if (gzip_init(&z->z, gzip_level[SSRD_EFFORT_LIVE]) != Z_OK) {
			free(z);
			return NULL;
		}
		return z;
	}
	z->br = BrotliEncoderCreateInstance(NULL, NULL, NULL);
	if (z->br == NULL) {
		free(z);
		return NULL;
	}
	BrotliEncoderSetParameter(z->br, BROTLI_PARAM_QUALITY,
	    (uint32_t) br_quality[SSRD_EFFORT_LIVE]);
	BrotliEncoderSetParameter(z->br, BROTLI_PARAM_LGWIN, BR_WINDOW_STREAM);
	BrotliEncoderSetParameter(z->br, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
	return z;
}

static int
gzip_write(ssrd_zstream *z, const char *src, size_t len, int finish,
    ssrd_zstream_emit emit, void *arg)
{
	int flush     = finish ? Z_FINISH : Z_SYNC_FLUSH;
	z->z.next_in  = (Bytef *) src;
	z->z.avail_in = (uInt) len;
	do {
		z->z.next_out  = (Bytef *) z->out;
		z->z.avail_out = sizeof(z->out);
		int    rv      = deflate(&z->z, flush);
		size_t n       = sizeof(z->out) - z->z.avail_out;
		if (rv == Z_STREAM_ERROR) {
			return -1;
		}
		if (n > 0) {
			emit(arg, z->out, n);
		}
		if (rv == Z_STREAM_END) {
			break;
		}
	} while (z->z.avail_out == 0 || z->z.avail_in > 0);
	return 0;
}

static int
br_write(ssrd_zstream *z, const char *src, size_t len, int finish,
    ssrd_zstream_emit emit, void *arg)
{
	BrotliEncoderOperation op
	    = finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH;
	const uint8_t *in    = (const uint8_t *) src;
	size_t         avail = len;
	for (;;) {
		uint8_t *next = (uint8_t *) z->out;
		size_t   room = sizeof(z->out);
		if (!BrotliEncoderCompressStream(
		        z->br, op, &avail, &in, &room, &next, NULL)) {
			return -1;
		}
		if (room < sizeof(z->out)) {
			emit(arg, z->out, sizeof(z->out) - room);
		}
		int more = avail > 0 || BrotliEncoderHasMoreOutput(z->br);
		if (!more && (!finish || BrotliEncoderIsFinished(z->br))) {
			return 0;
		}
	}
}

int
ssrd__zstream_write(ssrd_zstream *z, const char *src, size_t len, int finish,
    ssrd_zstream_emit emit, void *arg)
{
	return z->coding == SSRD_CODING_GZIP
	    ? gzip_write(z, src, len, finish, emit, arg)
	    : br_write(z, src, len, finish, emit, arg);
}

void
ssrd__zstream_free(ssrd_zstream *z)
{
	if (z == NULL) {
		return;
	}
	if (z->coding == SSRD_CODING_GZIP) {
		deflateEnd(&z->z);
	} else {
		BrotliEncoderDestroyInstance(z->br);
	}
	free(z);
}
