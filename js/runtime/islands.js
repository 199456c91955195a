// islands.js: React's server/client split for a site that marks files
// "use client". What such a file exports is a client component: the server
// renders it inside <ssrd-island> with its props, and the browser hydrates
// each island on its own (client-main.js). Everything else is a server
// component: rendered on the server only, never sent to or run in the
// browser, so an async component is free to await. Without any "use client"
// file a site hydrates whole, as a plain React SSR app.
import React from "react";

const { createElement: h, createContext, useContext } = React;

// Inside an island the browser renders the whole subtree: client components
// below one are rendered as they are, with no island of their own.
const InIsland = createContext(false);

// The wrappers take no room in the layout: the island's own elements are
// what CSS sees.
const contents = { display: "contents" };

// A segment's error file gets reset(): in the browser, for an error the
// server showed, a reload is the retry. Marked so that it may cross.
export const reloadReset = Object.assign(() => globalThis.location.reload(), { $$ssrdReload: true });

// Props as JSON for the browser. Functions cannot be sent (the browser has
// no server code), nor elements other than children, which the server
// renders into the island's slot.
function serialize(props, id) {
  return JSON.stringify(props, function (k, v) {
    if (this === props && k === "children" && v !== null && typeof v === "object") return { $ssrd: "slot" };
    if (typeof v === "function") {
      if (v.$$ssrdReload) return { $ssrd: "reload" };
      throw new Error(`ssrd: ${id} is a client component ("use client"): its prop "${k}" is a function, which cannot be sent to the browser; pass data, or move the function into the client component`);
    }
    if (v instanceof Error) return { $ssrd: "error", message: v.message, digest: v.digest };
    if (v !== null && typeof v === "object" && v.$$typeof !== undefined) {
      throw new Error(`ssrd: ${id} is a client component ("use client"): its prop "${k}" is a React element; pass it as children`);
    }
    return v;
  });
}

// The server's rendering of a client component: the island, or (inside
// another island) the component as it is. Its children, rendered by the
// server component that gave them, go in its slot, where client
// components are islands of their own again.
export function Island({ $c: C, $p: props }) {
  if (useContext(InIsland)) return h(C, props);
  const id = C.$$ssrdClient;
  const data = serialize(props, id);
  const own = props.children !== undefined && props.children !== null && typeof props.children === "object"
    ? { ...props, children: h("ssrd-slot", { style: contents }, h(InIsland.Provider, { value: false }, props.children)) }
    : props;
  return h("ssrd-island", { "data-c": id, "data-p": data, style: contents }, h(InIsland.Provider, { value: true }, h(C, own)));
}

// An element of C: an island when C is a client component (on the server;
// in the browser nothing is marked).
export const el = (C, props) => (C != null && C.$$ssrdClient !== undefined ? h(Island, { $c: C, $p: props }) : h(C, props));

// Marks what a "use client" module (namespace ns, file key) exports as
// client components.
export function markClient(ns, key) {
  for (const name of Object.keys(ns)) {
    const v = ns[name];
    if ((typeof v === "function" || (v !== null && typeof v === "object" && v.$$typeof !== undefined)) && !Object.isFrozen(v)) {
      Object.defineProperty(v, "$$ssrdClient", { value: `${key}#${name}` });
    }
  }
}

// The JSX runtime pages and components are compiled against
// (react/jsx-runtime): a client component becomes an island.
export function islandRuntime(runtime) {
  const wrap = (f) => (type, props, key) =>
    type != null && type.$$ssrdClient !== undefined ? f(Island, { $c: type, $p: props }, key) : f(type, props, key);
  return Object.freeze({ ...runtime, jsx: wrap(runtime.jsx), jsxs: wrap(runtime.jsxs), jsxDEV: wrap(runtime.jsx) });
}

// The browser: the props the server sent, with slots and markers restored.
export function islandProps(el) {
  const slot = el.querySelector("ssrd-slot");
  return JSON.parse(el.dataset.p || "{}", (k, v) => {
    if (v === null || typeof v !== "object" || v.$ssrd === undefined) return v;
    if (v.$ssrd === "slot") return h("ssrd-slot", { style: contents, dangerouslySetInnerHTML: { __html: slot ? slot.innerHTML : "" } });
    if (v.$ssrd === "reload") return reloadReset;
    if (v.$ssrd === "error") return Object.assign(new Error(v.message), { digest: v.digest });
    return v;
  });
}
