import { describe, expect, it } from "vitest";
import { InvalidInputError, PayloadTooLargeError } from "../../layers/domain/errors/domain-errors.ts";
import type {
  BatchRecommendations,
  BatchRecStore,
  HistoryWeight,
} from "../../layers/ports/batch-rec-store.ts";
import { type ContractSubject, nowOf, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type BatchRecStoreContractSubject = ContractSubject<BatchRecStore>;

const DAY = 24 * 3600 * 1000;

function recommendations(
  userId: string,
  now: number,
  overrides: Partial<BatchRecommendations> = {},
): BatchRecommendations {
  return {
    userId,
    modelVersion: "model-a",
    items: [
      { itemId: "item-b", score: 0.9000000357627869 },
      { itemId: "item-a", score: 0.5 },
      { itemId: "item-ü ✓", score: -1.25e-7 },
    ],
    generatedAt: now - 1000,
    expiresAt: now + DAY,
    ...overrides,
  };
}

/** Strongest first, as the nightly publish writes it; every weight exact in float32. */
const HISTORY: readonly HistoryWeight[] = [
  { itemId: "item-c", weight: 12 },
  { itemId: "item-ü ✓", weight: 2.5 },
  { itemId: "item-b", weight: 1 },
  { itemId: "item-d", weight: -0.125 },
];

export function describeBatchRecStoreContract(
  adapterName: string,
  makeSubject: () => Promise<BatchRecStoreContractSubject>,
): void {
  describe(`BatchRecStore contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("returns undefined for a user without a list", async () => {
      expect(await current().subject.get(uniqueId("nobody"))).toBeUndefined();
    });

    it("round-trips a list, order and scores exact", async () => {
      const { subject } = current();
      const entry = recommendations(uniqueId("user"), nowOf(current()));
      await subject.putMany([entry]);
      expect(await subject.get(entry.userId)).toEqual(entry);
    });

    it("round-trips a history, order, ids and weights exact when they are float32 values", async () => {
      const { subject } = current();
      const entry = recommendations(uniqueId("user"), nowOf(current()), { history: HISTORY });
      await subject.putMany([entry]);
      expect(await subject.get(entry.userId)).toEqual(entry);
    });

    it("keeps history weights to float32 precision", async () => {
      const { subject } = current();
      const weights = [0.1, 1 / 3, 123456.789, 1e-9, -7.3];
      const history = weights.map((weight, index) => ({ itemId: `item-${index}`, weight }));
      const entry = recommendations(uniqueId("user"), nowOf(current()), { history });
      await subject.putMany([entry]);
      const read = await subject.get(entry.userId);
      expect(read?.history?.map(({ itemId }) => itemId)).toEqual(history.map(({ itemId }) => itemId));
      expect(read?.history?.map(({ weight }) => weight)).toEqual(
        weights.map((weight) => Math.fround(weight)),
      );
    });

    it("tells an entry without a history from one with an empty history", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const without = recommendations(uniqueId("user"), now);
      const empty = recommendations(uniqueId("user"), now, { history: [] });
      await subject.putMany([without, empty]);
      const readWithout = await subject.get(without.userId);
      expect(readWithout).toEqual(without);
      expect(readWithout !== undefined && "history" in readWithout).toBe(false);
      expect((await subject.get(empty.userId))?.history).toEqual([]);
    });

    it("drops the history when a user's list is replaced by one without", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      await subject.putMany([recommendations(userId, now, { history: HISTORY })]);
      const newer = recommendations(userId, now, { modelVersion: "model-b" });
      await subject.putMany([newer]);
      expect(await subject.get(userId)).toEqual(newer);
    });

    it("refuses a history entry without an item id or with a weight that is not a finite float32", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const fine = recommendations(uniqueId("user"), now, { history: HISTORY });
      for (const bad of [
        { itemId: "", weight: 1 },
        { itemId: "item", weight: Number.NaN },
        { itemId: "item", weight: Number.POSITIVE_INFINITY },
        { itemId: "item", weight: 1e39 },
      ]) {
        const entry = recommendations(uniqueId("user"), now, { history: [...HISTORY, bad] });
        await expect(subject.putMany([fine, entry])).rejects.toBeInstanceOf(InvalidInputError);
        expect(await subject.get(entry.userId)).toBeUndefined();
      }
      expect(await subject.get(fine.userId)).toBeUndefined();
    });

    it("refuses an entry over the item size limit with PayloadTooLargeError and writes nothing of that call", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const fine = recommendations(uniqueId("user"), now, { history: HISTORY });
      // About 16 000 × 32 bytes of item ids alone: well over 400 KB however it is laid out.
      const history = Array.from({ length: 16_000 }, (_, index) => ({
        itemId: `item-${String(index).padStart(27, "0")}`,
        weight: 1,
      }));
      const huge = recommendations(uniqueId("user"), now, { history });
      await expect(subject.putMany([fine, huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(await subject.get(fine.userId)).toBeUndefined();
      expect(await subject.get(huge.userId)).toBeUndefined();
    });

    it("accepts a long history that fits the item size limit", async () => {
      const { subject } = current();
      const history = Array.from({ length: 5_000 }, (_, index) => ({
        itemId: `item-${index}`,
        weight: 5_000 - index,
      }));
      const entry = recommendations(uniqueId("user"), nowOf(current()), { history });
      await subject.putMany([entry]);
      expect(await subject.get(entry.userId)).toEqual(entry);
    });

    it("replaces a user's previous list", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      await subject.putMany([recommendations(userId, now)]);
      const newer = recommendations(userId, now, {
        modelVersion: "model-b",
        items: [{ itemId: "x", score: 1 }],
      });
      await subject.putMany([newer]);
      expect(await subject.get(userId)).toEqual(newer);
    });

    it("keeps the later list when one call carries a user twice", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userId = uniqueId("user");
      const later = recommendations(userId, now, { modelVersion: "model-later" });
      await subject.putMany([recommendations(userId, now, { modelVersion: "model-earlier" }), later]);
      expect(await subject.get(userId)).toEqual(later);
    });

    it("writes many users in one call (more than one store batch) and accepts an empty call", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const entries = Array.from({ length: 60 }, () => recommendations(uniqueId("user"), now));
      await subject.putMany(entries);
      await subject.putMany([]);
      for (const entry of entries) expect(await subject.get(entry.userId)).toEqual(entry);
    });

    it("never serves a list at or past its expiresAt", async () => {
      const { subject, clock } = current();
      const now = nowOf(current());
      const expired = recommendations(uniqueId("user"), now, { expiresAt: now - 1000 });
      const live = recommendations(uniqueId("user"), now, { expiresAt: now + 60_000 });
      await subject.putMany([expired, live]);
      expect(await subject.get(expired.userId)).toBeUndefined();
      expect(await subject.get(live.userId)).toEqual(live);
      if (clock === undefined) return; // needs a controllable clock: time must pass
      clock.advance(60_000);
      expect(await subject.get(live.userId)).toBeUndefined();
    });

    it("getMany answers the stored lists keyed by user id, each equal to what get answers", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const withHistory = recommendations(uniqueId("user"), now, { history: HISTORY });
      const without = recommendations(uniqueId("user"), now);
      const emptyHistory = recommendations(uniqueId("user"), now, { history: [] });
      const unknown = uniqueId("nobody");
      await subject.putMany([withHistory, without, emptyHistory]);
      const ids = [withHistory.userId, unknown, without.userId, emptyHistory.userId, withHistory.userId];
      const found = await subject.getMany(ids);
      expect([...found.keys()].sort()).toEqual(
        [withHistory.userId, without.userId, emptyHistory.userId].sort(),
      );
      for (const entry of [withHistory, without, emptyHistory]) {
        const many = found.get(entry.userId);
        expect(many).toEqual(entry);
        expect(many).toEqual(await subject.get(entry.userId));
      }
      const readWithout = found.get(without.userId);
      expect(readWithout !== undefined && "history" in readWithout).toBe(false);
    });

    it("getMany decodes history weights as get does, at float32 precision", async () => {
      const { subject } = current();
      const weights = [0.1, 1 / 3, 123456.789, 1e-9, -7.3];
      const history = weights.map((weight, index) => ({ itemId: `item-${index}`, weight }));
      const entry = recommendations(uniqueId("user"), nowOf(current()), { history });
      await subject.putMany([entry]);
      const read = (await subject.getMany([entry.userId])).get(entry.userId);
      expect(read?.history?.map(({ weight }) => weight)).toEqual(
        weights.map((weight) => Math.fround(weight)),
      );
      expect(read).toEqual(await subject.get(entry.userId));
    });

    it("getMany answers an empty map for no ids and for ids without a list", async () => {
      const { subject } = current();
      expect(await subject.getMany([])).toEqual(new Map());
      expect(await subject.getMany([uniqueId("nobody"), uniqueId("nobody")])).toEqual(new Map());
    });

    it("getMany reads more users than one store batch holds", async () => {
      const { subject } = current();
      const now = nowOf(current());
      const userIds = Array.from({ length: 130 }, () => uniqueId("user"));
      // Every third user has a list, so found and absent ids fall in both batches.
      const entries = userIds
        .filter((_, index) => index % 3 === 0)
        .map((userId, index) =>
          recommendations(userId, now, { items: [{ itemId: `item-${index}`, score: index / 7 }] }),
        );
      await subject.putMany(entries);
      const found = await subject.getMany([...userIds, ...userIds.slice(0, 10)]);
      expect([...found.keys()].sort()).toEqual(entries.map((entry) => entry.userId).sort());
      for (const entry of entries) expect(found.get(entry.userId)).toEqual(entry);
    });

    it("getMany never serves a list at or past its expiresAt", async () => {
      const { subject, clock } = current();
      const now = nowOf(current());
      const expired = recommendations(uniqueId("user"), now, { expiresAt: now - 1000 });
      const live = recommendations(uniqueId("user"), now, { expiresAt: now + 60_000 });
      const later = recommendations(uniqueId("user"), now, { expiresAt: now + 120_000 });
      await subject.putMany([expired, live, later]);
      const found = await subject.getMany([expired.userId, live.userId, later.userId]);
      expect(found.has(expired.userId)).toBe(false);
      expect(found.get(live.userId)).toEqual(live);
      expect(found.get(later.userId)).toEqual(later);
      if (clock === undefined) return; // needs a controllable clock: time must pass
      clock.advance(60_000);
      const afterwards = await subject.getMany([expired.userId, live.userId, later.userId]);
      expect([...afterwards.keys()]).toEqual([later.userId]);
      expect(afterwards.get(later.userId)).toEqual(await subject.get(later.userId));
    });

    it("getMany hands out copies", async () => {
      const { subject } = current();
      const entry = recommendations(uniqueId("user"), nowOf(current()), { history: HISTORY });
      await subject.putMany([entry]);
      const read = (await subject.getMany([entry.userId])).get(entry.userId);
      (read?.items as { score: number }[] | undefined)?.splice(0);
      (read?.history as { weight: number }[] | undefined)?.splice(0);
      expect(await subject.get(entry.userId)).toEqual(entry);
    });

    it("deletes a list; deleting an absent one is not an error", async () => {
      const { subject } = current();
      const entry = recommendations(uniqueId("user"), nowOf(current()));
      await subject.putMany([entry]);
      await subject.delete(entry.userId);
      expect(await subject.get(entry.userId)).toBeUndefined();
      await subject.delete(entry.userId);
    });
  });
}
