// The same bytes from Bun.serve, one of 2 processes sharing the port (reusePort).
const body = "<!DOCTYPE html><html><head></head><body><p>Hello from a tiny page</p></body></html>";
Bun.serve({ port: Number(process.argv[2] || 8085), hostname: "127.0.0.1", reusePort: true,
  fetch() { return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } }); } });
