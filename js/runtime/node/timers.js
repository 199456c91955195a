// node:timers and node:timers/promises: the global timers, and their
// promise forms (setTimeout, setImmediate; setInterval as an async
// iterator is not provided).
export const { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate } = globalThis;

function delay(schedule, ms, value, options = {}) {
  return new Promise((resolve, reject) => {
    const signal = options.signal;
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    const id = schedule(() => resolve(value), ms);
    if (signal) {
      signal.addEventListener("abort", () => {
        clearTimeout(id);
        reject(signal.reason);
      }, { once: true });
    }
  });
}

export const promises = {
  setTimeout: (ms, value, options) => delay(globalThis.setTimeout, ms, value, options),
  setImmediate: (value, options) => delay((fn) => globalThis.setImmediate(fn), 0, value, options),
  scheduler: { wait: (ms, options) => delay(globalThis.setTimeout, ms, undefined, options) },
};
export default { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, promises };
