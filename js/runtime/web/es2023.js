// es2023.js: what ES2023 and ES2024 added that V8 10.2 lacks, from core-js
// (findLast and findLastIndex it has): change-array-by-copy (toSorted,
// toReversed, toSpliced, with, on arrays and typed arrays), well-formed
// strings, Object.groupBy / Map.groupBy, Array.fromAsync and
// Promise.withResolvers.
import "core-js/modules/es.array.to-sorted.js";
import "core-js/modules/es.array.to-reversed.js";
import "core-js/modules/es.array.to-spliced.js";
import "core-js/modules/es.array.with.js";
import "core-js/modules/es.typed-array.to-sorted.js";
import "core-js/modules/es.typed-array.to-reversed.js";
import "core-js/modules/es.typed-array.with.js";
import "core-js/modules/es.string.is-well-formed.js";
import "core-js/modules/es.string.to-well-formed.js";
import "core-js/modules/es.object.group-by.js";
import "core-js/modules/es.map.group-by.js";
import "core-js/modules/es.array.from-async.js";
import "core-js/modules/es.promise.with-resolvers.js";
