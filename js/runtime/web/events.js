// events.js: Event, CustomEvent, EventTarget and AbortController /
// AbortSignal (with AbortSignal.timeout and AbortSignal.any), as the DOM
// standard has them, without the DOM tree (no capture or bubbling phases).

import { DOMException } from "./dom-exception.js";

const NONE = 0;
const AT_TARGET = 2;

export class Event {
  #type;
  #options;
  constructor(type, options = {}) {
    if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
    this.#type = String(type);
    this.#options = { bubbles: !!options.bubbles, cancelable: !!options.cancelable, composed: !!options.composed };
    this._target = null;
    this._phase = NONE;
    this._stop = false;
    this._canceled = false;
    this._timeStamp = performance.now();
    this._trusted = false;
  }
  get type() { return this.#type; }
  get bubbles() { return this.#options.bubbles; }
  get cancelable() { return this.#options.cancelable; }
  get composed() { return this.#options.composed; }
  get target() { return this._target; }
  get currentTarget() { return this._phase === AT_TARGET ? this._target : null; }
  get srcElement() { return this._target; }
  get eventPhase() { return this._phase; }
  get defaultPrevented() { return this.#options.cancelable && this._canceled; }
  get returnValue() { return !this.defaultPrevented; }
  get timeStamp() { return this._timeStamp; }
  get isTrusted() { return this._trusted; }
  get cancelBubble() { return this._stop; }
  set cancelBubble(v) { if (v) this._stop = true; }
  composedPath() { return this._phase === AT_TARGET ? [this._target] : []; }
  preventDefault() { this._canceled = true; }
  stopPropagation() { this._stop = true; }
  stopImmediatePropagation() { this._stop = true; this._stopNow = true; }
  get [Symbol.toStringTag]() { return "Event"; }
}
for (const [k, v] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
  Object.defineProperty(Event, k, { value: v, enumerable: true });
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}

export class CustomEvent extends Event {
  #detail;
  constructor(type, options = {}) {
    super(type, options);
    this.#detail = options.detail === undefined ? null : options.detail;
  }
  get detail() { return this.#detail; }
  get [Symbol.toStringTag]() { return "CustomEvent"; }
}

const listenersOf = new WeakMap(); // target -> Map(type -> [{ fn, once, capture, signal }])

function flag(options, name) {
  return typeof options === "boolean" ? name === "capture" && options : !!(options && options[name]);
}

export class EventTarget {
  constructor() {
    listenersOf.set(this, new Map());
  }
  addEventListener(type, listener, options) {
    if (listener === null || listener === undefined) return;
    const map = listenersOf.get(this);
    if (map === undefined) throw new TypeError("Illegal invocation");
    const signal = options && typeof options === "object" ? options.signal : undefined;
    if (signal && signal.aborted) return;
    type = String(type);
    let list = map.get(type);
    if (list === undefined) map.set(type, (list = []));
    const capture = flag(options, "capture");
    if (list.some((l) => l.fn === listener && l.capture === capture)) return;
    const entry = { fn: listener, once: flag(options, "once"), capture, removed: false };
    list.push(entry);
    if (signal) signal.addEventListener("abort", () => this.removeEventListener(type, listener, options), { once: true });
  }
  removeEventListener(type, listener, options) {
    const map = listenersOf.get(this);
    const list = map && map.get(String(type));
    if (list === undefined) return;
    const capture = flag(options, "capture");
    const i = list.findIndex((l) => l.fn === listener && l.capture === capture);
    if (i >= 0) {
      list[i].removed = true;
      list.splice(i, 1);
    }
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw new TypeError('The "event" argument must be an instance of Event');
    if (event._phase !== NONE) throw new DOMException("The event is already being dispatched", "InvalidStateError");
    const map = listenersOf.get(this);
    const list = map && map.get(event.type);
    event._target = this;
    event._phase = AT_TARGET;
    if (list !== undefined) {
      for (const l of list.slice()) {
        if (l.removed) continue;
        if (l.once) this.removeEventListener(event.type, l.fn, l);
        try {
          if (typeof l.fn === "function") l.fn.call(this, event);
          else if (l.fn && typeof l.fn.handleEvent === "function") l.fn.handleEvent(event);
        } catch (e) {
          // A listener's exception is reported, and the others still run.
          queueMicrotask(() => {
            throw e;
          });
        }
        if (event._stopNow) break;
      }
    }
    event._phase = NONE;
    return !event.defaultPrevented;
  }
  get [Symbol.toStringTag]() { return "EventTarget"; }
}

// ---- AbortController / AbortSignal: how ssrd stops a render React is streaming ----
// (an object, not a Symbol: a Symbol made as the base loads takes a random
// hash, which in-process snapshots without a fixed seed would not repeat)
const controllerSignal = Object.freeze({});

function abortSignal(signal, reason) {
  if (signal._aborted) return;
  signal._aborted = true;
  signal._reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
  const event = new Event("abort");
  event._trusted = true;
  signal.dispatchEvent(event);
  for (const dep of signal._dependents || []) abortSignal(dep, signal._reason);
}

export class AbortSignal extends EventTarget {
  constructor(key) {
    if (key !== controllerSignal) throw new TypeError("Illegal constructor");
    super();
    this._aborted = false;
    this._reason = undefined;
    this._onabort = null;
  }
  // An event handler attribute: its listener takes its place among the
  // others when first set, as the DOM (and Node) order them.
  get onabort() {
    return this._onabort;
  }
  set onabort(fn) {
    if (this._onabort === null && !this._onabortAdded) {
      this._onabortAdded = true;
      this.addEventListener("abort", (e) => {
        if (typeof this._onabort === "function") this._onabort.call(this, e);
      });
    }
    this._onabort = typeof fn === "function" ? fn : null;
  }
  get aborted() { return this._aborted; }
  get reason() { return this._reason; }
  throwIfAborted() {
    if (this._aborted) throw this._reason;
  }
  static abort(reason) {
    const s = new AbortSignal(controllerSignal);
    abortSignal(s, reason);
    return s;
  }
  static timeout(ms) {
    const s = new AbortSignal(controllerSignal);
    setTimeout(() => abortSignal(s, new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
    return s;
  }
  static any(signals) {
    const s = new AbortSignal(controllerSignal);
    for (const x of signals) {
      if (!(x instanceof AbortSignal)) throw new TypeError('The "signals" argument must be an array of AbortSignal');
      if (x.aborted) {
        abortSignal(s, x.reason);
        return s;
      }
    }
    for (const x of signals) (x._dependents || (x._dependents = [])).push(s);
    return s;
  }
  get [Symbol.toStringTag]() { return "AbortSignal"; }
}

export class AbortController {
  #signal = new AbortSignal(controllerSignal);
  get signal() { return this.#signal; }
  abort(reason) {
    abortSignal(this.#signal, reason);
  }
  get [Symbol.toStringTag]() { return "AbortController"; }
}

Object.assign(globalThis, { Event, CustomEvent, EventTarget, AbortSignal, AbortController });
