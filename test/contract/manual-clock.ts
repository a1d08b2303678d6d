/**
 * A clock a test moves by hand. Adapters take `clock.now` as their `() => number`, so time-dependent
 * behaviour (TTL, retention, expiry) is checked without sleeping.
 */
export interface ManualClock {
  readonly now: () => number;
  advance(ms: number): void;
}

/** @param start epoch ms; a fixed date by default, so runs are reproducible. */
export function createManualClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms: number): void {
      if (!(ms >= 0)) throw new Error(`a clock only moves forward, got ${ms}`);
      current += ms;
    },
  };
}
