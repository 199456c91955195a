#!/usr/bin/env node
// reference.mjs: renders one route of a compat site the way Node.js 20 and react-dom/server do,
// as the yardstick ssrd's output is compared with (run.sh).
//
//   node tests/compat/reference.mjs --site DIR --page app/x/[id]/page.jsx --path /x/7
//        [--params JSON] [--props JSON] [--mode string|stream]
//
// Prints what ssrd renders for the route, with no trailing newline:
//   --mode string  "<!DOCTYPE html>" + renderToString(<Layout path={path}><Page {...props} params={params}/></Layout>)
//   --mode stream  renderToReadableStream of the same tree (no bootstrap scripts), the whole
//                  stream concatenated (React writes the doctype itself before an <html> root)
// Without app/layout.{jsx,tsx,js,ts} the page is the root.
//
// The site runs on Node's own module resolution and React's Node build from
// tests/compat/node_modules, not on ssrd's layers nor on any bundle: loader.mjs (module hooks)
// only transforms the site's own files with esbuild and resolves the imports a bundler allows
// and Node does not (extensionless, index files, tsconfig paths, JSON, images and fonts).
// Exits 1 with a message on stderr when the site fails to load or to render; an error React
// reports while streaming (a Suspense boundary that threw) fails it too.
import { existsSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// ssrd renders React's production build (it defines process.env.NODE_ENV so): so does this.
process.env.NODE_ENV = "production";

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`reference: ${message}\n`);
  process.exit(1);
}

function parseObject(text, what) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`${what} is not valid JSON: ${err.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(`${what} must be a JSON object`);
  return value;
}

function parseArgs(argv) {
  const opts = { params: "{}", props: "{}", mode: "string" };
  const names = { "--site": "site", "--page": "page", "--path": "path", "--params": "params", "--props": "props", "--mode": "mode" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) fail(`bad argument ${JSON.stringify(argv[i])}; usage: reference.mjs --site DIR --page FILE --path PATH [--params JSON] [--props JSON] [--mode string|stream]`);
    opts[key] = argv[i + 1];
  }
  for (const k of ["site", "page", "path"]) if (!opts[k]) fail(`--${k} is required`);
  if (opts.mode !== "string" && opts.mode !== "stream") fail(`--mode must be string or stream, not ${opts.mode}`);
  return opts;
}

function findEsbuild() {
  for (const dir of [path.join(here, "node_modules"), path.join(here, "../../js/node_modules")]) {
    const main = path.join(dir, "esbuild", "lib", "main.js");
    if (existsSync(main)) return main;
  }
  fail("esbuild not found in tests/compat/node_modules (run npm ci in tests/compat, or bash tools/deps.sh)");
}

async function streamToString(stream) {
  const decoder = new TextDecoder();
  let out = "";
  for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  return out + decoder.decode();
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const siteDir = path.resolve(opts.site);
  const pageFile = path.resolve(siteDir, opts.page);
  const params = parseObject(opts.params, "--params");
  const props = parseObject(opts.props, "--props");
  if (!existsSync(path.join(siteDir, "app"))) fail(`not a site (no app/): ${siteDir}`);
  if (!existsSync(pageFile)) fail(`page not found: ${pageFile}`);
  if (!existsSync(path.join(here, "node_modules", "react-dom"))) fail("tests/compat/node_modules is missing: run bash tools/deps.sh");
  const layoutFile = ["jsx", "tsx", "js", "ts"].map((e) => path.join(siteDir, "app", "layout." + e)).find(existsSync);

  process.setSourceMapsEnabled(true);
  register("./loader.mjs", import.meta.url, { data: { siteDir, esbuild: findEsbuild() } });

  // React from tests/compat/node_modules: the same files the site's imports find walking up
  // from sites/<name>/, so the site and this renderer share one instance.
  const { createElement } = await import("react");
  const server = await import("react-dom/server");
  const Layout = layoutFile ? (await import(pathToFileURL(layoutFile).href)).default : null;
  const Page = (await import(pathToFileURL(pageFile).href)).default;
  if (typeof Page !== "function" && typeof Page !== "object") fail(`${opts.page} has no default export to render`);

  const page = createElement(Page, { ...props, params });
  const tree = Layout ? createElement(Layout, { path: opts.path }, page) : page;
  if (opts.mode === "string") return "<!DOCTYPE html>" + server.renderToString(tree);

  const errors = [];
  const stream = await server.renderToReadableStream(tree, {
    onError(error) {
      errors.push(error);
    },
  });
  const html = await streamToString(stream);
  if (errors.length) throw errors[0];
  return html;
}

// Node exits when its event loop is empty, and some of what a render waits on does not hold
// the loop (AbortSignal.timeout's timer is unref'd): an interval holds it until the render ends,
// and one that never ends is a failure, not an empty page with exit 0.
const keepAlive = setInterval(() => {}, 1000);
process.on("exit", (code) => {
  if (code === 0 && !finished) {
    process.stderr.write("reference: the render never finished\n");
    process.exitCode = 1;
  }
});
let finished = false;
main().finally(() => {
  finished = true;
  clearInterval(keepAlive);
}).then(
  // Exits at once: the module hooks' thread and esbuild's service would hold the process a while.
  (html) => process.stdout.write(html, () => process.exit(0)),
  (err) => fail(`render failed: ${err && err.stack ? err.stack : err}`),
);
