// v8_context.cc implements engine.h's contexts: making, linking and freeing
// them, evaluating scripts, calling hooks, firing timers, settling host calls.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
#include <ssrd/errors.h>
}

#include "engine/natives_web.h"
#include "engine/shim.h"

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
	return ssrd_run_script(isolate, context, src, len, filename, cc, err)
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
		ssrd_error_from_trycatch(isolate, context, try_catch, err);
		return SSRD_EJS;
	}
	isolate->PerformMicrotaskCheckpoint();
	if (!result->IsString()) {
		if (err != nullptr) {
			ssrd__js_error_clear(err);
			err->name    = ssrd_dup_bytes("TypeError", 9);
			err->message = ssrd_dup_bytes(
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
	           isolate, context->GetContinuationPreservedEmbedderData())
	    & ~SSRD_RENDER_TRY;
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
