// Node's built-in modules as pages and npm packages import them on a server
// ("path" and "node:path" alike). Filled in by the web-apis branch.
export const nodeModules = {};
// Every name Node has a built-in module under (what --platform=node leaves
// external), so that one ssrd does not provide gets a clear error.
export const nodeBuiltins = [
  "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
  "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https",
  "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring",
  "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty",
  "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
];
