import { describe, expect, it } from "vitest";
import { ConflictError, PayloadTooLargeError } from "../../layers/domain/errors/domain-errors.ts";
import type { ProfileStore, UserProfile } from "../../layers/ports/profile-store.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type ProfileStoreContractSubject = ContractSubject<ProfileStore>;

/** A vector whose bits a lossy encoding (decimal text, float64 rounding) would change. */
function awkwardVector(): Float32Array {
  return Float32Array.from([0.1, -0, 1e-45, 3.4028234663852886e38, -1.5, 1 / 3, 123456.789, -2e-38]);
}

function sampleProfile(userId: string, overrides: Partial<UserProfile> = {}): Omit<UserProfile, "revision"> {
  return {
    userId,
    vector: awkwardVector(),
    modelVersion: "model-a",
    interactionCount: 3,
    lastInteractionAt: 1_700_000_000_123,
    attributes: { locale: "de-DE", segment: "früh ✓" },
    updatedAt: 1_700_000_000_456,
    ...overrides,
  };
}

function bytesOf(vector: Float32Array | null): number[] | null {
  return vector === null ? null : [...new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)];
}

export function describeProfileStoreContract(
  adapterName: string,
  makeSubject: () => Promise<ProfileStoreContractSubject>,
): void {
  describe(`ProfileStore contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("returns undefined for a user it has never stored", async () => {
      expect(await current().subject.get(uniqueId("nobody"))).toBeUndefined();
    });

    it("round-trips a profile, the vector bit for bit, starting at revision 1", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      const profile = sampleProfile(userId);
      const stored = await subject.put(profile);
      expect(stored.revision).toBe(1);
      const read = await subject.get(userId);
      expect(read).toBeDefined();
      expect(bytesOf(read?.vector ?? null)).toEqual(bytesOf(profile.vector));
      expect(read?.vector).toBeInstanceOf(Float32Array);
      expect({ ...read, vector: null }).toEqual({ ...profile, vector: null, revision: 1 });
      expect(bytesOf(stored.vector)).toEqual(bytesOf(profile.vector));
    });

    it("round-trips a profile without a vector or model version", async () => {
      const { subject } = current();
      const userId = uniqueId("cold");
      const profile = sampleProfile(userId, {
        vector: null,
        modelVersion: null,
        interactionCount: 0,
        lastInteractionAt: null,
        attributes: {},
      });
      await subject.put(profile);
      expect(await subject.get(userId)).toEqual({ ...profile, revision: 1 });
    });

    it("getMany answers the stored profiles keyed by user id, each equal to what get answers", async () => {
      const { subject } = current();
      const withVector = uniqueId("user");
      const cold = uniqueId("cold");
      const unknown = uniqueId("nobody");
      await subject.put(sampleProfile(withVector));
      await subject.put(sampleProfile(withVector, { interactionCount: 4 }));
      await subject.put(
        sampleProfile(cold, { vector: null, modelVersion: null, lastInteractionAt: null, attributes: {} }),
      );
      const found = await subject.getMany([withVector, unknown, cold, withVector]);
      expect([...found.keys()].sort()).toEqual([cold, withVector].sort());
      expect(found.has(unknown)).toBe(false);
      for (const userId of [withVector, cold]) {
        const single = await subject.get(userId);
        const many = found.get(userId);
        expect(bytesOf(many?.vector ?? null)).toEqual(bytesOf(single?.vector ?? null));
        expect({ ...many, vector: null }).toEqual({ ...single, vector: null });
      }
      expect(found.get(withVector)?.vector).toBeInstanceOf(Float32Array);
      expect(found.get(withVector)?.revision).toBe(2);
      expect(found.get(cold)?.vector).toBeNull();
    });

    it("getMany answers an empty map for no ids and for ids it has never stored", async () => {
      const { subject } = current();
      expect(await subject.getMany([])).toEqual(new Map());
      expect(await subject.getMany([uniqueId("nobody"), uniqueId("nobody")])).toEqual(new Map());
    });

    it("getMany reads more users than one store batch holds", async () => {
      const { subject } = current();
      const userIds = Array.from({ length: 130 }, () => uniqueId("user"));
      // Every third user stored, so found and absent ids fall in both batches.
      const stored = userIds.filter((_, index) => index % 3 === 0);
      for (const userId of stored)
        await subject.put(sampleProfile(userId, { interactionCount: userId.length }));
      const found = await subject.getMany([...userIds, ...stored]);
      expect([...found.keys()].sort()).toEqual([...stored].sort());
      for (const userId of stored) {
        const profile = found.get(userId);
        expect(profile?.userId).toBe(userId);
        expect(profile?.revision).toBe(1);
        expect(bytesOf(profile?.vector ?? null)).toEqual(bytesOf(awkwardVector()));
      }
    });

    it("getMany sees the latest write and hands out copies", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      await subject.put(sampleProfile(userId, { interactionCount: 9 }), { expectedRevision: 1 });
      const first = await subject.getMany([userId]);
      expect(first.get(userId)?.interactionCount).toBe(9);
      expect(first.get(userId)?.revision).toBe(2);
      first.get(userId)?.vector?.fill(9);
      const attributes = first.get(userId)?.attributes as Record<string, string> | undefined;
      if (attributes !== undefined) attributes.locale = "changed";
      const again = await subject.get(userId);
      expect(bytesOf(again?.vector ?? null)).toEqual(bytesOf(awkwardVector()));
      expect(again?.attributes).toEqual({ locale: "de-DE", segment: "früh ✓" });
    });

    it("increases the revision by one on every write and returns what it stored", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      await subject.put(sampleProfile(userId, { interactionCount: 4 }));
      const third = await subject.put(
        sampleProfile(userId, { interactionCount: 5, modelVersion: "model-b" }),
      );
      expect(third.revision).toBe(3);
      const read = await subject.get(userId);
      expect(read?.revision).toBe(3);
      expect(read?.interactionCount).toBe(5);
      expect(read?.modelVersion).toBe("model-b");
    });

    it("ignores a revision carried in by a caller that spreads a profile it read", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      const read = await subject.get(userId);
      if (read === undefined) throw new Error("profile missing");
      const written = await subject.put({ ...read, revision: 41 } as UserProfile);
      expect(written.revision).toBe(2);
      expect((await subject.get(userId))?.revision).toBe(2);
    });

    it("writes when expectedRevision matches and refuses with ConflictError when it does not", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId), { expectedRevision: 0 });
      const second = await subject.put(sampleProfile(userId, { interactionCount: 10 }), {
        expectedRevision: 1,
      });
      expect(second.revision).toBe(2);
      await expect(
        subject.put(sampleProfile(userId, { interactionCount: 99 }), { expectedRevision: 1 }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        subject.put(sampleProfile(userId, { interactionCount: 99 }), { expectedRevision: 7 }),
      ).rejects.toBeInstanceOf(ConflictError);
      const read = await subject.get(userId);
      expect(read?.revision).toBe(2);
      expect(read?.interactionCount).toBe(10);
    });

    it("treats expectedRevision 0 as 'only if absent'", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      expect((await subject.put(sampleProfile(userId), { expectedRevision: 0 })).revision).toBe(1);
      await expect(
        subject.put(sampleProfile(userId, { interactionCount: 99 }), { expectedRevision: 0 }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await subject.get(userId))?.interactionCount).toBe(3);
    });

    it("lets exactly one of two concurrent writes at the same revision win", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      const outcomes = await Promise.allSettled([
        subject.put(sampleProfile(userId, { interactionCount: 100 }), { expectedRevision: 1 }),
        subject.put(sampleProfile(userId, { interactionCount: 200 }), { expectedRevision: 1 }),
      ]);
      const won = outcomes.filter(
        (outcome): outcome is PromiseFulfilledResult<UserProfile> => outcome.status === "fulfilled",
      );
      const lost = outcomes.filter(
        (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
      const read = await subject.get(userId);
      expect(read?.revision).toBe(2);
      expect(read?.interactionCount).toBe(won[0]?.value.interactionCount);
    });

    it("deletes a profile, deleting an absent one is not an error, and a deleted user starts over", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      await subject.delete(userId);
      expect(await subject.get(userId)).toBeUndefined();
      await subject.delete(userId);
      await subject.delete(uniqueId("never-stored"));
      expect((await subject.put(sampleProfile(userId), { expectedRevision: 0 })).revision).toBe(1);
    });

    it("keeps its own copy: changing the caller's vector or a returned one changes nothing stored", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      const profile = sampleProfile(userId);
      const expected = bytesOf(profile.vector);
      const stored = await subject.put(profile);
      profile.vector?.fill(7);
      stored.vector?.fill(8);
      const read = await subject.get(userId);
      read?.vector?.fill(9);
      if (read !== undefined) (read.attributes as Record<string, string>).locale = "changed";
      const again = await subject.get(userId);
      expect(bytesOf(again?.vector ?? null)).toEqual(expected);
      expect(again?.attributes).toEqual({ locale: "de-DE", segment: "früh ✓" });
    });

    it("refuses a profile over the item size limit with PayloadTooLargeError and keeps the previous one", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      await subject.put(sampleProfile(userId));
      const huge = sampleProfile(userId, { attributes: { blob: "x".repeat(1024 * 1024) } });
      await expect(subject.put(huge)).rejects.toBeInstanceOf(PayloadTooLargeError);
      const read = await subject.get(userId);
      expect(read?.revision).toBe(1);
      expect(read?.attributes).toEqual({ locale: "de-DE", segment: "früh ✓" });
    });
  });
}
