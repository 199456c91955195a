// v8_shim.cc implements engine.h's process and isolates, and the errors and
// scripts every part of the shim shares (v8_context.cc: contexts and calls;
// v8_snapshot.cc: snapshots). With natives.cc and platform.h it is the only
// code in ssrd that includes V8.
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

char *
ssrd_dup_bytes(const char *s, size_t n)
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
		return ssrd_dup_bytes("", 0);
	}
	v8::String::Utf8Value s(isolate, v);
	return *s != nullptr ? ssrd_dup_bytes(*s, s.length())
	                     : ssrd_dup_bytes("", 0);
}

// The one place a caught exception becomes an ssrd_js_error.
void
ssrd_error_from_trycatch(v8::Isolate *isolate, v8::Local<v8::Context> context,
    v8::TryCatch &tc, ssrd_js_error *err)
{
	if (err == nullptr) {
		return;
	}
	ssrd__js_error_clear(err);
	if (tc.HasTerminated() || !tc.CanContinue()) {
		err->terminated = 1;
		err->name       = ssrd_dup_bytes("", 0);
		err->message    = ssrd_dup_bytes("execution terminated", 20);
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
		err->name = ssrd_dup_bytes("", 0);
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
		err->frames[0].function = ssrd_dup_bytes("", 0);
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
bool
ssrd_run_script(v8::Isolate *isolate, v8::Local<v8::Context> context,
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
		ssrd_error_from_trycatch(isolate, context, tc, err);
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
