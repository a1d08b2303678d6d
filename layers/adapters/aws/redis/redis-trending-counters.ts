import { randomUUID } from "node:crypto";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../../ports/clock.ts";
import type { TrendingCounters, TrendingIncrement, TrendingQuery } from "../../../ports/trending-counters.ts";
import { requireFiniteNumber, requireNonEmptyText } from "../../embedded/argument-checks.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { repliesOf, toRedisError } from "./redis-errors.ts";
import { encodeKeyPart, hashTag, requireKeyPrefix } from "./redis-key-parts.ts";

export const DEFAULT_REDIS_TRENDING_BUCKET_MS = 3600 * 1000;
export const DEFAULT_REDIS_TRENDING_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface RedisTrendingCountersOptions {
  readonly connection: RedisConnection;
  /** Bucket width. @default 1 h */
  readonly bucketMs?: number;
  /** The longest window served; a bucket expires this long after it ends. @default 7 days */
  readonly retentionMs?: number;
  /** Bucket lifetimes are computed against it, so they agree with the embedded counters. */
  readonly clock?: Clock;
  /** @default "flywheel:trending" */
  readonly keyPrefix?: string;
}

/** How long the union of a query may outlive the query (a client that died before deleting it). */
const UNION_TTL_MS = 10_000;
/** The counts over all items; a category's tag starts with `c:`, so no category can be named like it. */
const ALL_ITEMS_TAG = "all";

/**
 * Trending counts on ElastiCache: one sorted set per (bucket) and per (bucket, category), member = item id,
 * score = summed weight. A key's hash tag is its category (or `all`), so the buckets a query sums live in
 * one cluster slot and ZUNIONSTORE works in cluster mode; increments are sent as one pipeline per tag.
 * Each bucket expires `retentionMs` after it ends, by the adapter's clock.
 *
 * Same semantics as InMemoryTrendingCounters: a query sums every bucket that overlaps (now − windowMs, now],
 * and ranks by count, highest first, ties by item id.
 */
export class RedisTrendingCounters implements TrendingCounters {
  private readonly connection: RedisConnection;
  private readonly bucketMs: number;
  private readonly retentionMs: number;
  private readonly clock: Clock;
  private readonly keyPrefix: string;

  constructor(options: RedisTrendingCountersOptions) {
    this.connection = options.connection;
    this.bucketMs = options.bucketMs ?? DEFAULT_REDIS_TRENDING_BUCKET_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_REDIS_TRENDING_RETENTION_MS;
    if (!Number.isInteger(this.bucketMs) || this.bucketMs < 1) {
      throw new InvalidInputError(`bucketMs must be an integer ≥ 1, got ${this.bucketMs}`, "bucketMs");
    }
    if (!Number.isInteger(this.retentionMs) || this.retentionMs < this.bucketMs) {
      throw new InvalidInputError("retentionMs must be an integer of at least bucketMs", "retentionMs");
    }
    this.clock = options.clock ?? systemClock;
    this.keyPrefix = requireKeyPrefix(options.keyPrefix ?? "flywheel:trending");
  }

  async increment(increments: readonly TrendingIncrement[]): Promise<void> {
    increments.forEach((increment, index) => {
      requireNonEmptyText(increment.itemId, `increments[${index}].itemId`);
      requireFiniteNumber(increment.at, `increments[${index}].at`);
      requireFiniteNumber(increment.weight, `increments[${index}].weight`);
      encodeKeyPart(increment.itemId, `increments[${index}].itemId`);
    });
    const now = this.clock();
    // Per hash tag: the ZINCRBYs, and each key's remaining lifetime (set once per key).
    const byTag = new Map<
      string,
      { increments: Array<[string, number, string]>; ttlByKey: Map<string, number> }
    >();
    const add = (tag: string, start: number, ttlMs: number, weight: number, itemId: string): void => {
      let batch = byTag.get(tag);
      if (batch === undefined) {
        batch = { increments: [], ttlByKey: new Map() };
        byTag.set(tag, batch);
      }
      const key = this.bucketKey(tag, start);
      batch.increments.push([key, weight, itemId]);
      batch.ttlByKey.set(key, ttlMs);
    };
    for (const increment of increments) {
      const start = this.bucketStartOf(increment.at);
      const ttlMs = start + this.bucketMs + this.retentionMs - now;
      // A bucket already past retention would never be read; the embedded counters skip it too.
      if (ttlMs <= 0) continue;
      add(hashTag(ALL_ITEMS_TAG, "category"), start, ttlMs, increment.weight, increment.itemId);
      for (const category of new Set(increment.categories)) {
        add(this.categoryTag(category), start, ttlMs, increment.weight, increment.itemId);
      }
    }
    if (byTag.size === 0) return;
    try {
      await this.connection.whenReady();
      await Promise.all(
        [...byTag.values()].map(async (batch) => {
          const pipeline = this.connection.client.pipeline();
          for (const [key, weight, itemId] of batch.increments) pipeline.zincrby(key, weight, itemId);
          for (const [key, ttlMs] of batch.ttlByKey) pipeline.pexpire(key, Math.ceil(ttlMs));
          repliesOf(await pipeline.exec(), "trending increment");
        }),
      );
    } catch (error) {
      throw toRedisError(error, "trending increment");
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
    const tag =
      query.category === undefined ? hashTag(ALL_ITEMS_TAG, "category") : this.categoryTag(query.category);
    if (query.limit === 0) return [];
    const keys: string[] = [];
    const last = this.bucketStartOf(now);
    for (let start = this.bucketStartOf(now - query.windowMs); start <= last; start += this.bucketMs) {
      keys.push(this.bucketKey(tag, start));
    }
    const union = `${this.keyPrefix}:${tag}:union:${randomUUID()}`;
    try {
      await this.connection.whenReady();
      const client = this.connection.client;
      const [, , leaders] = repliesOf(
        await client
          .multi()
          .zunionstore(union, keys.length, ...keys)
          .pexpire(union, UNION_TTL_MS)
          .zrevrange(union, 0, query.limit - 1, "WITHSCORES")
          .exec(),
        "trending top",
      );
      const ranked = pairsOf(leaders);
      const boundary = ranked.at(-1);
      if (boundary !== undefined && ranked.length === query.limit) {
        // Redis orders equal scores by member descending; the port wants item ids ascending, so the items
        // tied at the cut-off are fetched again, smallest ids first.
        const tiedCount = ranked.filter((row) => row.score === boundary.score).length;
        const tied = pairsOf(
          await client.zrangebyscore(
            union,
            boundary.rawScore,
            boundary.rawScore,
            "WITHSCORES",
            "LIMIT",
            0,
            tiedCount,
          ),
        );
        ranked.splice(ranked.length - tiedCount, tiedCount, ...tied);
      }
      await client.del(union);
      return ranked.sort(byCountThenItemId).map(({ itemId, score }) => ({ itemId, count: score }));
    } catch (error) {
      throw toRedisError(error, "trending top");
    }
  }

  private categoryTag(category: string): string {
    if (typeof category !== "string") throw new InvalidInputError("category must be a string", "category");
    return hashTag(`c:${category}`, "category");
  }

  private bucketKey(tag: string, start: number): string {
    return `${this.keyPrefix}:${tag}:${start}`;
  }

  private bucketStartOf(at: number): number {
    return Math.floor(at / this.bucketMs) * this.bucketMs;
  }
}

interface ScoredMember {
  readonly itemId: string;
  readonly score: number;
  /** As Redis printed it, so a range query by this score matches exactly. */
  readonly rawScore: string;
}

/** A WITHSCORES reply, `[member, score, member, score, …]`, as pairs. */
function pairsOf(reply: unknown): ScoredMember[] {
  if (!Array.isArray(reply)) return [];
  const pairs: ScoredMember[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const rawScore = String(reply[i + 1]);
    pairs.push({ itemId: String(reply[i]), score: Number(rawScore), rawScore });
  }
  return pairs;
}

/** Count descending, then item id ascending by UTF-8 bytes, the order Redis gives equal scores. */
function byCountThenItemId(a: ScoredMember, b: ScoredMember): number {
  return b.score - a.score || Buffer.compare(Buffer.from(a.itemId), Buffer.from(b.itemId));
}
