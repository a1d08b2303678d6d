/**
 * The watchdog the process registry starts beside the harness: it reads "+<pgid>" / "-<pgid>" lines on
 * stdin, a pipe from the harness. When that pipe closes, the harness is gone, however it went (SIGKILL
 * included, when no exit hook of its own can run), and every process group still listed gets SIGKILL.
 * Run as a script: `node orphan-reaper.ts`.
 */
import { createInterface } from "node:readline";

const groups = new Set<number>();

createInterface({ input: process.stdin })
  .on("line", (line) => {
    const processGroupId = Number(line.slice(1));
    if (!Number.isInteger(processGroupId) || processGroupId <= 1) return;
    if (line.startsWith("+")) groups.add(processGroupId);
    else if (line.startsWith("-")) groups.delete(processGroupId);
  })
  .on("close", () => {
    for (const processGroupId of groups) {
      try {
        process.kill(-processGroupId, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    process.exit(0);
  });
