import { spawn } from "node:child_process";
import { OutputTail } from "./output-tail.ts";
import { trackProcessGroup, untrackProcessGroup } from "./process-registry.ts";

export interface CommandOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stdout and stderr, interleaved. */
  readonly outputTail: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
}

export interface RunToCompletionOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Each chunk of output, as it comes (progress for a long download). */
  readonly onOutput?: (chunk: string) => void;
  /** Aborting kills the command's whole group (the harness stopped before the command finished). */
  readonly signal?: AbortSignal;
}

/**
 * Runs a command that is meant to finish (Maven, Kafka's storage formatter: not a server) in its own process group, registered
 * with the harness's registry like the emulators, so an interrupted run (Ctrl-C, a killed test run) does not
 * leave it behind. Past the deadline the whole group is killed. Rejects only when the command cannot be
 * started at all (ENOENT); a failing exit is an outcome the caller explains.
 */
export async function runToCompletion(
  command: string,
  args: readonly string[],
  options: RunToCompletionOptions,
): Promise<CommandOutcome> {
  const tail = new OutputTail(256 * 1024);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onData = (chunk: Buffer) => {
    tail.append(chunk);
    options.onOutput?.(chunk.toString("utf8"));
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  child.on("error", () => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`no pid for ${command}`);

  let timedOut = false;
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
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  options.signal?.addEventListener("abort", killGroup, { once: true });
  if (options.signal?.aborted) killGroup();
  try {
    const { code, signal } = await exited;
    const aborted = options.signal?.aborted ?? false;
    return { code, signal, outputTail: tail.text(60), timedOut, aborted };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", killGroup);
    // Whatever the command forked and left running in its group goes with it.
    killGroup();
    untrackProcessGroup(pid);
  }
}
