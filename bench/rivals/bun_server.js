// bun_server.js: what a Bun user runs instead of ssrd, as Bun's docs say: Bun.serve, one of the
// processes sharing the port (reusePort), renderToReadableStream of react-dom/server (Bun's own
// build of it, which React's package picks for Bun), the stream as the Response's body.
//   NODE_ENV=production bun bun_server.js PORT SITE_BUNDLE
import { renderToReadableStream } from "react-dom/server";

const [portArg, bundle] = process.argv.slice(2);
const site = await import(bundle);
const type = { "content-type": "text/html; charset=utf-8" };
Bun.serve({
  port: Number(portArg),
  hostname: "127.0.0.1",
  reusePort: true,
  async fetch(req) {
    const tree = site.page(new URL(req.url));
    if (tree === null) return new Response("not found", { status: 404, headers: type });
    return new Response(await renderToReadableStream(tree), { headers: type });
  },
});
