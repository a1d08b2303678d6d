import { spawn } from "node:child_process";
import { OutputTail } from "../output-tail.ts";
import { trackProcessGroup, untrackProcessGroup } from "../process-registry.ts";

export interface ExitOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stdout and stderr, interleaved. */
  readonly outputTail: string;
  readonly timedOut: boolean;
}

export interface RunToExitOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/**
 * Runs a command that is meant to finish (Maven, Kafka's storage formatter) in its own process group,
 * registered with the harness's process registry like the emulators, so an interrupted run (Ctrl-C, a killed
 * test worker) leaves nothing behind. Past the deadline the group is killed. Rejects only when the command
 * cannot be started at all (ENOENT); a failing exit is an outcome for the caller to explain.
 */
export async function runToExit(
  command: string,
  args: readonly string[],
  options: RunToExitOptions,
): Promise<ExitOutcome> {
  const tail = new OutputTail(128 * 1024);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => tail.append(chunk));
  child.stderr.on("data", (chunk: Buffer) => tail.append(chunk));
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  child.on("error", () => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`no pid for ${command}`);

  const killGroup = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  trackProcessGroup(pid, async () => {
    killGroup();
    await exited;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  try {
    const { code, signal } = await exited;
    return { code, signal, outputTail: tail.text(60), timedOut };
  } finally {
    clearTimeout(timer);
    // Whatever it forked and left running in its group goes with it.
    killGroup();
    untrackProcessGroup(pid);
  }
}
