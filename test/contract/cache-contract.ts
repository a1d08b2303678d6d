import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../layers/domain/errors/domain-errors.ts";
import type { Cache, CacheKey } from "../../layers/ports/cache.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

/**
 * `clock` only where the cache's expiry reads it; a Redis cache expires by the server's own time, so its
 * factory leaves `clock` out and the expiry behaviour is not checked there.
 */
export type CacheContractSubject = ContractSubject<Cache>;

const TTL_SECONDS = 300;

function keyOf(userId: string, modelVersion = "model-a", variant = "k=10"): CacheKey {
  return { userId, modelVersion, variant };
}

export function describeCacheContract(
  adapterName: string,
  makeSubject: () => Promise<CacheContractSubject>,
): void {
  describe(`Cache contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("misses on a key never set and round-trips a value", async () => {
      const { subject } = current();
      const key = keyOf(uniqueId("user"));
      expect(await subject.get(key)).toBeUndefined();
      const value = JSON.stringify({ items: ["a", "b"], note: "ünïcødé ✓", big: "x".repeat(100_000) });
      await subject.set(key, value, TTL_SECONDS);
      expect(await subject.get(key)).toBe(value);
    });

    it("overwrites a value set again", async () => {
      const { subject } = current();
      const key = keyOf(uniqueId("user"));
      await subject.set(key, "first", TTL_SECONDS);
      await subject.set(key, "second", TTL_SECONDS);
      expect(await subject.get(key)).toBe("second");
    });

    it("keys entries by user, model version and variant", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      const keys = [
        keyOf(userId, "model-a", "k=10"),
        keyOf(userId, "model-b", "k=10"),
        keyOf(userId, "model-a", "k=20"),
        keyOf(uniqueId("user"), "model-a", "k=10"),
      ];
      for (const [index, key] of keys.entries()) await subject.set(key, `value-${index}`, TTL_SECONDS);
      for (const [index, key] of keys.entries()) expect(await subject.get(key)).toBe(`value-${index}`);
      expect(await subject.get(keyOf(userId, "model-c", "k=10"))).toBeUndefined();
    });

    it("does not confuse keys whose parts contain separators", async () => {
      const { subject } = current();
      const base = uniqueId("user");
      const left = keyOf(`${base}:x`, "m", "v");
      const right = keyOf(base, "x:m", "v");
      const braces = keyOf(`${base}}{`, "m|n", "v/w*");
      await subject.set(left, "left", TTL_SECONDS);
      await subject.set(right, "right", TTL_SECONDS);
      await subject.set(braces, "braces", TTL_SECONDS);
      expect(await subject.get(left)).toBe("left");
      expect(await subject.get(right)).toBe("right");
      expect(await subject.get(braces)).toBe("braces");
      await subject.deleteUser(base);
      expect(await subject.get(right)).toBeUndefined();
      expect(await subject.get(left)).toBe("left");
      expect(await subject.get(braces)).toBe("braces");
    });

    it("deleteUser drops every model version and variant of that user, and nobody else's", async () => {
      const { subject } = current();
      const userId = uniqueId("user");
      const other = keyOf(uniqueId("user"));
      const keys = [keyOf(userId, "model-a", "k=10"), keyOf(userId, "model-b", "k=20 category=shoes")];
      for (const key of [...keys, other]) await subject.set(key, "value", TTL_SECONDS);
      await subject.deleteUser(userId);
      for (const key of keys) expect(await subject.get(key)).toBeUndefined();
      expect(await subject.get(other)).toBe("value");
      await subject.deleteUser(uniqueId("never-cached"));
      await subject.set(keys[0] ?? other, "again", TTL_SECONDS);
      expect(await subject.get(keys[0] ?? other)).toBe("again");
    });

    it("refuses a TTL that is not positive with InvalidInputError", async () => {
      const { subject } = current();
      const key = keyOf(uniqueId("user"));
      await expect(subject.set(key, "value", 0)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(subject.set(key, "value", -5)).rejects.toBeInstanceOf(InvalidInputError);
      expect(await subject.get(key)).toBeUndefined();
    });

    it("serves an entry until its TTL has passed, then misses", async () => {
      const { subject, clock } = current();
      const key = keyOf(uniqueId("user"));
      await subject.set(key, "value", 60);
      expect(await subject.get(key)).toBe("value");
      if (clock === undefined) return; // needs a controllable clock: time must pass
      clock.advance(59_000);
      expect(await subject.get(key)).toBe("value");
      clock.advance(1_000);
      expect(await subject.get(key)).toBeUndefined();
    });
  });
}
