// node_server.mjs: what a Node.js 20 user runs instead of ssrd, as React's and Node's docs say:
// node:http + node:cluster (one worker per core given), React's Node build of react-dom/server.
//   NODE_ENV=production node node_server.mjs PORT WORKERS MODE SITE_BUNDLE
// MODE string: renderToString for a page (res.end of "<!DOCTYPE html>" + the HTML, sized);
//              a page that suspends (site.streams) with renderToPipeableStream, which it needs
// MODE pipe:   renderToPipeableStream for every page, piped at onShellReady (React's docs)
// SITE_BUNDLE: the suite's bundle of the same page components (bench/suite.sh builds it with
// esbuild, React left external, so that Node resolves its own React from node_modules).
import cluster from "node:cluster";
import http from "node:http";
import { pathToFileURL } from "node:url";

const [portArg, workersArg, mode, bundle] = process.argv.slice(2);
const workers = Number(workersArg || 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (w, code) => {
    console.error(`node_server: worker ${w.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  const { renderToString, renderToPipeableStream } = await import("react-dom/server");
  const site = await import(pathToFileURL(bundle).href);
  const type = { "content-type": "text/html; charset=utf-8" };
  http
    .createServer((req, res) => {
      const url = new URL(req.url, "http://localhost");
      const tree = site.page(url);
      if (tree === null) {
        res.writeHead(404, type);
        return res.end("not found");
      }
      if (mode === "string" && !site.streams(url)) {
        res.writeHead(200, type);
        return res.end("<!DOCTYPE html>" + renderToString(tree));
      }
      const { pipe } = renderToPipeableStream(tree, {
        onShellReady() {
          res.writeHead(200, type);
          pipe(res);
        },
        onShellError(error) {
          res.writeHead(500, type);
          res.end(String(error));
        },
      });
    })
    .listen(Number(portArg), "127.0.0.1");
}
