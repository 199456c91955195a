// node:url: the WHATWG URL and URLSearchParams (the globals), file URLs
// to paths and back, and the legacy parse / format / resolve on top of URL.

export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;

function argError(message) {
  const e = new TypeError(message);
  e.code = "ERR_INVALID_ARG_TYPE";
  return e;
}

export function fileURLToPath(url) {
  const u = typeof url === "string" ? new URL(url) : url;
  if (!(u instanceof URL)) throw argError('The "path" argument must be of type string or an instance of URL');
  if (u.protocol !== "file:") {
    const e = new TypeError("The URL must be of scheme file");
    e.code = "ERR_INVALID_URL_SCHEME";
    throw e;
  }
  if (u.hostname !== "") {
    const e = new TypeError('File URL host must be "localhost" or empty on linux');
    e.code = "ERR_INVALID_FILE_URL_HOST";
    throw e;
  }
  if (/%2f/i.test(u.pathname)) {
    const e = new TypeError("File URL path must not include encoded / characters");
    e.code = "ERR_INVALID_FILE_URL_PATH";
    throw e;
  }
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path) {
  let abs = String(path);
  if (!abs.startsWith("/")) abs = "/" + abs;
  const trailing = String(path).endsWith("/");
  const parts = abs.split("/").filter((p, i) => p !== "" && p !== "." || i === 0);
  const out = [];
  for (const p of parts) {
    if (p === "..") out.pop();
    else if (p !== "") out.push(p);
  }
  let pathname = "/" + out.map((p) => encodeURIComponent(p).replace(/%40/g, "@").replace(/%3A/gi, ":")
    .replace(/%24/g, "$").replace(/%26/g, "&").replace(/%2B/g, "+").replace(/%2C/g, ",").replace(/%3B/g, ";")
    .replace(/%3D/g, "=")).join("/");
  if (trailing && out.length > 0) pathname += "/";
  return new URL("file://" + pathname);
}

export function urlToHttpOptions(url) {
  return {
    protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ""), hash: url.hash, search: url.search,
    pathname: url.pathname, path: `${url.pathname || ""}${url.search || ""}`, href: url.href,
    ...(url.port !== "" ? { port: Number(url.port) } : {}),
    ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
  };
}

// Legacy url.parse, by the WHATWG parser (relative URLs against a dummy
// base): the common fields, not Node's every quirk.
export function parse(s, parseQuery = false) {
  const str = String(s);
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(str);
  const u = new URL(str, "http://ssrd.invalid");
  const host = absolute ? u.host : str.startsWith("//") ? u.host : null;
  const search = u.search || (str.includes("?") ? "?" : null);
  const query = parseQuery ? Object.fromEntries(u.searchParams) : search ? search.slice(1) : null;
  return {
    protocol: absolute ? u.protocol : null,
    slashes: absolute ? /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(str) : str.startsWith("//") ? true : null,
    auth: u.username ? decodeURIComponent(u.username) + (u.password ? ":" + decodeURIComponent(u.password) : "") : null,
    host, port: host !== null && u.port ? u.port : null, hostname: host !== null ? u.hostname : null,
    hash: u.hash || null, search, query,
    pathname: absolute || str.startsWith("/") ? u.pathname : str.split(/[?#]/)[0] || null,
    path: (absolute || str.startsWith("/") ? u.pathname : str.split(/[?#]/)[0]) + (u.search || ""),
    href: absolute ? u.href : str,
  };
}

export function format(u) {
  if (u instanceof URL) return u.href;
  if (typeof u === "string") return u;
  let out = "";
  if (u.protocol) out += u.protocol.endsWith(":") ? u.protocol : u.protocol + ":";
  if (u.slashes || u.host || u.hostname) out += "//";
  if (u.auth) out += u.auth + "@";
  out += u.host || (u.hostname ? u.hostname + (u.port ? ":" + u.port : "") : "");
  out += u.pathname || "";
  if (u.search) out += u.search.startsWith("?") ? u.search : "?" + u.search;
  else if (u.query && typeof u.query === "object") {
    const q = new URLSearchParams(u.query).toString();
    if (q) out += "?" + q;
  }
  if (u.hash) out += u.hash.startsWith("#") ? u.hash : "#" + u.hash;
  return out;
}

export function resolve(from, to) {
  const base = new URL(from, "resolve://");
  const r = new URL(to, base);
  return r.protocol === "resolve:" ? r.pathname + r.search + r.hash : r.href;
}

export function domainToASCII(d) {
  try {
    return new URL("http://" + d).hostname;
  } catch {
    return "";
  }
}
export function domainToUnicode(d) {
  return String(d);
}

export default { URL, URLSearchParams, fileURLToPath, pathToFileURL, urlToHttpOptions, parse, format, resolve,
  domainToASCII, domainToUnicode };
