// node_render.mjs: the same layers ssrd evaluates (base, shell, page delta), rendered in Node 20.
// Node gets plain-JS stand-ins for ssrd's native functions; the render path never calls them.
//   node bench/node_render.mjs BASE_JS SHELL_JS PAGE_JS SITE_ROOT PAGE_KEY PATH PARAMS_JSON PROPS_JSON ITERATIONS WARMUP
// Prints one JSON line: median_ms (render + UTF-8 bytes) and render_only_ms.
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { createHash as nodeCreateHash } from "node:crypto";

const [baseJs, shellJs, pageJs, siteRoot, pageKey, path, params, props, iterArg, warmArg] = process.argv.slice(2);
const iterations = Number(iterArg || 2000);
const warmup = Number(warmArg || 500);

// Node's own codecs, taken before the base's polyfills replace the globals.
const nodeEncoder = new TextEncoder();
const nodeDecoder = new TextDecoder();
const nodeNow = performance.now.bind(performance);
const nodeProcess = process;
const timers = new Map();
const nodeCrypto = globalThis.crypto;
const nodeClone = globalThis.structuredClone;
// The base registers its entry points (render, ...) through setHooks.
let hooks = null;
globalThis.__ssrd_native = {
  setHooks: (h) => { hooks = h; },
  renderId: () => 0,
  runAs: (render, fn, args) => fn(...(args || [])),
  log: (level, text) => nodeProcess.stderr.write(text + "\n"),
  timerStart: (id, ms) => timers.set(id, setTimeout(() => hooks.fireTimer(id), ms)),
  timerStop: (id) => clearTimeout(timers.get(id)),
  now: nodeNow,
  utf8Encode: (s) => nodeEncoder.encode(s),
  utf8EncodeInto: (s, u8) => { const r = nodeEncoder.encodeInto(s, u8); return [r.read, r.written]; },
  utf8Decode: (u8) => nodeDecoder.decode(u8),
  randomFill: (a) => nodeCrypto.getRandomValues(a),
  digest: (alg, bytes) => new Uint8Array(nodeCreateHash(alg.replace("-", "").toLowerCase()).update(bytes).digest()),
  clone: (v) => nodeClone(v),
  alsStores: () => undefined,
  alsRun: (stores, fn) => fn(),
};
// The base defines these globals itself; Node's own are getters it could not replace.
delete globalThis.crypto;
const savedConsole = globalThis.console;
vm.runInThisContext(readFileSync(baseJs, "utf8"), { filename: baseJs });
vm.runInThisContext(readFileSync(shellJs, "utf8"), { filename: shellJs });
// Loaded the way an ssrd worker loads a page delta.
hooks.beginPage(pageJs.slice(0, pageJs.lastIndexOf("/")), siteRoot);
vm.runInThisContext(readFileSync(pageJs, "utf8"), { filename: pageJs });
hooks.endPage(pageKey);
globalThis.console = savedConsole;

const render = hooks.render;

// Two measurements: the render alone (a string, as V8 holds it: a rope), and the render plus
// its UTF-8 bytes, which is what any server must produce to send it (res.end(html) does this).
function measure(withBytes) {
  const t = new Float64Array(iterations);
  let bytes = 0;
  for (let i = -warmup; i < iterations; i++) {
    const t0 = nodeNow();
    const html = render(pageKey, path, params, props);
    if (withBytes) bytes = Buffer.from(html, "utf8").length;
    const dt = nodeNow() - t0;
    if (i >= 0) t[i] = dt;
  }
  t.sort();
  const median = iterations % 2 ? t[(iterations - 1) / 2] : (t[iterations / 2 - 1] + t[iterations / 2]) / 2;
  return { median, bytes };
}
const renderOnly = measure(false);
const withBytes = measure(true);
console.log(JSON.stringify({
  engine: "node", node: nodeProcess.version, path, bytes: withBytes.bytes, iterations,
  median_ms: Number(withBytes.median.toFixed(4)), render_only_ms: Number(renderOnly.median.toFixed(4)),
}));
nodeProcess.exit(0);
