// node:util: format, inspect (basic), inherits, promisify, callbackify,
// deprecate, debuglog, types, isDeepStrictEqual, TextEncoder/TextDecoder.

export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;

const kCustomInspect = Symbol.for("nodejs.util.inspect.custom");

function quote(s) {
  return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'";
}

function formatKey(k) {
  return typeof k === "symbol" ? `[${k.toString()}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
}

// A basic inspect: primitives as Node prints them, arrays, plain objects,
// Map, Set, Date, RegExp, errors, functions, class instances by name, to
// `depth` levels (2 by default), cycles as [Circular *1].
export function inspect(value, opts = {}) {
  const depth = opts.depth === undefined ? 2 : opts.depth === null ? Infinity : opts.depth;
  const seen = [];
  function fmt(v, level) {
    switch (typeof v) {
      case "string":
        return level === 0 && opts._top ? v : quote(v);
      case "number":
        return Object.is(v, -0) ? "-0" : String(v);
      case "bigint":
        return `${v}n`;
      case "symbol":
        return v.toString();
      case "undefined":
        return "undefined";
      case "boolean":
        return String(v);
      case "function": {
        const name = v.name ? `: ${v.name}` : " (anonymous)";
        return /^class\s/.test(Function.prototype.toString.call(v)) ? `[class ${v.name || "(anonymous)"}]` : `[Function${name}]`;
      }
    }
    if (v === null) return "null";
    if (typeof v[kCustomInspect] === "function") return String(v[kCustomInspect](depth - level, opts, inspect));
    if (seen.includes(v)) return "[Circular *1]";
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Error) return v.stack || `${v.name}: ${v.message}`;
    if (level > depth) return Array.isArray(v) ? "[Array]" : `[${(v.constructor && v.constructor.name) || "Object"}]`;
    seen.push(v);
    try {
      if (Array.isArray(v)) {
        const items = v.map((x) => fmt(x, level + 1));
        return items.length === 0 ? "[]" : `[ ${items.join(", ")} ]`;
      }
      if (v instanceof Map) {
        const items = [...v].map(([k, x]) => `${fmt(k, level + 1)} => ${fmt(x, level + 1)}`);
        return `Map(${v.size}) {${items.length ? " " + items.join(", ") + " " : ""}}`;
      }
      if (v instanceof Set) {
        const items = [...v].map((x) => fmt(x, level + 1));
        return `Set(${v.size}) {${items.length ? " " + items.join(", ") + " " : ""}}`;
      }
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const name = v.constructor.name;
        const items = Array.from(v.length > 100 ? v.subarray(0, 100) : v, String);
        if (v.length > 100) items.push(`... ${v.length - 100} more items`);
        return `${name}(${v.length}) [${items.length ? " " + items.join(", ") + " " : ""}]`;
      }
      if (v instanceof Promise) return "Promise { <unknown> }";
      const keys = Object.keys(v);
      const items = keys.map((k) => `${formatKey(k)}: ${fmt(v[k], level + 1)}`);
      const proto = Object.getPrototypeOf(v);
      const name = proto === null ? "[Object: null prototype]" : proto.constructor && proto.constructor !== Object
        ? proto.constructor.name : "";
      const body = items.length === 0 ? "{}" : `{ ${items.join(", ")} }`;
      return name ? `${name} ${body}` : body;
    } finally {
      seen.pop();
    }
  }
  return fmt(value, 0);
}
inspect.custom = kCustomInspect;
inspect.defaultOptions = { depth: 2 };

// format(fmt, ...args): printf-like %s %d %i %f %j %o %O %c %%, the rest
// appended with spaces, as Node's util.format.
export function format(...args) {
  let out = "";
  let i = 0;
  if (typeof args[0] === "string") {
    const f = args[0];
    i = 1;
    let last = 0;
    for (let k = 0; k < f.length - 1; k++) {
      if (f[k] !== "%") continue;
      const c = f[k + 1];
      let rep;
      if (c === "%") rep = "%";
      else if (i >= args.length) continue;
      else {
        const a = args[i];
        switch (c) {
          case "s":
            rep = typeof a === "string" ? a : typeof a === "bigint" ? `${a}n` : typeof a === "object" && a !== null ? inspect(a, { depth: 1 }) : String(a);
            break;
          case "d":
          case "i": {
            if (typeof a === "bigint") rep = `${a}n`;
            else if (typeof a === "symbol") rep = "NaN";
            else rep = String(c === "i" ? parseInt(a, 10) : Number(a));
            break;
          }
          case "f":
            rep = typeof a === "symbol" ? "NaN" : String(parseFloat(a));
            break;
          case "j":
            try {
              rep = JSON.stringify(a);
            } catch {
              rep = "[Circular]";
            }
            break;
          case "o":
            // showHidden, as Node's %o: an array shows its length
            rep = Array.isArray(a)
              ? `[ ${[...a.map((x) => inspect(x, { depth: 4 })), `[length]: ${a.length}`].join(", ")} ]`
              : inspect(a, { depth: 4 });
            break;
          case "O":
            rep = inspect(a, { depth: 2 });
            break;
          case "c":
            rep = "";
            break;
          default:
            continue;
        }
        i++;
      }
      out += f.slice(last, k) + rep;
      last = k + 2;
      k++;
    }
    out += f.slice(last);
  }
  for (; i < args.length; i++) {
    const a = args[i];
    out += (out === "" && i === 0 ? "" : " ") + (typeof a === "string" ? a : inspect(a));
  }
  return out;
}

export function formatWithOptions(opts, ...args) {
  return format(...args);
}

export function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw new TypeError('The "ctor" argument must be of type function');
  if (superCtor === undefined || superCtor === null || superCtor.prototype === undefined) {
    throw new TypeError('The "superCtor.prototype" property must be of type object');
  }
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
export function promisify(fn) {
  if (typeof fn !== "function") throw new TypeError('The "original" argument must be of type function');
  if (typeof fn[kCustomPromisify] === "function") return fn[kCustomPromisify];
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, ...values) => {
        if (err) reject(err);
        else resolve(values.length > 1 ? values : values[0]);
      });
    });
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(fn));
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(fn));
}
promisify.custom = kCustomPromisify;

export function callbackify(fn) {
  return function (...args) {
    const cb = args.pop();
    fn.apply(this, args).then((v) => queueMicrotask(() => cb(null, v)), (e) => queueMicrotask(() => cb(e || new Error(String(e)))));
  };
}

const warned = new Set();
export function deprecate(fn, msg, code) {
  return function (...args) {
    const key = code || msg;
    if (!warned.has(key)) {
      warned.add(key);
      process.emitWarning(`${msg}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  };
}

export function debuglog() {
  const log = () => {};
  log.enabled = false;
  return log;
}
export const debug = debuglog;

const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
export const types = {
  isDate: (v) => v instanceof Date,
  isRegExp: (v) => v instanceof RegExp,
  isMap: (v) => v instanceof Map,
  isSet: (v) => v instanceof Set,
  isWeakMap: (v) => v instanceof WeakMap,
  isWeakSet: (v) => v instanceof WeakSet,
  isPromise: (v) => v instanceof Promise,
  isNativeError: (v) => v instanceof Error,
  isArrayBuffer: (v) => v instanceof ArrayBuffer,
  isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
  isUint8Array: (v) => v instanceof Uint8Array,
  isDataView: (v) => v instanceof DataView,
  isAsyncFunction: (v) => tag(v) === "AsyncFunction" || tag(v) === "AsyncGeneratorFunction",
  isGeneratorFunction: (v) => tag(v) === "GeneratorFunction" || tag(v) === "AsyncGeneratorFunction",
  isGeneratorObject: (v) => tag(v) === "Generator",
  isBoxedPrimitive: (v) => ["Number", "String", "Boolean", "BigInt", "Symbol"].includes(tag(v)) && typeof v === "object",
  isSymbolObject: (v) => typeof v === "object" && tag(v) === "Symbol",
  isProxy: () => false,
};

export function isDeepStrictEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map || a instanceof Set) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a.entries()) if (!b.has(k) || (a instanceof Map && !isDeepStrictEqual(v, b.get(k)))) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepStrictEqual(a[k], b[k]));
}

export const isArray = Array.isArray;
export const isError = (v) => v instanceof Error;
export function toUSVString(s) {
  return String(s).toWellFormed();
}
export function stripVTControlCharacters(s) {
  return String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

export default { format, formatWithOptions, inspect, inherits, promisify, callbackify, deprecate, debuglog, debug, types,
  isDeepStrictEqual, isArray, isError, toUSVString, stripVTControlCharacters, TextEncoder, TextDecoder };
