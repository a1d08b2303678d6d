import { describe, expect, it } from "vitest";
import { findFreePort } from "../../../local/cloud/free-port.ts";
import { ProcessStartError, startManagedProcess } from "../../../local/cloud/managed-process.ts";
import { trackedProcessGroups } from "../../../local/cloud/process-registry.ts";
import { tcpProbe } from "../../../local/cloud/readiness-probe.ts";
import { processIsGone } from "./process-gone.ts";
import { waitUntil } from "./wait-until.ts";

/** A Node child running `script`, ready once it listens on `port`. */
async function startNodeChild(
  script: string,
  options: { startTimeoutMs?: number; stopTimeoutMs?: number } = {},
) {
  const port = await findFreePort();
  return startManagedProcess({
    name: "child",
    command: process.execPath,
    args: ["-e", script.replaceAll("PORT", String(port))],
    ready: tcpProbe(port),
    ...options,
  });
}

const LISTEN = "require('node:net').createServer().listen(PORT, '127.0.0.1');";

// The harness's process handling, with plain Node children standing in for emulators.
describe("managed processes", () => {
  it("reports a child that exits before it is ready, with its exit code and last output", async () => {
    const error = await startNodeChild("console.log('config error: no port'); process.exit(3)").catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.message).toContain("exit code 3");
    expect(error.outputTail).toContain("config error: no port");
  });

  it("stops a child that is not ready by the deadline, and says so", async () => {
    const error = await startNodeChild("setInterval(() => {}, 1000)", { startTimeoutMs: 300 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.message).toContain("not ready within 300 ms");
    expect(error.exit).toBeDefined();
    expect(processIsGone(error.pid)).toBe(true);
  });

  it("says which command could not be run", async () => {
    const error = await startManagedProcess({
      name: "missing",
      command: "flywheel-no-such-command",
      args: [],
      ready: async () => true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.message).toMatch(/cannot run flywheel-no-such-command: .*ENOENT/);
  });

  it("kills a child that ignores SIGTERM once the stop deadline passes", async () => {
    const child = await startNodeChild(`process.on('SIGTERM', () => {}); ${LISTEN}`, { stopTimeoutMs: 300 });
    const exit = await child.stop();
    expect(exit.signal).toBe("SIGKILL");
    expect(child.isRunning()).toBe(false);
    expect(trackedProcessGroups()).not.toContain(child.pid);
  });

  it("stops the child's own children with it (the whole process group)", async () => {
    const child = await startNodeChild(
      "const g = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], " +
        `{ stdio: 'ignore' }); console.log('grandchild', g.pid); ${LISTEN}`,
    );
    const grandchild = await waitUntil("the grandchild's pid is printed", async () => {
      const match = /grandchild (\d+)/.exec(child.outputTail());
      return match?.[1] === undefined ? undefined : Number(match[1]);
    });
    expect(processIsGone(grandchild)).toBe(false);
    await child.stop();
    await waitUntil("the grandchild is gone", async () => (processIsGone(grandchild) ? true : undefined));
  });
});
