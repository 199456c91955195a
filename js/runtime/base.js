// base.js: the React base layer. Bundled once per process by esbuild into an
// IIFE; every worker context evaluates it first. It exposes React to the site
// bundle through `require` (the site bundle keeps react external) and gives C
// one entry point: globalThis.__ssrd_render.
import "./polyfills.js";
import React from "react";
import jsxRuntime from "react/jsx-runtime";
import ReactDOMServer from "react-dom/server.browser";

const modules = {
  react: React,
  "react/jsx-runtime": jsxRuntime,
  "react/jsx-dev-runtime": jsxRuntime,
  "react-dom/server": ReactDOMServer,
  "react-dom/server.browser": ReactDOMServer,
};

globalThis.require = function require(name) {
  const m = modules[name];
  if (m === undefined) {
    throw new Error(`ssrd: module "${name}" is not provided to pages (available: ${Object.keys(modules).join(", ")})`);
  }
  return m;
};

// A props string that is not a JSON object. The C side maps this name to bad_props.
class BadPropsError extends Error {
  constructor(message) {
    super(message);
    this.name = "BadPropsError";
  }
}

let site = null; // { layout, pages: { [pageKey]: Component } }

// Called by the site bundle when it is evaluated.
globalThis.__ssrd_register_site = function (layout, pages) {
  site = { layout, pages };
};

function parseObject(text, what) {
  if (text === undefined || text === "") return {};
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadPropsError(`${what} are not valid JSON: ${e.message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new BadPropsError(`${what} must be a JSON object, not ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
  }
  return v;
}

const { jsx } = jsxRuntime;
const { renderToString } = ReactDOMServer;

// Renders a small tree that walks React's common server paths (host elements,
// attributes, styles, text, lists with keys, function components, context,
// fragments, memo). The snapshot maker calls it so that the snapshot carries
// React's render code already compiled: a new worker's first page skips that.
// Pure and deterministic: the snapshot's bytes must not depend on when it ran.
globalThis.__ssrd_warmup = function () {
  const { createElement: h, createContext, useContext, Fragment, memo } = React;
  const Ctx = createContext("warm");
  const Leaf = memo(function Leaf({ i }) {
    const v = useContext(Ctx);
    return h("td", { className: "c" + i, "data-i": i, style: { width: i + 1 } }, v, " ", i);
  });
  function Row({ i }) {
    return h("tr", { key: i }, h(Leaf, { i }), h("td", null, i % 2 ? h("b", null, "odd") : null));
  }
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push(h(Row, { key: i, i }));
  const tree = h(Ctx.Provider, { value: "hot" },
    h("html", { lang: "en" }, h("head", null, h("title", null, "w")),
      h("body", null, h(Fragment, null, h("a", { href: "/x?y=1&z=<2>" }, "link"),
        h("table", null, h("tbody", null, rows))))));
  let n = 0;
  for (let k = 0; k < 3; k++) n += renderToString(tree).length;
  return n;
};

// Renders one page inside the site's layout and returns the whole document.
globalThis.__ssrd_render = function (pageKey, path, paramsJson, propsJson) {
  if (site === null) throw new Error("ssrd: no site bundle has been evaluated in this context");
  const Page = site.pages[pageKey];
  if (Page === undefined) throw new Error(`ssrd: the site bundle has no page "${pageKey}"`);
  const props = parseObject(propsJson, "props");
  props.params = parseObject(paramsJson, "route params");
  const page = jsx(Page, props);
  return "<!DOCTYPE html>" + renderToString(site.layout ? jsx(site.layout, { path, children: page }) : page);
};
