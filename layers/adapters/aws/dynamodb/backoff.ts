import { setTimeout as sleep } from "node:timers/promises";

/** How an adapter retries what DynamoDB accepted only in part (unprocessed batch items, cancelled transactions). */
export interface RetryPolicy {
  /** Attempts, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Eight attempts over about 6 s at most: enough for on-demand capacity to catch up with a burst. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 2000,
});

/**
 * Waits before retry number `retry` (1 for the first retry): exponential backoff with full jitter, so
 * writers that failed together do not come back together.
 */
export async function backOff(retry: number, policy: RetryPolicy): Promise<void> {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  await sleep(Math.round(Math.random() * ceiling));
}
