// node_loop.mjs: the in-process render loop in Node.js 20 with its own React (no server):
// renderToString of one page, then its UTF-8 bytes (what res.end needs too), N times after W.
//   NODE_ENV=production node node_loop.mjs SITE_BUNDLE PATH N W
// Prints the median ms per render.
import { renderToString } from "react-dom/server";
import { pathToFileURL } from "node:url";

const [bundle, path, n, w] = process.argv.slice(2);
const site = await import(pathToFileURL(bundle).href);
const url = new URL(path, "http://localhost");
const times = [];
for (let i = -Number(w); i < Number(n); i++) {
  const t0 = performance.now();
  Buffer.from("<!DOCTYPE html>" + renderToString(site.page(url)));
  if (i >= 0) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(times[times.length >> 1].toFixed(4));
