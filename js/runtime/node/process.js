// node:process: the global process object (web/process.js).
import p from "../web/process.js";

export default p;
export const { env, version, versions, platform, arch, argv, cwd, nextTick, hrtime, uptime, memoryUsage, emitWarning,
  exit, pid, release } = p;
