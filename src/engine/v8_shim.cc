// v8_shim.cc implements engine.h: isolates, contexts, calls, errors and
// snapshots. With natives.cc and platform.h it is the only code in ssrd that
// includes V8.
//
// It stays thin on purpose: it moves bytes and errors across the boundary
// and leaves every decision (what to evaluate, when timers fire, how errors
// are shown) to the C code that calls it. No C++ exception or V8 type
// crosses into C; every failure is an ssrd_err.

#include <libplatform/libplatform.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>

extern "C" {
#include <ssrd/errors.h>

#include "engine/pagecache.h"
}

#include "engine/natives_web.h"
#include "engine/platform.h"
#include "engine/shim.h"

static std::unique_ptr<SsrdPlatform> platform;

// Where the page cache sends the regions it evicts: back to the OS.
static void
unmap_evicted(void *addr, size_t length)
{
	platform->inner()->GetPageAllocator()->FreePages(addr, length);
}

// Sets up everything a call into a context needs, in the one order V8 wants.
#define SSRD_ENTER(ctx)                                                        \
	v8::Isolate           *isolate = (ctx)->iso->isolate;                  \
	v8::Isolate::Scope     isolate_scope(isolate);                         \
	v8::HandleScope        handle_scope(isolate);                          \
	v8::Local<v8::Context> context = (ctx)->context.Get(isolate);          \
	v8::Context::Scope     context_scope(context);                         \
	v8::TryCatch           try_catch(isolate)

static char *
dup_bytes(const char *s, size_t n)
{
	char *p = static_cast<char *>(malloc(n + 1));
	if (p != nullptr) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

v8::Local<v8::Object>
ssrd_hooks(v8::Isolate *isolate, v8::Local<v8::Context> context)
{
	if (context->GetNumberOfEmbedderDataFields() <= SSRD_HOOKS_SLOT) {
		return v8::Local<v8::Object>();
	}
	v8::Local<v8::Value> v = context->GetEmbedderData(SSRD_HOOKS_SLOT);
	(void) isolate;
	return v->IsObject() ? v.As<v8::Object>() : v8::Local<v8::Object>();
}

bool
ssrd_hook(v8::Isolate *isolate, v8::Local<v8::Context> context,
    const char *name, v8::Local<v8::Function> *out)
{
	v8::Local<v8::Object> hooks = ssrd_hooks(isolate, context);
	v8::Local<v8::Object> from
	    = hooks.IsEmpty() ? context->Global() : hooks;
	v8::Local<v8::Value> v;
	if (!from->Get(context, ssrd_v8_str(isolate, name, strlen(name)))
	         .ToLocal(&v)
	    || !v->IsFunction()) {
		return false;
	}
	*out = v.As<v8::Function>();
	return true;
}

// Converts any value to a malloc'd UTF-8 C string ("" if it cannot be).
static char *
to_cstr(v8::Isolate *isolate, v8::Local<v8::Value> v)
{
	if (v.IsEmpty()) {
		return dup_bytes("", 0);
	}
	v8::String::Utf8Value s(isolate, v);
	return *s != nullptr ? dup_bytes(*s, s.length()) : dup_bytes("", 0);
}

// The one place a caught exception becomes an ssrd_js_error.
static void
error_from_trycatch(v8::Isolate *isolate, v8::Local<v8::Context> context,
    v8::TryCatch &tc, ssrd_js_error *err)
{
	if (err == nullptr) {
		return;
	}
	ssrd__js_error_clear(err);
	if (tc.HasTerminated() || !tc.CanContinue()) {
		err->terminated = 1;
		err->name       = dup_bytes("", 0);
		err->message    = dup_bytes("execution terminated", 20);
		return;
	}
	ssrd_error_from_value(
	    isolate, context, tc.Exception(), tc.Message(), err);
}

void
ssrd_error_from_value(v8::Isolate *isolate, v8::Local<v8::Context> context,
    v8::Local<v8::Value> exc, v8::Local<v8::Message> msg, ssrd_js_error *err)
{
	err->message = to_cstr(isolate, exc);
	v8::Local<v8::Value> name;
	if (exc->IsObject()
	    && exc.As<v8::Object>()
	           ->Get(context, ssrd_v8_str(isolate, "name", 4))
	           .ToLocal(&name)
	    && name->IsString()) {
		err->name = to_cstr(isolate, name);
	} else {
		err->name = dup_bytes("", 0);
	}

	// Prefer the trace captured when the Error was created: React catches
	// and rethrows, so the message's own location is React's, not the
	// page's.
	v8::Local<v8::StackTrace> trace = v8::Exception::GetStackTrace(exc);
	if (trace.IsEmpty() && !msg.IsEmpty()) {
		trace = msg->GetStackTrace();
	}
	if (!trace.IsEmpty() && trace->GetFrameCount() > 0) {
		int n       = trace->GetFrameCount();
		err->frames = static_cast<ssrd_js_frame *>(
		    calloc(static_cast<size_t>(n), sizeof(ssrd_js_frame)));
		if (err->frames == nullptr) {
			return;
		}
		for (int i = 0; i < n; i++) {
			v8::Local<v8::StackFrame> f
			    = trace->GetFrame(isolate, i);
			ssrd_js_frame *o = &err->frames[i];
			o->function = to_cstr(isolate, f->GetFunctionName());
			o->file     = to_cstr(isolate, f->GetScriptName());
			o->line     = f->GetLineNumber();
			o->column   = f->GetColumn();
		}
		err->nframes = static_cast<size_t>(n);
	} else if (!msg.IsEmpty()) {
		// A thrown non-Error (throw "x") or a syntax error: one frame
		// at the message's location.
		err->frames = static_cast<ssrd_js_frame *>(
		    calloc(1, sizeof(ssrd_js_frame)));
		if (err->frames == nullptr) {
			return;
		}
		err->frames[0].function = dup_bytes("", 0);
		err->frames[0].file
		    = to_cstr(isolate, msg->GetScriptResourceName());
		err->frames[0].line = msg->GetLineNumber(context).FromMaybe(0);
		err->frames[0].column
		    = msg->GetStartColumn(context).FromMaybe(-1) + 1;
		err->nframes = 1;
	}
}

// Compiles and runs src in the current context; false with *err filled if it
// throws.
static bool
run_script(v8::Isolate *isolate, v8::Local<v8::Context> context,
    const char *src, size_t len, const char *name, ssrd_code_cache *cc,
    ssrd_js_error *err)
{
	v8::TryCatch     tc(isolate);
	v8::ScriptOrigin origin(
	    isolate, ssrd_v8_str(isolate, name, strlen(name)));
	v8::ScriptCompiler::CachedData *in = nullptr;
	auto options = v8::ScriptCompiler::kNoCompileOptions;
	if (cc != nullptr && cc->in != nullptr) {
		in = new v8::ScriptCompiler::CachedData(
		    reinterpret_cast<const uint8_t *>(cc->in),
		    static_cast<int>(cc->in_len),
		    v8::ScriptCompiler::CachedData::BufferNotOwned);
		options = v8::ScriptCompiler::kConsumeCodeCache;
	}
	// source owns in from here.
	v8::ScriptCompiler::Source source(
	    ssrd_v8_str(isolate, src, len), origin, in);
	v8::Local<v8::Script> script;
	v8::Local<v8::Value>  result;
	if (!v8::ScriptCompiler::Compile(context, &source, options)
	         .ToLocal(&script)
	    || !script->Run(context).ToLocal(&result)) {
		error_from_trycatch(isolate, context, tc, err);
		return false;
	}
	isolate->PerformMicrotaskCheckpoint();
	if (cc != nullptr) {
		cc->rejected
		    = in != nullptr && source.GetCachedData()->rejected;
		if (cc->produce && (in == nullptr || cc->rejected)) {
			std::unique_ptr<v8::ScriptCompiler::CachedData> out(
			    v8::ScriptCompiler::CreateCodeCache(
			        script->GetUnboundScript()));
			if (out != nullptr && out->length > 0) {
				cc->out = static_cast<char *>(
				    malloc(static_cast<size_t>(out->length)));
				if (cc->out != nullptr) {
					memcpy(cc->out, out->data,
					    static_cast<size_t>(out->length));
					cc->out_len
					    = static_cast<size_t>(out->length);
				}
			}
		}
	}
	return true;
}

extern "C" void
ssrd__js_error_clear(ssrd_js_error *err)
{
	if (err == nullptr) {
		return;
	}
	for (size_t i = 0; i < err->nframes; i++) {
		free(err->frames[i].function);
		free(err->frames[i].file);
	}
	free(err->frames);
	free(err->name);
	free(err->message);
	memset(err, 0, sizeof(*err));
}

// ---- process, isolates, contexts -------------------------------------------

extern "C" int
ssrd__engine_init(const char *v8_flags, size_t page_cache_bytes)
{
	if (platform) {
		return SSRD_EENGINE;
	}
	if (v8_flags != nullptr && v8_flags[0] != '\0') {
		v8::V8::SetFlagsFromString(v8_flags, strlen(v8_flags));
	}
	ssrd__pagecache_init(page_cache_bytes, unmap_evicted);
	ssrd_natives_init();
	platform = std::make_unique<SsrdPlatform>(
	    v8::platform::NewDefaultPlatform());
	v8::V8::InitializePlatform(platform.get());
	v8::V8::Initialize();
	return SSRD_OK;
}

extern "C" const char *
ssrd__engine_v8_version(void)
{
	return v8::V8::GetVersion();
}

// V8's allocator for ArrayBuffers, with a ceiling: their memory is outside
// the heap, so heap_max_mb alone would let a page allocate without end. A
// refused allocation is a RangeError in JavaScript.
class CappedAllocator final : public v8::ArrayBuffer::Allocator
{
    public:
	explicit CappedAllocator(size_t cap)
	    : inner_(v8::ArrayBuffer::Allocator::NewDefaultAllocator())
	    , cap_(cap)
	{
	}
	void *Allocate(size_t n) override
	{
		return reserve(n) ? settle(n, inner_->Allocate(n)) : nullptr;
	}
	void *AllocateUninitialized(size_t n) override
	{
		return reserve(n) ? settle(n, inner_->AllocateUninitialized(n))
		                  : nullptr;
	}
	void Free(void *data, size_t n) override
	{
		inner_->Free(data, n);
		used_.fetch_sub(n, std::memory_order_relaxed);
	}

    private:
	// Backing stores may be freed on V8's background threads: atomic.
	bool reserve(size_t n)
	{
		size_t was = used_.fetch_add(n, std::memory_order_relaxed);
		if (cap_ > 0 && was + n > cap_) {
			used_.fetch_sub(n, std::memory_order_relaxed);
			return false;
		}
		return true;
	}
	void *settle(size_t n, void *p)
	{
		if (p == nullptr) {
			used_.fetch_sub(n, std::memory_order_relaxed);
		}
		return p;
	}
	std::unique_ptr<v8::ArrayBuffer::Allocator> inner_;
	size_t                                      cap_;
	std::atomic<size_t>                         used_ { 0 };
};

// V8 is about to run out of heap: stop the JavaScript running and give it
// room to unwind (without it V8 aborts the whole process). The owner sees
// ssrd__isolate_heap_limited() and replaces the isolate.
//
// The room must hold the allocation that hit the limit, which V8 retries
// once the callback returns: one object can be as big as V8 allows (a
// FixedArray or a string, under 1 GiB), far past the limit (a 64 MiB array
// with heap_max_mb = 32 aborted the process with a quarter of the limit as
// room). It is a limit, not memory: what is used past heap_max_mb is that
// allocation and what runs until the termination is seen, at the next
// interrupt check.
static size_t
near_heap_limit(void *data, size_t current, size_t initial)
{
	ssrd_isolate *iso = static_cast<ssrd_isolate *>(data);
	iso->heap_limit_hits++;
	iso->isolate->TerminateExecution();
	return current + std::max<size_t>(initial, size_t { 1 } << 30);
}

// A V8 out-of-memory it cannot recover from (outside any JavaScript, or past
// the headroom above): V8 aborts after this returns, so say why first.
static void
fatal_oom(const char *location, bool is_heap_oom)
{
	fprintf(stderr,
	    "ssrd: fatal: V8 ran out of %s memory at %s; raise heap_max_mb or "
	    "lower worker_renders\n",
	    is_heap_oom ? "heap" : "process", location ? location : "?");
}

static double
gc_clock_ms()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

// Each collection's pause, for diagnose: the prologue and epilogue run on
// the isolate's thread around the part that stops JavaScript.
static void
gc_prologue(v8::Isolate *, v8::GCType, v8::GCCallbackFlags, void *data)
{
	static_cast<ssrd_isolate *>(data)->gc_started_ms = gc_clock_ms();
}

static void
gc_epilogue(v8::Isolate *, v8::GCType type, v8::GCCallbackFlags, void *data)
{
	ssrd_isolate *iso     = static_cast<ssrd_isolate *>(data);
	double        ms      = gc_clock_ms() - iso->gc_started_ms;
	size_t        at      = iso->gc_count++ % SSRD_GC_LAST;
	iso->gc_last_ms[at]   = ms;
	iso->gc_last_kind[at] = type == v8::kGCTypeScavenge ? 's'
	    : type == v8::kGCTypeMarkSweepCompact           ? 'm'
	    : type == v8::kGCTypeIncrementalMarking         ? 'i'
	                                                    : 'w';
	iso->gc_total_ms += ms;
	if (ms > iso->gc_max_ms) {
		iso->gc_max_ms = ms;
	}
}

extern "C" int
ssrd__isolate_new(const ssrd_isolate_opts *opts, ssrd_isolate **out)
{
	ssrd_isolate *iso = new (std::nothrow) ssrd_isolate();
	if (iso == nullptr) {
		return SSRD_ENOMEM;
	}
	iso->allocator = new (std::nothrow) CappedAllocator(
	    opts != nullptr ? opts->array_buffers_max_mb << 20 : 0);
	if (iso->allocator == nullptr) {
		delete iso;
		return SSRD_ENOMEM;
	}
	v8::Isolate::CreateParams params;
	params.array_buffer_allocator = iso->allocator;
	params.external_references    = ssrd_external_refs;
	if (opts != nullptr && opts->snapshot != nullptr) {
		iso->snapshot.data     = opts->snapshot;
		iso->snapshot.raw_size = static_cast<int>(opts->snapshot_len);
		params.snapshot_blob   = &iso->snapshot;
	}
	if (opts != nullptr && opts->heap_max_mb > 0) {
		params.constraints.set_max_old_generation_size_in_bytes(
		    opts->heap_max_mb << 20);
	}
	if (opts != nullptr && opts->young_max_mb > 0) {
		params.constraints.set_max_young_generation_size_in_bytes(
		    opts->young_max_mb << 20);
		// Start small and let V8 grow it. Measured: starting at the
		// full 32 MiB made each isolate 5 -> 30 ms to create and
		// renders no faster (240 rows 1.01 vs 1.12 ms, 2,000 rows 10.1
		// vs 12.0 ms); V8's own default start (smaller still) left
		// 2,000 rows at 14.8.
		params.constraints.set_initial_young_generation_size_in_bytes(
		    std::min<size_t>(opts->young_max_mb, 3) << 20);
	}
	iso->isolate = v8::Isolate::New(params);
	if (iso->isolate == nullptr) {
		delete iso->allocator;
		delete iso;
		return SSRD_EENGINE;
	}
	// Microtasks run where ssrd says (after each call, in the event loop),
	// not whenever V8 likes.
	iso->isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
	// Keep the trace of where each Error was made, with source positions.
	iso->isolate->SetCaptureStackTraceForUncaughtExceptions(
	    true, 32, v8::StackTrace::kDetailed);
	iso->isolate->AddNearHeapLimitCallback(near_heap_limit, iso);
	iso->isolate->SetOOMErrorHandler(fatal_oom);
	iso->isolate->AddGCPrologueCallback(gc_prologue, iso);
	iso->isolate->AddGCEpilogueCallback(gc_epilogue, iso);
	*out = iso;
	return SSRD_OK;
}

// Seeded stand-ins for the clocks and the random source while a snapshot is
// made; __ssrd_snapshot_restore() puts the real ones back before it is taken.
static const char snapshot_prelude[]
    = "(() => {"
      " const now = Date.now, random = Math.random;"
      " let t = 1700000000000, seed = 0x2545f491;"
      " Date.now = () => (t += 1);"
      " Math.random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> "
      "0) / 4294967296);"
      " globalThis.__ssrd_snapshot_restore = () => {"
      "  Date.now = now; Math.random = random;"
      "  delete globalThis.__ssrd_snapshot_restore; };"
      "})();";
static const char snapshot_epilogue[] = "__ssrd_snapshot_restore();";

// Calls the base's hook name (none: nothing to do) while a snapshot is made,
// then the microtasks it queued. A hook that throws, or one that reports
// being done ("...Done") and returns "", fails the snapshot.
static bool
snapshot_hook(v8::Isolate *isolate, v8::Local<v8::Context> context,
    const char *name, ssrd_js_error *err)
{
	v8::Local<v8::Function> fn;
	if (!ssrd_hook(isolate, context, name, &fn)) {
		return true;
	}
	v8::TryCatch         tc(isolate);
	v8::Local<v8::Value> r;
	if (!fn->Call(context, v8::Undefined(isolate), 0, nullptr)
	         .ToLocal(&r)) {
		error_from_trycatch(isolate, context, tc, err);
		return false;
	}
	isolate->PerformMicrotaskCheckpoint();
	size_t n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, "Done") == 0
	    && !(r->IsString() && r.As<v8::String>()->Length() > 0)) {
		if (err != nullptr) {
			static const char why[]
			    = "the base's lockdown did not finish";
			ssrd__js_error_clear(err);
			err->name    = dup_bytes("Error", 5);
			err->message = dup_bytes(why, sizeof(why) - 1);
		}
		return false;
	}
	return true;
}

extern "C" int
ssrd__snapshot_create(const ssrd_str *scripts, const char *const *names,
    size_t n, char **blob, size_t *len, ssrd_js_error *err)
{
	v8::StartupData data = { nullptr, 0 };
	bool            ok   = true;
	{
		v8::SnapshotCreator creator(ssrd_external_refs);
		v8::Isolate        *isolate = creator.GetIsolate();
		isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
		{
			v8::HandleScope        handle_scope(isolate);
			v8::Local<v8::Context> context = v8::Context::New(
			    isolate, nullptr, ssrd_global_template(isolate));
			v8::Context::Scope context_scope(context);
			// No ssrd_context while the snapshot is made: say so,
			// so that the natives find none (the hooks go in the
			// slot after it, which would otherwise leave this one
			// holding a value they would take for a pointer).
			context->SetAlignedPointerInEmbedderData(
			    SSRD_CONTEXT_SLOT, nullptr);
			ssrd_snapshot_clock = 0;
			ok = run_script(isolate, context, snapshot_prelude,
			    sizeof(snapshot_prelude) - 1,
			    "ssrd:snapshot-prelude", nullptr, err);
			for (size_t i = 0; ok && i < n; i++) {
				ok = run_script(isolate, context,
				    scripts[i].ptr, scripts[i].len, names[i],
				    nullptr, err);
			}
			// The base's warm-up render, so that React's render
			// code goes in compiled.
			ok = ok
			    && snapshot_hook(isolate, context, "warmup", err);
			ok = ok
			    && run_script(isolate, context, snapshot_epilogue,
			        sizeof(snapshot_epilogue) - 1,
			        "ssrd:snapshot-epilogue", nullptr, err);
			// Then the base's lockdown, the real clocks back: every
			// context made from the snapshot starts with its
			// built-ins and React frozen, at no cost of its own.
			ok = ok
			    && snapshot_hook(isolate, context, "lockdown", err)
			    && snapshot_hook(
			        isolate, context, "lockdownDone", err);
			ssrd_snapshot_clock = -1;
			creator.SetDefaultContext(context);
		}
		// kKeep: the bytecode React compiled while loading goes in too,
		// so a worker's first render does not compile it again.
		data = creator.CreateBlob(
		    v8::SnapshotCreator::FunctionCodeHandling::kKeep);
	}
	if (!ok) {
		delete[] data.data;
		return SSRD_EJS;
	}
	if (data.data == nullptr || data.raw_size <= 0) {
		return SSRD_EENGINE;
	}
	*blob = static_cast<char *>(malloc(static_cast<size_t>(data.raw_size)));
	if (*blob == nullptr) {
		delete[] data.data;
		return SSRD_ENOMEM;
	}
	memcpy(*blob, data.data, static_cast<size_t>(data.raw_size));
	*len = static_cast<size_t>(data.raw_size);
	delete[] data.data;
	return SSRD_OK;
}

extern "C" void
ssrd__isolate_free(ssrd_isolate *iso)
{
	if (iso == nullptr) {
		return;
	}
	iso->isolate->Dispose();
	delete iso->allocator;
	delete iso;
}

extern "C" void
ssrd__isolate_pump(ssrd_isolate *iso)
{
	v8::Isolate::Scope scope(iso->isolate);
	while (v8::platform::PumpMessageLoop(platform->inner(), iso->isolate,
	    v8::platform::MessageLoopBehavior::kDoNotWait)) { }
}

extern "C" void
ssrd__isolate_terminate(ssrd_isolate *iso)
{
	iso->isolate->TerminateExecution();
}

extern "C" void
ssrd__isolate_resume(ssrd_isolate *iso)
{
	iso->isolate->CancelTerminateExecution();
}

extern "C" int
ssrd__isolate_heap_limited(ssrd_isolate *iso)
{
	int hit              = iso->heap_limit_hits > 0;
	iso->heap_limit_hits = 0;
	return hit;
}

extern "C" void
ssrd__isolate_gc(ssrd_isolate *iso)
{
	v8::Isolate::Scope isolate_scope(iso->isolate);
	iso->isolate->LowMemoryNotification();
}

extern "C" void
ssrd__isolate_heap_stats(ssrd_isolate *iso, ssrd_heap_stats *st)
{
	v8::HeapStatistics hs;
	iso->isolate->GetHeapStatistics(&hs);
	st->used              = hs.used_heap_size();
	st->total             = hs.total_heap_size();
	st->limit             = hs.heap_size_limit();
	st->external          = hs.external_memory();
	st->malloced          = hs.malloced_memory();
	st->native_contexts   = hs.number_of_native_contexts();
	st->detached_contexts = hs.number_of_detached_contexts();
	st->gc_count          = iso->gc_count;
	st->gc_total_ms       = iso->gc_total_ms;
	st->gc_max_ms         = iso->gc_max_ms;
	st->gc_last_n         = static_cast<int>(
            std::min<unsigned long>(iso->gc_count, SSRD_GC_LAST));
	for (int i = 0; i < st->gc_last_n; i++) {
		size_t at = (iso->gc_count - 1 - static_cast<size_t>(i))
		    % SSRD_GC_LAST;
		st->gc_last_ms[i]   = iso->gc_last_ms[at];
		st->gc_last_kind[i] = iso->gc_last_kind[at];
	}
}

extern "C" int
ssrd__context_new(
    ssrd_isolate *iso, const ssrd_context_hooks *hooks, ssrd_context **out)
{
	ssrd_context *ctx = new (std::nothrow) ssrd_context();
	if (ctx == nullptr) {
		return SSRD_ENOMEM;
	}
	ctx->iso = iso;
	if (hooks != nullptr) {
		ctx->hooks = *hooks;
	}
	v8::Isolate       *isolate = iso->isolate;
	v8::Isolate::Scope isolate_scope(isolate);
	v8::HandleScope    handle_scope(isolate);
	// From a snapshot, the default context already holds the natives and
	// whatever was evaluated into it (React); otherwise a bare one.
	v8::Local<v8::Context> context = iso->snapshot.data != nullptr
	    ? v8::Context::New(isolate)
	    : v8::Context::New(isolate, nullptr, ssrd_global_template(isolate));
	if (context.IsEmpty()) {
		delete ctx;
		return SSRD_EENGINE;
	}
	context->SetAlignedPointerInEmbedderData(SSRD_CONTEXT_SLOT, ctx);
	// One security token per isolate: its contexts may use each other's
	// objects (ssrd__context_link); other isolates are out of reach anyway.
	context->SetSecurityToken(v8::Undefined(isolate));
	ctx->context.Reset(isolate, context);
	*out = ctx;
	return SSRD_OK;
}

extern "C" int
ssrd__context_link(ssrd_context *dst, const char *dst_name, ssrd_context *src,
    const char *src_name)
{
	v8::Isolate           *isolate = dst->iso->isolate;
	v8::Isolate::Scope     isolate_scope(isolate);
	v8::HandleScope        handle_scope(isolate);
	v8::Local<v8::Context> from = src->context.Get(isolate);
	v8::Local<v8::Context> to   = dst->context.Get(isolate);
	v8::Local<v8::Object>  fh   = ssrd_hooks(isolate, from);
	v8::Local<v8::Object>  th   = ssrd_hooks(isolate, to);
	v8::Local<v8::Value>   v;
	if (fh.IsEmpty()) {
		fh = from->Global();
	}
	if (th.IsEmpty()) {
		th = to->Global();
	}
	if (!fh->Get(from, ssrd_v8_str(isolate, src_name, strlen(src_name)))
	         .ToLocal(&v)
	    || v->IsUndefined()) {
		return SSRD_ENOENT;
	}
	return th->Set(to, ssrd_v8_str(isolate, dst_name, strlen(dst_name)), v)
	           .FromMaybe(false)
	    ? SSRD_OK
	    : SSRD_EENGINE;
}

extern "C" void
ssrd__context_forbid_eval(ssrd_context *ctx)
{
	v8::Isolate           *isolate = ctx->iso->isolate;
	v8::Isolate::Scope     isolate_scope(isolate);
	v8::HandleScope        handle_scope(isolate);
	v8::Local<v8::Context> context = ctx->context.Get(isolate);
	context->AllowCodeGenerationFromStrings(false);
	// Without a message V8 throws an EvalError with none: say why.
	static const char why[]
	    = "ssrd: code generation from strings is off in this context";
	context->SetErrorMessageForCodeGenerationFromStrings(
	    ssrd_v8_str(isolate, why, sizeof(why) - 1));
}

extern "C" void
ssrd__context_free(ssrd_context *ctx)
{
	if (ctx == nullptr) {
		return;
	}
	ctx->timer_handler.Reset();
	ctx->context.Reset();
	delete ctx;
}

extern "C" int
ssrd__context_eval(ssrd_context *ctx, const char *src, size_t len,
    const char *filename, ssrd_js_error *err)
{
	return ssrd__context_eval_cached(ctx, src, len, filename, nullptr, err);
}

extern "C" int
ssrd__context_eval_cached(ssrd_context *ctx, const char *src, size_t len,
    const char *filename, ssrd_code_cache *cc, ssrd_js_error *err)
{
	SSRD_ENTER(ctx);
	return run_script(isolate, context, src, len, filename, cc, err)
	    ? SSRD_OK
	    : SSRD_EJS;
}

extern "C" int
ssrd__context_call(ssrd_context *ctx, const char *fn, const ssrd_str *args,
    size_t nargs, char **out, size_t *out_len, ssrd_js_error *err)
{
	SSRD_ENTER(ctx);
	v8::Local<v8::Function> fval;
	if (!ssrd_hook(isolate, context, fn, &fval)) {
		return SSRD_ENOENT;
	}
	v8::Local<v8::Value> argv[8];
	if (nargs > sizeof(argv) / sizeof(argv[0])) {
		return SSRD_EINVAL;
	}
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].ptr == nullptr) {
			argv[i] = v8::Undefined(isolate);
		} else if (!v8::String::NewFromUtf8(isolate, args[i].ptr,
		               v8::NewStringType::kNormal,
		               static_cast<int>(args[i].len))
		                .ToLocal(&argv[i])) {
			return SSRD_ENOMEM;
		}
	}
	v8::Local<v8::Value> result;
	if (!fval->Call(context, v8::Undefined(isolate),
	             static_cast<int>(nargs), argv)
	         .ToLocal(&result)) {
		error_from_trycatch(isolate, context, try_catch, err);
		return SSRD_EJS;
	}
	isolate->PerformMicrotaskCheckpoint();
	if (!result->IsString()) {
		if (err != nullptr) {
			ssrd__js_error_clear(err);
			err->name    = dup_bytes("TypeError", 9);
			err->message = dup_bytes(
			    "TypeError: the function did not return a string",
			    47);
		}
		return SSRD_EJS;
	}
	v8::Local<v8::String> s   = result.As<v8::String>();
	size_t                n   = static_cast<size_t>(s->Utf8Length(isolate));
	char                 *buf = static_cast<char *>(malloc(n + 1));
	if (buf == nullptr) {
		return SSRD_ENOMEM;
	}
	s->WriteUtf8(isolate, buf, static_cast<int>(n), nullptr,
	    v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
	buf[n]   = '\0';
	*out     = buf;
	*out_len = n;
	return SSRD_OK;
}

extern "C" void
ssrd__context_fire_timers(ssrd_context *ctx, const uint32_t *ids, size_t n)
{
	SSRD_ENTER(ctx);
	if (ctx->timer_handler.IsEmpty()) {
		v8::Local<v8::Function> fn;
		if (!ssrd_hook(isolate, context, "fireTimer", &fn)) {
			return;
		}
		ctx->timer_handler.Reset(isolate, fn);
	}
	v8::Local<v8::Function> handler = ctx->timer_handler.Get(isolate);
	for (size_t i = 0; i < n; i++) {
		v8::Local<v8::Value> argv[1]
		    = { v8::Number::New(isolate, ids[i]) };
		if (handler->Call(context, v8::Undefined(isolate), 1, argv)
		        .IsEmpty()) {
			if (try_catch.HasTerminated()) {
				return;
			}
			if (ctx->hooks.console != nullptr) {
				v8::String::Utf8Value msg(
				    isolate, try_catch.Exception());
				const char *m = *msg != nullptr
				    ? *msg
				    : "uncaught exception in a timer";
				ctx->hooks.console(
				    ctx->hooks.arg, 0, 3, 0, m, strlen(m));
			}
			try_catch.Reset();
		}
	}
	isolate->PerformMicrotaskCheckpoint();
}

extern "C" void
ssrd__context_set_render(ssrd_context *ctx, uint64_t render)
{
	SSRD_ENTER(ctx);
	context->SetContinuationPreservedEmbedderData(render > 0
	        ? v8::Local<v8::Value>(
	            v8::Number::New(isolate, static_cast<double>(render)))
	        : v8::Local<v8::Value>(v8::Undefined(isolate)));
}

extern "C" uint64_t
ssrd__context_last_render(ssrd_context *ctx)
{
	SSRD_ENTER(ctx);
	return ssrd_frame_render(
	    isolate, context->GetContinuationPreservedEmbedderData());
}

extern "C" int
ssrd__context_settle(
    ssrd_context *ctx, uint32_t promise, int ok, const char *text, size_t len)
{
	auto it = ctx->pending.find(promise);
	if (it == ctx->pending.end()) {
		return SSRD_ENOENT;
	}
	SSRD_ENTER(ctx);
	v8::Local<v8::Promise::Resolver> resolver = it->second.Get(isolate);
	ctx->pending.erase(it);
	v8::Local<v8::Value>  value;
	v8::Local<v8::String> s;
	if (!v8::String::NewFromUtf8(isolate, text, v8::NewStringType::kNormal,
	        static_cast<int>(len))
	         .ToLocal(&s)) {
		s  = ssrd_v8_str(isolate, "out of memory", 13);
		ok = 0;
	}
	if (ok && !v8::JSON::Parse(context, s).ToLocal(&value)) {
		s = ssrd_v8_str(
		    isolate, "ssrd: a host result was not JSON", 32);
		ok = 0;
		try_catch.Reset();
	}
	if (ok) {
		(void) resolver->Resolve(context, value);
	} else {
		(void) resolver->Reject(context, v8::Exception::Error(s));
	}
	isolate->PerformMicrotaskCheckpoint();
	return SSRD_OK;
}

extern "C" size_t
ssrd__context_pending(const ssrd_context *ctx)
{
	return ctx->pending.size();
}
