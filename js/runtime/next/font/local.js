// next/font/local for sites written for Next.js: the className, style and
// variable Next's returns. The font files are the site's: declare them with
// @font-face in a stylesheet (ssrd does not generate it).
import { font } from "./google.js";

export default function localFont(options = {}) {
  const src = Array.isArray(options.src) ? options.src[0].path : options.src || "local";
  const name = String(src).split("/").pop().replace(/\.[a-z0-9]+$/i, "");
  return font(options.variable ? options.variable.replace(/^--/, "") : name, options);
}
