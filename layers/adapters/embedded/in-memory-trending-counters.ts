import { InvalidInputError } from "../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { RECENT_INTERACTIONS_RETENTION_MS } from "../../ports/interaction-log.ts";
import type { TrendingCounters, TrendingIncrement, TrendingQuery } from "../../ports/trending-counters.ts";
import { requireFiniteNumber, requireNonEmptyText, requireTrendingQuery } from "./argument-checks.ts";

export const DEFAULT_TRENDING_BUCKET_MS = 3600 * 1000;
export const DEFAULT_TRENDING_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** The interaction log's dedupe window: a redelivered stream batch arrives within the stream's retention. */
export const DEFAULT_TRENDING_DEDUPE_WINDOW_MS = RECENT_INTERACTIONS_RETENTION_MS;

export interface InMemoryTrendingCountersOptions {
  /** Bucket width. @default 1 h */
  readonly bucketMs?: number;
  /** Buckets older than this (by the clock) are dropped; the longest window served. @default 7 days */
  readonly retentionMs?: number;
  /** How long after it was last counted into a bucket an event is still recognised. @default 48 h */
  readonly dedupeWindowMs?: number;
  readonly clock?: Clock;
}

/** One bucket's counts under one tag (all items, or one category), and the events counted into them. */
interface Tally {
  readonly counts: Map<string, number>;
  /** (eventId, itemId) pairs counted; forgotten together `dedupeWindowMs` after the latest, as in Redis. */
  readonly seen: Set<string>;
  seenUntil: number;
}

/** The counts of one time bucket: over all items and per category. */
interface Bucket {
  readonly all: Tally;
  readonly byCategory: Map<string, Tally>;
}

/**
 * Trending counts in fixed time buckets. A query sums every bucket that overlaps the window
 * (now − windowMs, now], so the window is always fully covered and at most one bucket's worth of older
 * counts leaks in at its far edge; a bucket that starts after `now` is not counted.
 *
 * Idempotent as RedisTrendingCounters is: each (bucket, tag) remembers the events counted into it until
 * `dedupeWindowMs` after the latest one, and counts an event it remembers no more.
 */
export class InMemoryTrendingCounters implements TrendingCounters {
  private readonly buckets = new Map<number, Bucket>();
  private readonly bucketMs: number;
  private readonly retentionMs: number;
  private readonly dedupeWindowMs: number;
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
    this.dedupeWindowMs = options.dedupeWindowMs ?? DEFAULT_TRENDING_DEDUPE_WINDOW_MS;
    if (!(this.dedupeWindowMs > 0) || !Number.isFinite(this.dedupeWindowMs)) {
      throw new InvalidInputError(
        `dedupeWindowMs must be a finite number > 0, got ${this.dedupeWindowMs}`,
        "dedupeWindowMs",
      );
    }
    this.clock = options.clock ?? systemClock;
  }

  /** How many buckets are held (for tests of pruning). */
  get bucketCount(): number {
    return this.buckets.size;
  }

  async increment(increments: readonly TrendingIncrement[]): Promise<void> {
    increments.forEach((increment, index) => {
      requireNonEmptyText(increment.eventId, `increments[${index}].eventId`);
      requireNonEmptyText(increment.itemId, `increments[${index}].itemId`);
      requireFiniteNumber(increment.at, `increments[${index}].at`);
      requireFiniteNumber(increment.weight, `increments[${index}].weight`);
    });
    const now = this.clock();
    const keptFrom = this.pruneBefore(now - this.retentionMs);
    const seenUntil = now + this.dedupeWindowMs;
    for (const increment of increments) {
      const start = this.bucketStartOf(increment.at);
      // Counting into a bucket that is already past retention would only be pruned on the next call.
      if (start < keptFrom) continue;
      const bucket = this.bucketAt(start);
      const counted = {
        itemId: increment.itemId,
        weight: increment.weight,
        seenAs: JSON.stringify([increment.eventId, increment.itemId]),
      };
      countOnce(bucket.all, counted, now, seenUntil);
      for (const category of new Set(increment.categories)) {
        let tally = bucket.byCategory.get(category);
        if (tally === undefined) {
          tally = emptyTally();
          bucket.byCategory.set(category, tally);
        }
        countOnce(tally, counted, now, seenUntil);
      }
    }
  }

  async top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>> {
    const now = requireTrendingQuery(query, this.retentionMs);
    const totals = new Map<string, number>();
    const windowStart = now - query.windowMs;
    for (const [start, bucket] of this.buckets) {
      if (start + this.bucketMs <= windowStart || start > now) continue;
      const counts = query.category === undefined ? bucket.all : bucket.byCategory.get(query.category);
      for (const [itemId, count] of counts?.counts ?? []) addTo(totals, itemId, count);
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
      bucket = { all: emptyTally(), byCategory: new Map() };
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

function emptyTally(): Tally {
  return { counts: new Map(), seen: new Set(), seenUntil: Number.NEGATIVE_INFINITY };
}

/** Adds the increment unless the tally remembers its event; either way the tally remembers it longer. */
function countOnce(
  tally: Tally,
  increment: { readonly itemId: string; readonly weight: number; readonly seenAs: string },
  now: number,
  seenUntil: number,
): void {
  if (tally.seenUntil < now) tally.seen.clear();
  tally.seenUntil = seenUntil;
  if (tally.seen.has(increment.seenAs)) return;
  tally.seen.add(increment.seenAs);
  addTo(tally.counts, increment.itemId, increment.weight);
}

function addTo(counts: Map<string, number>, itemId: string, weight: number): void {
  counts.set(itemId, (counts.get(itemId) ?? 0) + weight);
}
