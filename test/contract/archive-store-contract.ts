import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import type { ArchiveStore } from "../../layers/ports/archive-store.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type ArchiveStoreContractSubject = ContractSubject<ArchiveStore>;

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The behaviour every ArchiveStore adapter shares. Each test works under a root of its own. */
export function describeArchiveStoreContract(
  adapterName: string,
  makeSubject: () => Promise<ArchiveStoreContractSubject>,
): void {
  describe(`ArchiveStore contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("reads back what was put, byte for byte", async () => {
      const { subject } = current();
      const key = `${uniqueId("run")}/dt=2025-01-15/hour=07/batch-1.parquet`;
      const bytes = Uint8Array.from({ length: 300 }, (_, index) => (index * 7) % 256);
      await subject.put(key, bytes);
      expect([...(await subject.get(key))]).toEqual([...bytes]);
    });

    it("names where a key lives for programs that read the store directly, the root included", async () => {
      const { subject } = current();
      const key = `${uniqueId("run")}/dt=2025-01-15/hour=07/batch-1.parquet`;
      const root = subject.locationOf("");
      expect(subject.locationOf(key)).toBe(`${root.endsWith("/") ? root : `${root}/`}${key}`);
      expect(() => subject.locationOf("../escape")).toThrow();
    });

    it("replaces an object put again under the same key", async () => {
      const { subject } = current();
      const key = `${uniqueId("run")}/object.bin`;
      await subject.put(key, bytesOf("first, and longer"));
      await subject.put(key, bytesOf("second"));
      expect(await subject.get(key)).toEqual(bytesOf("second"));
      expect(await subject.list(key)).toEqual([key]);
    });

    it("keeps an empty object", async () => {
      const { subject } = current();
      const key = `${uniqueId("run")}/empty.bin`;
      await subject.put(key, new Uint8Array(0));
      expect((await subject.get(key)).byteLength).toBe(0);
    });

    it("answers NotFoundError for a key never written and for a key that is only a prefix of others", async () => {
      const { subject } = current();
      const root = uniqueId("run");
      await expect(subject.get(`${root}/missing.parquet`)).rejects.toBeInstanceOf(NotFoundError);
      await subject.put(`${root}/dir/file.bin`, bytesOf("x"));
      await expect(subject.get(`${root}/dir`)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("lists the keys under a prefix, sorted, at every depth, and nothing else", async () => {
      const { subject } = current();
      const root = uniqueId("run");
      const keys = [
        `${root}/events/dt=2025-01-15/hour=23/b.parquet`,
        `${root}/events/dt=2025-01-15/hour=07/a.parquet`,
        `${root}/events/dt=2025-01-16/hour=00/a.parquet`,
        `${root}/events/dt=2025-01-2/hour=00/a.parquet`,
        `${root}/models/v1/manifest.json`,
      ];
      for (const key of keys) await subject.put(key, bytesOf(key));
      const [hour23, hour07, day16, day2, model] = keys as [string, string, string, string, string];
      // Code-point order: hour=07 before hour=23, and dt=2025-01-16 before dt=2025-01-2.
      expect(await subject.list(`${root}/events/`)).toEqual([hour07, hour23, day16, day2]);
      expect(await subject.list(`${root}/events/dt=2025-01-1`)).toEqual([hour07, hour23, day16]);
      expect(await subject.list(`${root}/events/dt=2025-01-15/`)).toEqual([hour07, hour23]);
      expect(await subject.list(`${root}/models/`)).toEqual([model]);
      expect(await subject.list(`${root}/mod`)).toEqual([model]);
      expect(await subject.list(`${root}/nothing/`)).toEqual([]);
      expect(await subject.list(uniqueId("run"))).toEqual([]);
    });

    it("refuses keys and prefixes that are not safe paths with InvalidInputError", async () => {
      const { subject } = current();
      const root = uniqueId("run");
      for (const key of [
        "",
        "/abs",
        `${root}/../escape`,
        `${root}//double`,
        `${root}/.hidden`,
        `${root}/`,
        "a b",
      ]) {
        await expect(subject.put(key, bytesOf("x")), key).rejects.toBeInstanceOf(InvalidInputError);
        await expect(subject.get(key), key).rejects.toBeInstanceOf(InvalidInputError);
      }
      for (const prefix of ["/abs", `${root}/../`, `${root}//`, "a b/"]) {
        await expect(subject.list(prefix), prefix).rejects.toBeInstanceOf(InvalidInputError);
      }
    });
  });
}
