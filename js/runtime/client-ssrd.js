// client-ssrd.js: the `ssrd` module in the browser bundle. The host bridge
// (files, databases, fetch, env) runs on the server only: in the browser its
// calls return promises that never settle, so a Suspense boundary waiting on
// them keeps the HTML the server streamed instead of rendering again.
const pending = () => new Promise(() => {});
export const files = Object.freeze({ read: pending, list: pending });
export const db = Object.freeze({ query: pending });
export const env = Object.freeze({ get: pending });
export const fetch = pending;
const quiet = () => {};
export const log = Object.freeze({ debug: quiet, info: quiet, warn: quiet, error: quiet });
import { notFound as nf } from "./tree.js";
export default { files, db, env, fetch, log, notFound: nf };
export { notFound } from "./tree.js";
