// fetch.js: Headers, Request, Response and a global fetch. fetch goes
// through the host bridge's "fetch" call (src/host_fetch.c), so config's
// fetch_allow list, timeout and size cap apply to it as to ssrd's own
// `fetch` import; a URL the host refuses rejects with a TypeError, as
// fetch does for a network error, its reason in the message and in cause.
// Bodies are text or bytes held in memory; a response body comes back as
// text (what the host bridge returns).

import { Blob, FormData } from "./blob.js";
import { DOMException } from "./dom-exception.js";
import { TextDecoder, TextEncoder } from "./encoding.js";
import { hostCall } from "./host.js";

const encoder = new TextEncoder();
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkName(name) {
  name = String(name);
  if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
  return name.toLowerCase();
}
function normValue(value) {
  const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value: "${v}"`);
  return v;
}

export class Headers {
  #map = new Map(); // lower-case name -> [values]
  constructor(init) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [k, v] of init) this.append(k, v);
    } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        const p = Array.from(pair);
        if (p.length !== 2) throw new TypeError("Headers constructor: expected name/value pair to be length 2");
        this.append(p[0], p[1]);
      }
    } else if (typeof init === "object") {
      for (const k of Object.keys(init)) this.append(k, init[k]);
    } else {
      throw new TypeError("Headers constructor: init must be an object or a sequence of pairs");
    }
  }
  append(name, value) {
    const k = checkName(name);
    const list = this.#map.get(k);
    if (list === undefined) this.#map.set(k, [normValue(value)]);
    else list.push(normValue(value));
  }
  set(name, value) {
    this.#map.set(checkName(name), [normValue(value)]);
  }
  get(name) {
    const list = this.#map.get(checkName(name));
    return list === undefined ? null : list.join(", ");
  }
  getSetCookie() {
    return (this.#map.get("set-cookie") || []).slice();
  }
  has(name) {
    return this.#map.has(checkName(name));
  }
  delete(name) {
    this.#map.delete(checkName(name));
  }
  forEach(fn, thisArg) {
    for (const [k, v] of this) fn.call(thisArg, v, k, this);
  }
  // Sorted by name, set-cookie values apart: the Fetch standard's order.
  *entries() {
    const names = [...this.#map.keys()].sort();
    for (const k of names) {
      const list = this.#map.get(k);
      if (list === undefined) continue;
      if (k === "set-cookie") for (const v of list) yield [k, v];
      else yield [k, list.join(", ")];
    }
  }
  *keys() {
    for (const [k] of this.entries()) yield k;
  }
  *values() {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return "Headers";
  }
}

// A body: its bytes (or null) and the content type it implies.
function extractBody(body) {
  if (body === undefined || body === null) return { bytes: null, type: null };
  if (typeof body === "string") return { bytes: encoder.encode(body), type: "text/plain;charset=UTF-8" };
  if (body instanceof URLSearchParams) {
    return { bytes: encoder.encode(body.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (body instanceof Blob) return { bytes: body._bytes.slice(), type: body.type || null };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body.slice(0)), type: null };
  if (ArrayBuffer.isView(body)) {
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice(), type: null };
  }
  if (body instanceof FormData) {
    // multipart/form-data with a boundary made from the content, so the
    // same form gives the same bytes (no randomness).
    const parts = [];
    for (const [name, value] of body) parts.push([name, value]);
    let boundary = "----ssrdFormBoundary" + parts.length.toString(16);
    const esc = (s) => s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
    const chunks = [];
    for (const [name, value] of parts) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"`;
      if (typeof value === "string") {
        chunks.push(encoder.encode(head + "\r\n\r\n" + value.replace(/\r?\n|\r/g, "\r\n") + "\r\n"));
      } else {
        head += `; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
        chunks.push(encoder.encode(head), value._bytes, encoder.encode("\r\n"));
      }
    }
    chunks.push(encoder.encode(`--${boundary}--\r\n`));
    const blob = new Blob(chunks);
    return { bytes: blob._bytes, type: `multipart/form-data; boundary=${boundary}` };
  }
  if (body instanceof ReadableStream) throw new TypeError("ssrd: a ReadableStream body is not supported; pass text or bytes");
  return { bytes: encoder.encode(String(body)), type: "text/plain;charset=UTF-8" };
}

// What Request and Response share: the body, read once.
class Body {
  _initBody(body, headers) {
    const { bytes, type } = extractBody(body);
    this._bytes = bytes;
    this._used = false;
    if (type !== null && !headers.has("content-type")) headers.set("content-type", type);
  }
  get body() {
    if (this._bytes === null) return null;
    const bytes = this._bytes;
    return new ReadableStream({
      type: "bytes",
      start(c) {
        if (bytes.length > 0) c.enqueue(bytes.slice());
        c.close();
      },
    });
  }
  get bodyUsed() {
    return this._used;
  }
  _consume() {
    if (this._used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this._used = true;
    return Promise.resolve(this._bytes === null ? new Uint8Array(0) : this._bytes);
  }
  arrayBuffer() {
    return this._consume().then((b) => b.slice().buffer);
  }
  bytes() {
    return this._consume().then((b) => b.slice());
  }
  text() {
    return this._consume().then((b) => new TextDecoder().decode(b));
  }
  json() {
    return this.text().then((t) => JSON.parse(t));
  }
  blob() {
    return this._consume().then((b) => new Blob([b], { type: this.headers.get("content-type") || "" }));
  }
  formData() {
    return this.text().then((t) => {
      const type = this.headers.get("content-type") || "";
      if (!/^application\/x-www-form-urlencoded/i.test(type)) {
        throw new TypeError("ssrd: formData() reads application/x-www-form-urlencoded bodies only");
      }
      const fd = new FormData();
      for (const [k, v] of new URLSearchParams(t)) fd.append(k, v);
      return fd;
    });
  }
}

const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];

export class Request extends Body {
  #url;
  #method;
  #headers;
  #signal;
  #redirect;
  constructor(input, init = {}) {
    super();
    const from = input instanceof Request ? input : null;
    let url;
    try {
      url = new URL(from ? from.url : String(input));
    } catch {
      throw new TypeError(`Failed to parse URL from ${from ? from.url : String(input)}`);
    }
    if (url.username || url.password) throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`);
    this.#url = url.href;
    let method = init.method !== undefined ? String(init.method) : from ? from.method : "GET";
    if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
    if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
    this.#method = method;
    this.#headers = new Headers(init.headers !== undefined ? init.headers : from ? from.headers : undefined);
    this.#signal = init.signal || (from ? from.signal : new AbortController().signal);
    this.#redirect = init.redirect || (from ? from.redirect : "follow");
    const body = init.body !== undefined ? init.body : from && from._bytes !== null ? from._bytes : null;
    if (body !== null && (method === "GET" || method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
    this._initBody(body, this.#headers);
  }
  get url() { return this.#url; }
  get method() { return this.#method; }
  get headers() { return this.#headers; }
  get signal() { return this.#signal; }
  get redirect() { return this.#redirect; }
  get mode() { return "cors"; }
  get credentials() { return "same-origin"; }
  get cache() { return "default"; }
  get destination() { return ""; }
  get referrer() { return "about:client"; }
  get integrity() { return ""; }
  get keepalive() { return false; }
  clone() {
    if (this.bodyUsed) throw new TypeError("Request.clone: Body has already been consumed.");
    return new Request(this);
  }
  get [Symbol.toStringTag]() { return "Request"; }
}

const NULL_BODY = [101, 103, 204, 205, 304];
const REDIRECTS = [301, 302, 303, 307, 308];

export class Response extends Body {
  #status;
  #statusText;
  #headers;
  #type;
  #url;
  constructor(body = null, init = {}) {
    super();
    const status = init.status !== undefined ? Number(init.status) : 200;
    if (!(status >= 200 && status <= 599) || !Number.isInteger(status)) {
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    }
    if (body !== null && NULL_BODY.includes(status)) throw new TypeError("Response constructor: Invalid response status code " + status);
    this.#status = status;
    this.#statusText = init.statusText !== undefined ? String(init.statusText) : "";
    this.#headers = new Headers(init.headers);
    this.#type = "default";
    this.#url = "";
    this._initBody(body, this.#headers);
  }
  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get headers() { return this.#headers; }
  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return false; }
  clone() {
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    const r = new Response(this._bytes, { status: this.#status, statusText: this.#statusText, headers: this.#headers });
    r._setMeta(this.#type, this.#url);
    return r;
  }
  _setMeta(type, url) {
    this.#type = type;
    this.#url = url;
  }
  static error() {
    const r = new Response(null, { status: 200 });
    r.#status = 0;
    r._setMeta("error", "");
    return r;
  }
  static redirect(url, status = 302) {
    if (!REDIRECTS.includes(status)) throw new RangeError(`Invalid status code ${status}`);
    return new Response(null, { status, headers: { location: new URL(String(url)).href } });
  }
  static json(data, init = {}) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Value is not JSON serializable");
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, { ...init, headers });
  }
  get [Symbol.toStringTag]() { return "Response"; }
}

// fetch(input, init): one host call. Refused, failed or timed out, it
// rejects with a TypeError ("fetch failed: <why>", the host's error as
// cause); aborted, with the signal's reason.
export function fetch(input, init = {}) {
  return new Promise((resolve, reject) => {
    const req = new Request(input, init);
    const signal = req.signal;
    if (signal.aborted) throw signal.reason;
    const options = { method: req.method, headers: Object.fromEntries(req.headers) };
    if (req._bytes !== null) options.body = new TextDecoder().decode(req._bytes);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    hostCall("fetch", JSON.stringify([req.url, options])).then(
      (r) => {
        signal.removeEventListener("abort", onAbort);
        const nullBody = NULL_BODY.includes(r.status) || req.method === "HEAD";
        const res = new Response(nullBody ? null : r.body, {
          status: r.status >= 200 && r.status <= 599 ? r.status : 502,
          statusText: r.statusText || "",
          headers: r.headers || {},
        });
        res._setMeta("basic", req.url);
        resolve(res);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        const err = new TypeError("fetch failed: " + (e && e.message ? e.message : String(e)));
        err.cause = e;
        reject(err);
      },
    );
  });
}

Object.assign(globalThis, { Headers, Request, Response, fetch });
export { DOMException };
