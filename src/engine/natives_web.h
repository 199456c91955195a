// natives_web.h: what natives_web.cc gives natives.cc (its natives, for
// the table under __ssrd_native, and the AsyncLocalStorage frame helpers)
// and, in C, the unit tests (random bytes and digests). Internal to ssrd.
#ifndef SSRD_ENGINE_NATIVES_WEB_H
#define SSRD_ENGINE_NATIVES_WEB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills n bytes at buf from getrandom(2). Returns 0, or -1 (errno set) if
 * the kernel gave none. Any thread. */
int ssrd__random_bytes(void *buf, size_t n);

/* The digest of n bytes at data by alg ("SHA-1", "SHA-256", "SHA-384",
 * "SHA-512", "MD5") into out (at least 64 bytes), its length in *out_len.
 * Returns 0, or -1 for an unknown algorithm. Any thread. */
int ssrd__digest(const char *alg, const void *data, size_t n, uint8_t *out,
    unsigned *out_len);

#ifdef __cplusplus
}

#include <v8.h>

void ssrd_native_random_fill(const v8::FunctionCallbackInfo<v8::Value> &info);
void ssrd_native_digest(const v8::FunctionCallbackInfo<v8::Value> &info);
void ssrd_native_clone(const v8::FunctionCallbackInfo<v8::Value> &info);
void ssrd_native_als_stores(const v8::FunctionCallbackInfo<v8::Value> &info);
void ssrd_native_als_run(const v8::FunctionCallbackInfo<v8::Value> &info);

/* Set in a render id while the streaming path tries the page with
 * renderToString (base.js): the try is that render's (its timers, console
 * lines and host calls are), but a host call it makes can be told from the
 * streamed render's (js/runtime/web/host.js). Ids count up from 1 per worker,
 * far below it; 2^52 + id is still exact in a JavaScript Number. */
#define SSRD_RENDER_TRY (UINT64_C(1) << 52)

/* The render id a continuation-preserved value names (a Number, or the
 * first element of an AsyncLocalStorage frame), SSRD_RENDER_TRY included;
 * 0 if none. */
uint64_t ssrd_frame_render(v8::Isolate *isolate, v8::Local<v8::Value> v);
/* The value to set for render with stores (a Number or undefined when
 * stores is empty or undefined, else a frame). */
v8::Local<v8::Value> ssrd_frame_new(
    v8::Isolate *isolate, uint64_t render, v8::Local<v8::Value> stores);
#endif

#endif
