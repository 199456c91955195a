// base64.js: atob and btoa, and the base64 / base64url coding Buffer uses.

import { DOMException } from "./dom-exception.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Both alphabets decode: what Node's Buffer.from(s, "base64") accepts.
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  VALUE[ALPHABET.charCodeAt(i)] = i;
  VALUE[URL_ALPHABET.charCodeAt(i)] = i;
}

// bytes (Uint8Array) -> base64 text, padded unless url.
export function encodeBase64(bytes, url = false) {
  const A = url ? URL_ALPHABET : ALPHABET;
  let out = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += A[v >> 18] + A[(v >> 12) & 63] + A[(v >> 6) & 63] + A[v & 63];
  }
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    out += A[v >> 18] + A[(v >> 12) & 63];
    out += i + 1 < n ? A[(v >> 6) & 63] + (url ? "" : "=") : url ? "" : "==";
  }
  return out;
}

// base64 or base64url text -> Uint8Array, as Node's Buffer decodes it: any
// character outside both alphabets is skipped, decoding stops at "=".
export function decodeBase64(s) {
  const out = new Uint8Array(Math.ceil((s.length * 3) / 4));
  let bits = 0;
  let nbits = 0;
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // "="
    const v = c < 128 ? VALUE[c] : -1;
    if (v < 0) continue;
    bits = (bits << 6) | v;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[w++] = (bits >> nbits) & 0xff;
    }
  }
  return out.subarray(0, w);
}

export function btoa(data) {
  if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
  const s = String(data);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new DOMException("Invalid character", "InvalidCharacterError");
    bytes[i] = c;
  }
  return encodeBase64(bytes);
}

// The forgiving-base64 decode of the HTML standard: ASCII whitespace is
// dropped, padding must be right, only the standard alphabet.
export function atob(data) {
  if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
  let s = String(data).replace(/[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0) s = s.replace(/==?$/, "");
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
    throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
  }
  const bytes = decodeBase64(s);
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return out;
}

globalThis.atob = atob;
globalThis.btoa = btoa;
