// loader.mjs: Node module hooks (module.register) that let Node import a site as ssrd reads one.
// For the site's own files only (under the site's directory, outside node_modules), it adds what
// Node's ESM resolver does not do and a bundler does:
//   - .jsx .tsx .ts .js files are transformed by esbuild (JSX automatic, TypeScript stripped),
//   - relative imports without an extension or naming a directory (its index file),
//   - tsconfig.json / jsconfig.json `paths` aliases (`@/components/*`),
//   - JSON imports without an import attribute (default export, and its top-level keys named),
//   - image and font imports, whose default export is the URL assets.mjs gives,
//   - a CommonJS package's default export as bundlers give it (esbuild, webpack, ssrd's own
//     esbuild): its exports.default when it sets __esModule, else module.exports. Node gives
//     module.exports always, which breaks `import styled from "styled-components"`; the site's
//     code is written for a bundler. Named imports are Node's (cjs-module-lexer) either way.
// Everything else, npm packages included, is left to Node's own resolution and loading, so the
// packages are what Node picks for them (conditions node, import).
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { assetExtensions, assetUrl } from "./assets.mjs";

let siteDir = null;
let aliases = []; // [{ prefix, suffix, wildcard, targets: [absolute patterns] }], most specific first
let tsconfigRaw = undefined;
let esbuild = null;

// Resolution order of extensions, esbuild's default (.css left out: the sites import none).
const extensions = [".tsx", ".ts", ".jsx", ".js", ".json"];
const loaders = { ".jsx": "jsx", ".js": "jsx", ".tsx": "tsx", ".ts": "ts", ".mjs": "jsx" };

// tsconfig.json allows comments and trailing commas; JSON.parse does not.
function parseJsonc(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

function readAliases(dir) {
  for (const name of ["tsconfig.json", "jsconfig.json"]) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    let config;
    try {
      config = parseJsonc(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`${file}: not valid JSON: ${err.message}`);
    }
    if (name === "tsconfig.json") tsconfigRaw = config;
    const options = config.compilerOptions || {};
    // paths are relative to baseUrl when there is one, else to the config's directory.
    const base = path.resolve(dir, options.baseUrl || ".");
    const list = Object.entries(options.paths || {}).map(([pattern, targets]) => {
      const star = pattern.indexOf("*");
      return {
        wildcard: star >= 0,
        prefix: star >= 0 ? pattern.slice(0, star) : pattern,
        suffix: star >= 0 ? pattern.slice(star + 1) : "",
        targets: targets.map((t) => path.resolve(base, t)),
      };
    });
    // TypeScript's rule: an exact pattern beats a wildcard; among wildcards the longest prefix.
    list.sort((a, b) => (a.wildcard - b.wildcard) || (b.prefix.length - a.prefix.length));
    return list;
  }
  return [];
}

export async function initialize(data) {
  siteDir = path.resolve(data.siteDir);
  aliases = readAliases(siteDir);
  esbuild = (await import(pathToFileURL(data.esbuild).href)).default;
}

function isSiteFile(file) {
  const rel = path.relative(siteDir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) &&
    !rel.split(path.sep).includes("node_modules");
}

function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

// The file an import of `base` (an absolute path) names, as esbuild resolves one: the file
// itself, with one of the extensions added, a .js import of a TypeScript file, or an index file.
function resolveFile(base) {
  if (isFile(base)) return base;
  for (const ext of extensions) if (isFile(base + ext)) return base + ext;
  if (/\.jsx?$/.test(base)) {
    const stem = base.replace(/\.jsx?$/, "");
    for (const ext of [".ts", ".tsx"]) if (isFile(stem + ext)) return stem + ext;
  }
  for (const ext of extensions) if (isFile(path.join(base, "index" + ext))) return path.join(base, "index" + ext);
  return null;
}

function aliasCandidates(specifier) {
  for (const a of aliases) {
    if (!a.wildcard) {
      if (specifier === a.prefix) return a.targets;
    } else if (specifier.startsWith(a.prefix) && specifier.endsWith(a.suffix) &&
               specifier.length >= a.prefix.length + a.suffix.length) {
      const middle = specifier.slice(a.prefix.length, specifier.length - a.suffix.length);
      return a.targets.map((t) => t.replace("*", middle));
    }
  }
  return null;
}

export async function resolve(specifier, context, next) {
  const parentURL = context.parentURL;
  if (parentURL && parentURL.startsWith("file:") && isSiteFile(fileURLToPath(parentURL))) {
    const parent = fileURLToPath(parentURL);
    let candidates = null;
    if (specifier === "." || specifier === ".." || specifier.startsWith("./") || specifier.startsWith("../")) {
      candidates = [path.resolve(path.dirname(parent), specifier)];
    } else if (specifier.startsWith("/")) {
      candidates = [specifier];
    } else {
      candidates = aliasCandidates(specifier);
    }
    if (candidates) {
      for (const c of candidates) {
        const file = resolveFile(c);
        if (file) return { url: pathToFileURL(file).href, shortCircuit: true };
      }
      throw new Error(`cannot resolve "${specifier}" imported by ${parent} (tried ${candidates.join(", ")})`);
    }
  }
  const resolved = await next(specifier, context);
  if (parentURL && parentURL.startsWith("file:") && isSiteFile(fileURLToPath(parentURL)) &&
      resolved.url.startsWith("file:") && isCommonJs(fileURLToPath(resolved.url))) {
    return { ...resolved, url: resolved.url + interopQuery, format: "module" };
  }
  return resolved;
}

// Node's own rule for what a file is: .cjs CommonJS, .mjs ESM, .js as the nearest package.json's
// "type" says (CommonJS without one).
const packageTypes = new Map();
function packageType(dir) {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type = "commonjs";
  const file = path.join(dir, "package.json");
  if (existsSync(file)) {
    try {
      type = JSON.parse(readFileSync(file, "utf8")).type === "module" ? "module" : "commonjs";
    } catch {}
  } else if (path.dirname(dir) !== dir) {
    type = packageType(path.dirname(dir));
  }
  packageTypes.set(dir, type);
  return type;
}
function isCommonJs(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  return packageType(path.dirname(file)) === "commonjs";
}

// A site file's import of a CommonJS package goes through this wrapper (see the top).
const interopQuery = "?compat-interop";
function interopSource(url) {
  const target = JSON.stringify(url);
  return `import * as ns from ${target};
export * from ${target};
const m = ns.default;
export default m !== null && (typeof m === "object" || typeof m === "function") && m.__esModule ? m.default : m;
`;
}

export async function load(url, context, next) {
  if (!url.startsWith("file:")) return next(url, context);
  if (url.endsWith(interopQuery)) {
    return { format: "module", source: interopSource(url.slice(0, -interopQuery.length)), shortCircuit: true };
  }
  const file = fileURLToPath(url);
  if (!isSiteFile(file)) return next(url, context);
  const ext = path.extname(file).toLowerCase();
  if (assetExtensions.includes(ext)) {
    const source = `export default ${JSON.stringify(await assetUrl(esbuild, file))};\n`;
    return { format: "module", source, shortCircuit: true };
  }
  if (ext === ".json") {
    const value = JSON.parse(readFileSync(file, "utf8"));
    let source = `const json = ${JSON.stringify(value)};\nexport default json;\n`;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const key of Object.keys(value)) {
        if (/^[A-Za-z_$][\w$]*$/.test(key) && key !== "default") source += `export const ${key} = json[${JSON.stringify(key)}];\n`;
      }
    }
    return { format: "module", source, shortCircuit: true };
  }
  const loader = loaders[ext];
  if (!loader) return next(url, context);
  let result;
  try {
    result = await esbuild.transform(readFileSync(file, "utf8"), {
      loader,
      format: "esm",
      jsx: "automatic",
      sourcefile: file,
      sourcemap: "inline",
      define: { "process.env.NODE_ENV": '"production"' },
      ...(tsconfigRaw && loader !== "jsx" ? { tsconfigRaw } : {}),
      logLevel: "silent",
    });
  } catch (err) {
    const messages = (err.errors || []).map((e) =>
      (e.location ? `${file}:${e.location.line}:${e.location.column}: ` : "") + e.text);
    throw new Error(`esbuild could not transform ${file}:\n  ${messages.join("\n  ") || err.message}`);
  }
  return { format: "module", source: result.code, shortCircuit: true };
}
