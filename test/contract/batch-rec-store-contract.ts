import { describe, expect, it } from "vitest";
import type { BatchRecommendations, BatchRecStore } from "../../layers/ports/batch-rec-store.ts";
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
