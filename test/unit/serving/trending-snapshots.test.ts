import { describe, expect, it } from "vitest";
import { InMemoryTrendingCounters } from "../../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { TrendingSnapshots } from "../../../layers/domain/serving/trending-snapshots.ts";
import type { TrendingCounters } from "../../../layers/ports/trending-counters.ts";
import { createManualClock } from "../../contract/manual-clock.ts";

const HOUR = 3600_000;

function counting(counters: TrendingCounters): { port: TrendingCounters; reads: () => number } {
  let reads = 0;
  return {
    port: {
      increment: (increments) => counters.increment(increments),
      top: (query) => {
        reads++;
        return counters.top(query);
      },
    },
    reads: () => reads,
  };
}

describe("TrendingSnapshots", () => {
  it("reuses an answer for the same category, window and limit within its lifetime, then reads again", async () => {
    const clock = createManualClock();
    const counters = new InMemoryTrendingCounters({ clock: clock.now });
    const inner = counting(counters);
    const snapshots = new TrendingSnapshots({ counters: inner.port, clock: clock.now, ttlMs: 5000 });
    await snapshots.increment([
      { eventId: "e1", itemId: "a", categories: ["x"], at: clock.now(), weight: 2 },
    ]);
    const query = { windowMs: HOUR, now: clock.now(), limit: 10 };
    expect(await snapshots.top(query)).toEqual([{ itemId: "a", count: 2 }]);
    await snapshots.increment([
      { eventId: "e2", itemId: "b", categories: ["x"], at: clock.now(), weight: 5 },
    ]);
    expect(await snapshots.top(query)).toEqual([{ itemId: "a", count: 2 }]);
    expect(await snapshots.top({ ...query, category: "x" })).toEqual([
      { itemId: "b", count: 5 },
      { itemId: "a", count: 2 },
    ]);
    expect(inner.reads()).toBe(2);
    clock.advance(5000);
    expect(await snapshots.top({ ...query, now: clock.now() })).toEqual([
      { itemId: "b", count: 5 },
      { itemId: "a", count: 2 },
    ]);
    expect(inner.reads()).toBe(3);
  });

  it("shares one read between concurrent asks and keeps no failed read", async () => {
    const clock = createManualClock();
    let reads = 0;
    let fail = true;
    const snapshots = new TrendingSnapshots({
      clock: clock.now,
      counters: {
        increment: async () => {},
        top: async () => {
          reads++;
          if (fail) throw new Error("redis down");
          return [{ itemId: "a", count: 1 }];
        },
      },
    });
    const query = { windowMs: HOUR, now: clock.now(), limit: 5 };
    await expect(Promise.all([snapshots.top(query), snapshots.top(query)])).rejects.toThrow("redis down");
    expect(reads).toBe(1);
    fail = false;
    expect(await snapshots.top(query)).toEqual([{ itemId: "a", count: 1 }]);
    expect(reads).toBe(2);
  });
});
