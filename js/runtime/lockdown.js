// lockdown.js: freezes what the renders of one context share, so that no
// render can change it for the next (or for one running beside it).
//
// Every context is locked as its base loads, before any site code runs (in
// the base's V8 snapshot, so a context made from it starts locked; base.js's
// lockdownContext freezes what V8 adds to each new context):
//   - every built-in reachable from the globals the base defined (Object,
//     Array.prototype, Promise, TextEncoder, ReadableStream, ...) is frozen,
//     with its prototype chain and the values of its properties;
//   - React's exports are frozen the same way, and so is every object React
//     hands to more than one render (its hooks dispatcher, the class
//     component updater, shared hook results): a probe renders twice and
//     freezes whatever comes back identical;
//   - React's internals objects (what its packages share through
//     `__..._INTERNALS_...` exports) are sealed: React's renderers still
//     write the slots they set and restore around each piece of work, no
//     other slot can change and no accessor can be put on any.
// The globals themselves stay writable (`globalThis.x = 1` works, as in Node),
// and so does what the site's own shell put there.
//
// Freezing a prototype turns assignments that would shadow its properties
// into TypeErrors (`this.name = "MyError"` in a subclass of Error). The few
// names code commonly assigns that way are turned into accessors whose setter
// defines the property on the object assigned to, as SES's "override taming"
// does, so such code keeps working.

const {
  defineProperty,
  freeze,
  getOwnPropertyDescriptors,
  getPrototypeOf,
  isFrozen,
  preventExtensions,
} = Object;
const { ownKeys } = Reflect;
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isView = ArrayBuffer.isView;

// (and the hooks a Node stream's subclass or options may set on an instance:
// node:stream's prototypes are the base's, so frozen)
const TAMED = new Set(["constructor", "toString", "toLocaleString", "valueOf", "name", "message", "toJSON",
  "_read", "_write", "_writev", "_final", "_transform", "_flush", "_destroy"]);

// Prototypes whose constructor V8 guards with a "species protector": made an
// accessor, it turns the fast paths of every array map/filter/slice (or
// promise then, regexp, typed array method) off for the whole isolate
// (measured: React's render 6% slower). They keep a plain frozen
// constructor; code assigning `x.constructor = ...` on an array or a
// promise is rare.
const SPECIES = new Set([Array.prototype, Promise.prototype, RegExp.prototype, ArrayBuffer.prototype,
  Object.getPrototypeOf(Uint8Array).prototype]);

// Replaces the writable data property key of obj (about to be frozen) with an
// accessor: reads give the value, assignments to an object inheriting it
// define an own property there, assignments to obj itself still fail.
function tame(obj, key, desc) {
  const value = desc.value;
  defineProperty(obj, key, {
    get() {
      return value;
    },
    set(v) {
      if (this === obj) {
        throw new TypeError(`Cannot assign to read only property '${String(key)}' of a frozen built-in`);
      }
      if (hasOwn(this, key)) this[key] = v;
      else defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
    },
    enumerable: desc.enumerable,
    configurable: false,
  });
}

// What harden() has walked already, whichever root it came from: each object
// once (the built-ins are reached from every global).
const hardened = new WeakSet();

// Freezes o (taming what TAMED names; with frozen false, only tames) and
// hands each value it holds, and its prototype, to visit.
function freezeOne(o, visit, frozen = true) {
  visit(getPrototypeOf(o));
  const descs = getOwnPropertyDescriptors(o);
  for (const key of ownKeys(descs)) {
    const d = descs[key];
    if ("value" in d) {
      if (d.writable && d.configurable && TAMED.has(key) && !isFrozen(o) && !(key === "constructor" && SPECIES.has(o))) {
        tame(o, key, d);
        const t = Object.getOwnPropertyDescriptor(o, key);
        visit(t.get);
        visit(t.set);
      }
      visit(d.value);
    } else {
      visit(d.get);
      visit(d.set);
    }
  }
  if (!frozen) return;
  // A typed array with elements cannot be frozen: it keeps its bytes
  // writable but gets no new properties.
  if (isView(o)) preventExtensions(o);
  else freeze(o);
  hardened.add(o);
}

const isObject = (o) => (typeof o === "object" || typeof o === "function") && o !== null;

// Freezes root and everything reachable from it through own properties
// (values and accessors) and prototypes, except what skip holds.
export function harden(root, skip) {
  const stack = [root];
  while (stack.length > 0) {
    const o = stack.pop();
    if (!isObject(o) || hardened.has(o) || skip.has(o)) continue;
    hardened.add(o);
    freezeOne(o, (v) => stack.push(v));
  }
}

// The objects V8 adds to as it makes each context from the snapshot: in the
// snapshot, their properties are tamed and their values hardened, but they
// stay unfrozen (V8 could not add to them); each context then freezes them
// with finishAdded(), walking only the values V8 added.
export function prepareAdded(obj, skip) {
  freezeOne(obj, (v) => harden(v, skip), false);
}

// See prepareAdded(). Per context, so cheap: no descriptors, no taming.
export function finishAdded(obj, skip) {
  for (const key of ownKeys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    const v = d.value;
    if (isObject(v) && !hardened.has(v)) harden(v, skip);
  }
  freeze(obj);
  hardened.add(obj);
}

// The built-ins no global leads to by properties alone: the prototypes of
// iterators, generators and async functions, reached through instances made
// here (so: this context's own). harden() takes them as roots.
export function hiddenIntrinsics() {
  const proto = Object.getPrototypeOf;
  const arrayIter = proto([][Symbol.iterator]());
  const out = [
    arrayIter,
    proto(arrayIter), // %IteratorPrototype%
    proto(new Map()[Symbol.iterator]()),
    proto(new Set()[Symbol.iterator]()),
    proto(""[Symbol.iterator]()),
    proto(/a/[Symbol.matchAll]("a")),
    proto(function* () {}), // %GeneratorFunction.prototype%
    proto(function* () {}).constructor,
    proto(proto(function* () {}())), // %GeneratorPrototype%
    proto(async function () {}).constructor, // %AsyncFunction%
    proto(async function* () {}).constructor, // %AsyncGeneratorFunction%
    proto(proto(async function* () {}())), // %AsyncGeneratorPrototype%
    proto(proto(proto(async function* () {}()))), // %AsyncIteratorPrototype%
  ];
  if (typeof Intl === "object" && typeof Intl.Segmenter === "function") {
    const segments = new Intl.Segmenter().segment("a");
    out.push(proto(segments), proto(segments[Symbol.iterator]()));
  }
  return out;
}

// Seals one of React's internals objects: no slot added, none made an
// accessor or deleted, and only the slots React's server code assigns
// (writable) keep taking values.
export function sealInternals(obj, writable) {
  for (const key of ownKeys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (!("value" in d)) continue;
    defineProperty(obj, key, { writable: d.writable && writable.has(key), configurable: false });
  }
  preventExtensions(obj);
}
