import { setTimeout as delay } from "node:timers/promises";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";

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

/**
 * Reads until `done` holds for what was read, and returns that; fails as waitUntil does at the deadline. A read
 * that fails with a retryable DependencyError (an emulator that timed out while the system under test loads it
 * with writes, as AWS may) is read again; at the deadline the failure names the last such error. Any other
 * error fails at once.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  let lastFailure: DependencyError | undefined;
  try {
    return await waitUntil(
      "the expected state",
      async () => {
        try {
          const value = await read();
          lastFailure = undefined;
          return done(value) ? value : undefined;
        } catch (error) {
          if (!(error instanceof DependencyError) || !error.retryable) throw error;
          lastFailure = error;
          return undefined;
        }
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch (error) {
    if (lastFailure === undefined) throw error;
    throw new Error(
      `${error instanceof Error ? error.message : String(error)} (the last read failed: ${lastFailure.message})`,
      {
        cause: lastFailure,
      },
    );
  }
}
