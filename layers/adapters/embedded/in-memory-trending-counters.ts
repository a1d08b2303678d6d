import { InvalidInputError } from "../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import type { TrendingCounters, TrendingIncrement, TrendingQuery } from "../../ports/trending-counters.ts";
import { requireFiniteNumber, requireNonEmptyText } from "./argument-checks.ts";

export const DEFAULT_TRENDING_BUCKET_MS = 3600 * 1000;
export const DEFAULT_TRENDING_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface InMemoryTrendingCountersOptions {
  /** Bucket width. @default 1 h */
  readonly bucketMs?: number;
  /** Buckets older than this (by the clock) are dropped; the longest window served. @default 7 days */
  readonly retentionMs?: number;
  readonly clock?: Clock;
}

/** The counts of one time bucket: over all items and per category. */
interface Bucket {
  readonly all: Map<string, number>;
  readonly byCategory: Map<string, Map<string, number>>;
}

/**
 * Trending counts in fixed time buckets. A query sums every bucket that overlaps the window
 * (now − windowMs, now], so the window is always fully covered and at most one bucket's worth of older
 * counts leaks in at its far edge; a bucket that starts after `now` is not counted.
 */
export class InMemoryTrendingCounters implements TrendingCounters {
  private readonly buckets = new Map<number, Bucket>();
  private readonly bucketMs: number;
  private readonly retentionMs: number;
  private readonly clock: Clock;

  constructor(options: InMemoryTrendingCountersOptions = {}) {
    this.bucketMs = options.bucketMs ?? DEFAULT_TRENDING_BUCKET_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_TRENDING_RETENTION_MS;
    if (!Number.isInteger(this.bucketMs) || this.bucketMs < 1) {
      throw new InvalidInputError(`bucketMs must be an integer ≥ 1, got ${this.bucketMs}`, "bucketMs");
    }
    if (!(this.retentionMs >= this.bucketMs)) {
      throw new InvalidInputError("retentionMs must be at least bucketMs", "retentionMs");
    }
    this.clock = options.clock ?? systemClock;
  }

  /** How many buckets are held (for tests of pruning). */
  get bucketCount(): number {
    return this.buckets.size;
  }

  async increment(increments: readonly TrendingIncrement[]): Promise<void> {
    increments.forEach((increment, index) => {
      requireNonEmptyText(increment.itemId, `increments[${index}].itemId`);
      requireFiniteNumber(increment.at, `increments[${index}].at`);
      requireFiniteNumber(increment.weight, `increments[${index}].weight`);
    });
    const keptFrom = this.pruneBefore(this.clock() - this.retentionMs);
    for (const increment of increments) {
      const start = this.bucketStartOf(increment.at);
      // Counting into a bucket that is already past retention would only be pruned on the next call.
      if (start < keptFrom) continue;
      const bucket = this.bucketAt(start);
      addTo(bucket.all, increment.itemId, increment.weight);
      for (const category of new Set(increment.categories)) {
        let counts = bucket.byCategory.get(category);
        if (counts === undefined) {
          counts = new Map();
          bucket.byCategory.set(category, counts);
        }
        addTo(counts, increment.itemId, increment.weight);
      }
    }
  }

  async top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>> {
    const now = requireFiniteNumber(query.now, "now");
    if (!(query.windowMs > 0) || !Number.isFinite(query.windowMs)) {
      throw new InvalidInputError(`windowMs must be a finite number > 0, got ${query.windowMs}`, "windowMs");
    }
    if (query.windowMs > this.retentionMs) {
      throw new InvalidInputError(
        `windowMs ${query.windowMs} is longer than the ${this.retentionMs} ms the counters keep`,
        "windowMs",
      );
    }
    if (!Number.isInteger(query.limit) || query.limit < 0) {
      throw new InvalidInputError(`limit must be an integer ≥ 0, got ${query.limit}`, "limit");
    }
    const totals = new Map<string, number>();
    const windowStart = now - query.windowMs;
    for (const [start, bucket] of this.buckets) {
      if (start + this.bucketMs <= windowStart || start > now) continue;
      const counts = query.category === undefined ? bucket.all : bucket.byCategory.get(query.category);
      for (const [itemId, count] of counts ?? []) addTo(totals, itemId, count);
    }
    return [...totals]
      .map(([itemId, count]) => ({ itemId, count }))
      .sort((a, b) => b.count - a.count || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0))
      .slice(0, query.limit);
  }

  private bucketStartOf(at: number): number {
    return Math.floor(at / this.bucketMs) * this.bucketMs;
  }

  private bucketAt(start: number): Bucket {
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      bucket = { all: new Map(), byCategory: new Map() };
      this.buckets.set(start, bucket);
    }
    return bucket;
  }

  /** Drops the buckets that end at or before `horizon`; returns the first bucket start still kept. */
  private pruneBefore(horizon: number): number {
    const keptFrom = this.bucketStartOf(horizon);
    for (const start of this.buckets.keys()) if (start < keptFrom) this.buckets.delete(start);
    return keptFrom;
  }
}

function addTo(counts: Map<string, number>, itemId: string, weight: number): void {
  counts.set(itemId, (counts.get(itemId) ?? 0) + weight);
}
