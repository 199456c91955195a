// webapis_node.mjs: runs the web API and Node module checks in Node 20, as
// tests/e2e/webapis.sh runs them in ssrd, and prints their results as JSON:
// {"web": {"sync": ..., "async": ...}, "node": {"sync": ..., "async": ...}}.
// The case files are ES modules named .js in sites without a package.json,
// so they are copied to .mjs files first.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const src = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "ssrd-webapis-"));
try {
  copyFileSync(join(src, "compat/sites/webapis/components/cases.js"), join(dir, "cases.mjs"));
  copyFileSync(join(src, "fixtures/nodesite/components/nodecases.js"), join(dir, "nodecases.mjs"));
  const web = await import(pathToFileURL(join(dir, "cases.mjs")));
  const node = await import(pathToFileURL(join(dir, "nodecases.mjs")));
  // AbortSignal.timeout's timer does not keep Node's loop alive: this does.
  const keepAlive = setInterval(() => {}, 1000);
  // Run as a page's render runs: from inside a macrotask.
  await new Promise((r) => setTimeout(r, 0));
  const out = {
    web: { sync: web.syncCases(), async: await web.asyncCases() },
    node: { sync: node.syncNodeCases(), async: await node.asyncNodeCases() },
  };
  clearInterval(keepAlive);
  process.stdout.write(JSON.stringify(out));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
