// natives_web.cc: the natives behind the web APIs whose work is bytes --
// crypto's random values and digests, structuredClone -- and the frame that
// AsyncLocalStorage keeps its stores in. js/runtime/web/*.js give them the
// web's shape.
//
// Random bytes come from getrandom(2): the kernel's CSPRNG, no state of ours
// to seed or to end up in a snapshot. Digests use OpenSSL 3's EVP interface
// from libcrypto, which libnode already loads into the process (so no new
// library at run time) and whose SHA code is the one Node itself uses.
// structuredClone is V8's own ValueSerializer, as in Node: the same types
// clone, the same ones fail.

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>
#include <sys/random.h>

#include "engine/natives_web.h"
#include "engine/shim.h"

static void
throw_error(v8::Isolate *isolate, const char *msg, bool type)
{
	v8::Local<v8::String> s = ssrd_v8_str(isolate, msg, strlen(msg));
	isolate->ThrowException(
	    type ? v8::Exception::TypeError(s) : v8::Exception::Error(s));
}

// The bytes of an ArrayBuffer or a view of one; false if v is neither.
static bool
bytes_of(v8::Local<v8::Value> v, uint8_t **p, size_t *n)
{
	if (v->IsArrayBufferView()) {
		v8::Local<v8::ArrayBufferView> view
		    = v.As<v8::ArrayBufferView>();
		*p = static_cast<uint8_t *>(view->Buffer()->Data())
		    + view->ByteOffset();
		*n = view->ByteLength();
		return true;
	}
	if (v->IsArrayBuffer()) {
		v8::Local<v8::ArrayBuffer> b = v.As<v8::ArrayBuffer>();
		*p = static_cast<uint8_t *>(b->Data());
		*n = b->ByteLength();
		return true;
	}
	return false;
}

int
ssrd__random_bytes(void *buf, size_t n)
{
	uint8_t *p = static_cast<uint8_t *>(buf);
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		p += r;
		n -= static_cast<size_t>(r);
	}
	return 0;
}

int
ssrd__digest(const char *alg, const void *data, size_t n, uint8_t *out,
    unsigned *out_len)
{
	const EVP_MD *md = strcmp(alg, "SHA-1") == 0 ? EVP_sha1()
	    : strcmp(alg, "SHA-256") == 0            ? EVP_sha256()
	    : strcmp(alg, "SHA-384") == 0            ? EVP_sha384()
	    : strcmp(alg, "SHA-512") == 0            ? EVP_sha512()
	    : strcmp(alg, "MD5") == 0                ? EVP_md5()
	                                             : nullptr;
	if (md == nullptr) {
		return -1;
	}
	return EVP_Digest(data, n, out, out_len, md, nullptr) == 1 ? 0 : -1;
}

// randomFill(view): fills an integer typed array's bytes with random ones,
// as crypto.getRandomValues (which checks the type and the 65,536-byte
// quota first). Refused while a snapshot is made: nothing random may be
// baked into one.
void
ssrd_native_random_fill(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate *isolate = info.GetIsolate();
	uint8_t     *p;
	size_t       n;
	if (info.Length() < 1 || !info[0]->IsArrayBufferView()
	    || !bytes_of(info[0], &p, &n)) {
		throw_error(isolate, "randomFill needs a typed array", true);
		return;
	}
	if (ssrd_snapshot_clock >= 0) {
		throw_error(isolate,
		    "ssrd: no random values while the base snapshot is made",
		    false);
		return;
	}
	if (ssrd__random_bytes(p, n) != 0) {
		throw_error(isolate, "ssrd: getrandom failed", false);
		return;
	}
	info.GetReturnValue().Set(info[0]);
}

// digest(name, bytes) -> ArrayBuffer: "SHA-1", "SHA-256", "SHA-384",
// "SHA-512" (crypto.subtle.digest), "MD5" (node:crypto's createHash).
void
ssrd_native_digest(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate *isolate = info.GetIsolate();
	uint8_t     *p;
	size_t       n;
	if (info.Length() < 2 || !bytes_of(info[1], &p, &n)) {
		throw_error(isolate,
		    "digest needs an algorithm and an ArrayBuffer or a view",
		    true);
		return;
	}
	v8::String::Utf8Value alg(isolate, info[0]);
	uint8_t               md[EVP_MAX_MD_SIZE];
	unsigned              len = 0;
	if (*alg == nullptr || ssrd__digest(*alg, p, n, md, &len) != 0) {
		throw_error(isolate, "digest: unsupported algorithm", false);
		return;
	}
	std::unique_ptr<v8::BackingStore> store
	    = v8::ArrayBuffer::NewBackingStore(isolate, len);
	memcpy(store->Data(), md, len);
	info.GetReturnValue().Set(
	    v8::ArrayBuffer::New(isolate, std::move(store)));
}

// V8's serializer reports what it cannot clone here: thrown as an Error
// named DataCloneError, which the JS side turns into a DOMException.
class clone_delegate : public v8::ValueSerializer::Delegate
{
    public:
	explicit clone_delegate(v8::Isolate *isolate)
	    : isolate_(isolate)
	{
	}
	void ThrowDataCloneError(v8::Local<v8::String> message) override
	{
		v8::Local<v8::Value>   e       = v8::Exception::Error(message);
		v8::Local<v8::Context> context = isolate_->GetCurrentContext();
		(void) e.As<v8::Object>()->Set(context,
		    ssrd_v8_str(isolate_, "name", 4),
		    ssrd_v8_str(isolate_, "DataCloneError", 14));
		isolate_->ThrowException(e);
	}

    private:
	v8::Isolate *isolate_;
};

// clone(value) -> a structured clone of value (V8's ValueSerializer, then
// its deserializer, in the same context). Throws DataCloneError for what
// does not clone (functions, symbols, WeakMaps, ...).
void
ssrd_native_clone(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	v8::Local<v8::Value>   v       = info.Length() > 0
	            ? info[0]
	            : v8::Local<v8::Value>(v8::Undefined(isolate));
	clone_delegate         delegate(isolate);
	v8::ValueSerializer    ser(isolate, &delegate);
	ser.WriteHeader();
	if (!ser.WriteValue(context, v).FromMaybe(false)) {
		return; // the delegate threw
	}
	std::pair<uint8_t *, size_t> buf = ser.Release();
	v8::Local<v8::Value>         out;
	{
		v8::ValueDeserializer des(isolate, buf.first, buf.second);
		if (des.ReadHeader(context).FromMaybe(false)
		    && des.ReadValue(context).ToLocal(&out)) {
			info.GetReturnValue().Set(out);
		}
	}
	free(buf.first);
}

// ---- AsyncLocalStorage's frame ---------------------------------------------
// The continuation-preserved embedder data V8 carries into every promise
// reaction holds the render's id (a Number, see natives.cc's
// current_render). Inside an AsyncLocalStorage's run() it holds a frame
// instead: a two-element array [render id, stores], stores being the JS
// side's Map of each AsyncLocalStorage to its value. V8 10.2 captures the
// data when a reaction is made (then / await), so a continuation runs with
// the stores of the code that awaited, as Node's AsyncLocalStorage does.
// Only these natives make or read frames; page code never sees one.

uint64_t
ssrd_frame_render(v8::Isolate *isolate, v8::Local<v8::Value> v)
{
	if (v->IsArray()) {
		v8::Local<v8::Value> r;
		if (!v.As<v8::Array>()
		         ->Get(isolate->GetCurrentContext(), 0)
		         .ToLocal(&r)) {
			return 0;
		}
		v = r;
	}
	return v->IsNumber()
	    ? static_cast<uint64_t>(v.As<v8::Number>()->Value())
	    : 0;
}

v8::Local<v8::Value>
ssrd_frame_new(
    v8::Isolate *isolate, uint64_t render, v8::Local<v8::Value> stores)
{
	v8::Local<v8::Value> id = render > 0
	    ? v8::Local<v8::Value>(
	        v8::Number::New(isolate, static_cast<double>(render)))
	    : v8::Local<v8::Value>(v8::Undefined(isolate));
	if (stores.IsEmpty() || stores->IsUndefined()) {
		return id;
	}
	v8::Local<v8::Value> pair[2] = { id, stores };
	return v8::Array::New(isolate, pair, 2);
}

// alsStores() -> the stores of the running code's frame, or undefined.
void
ssrd_native_als_stores(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate         *isolate = info.GetIsolate();
	v8::Local<v8::Value> v       = isolate->GetCurrentContext()
	                             ->GetContinuationPreservedEmbedderData();
	if (v->IsArray()) {
		v8::Local<v8::Value> s;
		if (v.As<v8::Array>()
		        ->Get(isolate->GetCurrentContext(), 1)
		        .ToLocal(&s)) {
			info.GetReturnValue().Set(s);
		}
	}
}

// alsRun(stores, fn) -> fn(): calls fn with stores as the frame's (the
// render unchanged), and puts the frame back after, whether fn returned or
// threw.
void
ssrd_native_als_run(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate           *isolate = info.GetIsolate();
	v8::Local<v8::Context> context = isolate->GetCurrentContext();
	if (info.Length() < 2 || !info[1]->IsFunction()) {
		throw_error(isolate, "alsRun(stores, fn)", true);
		return;
	}
	v8::Local<v8::Value> saved
	    = context->GetContinuationPreservedEmbedderData();
	context->SetContinuationPreservedEmbedderData(ssrd_frame_new(
	    isolate, ssrd_frame_render(isolate, saved), info[0]));
	v8::MaybeLocal<v8::Value> r = info[1].As<v8::Function>()->Call(
	    context, v8::Undefined(isolate), 0, nullptr);
	if (!isolate->IsExecutionTerminating()) {
		context->SetContinuationPreservedEmbedderData(saved);
	}
	v8::Local<v8::Value> result;
	if (r.ToLocal(&result)) {
		info.GetReturnValue().Set(result);
	}
}
