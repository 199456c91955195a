// v8_snapshot.cc implements ssrd__snapshot_create(): a startup snapshot of
// the base evaluated in a fresh isolate, its clocks and randomness seeded.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
#include <ssrd/errors.h>
}

#include "engine/shim.h"

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
		ssrd_error_from_trycatch(isolate, context, tc, err);
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
			err->name    = ssrd_dup_bytes("Error", 5);
			err->message = ssrd_dup_bytes(why, sizeof(why) - 1);
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
			ok = ssrd_run_script(isolate, context, snapshot_prelude,
			    sizeof(snapshot_prelude) - 1,
			    "ssrd:snapshot-prelude", nullptr, err);
			for (size_t i = 0; ok && i < n; i++) {
				ok = ssrd_run_script(isolate, context,
				    scripts[i].ptr, scripts[i].len, names[i],
				    nullptr, err);
			}
			// The base's warm-up render, so that React's render
			// code goes in compiled.
			ok = ok
			    && snapshot_hook(isolate, context, "warmup", err);
			ok = ok
			    && ssrd_run_script(isolate, context,
			        snapshot_epilogue,
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
