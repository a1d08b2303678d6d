import { readFileSync } from "node:fs";

/**
 * True when the process has exited. A zombie counts as exited: once its parent is gone it waits for init to
 * reap it, which can take a moment, and it holds no port, memory or file any more.
 */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "ESRCH";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return true;
  }
}
