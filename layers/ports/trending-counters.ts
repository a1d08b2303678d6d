/** One counted interaction for trending. */
export interface TrendingIncrement {
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
  /** Not idempotent by itself: the stream handler calls it only for events the InteractionLog stored new. */
  increment(increments: readonly TrendingIncrement[]): Promise<void>;
  /** Items by the sum of their buckets in the window, highest first. */
  top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>>;
}
