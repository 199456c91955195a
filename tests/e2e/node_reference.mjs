#!/usr/bin/env node
// Independent reference renderer for ssrd, using Node.js and react-dom/server.
//
// Usage:
//   node tests/e2e/node_reference.mjs <site_dir> <page_file> <path> [params_json] [props_json]
//
//   site_dir     directory holding app/layout.jsx
//   page_file    page relative to site_dir, e.g. app/products/[id]/page.jsx
//   path         request path passed to the layout, e.g. /products/7
//   params_json  route params as a JSON object (default {})
//   props_json   request props as a JSON object (default {})
//
// Prints "<!DOCTYPE html>" followed by
//   renderToString(<Layout path={path}><Page {...props} params={params} /></Layout>)
// with no trailing newline. Exits non-zero with a message on stderr on error.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(here, "../../js/node_modules");

function fail(message) {
  process.stderr.write(`node_reference: ${message}\n`);
  process.exit(1);
}

// An error whose message is complete on its own (printed without a stack).
class ReportedError extends Error {}

function parseObject(text, what) {
  if (text === undefined || text === "") return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`${what} is not valid JSON: ${err.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${what} must be a JSON object`);
  }
  return value;
}

async function main(argv) {
  if (argv.length < 3 || argv.length > 5) {
    fail(
      "usage: node_reference.mjs <site_dir> <page_file> <path> [params_json] [props_json]",
    );
  }
  const [siteArg, pageArg, requestPath] = argv;
  const params = parseObject(argv[3], "params_json");
  const props = parseObject(argv[4], "props_json");

  const siteDir = path.resolve(siteArg);
  const layoutFile = path.join(siteDir, "app", "layout.jsx");
  const pageFile = path.resolve(siteDir, pageArg);
  if (!existsSync(layoutFile)) fail(`layout not found: ${layoutFile}`);
  if (!existsSync(pageFile)) fail(`page not found: ${pageFile}`);
  if (!existsSync(nodeModules)) fail(`node_modules not found: ${nodeModules}`);

  const esbuildEntry = path.join(nodeModules, "esbuild", "lib", "main.js");
  const esbuild = (await import(pathToFileURL(esbuildEntry).href)).default;

  // Generated entry: React, react-dom/server and the site are all bundled
  // together so that there is exactly one copy of React.
  const entry = `
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import Layout from ${JSON.stringify(layoutFile)};
import Page from ${JSON.stringify(pageFile)};

export function render(path, params, props) {
  const page = createElement(Page, { ...props, params });
  return renderToString(createElement(Layout, { path }, page));
}
`;

  // The bundle is imported from a temporary file (a data: URL would put the
  // whole bundle into every stack trace). Creating it before bundling lets
  // the inline source map use paths relative to its real location.
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "ssrd-node-ref-"));
  const bundleFile = path.join(tmpDir, "bundle.mjs");
  try {
    process.stdout.write(
      await bundleAndRender(esbuild, entry, siteDir, bundleFile, [
        requestPath,
        params,
        props,
      ]),
    );
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function bundleAndRender(esbuild, entry, siteDir, bundleFile, args) {
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents: entry, resolveDir: siteDir, loader: "js" },
      bundle: true,
      platform: "node",
      format: "esm",
      jsx: "automatic",
      write: false,
      outfile: bundleFile,
      // Inline source map so that stack traces point at the site's files.
      sourcemap: "inline",
      nodePaths: [nodeModules],
      define: { "process.env.NODE_ENV": '"production"' },
      // React's CommonJS files require() Node built-ins; give the ESM bundle
      // a require() to do that with.
      banner: {
        js: [
          `import { createRequire as __ssrdCreateRequire } from "node:module";`,
          `const require = __ssrdCreateRequire(${JSON.stringify(nodeModules + "/")});`,
        ].join("\n"),
      },
      logLevel: "silent",
    });
  } catch (err) {
    const messages = (err.errors || []).map(
      (e) =>
        (e.location
          ? `${path.resolve(e.location.file)}:${e.location.line}:${e.location.column}: `
          : "") + e.text,
    );
    throw new ReportedError(
      `bundling failed:\n  ${messages.length ? messages.join("\n  ") : err.message}`,
    );
  }

  process.setSourceMapsEnabled(true);
  writeFileSync(bundleFile, result.outputFiles[0].text);
  const mod = await import(pathToFileURL(bundleFile).href);
  return "<!DOCTYPE html>" + mod.render(...args);
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ReportedError) fail(err.message);
  fail(`render failed: ${err && err.stack ? err.stack : err}`);
});
