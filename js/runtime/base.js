// base.js: the React base layer. Bundled once per process by esbuild into an
// IIFE and snapshotted; every worker context starts with it. It exposes React to
// the site's layers through `require` (they keep react external), holds the
// shell and the pages they register, and gives C one entry point to render:
// globalThis.__ssrd_render.
import "./polyfills.js";
import React from "react";
import jsxRuntime from "react/jsx-runtime";
// The "bun" server build: its streaming renderer writes strings to a direct
// stream instead of encoding every piece to bytes and copying it into 2 KB
// views (measured on the 240-row /products: 2.0 ms streamed, against 2.2 ms
// with the browser build, whose renderToString is the same legacy code). Its
// imports of Node's util, crypto and stream are shims (node-shims/).
import ReactDOMServer from "react-dom/server.bun";

// The host bridge: what config lets pages reach (files under the site's
// root, named SQLite databases, allowlisted hosts and variables), each call
// a Promise settled by ssrd's host threads. `import { db } from "ssrd"`.
const native = globalThis.__ssrd_native;
const host = (op, args) => native.hostCall(op, JSON.stringify(args));
function logFields(fields) {
  let out = "";
  for (const [k, v] of Object.entries(fields || {})) {
    if (!/^[A-Za-z0-9_.-]+$/.test(k)) continue;
    const s = typeof v === "string" ? v : JSON.stringify(v);
    out += " " + k + "=" + (/^[^\s"=]+$/.test(s) ? s : JSON.stringify(s));
  }
  return out;
}
const pageLog = (level) => (message, fields) => {
  native.log(level, String(message) + logFields(fields), 1);
};
const ssrdHost = Object.freeze({
  files: Object.freeze({
    read: (path) => host("files.read", [path]),
    list: (dir = ".") => host("files.list", [dir]),
  }),
  db: Object.freeze({
    query: (name, sql, params = []) => host("db.query", [name, sql, params]),
  }),
  fetch: (url, options = {}) =>
    host("fetch", [String(url), options]).then((r) => ({
      ...r,
      ok: r.status >= 200 && r.status < 300,
      text: () => Promise.resolve(r.body),
      json: () => Promise.resolve().then(() => JSON.parse(r.body)),
    })),
  env: Object.freeze({ get: (name) => host("env.get", [name]) }),
  log: Object.freeze({ debug: pageLog(0), info: pageLog(1), warn: pageLog(2), error: pageLog(3) }),
});

const modules = {
  ssrd: ssrdHost,
  react: React,
  "react/jsx-runtime": jsxRuntime,
  "react/jsx-dev-runtime": jsxRuntime,
  "react-dom/server": ReactDOMServer,
  "react-dom/server.browser": ReactDOMServer,
  "react-dom/server.bun": ReactDOMServer,
};

// Resolves a.b/../c-style paths, as esbuild writes external imports.
function normalize(path) {
  const out = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

// While a page delta is being evaluated: where its file lies and the site's root, so
// that its external imports of components/ resolve to the shell's modules.
let loading = null;

// With isolation = page, ssrd links a warm context's modules in here, so that
// this fresh context's pages run on React code that has already warmed up.
globalThis.__ssrd_modules = modules;
// With isolation = page, fresh contexts reach this context's objects through
// React, and from any object its prototypes: freeze React's exports and this
// context's built-in prototypes and namespaces, so that no page can leave
// anything behind for the next one (Array.prototype.map = ..., say).
globalThis.__ssrd_freeze_shared = function () {
  for (const m of Object.values(modules)) Object.freeze(m);
  const ctors = [Object, Function, Array, String, Number, Boolean, Symbol, BigInt, Date, RegExp,
    Error, TypeError, RangeError, SyntaxError, ReferenceError, Map, Set, WeakMap, WeakSet, Promise,
    ArrayBuffer, Uint8Array, Object.getPrototypeOf(Uint8Array)];
  for (const c of ctors) {
    Object.freeze(c.prototype);
    Object.freeze(c);
  }
  for (const ns of [JSON, Math, Reflect]) Object.freeze(ns);
  return "";
};

globalThis.require = function require(name) {
  // The host bridge is always this context's own: its calls settle here.
  if (name === "ssrd") return modules.ssrd;
  const m = (globalThis.__ssrd_shared_modules || modules)[name];
  if (m !== undefined) return m;
  if (loading !== null && (name.startsWith("./") || name.startsWith("../"))) {
    const abs = normalize(loading.dir + "/" + name);
    const key = abs.startsWith(loading.root + "/") ? abs.slice(loading.root.length + 1) : abs;
    const shared = shell.modules[key];
    if (shared !== undefined) return shared;
    throw new Error(`ssrd: "${key}" is not a module of the site's shell (pages share modules from components/ only)`);
  }
  throw new Error(`ssrd: module "${name}" is not provided to pages (available: ${Object.keys(modules).join(", ")})`);
};

// A props string that is not a JSON object. The C side maps this name to bad_props.
class BadPropsError extends Error {
  constructor(message) {
    super(message);
    this.name = "BadPropsError";
  }
}

// The site's shell: its layout and components/ modules, keyed "components/Nav.jsx".
const shell = { layout: null, modules: {} };
// Page components by page key ("app/products/[id]/page.jsx"), as their deltas are evaluated.
const pages = {};

// Called by the shell bundle when it is evaluated.
globalThis.__ssrd_register_shell = function (layout, mods) {
  // A page imports these through esbuild's CommonJS interop (__toESM), which
  // keeps named and default exports apart only for modules marked __esModule.
  for (const m of Object.values(mods)) {
    if (!m.__esModule) Object.defineProperty(m, "__esModule", { value: true });
  }
  shell.layout = layout;
  shell.modules = mods;
};

// ssrd calls these around evaluating a page delta, which leaves its exports in __ssrd_page.
globalThis.__ssrd_begin_page = function (dir, root) {
  loading = { dir, root };
  return "";
};
globalThis.__ssrd_end_page = function (pageKey) {
  loading = null;
  const mod = globalThis.__ssrd_page;
  delete globalThis.__ssrd_page;
  const Page = mod && (mod.default !== undefined ? mod.default : mod);
  if (typeof Page !== "function" && (typeof Page !== "object" || Page === null)) {
    throw new Error(`ssrd: ${pageKey} has no default export to render`);
  }
  pages[pageKey] = Page;
  policies[pageKey] = mod && mod.cache;
  return "";
};

// A page's caching policy, from its `export const cache`: false (never
// cached) or { ttl, swr } in seconds; "" when it says nothing (the daemon's
// defaults). As text for C: "off", or "ttl,swr" with -1 for a default.
const policies = {};
globalThis.__ssrd_page_cache = function (pageKey) {
  const c = policies[pageKey];
  if (c === false) return "off";
  if (c === null || typeof c !== "object") return "";
  const n = (v) => (Number.isFinite(v) && v >= 0 ? Math.floor(v) : -1);
  return `${n(c.ttl)},${n(c.swr)}`;
};

function parseObject(text, what) {
  if (text === undefined || text === "") return {};
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadPropsError(`${what} are not valid JSON: ${e.message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new BadPropsError(`${what} must be a JSON object, not ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
  }
  return v;
}

const { jsx } = jsxRuntime;
const { renderToString, renderToReadableStream } = ReactDOMServer;

// Renders a small tree that walks React's common server paths (host elements,
// attributes, styles, text, lists with keys, function components, context,
// fragments, memo). The snapshot maker calls it so that the snapshot carries
// React's render code already compiled: a new worker's first page skips that.
// Pure and deterministic: the snapshot's bytes must not depend on when it ran.
globalThis.__ssrd_warmup = function () {
  const { createElement: h, createContext, useContext, Fragment, memo } = React;
  const Ctx = createContext("warm");
  const Leaf = memo(function Leaf({ i }) {
    const v = useContext(Ctx);
    return h("td", { className: "c" + i, "data-i": i, style: { width: i + 1 } }, v, " ", i);
  });
  function Row({ i }) {
    return h("tr", { key: i }, h(Leaf, { i }), h("td", null, i % 2 ? h("b", null, "odd") : null));
  }
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push(h(Row, { key: i, i }));
  const tree = h(Ctx.Provider, { value: "hot" },
    h("html", { lang: "en" }, h("head", null, h("title", null, "w")),
      h("body", null, h(Fragment, null, h("a", { href: "/x?y=1&z=<2>" }, "link"),
        h("table", null, h("tbody", null, rows))))));
  let n = 0;
  for (let k = 0; k < 3; k++) n += renderToString(tree).length;
  return n;
};

// Renders one page inside the site's layout and returns the whole document.
// Renders Page inside layout (either may come from another context of this
// isolate: with isolation = page, the fresh context calls a warm one's copy).
globalThis.__ssrd_render_with = function (layout, Page, path, paramsJson, propsJson) {
  const props = parseObject(propsJson, "props");
  props.params = parseObject(paramsJson, "route params");
  const page = jsx(Page, props);
  return "<!DOCTYPE html>" + renderToString(layout ? jsx(layout, { path, children: page }) : page);
};

globalThis.__ssrd_render = function (pageKey, path, paramsJson, propsJson) {
  const Page = pages[pageKey];
  if (Page === undefined) throw new Error(`ssrd: page "${pageKey}" has not been loaded in this context`);
  return globalThis.__ssrd_render_with(shell.layout, Page, path, paramsJson, propsJson);
};

// ---- streaming: renderToReadableStream, its chunks handed to C as they come ----
// Renders in flight by id, so that ssrd can abort one (stall, timeout, a
// caller gone). React's onError reports (a boundary that failed and will be
// retried on the client) go to native.report with the component stack.
const streaming = new Map();

globalThis.__ssrd_stream_with = function (id, layout, Page, pageKey, path, paramsJson, propsJson, clientUrl) {
  const props = parseObject(propsJson, "props");
  props.params = parseObject(paramsJson, "route params");
  const page = jsx(Page, props);
  const controller = new AbortController();
  streaming.set(id, controller);
  const options = {
    signal: controller.signal,
    onError(error, info) {
      native.report(id, error, (info && info.componentStack) || "");
    },
  };
  if (clientUrl) {
    // Hydration: the browser bundle, and what it needs to render the same
    // tree. The JSON goes inside a <script>: every "<" is escaped so that no
    // prop can close it ("</script>"), and so are the two line separators
    // JavaScript strings may not hold.
    const data = JSON.stringify({ page: pageKey, path, props })
      .replace(/</g, "\\u003c")
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029");
    options.bootstrapScriptContent = `window.__SSRD__=${data};`;
    options.bootstrapScripts = [clientUrl];
  }
  renderToReadableStream(layout ? jsx(layout, { path, children: page }) : page, options)
    .then(async (stream) => {
      const reader = stream.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        native.emit(id, value);
      }
      native.end(id);
    })
    .catch((error) => native.end(id, error))
    .finally(() => streaming.delete(id));
  return "";
};

globalThis.__ssrd_stream = function (id, pageKey, path, paramsJson, propsJson, clientUrl) {
  const Page = pages[pageKey];
  if (Page === undefined) throw new Error(`ssrd: page "${pageKey}" has not been loaded in this context`);
  return globalThis.__ssrd_stream_with(id, shell.layout, Page, pageKey, path, paramsJson, propsJson, clientUrl);
};

// Stops a streaming render: React flushes what is ready, leaves pending
// Suspense boundaries to the client, and the stream ends.
globalThis.__ssrd_abort = function (id, reason) {
  const c = streaming.get(id);
  if (c !== undefined) c.abort(new Error(reason));
  return c !== undefined ? "1" : "";
};
