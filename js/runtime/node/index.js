// index.js: the Node built-in modules ssrd provides to pages and libraries,
// by the names they are imported as ("path" and "node:path", ...): each a
// frozen module-namespace-like object, its named exports and `default`
// (what `import path from "node:path"` gives), marked __esModule for
// esbuild's CommonJS interop. What is not here is not provided.
import * as asyncHooks from "./async_hooks.js";
import * as buffer from "./buffer.js";
import * as crypto from "./crypto.js";
import * as events from "./events.js";
import * as path from "./path.js";
import * as processModule from "./process.js";
import * as stream from "./stream.js";
import * as stringDecoder from "./string_decoder.js";
import * as timers from "./timers.js";
import * as url from "./url.js";
import * as util from "./util.js";

function namespace(ns, extra = {}) {
  const out = Object.create(null);
  for (const k of Object.keys(ns)) out[k] = ns[k];
  Object.assign(out, extra);
  Object.defineProperty(out, "__esModule", { value: true });
  Object.defineProperty(out, Symbol.toStringTag, { value: "Module" });
  return Object.freeze(out);
}

const byName = {
  async_hooks: namespace(asyncHooks),
  buffer: namespace(buffer),
  crypto: namespace(crypto),
  events: namespace(events),
  path: namespace(path),
  "path/posix": namespace(path),
  process: namespace(processModule),
  stream: namespace(stream),
  "stream/promises": namespace({ ...stream.promises, default: stream.promises }),
  string_decoder: namespace(stringDecoder),
  timers: namespace(timers),
  "timers/promises": namespace({ ...timers.promises, default: timers.promises }),
  url: namespace(url),
  util: namespace(util),
};

export const nodeModules = {};
for (const [name, mod] of Object.entries(byName)) {
  nodeModules[name] = mod;
  nodeModules["node:" + name] = mod;
}

// Every name Node has a built-in module under (what --platform=node leaves
// external), so that one ssrd does not provide gets a clear error.
export const nodeBuiltins = [
  "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
  "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https",
  "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring",
  "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty",
  "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
];
