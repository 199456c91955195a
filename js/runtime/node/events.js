// node:events: EventEmitter (on, once, off, emit, prepend*, listeners,
// error events, newListener / removeListener), once(), on() is not
// provided; plus the globals' Event and EventTarget.

const kCapture = Symbol("kCapture");
let defaultMaxListeners = 10;

// A plain function, not a class: old libraries call EventEmitter.call(this)
// from their own constructors (util.inherits style).
export function EventEmitter(opts) {
  EventEmitter.init.call(this, opts);
}
EventEmitter.init = function () {
  if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
    this._events = Object.create(null);
  }
  this._maxListeners = this._maxListeners || undefined;
};
Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  get: () => defaultMaxListeners,
  set: (n) => {
    defaultMaxListeners = n;
  },
  enumerable: true,
});

class Methods {
  _ev() {
    if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) this._events = Object.create(null);
    return this._events;
  }
  setMaxListeners(n) {
    this._maxListeners = n;
    return this;
  }
  getMaxListeners() {
    return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners;
  }
  _add(type, listener, prepend) {
    if (typeof listener !== "function") {
      const e = new TypeError(`The "listener" argument must be of type function. Received ${typeof listener}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    const ev = this._ev();
    if (ev.newListener !== undefined) this.emit("newListener", type, listener.listener ? listener.listener : listener);
    const list = ev[type] || (ev[type] = []);
    if (prepend) list.unshift(listener);
    else list.push(listener);
    return this;
  }
  on(type, listener) {
    return this._add(type, listener, false);
  }
  addListener(type, listener) {
    return this._add(type, listener, false);
  }
  prependListener(type, listener) {
    return this._add(type, listener, true);
  }
  _onceWrap(type, listener) {
    const self = this;
    function wrapper(...args) {
      self.removeListener(type, wrapper);
      return listener.apply(self, args);
    }
    wrapper.listener = listener;
    return wrapper;
  }
  once(type, listener) {
    if (typeof listener !== "function") return this._add(type, listener, false);
    return this._add(type, this._onceWrap(type, listener), false);
  }
  prependOnceListener(type, listener) {
    return this._add(type, this._onceWrap(type, listener), true);
  }
  removeListener(type, listener) {
    const ev = this._ev();
    const list = ev[type];
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        list.splice(i, 1);
        if (list.length === 0) delete ev[type];
        if (ev.removeListener !== undefined) this.emit("removeListener", type, listener);
        break;
      }
    }
    return this;
  }
  off(type, listener) {
    return this.removeListener(type, listener);
  }
  removeAllListeners(type) {
    const ev = this._ev();
    if (type === undefined) this._events = Object.create(null);
    else delete ev[type];
    return this;
  }
  emit(type, ...args) {
    const ev = this._ev();
    const list = ev[type];
    if (list === undefined || list.length === 0) {
      if (type === "error") {
        const er = args[0];
        if (er instanceof Error) throw er;
        const e = new Error("Unhandled error." + (er === undefined ? "" : ` (${String(er)})`));
        e.code = "ERR_UNHANDLED_ERROR";
        e.context = er;
        throw e;
      }
      return false;
    }
    for (const fn of list.slice()) fn.apply(this, args);
    return true;
  }
  listeners(type) {
    return (this._ev()[type] || []).map((f) => f.listener || f);
  }
  rawListeners(type) {
    return (this._ev()[type] || []).slice();
  }
  listenerCount(type) {
    return (this._ev()[type] || []).length;
  }
  eventNames() {
    return Reflect.ownKeys(this._ev());
  }
}
for (const k of Object.getOwnPropertyNames(Methods.prototype)) {
  if (k !== "constructor") {
    Object.defineProperty(EventEmitter.prototype, k, { value: Methods.prototype[k], writable: true, configurable: true });
  }
}
EventEmitter.EventEmitter = EventEmitter;
EventEmitter.captureRejectionSymbol = Symbol.for("nodejs.rejection");
EventEmitter.errorMonitor = Symbol("events.errorMonitor");
EventEmitter[kCapture] = false;

// once(emitter, name): a promise of the arguments of the next name event
// (rejected by an "error" event first), for EventEmitters and EventTargets.
export function once(emitter, name, options = {}) {
  return new Promise((resolve, reject) => {
    const signal = options.signal;
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    if (typeof emitter.addEventListener === "function" && typeof emitter.on !== "function") {
      emitter.addEventListener(name, (e) => resolve([e]), { once: true });
      return;
    }
    const onError = (err) => {
      emitter.removeListener(name, onEvent);
      reject(err);
    };
    const onEvent = (...args) => {
      if (name !== "error") emitter.removeListener("error", onError);
      resolve(args);
    };
    emitter.once(name, onEvent);
    if (name !== "error") emitter.once("error", onError);
  });
}

export function listenerCount(emitter, type) {
  return emitter.listenerCount(type);
}
export function getEventListeners(emitter, type) {
  return emitter.listeners(type);
}
export function setMaxListeners() {}

export const errorMonitor = EventEmitter.errorMonitor;
export const captureRejectionSymbol = EventEmitter.captureRejectionSymbol;
export const { Event, EventTarget } = globalThis;
EventEmitter.once = once;
EventEmitter.listenerCount = listenerCount;
EventEmitter.getEventListeners = getEventListeners;
EventEmitter.setMaxListeners = setMaxListeners;
export default EventEmitter;
