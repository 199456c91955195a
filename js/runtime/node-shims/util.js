// What React's "bun" server build takes from Node's util: TextEncoder only.
export const TextEncoder = globalThis.TextEncoder;
export default { TextEncoder };
