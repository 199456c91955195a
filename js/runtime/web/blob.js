// blob.js: Blob, File and FormData, held in memory (a page has no disk).

import { TextDecoder, TextEncoder } from "./encoding.js";

const encoder = new TextEncoder();

function partBytes(part) {
  if (part instanceof Blob) return part._bytes;
  if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength).slice();
  return encoder.encode(String(part));
}

export class Blob {
  #type;
  constructor(parts = [], options = {}) {
    if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
      throw new TypeError("The \"sources\" argument must be a sequence.");
    }
    const chunks = [];
    let n = 0;
    for (const p of parts) {
      const b = partBytes(p);
      chunks.push(b);
      n += b.length;
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const b of chunks) {
      bytes.set(b, at);
      at += b.length;
    }
    this._bytes = bytes;
    const t = options && options.type !== undefined ? String(options.type) : "";
    this.#type = /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
  }
  get size() {
    return this._bytes.length;
  }
  get type() {
    return this.#type;
  }
  slice(start = 0, end = this.size, type = "") {
    const n = this.size;
    const rel = (x) => (x < 0 ? Math.max(n + x, 0) : Math.min(x, n));
    const b = new Blob([], { type });
    b._bytes = this._bytes.slice(rel(start), rel(end));
    return b;
  }
  text() {
    return Promise.resolve(new TextDecoder().decode(this._bytes));
  }
  arrayBuffer() {
    return Promise.resolve(this._bytes.slice().buffer);
  }
  bytes() {
    return Promise.resolve(this._bytes.slice());
  }
  stream() {
    const bytes = this._bytes.slice();
    return new ReadableStream({
      type: "bytes",
      start(c) {
        if (bytes.length > 0) c.enqueue(bytes);
        c.close();
      },
    });
  }
  get [Symbol.toStringTag]() {
    return "Blob";
  }
}

export class File extends Blob {
  #name;
  #lastModified;
  constructor(parts, name, options = {}) {
    if (arguments.length < 2) throw new TypeError('The "fileName" argument must be specified');
    super(parts, options);
    this.#name = String(name);
    this.#lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
  }
  get name() {
    return this.#name;
  }
  get lastModified() {
    return this.#lastModified;
  }
  get [Symbol.toStringTag]() {
    return "File";
  }
}

function entryValue(value, filename) {
  if (value instanceof Blob) {
    if (!(value instanceof File) || filename !== undefined) {
      const f = new File([], filename !== undefined ? filename : value instanceof File ? value.name : "blob", {
        type: value.type,
        lastModified: value instanceof File ? value.lastModified : undefined,
      });
      f._bytes = value._bytes;
      return f;
    }
    return value;
  }
  return String(value);
}

export class FormData {
  #entries = [];
  constructor(form) {
    if (form !== undefined) throw new TypeError("ssrd: FormData has no HTML form to read");
  }
  append(name, value, filename) {
    this.#entries.push([String(name), entryValue(value, filename)]);
  }
  set(name, value, filename) {
    name = String(name);
    const v = entryValue(value, filename);
    const i = this.#entries.findIndex((e) => e[0] === name);
    if (i < 0) {
      this.#entries.push([name, v]);
      return;
    }
    this.#entries[i] = [name, v];
    this.#entries = this.#entries.filter((e, j) => j <= i || e[0] !== name);
  }
  get(name) {
    const e = this.#entries.find((x) => x[0] === String(name));
    return e === undefined ? null : e[1];
  }
  getAll(name) {
    return this.#entries.filter((x) => x[0] === String(name)).map((x) => x[1]);
  }
  has(name) {
    return this.#entries.some((x) => x[0] === String(name));
  }
  delete(name) {
    this.#entries = this.#entries.filter((x) => x[0] !== String(name));
  }
  forEach(fn, thisArg) {
    for (const [k, v] of this.#entries.slice()) fn.call(thisArg, v, k, this);
  }
  *entries() {
    for (const e of this.#entries.slice()) yield [e[0], e[1]];
  }
  *keys() {
    for (const e of this.#entries.slice()) yield e[0];
  }
  *values() {
    for (const e of this.#entries.slice()) yield e[1];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return "FormData";
  }
}

Object.assign(globalThis, { Blob, File, FormData });
