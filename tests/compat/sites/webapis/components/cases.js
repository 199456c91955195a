// cases.js: checks of every web API of README "Web APIs", each a function
// whose result is plain JSON, the same in ssrd and in Node 20 (randomness
// only as shapes: lengths, formats). syncCases() runs as the page renders,
// asyncCases() settles later (the page shows it in a Suspense boundary).
// What ssrd has and Node 20 lacks (Object.groupBy, Map.groupBy,
// Promise.withResolvers, Array.fromAsync: ES2024) is checked in
// tests/unit/check_engine.c instead.
// tests/e2e/webapis.sh runs both in ssrd and in Node and compares them.

function run(cases) {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    try {
      out[name] = fn();
    } catch (e) {
      out[name] = { threw: e && e.name, message: e && String(e.message).slice(0, 80) };
    }
  }
  return out;
}

async function runAsync(cases) {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    try {
      out[name] = await fn();
    } catch (e) {
      out[name] = { threw: e && e.name, message: e && String(e.message).slice(0, 80) };
    }
  }
  return out;
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const bytes = (...b) => Uint8Array.from(b);

export function syncCases() {
  return run({
    urlParse: () => {
      const u = new URL("https://user:pw@Example.COM:8443/a/./b/../c%20d?x=1&y=%C3%A9#frag");
      return [u.href, u.origin, u.protocol, u.username, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
    },
    urlRelative: () => [new URL("../x?q", "http://h/a/b/c").href, new URL("//other/p", "https://h/").href],
    urlIdna: () => new URL("http://münchen.de/").hostname,
    urlSetters: () => {
      const u = new URL("http://h/p");
      u.pathname = "/a b";
      u.searchParams.set("k", "v w");
      u.hash = "h";
      return u.href;
    },
    urlInvalid: () => new URL("not a url"),
    urlCanParse: () => [URL.canParse("x:y"), URL.canParse("/p"), URL.canParse("/p", "http://h")],
    urlJson: () => JSON.stringify({ u: new URL("http://h/?a=1") }),
    usp: () => {
      const p = new URLSearchParams("a=1&b=2&a=3&c=%20+x");
      p.append("d", "é&=");
      p.delete("b");
      p.sort();
      return [p.toString(), p.getAll("a"), p.get("c"), p.has("b"), p.size, [...p.keys()]];
    },
    uspInit: () => [new URLSearchParams({ x: "1", y: "2" }).toString(), new URLSearchParams([["a", "b"]]).toString()],
    structuredClone: () => {
      const o = { d: new Date(86400000), m: new Map([["k", [1, 2]]]), s: new Set([1n]), r: /x+/gi, u: bytes(1, 2, 3),
        e: new TypeError("bad"), n: null, un: undefined, nested: { a: [1, { b: 2 }] } };
      o.self = o;
      const c = structuredClone(o);
      return [c !== o, c.self === c, c.d.toISOString(), c.m.get("k"), typeof [...c.s][0], String(c.r), Array.from(c.u),
        c.e instanceof TypeError, c.e.message, "un" in c, c.nested.a[1].b];
    },
    structuredCloneFails: () => {
      try {
        structuredClone({ f() {} });
        return "cloned";
      } catch (e) {
        return [e.name, e instanceof DOMException, e.code];
      }
    },
    btoa: () => [btoa(""), btoa("f"), btoa("fo"), btoa("foo"), btoa("\xff\xfe")],
    atob: () => [atob("Zm9v"), atob(" Zm 9v\n"), atob("Zg"), atob("Zg==")],
    atobBad: () => {
      try {
        atob("Zm9v!");
        return "decoded";
      } catch (e) {
        return [e.name, e instanceof DOMException];
      }
    },
    btoaBad: () => {
      try {
        btoa("€");
        return "encoded";
      } catch (e) {
        return [e.name, e.code];
      }
    },
    randomValues: () => {
      const a = crypto.getRandomValues(new Uint8Array(32));
      const b = crypto.getRandomValues(new Uint32Array(4));
      return [a.length, a.some((x) => x !== 0), b.length, b instanceof Uint32Array];
    },
    randomValuesQuota: () => {
      try {
        crypto.getRandomValues(new Uint8Array(65537));
        return "filled";
      } catch (e) {
        return [e.name, e.code];
      }
    },
    randomUUID: () => {
      const a = crypto.randomUUID();
      return [/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(a), a !== crypto.randomUUID()];
    },
    textEncoder: () => [Array.from(new TextEncoder().encode("aé€😀")), new TextEncoder().encodeInto("héllo", new Uint8Array(3))],
    textDecoderUtf8: () => [new TextDecoder().decode(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69)),
      new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes(0xef, 0xbb, 0xbf, 0x68)).length,
      new TextDecoder().decode(bytes(0x61, 0xff, 0x62, 0xc3)), new TextDecoder().encoding],
    textDecoderFatal: () => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes(0x61, 0xc3, 0x28));
        return "decoded";
      } catch (e) {
        return [e.name, e.code];
      }
    },
    textDecoderFatalOk: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes(0xe2, 0x82, 0xac)),
    textDecoderStream: () => {
      const d = new TextDecoder();
      return [d.decode(bytes(0xf0, 0x9f), { stream: true }), d.decode(bytes(0x98, 0x80), { stream: true }), d.decode()];
    },
    textDecoderLatin1: () => {
      const d = new TextDecoder("latin1");
      return [d.encoding, d.decode(bytes(0x41, 0x80, 0x99, 0xe9, 0xff))];
    },
    textDecoderUtf16: () => {
      const d = new TextDecoder("utf-16le");
      return [d.encoding, d.decode(bytes(0xff, 0xfe, 0x68, 0x00, 0x3d, 0xd8, 0x00, 0xde)), d.decode(bytes(0x00, 0xd8))];
    },
    textDecoderUnknown: () => {
      try {
        new TextDecoder("x-nope");
        return "made";
      } catch (e) {
        return [e.name, e.code];
      }
    },
    headers: () => {
      const h = new Headers({ "Content-Type": "text/html", "X-B": "1" });
      h.append("x-b", "2");
      h.append("Set-Cookie", "a=1");
      h.append("Set-Cookie", "b=2");
      h.set("accept", "*/*");
      return [h.get("x-b"), h.has("CONTENT-TYPE"), [...h], h.getSetCookie(), h.get("nope")];
    },
    headersBad: () => {
      try {
        new Headers({ "bad name": "x" });
        return "made";
      } catch (e) {
        return e.name;
      }
    },
    request: () => {
      const r = new Request("http://h.test/p?q=1", { method: "post", headers: { "x-a": "1" }, body: "hi" });
      return [r.url, r.method, r.headers.get("x-a"), r.headers.get("content-type"), r.bodyUsed, r.redirect,
        r.signal instanceof AbortSignal];
    },
    requestGetBody: () => {
      try {
        new Request("http://h.test/", { body: "x" });
        return "made";
      } catch (e) {
        return e.name;
      }
    },
    response: () => {
      const r = new Response("body", { status: 201, statusText: "Created", headers: { "x-y": "z" } });
      const j = Response.json({ a: 1 }, { status: 202 });
      const rd = Response.redirect("http://h.test/x", 301);
      return [r.status, r.statusText, r.ok, r.headers.get("x-y"), r.headers.get("content-type"), j.status,
        j.headers.get("content-type"), rd.status, rd.headers.get("location"), Response.error().type, Response.error().status];
    },
    responseBadStatus: () => {
      try {
        new Response("", { status: 99 });
        return "made";
      } catch (e) {
        return e.name;
      }
    },
    blob: () => {
      const b = new Blob(["ab", bytes(0x63), new Blob(["d"])], { type: "Text/Plain" });
      const s = b.slice(1, -1, "x/y");
      return [b.size, b.type, s.size, s.type, b instanceof Blob];
    },
    file: () => {
      const f = new File(["x"], "a.txt", { type: "text/plain", lastModified: 42 });
      return [f.name, f.size, f.type, f.lastModified, f instanceof Blob];
    },
    formData: () => {
      const fd = new FormData();
      fd.append("a", "1");
      fd.append("a", "2");
      fd.set("b", "3");
      fd.append("f", new Blob(["x"]), "x.bin");
      fd.delete("nope");
      const f = fd.get("f");
      return [fd.getAll("a"), fd.get("b"), fd.has("a"), [...fd.keys()], f.name, f.size, fd.get("zz")];
    },
    eventTarget: () => {
      const t = new EventTarget();
      const seen = [];
      const fn = (e) => seen.push(e.type + ":" + (e.target === t));
      t.addEventListener("x", fn);
      t.addEventListener("x", fn);
      t.addEventListener("x", () => seen.push("once"), { once: true });
      t.addEventListener("x", { handleEvent: () => seen.push("obj") });
      const ok = t.dispatchEvent(new Event("x", { cancelable: true }));
      t.dispatchEvent(new Event("x"));
      t.removeEventListener("x", fn);
      t.dispatchEvent(new Event("x"));
      return [seen, ok];
    },
    eventCancel: () => {
      const t = new EventTarget();
      t.addEventListener("c", (e) => e.preventDefault());
      const e = new Event("c", { cancelable: true });
      return [t.dispatchEvent(e), e.defaultPrevented, e.eventPhase, e.bubbles];
    },
    customEvent: () => {
      const e = new CustomEvent("c", { detail: { n: 1 } });
      return [e.type, e.detail, e instanceof Event];
    },
    abortController: () => {
      const c = new AbortController();
      const seen = [];
      c.signal.addEventListener("abort", (e) => seen.push(e.type));
      c.signal.onabort = () => seen.push("onabort");
      c.abort();
      c.abort();
      const r = c.signal.reason;
      return [c.signal.aborted, r.name, r.message, r.code, r instanceof DOMException, r instanceof Error, seen];
    },
    abortReason: () => {
      const c = new AbortController();
      c.abort("why");
      try {
        c.signal.throwIfAborted();
        return "no";
      } catch (e) {
        return e;
      }
    },
    abortSignalAbort: () => [AbortSignal.abort().reason.name, AbortSignal.abort(1).reason],
    abortSignalAny: () => {
      const a = new AbortController();
      const b = new AbortController();
      const any = AbortSignal.any([a.signal, b.signal]);
      const before = any.aborted;
      b.abort("b");
      return [before, any.aborted, any.reason, AbortSignal.any([AbortSignal.abort("x")]).reason];
    },
    domException: () => {
      const e = new DOMException("m", "NotFoundError");
      return [e.name, e.message, e.code, String(e), DOMException.ABORT_ERR, e instanceof Error];
    },
    buffer: () => [Buffer.from("héllo").toString("hex"), Buffer.from("héllo").toString("base64"),
      Buffer.from("68c3a9", "hex").toString(), Buffer.from("aGk/Pz4-", "base64url").toString("latin1"),
      Buffer.from([104, 105]).toString(), Buffer.from(bytes(1, 2).buffer).length, Buffer.from("ÿ", "latin1")[0],
      Buffer.from("hi", "utf16le").toString("hex"), Buffer.from("+/+/", "base64").toString("base64url")],
    bufferStatics: () => [Buffer.isBuffer(Buffer.alloc(1)), Buffer.isBuffer(new Uint8Array(1)), Buffer.byteLength("€😀"),
      Buffer.byteLength("aGk=", "base64"), Buffer.concat([Buffer.from("a"), Buffer.from("bc")]).toString(),
      Buffer.concat([Buffer.from("abc")], 2).toString(), Array.from(Buffer.alloc(3, 7)), Buffer.alloc(4, "ab").toString(),
      Buffer.compare(Buffer.from("a"), Buffer.from("b")), Buffer.isEncoding("UTF8"), Buffer.isEncoding("nope")],
    bufferMethods: () => {
      const b = Buffer.from("hello world");
      const s = b.slice(0, 5);
      s[0] = 72;
      return [b.toString(), b.toString("utf8", 6), b.indexOf("world"), b.includes("xyz"), b.equals(Buffer.from("Hello world")),
        JSON.stringify(Buffer.from("ab")), b.readUInt16BE(0), b instanceof Uint8Array, Buffer.from("x").write("yz"),
        b.subarray(1, 3) instanceof Buffer];
    },
    process: () => [process.cwd().startsWith("/"), process.env.NODE_ENV, typeof process.nextTick, typeof process.version,
      /^v\d+\.\d+\.\d+$/.test(process.version), typeof process.versions.node, typeof process.versions.v8,
      process.platform, Array.isArray(process.hrtime()), typeof process.hrtime.bigint()],
    global: () => [global === globalThis, typeof globalThis.global],
    queueMicrotask: () => typeof queueMicrotask,
    es2023Array: () => {
      const a = [3, 1, 2];
      return [a.toSorted(), a.toReversed(), a.toSpliced(1, 1, 9, 8), a.with(0, 7), a, a.findLast((x) => x < 3),
        a.findLastIndex((x) => x > 5), [1, 2, 3].at(-1)];
    },
    es2023Typed: () => {
      const t = Int8Array.of(3, -1, 2);
      return [Array.from(t.toSorted()), Array.from(t.toReversed()), Array.from(t.with(1, 5)), Array.from(t), t.findLast((x) => x > 0)];
    },
    wellFormed: () => ["ab".isWellFormed(), "a\ud800".isWellFormed(), "a\ud800b\udc00".toWellFormed() === "a\ufffdb\ufffd"],
  });
}

export function asyncCases() {
  return runAsync({
    digest: async () => {
      const data = new TextEncoder().encode("abc");
      const out = [];
      for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", { name: "sha-256" }]) out.push(hex(await crypto.subtle.digest(alg, data)));
      return out;
    },
    digestUnknown: async () => {
      try {
        await crypto.subtle.digest("MD5", new Uint8Array(1));
        return "digested";
      } catch (e) {
        return e.name;
      }
    },
    blobRead: async () => {
      const b = new Blob(["héllo ", bytes(0x77)]);
      return [await b.text(), hex(await b.arrayBuffer()), await b.slice(0, 2).text()];
    },
    blobStream: async () => {
      const reader = new Blob(["abc"]).stream().getReader();
      let s = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        s += new TextDecoder().decode(value);
      }
      return s;
    },
    responseBody: async () => {
      const r = new Response('{"a":[1]}');
      const j = await r.clone().json();
      const t = await r.text();
      let again;
      try {
        await r.text();
      } catch (e) {
        again = e.name;
      }
      return [j, t, r.bodyUsed, again, hex(await new Response(bytes(1, 2)).arrayBuffer()),
        await new Response(new URLSearchParams("a=1")).text(), (await new Response("x").blob()).size];
    },
    requestBody: async () => {
      const r = new Request("http://h.test/", { method: "PUT", body: JSON.stringify({ k: 1 }) });
      return [await r.clone().json(), await r.text()];
    },
    fetchRefused: async () => {
      try {
        await fetch("http://127.0.0.1:9/nothing");
        return "fetched";
      } catch (e) {
        return [e.name, e.message.startsWith("fetch failed")];
      }
    },
    fetchBadUrl: async () => {
      try {
        await fetch("not a url");
        return "fetched";
      } catch (e) {
        return e.name;
      }
    },
    fetchAborted: async () => {
      try {
        await fetch("http://127.0.0.1:9/", { signal: AbortSignal.abort() });
        return "fetched";
      } catch (e) {
        return [e.name, e instanceof DOMException];
      }
    },
    abortTimeout: async () => {
      const s = AbortSignal.timeout(5);
      const before = s.aborted;
      await new Promise((resolve) => s.addEventListener("abort", resolve));
      return [before, s.aborted, s.reason.name, s.reason.code, s.reason instanceof DOMException];
    },
    immediateOrder: async () => {
      const order = [];
      await new Promise((resolve) => {
        setTimeout(() => {
          setTimeout(() => {
            order.push("timeout");
            resolve();
          }, 0);
          setImmediate(() => order.push("immediate"));
          Promise.resolve().then(() => order.push("promise"));
          order.push("sync");
        }, 0);
      });
      return order;
    },
    clearImmediate: async () => {
      const order = [];
      const id = setImmediate(() => order.push("cleared"));
      clearImmediate(id);
      await new Promise((resolve) => setImmediate(resolve));
      return order;
    },
    nextTick: async () => {
      const order = [];
      // from a timer's callback (a macrotask), where Node runs ticks before
      // the promise jobs; from inside a promise job it runs them after
      // (ssrd: before). README "Web APIs" says so.
      await new Promise((resolve) => {
        setTimeout(() => {
          queueMicrotask(() => order.push("micro"));
          process.nextTick((a) => order.push("tick" + a), 1);
          setTimeout(resolve, 0);
        }, 0);
      });
      return order;
    },
  });
}
