// assets.mjs: the URL an imported image or font stands for, the one rule the reference renderer
// (loader.mjs) and ssrd must share. `import logo from "./logo.svg"` gives the string
//
//   /_ssrd/assets/<name>.<hash>.<ext>
//
// where <name> is the file's base name without its extension and <hash> esbuild's content hash
// of the file (its "file" loader with --asset-names=assets/[name].[hash] and --public-path=/_ssrd/,
// as ssrd builds every layer: src/bundle_site.c). The URL names the content, so ssrd serves it with
// immutable caching. The reference asks esbuild for the name (the same pinned version) rather
// than computing esbuild's hash itself.
import path from "node:path";

// The extensions whose imports become URLs (ssrd's list: ESBUILD_ASSETS in src/bundle_site.c).
export const assetExtensions = [".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico",
  ".woff", ".woff2", ".ttf", ".otf"];

// assetUrl(esbuild, file): the URL of the asset at absolute path `file`.
export async function assetUrl(esbuild, file) {
  const loader = Object.fromEntries(assetExtensions.map((e) => [e, "file"]));
  const out = await esbuild.build({
    stdin: { contents: `export { default } from ${JSON.stringify(file)};`, resolveDir: path.dirname(file) },
    bundle: true, write: false, format: "esm", outdir: "/nonexistent", loader,
    publicPath: "/_ssrd/", assetNames: "assets/[name].[hash]", logLevel: "silent",
  });
  const js = out.outputFiles.find((f) => f.path.endsWith(".js")).text;
  const m = js.match(/"(\/_ssrd\/assets\/[^"]+)"/);
  if (!m) throw new Error(`assets.mjs: esbuild gave no URL for ${file}`);
  return m[1];
}
