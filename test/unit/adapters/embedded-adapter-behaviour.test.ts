import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeterministicRanker } from "../../../layers/adapters/embedded/deterministic-ranker.ts";
import { FileSystemModelStore } from "../../../layers/adapters/embedded/file-system-model-store.ts";
import { InMemoryCache } from "../../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryEventBus } from "../../../layers/adapters/embedded/in-memory-event-bus.ts";
import { InMemoryInteractionLog } from "../../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryProfileStore } from "../../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryTrendingCounters } from "../../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { DEFAULT_ALS_PARAMETERS } from "../../../layers/domain/als/als-parameters.ts";
import {
  ConflictError,
  DependencyError,
  InvalidInputError,
  PayloadTooLargeError,
} from "../../../layers/domain/errors/domain-errors.ts";
import type { FactorModel } from "../../../layers/domain/model/factor-model.ts";
import { encodeModel, loadModel } from "../../../layers/domain/model/model-artifact.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import type { StreamEvent } from "../../../layers/ports/event-bus.ts";
import type { InteractionRecord } from "../../../layers/ports/interaction-log.ts";
import { createManualClock } from "../../contract/manual-clock.ts";

// What the embedded adapters promise beyond their ports: bounds, pruning, polling and fault injection.

const HOUR = 3600 * 1000;

describe("InMemoryCache bounds", () => {
  const key = (userId: string, variant = "v") => ({ userId, modelVersion: "m", variant });

  it("evicts the least recently used entry beyond maxEntries; a hit counts as a use", async () => {
    const cache = new InMemoryCache({ maxEntries: 3 });
    await cache.set(key("a"), "A", 60);
    await cache.set(key("b"), "B", 60);
    await cache.set(key("c"), "C", 60);
    expect(await cache.get(key("a"))).toBe("A");
    await cache.set(key("d"), "D", 60);
    expect(cache.size).toBe(3);
    expect(await cache.get(key("b"))).toBeUndefined();
    for (const [userId, value] of [
      ["a", "A"],
      ["c", "C"],
      ["d", "D"],
    ] as const) {
      expect(await cache.get(key(userId))).toBe(value);
    }
  });

  it("forgets evicted and expired keys in its per-user index", async () => {
    const clock = createManualClock();
    const cache = new InMemoryCache({ maxEntries: 2, clock: clock.now });
    await cache.set(key("a", "1"), "A1", 1);
    clock.advance(2000);
    expect(await cache.get(key("a", "1"))).toBeUndefined();
    await cache.set(key("a", "2"), "A2", 60);
    await cache.set(key("b"), "B", 60);
    await cache.set(key("c"), "C", 60);
    await cache.deleteUser("a");
    expect(cache.size).toBe(2);
    expect(await cache.get(key("c"))).toBe("C");
  });

  it("refuses a maxEntries below one", () => {
    expect(() => new InMemoryCache({ maxEntries: 0 })).toThrow(InvalidInputError);
  });
});

describe("InMemoryTrendingCounters buckets", () => {
  it("uses the configured bucket width and covers the whole window", async () => {
    const clock = createManualClock(Date.UTC(2025, 0, 1, 12, 0, 0));
    const now = clock.now();
    const counters = new InMemoryTrendingCounters({ bucketMs: 10 * 60_000, clock: clock.now });
    await counters.increment([
      { eventId: "e1", itemId: "in-window", categories: [], at: now - 25 * 60_000, weight: 1 },
      { eventId: "e2", itemId: "outside", categories: [], at: now - 45 * 60_000, weight: 1 },
    ]);
    expect(await counters.top({ windowMs: 30 * 60_000, now, limit: 10 })).toEqual([
      { itemId: "in-window", count: 1 },
    ]);
    expect(counters.bucketCount).toBe(2);
  });

  it("drops buckets older than the retention when it counts new ones", async () => {
    const clock = createManualClock();
    const counters = new InMemoryTrendingCounters({ retentionMs: 24 * HOUR, clock: clock.now });
    await counters.increment([{ eventId: "e3", itemId: "a", categories: ["x"], at: clock.now(), weight: 1 }]);
    clock.advance(30 * HOUR);
    await counters.increment([
      { eventId: "e4", itemId: "b", categories: ["x"], at: clock.now(), weight: 1 },
      { eventId: "e5", itemId: "too-old", categories: ["x"], at: clock.now() - 25 * HOUR, weight: 1 },
    ]);
    expect(counters.bucketCount).toBe(1);
    expect(await counters.top({ category: "x", windowMs: 24 * HOUR, now: clock.now(), limit: 10 })).toEqual([
      { itemId: "b", count: 1 },
    ]);
  });

  it("forgets the events it counted once the dedupe window has passed, so its memory stays bounded", async () => {
    const clock = createManualClock();
    const counters = new InMemoryTrendingCounters({ dedupeWindowMs: 2 * HOUR, clock: clock.now });
    const delivered = { eventId: "e", itemId: "a", categories: ["x"], at: clock.now(), weight: 1 };
    await counters.increment([delivered]);
    clock.advance(HOUR);
    // Recognised, and remembered for another two hours from now.
    await counters.increment([delivered]);
    clock.advance(HOUR + 30 * 60_000);
    await counters.increment([delivered]);
    expect(await counters.top({ category: "x", windowMs: 24 * HOUR, now: clock.now(), limit: 10 })).toEqual([
      { itemId: "a", count: 1 },
    ]);
    clock.advance(2 * HOUR + 60_000);
    await counters.increment([delivered]);
    expect(await counters.top({ category: "x", windowMs: 24 * HOUR, now: clock.now(), limit: 10 })).toEqual([
      { itemId: "a", count: 2 },
    ]);
  });

  it("keeps the same event of two different items apart", async () => {
    const counters = new InMemoryTrendingCounters();
    const now = Date.now();
    await counters.increment([
      { eventId: "e", itemId: "a", categories: [], at: now, weight: 1 },
      { eventId: "e", itemId: "b", categories: [], at: now, weight: 1 },
    ]);
    expect(await counters.top({ windowMs: HOUR, now, limit: 10 })).toEqual([
      { itemId: "a", count: 1 },
      { itemId: "b", count: 1 },
    ]);
  });

  it("refuses a window longer than what it keeps, and bad arguments", async () => {
    const counters = new InMemoryTrendingCounters({ retentionMs: 24 * HOUR });
    const now = Date.now();
    await expect(counters.top({ windowMs: 25 * HOUR, now, limit: 5 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(counters.top({ windowMs: 0, now, limit: 5 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(counters.top({ windowMs: HOUR, now, limit: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      counters.increment([{ eventId: "e6", itemId: "a", categories: [], at: now, weight: Number.NaN }]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => new InMemoryTrendingCounters({ dedupeWindowMs: 0 })).toThrow(InvalidInputError);
  });
});

describe("InMemoryInteractionLog retention", () => {
  const record = (eventId: string, userId: string, occurredAt: number): InteractionRecord => ({
    eventId,
    userId,
    itemId: "item",
    type: "view",
    weight: 1,
    occurredAt,
  });

  it("releases the memory of expired records, so its idempotency index stays bounded", async () => {
    const clock = createManualClock();
    const log = new InMemoryInteractionLog({ clock: clock.now });
    await log.append([record("e1", "old-user", clock.now())]);
    clock.advance(49 * HOUR);
    await log.append([record("e2", "someone-else", clock.now())]);
    // e1 was pruned with its user, so it is no longer known as a duplicate (and is expired on arrival).
    expect(await log.append([record("e1", "old-user", clock.now() - 49 * HOUR)])).toEqual({
      appended: ["e1"],
      duplicates: [],
    });
    expect(await log.recentByUser("old-user", { since: 0 })).toEqual([]);
  });

  it("takes a custom retention", async () => {
    const clock = createManualClock();
    const log = new InMemoryInteractionLog({ retentionMs: HOUR, clock: clock.now });
    await log.append([
      record("e1", "u", clock.now() - 30 * 60_000),
      record("e2", "u", clock.now() - 2 * HOUR),
    ]);
    expect((await log.recentByUser("u", { since: 0 })).map((r) => r.eventId)).toEqual(["e1"]);
  });

  it("refuses a bad record without storing any of the batch, and a bad limit", async () => {
    const log = new InMemoryInteractionLog();
    const now = Date.now();
    await expect(log.append([record("ok", "u", now), record("", "u", now)])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await log.recentByUser("u")).toEqual([]);
    await expect(log.recentByUser("u", { limit: -1 })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe("InMemoryEventBus polling", () => {
  const event = (eventId: string, userId = "u"): StreamEvent => ({
    eventId,
    userId,
    itemId: "i",
    type: "click",
    timestamp: 1,
    receivedAt: 2,
    context: { page: "home" },
  });

  it("redelivers a batch that was peeked but not acknowledged", async () => {
    const bus = new InMemoryEventBus();
    await bus.publish([event("a"), event("b"), event("c")]);
    expect(bus.peek(2).map((e) => e.eventId)).toEqual(["a", "b"]);
    expect(bus.peek(2).map((e) => e.eventId)).toEqual(["a", "b"]);
    bus.acknowledge(2);
    expect(bus.pending).toBe(1);
    expect(bus.drain().map((e) => e.eventId)).toEqual(["c"]);
    expect(bus.pending).toBe(0);
  });

  it("wakes subscribers after a publish that added events, until they unsubscribe", async () => {
    const bus = new InMemoryEventBus();
    let wakeUps = 0;
    const unsubscribe = bus.subscribe(() => {
      wakeUps++;
    });
    await bus.publish([event("a")]);
    await bus.publish([]);
    await Promise.resolve();
    expect(wakeUps).toBe(1);
    unsubscribe();
    await bus.publish([event("b")]);
    await Promise.resolve();
    expect(wakeUps).toBe(1);
  });

  it("queues a copy: changing a published event afterwards changes nothing delivered", async () => {
    const bus = new InMemoryEventBus();
    const context: Record<string, unknown> = { page: "home" };
    await bus.publish([{ ...event("a"), context }]);
    context.page = "changed";
    expect(bus.drain()[0]?.context).toEqual({ page: "home" });
  });

  it("fails a record that cannot be serialised, and only that one", async () => {
    const bus = new InMemoryEventBus();
    const result = await bus.publish([event("a"), { ...event("b"), context: { big: 1n } }]);
    expect(result.failed.map((f) => f.index)).toEqual([1]);
    expect(bus.drain().map((e) => e.eventId)).toEqual(["a"]);
  });
});

describe("DeterministicRanker faults", () => {
  const candidates = [
    { itemId: "a", score: 1 },
    { itemId: "b", score: 1 },
  ];

  it("adds a bonus in [0, bonusScale) that depends on the user", async () => {
    const ranker = new DeterministicRanker({ bonusScale: 0.5 });
    const first = await ranker.score("user-1", candidates, 1000);
    const second = await ranker.score("user-2", candidates, 1000);
    for (const score of [...first, ...second]) {
      expect(score).toBeGreaterThanOrEqual(1);
      expect(score).toBeLessThan(1.5);
    }
    expect(first).not.toEqual(second);
  });

  it("answers after its latency when the timeout allows, and times out when it does not", async () => {
    await expect(
      new DeterministicRanker({ latencyMs: 5 }).score("u", candidates, 5_000),
    ).resolves.toHaveLength(2);
    await expect(
      new DeterministicRanker({ latencyMs: 50 }).score("u", candidates, 10),
    ).rejects.toBeInstanceOf(DependencyError);
  });

  it("switches an injected failure on and off", async () => {
    const ranker = new DeterministicRanker();
    ranker.injectFailure("error");
    await expect(ranker.score("u", candidates, 1000)).rejects.toBeInstanceOf(DependencyError);
    ranker.injectFailure("none");
    await expect(ranker.score("u", candidates, 1000)).resolves.toHaveLength(2);
  });
});

describe("InMemoryVectorIndex details", () => {
  it("stays exact after growing past its initial capacity", async () => {
    const index = new InMemoryVectorIndex();
    await index.createIndex("grow", 4);
    const random = new SeededRandom(1);
    const items = Array.from({ length: 2500 }, (_, i) => ({
      itemId: `i${i}`,
      vector: Float32Array.from({ length: 4 }, () => random.nextGaussian()),
      categories: [],
      available: true,
    }));
    for (let start = 0; start < items.length; start += 700)
      await index.upsert("grow", items.slice(start, start + 700));
    const query = Float32Array.from([1, -1, 0.5, 2]);
    const best = items
      .map((item) => ({
        itemId: item.itemId,
        score: [...item.vector].reduce((sum, value, d) => sum + value * (query[d] as number), 0),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    const hits = await index.query("grow", { vector: query, k: 3 });
    expect(hits.map((hit) => hit.itemId)).toEqual(best.map((hit) => hit.itemId));
    expect(await index.count("grow")).toBe(2500);
  });

  it("refuses clashing or invalid names and non-finite vectors; an empty category list is no filter", async () => {
    const index = new InMemoryVectorIndex();
    await index.createIndex("items-1", 2);
    await expect(index.createIndex("items-1", 2)).rejects.toBeInstanceOf(ConflictError);
    await index.swapAlias("items", "items-1");
    await expect(index.createIndex("items", 2)).rejects.toBeInstanceOf(ConflictError);
    await expect(index.swapAlias("items-1", "items-1")).rejects.toBeInstanceOf(ConflictError);
    await expect(index.createIndex("Items_Upper", 2)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(index.createIndex("ok", 0)).rejects.toBeInstanceOf(InvalidInputError);
    const nan = { itemId: "x", vector: Float32Array.from([1, Number.NaN]), categories: [], available: true };
    await expect(index.upsert("items-1", [nan])).rejects.toBeInstanceOf(InvalidInputError);
    await index.upsert("items-1", [
      { itemId: "y", vector: Float32Array.from([1, 1]), categories: ["c"], available: true },
    ]);
    expect(await index.query("items", { vector: Float32Array.from([1, 0]), k: 5, categories: [] })).toEqual([
      { itemId: "y", score: 1 },
    ]);
  });
});

describe("FileSystemModelStore on disk", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "flywheel-model-store-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function tinyModel(version: string): FactorModel {
    return {
      version,
      factors: 2,
      userIds: ["u"],
      itemIds: ["i", "j"],
      userFactors: Float32Array.from([1, 2]),
      itemFactors: Float32Array.from([3, 4, 5, 6]),
      gram: Float32Array.from([34, 42, 42, 52]),
      parameters: { ...DEFAULT_ALS_PARAMETERS, factors: 2 },
      metrics: {},
      dataWindow: { from: null, to: null, interactions: 2 },
      createdAt: "2025-01-01T00:00:00.000Z",
    };
  }

  it("writes the directory layout loadModel reads, and nothing else", async () => {
    const store = new FileSystemModelStore(root);
    const files = encodeModel(tinyModel("v1"));
    const location = await store.putFiles("v1", files);
    expect(location).toBe(`${join(root, "v1")}/`);
    expect((await loadModel(join(root, "v1"))).itemIds).toEqual(["i", "j"]);
    expect((await readdir(join(root, "v1"))).sort()).toEqual([...files.keys()].sort());
  });

  it("ignores a writer's temporary files and removes files an earlier write left behind", async () => {
    const store = new FileSystemModelStore(root);
    await store.putFiles(
      "v1",
      new Map([...encodeModel(tinyModel("v1")), ["extra.bin", new Uint8Array([1])]]),
    );
    await writeFile(join(root, "v1", ".gram.f32.123.tmp"), "partial");
    expect([...(await store.getFiles("v1")).keys()]).toContain("extra.bin");
    await store.putFiles("v1", encodeModel(tinyModel("v1")));
    const names = [...(await store.getFiles("v1")).keys()];
    expect(names).not.toContain("extra.bin");
    expect(names).not.toContain(".gram.f32.123.tmp");
  });

  it("refuses a file name that would leave the version directory", async () => {
    const store = new FileSystemModelStore(root);
    await expect(store.putFiles("v1", new Map([["../evil", new Uint8Array(1)]]))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe("InMemoryProfileStore size limit", () => {
  it("counts the vector's bytes against a configured limit", async () => {
    const store = new InMemoryProfileStore({ maxItemBytes: 1024 });
    const profile = {
      userId: "u",
      vector: new Float32Array(512),
      modelVersion: "m",
      interactionCount: 0,
      lastInteractionAt: null,
      attributes: {},
      updatedAt: 0,
    };
    await expect(store.put(profile)).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(store.put({ ...profile, vector: new Float32Array(64) })).resolves.toMatchObject({
      revision: 1,
    });
  });
});
