// host.js: the one way JavaScript reaches ssrd's host bridge (files, SQLite,
// fetch, env), each call a Promise settled by a host thread.
//
// The streaming path tries a page with renderToString first (base.js,
// streamedDocument). When the page suspends, the try is given up and the
// page is streamed: rendered again, so the same components make the same
// calls again. A call made twice is work done twice, and a write written
// twice. So the try's calls are real (a promise a module keeps must settle)
// but remembered for its render; a call the streamed render then makes with
// the same operation and arguments takes the remembered one's outcome
// instead of being made again. The try runs under its render's id with
// TRY added (runAs), and V8 carries that into every reaction it queued, so
// a call is known to be the try's even after an await (native.inTry()).
const native = globalThis.__ssrd_native;

// SSRD_RENDER_TRY (src/engine/natives_web.h)
const TRY = 2 ** 52;
// render id -> call ("op\0args") -> the try's promises for it, oldest first.
// Only tries that reached the host are here, and a streamed render takes
// what it shares at its start: the oldest renders' go past the last 64.
const tried = new Map();
const TRIED_RENDERS = 64;

export function hostCall(op, argsJson) {
  const render = native.renderId();
  const key = op + "\0" + argsJson;
  if (native.inTry()) {
    const p = native.hostCall(op, argsJson);
    let calls = tried.get(render);
    if (calls === undefined) {
      tried.set(render, (calls = new Map()));
      if (tried.size > TRIED_RENDERS) tried.delete(tried.keys().next().value);
    }
    const same = calls.get(key);
    if (same === undefined) calls.set(key, [p]);
    else same.push(p);
    return p;
  }
  const same = render !== 0 ? tried.get(render)?.get(key) : undefined;
  if (same !== undefined && same.length > 0) return same.shift().then((v) => v);
  return native.hostCall(op, argsJson);
}

// Runs fn() as render's try, with the AsyncLocalStorage stores of the code
// that calls it; returns what fn returns.
export function asTry(render, fn) {
  return native.runAs(render + TRY, fn, [], native.alsStores());
}
