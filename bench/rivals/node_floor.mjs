// The same bytes from node:http with cluster (2 workers): the transport Node users run.
import cluster from "node:cluster";
import http from "node:http";
const port = Number(process.argv[2] || 8084);
const body = Buffer.from("<!DOCTYPE html><html><head></head><body><p>Hello from a tiny page</p></body></html>");
if (cluster.isPrimary) { for (let i = 0; i < 2; i++) cluster.fork(); }
else http.createServer((req, res) => { res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": body.length }); res.end(body); }).listen(port, "127.0.0.1");
