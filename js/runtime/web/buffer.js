// buffer.js: a Buffer good enough for libraries that use Node's on a server:
// a Uint8Array subclass with from / alloc / concat / byteLength / isBuffer /
// compare, toString and write in utf8, hex, base64, base64url, latin1
// (binary), ascii and utf16le, and the common read/write of integers.

import { decodeBase64, encodeBase64 } from "./base64.js";

const native = globalThis.__ssrd_native;
const ENCODINGS = ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii", "ucs2", "ucs-2",
  "utf16le", "utf-16le"];

function normEncoding(enc) {
  if (enc === undefined || enc === null) return "utf8";
  const e = String(enc).toLowerCase();
  switch (e) {
    case "utf8": case "utf-8": return "utf8";
    case "hex": case "base64": case "base64url": case "latin1": case "ascii": return e;
    case "binary": return "latin1";
    case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
  }
  const err = new TypeError(`Unknown encoding: ${enc}`);
  err.code = "ERR_UNKNOWN_ENCODING";
  throw err;
}

// React's streaming build sizes every chunk it writes with Buffer.byteLength
// (thousands per page): an ASCII string, most of them, is its own length, and
// the regular expression tells that far faster than a loop over its characters.
const NON_ASCII = /[^\x00-\x7f]/;
function utf8Length(s) {
  if (!NON_ASCII.test(s)) return s.length;
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
}

// string -> Uint8Array in enc
function encode(s, enc) {
  switch (enc) {
    case "utf8":
      return native.utf8Encode(s);
    case "hex": {
      const n = s.length >>> 1;
      const out = new Uint8Array(n);
      let i = 0;
      for (; i < n; i++) {
        const v = parseInt(s.substr(2 * i, 2), 16);
        if (Number.isNaN(v)) break;
        out[i] = v;
      }
      return out.subarray(0, i);
    }
    case "base64":
    case "base64url":
      return decodeBase64(s);
    case "latin1":
    case "ascii": {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    }
    case "utf16le": {
      const out = new Uint8Array(s.length * 2);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >> 8;
      }
      return out;
    }
  }
}

function fromUnits(units) {
  let s = "";
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode.apply(null, units.subarray(i, i + 8192));
  return s;
}

// bytes -> string in enc
function decode(b, enc) {
  switch (enc) {
    case "utf8":
      return b.length === 0 ? "" : native.utf8Decode(b);
    case "hex": {
      let s = "";
      for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
      return s;
    }
    case "base64":
      return encodeBase64(b);
    case "base64url":
      return encodeBase64(b, true);
    case "latin1":
      return fromUnits(b);
    case "ascii": {
      const u = new Uint8Array(b.length);
      for (let i = 0; i < b.length; i++) u[i] = b[i] & 0x7f;
      return fromUnits(u);
    }
    case "utf16le": {
      const n = b.length >> 1;
      const u = new Uint16Array(n);
      for (let i = 0; i < n; i++) u[i] = b[2 * i] | (b[2 * i + 1] << 8);
      return fromUnits(u);
    }
  }
}

function typeError(message) {
  const e = new TypeError(message);
  e.code = "ERR_INVALID_ARG_TYPE";
  return e;
}

export class Buffer extends Uint8Array {
  // Node's Buffer(...) without new is deprecated; only from/alloc here.
  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") return asBuffer(encode(value, normEncoding(encodingOrOffset)));
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const off = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset) >>> 0;
      const len = length === undefined ? value.byteLength - off : Number(length) >>> 0;
      return new Buffer(value, off, len);
    }
    if (ArrayBuffer.isView(value)) {
      const out = new Buffer(value.length);
      for (let i = 0; i < value.length; i++) out[i] = value[i];
      return out;
    }
    if (Array.isArray(value)) {
      const out = new Buffer(value.length);
      for (let i = 0; i < value.length; i++) out[i] = value[i];
      return out;
    }
    if (value && typeof value === "object") {
      if (value.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data);
      if (typeof value.length === "number") return Buffer.from(Array.from(value));
      const p = value.valueOf();
      if (p !== value && p !== undefined && p !== null) return Buffer.from(p, encodingOrOffset, length);
    }
    throw typeError(
      "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.",
    );
  }
  static alloc(size, fill, encoding) {
    const b = new Buffer(checkSize(size));
    if (fill !== undefined && fill !== 0) b.fill(fill, 0, b.length, encoding);
    return b;
  }
  static allocUnsafe(size) {
    return new Buffer(checkSize(size));
  }
  static allocUnsafeSlow(size) {
    return new Buffer(checkSize(size));
  }
  static isBuffer(b) {
    return b instanceof Buffer;
  }
  static isEncoding(enc) {
    return typeof enc === "string" && ENCODINGS.includes(enc.toLowerCase());
  }
  static byteLength(value, encoding) {
    if (typeof value !== "string") {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
      throw typeError('The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.');
    }
    if (encoding === "utf8" || encoding === undefined) return utf8Length(value);
    const enc = normEncoding(encoding);
    if (enc === "utf8") return utf8Length(value);
    if (enc === "latin1" || enc === "ascii") return value.length;
    if (enc === "utf16le") return value.length * 2;
    if (enc === "hex") return value.length >>> 1;
    return encode(value, enc).length;
  }
  static concat(list, totalLength) {
    if (!Array.isArray(list)) throw typeError('The "list" argument must be an instance of Array.');
    let n = 0;
    for (const b of list) n += b.length;
    const total = totalLength === undefined ? n : totalLength;
    const out = Buffer.alloc(total);
    let at = 0;
    for (const b of list) {
      if (at >= total) break;
      const part = b.length > total - at ? b.subarray(0, total - at) : b;
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  static compare(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }
  toString(encoding, start = 0, end = this.length) {
    start = Math.max(0, start | 0);
    end = Math.min(this.length, end === undefined ? this.length : end | 0);
    if (end <= start) return "";
    const view = start === 0 && end === this.length ? this : this.subarray(start, end);
    return decode(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), normEncoding(encoding));
  }
  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }
  equals(other) {
    return Buffer.compare(this, other) === 0;
  }
  compare(other) {
    return Buffer.compare(this, other);
  }
  copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    const part = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + target.length - targetStart));
    target.set(part, targetStart);
    return part.length;
  }
  // Node's slice shares memory, as subarray does.
  slice(start, end) {
    return this.subarray(start, end);
  }
  write(string, offset = 0, length, encoding) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
    } else if (typeof length === "string") {
      encoding = length;
      length = undefined;
    }
    const bytes = encode(String(string), normEncoding(encoding));
    const n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
    this.set(bytes.subarray(0, n), offset);
    return n;
  }
  fill(value, offset = 0, end = this.length, encoding) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      end = this.length;
    }
    if (typeof value === "string") {
      const bytes = encode(value, normEncoding(encoding));
      if (bytes.length === 0) return super.fill(0, offset, end);
      for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
      return this;
    }
    return super.fill(typeof value === "number" ? value & 255 : value ? 1 : 0, offset, end);
  }
  indexOf(value, byteOffset = 0, encoding) {
    if (typeof value === "number") return super.indexOf(value & 255, byteOffset);
    const needle = typeof value === "string" ? encode(value, normEncoding(encoding)) : value;
    if (needle.length === 0) return Math.min(byteOffset, this.length);
    outer: for (let i = Math.max(0, byteOffset); i + needle.length <= this.length; i++) {
      for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  includes(value, byteOffset, encoding) {
    return this.indexOf(value, byteOffset, encoding) !== -1;
  }
  readUInt8(o = 0) { return this[o]; }
  readUInt16LE(o = 0) { return this[o] | (this[o + 1] << 8); }
  readUInt16BE(o = 0) { return (this[o] << 8) | this[o + 1]; }
  readUInt32LE(o = 0) { return (this[o] | (this[o + 1] << 8) | (this[o + 2] << 16)) + this[o + 3] * 0x1000000; }
  readUInt32BE(o = 0) { return this[o] * 0x1000000 + ((this[o + 1] << 16) | (this[o + 2] << 8) | this[o + 3]); }
  readInt32LE(o = 0) { return this[o] | (this[o + 1] << 8) | (this[o + 2] << 16) | (this[o + 3] << 24); }
  readInt32BE(o = 0) { return (this[o] << 24) | (this[o + 1] << 16) | (this[o + 2] << 8) | this[o + 3]; }
  writeUInt8(v, o = 0) { this[o] = v; return o + 1; }
  writeUInt16BE(v, o = 0) { this[o] = v >>> 8; this[o + 1] = v; return o + 2; }
  writeUInt16LE(v, o = 0) { this[o] = v; this[o + 1] = v >>> 8; return o + 2; }
  writeUInt32BE(v, o = 0) { this[o] = v >>> 24; this[o + 1] = v >>> 16; this[o + 2] = v >>> 8; this[o + 3] = v; return o + 4; }
  writeUInt32LE(v, o = 0) { this[o] = v; this[o + 1] = v >>> 8; this[o + 2] = v >>> 16; this[o + 3] = v >>> 24; return o + 4; }
}
Buffer.poolSize = 8192;
// Node's lower-case aliases of the integer readers and writers.
for (const name of Object.getOwnPropertyNames(Buffer.prototype)) {
  if (/UInt/.test(name)) Buffer.prototype[name.replace("UInt", "Uint")] = Buffer.prototype[name];
}

function checkSize(size) {
  if (typeof size !== "number" || !(size >= 0) || size > 2 ** 32) {
    const e = new RangeError(`The argument 'size' is invalid. Received ${size}`);
    e.code = "ERR_OUT_OF_RANGE";
    throw e;
  }
  return size;
}

function asBuffer(u8) {
  return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
}

export const kMaxLength = 2 ** 32;
export const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 };

globalThis.Buffer = Buffer;
