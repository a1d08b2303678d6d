/**
 * Every process group the harness started and has not yet seen exit, so that none outlives the Node process
 * that started it: not when a test run fails, not on Ctrl-C, not on an uncaught exception.
 *
 * - On SIGINT, SIGTERM and SIGHUP the groups are stopped gracefully (SIGTERM, then SIGKILL after their
 *   deadline); then, if nobody else listens for that signal, it is raised again so the process still dies of it.
 * - On `exit` (which Node also emits after an uncaught exception) only synchronous work is possible: every
 *   group still alive gets SIGKILL. Emulator state is in memory, so nothing is lost by not asking nicely.
 * - If this process dies without running any hook (SIGKILL, say a test runner killing a stuck worker), a
 *   small watchdog process (orphan-reaper.ts) notices its pipe from us closing and SIGKILLs the groups.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

type GracefulStop = () => Promise<unknown>;

const liveGroups = new Map<number, GracefulStop>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let hooksInstalled = false;

let reaper: ChildProcess | undefined;

export function trackProcessGroup(processGroupId: number, stop: GracefulStop): void {
  installHooks();
  liveGroups.set(processGroupId, stop);
  tellReaper(`+${processGroupId}`);
}

export function untrackProcessGroup(processGroupId: number): void {
  if (liveGroups.delete(processGroupId)) tellReaper(`-${processGroupId}`);
}

/** The process group ids still alive (for tests that check nothing was left behind). */
export function trackedProcessGroups(): number[] {
  return [...liveGroups.keys()];
}

/** Stops every tracked group gracefully, in parallel. */
export async function stopAllTracked(): Promise<void> {
  await Promise.allSettled([...liveGroups.values()].map((stop) => stop()));
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAllNow);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function tellReaper(line: string): void {
  reaper ??= startReaper();
  if (reaper.stdin?.writable) reaper.stdin.write(`${line}\n`);
}

function startReaper(): ChildProcess {
  const script = fileURLToPath(new URL("./orphan-reaper.ts", import.meta.url));
  const child = spawn(process.execPath, [script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  // Neither the watchdog nor its pipe may keep this process alive; a write to a dead watchdog is no error.
  child.unref();
  child.on("error", () => {});
  child.stdin?.on("error", () => {});
  const pipe = child.stdin;
  if (pipe !== null && "unref" in pipe && typeof pipe.unref === "function") pipe.unref();
  return child;
}

function killAllNow(): void {
  for (const processGroupId of liveGroups.keys()) {
    try {
      process.kill(-processGroupId, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  liveGroups.clear();
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  // Counted now: a `once` listener of someone else's is gone by the time the groups have stopped.
  const othersListen = process.listenerCount(signal) > 1;
  await stopAllTracked();
  // Others (a CLI, a test runner) have their own plan for this signal; if not, die of it as Node would.
  if (othersListen) return;
  for (const each of SIGNALS) process.removeListener(each, onSignal);
  process.removeListener("exit", killAllNow);
  hooksInstalled = false;
  process.kill(process.pid, signal);
}
