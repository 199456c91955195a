// node:buffer: the global Buffer (web/buffer.js), Blob, File, atob, btoa.
import { Buffer as B, constants as C, kMaxLength as K } from "../web/buffer.js";

export const Buffer = B;
export const constants = C;
export const kMaxLength = K;
export const INSPECT_MAX_BYTES = 50;
export const { Blob, File, atob, btoa } = globalThis;
export const SlowBuffer = B;
export function isUtf8(input) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}
export function isAscii(input) {
  const b = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
  return b.every((x) => x < 0x80);
}
export default { Buffer, constants, kMaxLength, INSPECT_MAX_BYTES, Blob, File, atob, btoa, SlowBuffer, isUtf8, isAscii };
