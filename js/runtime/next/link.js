// next/link for sites written for Next.js: an <a>. ssrd has no client router,
// so a click is a page load; Next's own props (prefetch, replace, scroll, ...)
// are dropped, the rest go to the element as Next passes them.
import React from "react";

const nextOnly = ["prefetch", "replace", "scroll", "shallow", "passHref", "legacyBehavior", "locale", "as", "onNavigate"];

function hrefOf(href) {
  if (href === null || typeof href !== "object") return href;
  const q = href.query ? new URLSearchParams(href.query).toString() : "";
  return (href.pathname || "") + (q ? "?" + q : "") + (href.hash ? (href.hash.startsWith("#") ? "" : "#") + href.hash : "");
}

const Link = React.forwardRef(function Link(props, ref) {
  const rest = {};
  for (const k of Object.keys(props)) if (!nextOnly.includes(k)) rest[k] = props[k];
  rest.href = hrefOf(props.href);
  return React.createElement("a", { ...rest, ref });
});
export default Link;
