import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCache } from "../../../layers/adapters/aws/redis/redis-cache.ts";
import { readRedisConfig } from "../../../layers/adapters/aws/redis/redis-config.ts";
import {
  createRedisConnection,
  type RedisConnection,
} from "../../../layers/adapters/aws/redis/redis-connection.ts";
import { RedisTrendingCounters } from "../../../layers/adapters/aws/redis/redis-trending-counters.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { describeCacheContract } from "../../contract/cache-contract.ts";
import { describeTrendingCountersContract } from "../../contract/trending-counters-contract.ts";
import { uniqueId } from "../../contract/unique-id.ts";

// The cache and trending counters against a real Redis/Valkey (FLYWHEEL_REDIS_URL). Every key of this run
// starts with its own prefix, and afterAll removes them, so the server may be shared.

const HOUR = 3600 * 1000;
const runPrefix = uniqueId("flywheel-it");
let connection: RedisConnection | undefined;

function open(): RedisConnection {
  if (connection === undefined) throw new Error("the Redis connection is opened in beforeAll");
  return connection;
}

beforeAll(async () => {
  connection = createRedisConnection(readRedisConfig());
  await connection.whenReady();
});

afterAll(async () => {
  const finished = connection;
  connection = undefined;
  if (finished === undefined) return;
  // One key per DEL: the keys of different users sit in different cluster slots.
  await Promise.all((await keysMatching(finished, `${runPrefix}:*`)).map((key) => finished.client.del(key)));
  await finished.close();
});

/** SCAN is fine here: it only tidies up after tests, never on a serving path. */
async function keysMatching(redis: RedisConnection, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}

const nothingToRelease = async (): Promise<void> => {};

describeCacheContract("redis", async () => ({
  subject: new RedisCache({ connection: open(), keyPrefix: `${runPrefix}:rec` }),
  cleanup: nothingToRelease,
}));

describeTrendingCountersContract("redis, hourly buckets", async () => ({
  subject: new RedisTrendingCounters({ connection: open(), keyPrefix: `${runPrefix}:trending` }),
  cleanup: nothingToRelease,
}));

describeTrendingCountersContract("redis, 10-minute buckets kept 2 days", async () => ({
  subject: new RedisTrendingCounters({
    connection: open(),
    keyPrefix: `${runPrefix}:trending-10m`,
    bucketMs: 10 * 60_000,
    retentionMs: 2 * 24 * HOUR,
  }),
  cleanup: nothingToRelease,
}));

/** Polls `check` until it holds or the deadline passes; TTLs run on the server's clock. */
async function eventually(check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("RedisCache on a real server", () => {
  const keyPrefix = `${runPrefix}:rec-behaviour`;

  it("expires an entry by the server clock and prunes it on the user's next write", async () => {
    const cache = new RedisCache({ connection: open(), keyPrefix });
    const userId = uniqueId("user");
    const shortLived = { userId, modelVersion: "m1", variant: "k=10" };
    const longLived = { userId, modelVersion: "m1", variant: "k=20" };
    await cache.set(shortLived, "short", 0.2);
    await eventually(async () => (await cache.get(shortLived)) === undefined);
    await cache.set(longLived, "long", 300);
    const entriesKey = `${keyPrefix}:{${encodeURIComponent(userId)}}:entries`;
    expect(await open().client.hkeys(entriesKey)).toEqual(["m1|k%3D20"]);
    expect(await cache.get(longLived)).toBe("long");
  });

  it("gives a user's keys a lifetime, so an idle user's entries leave the server", async () => {
    const cache = new RedisCache({ connection: open(), keyPrefix });
    const userId = uniqueId("user");
    await cache.set({ userId, modelVersion: "m", variant: "v" }, "value", 60);
    const user = `${keyPrefix}:{${encodeURIComponent(userId)}}`;
    for (const key of [`${user}:entries`, `${user}:expiry`]) {
      const ttl = await open().client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it("refuses ids it cannot encode without ambiguity", async () => {
    const cache = new RedisCache({ connection: open(), keyPrefix });
    await expect(cache.set({ userId: "", modelVersion: "m", variant: "v" }, "x", 60)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(cache.get({ userId: "a\uD800", modelVersion: "m", variant: "v" })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe("RedisTrendingCounters on a real server", () => {
  it("breaks ties by item id at the cut-off, as the embedded counters do", async () => {
    const counters = new RedisTrendingCounters({
      connection: open(),
      keyPrefix: `${runPrefix}:trending-ties`,
    });
    const now = Date.now();
    const category = uniqueId("category");
    const ids = ["item-d", "item-b", "item-a", "item-c", "item-e"];
    await counters.increment([
      { eventId: uniqueId("event"), itemId: "item-z", categories: [category], at: now - 1000, weight: 5 },
      ...ids.map((itemId) => ({
        eventId: uniqueId("event"),
        itemId,
        categories: [category],
        at: now - 1000,
        weight: 2,
      })),
    ]);
    expect(await counters.top({ category, windowMs: HOUR, now, limit: 3 })).toEqual([
      { itemId: "item-z", count: 5 },
      { itemId: "item-a", count: 2 },
      { itemId: "item-b", count: 2 },
    ]);
  });

  it("lets a bucket expire once it is past retention, and skips increments already past it", async () => {
    const keyPrefix = `${runPrefix}:trending-ttl`;
    const counters = new RedisTrendingCounters({ connection: open(), keyPrefix });
    const now = Date.now();
    const category = uniqueId("category");
    await counters.increment([
      { eventId: uniqueId("event"), itemId: "fresh", categories: [category], at: now, weight: 1 },
      {
        eventId: uniqueId("event"),
        itemId: "stale",
        categories: [category],
        at: now - 8 * 24 * HOUR,
        weight: 1,
      },
    ]);
    const bucketStart = Math.floor(now / HOUR) * HOUR;
    const ttl = await open().client.pttl(
      `${keyPrefix}:{${encodeURIComponent(`c:${category}`)}}:${bucketStart}`,
    );
    expect(ttl).toBeGreaterThan(7 * 24 * HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * HOUR + HOUR);
    const staleStart = Math.floor((now - 8 * 24 * HOUR) / HOUR) * HOUR;
    expect(
      await open().client.exists(`${keyPrefix}:{${encodeURIComponent(`c:${category}`)}}:${staleStart}`),
    ).toBe(0);
  });

  it("keeps a bucket's counted events for the dedupe window, and no longer than the bucket", async () => {
    const keyPrefix = `${runPrefix}:trending-seen`;
    const counters = new RedisTrendingCounters({ connection: open(), keyPrefix, dedupeWindowMs: 48 * HOUR });
    const now = Date.now();
    const category = uniqueId("category");
    // In the oldest bucket still kept: it leaves retention within the hour.
    const nearlyStale = Math.floor((now - 7 * 24 * HOUR) / HOUR) * HOUR + 30 * 60_000;
    await counters.increment([
      { eventId: uniqueId("event"), itemId: "fresh", categories: [category], at: now, weight: 1 },
      { eventId: uniqueId("event"), itemId: "old", categories: [category], at: nearlyStale, weight: 1 },
    ]);
    const tag = `{${encodeURIComponent(`c:${category}`)}}`;
    const fresh = Math.floor(now / HOUR) * HOUR;
    const old = Math.floor(nearlyStale / HOUR) * HOUR;
    const client = open().client;
    expect(await client.scard(`${keyPrefix}:${tag}:seen:${fresh}`)).toBe(1);
    const freshSeenTtl = await client.pttl(`${keyPrefix}:${tag}:seen:${fresh}`);
    expect(freshSeenTtl).toBeGreaterThan(48 * HOUR - 60_000);
    expect(freshSeenTtl).toBeLessThanOrEqual(48 * HOUR);
    const oldSeenTtl = await client.pttl(`${keyPrefix}:${tag}:seen:${old}`);
    // The bucket takes no increments after it leaves retention, so its seen set goes with it, not 48 h later.
    expect(oldSeenTtl).toBeGreaterThan(0);
    expect(oldSeenTtl).toBeLessThanOrEqual(HOUR);
  });

  it("leaves no union key behind after a query", async () => {
    const keyPrefix = `${runPrefix}:trending-union`;
    const counters = new RedisTrendingCounters({ connection: open(), keyPrefix });
    const category = uniqueId("category");
    const now = Date.now();
    await counters.increment([
      { eventId: uniqueId("event"), itemId: "a", categories: [category], at: now, weight: 1 },
    ]);
    await counters.top({ category, windowMs: 24 * HOUR, now, limit: 10 });
    expect(await keysMatching(open(), `${keyPrefix}:*:union:*`)).toEqual([]);
  });

  it("refuses a window longer than it keeps", async () => {
    const counters = new RedisTrendingCounters({
      connection: open(),
      keyPrefix: `${runPrefix}:trending-window`,
      retentionMs: 24 * HOUR,
    });
    await expect(counters.top({ windowMs: 25 * HOUR, now: Date.now(), limit: 5 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
