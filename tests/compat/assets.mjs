// assets.mjs: the URL an imported image or font stands for, the one rule the reference renderer
// (loader.mjs) and ssrd must share. `import logo from "./logo.svg"` gives the string
//
//   /_ssrd/assets/<name>.<hash>.<ext>
//
// where <name> is the file's base name without its extension, <hash> the first 16 hex digits of
// the SHA-256 of the file's bytes, and <ext> its extension without the dot, as it was spelled:
// components/logo.svg holding "<svg/>" is /_ssrd/assets/logo.1a2b3c4d5e6f7a8b.svg. The URL names
// the content, so a server may send it with immutable caching; two files with the same bytes and
// name share it.
import { createHash } from "node:crypto";
import path from "node:path";

// The extensions whose imports become URLs.
export const assetExtensions = [".svg", ".png", ".jpg", ".webp", ".woff2"];

// assetUrl(file, bytes): the URL of the asset at path `file` whose contents are `bytes` (a Buffer).
export function assetUrl(file, bytes) {
  const ext = path.extname(file);
  const name = path.basename(file, ext);
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  return `/_ssrd/assets/${name}.${hash}.${ext.slice(1)}`;
}
