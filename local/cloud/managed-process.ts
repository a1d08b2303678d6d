import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { OutputTail } from "./output-tail.ts";
import { trackProcessGroup, untrackProcessGroup } from "./process-registry.ts";
import type { ReadinessProbe } from "./readiness-probe.ts";

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcessSpec {
  /** Used in messages and in the harness's table. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment (not merged with this process's). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Polled until it resolves true, the child exits, or the start deadline passes. */
  readonly ready: ReadinessProbe;
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
  /** After SIGTERM, how long the group may take to exit before it gets SIGKILL. @default 3_000 */
  readonly stopTimeoutMs?: number;
  /** @default 25 */
  readonly pollIntervalMs?: number;
  /** How much of the child's output is kept for error messages. @default 64 KiB */
  readonly outputLimitBytes?: number;
}

/** A child process running in its own process group, known to be ready, and stoppable with a deadline. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first successful readiness probe. */
  readonly startMs: number;
  /** Resolves when the child exits, whoever made it exit. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  outputTail(maxLines?: number): string;
  /** Sends a signal to the child's whole process group (fault tests freeze one with SIGSTOP). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after stopTimeoutMs; resolves once the child has exited. Idempotent. */
  stop(): Promise<ProcessExit>;
}

/** The child could not be spawned, exited early, or was not ready in time; carries its last output. */
export class ProcessStartError extends Error {
  override readonly name = "ProcessStartError";
  readonly processName: string;
  readonly outputTail: string;
  /** The child's pid, when it was spawned at all. */
  readonly pid: number | undefined;
  readonly exit: ProcessExit | undefined;

  constructor(processName: string, reason: string, outputTail: string, pid?: number, exit?: ProcessExit) {
    super(
      `${processName} failed to start: ${reason}\n` +
        `--- last output of ${processName} ---\n${outputTail === "" ? "(no output)" : outputTail}\n---`,
    );
    this.processName = processName;
    this.outputTail = outputTail;
    this.pid = pid;
    this.exit = exit;
  }
}

export async function startManagedProcess(spec: ManagedProcessSpec): Promise<ManagedProcess> {
  const startTimeoutMs = spec.startTimeoutMs ?? 30_000;
  const stopTimeoutMs = spec.stopTimeoutMs ?? 3_000;
  const pollIntervalMs = spec.pollIntervalMs ?? 25;
  const tail = new OutputTail(spec.outputLimitBytes);
  const spawnedAt = performance.now();

  // detached: the child leads a new process group, so one signal reaches it and everything it forks
  // (a shell shim, a JVM's helpers), and a Ctrl-C in the terminal reaches only us, who then stop it in order.
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => tail.append(chunk));
  child.stderr.on("data", (chunk: Buffer) => tail.append(chunk));

  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProcessStartError(spec.name, `cannot run ${spec.command}: ${reason}`, tail.text());
  }
  // Later errors (a failed kill of a group that just exited) must not crash the harness.
  child.on("error", () => {});
  const pid = child.pid;
  if (pid === undefined) throw new ProcessStartError(spec.name, `no pid for ${spec.command}`, tail.text());

  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      // The leader is gone; anything it left in its group is ours and must not linger.
      signalGroup(pid, "SIGKILL");
      untrackProcessGroup(pid);
      resolve(exit);
    });
  });

  let stopping: Promise<ProcessExit> | undefined;
  const stop = (): Promise<ProcessExit> => {
    stopping ??= (async () => {
      if (exit !== undefined) return exit;
      signalGroup(pid, "SIGTERM");
      // A frozen (SIGSTOPped) process only acts on SIGTERM once it runs again.
      signalGroup(pid, "SIGCONT");
      if (!(await settlesWithin(exited, stopTimeoutMs))) signalGroup(pid, "SIGKILL");
      return exited;
    })();
    return stopping;
  };
  trackProcessGroup(pid, stop);

  const deadline = spawnedAt + startTimeoutMs;
  for (;;) {
    const ready = await Promise.race([spec.ready(), exited.then(() => false)]);
    if (exit !== undefined) {
      throw new ProcessStartError(
        spec.name,
        `it exited (${describeExit(exit)}) before it was ready`,
        tail.text(),
        pid,
        exit,
      );
    }
    if (ready) break;
    if (performance.now() >= deadline) {
      await stop();
      throw new ProcessStartError(spec.name, `not ready within ${startTimeoutMs} ms`, tail.text(), pid, exit);
    }
    await delay(pollIntervalMs);
  }

  return {
    name: spec.name,
    pid,
    startMs: Math.round(performance.now() - spawnedAt),
    exited,
    isRunning: () => exit === undefined,
    outputTail: (maxLines) => tail.text(maxLines),
    signal: (signal) => signalGroup(pid, signal),
    stop,
  };
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}

function signalGroup(processGroupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-processGroupId, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}

async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  const timer = new AbortController();
  const timedOut = delay(timeoutMs, false, { signal: timer.signal }).catch(() => false);
  const settled = await Promise.race([promise.then(() => true), timedOut]);
  timer.abort();
  return settled;
}
