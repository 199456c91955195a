/* compress.c implements compress.h with zlib. */
#include <stdlib.h>

#include <zlib.h>

#include "core/compress.h"

char *
ssrd__gzip(const char *src, size_t len, int level, size_t *out_len)
{
	z_stream z = { 0 };
	/* 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
	    != Z_OK) {
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
