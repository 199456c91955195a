// client-empty.js: what a Node built-in is in the browser's bundle when the
// browser has none to resolve (a server-only package a page imports requires
// "stream", say): an empty module, as webpack's `resolve.fallback: false`
// gives, so that the package loads and only a use of it fails.
module.exports = {};
