import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import * as z from "zod";

/** What one fresh process measured while loading a bundle. */
export interface FreshProcessLoad {
  /**
   * Milliseconds from just before `import()` of the bundle to its resolution, measured inside the process
   * (performance.now()): the part of Lambda's Init Duration that the code controls.
   */
  readonly importMs: number;
  /**
   * CPU time (user + system, all threads) the import took. Unlike importMs it hardly grows when other
   * processes compete for the CPU, so it tells a slower bundle from a busier machine.
   */
  readonly importCpuMs: number;
  /** Milliseconds from the process's start (performance.timeOrigin) until the handlers were ready. */
  readonly readyMs: number;
  /** Milliseconds from spawning the process until it exited, measured by the parent (hrtime). */
  readonly processMs: number;
  /** The exports that were checked to be functions. */
  readonly handlers: readonly string[];
}

export interface FreshProcessOptions {
  /** The process's whole environment: nothing is inherited, as in a Lambda execution environment. */
  readonly env: Readonly<Record<string, string>>;
  /** `handler`: that export must be a function; `all`: every export must be (a multi-handler module). */
  readonly handlers: "handler" | "all";
  /** @default process.execPath (Node 24 from node_modules/.bin under npm scripts and vitest) */
  readonly node?: string;
  /** @default 30_000 */
  readonly timeoutMs?: number;
}

const ChildReportSchema = z.object({
  importMs: z.number(),
  importCpuMs: z.number(),
  readyMs: z.number(),
  handlers: z.array(z.string()),
});

// Runs in the fresh process (an ES module given with --eval). It exits when done, so that sockets the handler
// opened at init (the cache) do not keep it up.
const CHILD_SOURCE = `
const [bundleUrl, mode] = process.argv.slice(1);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const module = await import(bundleUrl);
const ready = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const names = mode === "handler" ? ["handler"] : Object.keys(module);
const notFunctions = names.filter((name) => typeof module[name] !== "function");
if (names.length === 0 || notFunctions.length > 0) {
  console.error("not functions: " + (notFunctions.join(", ") || "(no exports)"));
  process.exit(3);
}
// One turn of the event loop, so that a promise the init left rejected (a client it started to load) is
// reported and fails the process, as it would fail a Lambda init.
await new Promise((settled) => setImmediate(settled));
const importCpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ importMs: ready - started, importCpuMs, readyMs: ready, handlers: names }) + "\\n");
process.exit(0);
`;

/** What a script run in a fresh Node process left behind. */
export interface FreshProcessRun {
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from spawning the process until it exited, measured by the parent (hrtime). */
  readonly processMs: number;
}

/**
 * Runs an ES module source (`--eval`) with `args` in a new Node process with exactly `env` (nothing
 * inherited), and resolves with its output once it exits 0. Rejects, with the end of its stderr, when it
 * exits otherwise or outlives `timeoutMs` (then it is killed).
 */
export function runInFreshProcess(
  source: string,
  args: readonly string[],
  options: {
    readonly env: Readonly<Record<string, string>>;
    readonly node?: string;
    readonly timeoutMs?: number;
  },
): Promise<FreshProcessRun> {
  const started = process.hrtime.bigint();
  const child = spawn(options.node ?? process.execPath, ["--input-type=module", "--eval", source, ...args], {
    env: { ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<FreshProcessRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const processMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        const reason = signal === null ? `exit code ${code}` : `signal ${signal}`;
        reject(new Error(`${reason}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      resolve({ stdout, stderr, processMs });
    });
  });
}

/**
 * Imports a bundle in a new Node process, as the Lambda runtime imports a handler module at init, and
 * reports how long that took. Rejects with the process's stderr when the import fails or a handler is not a
 * function.
 */
export async function loadBundleInFreshProcess(
  file: string,
  options: FreshProcessOptions,
): Promise<FreshProcessLoad> {
  let run: FreshProcessRun;
  try {
    run = await runInFreshProcess(CHILD_SOURCE, [pathToFileURL(file).href, options.handlers], options);
  } catch (error) {
    throw new Error(`loading ${file} failed (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const reported = ChildReportSchema.parse(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? ""));
    return { ...reported, processMs: run.processMs };
  } catch {
    throw new Error(`loading ${file}: unreadable report ${JSON.stringify(run.stdout.slice(-500))}`);
  }
}
