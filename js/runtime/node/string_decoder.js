// node:string_decoder: StringDecoder for utf8, utf16le, latin1, base64 and
// hex, keeping a character split across chunks for the next write.
import { Buffer } from "../web/buffer.js";

export class StringDecoder {
  constructor(encoding = "utf8") {
    const e = String(encoding).toLowerCase();
    this.encoding = e === "utf-8" ? "utf8" : e === "ucs2" || e === "ucs-2" || e === "utf-16le" ? "utf16le" : e === "binary" ? "latin1" : e;
    if (!Buffer.isEncoding(this.encoding)) {
      const err = new TypeError(`Unknown encoding: ${encoding}`);
      err.code = "ERR_UNKNOWN_ENCODING";
      throw err;
    }
    this._text = this.encoding === "utf8" ? new TextDecoder("utf-8") : this.encoding === "utf16le" ? new TextDecoder("utf-16le") : null;
    this._rest = new Uint8Array(0);
  }
  write(buf) {
    if (typeof buf === "string") return buf;
    if (this._text !== null) return this._text.decode(buf, { stream: true });
    // base64 and hex: whole groups now, the rest with the next chunk
    const group = this.encoding === "base64" || this.encoding === "base64url" ? 3 : 1;
    const all = Buffer.concat([this._rest, buf]);
    const n = all.length - (all.length % group);
    this._rest = all.subarray(n);
    return all.subarray(0, n).toString(this.encoding);
  }
  end(buf) {
    let s = buf === undefined ? "" : this.write(buf);
    if (this._text !== null) s += this._text.decode();
    else if (this._rest.length > 0) s += Buffer.from(this._rest).toString(this.encoding);
    this._rest = new Uint8Array(0);
    return s;
  }
}
export default { StringDecoder };
