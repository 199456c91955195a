// process.js: the part of Node's process object that libraries read on a
// server: env.NODE_ENV, version(s), platform, cwd() ("/": a page has no
// working directory), nextTick, hrtime, and no-op event methods. Also
// globalThis.global. process.version names the Node release whose V8 ssrd
// runs (Debian's libnode, Node 18.20.4), so libraries that test versions
// pick code this V8 runs.

const native = globalThis.__ssrd_native;

import { alsState } from "./als.js";

// process.nextTick: a queue, run as Node runs it after a timer's or an
// immediate's callback (polyfills.js calls runTicks then, before the promise
// jobs), else in a microtask queued with the first tick (from inside a
// promise job Node runs ticks after the other jobs; here they may run
// first). Each tick runs as part of the render, and with the stores, that
// queued it.
let ticks = [];
export function runTicks() {
  while (ticks.length > 0) {
    const list = ticks;
    ticks = [];
    for (const t of list) native.runAs(t.render, t.fn, t.args, t.stores);
  }
}
function nextTick(fn, ...args) {
  if (typeof fn !== "function") {
    const e = new TypeError('The "callback" argument must be of type function');
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  ticks.push({ fn, args, render: native.renderId(), stores: alsState.used ? native.alsStores() : undefined });
  if (ticks.length === 1) queueMicrotask(runTicks);
}

function hrtime(prev) {
  const ms = native.now();
  let s = Math.floor(ms / 1e3);
  let ns = Math.floor((ms % 1e3) * 1e6);
  if (prev) {
    s -= prev[0];
    ns -= prev[1];
    if (ns < 0) {
      s--;
      ns += 1e9;
    }
  }
  return [s, ns];
}
hrtime.bigint = () => BigInt(Math.floor(native.now() * 1e6));

const noop = function () {
  return process;
};

const process = {
  title: "ssrd",
  version: "v18.20.4",
  versions: { node: "18.20.4", v8: "10.2.154.26-node.36", ssrd: "0.1.0", modules: "108" },
  release: { name: "node" },
  platform: "linux",
  arch: "x64",
  argv: ["ssrd"],
  execArgv: [],
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  browser: false,
  env: { NODE_ENV: "production" },
  cwd: () => "/",
  chdir() {
    throw new Error("ssrd: process.chdir is not available");
  },
  umask: () => 0o22,
  uptime: () => native.now() / 1e3,
  hrtime,
  nextTick,
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  emitWarning(warning) {
    console.warn(typeof warning === "string" ? "Warning: " + warning : String(warning));
  },
  exit() {
    throw new Error("ssrd: process.exit is not available to pages");
  },
  abort() {
    throw new Error("ssrd: process.abort is not available to pages");
  },
  on: noop, once: noop, off: noop, addListener: noop, removeListener: noop, removeAllListeners: noop,
  prependListener: noop, prependOnceListener: noop, emit: () => false, listeners: () => [], listenerCount: () => 0,
  binding() {
    throw new Error("ssrd: process.binding is not available");
  },
};
process.hrtime = hrtime;
Object.defineProperty(process, Symbol.toStringTag, { value: "process" });

globalThis.process = process;
globalThis.global = globalThis;
export default process;
