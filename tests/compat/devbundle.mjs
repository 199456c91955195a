// devbundle.mjs: rebuilds a site's browser bundle from the entry ssrd wrote for it
// (<cache>/sites/<hash>/client-entry.js), with the options ssrd gives esbuild
// (src/bundle_site.c, ssrd__bundle_get_client) but React's development build, so that a
// hydration failure that production React reports as "Minified React error #418" names the
// element and the attribute or text that differ. Every other package keeps its production
// build (process.env.NODE_ENV is "production" outside react, react-dom and scheduler): the
// markup the client renders is the one ssrd's own bundle renders.
//   node tests/compat/devbundle.mjs ENTRY OUT      (SSRD_JS_DIR: where js/package.json is)
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";

const jsDir = process.env.SSRD_JS_DIR || new URL("../../js", import.meta.url).pathname;
const require = createRequire(`${jsDir}/package.json`);
const esbuild = require("esbuild");
const [entry, outfile] = process.argv.slice(2);

const reactDev = {
  name: "react-development",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/].*\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replaceAll("process.env.NODE_ENV", '"development"'),
      loader: "js",
    }));
  },
};
const assets = Object.fromEntries(
  ["svg", "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "woff", "woff2", "ttf", "otf"].map((e) => [`.${e}`, "file"]),
);
// As ssrd does: a Node built-in the browser cannot resolve becomes an empty module,
// found by building again without it (and the site's CSS is not this bundle's).
const builtins = new Set(require("node:module").builtinModules);
const empty = {};
for (let pass = 0; pass < 4; pass++) {
  try {
    await build();
    break;
  } catch (e) {
    const missing = (e.errors || [])
      .map((m) => /Could not resolve "([^"]+)"/.exec(m.text))
      .filter((m) => m && builtins.has(m[1].replace(/^node:/, "").split("/")[0]) && !(m[1] in empty));
    if (missing.length === 0 || pass === 3) throw e;
    for (const m of missing) empty[m[1]] = "./client-empty.js";
  }
}

function build() {
  return esbuild.build({
  entryPoints: [entry],
  outfile,
  absWorkingDir: `${jsDir}/runtime`,
  bundle: true,
  format: "iife",
  target: "es2020",
  platform: "browser",
  define: { "process.env.NODE_ENV": '"production"' },
  jsx: "automatic",
  loader: { ".js": "jsx", ".css": "empty", ...assets },
  alias: { react: "react", "react-dom": "react-dom", ssrd: "./client-ssrd.js", next: "./next", ...empty },
  publicPath: "/_ssrd/",
  assetNames: "assets/[name].[hash]",
  logLevel: "silent",
  logLimit: 0,
  plugins: [reactDev],
  });
}
