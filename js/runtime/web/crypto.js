// crypto.js: the Web Crypto API's crypto.getRandomValues, crypto.randomUUID
// and crypto.subtle.digest (SHA-1, SHA-256, SHA-384, SHA-512). The bytes
// come from C: getrandom(2) and OpenSSL's digests (natives_web.cc). The
// rest of SubtleCrypto (keys, signatures, ciphers) is not provided.

import { DOMException } from "./dom-exception.js";

const native = globalThis.__ssrd_native;
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array];
const DIGESTS = { "SHA-1": "SHA-1", "SHA-256": "SHA-256", "SHA-384": "SHA-384", "SHA-512": "SHA-512" };

export function getRandomValues(array) {
  if (!INTEGER_ARRAYS.some((T) => array instanceof T)) {
    throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
  }
  if (array.byteLength > 65536) {
    throw new DOMException(
      `The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`,
      "QuotaExceededError",
    );
  }
  return native.randomFill(array);
}

const HEX = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

export function randomUUID() {
  const b = native.randomFill(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // the RFC 4122 variant
  return (HEX[b[0]] + HEX[b[1]] + HEX[b[2]] + HEX[b[3]] + "-" + HEX[b[4]] + HEX[b[5]] + "-" + HEX[b[6]] + HEX[b[7]] +
    "-" + HEX[b[8]] + HEX[b[9]] + "-" + HEX[b[10]] + HEX[b[11]] + HEX[b[12]] + HEX[b[13]] + HEX[b[14]] + HEX[b[15]]);
}

// The bytes of a BufferSource, copied (digest reads them now, not later).
function bufferSource(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': 2nd argument is not an ArrayBuffer or ArrayBufferView");
}

export const subtle = {
  digest(algorithm, data) {
    return new Promise((resolve) => {
      const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
      const alg = DIGESTS[String(name).toUpperCase()];
      if (alg === undefined) throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
      resolve(native.digest(alg, bufferSource(data)));
    });
  },
};
Object.defineProperty(subtle, Symbol.toStringTag, { value: "SubtleCrypto" });

export const crypto = { getRandomValues, randomUUID, subtle };
Object.defineProperty(crypto, Symbol.toStringTag, { value: "Crypto" });

globalThis.crypto = crypto;
