import { describe, expect, it } from "vitest";
import type { TrendingCounters, TrendingIncrement } from "../../layers/ports/trending-counters.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

/**
 * The adapter must use buckets of at most one hour and keep at least 24 h. The tests keep counts that
 * must be told apart many buckets away from each other, so they hold for any bucket width up to an hour.
 */
export type TrendingCountersContractSubject = ContractSubject<TrendingCounters>;

const HOUR = 3600 * 1000;

export function describeTrendingCountersContract(
  adapterName: string,
  makeSubject: () => Promise<TrendingCountersContractSubject>,
): void {
  describe(`TrendingCounters contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("ranks a category's items by the sum of their weights in the window, highest first", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const [a, b, c] = [uniqueId("item"), uniqueId("item"), uniqueId("item")];
      const at = now - 10 * 60_000;
      const increments: TrendingIncrement[] = [
        { itemId: a, categories: [category], at, weight: 1 },
        { itemId: b, categories: [category], at, weight: 2 },
        { itemId: b, categories: [category], at: at + 1000, weight: 3 },
        { itemId: c, categories: [category], at, weight: 4 },
      ];
      await subject.increment(increments);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual([
        { itemId: b, count: 5 },
        { itemId: c, count: 4 },
        { itemId: a, count: 1 },
      ]);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 2 })).toEqual([
        { itemId: b, count: 5 },
        { itemId: c, count: 4 },
      ]);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 0 })).toEqual([]);
    });

    it("counts only what falls in the window", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const recent = uniqueId("item");
      const old = uniqueId("item");
      await subject.increment([
        { itemId: recent, categories: [category], at: now - 5 * 60_000, weight: 1 },
        { itemId: old, categories: [category], at: now - 10 * HOUR, weight: 50 },
        { itemId: recent, categories: [category], at: now - 10 * HOUR, weight: 7 },
      ]);
      expect(await subject.top({ category, windowMs: 2 * HOUR, now, limit: 10 })).toEqual([
        { itemId: recent, count: 1 },
      ]);
      expect(await subject.top({ category, windowMs: 12 * HOUR, now, limit: 10 })).toEqual([
        { itemId: old, count: 50 },
        { itemId: recent, count: 8 },
      ]);
      // Seen from 11 h later, the recent increment is the old one.
      expect(await subject.top({ category, windowMs: 2 * HOUR, now: now + 11 * HOUR, limit: 10 })).toEqual(
        [],
      );
    });

    it("counts an item in each of its categories and keeps categories apart", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const [shoes, sale] = [uniqueId("shoes"), uniqueId("sale")];
      const [boot, sandal, hat] = [uniqueId("boot"), uniqueId("sandal"), uniqueId("hat")];
      const at = now - 60_000;
      await subject.increment([
        { itemId: boot, categories: [shoes, sale], at, weight: 3 },
        { itemId: sandal, categories: [shoes], at, weight: 1 },
        { itemId: hat, categories: [sale], at, weight: 2 },
      ]);
      expect(await subject.top({ category: shoes, windowMs: HOUR, now, limit: 10 })).toEqual([
        { itemId: boot, count: 3 },
        { itemId: sandal, count: 1 },
      ]);
      expect(await subject.top({ category: sale, windowMs: HOUR, now, limit: 10 })).toEqual([
        { itemId: boot, count: 3 },
        { itemId: hat, count: 2 },
      ]);
      expect(await subject.top({ category: uniqueId("empty"), windowMs: HOUR, now, limit: 10 })).toEqual([]);
    });

    it("counts every item across categories when no category is asked for", async () => {
      const { subject } = current();
      const now = nowOf(current());
      // Heavy weights, so these items lead even in a store shared with other tests.
      const [first, second, uncategorised] = [uniqueId("item"), uniqueId("item"), uniqueId("item")];
      const at = now - 60_000;
      await subject.increment([
        { itemId: first, categories: [uniqueId("category")], at, weight: 3e9 },
        { itemId: second, categories: [uniqueId("category")], at, weight: 2e9 },
        { itemId: uncategorised, categories: [], at, weight: 1e9 },
      ]);
      const ours = new Set([first, second, uncategorised]);
      const top = (await subject.top({ windowMs: HOUR, now, limit: 50 })).filter((row) =>
        ours.has(row.itemId),
      );
      expect(top).toEqual([
        { itemId: first, count: 3e9 },
        { itemId: second, count: 2e9 },
        { itemId: uncategorised, count: 1e9 },
      ]);
    });

    it("accepts an empty increment", async () => {
      await current().subject.increment([]);
    });
  });
}
