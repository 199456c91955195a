// node:crypto: randomUUID, getRandomValues, randomBytes, randomInt, the
// webcrypto object, createHash (md5, sha1, sha256, sha384, sha512; digest
// to hex, base64, base64url, latin1 or a Buffer) and timingSafeEqual.
// Ciphers, HMAC, keys and signatures are not provided.
import { Buffer } from "../web/buffer.js";
import { crypto as web } from "../web/crypto.js";

const native = globalThis.__ssrd_native;
export const webcrypto = web;
export const subtle = web.subtle;
export const randomUUID = () => web.randomUUID();
export const getRandomValues = (a) => web.getRandomValues(a);

export function randomBytes(size, cb) {
  const b = Buffer.alloc(size);
  for (let at = 0; at < size; at += 65536) web.getRandomValues(b.subarray(at, Math.min(size, at + 65536)));
  if (typeof cb === "function") {
    queueMicrotask(() => cb(null, b));
    return undefined;
  }
  return b;
}

export function randomInt(min, max, cb) {
  if (max === undefined || typeof max === "function") {
    cb = max;
    max = min;
    min = 0;
  }
  const range = max - min;
  if (!(range > 0) || range > 2 ** 48) throw new RangeError('The "max" argument must be greater than "min"');
  const limit = 2 ** 48 - (2 ** 48 % range);
  let x;
  do {
    const b = randomBytes(6);
    x = b[0] * 2 ** 40 + b[1] * 2 ** 32 + ((b[2] << 24) >>> 0) + (b[3] << 16) + (b[4] << 8) + b[5];
  } while (x >= limit);
  const r = min + (x % range);
  if (typeof cb === "function") {
    queueMicrotask(() => cb(null, r));
    return undefined;
  }
  return r;
}

const HASHES = { md5: "MD5", sha1: "SHA-1", "sha-1": "SHA-1", sha256: "SHA-256", "sha-256": "SHA-256",
  sha384: "SHA-384", "sha-384": "SHA-384", sha512: "SHA-512", "sha-512": "SHA-512" };

class Hash {
  constructor(alg) {
    this._alg = alg;
    this._parts = [];
    this._done = false;
  }
  update(data, encoding) {
    if (this._done) {
      const e = new Error("Digest already called");
      e.code = "ERR_CRYPTO_HASH_FINALIZED";
      throw e;
    }
    this._parts.push(typeof data === "string" ? Buffer.from(data, encoding) : Buffer.from(data));
    return this;
  }
  digest(encoding) {
    this._done = true;
    const out = Buffer.from(native.digest(this._alg, Buffer.concat(this._parts)));
    return encoding === undefined || encoding === "buffer" ? out : out.toString(encoding);
  }
  copy() {
    const h = new Hash(this._alg);
    h._parts = this._parts.slice();
    return h;
  }
}

export function createHash(algorithm) {
  const alg = HASHES[String(algorithm).toLowerCase()];
  if (alg === undefined) {
    const e = new Error("Digest method not supported");
    e.code = "ERR_OSSL_EVP_UNSUPPORTED";
    throw e;
  }
  return new Hash(alg);
}

export function getHashes() {
  return ["md5", "sha1", "sha256", "sha384", "sha512"];
}

export function timingSafeEqual(a, b) {
  if (a.byteLength !== b.byteLength) {
    const e = new RangeError("Input buffers must have the same byte length");
    e.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
    throw e;
  }
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
  return d === 0;
}

function notProvided(name) {
  return () => {
    throw new Error(`ssrd: crypto.${name} is not available (only hashes and random values are)`);
  };
}
export const createHmac = notProvided("createHmac");
export const createCipheriv = notProvided("createCipheriv");
export const createDecipheriv = notProvided("createDecipheriv");
export const createSign = notProvided("createSign");
export const createVerify = notProvided("createVerify");
export const pbkdf2 = notProvided("pbkdf2");
export const scrypt = notProvided("scrypt");

export default { webcrypto, subtle, randomUUID, getRandomValues, randomBytes, randomInt, createHash, getHashes,
  timingSafeEqual, createHmac, createCipheriv, createDecipheriv, createSign, createVerify, pbkdf2, scrypt };
