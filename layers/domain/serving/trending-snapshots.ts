import type { Clock } from "../../ports/clock.ts";
import type { TrendingCounters, TrendingIncrement, TrendingQuery } from "../../ports/trending-counters.ts";

export interface TrendingSnapshotsOptions {
  readonly counters: TrendingCounters;
  readonly clock: Clock;
  /** How long one answer is reused for the same category, window and limit. @default 5,000 ms */
  readonly ttlMs?: number;
  /** Distinct queries kept; the oldest go first. @default 1,000 */
  readonly maxEntries?: number;
}

/**
 * Trending lists change over minutes, yet every cold or popular-tier request asks for one, and in AWS each
 * ask is a ZUNIONSTORE over a day of hourly buckets. This keeps each answer for a few seconds per (category,
 * window, limit), shared by every request of the process; concurrent asks for the same list share one read.
 * A failed read is not kept. Increments pass straight through.
 */
export class TrendingSnapshots implements TrendingCounters {
  private readonly counters: TrendingCounters;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<
    string,
    { at: number; answer: Promise<Array<{ itemId: string; count: number }>> }
  >();

  constructor(options: TrendingSnapshotsOptions) {
    this.counters = options.counters;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  increment(increments: readonly TrendingIncrement[]): Promise<void> {
    return this.counters.increment(increments);
  }

  async top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>> {
    const now = this.clock();
    const key = `${query.category ?? ""}\u0000${query.windowMs}\u0000${query.limit}`;
    const cached = this.entries.get(key);
    if (cached !== undefined && now - cached.at < this.ttlMs)
      return (await cached.answer).map((entry) => ({ ...entry }));
    const answer = this.counters.top(query);
    this.entries.delete(key);
    this.entries.set(key, { at: now, answer });
    answer.catch(() => {
      if (this.entries.get(key)?.answer === answer) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return (await answer).map((entry) => ({ ...entry }));
  }
}
