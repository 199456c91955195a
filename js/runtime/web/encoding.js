// encoding.js: TextEncoder and TextDecoder. UTF-8 is encoded and decoded in
// C (the natives); latin1 (labelled windows-1252, as the web names it) and
// UTF-16LE are decoded here. Node's errors: a fatal decoder
// throws a TypeError with code ERR_ENCODING_INVALID_ENCODED_DATA, an unknown
// label a RangeError with code ERR_ENCODING_NOT_SUPPORTED.

const native = globalThis.__ssrd_native;

export class TextEncoder {
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
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) >= 0x80) return native.utf8Encode(s);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  encodeInto(input, dest) {
    const [read, written] = native.utf8EncodeInto(String(input), dest);
    return { read, written };
  }
  get [Symbol.toStringTag]() {
    return "TextEncoder";
  }
}

const LABELS = {
  "utf-8": ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"],
  "utf-16le": ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"],
  "windows-1252": ["ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
    "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"],
};
const ENCODING_OF = new Map();
for (const [enc, labels] of Object.entries(LABELS)) for (const l of labels) ENCODING_OF.set(l, enc);


function bytesOf(input) {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
}

function invalid(encoding) {
  const e = new TypeError(`The encoded data was not valid for encoding ${encoding}`);
  e.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
  return e;
}

// How many bytes at the end of b start a UTF-8 sequence that the next
// chunk may complete (0..3).
function utf8Tail(b) {
  const n = b.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

function chunked(units, n, at) {
  let s = "";
  for (let i = 0; i < n; i += 8192) s += String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + 8192)));
  return s;
}

export class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #pending = null; // bytes kept from the last decode({ stream: true })
  #bomSeen = false;
  constructor(label = "utf-8", options = {}) {
    const enc = ENCODING_OF.get(String(label).trim().toLowerCase());
    if (enc === undefined) {
      const e = new RangeError(`The "${label}" encoding is not supported`);
      e.code = "ERR_ENCODING_NOT_SUPPORTED";
      throw e;
    }
    this.#encoding = enc;
    this.#fatal = Boolean(options && options.fatal);
    this.#ignoreBOM = Boolean(options && options.ignoreBOM);
  }
  get encoding() {
    return this.#encoding;
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }
  decode(input, options) {
    let b = bytesOf(input);
    const stream = Boolean(options && options.stream);
    if (this.#pending !== null) {
      const joined = new Uint8Array(this.#pending.length + b.length);
      joined.set(this.#pending);
      joined.set(b, this.#pending.length);
      b = joined;
      this.#pending = null;
    }
    let keep = 0;
    if (stream) {
      keep = this.#encoding === "utf-8" ? utf8Tail(b) : this.#encoding === "utf-16le" ? b.length & 1 : 0;
      if (keep > 0) {
        this.#pending = b.slice(b.length - keep);
        b = b.subarray(0, b.length - keep);
      }
    }
    let s;
    if (this.#encoding === "utf-8") {
      s = b.length === 0 ? "" : native.utf8Decode(b);
      if (this.#fatal && s.indexOf("\ufffd") >= 0) {
        // Valid UTF-8 comes back byte for byte; a replaced sequence does not.
        const again = native.utf8Encode(s);
        let same = again.length === b.length;
        for (let i = 0; same && i < b.length; i++) same = again[i] === b[i];
        if (!same) throw invalid("utf-8");
      }
    } else if (this.#encoding === "utf-16le") {
      const n = b.length >> 1;
      const units = new Uint16Array(n);
      for (let i = 0; i < n; i++) units[i] = b[2 * i] | (b[2 * i + 1] << 8);
      s = chunked(units, n);
      if (b.length & 1) {
        if (this.#fatal) throw invalid("utf-16le");
        s += "\ufffd";
      }
      if (this.#fatal && !isWellFormed(s)) throw invalid("utf-16le");
      if (!this.#fatal) s = toWellFormed(s);
    } else {
      // Each byte its own code point, as Node 20 decodes every latin1 label
      // (the Encoding Standard maps 0x80..0x9F as windows-1252 does, to
      // "€", "™", ...: browsers and Deno do; Node, and so ssrd, do not).
      s = chunked(b, b.length);
    }
    if (!this.#ignoreBOM && !this.#bomSeen && this.#encoding !== "windows-1252" && s.charCodeAt(0) === 0xfeff) {
      s = s.slice(1);
    }
    this.#bomSeen = stream && (this.#bomSeen || s.length > 0 || b.length > 0);
    if (!stream) this.#bomSeen = false;
    return s;
  }
  get [Symbol.toStringTag]() {
    return "TextDecoder";
  }
}

function isWellFormed(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return false;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

function toWellFormed(s) {
  return isWellFormed(s) ? s : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

globalThis.TextEncoder = TextEncoder;
globalThis.TextDecoder = TextDecoder;
