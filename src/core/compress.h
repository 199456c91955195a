/* compress.h: bodies compressed for HTTP (Content-Encoding), gzip (zlib)
 * or brotli (libbrotli): whole bodies in one call (the response cache's
 * stored forms, sized replies), and streams flushed at each write (streamed
 * replies, so that the browser can show what has come). */
#ifndef SSRD_COMPRESS_H
#define SSRD_COMPRESS_H

#include <stddef.h>

/* A content coding ssrd speaks. */
typedef enum ssrd_coding {
	SSRD_CODING_IDENTITY, /* as is */
	SSRD_CODING_GZIP,
	SSRD_CODING_BR,
} ssrd_coding;

#define SSRD_CODINGS 3

/* Its name in Content-Encoding ("gzip", "br"), or NULL for identity. */
const char *ssrd__coding_name(ssrd_coding c);

/* How hard to try: a body compressed as it goes out, or once and kept
 * (the response cache). */
typedef enum ssrd_effort {
	SSRD_EFFORT_LIVE,   /* gzip 4, brotli 4 */
	SSRD_EFFORT_STORED, /* gzip 6, brotli 6 */
} ssrd_effort;

/* The coded form of len bytes of src, malloc'd, its length in *out_len;
 * NULL for identity, when the library fails or memory runs out. Any
 * thread. */
char *ssrd__compress(
    ssrd_coding c, ssrd_effort e, const char *src, size_t len, size_t *out_len);

/* A coded stream at the live effort. */
typedef struct ssrd_zstream ssrd_zstream;

/* A new stream for c (gzip or brotli), or NULL (identity, no memory). */
ssrd_zstream *ssrd__zstream_new(ssrd_coding c);

/* Receives the coded bytes a write produces, in as many pieces as it
 * takes. */
typedef void (*ssrd_zstream_emit)(void *arg, const char *data, size_t len);

/*
 * Codes len bytes of src and flushes, so that the reader can decode all
 * that has been written so far; finish also ends the stream (its trailer).
 * The output goes to emit. Returns 0, or -1 if the library failed (the
 * stream is then unusable).
 */
int ssrd__zstream_write(ssrd_zstream *z, const char *src, size_t len,
    int finish, ssrd_zstream_emit emit, void *arg);

/* Frees the stream. NULL is a harmless no-op. */
void ssrd__zstream_free(ssrd_zstream *z);

#endif
