// client-main.js: the browser's start. The site's client bundle (its entry is
// written by bundle_site.c) imports every segment's files and a loader per
// page, and calls start(): it builds the tree the server rendered, with the
// same code (tree.js), from what the server embedded in window.__SSRD__, and
// hydrates the document with it.
import { createRoot, hydrateRoot } from "react-dom/client";
import { jsx } from "react/jsx-runtime";
import { awaitable, chainOf, composeTree } from "./tree.js";

export function start(segments, pages) {
  const d = window.__SSRD__;
  const load = d && pages[d.page];
  const Page = load && load();
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
