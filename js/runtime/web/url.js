// url.js: URL (with URL.canParse) and URLSearchParams, the WHATWG URL
// Standard's, from core-js (only its URL modules: no other polyfill comes
// with them).
import "core-js/modules/web.url.js";
import "core-js/modules/web.url.can-parse.js";
import "core-js/modules/web.url.to-json.js";
import "core-js/modules/web.url-search-params.js";
import "core-js/modules/web.url-search-params.size.js";
