// React's "bun" server build names Node's stream for renderToPipeableStream,
// which ssrd never calls: a stand-in that says so if anything does.
export class Readable {
  constructor() {
    throw new Error("ssrd: Node streams are not available; use renderToReadableStream");
  }
}
export default { Readable };
