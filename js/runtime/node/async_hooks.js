// node:async_hooks: AsyncLocalStorage and AsyncResource (web/als.js);
// createHook and the async ids are not provided (no per-promise hooks).
import { AsyncLocalStorage as ALS, AsyncResource as AR } from "../web/als.js";

export const AsyncLocalStorage = ALS;
export const AsyncResource = AR;
export const executionAsyncId = () => 0;
export const triggerAsyncId = () => 0;
export function createHook() {
  throw new Error("ssrd: async_hooks.createHook is not available; use AsyncLocalStorage");
}
export default { AsyncLocalStorage, AsyncResource, executionAsyncId, triggerAsyncId, createHook };
