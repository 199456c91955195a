// node_server.mjs: the Node.js side of bench/suite.sh. node:http + node:cluster serving the very
// layers ssrd built (base, shell, page deltas, loaded with vm as bench/node_render.mjs does):
// renderToString of the page in its layout for ordinary routes, React's renderToReadableStream
// (the base's own streaming path, chunks written as they come) for routes listed as streaming.
//   node bench/node_server.mjs PORT WORKERS BASE_JS SHELL_JS SITE_ROOT ROUTES_JSON
// ROUTES_JSON: {"/": {"key": "app/page.jsx", "file": "/cache/.../page-x.js", "stream": false}, ...}
// A page gets the props ssrd gives it over HTTP: {query: {...}, headers: {}}.
import cluster from "node:cluster";
import http from "node:http";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const [portArg, workersArg, baseJs, shellJs, siteRoot, routesJson] = process.argv.slice(2);
const port = Number(portArg);
const workers = Number(workersArg || 2);

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork();
    w.on("message", (m) => {
      if (m === "ready" && ++ready === workers) console.log(`node_server: ${workers} workers on ${port}`);
    });
  }
  cluster.on("exit", (w, code) => {
    console.error(`node_server: worker ${w.process.pid} exited (${code})`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const id in cluster.workers) cluster.workers[id].kill();
    process.exit(0);
  });
} else {
  const routes = JSON.parse(readFileSync(routesJson, "utf8"));
  // Node's own functions, taken before the base's polyfills replace the globals.
  const nodeEncoder = new TextEncoder();
  const nodeDecoder = new TextDecoder();
  const nodeNow = performance.now.bind(performance);
  const nodeSetTimeout = setTimeout;
  const nodeClearTimeout = clearTimeout;
  const nodeProcess = process;
  const timers = new Map();
  const streams = new Map(); // render id -> res
  // The base registers its entry points (render, stream, ...) through setHooks.
  let hooks = null;
  globalThis.__ssrd_native = {
    setHooks: (h) => { hooks = h; },
    log: (level, text) => nodeProcess.stderr.write(text + "\n"),
    timerStart: (id, ms) => timers.set(id, nodeSetTimeout(() => { timers.delete(id); hooks.fireTimer(id); }, ms)),
    timerStop: (id) => { nodeClearTimeout(timers.get(id)); timers.delete(id); },
    renderId: () => 0,
    runAs: (render, fn, args) => fn(...(args || [])),
    now: nodeNow,
    utf8Encode: (s) => nodeEncoder.encode(s),
    utf8EncodeInto: (s, u8) => { const r = nodeEncoder.encodeInto(s, u8); return [r.read, r.written]; },
    utf8Decode: (u8) => nodeDecoder.decode(u8),
    emit: (id, chunk) => { const res = streams.get(id); if (res) res.write(chunk); },
    end: (id, error) => {
      const res = streams.get(id);
      streams.delete(id);
      if (error) nodeProcess.stderr.write(`node_server: stream failed: ${error}\n`);
      if (res) res.end();
    },
    report: (id, error) => nodeProcess.stderr.write(`node_server: ${error}\n`),
    hostCall: () => { throw new Error("node_server: no host bridge"); },
  };
  const savedConsole = globalThis.console;
  vm.runInThisContext(readFileSync(baseJs, "utf8"), { filename: baseJs });
  vm.runInThisContext(readFileSync(shellJs, "utf8"), { filename: shellJs });
  for (const r of Object.values(routes)) {
    hooks.beginPage(r.file.slice(0, r.file.lastIndexOf("/")), siteRoot);
    vm.runInThisContext(readFileSync(r.file, "utf8"), { filename: r.file });
    hooks.endPage(r.key);
  }
  globalThis.console = savedConsole;
  const render = hooks.render;
  const renderStream = hooks.stream;
  let nextId = 1;

  http
    .createServer((req, res) => {
      const u = new URL(req.url, "http://x");
      const route = routes[u.pathname];
      if (route === undefined) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no route\n");
        return;
      }
      const props = JSON.stringify({ query: Object.fromEntries(u.searchParams), headers: {} });
      try {
        if (route.stream) {
          const id = nextId++;
          streams.set(id, res);
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          renderStream(id, route.key, u.pathname, "{}", props, "");
        } else {
          const html = render(route.key, u.pathname, "{}", props);
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          res.end(html);
        }
      } catch (e) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(e) + "\n");
      }
    })
    .listen(port, "127.0.0.1", () => process.send("ready"));
}
