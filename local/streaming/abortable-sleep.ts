import { setTimeout as delay } from "node:timers/promises";

/** Waits `ms`; false (at once) when `signal` aborts first, so a stopping poller never waits out a pause. */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
