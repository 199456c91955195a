// clone.js: structuredClone, by V8's own serializer in C (as in Node): the
// same types clone (objects, arrays, Map, Set, Date, RegExp, errors,
// ArrayBuffers and views, BigInt, boxed primitives, cycles) and the same
// fail, with a DOMException named DataCloneError. The transfer option is
// not supported (nothing here owns a transferable).

import { DOMException } from "./dom-exception.js";

const native = globalThis.__ssrd_native;

export function structuredClone(value, options) {
  if (arguments.length === 0) throw new TypeError('The "value" argument must be specified');
  if (options && options.transfer && options.transfer.length > 0) {
    throw new DOMException("ssrd: structuredClone's transfer option is not supported", "DataCloneError");
  }
  try {
    return native.clone(value);
  } catch (e) {
    if (e && e.name === "DataCloneError" && !(e instanceof DOMException)) throw new DOMException(e.message, "DataCloneError");
    throw e;
  }
}

globalThis.structuredClone = structuredClone;
