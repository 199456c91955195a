// next/navigation for sites written for Next.js: notFound() and the hooks
// client components read the request with. Served to the server's layers
// by base.js and to the browser by the client bundle's alias, so that a
// page importing "next/navigation" needs no `next` package installed.
import { notFound, isNotFound, useRoute } from "../tree.js";

export { notFound };
export const unstable_isNotFoundError = isNotFound;

export function usePathname() {
  return useRoute().path.split("?")[0];
}
export function useParams() {
  return useRoute().params;
}
export function useSearchParams() {
  const q = useRoute().query || {};
  return new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
}

// Navigation happens in the browser: a full page load, as ssrd has no
// client router; on the server these do nothing.
const inBrowser = () => typeof window !== "undefined" && typeof window.location !== "undefined";
const router = Object.freeze({
  push: (href) => inBrowser() && window.location.assign(href),
  replace: (href) => inBrowser() && window.location.replace(href),
  refresh: () => inBrowser() && window.location.reload(),
  back: () => inBrowser() && window.history.back(),
  forward: () => inBrowser() && window.history.forward(),
  prefetch: () => {},
});
export function useRouter() {
  return router;
}

// redirect() needs a status and a Location header from a render, which
// ssrd does not give pages: say so instead of rendering something else.
export function redirect(url) {
  throw new Error(`ssrd: redirect("${url}") is not supported; link to the page, or redirect in the proxy in front`);
}
export const permanentRedirect = redirect;
