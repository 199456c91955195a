// hydrate.mjs: loads every route of one compat site from a running `ssrd serve` in headless
// Chromium (Debian's, driven by playwright-core, as tests/e2e/hydrate.mjs does) and checks
// that React took the server's HTML over: status 200, React attached to the page, no
// hydration mismatch or React error in the console, no uncaught error; then works the site's
// interactive component (INTERACTIONS below) and checks that it answers. One Chromium for all
// of the site's pages. Prints one line per check, "ok<TAB>path<TAB>what" or
// "fail<TAB>path<TAB>what", for hydrate.sh; with --dev-bundle, "dev<TAB>path<TAB>messages" (the
// page's errors and warnings in full, as JSON: a diagnosis) instead.
//   node tests/compat/hydrate.mjs --url http://127.0.0.1:PORT --site DIR [--dev-bundle FILE] [PATH...]
// --dev-bundle FILE: the page gets FILE instead of /_ssrd/client-<hash>.js (devbundle.mjs
// builds it with React's development build, whose messages name what differs).
// PATH...: only these routes of routes.json.
// Props: over HTTP a page gets only the query string (props.query) and its route params, so
// a route whose routes.json gives it other props is loaded with its defaults (the line says so).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const require = createRequire(`${process.env.SSRD_JS_DIR || new URL("../../js", import.meta.url).pathname}/package.json`);
const { chromium } = require("playwright-core");

// Per site, one component that must answer after hydration: on `path`, `click` the selector
// (again, until it answers or 5 s pass: a click before React attached its listeners does
// nothing), then `expect` must match (`text`: its text content is that; else it exists).
const INTERACTIONS = {
  // Each is a component added for this check, but reactdom's radix Tabs (ids from useId: no
  // id to select it by, so its text).
  styled: { path: "/", click: "#clicks", expect: "#clicks", text: "Clicked 1 time" },
  emotion: { path: "/", click: "#likes", expect: "#likes", text: "1 like" },
  mui: { path: "/", click: "#follow", expect: "#follow", text: "Following" },
  markdown: { path: "/docs/tasks", click: "#done", expect: "#done", text: "1 done" },
  intl: { path: "/de", click: "#visits", expect: "#visits", text: "1 Besuch" },
  query: { path: "/", click: "#refetch", expect: "#fetched", text: "fetched 2 times" },
  dates: { path: "/events/launch", click: "#next-day", expect: "#day", text: "Dienstag, 2. Juli 2024" },
  reactdom: {
    path: "/settings/password",
    click: 'button[role=tab]:has-text("Account")',
    expect: "button[role=tab][data-state=active]",
    text: "Account",
  },
  imports: { path: "/", click: "#more", expect: "#more", text: "2 items" },
};

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : null);
const base = opt("--url");
const siteDir = opt("--site");
const devBundle = opt("--dev-bundle");
const only = args;
const site = basename(siteDir);
const routes = JSON.parse(readFileSync(`${siteDir}/routes.json`, "utf8")).filter(
  (r) => only.length === 0 || only.includes(r.path),
);
const interaction = INTERACTIONS[site];

// What counts as React failing to hydrate, or the page failing: React's own reports (production
// builds give only "Minified React error #418" and the like, development ones the rest).
const REACT_ERROR = /Hydration failed|did not match|hydrat|Minified React error|react\.dev\/errors/i;

function line(ok, path, what) {
  console.log(`${ok ? "ok" : "fail"}\t${path}\t${what.replace(/\s+/g, " ").slice(0, 700)}`);
}

// Whether React has attached to the document: hydrated elements carry React's fiber.
function reactAttached() {
  const els = document.body ? document.body.querySelectorAll("*") : [];
  for (const el of els) if (Object.keys(el).some((k) => k.startsWith("__reactFiber$"))) return true;
  return false;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
// The server renders in UTC (run.sh's TZ=UTC, date-fns formats in the local time zone) and
// en-US: so does the browser.
const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US" });
if (devBundle) {
  await context.route(/\/_ssrd\/client-[0-9a-f]+\.js$/, (route) =>
    route.fulfill({ contentType: "text/javascript", body: readFileSync(devBundle) }),
  );
}

async function load(route) {
  const page = await context.newPage();
  const seen = { console: [], errors: [], failed: [] };
  page.on("console", (m) => seen.console.push({ type: m.type(), text: m.text() }));
  page.on("pageerror", (e) =>
    seen.errors.push(devBundle ? String(e.message || e) : String(e.stack || e).split("\n").slice(0, 3).join(" | ")),
  );
  page.on("response", (r) => {
    if (r.status() >= 400) seen.failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  // a request that got no response Chromium could use (a stylesheet served as text/plain)
  page.on("requestfailed", (r) => seen.failed.push(`${r.failure()?.errorText || "failed"} ${new URL(r.url()).pathname}`));
  let status = 0;
  let attached = false;
  try {
    const response = await page.goto(base + route.path, { waitUntil: "load", timeout: 15000 });
    status = response.status();
    attached = status === 200 && await page
      .waitForFunction(reactAttached, null, { timeout: 10000, polling: 50 })
      .then(() => true, () => false);
    // streamed boundaries, effects and the errors React reports after its commit
    await page.waitForTimeout(400);
  } catch (e) {
    seen.errors.push(`loading failed: ${String(e.message || e).split("\n")[0]}`);
  }
  const scripts = status === 200
    ? await page.$$eval("script[src]", (els) => els.map((e) => e.getAttribute("src")).filter((u) => u.startsWith("/_ssrd/")))
    : [];
  return { page, seen, status, attached, scripts };
}

function verdict(route, r) {
  const { seen } = r;
  const reactErrors = seen.console
    .filter((m) => (m.type === "error" || m.type === "warning") && REACT_ERROR.test(m.text))
    .map((m) => m.text);
  // other console errors, but not those about the files a page names that the sites do not have
  // (reactdom's preloaded fonts and styles, a favicon): their 404s are listed in seen.failed
  const missingFile = (text) =>
    /^Failed to load resource/.test(text) ||
    seen.failed.some((f) => !/ \/_ssrd\//.test(f) && text.includes(`${base}${f.slice(f.indexOf(" ") + 1)}`));
  const otherErrors = seen.console
    .filter((m) => m.type === "error" && !REACT_ERROR.test(m.text) && !missingFile(m.text))
    .map((m) => m.text);
  // ssrd's own URLs must all load
  const missing = seen.failed.filter((f) => / \/_ssrd\//.test(f));
  const problems = [];
  if (r.status !== 200) problems.push(`status ${r.status}`);
  // A route that says `export const hydrate = false` (routes.json: "hydrate": false) must come
  // without ssrd's bundle, and React must not attach; any other must hydrate.
  if (route.hydrate === false) {
    if (r.scripts.length) problems.push(`a server-only page loaded ssrd's bundle: ${r.scripts.join(", ")}`);
    if (r.attached) problems.push("React attached to a server-only page");
  } else if (r.status === 200 && !r.attached) problems.push("React never attached to the page (not hydrated in 10 s)");
  for (const e of seen.errors) problems.push(`pageerror: ${e}`);
  for (const e of reactErrors) problems.push(`console: ${e}`);
  for (const e of otherErrors) problems.push(`console error: ${e}`);
  for (const f of missing) problems.push(`ssrd URL failed: ${f}`);
  return problems;
}

function propsNote(route) {
  const given = Object.keys(route.props || {});
  return given.length ? ` (routes.json's props ${given.join(", ")} are not given: HTTP gives only the query)` : "";
}

async function interact(page) {
  const { click, expect, text } = interaction;
  let got = null;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await page.click(click, { timeout: 2000 });
    await page.waitForTimeout(150);
    const el = await page.$(expect);
    got = el ? (await el.textContent()).trim() : null;
    if (el && (text === undefined || got === text)) return { ok: true, got };
  }
  return { ok: false, got };
}

try {
  for (const route of routes) {
    const r = await load(route);
    if (devBundle) {
      // a diagnosis: everything the page said, React's development messages first
      const all = r.seen.errors.map((e) => `pageerror: ${e}`).concat(
        r.seen.console.filter((m) => m.type === "error" || m.type === "warning").map((m) => `${m.type}: ${m.text}`),
      );
      console.log(`dev\t${route.path}\t${JSON.stringify(all)}`);
      await r.page.close();
      continue;
    }
    const problems = verdict(route, r);
    const what = `${site} ${route.path}`;
    // the path field names a page that loaded but did not hydrate cleanly: hydrate.sh loads it
    // again with React's development build (a page that did not load has nothing to hydrate)
    const diagnose = r.status === 200 ? route.path : "-";
    if (problems.length === 0) {
      line(true, route.path, route.hydrate === false
        ? `${what}: 200, server-only (export const hydrate = false): no bundle, no React in the page, no error`
        : `${what}: 200, hydrated, no React error${propsNote(route)}`);
    }
    else line(false, diagnose, `${what}: ${problems.join("; ")}`);
    if (interaction && interaction.path === route.path) {
      const label = `${site} ${route.path}: after hydration, clicking ${interaction.click} gives ${interaction.expect}${interaction.text ? ` "${interaction.text}"` : ""}`;
      if (r.status !== 200) line(false, "-", `${label}: the page did not load (status ${r.status})`);
      else {
        const before = await r.page.$eval(interaction.expect, (e) => e.textContent.trim()).catch(() => null);
        const res = await interact(r.page).catch((e) => ({ ok: false, got: `error: ${String(e.message || e).split("\n")[0]}` }));
        const newErrors = verdict(route, r).length - problems.length;
        if (res.ok && newErrors === 0) line(true, route.path, `${label} (was ${JSON.stringify(before)})`);
        else line(false, route.path, `${label}: got ${JSON.stringify(res.got)} (was ${JSON.stringify(before)})${newErrors ? `; ${newErrors} more errors` : ""}`);
      }
    }
    await r.page.close();
  }
  if (interaction && !devBundle && !routes.some((r) => r.path === interaction.path) && only.length === 0)
    line(false, interaction.path, `${site}: the interactive check's route ${interaction.path} is not in routes.json`);
} finally {
  await browser.close();
}
