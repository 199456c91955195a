// url.js: URL (with URL.canParse) and URLSearchParams, the WHATWG URL
// Standard's, from core-js (only its URL modules: no other polyfill comes
// with them).
import "core-js/modules/web.url.js";
import "core-js/modules/web.url.can-parse.js";
import "core-js/modules/web.url.to-json.js";
import "core-js/modules/web.url-search-params.js";
import "core-js/modules/web.url-search-params.size.js";

// Node's error for a URL that does not parse: "Invalid URL", with its code
// and input (core-js names the parser's reason instead).
const CoreURL = globalThis.URL;
class URL extends CoreURL {
  constructor(url, base) {
    try {
      if (arguments.length < 2) super(url);
      else super(url, base);
    } catch (e) {
      if (!(e instanceof TypeError) || arguments.length === 0) throw e;
      const err = new TypeError("Invalid URL");
      err.code = "ERR_INVALID_URL";
      err.input = String(url);
      if (arguments.length >= 2) err.base = String(base);
      throw err;
    }
  }
}
Object.defineProperty(URL, "name", { value: "URL" });
globalThis.URL = URL;
