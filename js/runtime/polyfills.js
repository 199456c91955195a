// polyfills.js: the web APIs React's server build expects and bare V8 lacks.
//
// Everything that touches bytes or time is native (globalThis.__ssrd_native,
// installed by src/engine/v8_shim.cc); this file only gives it the shape the
// web platform specifies. It runs first in every context, before React.

const native = globalThis.__ssrd_native;

// ---- console: formatted here, captured by ssrd's log with the render's id ----
function formatValue(v, depth) {
  if (typeof v === "string") return depth === 0 ? v : JSON.stringify(v);
  if (v instanceof Error) return v.stack || String(v);
  if (typeof v === "function") return `[Function ${v.name || "(anonymous)"}]`;
  if (typeof v !== "object" || v === null) return String(v);
  if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
  try {
    if (Array.isArray(v)) return `[ ${v.map((x) => formatValue(x, depth + 1)).join(", ")} ]`;
    const body = Object.keys(v).map((k) => `${k}: ${formatValue(v[k], depth + 1)}`);
    return `{ ${body.join(", ")} }`;
  } catch {
    return "[Object]";
  }
}

function format(args) {
  let out = "";
  let i = 0;
  // printf-style substitutions when the first argument is a string, as browsers do.
  if (typeof args[0] === "string" && args.length > 1) {
    out = args[0].replace(/%[sdifoOc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i + 1 >= args.length) return m;
      const a = args[++i];
      if (m === "%c") return "";
      if (m === "%d" || m === "%i") return String(parseInt(a, 10));
      if (m === "%f") return String(Number(a));
      return formatValue(a, m === "%s" ? 0 : 1);
    });
    i++;
  } else if (args.length > 0) {
    out = formatValue(args[0], 0);
    i = 1;
  }
  for (; i < args.length; i++) out += " " + formatValue(args[i], 0);
  return out;
}

const LEVEL = { debug: 0, info: 1, warn: 2, error: 3 };
const consoleObject = {};
for (const [name, level] of [
  ["debug", LEVEL.debug], ["trace", LEVEL.debug],
  ["log", LEVEL.info], ["info", LEVEL.info],
  ["warn", LEVEL.warn], ["error", LEVEL.error],
]) {
  consoleObject[name] = (...args) => native.log(level, format(args));
}
consoleObject.assert = (cond, ...args) => {
  if (!cond) native.log(LEVEL.error, "Assertion failed" + (args.length ? ": " + format(args) : ""));
};
globalThis.console = consoleObject;

// ---- timers: callbacks live here, the schedule lives in C (the worker's loop) ----
const timers = new Map(); // id -> { fn, args, interval, render }
const byRender = new Map(); // render id -> Set of its timers' ids
let nextTimerId = 1;

// A timer remembers the render that set it (promises do so by themselves), so
// that what its callback logs, fetches or throws is that render's, and so
// that it ends with the render (endRenderTimers).
function startTimer(fn, delay, args, repeat) {
  if (typeof fn !== "function") throw new TypeError("timer callback must be a function");
  const id = nextTimerId++;
  if (nextTimerId > 0x7fffffff) nextTimerId = 1;
  const ms = Math.max(0, Number(delay) || 0);
  const render = native.renderId();
  timers.set(id, { fn, args, interval: repeat ? ms : -1, render });
  if (render !== 0) {
    let ids = byRender.get(render);
    if (ids === undefined) byRender.set(render, (ids = new Set()));
    ids.add(id);
  }
  native.timerStart(id, ms);
  return id;
}

function forget(id, t) {
  timers.delete(id);
  const ids = t.render !== 0 ? byRender.get(t.render) : undefined;
  if (ids !== undefined) {
    ids.delete(id);
    if (ids.size === 0) byRender.delete(t.render);
  }
}

function clearTimer(id) {
  const t = timers.get(id);
  if (t === undefined) return;
  forget(id, t);
  native.timerStop(id);
}

// ssrd's loop calls this with each due timer's id.
function fireTimer(id) {
  const t = timers.get(id);
  if (t === undefined) return;
  if (t.interval >= 0) native.timerStart(id, t.interval);
  else forget(id, t);
  native.runAs(t.render, t.fn, t.args);
}

// A render has ended: the timers it left (an interval, a timeout not yet due)
// are cancelled, so that nothing of it runs after it. Timers set outside any
// render (by a module as it loads) are the context's and stay.
function endRenderTimers(render) {
  const ids = byRender.get(render);
  if (ids === undefined) return 0;
  byRender.delete(render);
  for (const id of ids) {
    timers.delete(id);
    native.timerStop(id);
  }
  return ids.size;
}

// For the base, which takes them into its hooks (C's entry points) and removes
// this global.
globalThis.__ssrd_polyfill_hooks = { fireTimer, endRenderTimers };

globalThis.setTimeout = (fn, delay, ...args) => startTimer(fn, delay, args, false);
globalThis.setInterval = (fn, delay, ...args) => startTimer(fn, delay, args, true);
globalThis.clearTimeout = clearTimer;
globalThis.clearInterval = clearTimer;
globalThis.setImmediate = (fn, ...args) => startTimer(fn, 0, args, false);
globalThis.clearImmediate = clearTimer;

if (typeof globalThis.queueMicrotask !== "function") {
  globalThis.queueMicrotask = (fn) => {
    Promise.resolve().then(fn);
  };
}

// ---- MessageChannel: each message is a task of its own, as in browsers ----
class MessagePort {
  constructor() {
    this.onmessage = null;
    this._other = null;
  }
  postMessage(data) {
    const target = this._other;
    setTimeout(() => {
      if (typeof target.onmessage === "function") target.onmessage({ data });
    }, 0);
  }
  start() {}
  close() {}
}

globalThis.MessageChannel = class MessageChannel {
  constructor() {
    this.port1 = new MessagePort();
    this.port2 = new MessagePort();
    this.port1._other = this.port2;
    this.port2._other = this.port1;
  }
};

// ---- performance.now: monotonic, sub-millisecond ----
globalThis.performance = {
  now: () => native.now(),
  timeOrigin: Date.now() - native.now(),
  mark() {},
  measure() {},
};

// ---- TextEncoder / TextDecoder: UTF-8 only, encoded and decoded in C ----
globalThis.TextEncoder = class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    const s = String(input);
    // React encodes many short pieces (tags, attributes, text): for those a
    // loop here is several times faster than a call into C, whose backing
    // store costs more than the copy (measured: a 240-row page streamed in
    // 4.1 ms with every piece encoded in C). Long strings go to C.
    if (s.length > 256) return native.utf8Encode(s);
    const n = s.length;
    let bytes = n;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        bytes = -1;
        break;
      }
    }
    if (bytes < 0) return native.utf8Encode(s);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  encodeInto(input, dest) {
    const [read, written] = native.utf8EncodeInto(String(input), dest);
    return { read, written };
  }
};

globalThis.TextDecoder = class TextDecoder {
  constructor(label = "utf-8", options = {}) {
    const l = String(label).trim().toLowerCase();
    if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") {
      throw new RangeError(`TextDecoder: encoding "${label}" is not supported (only utf-8)`);
    }
    if (options.fatal) throw new RangeError("TextDecoder: fatal mode is not supported");
    this.ignoreBOM = Boolean(options.ignoreBOM);
  }
  get encoding() {
    return "utf-8";
  }
  decode(input, options) {
    if (options && options.stream) throw new RangeError("TextDecoder: stream mode is not supported");
    const s = native.utf8Decode(input);
    return !this.ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }
};

// ---- process.env.NODE_ENV: libraries branch on it ----
if (typeof globalThis.process === "undefined") globalThis.process = { env: { NODE_ENV: "production" } };

// ---- AbortController / AbortSignal: how ssrd stops a render React is streaming ----
class AbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    this._listeners = [];
  }
  addEventListener(type, fn) {
    if (type === "abort" && typeof fn === "function") this._listeners.push(fn);
  }
  removeEventListener(type, fn) {
    if (type === "abort") this._listeners = this._listeners.filter((f) => f !== fn);
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  static abort(reason) {
    const c = new AbortController();
    c.abort(reason);
    return c.signal;
  }
}
globalThis.AbortSignal = AbortSignal;
globalThis.AbortController = class AbortController {
  constructor() {
    this.signal = new AbortSignal();
  }
  abort(reason = new Error("This operation was aborted")) {
    const s = this.signal;
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason;
    const event = { type: "abort", target: s };
    if (typeof s.onabort === "function") s.onabort(event);
    for (const fn of s._listeners.slice()) fn(event);
  }
};

// ---- ReadableStream: the part of WHATWG streams renderToReadableStream uses ----
// A queue, pending reads, and pull() called when a read waits on an empty
// queue (or the queue is under highWaterMark), never while a pull is running:
// the spec's algorithm for default and byte streams without BYOB readers.
class ReadableStreamDefaultReader {
  constructor(stream) {
    if (stream._reader) throw new TypeError("ReadableStream is locked to a reader");
    stream._reader = this;
    this._stream = stream;
    this.closed = new Promise((resolve, reject) => {
      this._closed = { resolve, reject };
    });
    this.closed.catch(() => {});
  }
  read() {
    const s = this._stream;
    if (s === null) return Promise.reject(new TypeError("the reader has been released"));
    if (s._queue.length > 0) {
      const value = s._queue.shift();
      if (s._queue.length === 0 && s._closeRequested) s._finishClose();
      else s._pullIfNeeded();
      return Promise.resolve({ value, done: false });
    }
    if (s._state === "closed") return Promise.resolve({ value: undefined, done: true });
    if (s._state === "errored") return Promise.reject(s._error);
    return new Promise((resolve, reject) => {
      s._reads.push({ resolve, reject });
      s._pullIfNeeded();
    });
  }
  cancel(reason) {
    return this._stream ? this._stream.cancel(reason) : Promise.resolve();
  }
  releaseLock() {
    if (this._stream) this._stream._reader = null;
    this._stream = null;
  }
}

// type: "direct" (Bun's, which React's "bun" server build uses): the source's
// pull gets a controller to write() strings or bytes to, flush() hands what
// was written since to the reader as one chunk (strings joined, not encoded:
// ssrd encodes each flushed chunk to UTF-8 once, in C), end() closes.
function directController(stream) {
  let parts = "";
  const flush = () => {
    if (parts.length === 0) return;
    const chunk = parts;
    parts = "";
    const read = stream._reads.shift();
    if (read) read.resolve({ value: chunk, done: false });
    else stream._queue.push(chunk);
  };
  return {
    write(chunk) {
      if (stream._state !== "readable" || stream._closeRequested) throw new TypeError("the stream is closed");
      parts += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      return chunk.length;
    },
    flush,
    end() {
      if (stream._state !== "readable" || stream._closeRequested) return;
      flush();
      stream._closeRequested = true;
      if (stream._queue.length === 0) stream._finishClose();
    },
    close() {
      this.end();
    },
    error(e) {
      stream._fail(e);
    },
  };
}

globalThis.ReadableStream = class ReadableStream {
  constructor(source = {}, strategy = {}) {
    this._source = source;
    this._queue = [];
    this._reads = [];
    this._state = "readable";
    this._error = undefined;
    this._reader = null;
    this._closeRequested = false;
    this._started = false;
    this._pulling = false;
    this._pullAgain = false;
    this._hwm = strategy.highWaterMark !== undefined ? strategy.highWaterMark : source.type === "bytes" ? 0 : 1;
    const stream = this;
    if (source.type === "direct") {
      // pulled once, when the first read waits; the source writes from then on
      this._controller = directController(this);
      this._direct = true;
      this._started = true;
      return;
    }
    this._controller = {
      enqueue(chunk) {
        if (stream._state !== "readable" || stream._closeRequested) throw new TypeError("the stream is closed");
        const read = stream._reads.shift();
        if (read) read.resolve({ value: chunk, done: false });
        else stream._queue.push(chunk);
        stream._pullIfNeeded();
      },
      close() {
        if (stream._state !== "readable" || stream._closeRequested) throw new TypeError("the stream is closed");
        stream._closeRequested = true;
        if (stream._queue.length === 0) stream._finishClose();
      },
      error(e) {
        stream._fail(e);
      },
      get desiredSize() {
        return stream._state === "readable" ? stream._hwm - stream._queue.length : 0;
      },
      byobRequest: null,
    };
    Promise.resolve()
      .then(() => (source.start ? source.start(this._controller) : undefined))
      .then(
        () => {
          this._started = true;
          this._pullIfNeeded();
        },
        (e) => this._fail(e),
      );
  }
  get locked() {
    return this._reader !== null;
  }
  getReader(options) {
    if (options && options.mode === "byob") throw new TypeError("ssrd's ReadableStream has no BYOB readers");
    return new ReadableStreamDefaultReader(this);
  }
  cancel(reason) {
    if (this._state === "closed") return Promise.resolve();
    if (this._state === "errored") return Promise.reject(this._error);
    this._queue.length = 0;
    this._finishClose();
    return Promise.resolve(this._source.cancel ? this._source.cancel(reason) : undefined).then(() => undefined);
  }
  _pullIfNeeded() {
    if (this._direct) {
      if (!this._pulled && this._reads.length > 0) {
        this._pulled = true;
        Promise.resolve()
          .then(() => this._source.pull(this._controller))
          .catch((e) => this._fail(e));
      }
      return;
    }
    if (!this._started || this._state !== "readable" || this._closeRequested || !this._source.pull) return;
    if (this._reads.length === 0 && this._queue.length >= this._hwm) return;
    if (this._pulling) {
      this._pullAgain = true;
      return;
    }
    this._pulling = true;
    Promise.resolve()
      .then(() => this._source.pull(this._controller))
      .then(
        () => {
          this._pulling = false;
          if (this._pullAgain) {
            this._pullAgain = false;
            this._pullIfNeeded();
          }
        },
        (e) => this._fail(e),
      );
  }
  _finishClose() {
    if (this._state !== "readable") return;
    this._state = "closed";
    for (const r of this._reads.splice(0)) r.resolve({ value: undefined, done: true });
    if (this._reader) this._reader._closed.resolve();
  }
  _fail(e) {
    if (this._state !== "readable") return;
    this._state = "errored";
    this._error = e;
    this._queue.length = 0;
    for (const r of this._reads.splice(0)) r.reject(e);
    if (this._reader) this._reader._closed.reject(e);
  }
};

// ---- the one piece of Node's Buffer React's "bun" build uses (esbuild
// --define maps Buffer to this in the base, so pages see no Buffer) ----
globalThis.__ssrd_Buffer = {
  byteLength(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  },
};
