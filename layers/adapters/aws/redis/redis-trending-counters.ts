import { randomUUID } from "node:crypto";
import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { type Clock, systemClock } from "../../../ports/clock.ts";
import { RECENT_INTERACTIONS_RETENTION_MS } from "../../../ports/interaction-log.ts";
import type { TrendingCounters, TrendingIncrement, TrendingQuery } from "../../../ports/trending-counters.ts";
import {
  requireFiniteNumber,
  requireNonEmptyText,
  requireTrendingQuery,
} from "../../embedded/argument-checks.ts";
import { LuaScript } from "./lua-script.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { repliesOf, toRedisError } from "./redis-errors.ts";
import { encodeKeyPart, hashTag, requireKeyPrefix } from "./redis-key-parts.ts";

export const DEFAULT_REDIS_TRENDING_BUCKET_MS = 3600 * 1000;
export const DEFAULT_REDIS_TRENDING_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** The interaction log's dedupe window: a redelivered stream batch arrives within the stream's retention. */
export const DEFAULT_REDIS_TRENDING_DEDUPE_WINDOW_MS = RECENT_INTERACTIONS_RETENTION_MS;

export interface RedisTrendingCountersOptions {
  readonly connection: RedisConnection;
  /** Bucket width. @default 1 h */
  readonly bucketMs?: number;
  /** The longest window served; a bucket expires this long after it ends. @default 7 days */
  readonly retentionMs?: number;
  /** How long after it was last counted into a bucket an event is still recognised. @default 48 h */
  readonly dedupeWindowMs?: number;
  /** Bucket lifetimes are computed against it, so they agree with the embedded counters. */
  readonly clock?: Clock;
  /** @default "flywheel:trending" */
  readonly keyPrefix?: string;
}

/**
 * Counts the increments of one hash tag, each at most once. KEYS: per bucket, its sorted set and then its
 * seen set. ARGV[1]: the number of buckets B; ARGV[2 .. 2B+1]: per bucket, the lifetimes in ms of its sorted
 * set and of its seen set; then four values per increment: bucket number (from 1), seen-set member, item id,
 * weight. An increment is added only when its member is new to the seen set, in the same atomic step, so a
 * crash or a redelivery can never count it twice. Returns how many increments were counted.
 */
const COUNT_ONCE = new LuaScript(`local buckets = tonumber(ARGV[1])
local counted = 0
for i = 2 * buckets + 2, #ARGV, 4 do
  local bucket = tonumber(ARGV[i])
  if redis.call('SADD', KEYS[2 * bucket], ARGV[i + 1]) == 1 then
    redis.call('ZINCRBY', KEYS[2 * bucket - 1], ARGV[i + 3], ARGV[i + 2])
    counted = counted + 1
  end
end
for bucket = 1, buckets do
  redis.call('PEXPIRE', KEYS[2 * bucket - 1], ARGV[2 * bucket])
  redis.call('PEXPIRE', KEYS[2 * bucket], ARGV[2 * bucket + 1])
end
return counted`);

/**
 * Increments per COUNT_ONCE call: a Kinesis batch holds up to 10 000 events, and a script blocks the server
 * while it runs. Each increment stays atomic with its own check however the calls are cut.
 */
const INCREMENTS_PER_SCRIPT = 1000;

/** One increment of one hash tag, ready for COUNT_ONCE. */
interface TagIncrement {
  readonly bucketStart: number;
  /** The bucket's remaining lifetime. */
  readonly ttlMs: number;
  /** The (eventId, itemId) pair as the seen set holds it. */
  readonly seenAs: string;
  readonly itemId: string;
  readonly weight: number;
}

/** How long the union of a query may outlive the query (a client that died before deleting it). */
const UNION_TTL_MS = 10_000;
/** The counts over all items; a category's tag starts with `c:`, so no category can be named like it. */
const ALL_ITEMS_TAG = "all";

/**
 * Trending counts on ElastiCache: one sorted set per (bucket) and per (bucket, category), member = item id,
 * score = summed weight. A key's hash tag is its category (or `all`), so the buckets a query sums live in
 * one cluster slot and ZUNIONSTORE works in cluster mode. Each bucket expires `retentionMs` after it ends, by
 * the adapter's clock.
 *
 * Idempotent by eventId: each bucket sorted set has a seen set, `<prefix>:{tag}:seen:<bucketStart>`, of the
 * (eventId, itemId) pairs counted into it, and one script per hash tag adds an increment only when its pair
 * is new there. A seen set expires `dedupeWindowMs` after its latest addition (never after its bucket, which
 * takes no increments by then). A server that evicts keys under memory pressure (any policy other than
 * noeviction) may drop a seen set, and a redelivered event would then count again.
 *
 * Same semantics as InMemoryTrendingCounters: a query sums every bucket that overlaps (now − windowMs, now],
 * and ranks by count, highest first, ties by item id.
 */
export class RedisTrendingCounters implements TrendingCounters {
  private readonly connection: RedisConnection;
  private readonly bucketMs: number;
  private readonly retentionMs: number;
  private readonly dedupeWindowMs: number;
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
    this.dedupeWindowMs = options.dedupeWindowMs ?? DEFAULT_REDIS_TRENDING_DEDUPE_WINDOW_MS;
    if (!(this.dedupeWindowMs > 0) || !Number.isFinite(this.dedupeWindowMs)) {
      throw new InvalidInputError(
        `dedupeWindowMs must be a finite number > 0, got ${this.dedupeWindowMs}`,
        "dedupeWindowMs",
      );
    }
    this.clock = options.clock ?? systemClock;
    this.keyPrefix = requireKeyPrefix(options.keyPrefix ?? "flywheel:trending");
  }

  async increment(increments: readonly TrendingIncrement[]): Promise<void> {
    const seenAs = increments.map((increment, index) => {
      requireNonEmptyText(increment.eventId, `increments[${index}].eventId`);
      requireNonEmptyText(increment.itemId, `increments[${index}].itemId`);
      requireFiniteNumber(increment.at, `increments[${index}].at`);
      requireFiniteNumber(increment.weight, `increments[${index}].weight`);
      // Percent-encoded, so `|` separates the two parts unambiguously.
      return `${encodeKeyPart(increment.eventId, `increments[${index}].eventId`)}|${encodeKeyPart(
        increment.itemId,
        `increments[${index}].itemId`,
      )}`;
    });
    const now = this.clock();
    const byTag = new Map<string, TagIncrement[]>();
    const add = (tag: string, increment: TagIncrement): void => {
      const batch = byTag.get(tag);
      if (batch === undefined) byTag.set(tag, [increment]);
      else batch.push(increment);
    };
    increments.forEach((increment, index) => {
      const bucketStart = this.bucketStartOf(increment.at);
      const ttlMs = bucketStart + this.bucketMs + this.retentionMs - now;
      // A bucket already past retention would never be read; the embedded counters skip it too.
      if (ttlMs <= 0) return;
      const counted = {
        bucketStart,
        ttlMs,
        seenAs: seenAs[index] as string,
        itemId: increment.itemId,
        weight: increment.weight,
      };
      add(hashTag(ALL_ITEMS_TAG, "category"), counted);
      for (const category of new Set(increment.categories)) add(this.categoryTag(category), counted);
    });
    if (byTag.size === 0) return;
    const calls = [...byTag].flatMap(([tag, batch]) => {
      const slices: TagIncrement[][] = [];
      for (let from = 0; from < batch.length; from += INCREMENTS_PER_SCRIPT) {
        slices.push(batch.slice(from, from + INCREMENTS_PER_SCRIPT));
      }
      return slices.map((slice) => this.countOnceCall(tag, slice));
    });
    try {
      await this.connection.whenReady();
      await Promise.all(calls.map(({ keys, args }) => COUNT_ONCE.run(this.connection.client, keys, args)));
    } catch (error) {
      throw toRedisError(error, "trending increment");
    }
  }

  async top(query: TrendingQuery): Promise<Array<{ itemId: string; count: number }>> {
    const now = requireTrendingQuery(query, this.retentionMs);
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

  /** COUNT_ONCE's keys and arguments for increments of one hash tag. */
  private countOnceCall(
    tag: string,
    increments: readonly TagIncrement[],
  ): { keys: string[]; args: Array<string | number> } {
    const bucketNumbers = new Map<number, number>();
    const keys: string[] = [];
    const lifetimes: number[] = [];
    const counted: Array<string | number> = [];
    for (const increment of increments) {
      let bucketNumber = bucketNumbers.get(increment.bucketStart);
      if (bucketNumber === undefined) {
        bucketNumber = bucketNumbers.size + 1;
        bucketNumbers.set(increment.bucketStart, bucketNumber);
        keys.push(this.bucketKey(tag, increment.bucketStart), this.seenKey(tag, increment.bucketStart));
        lifetimes.push(Math.ceil(increment.ttlMs), Math.ceil(Math.min(increment.ttlMs, this.dedupeWindowMs)));
      }
      counted.push(bucketNumber, increment.seenAs, increment.itemId, increment.weight);
    }
    return { keys, args: [bucketNumbers.size, ...lifetimes, ...counted] };
  }

  private categoryTag(category: string): string {
    if (typeof category !== "string") throw new InvalidInputError("category must be a string", "category");
    return hashTag(`c:${category}`, "category");
  }

  private bucketKey(tag: string, start: number): string {
    return `${this.keyPrefix}:${tag}:${start}`;
  }

  /** The (eventId, itemId) pairs counted into a bucket. */
  private seenKey(tag: string, start: number): string {
    return `${this.keyPrefix}:${tag}:seen:${start}`;
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
