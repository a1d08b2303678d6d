/** One counted interaction for trending. */
export interface TrendingIncrement {
  /** The event's idempotency key: an increment is counted once per (eventId, itemId). */
  readonly eventId: string;
  readonly itemId: string;
  readonly categories: readonly string[];
  readonly at: number;
  readonly weight: number;
}

export interface TrendingQuery {
  /** Only this category; all items when absent. */
  readonly category?: string;
  /** Sum buckets over this many ms back from `now`. */
  readonly windowMs: number;
  readonly now: number;
  readonly limit: number;
}

/**
 * Time-bucketed interaction counts per item, overall and per category. Buckets are `bucketMs` wide
 * (hourly by default) and expire after the longest window served.
 */
export interface TrendingCounters {
  /**
   * Idempotent by eventId, so the stream handler can count every delivered event: an increment whose eventId
   * was already counted for that item (in the same call or an earlier one) is ignored, for at least the
   * adapter's `dedupeWindowMs` after it was counted (48 h by default, the interaction log's dedupe window:
   * a redelivered stream batch arrives within the stream's retention). Each increment's check and count are
   * one atomic step, so a crash between increments never counts one twice on redelivery.
   */
  increment(increments: readonly TrendingIncrement[]): Promise<void>;
  /** Items by the sum of their buckets in the window, highest first. */
  top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>>;
}
