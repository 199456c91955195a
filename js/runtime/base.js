// base.js: the React base layer. Bundled once per process by esbuild into an
// IIFE and snapshotted; every worker context starts with it. It exposes React to
// the site's layers through `require` (they keep react external), holds the
// shell and the pages they register, and gives C its entry points (render,
// stream, abort, ...) as hooks: an object registered with the native
// setHooks(), which C calls by name and no JavaScript can reach. Neither the
// hooks nor __ssrd_native are left on the global: page code can neither call
// what ssrd calls nor speak for another render.
import "./polyfills.js";
import { finishAdded, harden, hiddenIntrinsics, prepareAdded, sealInternals } from "./lockdown.js";
import React from "react";
import jsxRuntime from "react/jsx-runtime";
// The "bun" server build: its streaming renderer writes strings to a direct
// stream instead of encoding every piece to bytes and copying it into 2 KB
// views (measured on the 240-row /products: 2.0 ms streamed, against 2.2 ms
// with the browser build, whose renderToString is the same legacy code). Its
// imports of Node's util, crypto and stream resolve to node/ (src/bundle.c).
import ReactDOMServer from "react-dom/server.bun";
// react-dom itself (preload, preconnect, createPortal, flushSync, version):
// pages and UI kits import it for what works on a server too.
import ReactDOM from "react-dom";
import compilerRuntime from "react/compiler-runtime";
import { nodeBuiltins, nodeModules } from "./node/index.js";
import { awaitable, chainOf, composeTree, isNotFound, notFound } from "./tree.js";
import * as nextNavigation from "./next/navigation.js";
import * as nextLink from "./next/link.js";
import * as nextImage from "./next/image.js";
import * as nextFontGoogle from "./next/font/google.js";
import * as nextFontLocal from "./next/font/local.js";
import { metadataTags, resolveMetadata, wantsMetadata } from "./metadata.js";
import { el, islandRuntime, markClient } from "./islands.js";
import { asTry, hostCall } from "./web/host.js";

// The host bridge: what config lets pages reach (files under the site's
// root, named SQLite databases, allowlisted hosts and variables), each call
// a Promise settled by ssrd's host threads. `import { db } from "ssrd"`.
const native = globalThis.__ssrd_native;
const { fireTimer, endRenderTimers } = globalThis.__ssrd_polyfill_hooks;
delete globalThis.__ssrd_polyfill_hooks;
// What C calls (ssrd__context_call): filled below, registered at the end.
const hooks = { fireTimer };
const host = (op, args) => hostCall(op, JSON.stringify(args));
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
  notFound,
});

const esm = (ns) => Object.freeze({ __esModule: true, ...ns });
const modules = {
  ssrd: ssrdHost,
  react: React,
  // what sites are compiled against: a client component becomes an island
  "react/jsx-runtime": islandRuntime(jsxRuntime),
  "react/jsx-dev-runtime": islandRuntime(jsxRuntime),
  "react-dom/server": ReactDOMServer,
  "react-dom/server.browser": ReactDOMServer,
  "react-dom/server.bun": ReactDOMServer,
  "react-dom/server.node": ReactDOMServer,
  "react-dom/server.edge": ReactDOMServer,
  "react/compiler-runtime": compilerRuntime,
  "react-dom": ReactDOM,
  "react-dom/client": browserOnly("react-dom/client", ["createRoot", "hydrateRoot"]),
  // Next.js's own modules pages import most (no `next` package needed)
  // (marked __esModule: a page's `import Link from "next/link"` is the default)
  "next/navigation": esm(nextNavigation),
  "next/link": esm(nextLink),
  "next/image": esm(nextImage),
  "next/font/google": esm(nextFontGoogle),
  "next/font/local": esm(nextFontLocal),
};

// A module that exists for the browser: importing it on the server works
// (code shared with the browser often does), calling it says why not.
function browserOnly(name, exports) {
  const m = { __esModule: true };
  for (const e of exports) {
    m[e] = () => {
      throw new Error(`ssrd: ${name}'s ${e}() runs in the browser, not during a server render (call it in an effect or an event handler)`);
    };
  }
  m.default = Object.freeze({ ...m });
  return Object.freeze(m);
}

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

// How esbuild and Node find a file a path names: as written, with an
// extension, or as a directory's index.
const suffixes = ["", ".tsx", ".ts", ".jsx", ".js", ".mjs", ".cjs", ".json",
  "/index.tsx", "/index.ts", "/index.jsx", "/index.js", "/index.mjs", "/index.cjs", "/index.json"];
function shellModule(key) {
  for (const s of suffixes) {
    const m = shell.modules[key + s];
    if (m !== undefined) return m;
  }
  return undefined;
}

// A Node built-in ssrd does not provide, as a package sees it: requiring it
// works (as in Node, many require one at the top and use it only on some
// paths), and what it holds throws when called, saying why. Site files that
// import one fail at build time (bundle_site.c), with the line.
const unavailableModules = new Map();
function unavailable(name) {
  let m = unavailableModules.get(name);
  if (m !== undefined) return m;
  const fail = () => {
    throw new Error(`ssrd: Node's "${name}" is not available during a render (a page may use Node's ${providedBuiltins()})`);
  };
  const member = new Proxy(function () {}, { apply: fail, construct: fail, get: (t, k) => (k === "prototype" ? {} : undefined) });
  m = new Proxy({}, {
    get: (t, k) => (typeof k === "string" && k !== "__esModule" && k !== "then" && k !== "default" ? member : undefined),
  });
  unavailableModules.set(name, m);
  return m;
}
const providedBuiltins = () => Object.keys(nodeModules).filter((k) => !k.startsWith("node:")).join(", ") || "none";

// With isolation = page, ssrd links a warm context's hooks in here
// (sharedModules, sharedRenderWith, ...), so that this fresh context's pages
// run on React code that has already warmed up.
hooks.modules = modules;
globalThis.require = function require(name) {
  // The host bridge is always this context's own: its calls settle here.
  if (name === "ssrd") return modules.ssrd;
  const m = (hooks.sharedModules || modules)[name];
  if (m !== undefined) return m;
  // A built-in as require() gives it in Node: its module.exports (the
  // default export), e.g. Stream itself with Readable on it, so that
  // CommonJS packages (`util.inherits(X, require("stream"))`) and ESM
  // importers (esbuild's interop copies its properties) both see Node's.
  if (Object.prototype.hasOwnProperty.call(nodeModules, name)) return nodeModules[name].default;
  if (name.startsWith("./") || name.startsWith("../")) {
    if (loading !== null) {
      const abs = normalize(loading.dir + "/" + name);
      const key = abs.startsWith(loading.root + "/") ? abs.slice(loading.root.length + 1) : abs;
      const shared = shellModule(key);
      if (shared !== undefined) return shared;
      throw new Error(`ssrd: "${key}" is not a file under components/ (pages share the modules, JSON, images and fonts of components/ with the shell)`);
    }
  } else {
    // A package the shell holds for the pages: one instance per context,
    // shared with the layout and components/.
    if (Object.prototype.hasOwnProperty.call(shell.packages, name)) return shell.packages[name];
    const builtin = name.startsWith("node:") ? name.slice(5) : name;
    if (nodeBuiltins.includes(builtin.split("/")[0])) return unavailable(name);
  }
  throw new Error(`ssrd: module "${name}" is not provided to pages (a page may import react, react-dom, ssrd, npm packages installed in the site, Node's ${providedBuiltins()}, and files under components/)`);
};

// A props string that is not a JSON object. The C side maps this name to bad_props.
class BadPropsError extends Error {
  constructor(message) {
    super(message);
    this.name = "BadPropsError";
  }
}

// The site's shell: its segments (the layout, template, error, loading and
// not-found modules of each directory of app/ that has any, by directory:
// "app", "app/blog"), its components/ modules keyed "components/Nav.jsx",
// and the npm packages pages import, by name.
const shell = { segments: {}, modules: {}, packages: {}, registered: false, islands: false };
// Page files that say "use client": their exports are marked as they load.
const clientPages = new Set();
// Page components by page key ("app/products/[id]/page.jsx"), as their deltas are evaluated,
// and their modules (what else they export: metadata, generateMetadata).
const pages = {};
const pageModules = {};

// Called by the shell bundle when it is evaluated: once per context, so that
// no later code can put another layout under every page.
globalThis.__ssrd_register_shell = function (segments, mods, packages, clients, files) {
  if (shell.registered) throw new Error("ssrd: the site's shell is registered once per context");
  shell.registered = true;
  // A page imports these through esbuild's CommonJS interop (__toESM), which
  // keeps named and default exports apart only for modules marked __esModule.
  for (const m of [...Object.values(mods), ...Object.values(packages)]) {
    if (!m.__esModule) Object.defineProperty(m, "__esModule", { value: true });
  }
  shell.segments = segments || {};
  shell.favicon = !!(files && files.favicon);
  shell.modules = mods;
  shell.packages = packages;
  // a site with "use client" files hydrates islands (islands.js)
  shell.islands = Array.isArray(clients) && clients.length > 0;
  for (const key of shell.islands ? clients : []) {
    if (mods[key] !== undefined) markClient(mods[key], key);
    else clientPages.add(key);
  }
};

// ssrd calls these around evaluating a page delta, which leaves its exports in
// the global __ssrd_page (esbuild's --global-name: a var, so it stays defined).
hooks.beginPage = function (dir, root) {
  loading = { dir, root };
  return "";
};
hooks.endPage = function (pageKey) {
  loading = null;
  const mod = globalThis.__ssrd_page;
  globalThis.__ssrd_page = undefined;
  const Page = mod && (mod.default !== undefined ? mod.default : mod);
  if (typeof Page !== "function" && (typeof Page !== "object" || Page === null)) {
    throw new Error(`ssrd: ${pageKey} has no default export to render`);
  }
  if (clientPages.has(pageKey)) markClient(mod, pageKey);
  pages[pageKey] = Page;
  pageModules[pageKey] = mod;
  policies[pageKey] = mod && mod.cache;
  serverOnly[pageKey] = mod && mod.hydrate === false;
  return "";
};

// A page's caching policy, from its `export const cache`: false (never
// cached) or { ttl, swr } in seconds; "" when it says nothing (the daemon's
// defaults). As text for C: "off", or "ttl,swr" with -1 for a default.
const policies = {};
// Pages that say `export const hydrate = false`: sent without the browser's
// bundle (what they import need not run in a browser: a server-only package,
// a renderToString of their own).
const serverOnly = {};
hooks.pageCache = function (pageKey) {
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
hooks.warmup = function () {
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

// What a page is rendered from: its props (the request's, with params and
// searchParams as Next.js 15 gives them: awaitable objects) and the route
// its segments and next/navigation's hooks see.
function pageInput(path, paramsJson, propsJson) {
  const props = parseObject(propsJson, "props");
  const params = parseObject(paramsJson, "route params");
  const query = props.query && typeof props.query === "object" ? props.query : {};
  props.params = awaitable(params);
  props.searchParams = awaitable(query);
  return { props, route: { path, params, query } };
}

// A render that threw before its shell: if a segment of the chain catches
// it (not-found.jsx for notFound(), error.jsx for anything else), the state
// that renders that segment's file in place of what is below it, and the
// status; otherwise null (the render fails, as before).
function caught(segs, error) {
  const nf = isNotFound(error);
  for (let i = segs.length - 1; i >= 0; i--) {
    if (nf && segs[i].notFound) return { notFoundAt: segs[i].dir, status: 404 };
    if (!nf && segs[i].error) return { errorAt: segs[i].dir, error: clientError(error), status: 500 };
  }
  return null;
}

// The error an error.jsx is shown, as Next.js shows it in production: the
// message stays in the log (with its stack), the page gets a digest to
// quote. The same object goes to the browser, which shows the same UI.
function clientError(error) {
  const text = String((error && error.stack) || error);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const e = new Error("An error occurred while rendering this page on the server. The server's log has the details.");
  e.digest = h.toString(16);
  return e;
}

function documentTree(segs, Page, input, state) {
  return composeTree(segs, el(Page, input.props), input.route, state, input.tags);
}

// What goes into <head> into input.tags (null for nothing): the route's
// metadata, then its stylesheets (styles: URLs separated by spaces) as
// React 19 stylesheet resources, which it writes into <head> in order
// and which the browser's render of the same tags finds there. A promise
// when a level generates its metadata.
function withMetadata(segs, pageMod, input, styles) {
  const levels = [...segs.map((s) => s.layout), pageMod];
  const links = styles ? styles.split(" ").map((href) => ["link", { rel: "stylesheet", href, precedence: "default" }]) : [];
  if (shell.favicon) links.push(["link", { rel: "icon", href: "/favicon.ico", type: "image/x-icon", sizes: "16x16" }]);
  const set = (md) => {
    const tags = [...(md !== null ? metadataTags(md) : []), ...links];
    input.tags = tags.length > 0 ? tags : null;
  };
  if (!wantsMetadata(levels)) return set(null), null;
  const md = resolveMetadata(levels, input.props);
  if (typeof md.then !== "function") return set(md), null;
  return md.then(set);
}

// Renders one page inside its segments and returns the whole document.
// segs and Page may come from another context of this isolate: with
// isolation = page, the fresh context calls a warm one's copy. A page that
// suspends (an async component) or whose render a segment must catch
// throws NeedsStream: C renders it with the streaming renderer, which can
// wait and start over (renderToString can do neither).
function renderWith(segs, Page, pageMod, path, paramsJson, propsJson, styles) {
  const input = pageInput(path, paramsJson, propsJson);
  if (withMetadata(segs, pageMod, input, styles) !== null) throw new NeedsStream();
  const html = stringDocument(segs, documentTree(segs, Page, input, {}));
  // a boundary React left to the client, where a segment's error file
  // may have to catch what it threw: the streaming renderer can tell
  // (elsewhere such a boundary is renderToString's fallback, as in Node)
  if (html === null || (html.includes("<!--$!-->") && segs.some((s) => s.error))) throw new NeedsStream();
  return html;
}

// "<!DOCTYPE html>" and renderToString of tree, or null when the page
// suspends or throws what a segment catches (renderToString can neither
// wait nor start over).
function stringDocument(segs, tree) {
  try {
    return "<!DOCTYPE html>" + renderToString(tree);
  } catch (error) {
    if (caught(segs, error) === null && !isSuspend(error)) throw error;
    return null;
  }
}

// A page that does not suspend, streamed: renderToString costs about 0.7
// of renderToReadableStream's time for the same page (React 19.3's
// streaming renderer sizes, queues and flushes every chunk; measured the
// same in Node 20), so the streaming path renders it so and sends the
// bytes the streaming renderer would have sent. They differ in three
// ways, each handled here or given up for the streaming renderer (null):
// - hydration: bootstrapScripts add a preload of the bundle to <head>,
//   after the stylesheets and before any async script, and the inline data
//   and the bundle's <script> before </body></html>. The preload is asked
//   for through ReactDOM.preload, first thing in the render, so that React
//   places it among the head's resources, then rewritten in bootstrap's
//   attribute order; an async script before it (React would put it after)
//   gives up, and so does a document that does not end with </body></html>.
// - a Suspense boundary: one React left to the client (<!--$!-->, <!--$?-->)
//   is written differently when streamed, and a completed one over
//   progressiveChunkSize (12,800 bytes) is sent outlined: any boundary in a
//   page over that size gives up.
// - errors: React reports them while streaming, renderToString does not:
//   a page whose render threw anything (a boundary fell back, the shell
//   failed, it suspended) gives up, and the streaming renderer reports it.
const PROGRESSIVE_CHUNK_BYTES = 12800;
// Pages whose try gave up once: they go to the streaming renderer at once,
// instead of paying a renderToString that is thrown away on every render.
const streamedPages = new Set();
function streamedDocument(id, tree, bootstrap) {
  if (bootstrap !== null) tree = jsx(PreloadBundle, { href: bootstrap.url, children: tree });
  let html;
  try {
    html = asTry(id, () => "<!DOCTYPE html>" + renderToString(tree));
  } catch {
    return null;
  }
  if (html.includes("<!--$!") || html.includes("<!--$?")) return null;
  if (html.includes("<!--$") && Buffer.byteLength(html) >= PROGRESSIVE_CHUNK_BYTES) return null;
  if (bootstrap === null) return html;
  const href = escapeAttribute(bootstrap.url);
  const asked = `<link rel="preload" href="${href}" as="script" fetchPriority="low"/>`;
  const at = html.indexOf(asked);
  const end = html.length - "</body></html>".length;
  if (at < 0 || html.lastIndexOf("<script", at) >= 0 || !html.endsWith("</body></html>")) return null;
  const scripts = `<script id="_R_">${escapeInlineScript(bootstrap.content)}</script><script src="${href}" async=""></script>`;
  return html.slice(0, at) + `<link rel="preload" as="script" fetchPriority="low" href="${href}"/>` +
    html.slice(at + asked.length, end) + scripts + html.slice(end);
}
function PreloadBundle({ href, children }) {
  ReactDOM.preload(href, { as: "script", fetchPriority: "low" });
  return children;
}
// React's escapes: of an attribute's value, and of "<script" and
// "</script" inside an inline script.
const ATTRIBUTE_ESCAPES = { '"': "&quot;", "&": "&amp;", "'": "&#x27;", "<": "&lt;", ">": "&gt;" };
const escapeAttribute = (v) => String(v).replace(/["&'<>]/g, (c) => ATTRIBUTE_ESCAPES[c]);
const escapeInlineScript = (v) => String(v).replace(/(<\/|<)(s)(cript)/gi, (m, a, b, c) => a + (b === "s" ? "\\u0073" : "\\u0053") + c);
hooks.renderWith = renderWith;

// React's "suspended while responding to synchronous input" (#426) and
// its Suspense exception: renderToString met an async component.
const isSuspend = (e) => e instanceof Error && /(?:#426|[Ss]uspen)/.test(e.message);
class NeedsStream extends Error {
  constructor() {
    super("the page suspends: rendered with the streaming renderer");
    this.name = "NeedsStream";
  }
}

function pageOf(pageKey) {
  const Page = pages[pageKey];
  if (Page === undefined) throw new Error(`ssrd: page "${pageKey}" has not been loaded in this context`);
  return Page;
}

hooks.render = function (pageKey, path, paramsJson, propsJson, styles) {
  const segs = chainOf(shell.segments, pageKey);
  return (hooks.sharedRenderWith || renderWith)(segs, pageOf(pageKey), pageModules[pageKey], path, paramsJson, propsJson, styles);
};

// For measurements (bench/render_bench.c --mode js): renders one page n times
// after w unmeasured ones, timing each in JavaScript, and returns the median
// in ms: React's own time, with no C between renders.
hooks.timeRenders = function (pageKey, path, paramsJson, propsJson, n, w) {
  const times = [];
  for (let i = -Number(w); i < Number(n); i++) {
    const t0 = performance.now();
    hooks.render(pageKey, path, paramsJson, propsJson);
    if (i >= 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return String(times[times.length >> 1]);
};

// ---- streaming: renderToReadableStream, its chunks handed to C as they come ----
// Renders in flight by id, so that ssrd can abort one (stall, timeout, a
// caller gone). React's onError reports (a boundary that failed and will be
// retried on the client) go to native.report with the component stack.
const streaming = new Map();

// Streams one page. An error before the shell is sent that a segment
// catches (see caught) starts the render over with that segment's
// not-found or error file in place, and the status that goes with it;
// the first attempt's output is never read. After the shell, errors are
// React's to handle: the boundary is retried in the browser.
function streamWith(id, segs, Page, pageMod, pageKey, path, paramsJson, propsJson, clientUrl, islands, styles, always) {
  const input = pageInput(path, paramsJson, propsJson);
  const pending = withMetadata(segs, pageMod, input, styles);
  if (pending === null && !always && !streamedPages.has(pageKey)) {
    const bootstrap = clientUrl ? { url: clientUrl, content: bootstrapContent(pageKey, input, {}, islands) } : null;
    const html = streamedDocument(id, documentTree(segs, Page, input, {}), bootstrap);
    if (html !== null) {
      native.emit(id, html);
      native.end(id);
      return "";
    }
    // it suspended (or streams differently): the next render skips the try
    streamedPages.add(pageKey);
  }
  const controller = new AbortController();
  streaming.set(id, controller);
  const start = () => attempt(id, segs, Page, pageKey, input, clientUrl, controller, {}, islands);
  if (pending === null) start();
  else {
    // the head is in the shell: generateMetadata finishes first
    pending.then(start, (error) => {
      native.end(id, error);
      streaming.delete(id);
    });
  }
  return "";
}

function attempt(id, segs, Page, pageKey, input, clientUrl, controller, state, islands) {
  let redo = null; // the state to start over with
  let shellSent = false;
  const options = {
    signal: controller.signal,
    onError(error, info) {
      const c = !shellSent && state.status === undefined ? caught(segs, error) : null;
      if (c !== null && redo === null) redo = c;
      if (c === null || !isNotFound(error)) native.report(id, error, (info && info.componentStack) || "");
    },
  };
  if (clientUrl) {
    options.bootstrapScriptContent = bootstrapContent(pageKey, input, state, islands);
    options.bootstrapScripts = [clientUrl];
  }
  const again = () => {
    if (redo === null) return false;
    native.status(id, redo.status);
    attempt(id, segs, Page, pageKey, input, clientUrl, controller, redo, islands);
    return true;
  };
  renderToReadableStream(documentTree(segs, Page, input, state), options)
    .then(async (stream) => {
      if (again()) return stream.cancel();
      shellSent = true;
      const reader = stream.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        native.emit(id, value);
      }
      native.end(id);
      streaming.delete(id);
    })
    .catch((error) => {
      if (again()) return;
      native.end(id, error);
      streaming.delete(id);
    });
}

// Hydration: what the browser bundle needs to render the same tree. The
// JSON goes inside a <script>: every "<" is escaped so that no prop can
// close it ("</script>"), and so are the two line separators JavaScript
// strings may not hold. With islands each carries its props; the page
// needs only the route.
function bootstrapContent(pageKey, input, state, islands) {
  const data = JSON.stringify(islands
    ? { islands: true, path: input.route.path, props: { params: input.route.params, query: input.route.query } }
    : { page: pageKey, path: input.route.path, props: input.props, state: browserState(state), meta: input.tags || undefined })
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `window.__SSRD__=${data};`;
}

// What the browser needs of a segment shown in error or not found, to
// build the same tree: plain data.
function browserState(state) {
  if (state.errorAt !== undefined) return { errorAt: state.errorAt, digest: state.error.digest, message: state.error.message };
  if (state.notFoundAt !== undefined) return { notFoundAt: state.notFoundAt };
  return undefined;
}
hooks.streamWith = streamWith;

// Whether a page hydrated whole would break in the browser: it, or a layout
// above it, is an async server component, which only the server can render.
const AsyncFunction = (async () => {}).constructor;
const isAsync = (f) => f instanceof AsyncFunction || (f != null && f.constructor != null && f.constructor.name === "AsyncFunction");
function asyncTree(segs, Page) {
  return isAsync(Page) || segs.some((s) => s.layout && isAsync(s.layout.default));
}

hooks.stream = function (id, pageKey, path, paramsJson, propsJson, clientUrl, styles, always) {
  const segs = chainOf(shell.segments, pageKey);
  // Sent without the browser's bundle: a page that says so, and, in a
  // site hydrated whole, one the browser could not render.
  const url = serverOnly[pageKey] || (!shell.islands && asyncTree(segs, pageOf(pageKey))) ? "" : clientUrl;
  return (hooks.sharedStreamWith || streamWith)(Number(id), segs, pageOf(pageKey), pageModules[pageKey], pageKey, path, paramsJson, propsJson, url, shell.islands, styles, always === "1");
};

// Stops a streaming render: React flushes what is ready, leaves pending
// Suspense boundaries to the client, and the stream ends. With isolation =
// page the render streams in the warm context: it is aborted there.
function abort(id, reason) {
  const c = streaming.get(Number(id));
  if (c !== undefined) c.abort(new Error(reason));
  return c !== undefined ? "1" : "";
}
hooks.abort = (id, reason) => (hooks.sharedAbort || abort)(id, reason);
hooks.localAbort = abort;

// A render has ended: whatever it left to run later (timers, intervals) is
// cancelled here, and in the warm context whose React it used.
function endRender(id) {
  endRenderTimers(Number(id));
  return "";
}
hooks.endRender = (id) => {
  endRender(id);
  if (hooks.sharedEndRender) hooks.sharedEndRender(id);
  return "";
};
hooks.localEndRender = endRender;

// ---- lockdown: what every render of a shared context shares, frozen ----
// The globals the base defined, the built-ins among them: what lockdown
// freezes (not what the site's shell adds later). The process object stays
// writable (libraries set process.env entries), and so do console, whose
// methods libraries wrap, and the Error constructor, whose stackTraceLimit
// and prepareStackTrace libraries set (Error.prototype is frozen).
const baseGlobals = Reflect.ownKeys(globalThis).filter((k) => k !== "__ssrd_native");

// React's own objects that its renderers hand to every render alike (its
// hooks dispatchers, the class component updater, results of hooks that do
// not depend on the render): found by rendering a probe twice with each
// renderer and keeping what came back identical. done is set once both
// streamed probes have ended.
const probe = { done: false };
function probeShared(onShared) {
  const { createElement: h, createContext, Component } = React;
  const Ctx = createContext(null);
  const internals = React.__CLIENT_INTERNALS_DO_NOT_USE_OR_WARN_USERS_THEY_CANNOT_UPGRADE;
  const hookArgs = {
    readContext: [Ctx], use: [Ctx], useContext: [Ctx],
    useCallback: [() => {}, []], useMemo: [() => 0, []], useReducer: [(s) => s, 0],
    useRef: [null], useState: [0], useDeferredValue: [0], useOptimistic: [0],
    useSyncExternalStore: [() => () => {}, () => 0, () => 0], useActionState: [(s) => s, 0],
    useFormState: [(s) => s, 0], useMemoCache: [1], useEffectEvent: [() => {}],
    useImperativeHandle: [null, () => ({})], useEffect: [() => {}], useLayoutEffect: [() => {}],
    useInsertionEffect: [() => {}], useDebugValue: [0],
  };
  function probeRender(grab) {
    function Hooks(props, second) {
      grab(second);
      const H = internals && internals.H;
      grab(H);
      grab(internals && internals.A);
      for (const key of H ? Object.keys(H) : []) {
        try {
          const r = H[key](...(hookArgs[key] || []));
          if (Array.isArray(r)) r.forEach(grab);
          else grab(r);
        } catch {}
      }
      return null;
    }
    class Klass extends Component {
      render() {
        for (const k of Object.keys(this)) grab(this[k]);
        return null;
      }
    }
    return h(Ctx.Provider, { value: null }, h(Hooks), h(Klass));
  }
  const compare = (a, b) => {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const v = a[i];
      if (v === b[i] && ((typeof v === "object" && v !== null) || typeof v === "function")) onShared(v);
    }
  };
  // renderToString, twice
  const sync = [[], []];
  for (const run of sync) renderToString(probeRender((v) => run.push(v)));
  compare(sync[0], sync[1]);
  // the streaming renderer, twice: ends in the microtasks that follow
  const streamed = [[], []];
  const drain = (run) =>
    renderToReadableStream(probeRender((v) => run.push(v))).then(async (stream) => {
      const reader = stream.getReader();
      while (!(await reader.read()).done);
    });
  drain(streamed[0])
    .then(() => drain(streamed[1]))
    .then(() => {
      compare(streamed[0], streamed[1]);
      probe.done = true;
    });
}

// V8 itself adds to these as it makes each context from the snapshot (the
// features it installs at every context's start: Object.hasOwn,
// Array.prototype.findLast and its unscopables entry, the typed arrays'
// findLast, String.prototype.at, ...; found by freezing each in the
// snapshot: the next context failed to bootstrap), so the snapshot's
// lockdown leaves them to lockdownContext, which each context runs: a short
// walk, all else being frozen already.
const addedByV8 = () => [Object, Array.prototype, Array.prototype[Symbol.unscopables], String.prototype,
  Object.getPrototypeOf(Uint8Array).prototype];

hooks.lockdown = function () {
  const skip = new Set([globalThis, globalThis.process, globalThis.console, Error, ...addedByV8()]);
  // React's internals objects (`__CLIENT_INTERNALS_...`): sealed, not
  // frozen. Its renderers assign H (hooks dispatcher), A (async dispatcher)
  // and T (transition) around each piece of work, react-dom p (update
  // priority); nothing else.
  const internals = [];
  for (const m of Object.values(modules)) {
    for (const key of Object.keys(m)) {
      const v = m[key];
      if (/INTERNALS/.test(key) && typeof v === "object" && v !== null) {
        internals.push(v);
        skip.add(v);
      }
    }
  }
  for (const key of baseGlobals) {
    const d = Object.getOwnPropertyDescriptor(globalThis, key);
    if (d !== undefined) harden("value" in d ? d.value : [d.get, d.set], skip);
  }
  for (const key of Object.getOwnPropertyNames(Error)) {
    const d = Object.getOwnPropertyDescriptor(Error, key);
    if ("value" in d) harden(d.value, skip);
  }
  for (const o of hiddenIntrinsics()) harden(o, skip);
  for (const o of addedByV8()) prepareAdded(o, skip);
  harden(modules, skip);
  for (const o of internals) sealInternals(o, new Set(["H", "A", "T", "p"]));
  probeShared((v) => harden(v, skip));
  return "";
};
hooks.lockdownDone = () => (probe.done ? "1" : "");
hooks.lockdownContext = function () {
  const skip = new Set([globalThis, globalThis.process, globalThis.console, Error]);
  for (const o of addedByV8()) finishAdded(o, skip);
  return "";
};

// The hooks are C's alone from here on, and so are the natives: only the
// functions above (and the polyfills) hold them.
native.setHooks(hooks);
delete globalThis.__ssrd_native;
