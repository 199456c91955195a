// node:path, its POSIX flavour (a server's): join, resolve (from "/", the
// cwd pages have), normalize, dirname, basename, extname, relative,
// isAbsolute, parse, format, sep, delimiter.

function normalizeString(path, allowAboveRoot) {
  const out = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (allowAboveRoot) out.push("..");
    } else out.push(seg);
  }
  return out.join("/");
}

function check(p, name = "path") {
  if (typeof p !== "string") {
    const e = new TypeError(`The "${name}" argument must be of type string. Received ${p === null ? "null" : typeof p}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}

export const sep = "/";
export const delimiter = ":";

export function normalize(p) {
  check(p);
  if (p === "") return ".";
  const abs = p.startsWith("/");
  const trailing = p.endsWith("/");
  let s = normalizeString(p, !abs);
  if (s === "" && !abs) s = ".";
  if (s !== "" && trailing) s += "/";
  return abs ? "/" + s : s;
}

export function isAbsolute(p) {
  check(p);
  return p.startsWith("/");
}

export function join(...parts) {
  for (const p of parts) check(p);
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

export function resolve(...parts) {
  let resolved = "";
  for (let i = parts.length - 1; i >= 0 && !resolved.startsWith("/"); i--) {
    check(parts[i], `paths[${i}]`);
    if (parts[i] !== "") resolved = parts[i] + (resolved ? "/" + resolved : "");
  }
  if (!resolved.startsWith("/")) resolved = "/" + resolved;
  return "/" + normalizeString(resolved, false);
}

export function relative(from, to) {
  check(from, "from");
  check(to, "to");
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}

export function dirname(p) {
  check(p);
  if (p === "") return ".";
  let end = p.length;
  while (end > 1 && p[end - 1] === "/") end--;
  const i = p.lastIndexOf("/", end - 1);
  if (i < 0) return ".";
  if (i === 0) return "/";
  let j = i;
  while (j > 1 && p[j - 1] === "/") j--;
  return p.slice(0, j);
}

export function basename(p, ext) {
  check(p);
  let end = p.length;
  while (end > 0 && p[end - 1] === "/") end--;
  if (end === 0) return "";
  let base = p.slice(p.lastIndexOf("/", end - 1) + 1, end);
  if (ext !== undefined && base.endsWith(ext) && base !== ext) base = base.slice(0, base.length - ext.length);
  return base;
}

export function extname(p) {
  check(p);
  const base = basename(p);
  const i = base.lastIndexOf(".");
  return i <= 0 ? "" : base.slice(i);
}

export function parse(p) {
  check(p);
  const root = p.startsWith("/") ? "/" : "";
  const base = basename(p);
  const ext = extname(p);
  let dir = dirname(p);
  if (dir === "." && !p.includes("/")) dir = "";
  return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
}

export function format(o) {
  if (o === null || typeof o !== "object") {
    const e = new TypeError('The "pathObject" argument must be of type object');
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  const dir = o.dir || o.root || "";
  const base = o.base || (o.name || "") + (o.ext ? (o.ext.startsWith(".") ? "" : ".") + o.ext : "");
  if (!dir) return base;
  return dir === o.root ? dir + base : dir + "/" + base;
}

export function toNamespacedPath(p) {
  return p;
}

const path = { sep, delimiter, normalize, isAbsolute, join, resolve, relative, dirname, basename, extname, parse, format,
  toNamespacedPath };
path.posix = path;
path.win32 = null; // not provided: ssrd is a POSIX server
export const posix = path;
export default path;
