// client-main.js: the browser's start. The site's client bundle (its entry is
// written by bundle_site.c) imports every segment's files and a loader per
// page, and calls start(): it builds the tree the server rendered, with the
// same code (tree.js), from what the server embedded in window.__SSRD__, and
// hydrates the document with it.
import { createRoot, hydrateRoot } from "react-dom/client";
import { jsx } from "react/jsx-runtime";
import { islandProps } from "./islands.js";
import { awaitable, chainOf, composeTree, RouteContext } from "./tree.js";

// A site with "use client" files: each <ssrd-island> the server rendered is
// hydrated on its own with the props it carries (islands.js); the rest of
// the page is the server's HTML, left as it is. clients: a loader per
// "use client" file, by key.
export function startIslands(clients) {
  const d = window.__SSRD__ || {};
  const p = d.props || {};
  const route = { path: d.path || window.location.pathname, params: p.params || {}, query: p.query || {} };
  for (const el of document.querySelectorAll("ssrd-island")) {
    const id = el.dataset.c || "";
    const at = id.lastIndexOf("#");
    const load = clients[id.slice(0, at)];
    const C = load && load()[id.slice(at + 1)];
    if (C === undefined) {
      console.error(`ssrd: no client component ${id} in the browser's bundle`);
      continue;
    }
    hydrateRoot(el, jsx(RouteContext.Provider, { value: route, children: jsx(C, islandProps(el)) }));
  }
}

export function start(segments, pages) {
  const d = window.__SSRD__;
  const load = d && pages[d.page];
  const mod = load && load();
  const Page = mod && mod.default;
  if (!Page) return;
  const params = (d.props && d.props.params) || {};
  const query = (d.props && d.props.query) || {};
  const props = { ...d.props, params: awaitable(params), searchParams: awaitable(query) };
  const s = d.state || {};
  // a segment the server showed in error: the same error object (the
  // message the server gave it, not the server's own)
  const state = s.errorAt !== undefined ? { errorAt: s.errorAt, error: Object.assign(new Error(s.message), { digest: s.digest }) } : s;
  const tree = composeTree(chainOf(segments, d.page), jsx(Page, props), { path: d.path, params, query }, state, d.meta || null);
  // A page the server could not render (d.fallback) is rendered here from
  // scratch; any other is hydrated.
  if (d.fallback) createRoot(document).render(tree);
  else hydrateRoot(document, tree);
}
