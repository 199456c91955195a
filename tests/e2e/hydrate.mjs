// hydrate.mjs: loads a page of a running ssrd in headless Chromium (Debian's, driven by
// playwright-core), clicks the demo's counter and checks that React took over the server's
// HTML without a hydration mismatch. Prints one JSON line; exits 1 on any failure.
//   node tests/e2e/hydrate.mjs URL [--load-only]   (SSRD_JS_DIR: where js/package.json is)
// --load-only: no counter to click; the page must load and settle without errors.
// --wait SELECTOR: no counter either; SELECTOR must appear (its text is reported).
// --style SELECTOR PROPERTY (one or more): reports the computed style in "styles".
// --click SELECTOR (one or more): instead of the demo's counter, each SELECTOR is clicked
// until its text changes, then once more; "clicks" reports each one's texts.
import { createRequire } from "node:module";

const require = createRequire(`${process.env.SSRD_JS_DIR || new URL("../../js", import.meta.url).pathname}/package.json`);
const { chromium } = require("playwright-core");

const url = process.argv[2];
const loadOnly = process.argv.includes("--load-only");
const waitFor = process.argv.includes("--wait") ? process.argv[process.argv.indexOf("--wait") + 1] : null;
const clicks = process.argv.flatMap((a, i) => (a === "--click" ? [process.argv[i + 1]] : []));
const styles = process.argv.flatMap((a, i) => (a === "--style" ? [[process.argv[i + 1], process.argv[i + 2]]] : []));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const result = { url, errors: [], console: [] };
async function run() {
  const page = await browser.newPage();
  page.on("console", (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => result.errors.push(String(e)));
  page.on("response", (r) => {
    if (r.status() >= 400) result.errors.push(`${r.status()} ${r.url()}`);
  });
  const response = await page.goto(url, { waitUntil: "load" });
  result.status = response.status();
  if (styles.length > 0) {
    result.styles = {};
    for (const [sel, prop] of styles) {
      result.styles[`${sel} ${prop}`] = await page.$eval(sel, (e, p) => getComputedStyle(e).getPropertyValue(p), prop);
    }
  }
  if (waitFor) {
    await page.waitForSelector(waitFor, { timeout: 10000 });
    result.text = await page.textContent(waitFor);
    result.clicks_to_count = true;
    result.title = await page.title();
    return;
  }
  if (clicks.length > 0) {
    result.clicks = [];
    for (const sel of clicks) {
      const c = { selector: sel, before: await page.textContent(sel) };
      for (let i = 0; i < 50; i++) {
        await page.click(sel);
        c.after = await page.textContent(sel);
        if (c.after !== c.before) break;
        await page.waitForTimeout(100);
      }
      await page.click(sel);
      c.after_two = await page.textContent(sel);
      result.clicks.push(c);
    }
    result.clicks_to_count = result.clicks.every((c) => c.after !== c.before);
    result.title = await page.title();
    return;
  }
  if (loadOnly) {
    await page.waitForTimeout(1500); // streamed boundaries, hydration
    result.clicks_to_count = true;
    result.title = await page.title();
    return;
  }
  result.before = await page.textContent("#counter");
  // hydration is done when React has attached its listeners: click until it counts
  for (let i = 0; i < 50; i++) {
    await page.click("#counter");
    result.after = await page.textContent("#counter");
    if (result.after !== result.before) break;
    await page.waitForTimeout(100);
  }
  result.clicks_to_count = result.after !== result.before;
  await page.click("#counter");
  result.after_two = await page.textContent("#counter");
  result.title = await page.title();
}
try {
  await run();
} finally {
  await browser.close();
}
const mismatch = result.console.concat(result.errors).filter((l) => /hydrat|did not match|mismatch|error/i.test(l));
result.mismatch = mismatch;
console.log(JSON.stringify(result));
process.exit(result.status === 200 && result.clicks_to_count && mismatch.length === 0 ? 0 : 1);
