// natives.cc: the functions behind globalThis.__ssrd_native, which the JS
// polyfills (js/runtime/polyfills.js, js/runtime/web/) give the web's shape:
// console, timers, the clock and UTF-8 here; random bytes, digests,
// structuredClone and AsyncLocalStorage's frame in natives_web.cc.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

extern "C" {
#include "core/utf8.h"
}

#include "engine/natives_web.h"
#include "engine/shim.h"

struct timespec ssrd_time_origin;

// ---- native functions behind __ssrd_native ---------------------------------

// The hooks natives call; a context being snapshotted has none, and so does
// a restored one until ssrd__context_new() fills the slot.
static const ssrd_context_hooks no_hooks = {};

static const ssrd_context_hooks *
native_hooks(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
	auto                  *ctx     = static_cast<ssrd_context *>(
            context->GetAlignedPointerFromEmbedderData(SSRD_CONTEXT_SLOT));
	return ctx != nullptr ? &ctx->hooks : &no_hooks;
}

static void
throw_type_error(v8::Isolate *isolate, const char *msg)
{
	isolate->ThrowException(
	    v8::Exception::TypeError(ssrd_v8_str(isolate, msg, strlen(msg))));
}

// The render the running code belongs to: the continuation-preserved
// embedder data, which ssrd sets when it starts a render and V8 carries
// into every promise reaction made under it (inside an AsyncLocalStorage's
// run(), a frame that also holds its stores: natives_web.cc). 0 outside any
// render.
static uint64_t
current_render(v8::Isolate *isolate)
{
	return ssrd_frame_render(isolate,
	           isolate->GetCurrentContext()
	               ->GetContinuationPreservedEmbedderData())
	    & ~SSRD_RENDER_TRY;
}

static uint64_t
render_arg(v8::Isolate *isolate, v8::Local<v8::Value> v)
{
	double d = v->NumberValue(isolate->GetCurrentContext()).FromMaybe(0);
	return d > 0 ? static_cast<uint64_t>(d) : 0;
}

// The render a stream's output or end names, if the running code belongs
// to it; else 0 (dropped). A render's id travels with its code (see
// current_render), so code that names another render's id -- a page trying
// to write into a response that is not its own -- is not believed.
static uint64_t
own_render_arg(v8::Isolate *isolate, v8::Local<v8::Value> v)
{
	uint64_t id = render_arg(isolate, v);
	return id != 0 && id == current_render(isolate) ? id : 0;
}

// log(level, text, kind): kind 0 console, 1 the page's own log (ssrd.log)
static void
native_log(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks = native_hooks(info);
	if (hooks->console == nullptr || info.Length() < 2) {
		return;
	}
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	int                   level = info[0]->Int32Value(context).FromMaybe(1);
	int                   kind  = info.Length() >= 3
	                       ? info[2]->Int32Value(context).FromMaybe(0)
	                       : 0;
	v8::String::Utf8Value text(isolate, info[1]);
	if (*text != nullptr) {
		hooks->console(hooks->arg, current_render(isolate), level, kind,
		    *text, static_cast<size_t>(text.length()));
	}
}

// renderId() -> the current render's id, 0 outside one
static void
native_render_id(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	info.GetReturnValue().Set(
	    static_cast<double>(current_render(info.GetIsolate())));
}

// inTry() -> whether the running code is a render's try with renderToString
// (runAs with SSRD_RENDER_TRY added to its id, and what that code queued)
static void
native_in_try(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate *isolate = info.GetIsolate();
	uint64_t     id      = ssrd_frame_render(isolate,
	             isolate->GetCurrentContext()
	                 ->GetContinuationPreservedEmbedderData());
	info.GetReturnValue().Set((id & SSRD_RENDER_TRY) != 0);
}

// runAs(renderId, fn, argsArray[, stores]): calls fn as part of that render
// (timers use it: a timer's callback belongs to the render that set it),
// with the AsyncLocalStorage stores it was set under, if any.
static void
native_run_as(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	if (info.Length() < 2 || !info[1]->IsFunction()) {
		throw_type_error(isolate, "runAs(id, fn, args)");
		return;
	}
	v8::Local<v8::Value> argv[16];
	int                  argc = 0;
	if (info.Length() >= 3 && info[2]->IsArray()) {
		v8::Local<v8::Array> a = info[2].As<v8::Array>();
		argc = static_cast<int>(std::min<uint32_t>(a->Length(), 16));
		for (int i = 0; i < argc; i++) {
			if (!a->Get(context, static_cast<uint32_t>(i))
			         .ToLocal(&argv[i])) {
				return;
			}
		}
	}
	v8::Local<v8::Value> saved
	    = context->GetContinuationPreservedEmbedderData();
	uint64_t id = render_arg(isolate, info[0]);
	context->SetContinuationPreservedEmbedderData(ssrd_frame_new(isolate,
	    id,
	    info.Length() >= 4 ? info[3]
	                       : v8::Local<v8::Value>(v8::Undefined(isolate))));
	v8::MaybeLocal<v8::Value> r = info[1].As<v8::Function>()->Call(
	    context, v8::Undefined(isolate), argc, argv);
	// A stopped callback leaves its id for ssrd__context_last_render(): the
	// worker blames that render.
	if (!isolate->IsExecutionTerminating()) {
		context->SetContinuationPreservedEmbedderData(saved);
	}
	v8::Local<v8::Value> result;
	if (r.ToLocal(&result)) {
		info.GetReturnValue().Set(result);
	}
}

// emit(renderId, string | Uint8Array): a chunk of a streaming render, copied
// out (a string as UTF-8, lone surrogates replaced)
static void
native_emit(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks   = native_hooks(info);
	v8::Isolate              *isolate = info.GetIsolate();
	if (hooks->chunk == nullptr || info.Length() < 2) {
		return;
	}
	if (info[1]->IsString()) {
		v8::Local<v8::String> s = info[1].As<v8::String>();
		size_t n   = static_cast<size_t>(s->Utf8Length(isolate));
		char  *buf = static_cast<char *>(malloc(n + 1));
		if (buf == nullptr) {
			isolate->ThrowError(
			    ssrd_v8_str(isolate, "out of memory", 13));
			return;
		}
		s->WriteUtf8(isolate, buf, static_cast<int>(n), nullptr,
		    v8::String::NO_NULL_TERMINATION
		        | v8::String::REPLACE_INVALID_UTF8);
		hooks->chunk(
		    hooks->arg, own_render_arg(isolate, info[0]), buf, n);
		free(buf);
		return;
	}
	if (!info[1]->IsArrayBufferView()) {
		return;
	}
	v8::Local<v8::ArrayBufferView> v = info[1].As<v8::ArrayBufferView>();
	const char                    *data
	    = static_cast<const char *>(v->Buffer()->Data()) + v->ByteOffset();
	hooks->chunk(hooks->arg, own_render_arg(isolate, info[0]), data,
	    v->ByteLength());
}

// status(renderId, code): the streaming render's HTTP status, before its
// first chunk
static void
native_status(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks   = native_hooks(info);
	v8::Isolate              *isolate = info.GetIsolate();
	if (hooks->status == nullptr || info.Length() < 2
	    || !info[1]->IsInt32()) {
		return;
	}
	uint64_t id   = own_render_arg(isolate, info[0]);
	int      code = info[1].As<v8::Int32>()->Value();
	if (id != 0 && code >= 200 && code <= 599) {
		hooks->status(hooks->arg, id, code);
	}
}

// end(renderId[, error]): the stream finished, or failed with error
static void
native_end(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks   = native_hooks(info);
	v8::Isolate              *isolate = info.GetIsolate();
	if (hooks->end == nullptr || info.Length() < 1) {
		return;
	}
	uint64_t id = own_render_arg(isolate, info[0]);
	if (id == 0) {
		return;
	}
	if (info.Length() < 2 || info[1]->IsUndefined()) {
		hooks->end(hooks->arg, id, nullptr);
		return;
	}
	ssrd_js_error err = {};
	ssrd_error_from_value(isolate, isolate->GetCurrentContext(), info[1],
	    v8::Local<v8::Message>(), &err);
	hooks->end(hooks->arg, id, &err);
	ssrd__js_error_clear(&err);
}

// report(renderId, error, componentStack): React's onError, a boundary that
// failed on the server and will be retried on the client
static void
native_report(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks   = native_hooks(info);
	v8::Isolate              *isolate = info.GetIsolate();
	if (hooks->report == nullptr || info.Length() < 2) {
		return;
	}
	ssrd_js_error err = {};
	ssrd_error_from_value(isolate, isolate->GetCurrentContext(), info[1],
	    v8::Local<v8::Message>(), &err);
	v8::String::Utf8Value stack(isolate, info[2]);
	hooks->report(hooks->arg, own_render_arg(isolate, info[0]), &err,
	    *stack != nullptr ? *stack : "");
	ssrd__js_error_clear(&err);
}

// hostCall(op, argsJson) -> Promise, settled later by ssrd__context_settle()
static void
native_host_call(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	auto                  *ctx     = static_cast<ssrd_context *>(
            context->GetAlignedPointerFromEmbedderData(SSRD_CONTEXT_SLOT));
	v8::Local<v8::Promise::Resolver> resolver;
	if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) {
		return;
	}
	info.GetReturnValue().Set(resolver->GetPromise());
	v8::String::Utf8Value op(isolate, info[0]);
	v8::String::Utf8Value args(isolate, info[1]);
	const char           *why = nullptr;
	if (ctx == nullptr || ctx->hooks.host_call == nullptr) {
		why = "ssrd: the host bridge is not available here";
	} else if (*op == nullptr || *args == nullptr) {
		why = "ssrd: bad host call";
	} else {
		uint32_t id = ++ctx->next_promise;
		ctx->pending[id].Reset(isolate, resolver);
		if (ctx->hooks.host_call(ctx->hooks.arg,
		        current_render(isolate), id, *op, *args,
		        static_cast<size_t>(args.length()))
		    != 0) {
			ctx->pending.erase(id);
			why = "ssrd: the host bridge refused the call "
			      "(shutting "
			      "down or out of memory)";
		}
	}
	if (why != nullptr) {
		resolver
		    ->Reject(context,
		        v8::Exception::Error(
		            ssrd_v8_str(isolate, why, strlen(why))))
		    .Check();
	}
}

// timerStart(id, delayMs), timerStop(id)
static void
native_timer_start(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks = native_hooks(info);
	v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
	if (hooks->timer_start != nullptr && info.Length() >= 2) {
		hooks->timer_start(hooks->arg,
		    current_render(info.GetIsolate()),
		    info[0]->Uint32Value(context).FromMaybe(0),
		    info[1]->NumberValue(context).FromMaybe(0));
	}
}

static void
native_timer_stop(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	const ssrd_context_hooks *hooks = native_hooks(info);
	v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
	if (hooks->timer_stop != nullptr && info.Length() >= 1) {
		hooks->timer_stop(
		    hooks->arg, info[0]->Uint32Value(context).FromMaybe(0));
	}
}

// While a snapshot is made, now() counts instead of reading the clock, so
// the same inputs give the same bytes. Only the snapshotting thread reads it.
double ssrd_snapshot_clock = -1;

// now(): milliseconds since the process started, monotonic, sub-millisecond.
static void
native_now(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	if (ssrd_snapshot_clock >= 0) {
		info.GetReturnValue().Set(ssrd_snapshot_clock += 0.125);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double ms = (double) (ts.tv_sec - ssrd_time_origin.tv_sec) * 1e3
	    + (double) (ts.tv_nsec - ssrd_time_origin.tv_nsec) / 1e6;
	info.GetReturnValue().Set(ms);
}

// setHooks(object): the base's entry points for C (render, stream, abort,
// ...), kept where only C finds them (see SSRD_HOOKS_SLOT). Once per context:
// a later call changes nothing.
static void
native_set_hooks(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	if (info.Length() < 1 || !info[0]->IsObject()) {
		throw_type_error(isolate, "setHooks(object)");
		return;
	}
	if (ssrd_hooks(isolate, context).IsEmpty()) {
		context->SetEmbedderData(SSRD_HOOKS_SLOT, info[0]);
	}
}

// Copies a JS string's code units out, one-byte or two-byte as V8 holds it.
// Returns the UTF-8 length, and the units in *buf (malloc'd, caller frees).
struct string_units {
	void  *buf;
	size_t n;
	bool   one_byte;
};

static bool
string_units_get(v8::Isolate *isolate, v8::Local<v8::String> s, string_units *u)
{
	u->n        = static_cast<size_t>(s->Length());
	u->one_byte = s->IsOneByte();
	u->buf      = malloc(u->n * (u->one_byte ? 1 : 2) + 1);
	if (u->buf == nullptr) {
		return false;
	}
	if (u->one_byte) {
		s->WriteOneByte(isolate, static_cast<uint8_t *>(u->buf), 0,
		    static_cast<int>(u->n), v8::String::NO_NULL_TERMINATION);
	} else {
		s->Write(isolate, static_cast<uint16_t *>(u->buf), 0,
		    static_cast<int>(u->n), v8::String::NO_NULL_TERMINATION);
	}
	return true;
}

// utf8Encode(string) -> Uint8Array, as TextEncoder.prototype.encode.
static void
native_utf8_encode(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate          *isolate = info.GetIsolate();
	v8::Local<v8::String> s;
	if (info.Length() < 1
	    || !info[0]->ToString(isolate->GetCurrentContext()).ToLocal(&s)) {
		return;
	}
	string_units u;
	if (!string_units_get(isolate, s, &u)) {
		isolate->ThrowError(ssrd_v8_str(isolate, "out of memory", 13));
		return;
	}
	size_t                            len = u.one_byte
	                               ? u.n
                + (ssrd__utf8_is_ascii(static_cast<uint8_t *>(u.buf), u.n)
	                                           ? 0
	                                           : u.n)
	                               : ssrd__utf8_len_from_utf16(static_cast<uint16_t *>(u.buf), u.n);
	std::unique_ptr<v8::BackingStore> store
	    = v8::ArrayBuffer::NewBackingStore(isolate, len);
	uint8_t *out = static_cast<uint8_t *>(store->Data());
	size_t   w   = u.one_byte
	        ? ssrd__utf8_from_latin1(static_cast<uint8_t *>(u.buf), u.n, out)
	        : ssrd__utf8_from_utf16(static_cast<uint16_t *>(u.buf), u.n, out);
	free(u.buf);
	v8::Local<v8::ArrayBuffer> ab
	    = v8::ArrayBuffer::New(isolate, std::move(store));
	info.GetReturnValue().Set(v8::Uint8Array::New(ab, 0, w));
}

// utf8EncodeInto(string, Uint8Array) -> [read, written], as
// TextEncoder.prototype.encodeInto.
static void
native_utf8_encode_into(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate          *isolate = info.GetIsolate();
	v8::Local<v8::String> s;
	if (info.Length() < 2 || !info[1]->IsUint8Array()
	    || !info[0]->ToString(isolate->GetCurrentContext()).ToLocal(&s)) {
		throw_type_error(
		    isolate, "encodeInto needs a string and a Uint8Array");
		return;
	}
	v8::Local<v8::Uint8Array> dst = info[1].As<v8::Uint8Array>();
	uint8_t                  *out
	    = static_cast<uint8_t *>(dst->Buffer()->Data()) + dst->ByteOffset();
	string_units u;
	if (!string_units_get(isolate, s, &u)) {
		isolate->ThrowError(ssrd_v8_str(isolate, "out of memory", 13));
		return;
	}
	size_t read = 0, written = 0;
	if (u.one_byte) {
		written
		    = ssrd__utf8_from_latin1_max(static_cast<uint8_t *>(u.buf),
		        u.n, out, dst->ByteLength(), &read);
	} else {
		written
		    = ssrd__utf8_from_utf16_max(static_cast<uint16_t *>(u.buf),
		        u.n, out, dst->ByteLength(), &read);
	}
	free(u.buf);
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	v8::Local<v8::Array>   res     = v8::Array::New(isolate, 2);
	res->Set(context, 0, v8::Number::New(isolate, (double) read)).Check();
	res->Set(context, 1, v8::Number::New(isolate, (double) written))
	    .Check();
	info.GetReturnValue().Set(res);
}

// utf8Decode(ArrayBufferView | ArrayBuffer) -> string, as
// TextDecoder.prototype.decode. The BOM is the polyfill's business; bytes go
// through unchanged here.
static void
native_utf8_decode(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate   *isolate = info.GetIsolate();
	const uint8_t *src     = nullptr;
	size_t         n       = 0;
	if (info.Length() >= 1 && info[0]->IsArrayBufferView()) {
		v8::Local<v8::ArrayBufferView> v
		    = info[0].As<v8::ArrayBufferView>();
		src = static_cast<uint8_t *>(v->Buffer()->Data())
		    + v->ByteOffset();
		n = v->ByteLength();
	} else if (info.Length() >= 1 && info[0]->IsArrayBuffer()) {
		v8::Local<v8::ArrayBuffer> b = info[0].As<v8::ArrayBuffer>();
		src = static_cast<uint8_t *>(b->Data());
		n   = b->ByteLength();
	} else if (info.Length() >= 1 && !info[0]->IsUndefined()) {
		throw_type_error(isolate,
		    "TextDecoder.decode needs an ArrayBuffer or a view of one");
		return;
	}
	if (n == 0) {
		info.GetReturnValue().SetEmptyString();
		return;
	}
	if (ssrd__utf8_is_ascii(src, n)) {
		info.GetReturnValue().Set(v8::String::NewFromOneByte(isolate,
		    src, v8::NewStringType::kNormal, static_cast<int>(n))
		                              .ToLocalChecked());
		return;
	}
	uint16_t *units = static_cast<uint16_t *>(malloc(n * sizeof(uint16_t)));
	if (units == nullptr) {
		isolate->ThrowError(ssrd_v8_str(isolate, "out of memory", 13));
		return;
	}
	size_t m = ssrd__utf16_from_utf8(src, n, units);
	info.GetReturnValue().Set(v8::String::NewFromTwoByte(
	    isolate, units, v8::NewStringType::kNormal, static_cast<int>(m))
	                              .ToLocalChecked());
	free(units);
}

// Every native, by name under __ssrd_native. The callbacks double as the
// external references a snapshot needs (see external_refs).
static const struct {
	const char          *name;
	v8::FunctionCallback fn;
} natives[] = {
	{ "log", native_log },
	{ "renderId", native_render_id },
	{ "inTry", native_in_try },
	{ "runAs", native_run_as },
	{ "emit", native_emit },
	{ "end", native_end },
	{ "status", native_status },
	{ "report", native_report },
	{ "hostCall", native_host_call },
	{ "timerStart", native_timer_start },
	{ "timerStop", native_timer_stop },
	{ "now", native_now },
	{ "utf8Encode", native_utf8_encode },
	{ "utf8EncodeInto", native_utf8_encode_into },
	{ "utf8Decode", native_utf8_decode },
	{ "setHooks", native_set_hooks },
	{ "randomFill", ssrd_native_random_fill },
	{ "digest", ssrd_native_digest },
	{ "clone", ssrd_native_clone },
	{ "alsStores", ssrd_native_als_stores },
	{ "alsRun", ssrd_native_als_run },
};
#define NNATIVES (sizeof(natives) / sizeof(natives[0]))

// The addresses V8 must map when it writes or reads a snapshot: the natives,
// NULL-terminated, the same list on both sides.
intptr_t ssrd_external_refs[NNATIVES + 1];

v8::Local<v8::ObjectTemplate>
ssrd_global_template(v8::Isolate *isolate)
{
	v8::Local<v8::ObjectTemplate> native = v8::ObjectTemplate::New(isolate);
	for (const auto &n : natives) {
		native->Set(
		    isolate, n.name, v8::FunctionTemplate::New(isolate, n.fn));
	}
	v8::Local<v8::ObjectTemplate> global = v8::ObjectTemplate::New(isolate);
	global->Set(isolate, "__ssrd_native", native);
	return global;
}

static char natives_id[512];

extern "C" const char *
ssrd__engine_natives_id(void)
{
	return natives_id;
}

void
ssrd_natives_init(void)
{
	size_t at = 0;
	for (size_t i = 0; i < NNATIVES && at < sizeof(natives_id); i++) {
		int n = snprintf(natives_id + at, sizeof(natives_id) - at,
		    "%s%s", i > 0 ? "," : "", natives[i].name);
		at += n > 0 ? static_cast<size_t>(n) : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ssrd_time_origin);
	for (size_t i = 0; i < NNATIVES; i++) {
		ssrd_external_refs[i]
		    = reinterpret_cast<intptr_t>(natives[i].fn);
	}
}
