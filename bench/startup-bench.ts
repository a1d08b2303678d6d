// `npm run bench -- startup`: `npm start` with the default demo size (2,000 users × 1,000 items × 100,000
// interactions, OpenSearch in the background), as a child process the way a user runs it. Figures: seconds
// from spawn to the ready line, the resident memory of the whole process tree right after ready (every
// emulator, JVM and helper it started, read from /proc), and the seconds from Ctrl-C to exit. Target
// (issue 8): ready in under 60 s on 2 cores. FLYWHEEL_BENCH_STARTUP_ARGS adds arguments (e.g. `--embedded`).
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { spawnFlywheel } from "../local/start/flywheel-process.ts";
import { processTree, stillRunning, type TreeProcess } from "../local/start/process-tree.ts";
import { type BenchFigure, round } from "./bench-figure.ts";

export const STARTUP_TARGET_SECONDS = 60;
const MIB = 1024 * 1024;

export async function runStartupBench(print: (figure: BenchFigure) => void): Promise<void> {
  const extraArgs = (process.env.FLYWHEEL_BENCH_STARTUP_ARGS ?? "").split(" ").filter((arg) => arg !== "");
  const context = {
    data: "generated 2000 users x 1000 items x 100000 interactions",
    cores: availableParallelism(),
    loadAverageBefore: round(loadavg()[0] ?? 0, 2),
    ...(extraArgs.length === 0 ? {} : { args: extraArgs.join(" ") }),
  };
  const flywheel = await spawnFlywheel({ args: ["--port", "0", ...extraArgs] });
  try {
    const tree = processTree(flywheel.pid);
    const rssBytes = tree.reduce((sum, process) => sum + process.rssBytes, 0);
    const common = { ...context, mode: flywheel.ready.mode, vectorIndex: flywheel.ready.vectorIndex };
    print({
      bench: "startup",
      metric: "seconds_to_ready",
      value: round(flywheel.readyAfterMs / 1000, 1),
      unit: "s",
      target: STARTUP_TARGET_SECONDS,
      met: flywheel.readyAfterMs / 1000 < STARTUP_TARGET_SECONDS,
      nightly: flywheel.ready.nightly,
      phaseSeconds: flywheel.ready.phaseSeconds,
      nightlySteps: flywheel.ready.nightlySteps,
      loadAverageAtReady: round(loadavg()[0] ?? 0, 2),
      ...common,
    });
    print({
      bench: "startup",
      metric: "resident_memory",
      value: round(rssBytes / MIB, 0),
      unit: "MiB",
      processes: tree.length,
      byProcess: memoryByRole(tree),
      ...common,
    });
    const pids = tree.map((process) => process.pid);
    const { stoppedAfterMs } = await flywheel.interrupt(15_000);
    // The orphan reaper exits once it sees the pipe from the runtime close: a moment after the runtime.
    // Whatever still runs two seconds later was left behind.
    let leftBehind = stillRunning(pids);
    for (const deadline = Date.now() + 2_000; leftBehind.length > 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      leftBehind = stillRunning(pids);
    }
    print({
      bench: "startup",
      metric: "seconds_to_stop",
      value: round(stoppedAfterMs / 1000, 1),
      unit: "s",
      target: 5,
      processesLeftBehind: leftBehind.length,
      ...(leftBehind.length === 0
        ? {}
        : { leftBehind: tree.filter((process) => leftBehind.includes(process.pid)).map(roleOf) }),
      ...common,
    });
  } finally {
    if (flywheel.child.exitCode === null) flywheel.child.kill("SIGKILL");
  }
}

/** RSS in MiB per role, the emulators told apart by their command line. */
function memoryByRole(tree: readonly TreeProcess[]): Record<string, number> {
  const byRole: Record<string, number> = {};
  for (const process of tree) {
    const role = roleOf(process);
    byRole[role] = round((byRole[role] ?? 0) + process.rssBytes / MIB, 0);
  }
  return byRole;
}

function roleOf(process: TreeProcess): string {
  let commandLine = "";
  try {
    commandLine = readFileSync(`/proc/${process.pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return process.command;
  }
  const roles: Array<[RegExp, string]> = [
    [/start-cli\.ts/, "runtime (node: API, stream, pipeline, web)"],
    [/DynamoDBLocal/, "DynamoDB Local (java)"],
    [/org\.opensearch/, "OpenSearch (java)"],
    [/moto/, "moto (python)"],
    [/redis-server/, "redis-server"],
    [/kinesis-local/, "kinesis-mock (node)"],
    [/orphan-reaper/, "orphan reaper (node)"],
    [/vite/, "vite build (node)"],
  ];
  return roles.find(([pattern]) => pattern.test(commandLine))?.[1] ?? process.command;
}
