// als.js: AsyncLocalStorage (node:async_hooks). Its stores travel in the
// frame V8 carries into every promise reaction (the continuation-preserved
// embedder data, which also names the render: natives_web.cc), so a store
// set by run() is the one seen after every await, in promise callbacks, in
// timers and microtasks queued under it, and never in another render: each
// render starts with none. Nothing runs per promise, so renders that use no
// AsyncLocalStorage pay nothing.

const native = globalThis.__ssrd_native;

// Set once any AsyncLocalStorage exists: from then on timers and
// queueMicrotask capture the stores they were scheduled under.
export const alsState = { used: false };

export class AsyncLocalStorage {
  constructor() {
    alsState.used = true;
  }
  getStore() {
    const stores = native.alsStores();
    return stores === undefined ? undefined : stores.get(this);
  }
  run(store, fn, ...args) {
    const stores = new Map(native.alsStores());
    stores.set(this, store);
    return native.alsRun(stores, () => fn(...args));
  }
  exit(fn, ...args) {
    const stores = new Map(native.alsStores());
    stores.delete(this);
    return native.alsRun(stores.size > 0 ? stores : undefined, () => fn(...args));
  }
  disable() {}
  enterWith() {
    throw new Error("ssrd: AsyncLocalStorage.enterWith is not supported; use run()");
  }
  static bind(fn) {
    const run = AsyncLocalStorage.snapshot();
    return (...args) => run(fn, ...args);
  }
  static snapshot() {
    const stores = native.alsStores();
    return (fn, ...args) => native.alsRun(stores, () => fn(...args));
  }
}

export class AsyncResource {
  constructor(type) {
    this.type = type;
    this._run = AsyncLocalStorage.snapshot();
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return this._run(() => fn.apply(thisArg, args));
  }
  bind(fn) {
    return (...args) => this.runInAsyncScope(fn, undefined, ...args);
  }
  static bind(fn, type) {
    return new AsyncResource(type).bind(fn);
  }
  emitDestroy() {
    return this;
  }
  asyncId() {
    return 0;
  }
  triggerAsyncId() {
    return 0;
  }
}

// queueMicrotask (bare V8 has none): a reaction of a settled promise, so
// V8 carries the frame into it (the stores of the code that queued it), as
// into any promise callback. An exception thrown by fn is not reported (it
// rejects a promise nobody holds), where Node would report it.
const settled = Promise.resolve();
export function queueMicrotask(fn) {
  if (typeof fn !== "function") {
    const e = new TypeError('The "callback" argument must be of type function');
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  settled.then(() => {
    fn();
  });
}
globalThis.queueMicrotask = queueMicrotask;
