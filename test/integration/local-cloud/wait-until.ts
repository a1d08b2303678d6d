import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls `check` until it returns a value other than undefined, or fails once `timeoutMs` has passed.
 * Emulators, like AWS, finish some operations asynchronously (a stream becoming ACTIVE); tests wait for the
 * condition, never for a fixed time.
 */
export async function waitUntil<T>(
  description: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await delay(intervalMs);
  }
}

/** Reads until `done` holds for what was read, and returns that; fails as waitUntil does at the deadline. */
export function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return waitUntil(
    "the expected state",
    async () => {
      const value = await read();
      return done(value) ? value : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}
