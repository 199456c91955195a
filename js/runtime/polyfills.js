// polyfills.js: the web APIs React's server build and pages expect and bare
// V8 lacks (the WinterTC Minimum Common API, README "Web APIs"), and the
// part of Node's globals server libraries use.
//
// Everything that touches bytes or time is native (globalThis.__ssrd_native,
// installed by src/engine/v8_shim.cc); the JS only gives it the shape the
// web platform specifies. Console, timers, MessageChannel, performance and
// ReadableStream are here; each other API is a module of web/ with one job.
// It runs first in every context, before React. Nothing here reads the
// clock or randomness as it loads: the base's snapshot must not depend on
// when it was made.
import "./web/es2023.js";
import "./web/dom-exception.js";
import "./web/url.js";
import "./web/encoding.js";
import "./web/base64.js";
import "./web/events.js";
import "./web/clone.js";
import "./web/crypto.js";
import "./web/buffer.js";
import "./web/blob.js";
import "./web/fetch.js";
import { runTicks } from "./web/process.js";
import { alsState } from "./web/als.js";

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
const timers = new Map(); // id -> { fn, args, interval, render, stores, immediate }
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
  // the AsyncLocalStorage stores it was set under, once any exists
  const stores = alsState.used ? native.alsStores() : undefined;
  timers.set(id, { fn, args, interval: repeat ? ms : -1, render, stores, immediate: false });
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
  if (t.immediate) immediates.delete(id);
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

// setImmediate: a 0 ms timer that runs before any other timer that fires
// after it was set (Node's check phase comes before the next timers), so
// setTimeout(a, 0); setImmediate(b) runs b, then a, as Node does in a
// callback. immediates holds their ids in the order they were set.
const immediates = new Set();

function runImmediates() {
  for (const id of [...immediates]) {
    const t = timers.get(id);
    forget(id, t);
    native.timerStop(id);
    try {
      native.runAs(t.render, t.fn, t.args, t.stores);
      runTicks();
    } catch (e) {
      native.log(LEVEL.error, "uncaught exception in setImmediate: " + formatValue(e, 0));
    }
  }
}

// ssrd's loop calls this with each due timer's id.
function fireTimer(id) {
  const t = timers.get(id);
  if (t === undefined) return;
  if (immediates.size > 0) {
    if (t.immediate) return runImmediates();
    runImmediates();
  }
  if (t.interval >= 0) native.timerStart(id, t.interval);
  else forget(id, t);
  native.runAs(t.render, t.fn, t.args, t.stores);
  runTicks();
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
    immediates.delete(id);
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
globalThis.setImmediate = (fn, ...args) => {
  const id = startTimer(fn, 0, args, false);
  timers.get(id).immediate = true;
  immediates.add(id);
  return id;
};
globalThis.clearImmediate = clearTimer;

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

// core-js keeps its shared state in a global; its modules hold the object
// itself, so the global goes: pages that bundle their own core-js get their own.
delete globalThis["__core-js_shared__"];
