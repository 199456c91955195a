// node:stream, the part server libraries use: Readable (push, read, on
// "data" / "end", pipe, async iteration, Readable.from), Writable (write,
// end, "finish"), Duplex, Transform and PassThrough (transform / flush),
// pipeline and finished. Object mode and highWaterMark are honoured
// loosely; no back-pressure beyond write()'s return value; events are
// emitted on the next microtask tick as Node does (process.nextTick).
import { EventEmitter } from "./events.js";

const tick = (fn, ...args) => process.nextTick(fn, ...args);

// The options' implementations as own properties: the prototypes are
// frozen (the lockdown), so plain assignment would not shadow theirs.
function own(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
}

export class Stream extends EventEmitter {
  pipe(dest, options) {
    return Readable.prototype.pipe.call(this, dest, options);
  }
}

function toChunk(stream, chunk, encoding) {
  if (stream._objectMode || chunk === null) return chunk;
  if (typeof chunk === "string") return stream._decodeStrings === false ? chunk : Buffer.from(chunk, encoding);
  if (chunk instanceof Uint8Array && !Buffer.isBuffer(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return chunk;
}

export class Readable extends Stream {
  constructor(options = {}) {
    super();
    this._objectMode = !!(options.objectMode || options.readableObjectMode);
    this._rbuf = [];
    this._ended = false; // push(null) seen
    this._endEmitted = false;
    this._flowing = null;
    this._reading = false;
    this._encoding = options.encoding || null;
    this.destroyed = false;
    this.readable = true;
    if (typeof options.read === "function") own(this, "_read", options.read);
    if (typeof options.destroy === "function") own(this, "_destroy", options.destroy);
  }
  _read() {}
  push(chunk, encoding) {
    if (chunk === null) {
      this._ended = true;
      this._maybeEnd();
      return false;
    }
    this._rbuf.push(toChunk(this, chunk, encoding));
    this._reading = false;
    if (this._flowing) tick(() => this._flow());
    else this.emit("readable");
    return true;
  }
  unshift(chunk) {
    this._rbuf.unshift(toChunk(this, chunk));
  }
  setEncoding(enc) {
    this._encoding = enc;
    return this;
  }
  _out(chunk) {
    return this._encoding && !this._objectMode && typeof chunk !== "string" ? Buffer.from(chunk).toString(this._encoding) : chunk;
  }
  read() {
    if (this._rbuf.length === 0) {
      this._pull();
      return null;
    }
    const c = this._rbuf.shift();
    if (this._rbuf.length === 0) this._maybeEnd();
    return this._out(c);
  }
  _pull() {
    if (!this._reading && !this._ended && !this.destroyed) {
      this._reading = true;
      this._read();
    }
  }
  _flow() {
    while (this._flowing && this._rbuf.length > 0) this.emit("data", this._out(this._rbuf.shift()));
    if (this._rbuf.length === 0) {
      if (this._ended) this._maybeEnd();
      else if (this._flowing) this._pull();
    }
  }
  _maybeEnd() {
    if (this._ended && this._rbuf.length === 0 && !this._endEmitted) {
      this._endEmitted = true;
      tick(() => {
        this.readable = false;
        this.emit("end");
        if (this._autoClose !== false) this.emit("close");
      });
    }
  }
  on(type, fn) {
    super.on(type, fn);
    if (type === "data" && this._flowing !== false) this.resume();
    return this;
  }
  resume() {
    if (!this._flowing) {
      this._flowing = true;
      tick(() => this._flow());
    }
    return this;
  }
  pause() {
    this._flowing = false;
    return this;
  }
  isPaused() {
    return this._flowing === false;
  }
  pipe(dest, options = {}) {
    this.on("data", (chunk) => {
      if (dest.write(chunk) === false && typeof this.pause === "function") {
        this.pause();
        dest.once("drain", () => this.resume());
      }
    });
    if (options.end !== false) this.on("end", () => dest.end());
    dest.emit("pipe", this);
    return dest;
  }
  unpipe() {
    this.removeAllListeners("data");
    return this;
  }
  destroy(err) {
    if (this.destroyed) return this;
    this.destroyed = true;
    const done = (e) => tick(() => {
      if (e) this.emit("error", e);
      this.emit("close");
    });
    if (this._destroy) this._destroy(err || null, done);
    else done(err);
    return this;
  }
  async *[Symbol.asyncIterator]() {
    const chunks = [];
    let wake = null;
    let done = false;
    let error = null;
    this.on("data", (c) => {
      chunks.push(c);
      if (wake) wake();
    });
    this.on("end", () => {
      done = true;
      if (wake) wake();
    });
    this.on("error", (e) => {
      error = e;
      if (wake) wake();
    });
    for (;;) {
      if (error) throw error;
      if (chunks.length > 0) yield chunks.shift();
      else if (done) return;
      else await new Promise((r) => (wake = r));
      wake = null;
    }
  }
  static from(iterable, options = {}) {
    const r = new Readable({ objectMode: true, ...options });
    if (typeof iterable === "string" || iterable instanceof Uint8Array) {
      r.push(iterable);
      r.push(null);
      return r;
    }
    (async () => {
      try {
        for await (const v of iterable) r.push(v);
        r.push(null);
      } catch (e) {
        r.destroy(e);
      }
    })();
    return r;
  }
}

export class Writable extends Stream {
  constructor(options = {}) {
    super();
    this._objectMode = !!(options.objectMode || options.writableObjectMode);
    this._decodeStrings = options.decodeStrings;
    this.writable = true;
    this.writableEnded = false;
    this.writableFinished = false;
    this.destroyed = false;
    this._pending = 0;
    if (typeof options.write === "function") own(this, "_write", options.write);
    if (typeof options.writev === "function") own(this, "_writev", options.writev);
    if (typeof options.final === "function") own(this, "_final", options.final);
    if (typeof options.destroy === "function") own(this, "_destroy", options.destroy);
  }
  _write(chunk, encoding, cb) {
    cb();
  }
  write(chunk, encoding, cb) {
    if (typeof encoding === "function") {
      cb = encoding;
      encoding = "utf8";
    }
    if (this.writableEnded) {
      const e = new Error("write after end");
      e.code = "ERR_STREAM_WRITE_AFTER_END";
      tick(() => this.emit("error", e));
      return false;
    }
    this._pending++;
    const c = toChunk(this, chunk, encoding);
    this._write(c, typeof c === "string" ? encoding || "utf8" : "buffer", (err) => {
      this._pending--;
      if (err) tick(() => this.emit("error", err));
      if (cb) cb(err);
      if (this._pending === 0 && this.writableEnded) this._finish();
    });
    return true;
  }
  end(chunk, encoding, cb) {
    if (typeof chunk === "function") {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (cb) this.once("finish", cb);
    if (!this.writableEnded) {
      this.writableEnded = true;
      if (this._pending === 0) this._finish();
    }
    return this;
  }
  _finish() {
    if (this.writableFinished || this._finishing) return;
    this._finishing = true;
    const done = (err) => tick(() => {
      if (err) return this.emit("error", err);
      this.writableFinished = true;
      this.writable = false;
      this.emit("finish");
      this.emit("close");
    });
    if (this._final) this._final(done);
    else done();
  }
  cork() {}
  uncork() {}
  setDefaultEncoding() {
    return this;
  }
  destroy(err) {
    return Readable.prototype.destroy.call(this, err);
  }
}

export class Duplex extends Readable {
  constructor(options = {}) {
    super(options);
    const w = new Writable(options);
    for (const k of Object.keys(w)) if (!(k in this) || k.startsWith("_") || k.startsWith("writ")) own(this, k, w[k]);
    this._objectMode = !!(options.objectMode || options.readableObjectMode);
    if (typeof options.write === "function") own(this, "_write", options.write);
    if (typeof options.final === "function") own(this, "_final", options.final);
  }
}
for (const k of ["write", "end", "_finish", "cork", "uncork", "setDefaultEncoding", "_write"]) {
  Object.defineProperty(Duplex.prototype, k, { value: Writable.prototype[k], writable: true, configurable: true });
}

export class Transform extends Duplex {
  constructor(options = {}) {
    super(options);
    if (typeof options.transform === "function") own(this, "_transform", options.transform);
    if (typeof options.flush === "function") own(this, "_flush", options.flush);
  }
  _transform(chunk, encoding, cb) {
    cb(null, chunk);
  }
  _write(chunk, encoding, cb) {
    this._transform(chunk, encoding, (err, data) => {
      if (data !== undefined && data !== null) this.push(data);
      cb(err);
    });
  }
  _final(cb) {
    const end = (err, data) => {
      if (data !== undefined && data !== null) this.push(data);
      this.push(null);
      cb(err);
    };
    if (this._flush) this._flush(end);
    else end();
  }
}

export class PassThrough extends Transform {}

export function finished(stream, options, cb) {
  if (typeof options === "function") cb = options;
  let called = false;
  const done = (err) => {
    if (!called) {
      called = true;
      cb(err);
    }
  };
  stream.on("end", () => done());
  stream.on("finish", () => done());
  stream.on("error", (e) => done(e));
  return () => {};
}

export function pipeline(...streams) {
  const cb = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
  if (Array.isArray(streams[0])) streams = streams[0];
  let failed = false;
  const fail = (e) => {
    if (failed) return;
    failed = true;
    for (const s of streams) if (typeof s.destroy === "function") s.destroy();
    if (cb) cb(e);
  };
  for (let i = 0; i < streams.length - 1; i++) streams[i].pipe(streams[i + 1]);
  for (const s of streams) s.on("error", fail);
  const last = streams[streams.length - 1];
  finished(last, (e) => (e ? fail(e) : cb && !failed && cb()));
  return last;
}

export const promises = {
  pipeline: (...streams) => new Promise((resolve, reject) => pipeline(...streams, (e) => (e ? reject(e) : resolve()))),
  finished: (stream) => new Promise((resolve, reject) => finished(stream, (e) => (e ? reject(e) : resolve()))),
};

Stream.Stream = Stream;
Stream.Readable = Readable;
Stream.Writable = Writable;
Stream.Duplex = Duplex;
Stream.Transform = Transform;
Stream.PassThrough = PassThrough;
Stream.pipeline = pipeline;
Stream.finished = finished;
Stream.promises = promises;
export default Stream;
