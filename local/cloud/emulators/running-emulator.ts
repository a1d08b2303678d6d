import type { ManagedProcess } from "../managed-process.ts";

/** The AWS services (and the cache) the local cloud can stand in for. */
export type LocalServiceName = "dynamodb" | "kinesis" | "s3" | "redis" | "sagemakerRuntime";

export const ALL_LOCAL_SERVICES: readonly LocalServiceName[] = [
  "dynamodb",
  "kinesis",
  "s3",
  "redis",
  "sagemakerRuntime",
];

/** One emulator, started and ready. */
export interface RunningEmulator {
  readonly service: LocalServiceName;
  /** `http://127.0.0.1:<port>` (or `redis://…` for the cache). */
  readonly endpoint: string;
  /** The child's pid, or this process's pid for an in-process server. */
  readonly pid: number;
  /** Milliseconds from spawn to ready. */
  readonly startMs: number;
  /** What runs, and from which package. */
  readonly source: string;
  /** The child process, for fault tests that freeze or kill it; absent for in-process servers. */
  readonly process: ManagedProcess | undefined;
  stop(): Promise<void>;
}

/** Options every emulator starter takes. */
export interface EmulatorStartOptions {
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
  /** @default 3_000 */
  readonly stopTimeoutMs?: number;
}

export function fromManagedProcess(
  service: LocalServiceName,
  endpoint: string,
  source: string,
  child: ManagedProcess,
): RunningEmulator {
  return {
    service,
    endpoint,
    pid: child.pid,
    startMs: child.startMs,
    source,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}
