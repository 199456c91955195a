// tree.js: how a route's page is wrapped by the segments above it, as
// Next.js's App Router nests them. The server (base.js) and the browser (the
// site's client bundle, bundle_site.c) build the same tree from the same
// code, so that what the browser hydrates is what the server sent.
//
// Per segment, outermost first: <Layout> <Template> <ErrorBoundary error.jsx>
// <Suspense loading.jsx> <NotFoundBoundary not-found.jsx> children, where
// children is the next segment's layout, or the page.
import React from "react";
import { Metadata } from "./metadata.js";
import { el, reloadReset } from "./islands.js";

const { createElement: h, createContext, Component, Fragment, Suspense, useContext } = React;

// What notFound() throws; Next.js 15's digest, so that code testing for
// Next's own error (isNotFoundError, the digest) agrees.
const NOT_FOUND = "NEXT_HTTP_ERROR_FALLBACK;404";
export function notFound() {
  const e = new Error(NOT_FOUND);
  e.digest = NOT_FOUND;
  throw e;
}
export const isNotFound = (e) =>
  e != null && typeof e === "object" && (e.digest === NOT_FOUND || e.digest === "NEXT_NOT_FOUND");

// The request, for next/navigation's hooks (usePathname, useParams, ...).
export const RouteContext = createContext({ path: "/", params: {}, query: {} });
export const useRoute = () => useContext(RouteContext);

// "app/(shop)/cart/[id]/page.jsx" -> ["app", "app/(shop)", "app/(shop)/cart", "app/(shop)/cart/[id]"]
export function segmentDirs(pageKey) {
  const parts = pageKey.split("/");
  parts.pop();
  const dirs = [];
  for (let i = 1; i <= parts.length; i++) dirs.push(parts.slice(0, i).join("/"));
  return dirs;
}

// The params a segment's layout gets: those of the dynamic directories at
// and above it, as Next.js gives them.
function layoutParams(dir, params) {
  const out = {};
  for (const part of dir.split("/")) {
    const m = /^\[{1,2}(?:\.\.\.)?([A-Za-z_][A-Za-z0-9_]*)\]{1,2}$/.exec(part);
    if (m && Object.prototype.hasOwnProperty.call(params, m[1])) out[m[1]] = params[m[1]];
  }
  return out;
}

// Next.js 15 gives params and searchParams as promises that also carry the
// values (sync access, as Next 14 code does): both kinds of page work.
export function awaitable(values) {
  return Object.assign(Promise.resolve(values), values);
}

// error.jsx in the browser: React's error boundary, with reset(). On the
// server React runs no boundaries: a render that fails before its shell is
// made again with `initial` set (the segment in error), see base.js.
export class ErrorBoundary extends Component {
  constructor(props) {
    super(props);
    // an error the server showed: a reload is the retry
    this.state = { error: props.initial || null, fromServer: !!props.initial };
    this.reset = () => this.setState({ error: null, fromServer: false });
  }
  static getDerivedStateFromError(error) {
    return { error, fromServer: false };
  }
  render() {
    const { error, fromServer } = this.state;
    if (error === null) return this.props.children;
    if (isNotFound(error)) throw error; // for the not-found boundary above
    return el(this.props.fallback, { error, reset: fromServer ? reloadReset : this.reset });
  }
}

// not-found.jsx: what a segment shows when notFound() is called below it.
export class NotFoundBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { notFound: !!props.initial };
  }
  static getDerivedStateFromError(error) {
    if (!isNotFound(error)) throw error;
    return { notFound: true };
  }
  render() {
    return this.state.notFound ? el(this.props.fallback, {}) : this.props.children;
  }
}

const def = (m) => (m && m.default !== undefined ? m.default : m);

// The page element wrapped by its segments. segs: segment objects
// ({ dir, layout, template, error, loading, notFound }, module namespaces)
// outermost first; state: { errorAt, error, notFoundAt } for a segment
// shown in error or not found; tags: the route's metadata (metadata.js's
// metadataTags), or null.
export function composeTree(segs, page, route, state, tags) {
  // the metadata goes right inside the root layout, outside every
  // boundary: a segment shown in its error file keeps the head
  const withTags = (n) => (tags ? h(Fragment, null, h(Metadata, { tags }), n) : n);
  let node = segs.length === 0 ? withTags(page) : page;
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i];
    if (s.notFound) node = h(NotFoundBoundary, { fallback: def(s.notFound), initial: state.notFoundAt === s.dir }, node);
    if (s.loading) node = h(Suspense, { fallback: el(def(s.loading), {}) }, node);
    if (s.error) {
      const initial = state.errorAt === s.dir ? state.error : null;
      node = h(ErrorBoundary, { fallback: def(s.error), initial }, node);
    }
    if (s.template) node = el(def(s.template), { children: node });
    if (i === 0) node = withTags(node);
    if (s.layout) {
      const params = layoutParams(s.dir, route.params);
      node = el(def(s.layout), { path: route.path, params: awaitable(params), children: node });
    }
  }
  return h(RouteContext.Provider, { value: route }, node);
}

// The segments of pageKey's chain that registry (dir -> segment) holds.
export function chainOf(registry, pageKey) {
  const segs = [];
  for (const dir of segmentDirs(pageKey)) {
    if (registry[dir] !== undefined) segs.push({ dir, ...registry[dir] });
  }
  return segs;
}
