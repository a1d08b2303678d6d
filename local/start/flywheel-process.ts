import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const START_CLI = fileURLToPath(new URL("./start-cli.ts", import.meta.url));

/** The line `npm start -- --ready-json` prints once everything runs. */
export const ReadyLineSchema = z.looseObject({
  ready: z.literal(true),
  readyMs: z.number(),
  apiUrl: z.string(),
  webUrl: z.string(),
  apiKey: z.string(),
  mode: z.enum(["emulators", "embedded"]),
  nightly: z.string(),
  runId: z.string(),
  vectorIndex: z.string(),
  fallbacks: z.array(z.string()),
  phaseSeconds: z.record(z.string(), z.number()),
  nightlySteps: z.record(z.string(), z.number()),
  pid: z.number(),
});
export type ReadyLine = z.infer<typeof ReadyLineSchema>;

export interface FlywheelProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: ReadyLine;
  /** Milliseconds from spawn to the ready line, measured outside the process. */
  readonly readyAfterMs: number;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves when it has exited, or rejects after `timeoutMs`. */
  interrupt(timeoutMs?: number): Promise<{ readonly code: number | null; readonly stoppedAfterMs: number }>;
}

export interface SpawnFlywheelOptions {
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** @default 300,000 ms */
  readonly readyTimeoutMs?: number;
}

/**
 * `npm start` as a child process (the way a user runs it), resolved once its ready line is out. A start
 * that fails, exits or overruns the deadline is killed and rejected with its output.
 */
export function spawnFlywheel(options: SpawnFlywheelOptions = {}): Promise<FlywheelProcess> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [START_CLI, ...(options.args ?? []), "--ready-json"], {
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let stdoutBuffer = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise<FlywheelProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `npm start was not ready within ${options.readyTimeoutMs ?? 300_000} ms:\n${output.join("")}`,
        ),
      );
    }, options.readyTimeoutMs ?? 300_000);
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output.push(text);
      stdoutBuffer += text;
      for (let newline = stdoutBuffer.indexOf("\n"); newline >= 0; newline = stdoutBuffer.indexOf("\n")) {
        const line = stdoutBuffer.slice(0, newline);
        stdoutBuffer = stdoutBuffer.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        const parsed = ReadyLineSchema.safeParse(safeJson(line));
        if (!parsed.success) continue;
        clearTimeout(timer);
        const readyAfterMs = performance.now() - startedAt;
        resolve({
          child,
          pid: child.pid ?? 0,
          ready: parsed.data,
          readyAfterMs,
          output: () => output.join(""),
          interrupt: async (timeoutMs = 10_000) => {
            const sentAt = performance.now();
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
            let deadline: NodeJS.Timeout | undefined;
            const code = await Promise.race([
              exited,
              new Promise<never>((_, fail) => {
                deadline = setTimeout(() => {
                  child.kill("SIGKILL");
                  fail(new Error(`npm start did not stop within ${timeoutMs} ms of SIGINT`));
                }, timeoutMs);
              }),
            ]).finally(() => clearTimeout(deadline));
            return { code, stoppedAfterMs: performance.now() - sentAt };
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output.join("")}`));
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
