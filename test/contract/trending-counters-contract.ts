import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import type { TrendingCounters, TrendingIncrement } from "../../layers/ports/trending-counters.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

/**
 * The adapter must use buckets of at most one hour, keep at least 24 h and recognise a counted event for at
 * least 24 h (the default dedupe window is 48 h). The tests keep counts that must be told apart many buckets
 * away from each other, so they hold for any bucket width up to an hour.
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
        { eventId: uniqueId("event"), itemId: a, categories: [category], at, weight: 1 },
        { eventId: uniqueId("event"), itemId: b, categories: [category], at, weight: 2 },
        { eventId: uniqueId("event"), itemId: b, categories: [category], at: at + 1000, weight: 3 },
        { eventId: uniqueId("event"), itemId: c, categories: [category], at, weight: 4 },
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
        {
          eventId: uniqueId("event"),
          itemId: recent,
          categories: [category],
          at: now - 5 * 60_000,
          weight: 1,
        },
        { eventId: uniqueId("event"), itemId: old, categories: [category], at: now - 10 * HOUR, weight: 50 },
        {
          eventId: uniqueId("event"),
          itemId: recent,
          categories: [category],
          at: now - 10 * HOUR,
          weight: 7,
        },
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
        { eventId: uniqueId("event"), itemId: boot, categories: [shoes, sale], at, weight: 3 },
        { eventId: uniqueId("event"), itemId: sandal, categories: [shoes], at, weight: 1 },
        { eventId: uniqueId("event"), itemId: hat, categories: [sale], at, weight: 2 },
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
        { eventId: uniqueId("event"), itemId: first, categories: [uniqueId("category")], at, weight: 3e9 },
        { eventId: uniqueId("event"), itemId: second, categories: [uniqueId("category")], at, weight: 2e9 },
        { eventId: uniqueId("event"), itemId: uncategorised, categories: [], at, weight: 1e9 },
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

    it("counts an event once, however often it is delivered, in every category and overall", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const [shoes, sale] = [uniqueId("shoes"), uniqueId("sale")];
      const boot = uniqueId("boot");
      const delivered: TrendingIncrement = {
        eventId: uniqueId("event"),
        itemId: boot,
        categories: [shoes, sale],
        at: now - 60_000,
        weight: 3e9,
      };
      await subject.increment([delivered, delivered]);
      await subject.increment([delivered]);
      await subject.increment([{ ...delivered }, delivered]);
      for (const category of [shoes, sale]) {
        expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual([
          { itemId: boot, count: 3e9 },
        ]);
      }
      const overall = await subject.top({ windowMs: HOUR, now, limit: 50 });
      expect(overall.filter((row) => row.itemId === boot)).toEqual([{ itemId: boot, count: 3e9 }]);
    });

    it("counts distinct events of the same item, also when they share a bucket and a call", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const item = uniqueId("item");
      const at = now - 60_000;
      const event = (weight: number): TrendingIncrement => ({
        eventId: uniqueId("event"),
        itemId: item,
        categories: [category],
        at,
        weight,
      });
      await subject.increment([event(1), event(2)]);
      await subject.increment([event(4)]);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual([
        { itemId: item, count: 7 },
      ]);
    });

    it("counts the new events of a call that also carries events it has counted", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const [a, b] = [uniqueId("item"), uniqueId("item")];
      const at = now - 60_000;
      const first: TrendingIncrement = {
        eventId: uniqueId("event"),
        itemId: a,
        categories: [category],
        at,
        weight: 1,
      };
      await subject.increment([first]);
      await subject.increment([
        first,
        { eventId: uniqueId("event"), itemId: a, categories: [category], at, weight: 10 },
        first,
        { eventId: uniqueId("event"), itemId: b, categories: [category], at: at - 2 * HOUR, weight: 5 },
      ]);
      expect(await subject.top({ category, windowMs: 4 * HOUR, now, limit: 10 })).toEqual([
        { itemId: a, count: 11 },
        { itemId: b, count: 5 },
      ]);
    });

    it("counts each event of a full stream batch once, its repeats far apart in the call included", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const items = [uniqueId("item"), uniqueId("item"), uniqueId("item")];
      const batch: TrendingIncrement[] = Array.from({ length: 3000 }, (_, index) => ({
        eventId: uniqueId("event"),
        itemId: items[index % 3] as string,
        categories: [category],
        at: now - (index % 5) * 60_000,
        weight: 1,
      }));
      await subject.increment([...batch, ...batch.slice(0, 2000).reverse()]);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual(
        [...items].sort().map((itemId) => ({ itemId, count: 1000 })),
      );
    });

    it("still recognises a counted event delivered again most of a day later", async () => {
      const { subject, clock } = current();
      if (clock === undefined) return; // needs a controllable clock: time must pass
      const category = uniqueId("category");
      const item = uniqueId("item");
      const delivered: TrendingIncrement = {
        eventId: uniqueId("event"),
        itemId: item,
        categories: [category],
        at: clock.now() - 60_000,
        weight: 2,
      };
      await subject.increment([delivered]);
      clock.advance(22 * HOUR);
      await subject.increment([delivered]);
      expect(await subject.top({ category, windowMs: 24 * HOUR, now: clock.now(), limit: 10 })).toEqual([
        { itemId: item, count: 2 },
      ]);
    });

    it("refuses an increment without an event id and counts nothing of that call", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const category = uniqueId("category");
      const fine: TrendingIncrement = {
        eventId: uniqueId("event"),
        itemId: uniqueId("item"),
        categories: [category],
        at: now - 60_000,
        weight: 1,
      };
      for (const eventId of ["", undefined]) {
        const bad = { ...fine, eventId, itemId: uniqueId("item") } as unknown as TrendingIncrement;
        await expect(subject.increment([fine, bad])).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual([]);
      await subject.increment([fine]);
      expect(await subject.top({ category, windowMs: HOUR, now, limit: 10 })).toEqual([
        { itemId: fine.itemId, count: 1 },
      ]);
    });
  });
}
