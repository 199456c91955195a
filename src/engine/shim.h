// shim.h: what the V8 shim's C++ files share. Internal to src/engine/: no C
// file includes it.
#ifndef SSRD_ENGINE_SHIM_H
#define SSRD_ENGINE_SHIM_H

#include <v8.h>

#include <cstdint>
#include <cstring>
#include <unordered_map>

extern "C" {
#include "engine/engine.h"
}

struct ssrd_isolate {
	v8::Isolate                *isolate;
	v8::ArrayBuffer::Allocator *allocator;
	v8::StartupData snapshot; /* caller's bytes; data NULL if none */
	/* times the heap reached its limit since ssrd__isolate_heap_limited()
	 * last looked (owner thread: V8 calls back on it) */
	int heap_limit_hits;
	/* garbage collections (owner thread: V8 calls back on it) */
	double        gc_started_ms;
	unsigned long gc_count;
	double        gc_total_ms, gc_max_ms;
	double        gc_last_ms[SSRD_GC_LAST]; /* a ring, gc_count % N next */
	char          gc_last_kind[SSRD_GC_LAST];
};

struct ssrd_context {
	ssrd_isolate           *iso;
	v8::Global<v8::Context> context;
	/* the base's fireTimer hook, looked up at the first timer */
	v8::Global<v8::Function> timer_handler;
	ssrd_context_hooks       hooks;
	/* host calls waiting for ssrd__context_settle(), by promise id */
	std::unordered_map<uint32_t, v8::Global<v8::Promise::Resolver>> pending;
	uint32_t next_promise;
};

// Which embedder-data slot of a V8 context holds its ssrd_context. Natives
// find their context there rather than in a v8::External, because an
// External's raw pointer cannot go into a startup snapshot.
enum { SSRD_CONTEXT_SLOT = 1 };

// Which embedder-data slot holds the base's hooks: the object of functions C
// calls by name (ssrd__context_call), registered by the base with the native
// setHooks(). No JavaScript can reach it, so page code cannot call or replace
// what ssrd calls. A V8 value in a context's embedder data goes into a
// snapshot with the context.
enum { SSRD_HOOKS_SLOT = 2 };

// The function named name: from the context's hooks once the base has
// registered them (never the global then), else a global function (a bare
// context, as the engine's tests use). Returns false if there is none.
bool ssrd_hook(v8::Isolate *isolate, v8::Local<v8::Context> context,
    const char *name, v8::Local<v8::Function> *out);

// The context's hooks object, or an empty handle before the base registered
// it.
v8::Local<v8::Object> ssrd_hooks(
    v8::Isolate *isolate, v8::Local<v8::Context> context);

inline v8::Local<v8::String>
ssrd_v8_str(v8::Isolate *isolate, const char *s, size_t n)
{
	return v8::String::NewFromUtf8(
	    isolate, s, v8::NewStringType::kNormal, static_cast<int>(n))
	    .ToLocalChecked();
}

// natives.cc: the global template every context starts from (with
// __ssrd_native), the external references a snapshot needs (NULL-terminated;
// call ssrd_natives_init() once first), and the clock natives use while a
// snapshot is made (negative: the real one).
v8::Local<v8::ObjectTemplate> ssrd_global_template(v8::Isolate *isolate);
// v8_shim.cc: the one converter of a thrown value (with the message V8 gave,
// which may be empty) into an ssrd_js_error.
void ssrd_error_from_value(v8::Isolate *isolate, v8::Local<v8::Context> context,
    v8::Local<v8::Value> exc, v8::Local<v8::Message> msg, ssrd_js_error *err);
void ssrd_natives_init(void);

// v8_shim.cc: helpers of every part of the shim. A malloc'd copy of n bytes
// of s, NUL-terminated (NULL when out of memory).
char *ssrd_dup_bytes(const char *s, size_t n);
// The one place a caught exception becomes an ssrd_js_error (err may be
// NULL: nothing to fill).
void ssrd_error_from_trycatch(v8::Isolate *isolate,
    v8::Local<v8::Context> context, v8::TryCatch &tc, ssrd_js_error *err);
// Compiles and runs src in the current context, with V8's code cache cc
// (may be NULL); false with *err filled if it throws.
bool ssrd_run_script(v8::Isolate *isolate, v8::Local<v8::Context> context,
    const char *src, size_t len, const char *name, ssrd_code_cache *cc,
    ssrd_js_error *err);

// Sets up everything a call into a context needs, in the one order V8 wants.
#define SSRD_ENTER(ctx)                                                        \
	v8::Isolate           *isolate = (ctx)->iso->isolate;                  \
	v8::Isolate::Scope     isolate_scope(isolate);                         \
	v8::HandleScope        handle_scope(isolate);                          \
	v8::Local<v8::Context> context = (ctx)->context.Get(isolate);          \
	v8::Context::Scope     context_scope(context);                         \
	v8::TryCatch           try_catch(isolate)

extern intptr_t        ssrd_external_refs[];
extern double          ssrd_snapshot_clock;
extern struct timespec ssrd_time_origin;

#endif
