/* compress.h: whole bodies compressed for HTTP (Content-Encoding), one call
 * each: the response cache's stored forms and sized replies. A streamed
 * reply keeps its own deflate stream (http/httpstream.c). */
#ifndef SSRD_COMPRESS_H
#define SSRD_COMPRESS_H

#include <stddef.h>

/* The gzip form of len bytes of src at level (1 fastest .. 9 smallest),
 * malloc'd, its length in *out_len; NULL when zlib fails or memory runs
 * out. Any thread. */
char *ssrd__gzip(const char *src, size_t len, int level, size_t *out_len);

#endif
