// metadata.js: Next.js's Metadata API. `export const metadata` and
// `export async function generateMetadata({ params, searchParams }, parent)`
// of each layout from the root down and of the page, merged as Next.js merges
// them (each key of a deeper level replaces the one above; a title string is
// put in the nearest template above it), and rendered as <title>, <meta> and
// <link> elements that React 19 hoists into <head>. The server resolves it
// (base.js) and sends the result to the browser, which renders the same
// elements (client-main.js) so that hydration matches.
import React from "react";

const { createElement: h, Fragment } = React;

const has = (o, k) => o != null && Object.prototype.hasOwnProperty.call(o, k);

// Whether any level says something: without metadata nothing is added, so a
// site that writes its own <head> renders as before.
export function wantsMetadata(levels) {
  return levels.some((m) => m != null && (has(m, "metadata") || has(m, "generateMetadata") || has(m, "viewport")));
}

// Merges the levels' metadata (module namespaces, outermost first). Returns
// the merged object, or a promise of it when a level generates its own.
export function resolveMetadata(levels, props) {
  let merged = {};
  let template = null;
  const step = (m, own) => {
    const next = { ...merged, ...own };
    const t = own.title;
    if (t !== undefined) {
      if (typeof t === "string") next.title = template ? template.replace("%s", t) : t;
      else if (t && typeof t === "object") {
        const text = t.absolute !== undefined ? t.absolute : t.default;
        next.title = t.absolute === undefined && template && text !== undefined ? template.replace("%s", text) : text;
      }
      // a template applies to the levels below, until one sets its own
      if (t && typeof t === "object" && typeof t.template === "string") template = t.template;
    }
    if (has(m, "viewport") && m.viewport) next.viewport = m.viewport;
    merged = next;
  };
  const own = (m) => (has(m, "metadata") && m.metadata ? m.metadata : {});
  let chain = null; // set once a level generates: the rest waits for it
  for (const m of levels) {
    if (m == null) continue;
    if (chain === null && !has(m, "generateMetadata")) {
      step(m, own(m));
      continue;
    }
    const parent = () => Promise.resolve(merged);
    chain = (chain || Promise.resolve()).then(() =>
      has(m, "generateMetadata")
        ? Promise.resolve(m.generateMetadata({ params: props.params, searchParams: props.searchParams }, parent())).then((g) => step(m, g || {}))
        : step(m, own(m)),
    );
  }
  return chain === null ? merged : chain.then(() => merged);
}

const str = (v) => (v === undefined || v === null ? undefined : String(v));
const list = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function viewportContent(v) {
  if (typeof v === "string") return v;
  const names = { width: "width", height: "height", initialScale: "initial-scale", minimumScale: "minimum-scale",
    maximumScale: "maximum-scale", userScalable: "user-scalable", viewportFit: "viewport-fit" };
  return Object.entries(v)
    .filter(([k]) => names[k] !== undefined)
    .map(([k, x]) => `${names[k]}=${typeof x === "boolean" ? (x ? "yes" : "no") : x}`)
    .join(", ");
}

function robotsContent(r) {
  if (typeof r === "string") return r;
  const out = [];
  if (r.index !== undefined) out.push(r.index ? "index" : "noindex");
  if (r.follow !== undefined) out.push(r.follow ? "follow" : "nofollow");
  for (const k of ["noarchive", "nosnippet", "noimageindex", "nocache"]) if (r[k]) out.push(k);
  return out.join(", ");
}

// The merged metadata as plain data: a list of [tag, props] in the order
// Next.js writes them, for the server's render and for the browser's.
export function metadataTags(md) {
  const tags = [["meta", { charSet: "utf-8" }]];
  const vp = md.viewport !== undefined ? md.viewport : { width: "device-width", initialScale: 1 };
  tags.push(["meta", { name: "viewport", content: viewportContent(vp) }]);
  if (typeof vp === "object" && vp && vp.themeColor !== undefined) tags.push(["meta", { name: "theme-color", content: str(vp.themeColor) }]);
  if (md.title !== undefined && md.title !== null) tags.push(["title", { children: String(md.title) }]);
  const meta = (name, content) => content !== undefined && tags.push(["meta", { name, content: str(content) }]);
  meta("description", md.description);
  meta("application-name", md.applicationName);
  if (md.keywords !== undefined) meta("keywords", list(md.keywords).join(","));
  if (md.robots !== undefined && md.robots !== null) meta("robots", robotsContent(md.robots));
  if (md.alternates && md.alternates.canonical !== undefined) tags.push(["link", { rel: "canonical", href: str(md.alternates.canonical) }]);
  const og = md.openGraph;
  if (og) {
    const prop = (p, v) => v !== undefined && tags.push(["meta", { property: p, content: str(v) }]);
    prop("og:title", og.title !== undefined ? og.title : undefined);
    prop("og:description", og.description);
    prop("og:url", og.url);
    prop("og:site_name", og.siteName);
    prop("og:locale", og.locale);
    for (const img of list(og.images)) {
      const o = typeof img === "string" ? { url: img } : img;
      prop("og:image", o.url);
      prop("og:image:width", o.width);
      prop("og:image:height", o.height);
      prop("og:image:alt", o.alt);
    }
    prop("og:type", og.type);
  }
  const icons = md.icons;
  if (icons) {
    const add = (rel, v) => {
      for (const i of list(v)) {
        const o = typeof i === "string" ? { url: i } : i;
        tags.push(["link", { rel, href: str(o.url), ...(o.type ? { type: o.type } : {}), ...(o.sizes ? { sizes: o.sizes } : {}) }]);
      }
    };
    if (typeof icons === "string" || Array.isArray(icons)) add("icon", icons);
    else {
      add("icon", icons.icon);
      add("shortcut icon", icons.shortcut);
      add("apple-touch-icon", icons.apple);
    }
  }
  return tags;
}

// The tags as React elements, hoisted into <head> by React 19.
export function Metadata({ tags }) {
  return h(Fragment, null, ...tags.map(([tag, props], i) => h(tag, { key: i, ...props })));
}
