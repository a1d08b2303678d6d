import { describe, expect, it } from "vitest";
import { DEFAULT_ALS_PARAMETERS } from "../../layers/domain/als/als-parameters.ts";
import { InvalidInputError, NotFoundError } from "../../layers/domain/errors/domain-errors.ts";
import type { FactorModel } from "../../layers/domain/model/factor-model.ts";
import { decodeModel, encodeModel, MANIFEST_FILE } from "../../layers/domain/model/model-artifact.ts";
import { SeededRandom } from "../../layers/domain/random/seeded-random.ts";
import type { ModelStore } from "../../layers/ports/model-store.ts";
import { type ContractSubject, useContractSubject } from "./contract-subject.ts";
import { uniqueId } from "./unique-id.ts";

export type ModelStoreContractSubject = ContractSubject<ModelStore>;

/** A small but real model: random factors, their Gram matrix, ids with non-ASCII characters. */
function smallModel(version: string, seed: number): FactorModel {
  const random = new SeededRandom(seed);
  const factors = 3;
  const userIds = ["alice", "bob", "çå ✓"];
  const itemIds = ["i-1", "i-2", "i-3", "i-4"];
  const userFactors = Float32Array.from({ length: userIds.length * factors }, () => random.nextGaussian());
  const itemFactors = Float32Array.from({ length: itemIds.length * factors }, () => random.nextGaussian());
  userFactors[0] = -0;
  const gram = new Float32Array(factors * factors);
  for (let a = 0; a < factors; a++) {
    for (let b = 0; b < factors; b++) {
      let sum = 0;
      for (let i = 0; i < itemIds.length; i++) {
        sum += (itemFactors[i * factors + a] as number) * (itemFactors[i * factors + b] as number);
      }
      gram[a * factors + b] = sum;
    }
  }
  return {
    version,
    factors,
    userIds,
    itemIds,
    userFactors,
    itemFactors,
    gram,
    parameters: { ...DEFAULT_ALS_PARAMETERS, factors },
    metrics: { "ndcg@10": 0.3 + seed / 1000 },
    dataWindow: { from: 1_700_000_000, to: 1_700_086_400, interactions: 42 },
    createdAt: "2025-01-15T02:00:00.000Z",
  };
}

function bytesOfFloats(values: Float32Array): number[] {
  return [...new Uint8Array(values.buffer, values.byteOffset, values.byteLength)];
}

function expectSameModel(actual: FactorModel, expected: FactorModel): void {
  expect(bytesOfFloats(actual.userFactors)).toEqual(bytesOfFloats(expected.userFactors));
  expect(bytesOfFloats(actual.itemFactors)).toEqual(bytesOfFloats(expected.itemFactors));
  expect(bytesOfFloats(actual.gram)).toEqual(bytesOfFloats(expected.gram));
  const withoutArrays = (model: FactorModel) => ({
    ...model,
    userFactors: null,
    itemFactors: null,
    gram: null,
  });
  expect(withoutArrays(actual)).toEqual(withoutArrays(expected));
}

export function describeModelStoreContract(
  adapterName: string,
  makeSubject: () => Promise<ModelStoreContractSubject>,
): void {
  describe(`ModelStore contract: ${adapterName}`, () => {
    const current = useContractSubject(makeSubject);

    it("round-trips an encoded model: every file byte for byte, and the model decodes bit-exact", async () => {
      const { subject } = current();
      const version = uniqueId("model");
      const model = smallModel(version, 1);
      const files = encodeModel(model);
      const location = await subject.putFiles(version, files);
      expect(location).toBe(subject.locationOf(version));
      expect(location).toContain(version);
      const read = await subject.getFiles(version);
      for (const [name, bytes] of files) expect([...(read.get(name) ?? [])], name).toEqual([...bytes]);
      expectSameModel(decodeModel(read), model);
    });

    it("answers NotFoundError for a version never written", async () => {
      await expect(current().subject.getFiles(uniqueId("model"))).rejects.toBeInstanceOf(NotFoundError);
    });

    it("answers NotFoundError for a version whose manifest was never written (an interrupted write)", async () => {
      const { subject } = current();
      const version = uniqueId("model");
      const files = encodeModel(smallModel(version, 2));
      files.delete(MANIFEST_FILE);
      await subject.putFiles(version, files);
      await expect(subject.getFiles(version)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("removes a version's old manifest before rewriting it, so an interrupted rewrite is no model", async () => {
      const { subject } = current();
      const version = uniqueId("model");
      await subject.putFiles(version, encodeModel(smallModel(version, 9)));
      const withoutManifest = encodeModel(smallModel(version, 10));
      withoutManifest.delete(MANIFEST_FILE);
      await subject.putFiles(version, withoutManifest);
      await expect(subject.getFiles(version)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("replaces a version written again with the new model", async () => {
      const { subject } = current();
      const version = uniqueId("model");
      await subject.putFiles(version, encodeModel(smallModel(version, 3)));
      const replacement = smallModel(version, 4);
      await subject.putFiles(version, encodeModel(replacement));
      expectSameModel(decodeModel(await subject.getFiles(version)), replacement);
    });

    it("deletes a version; deleting an absent one is not an error", async () => {
      const { subject } = current();
      const version = uniqueId("model");
      await subject.putFiles(version, encodeModel(smallModel(version, 5)));
      await subject.deleteVersion(version);
      await expect(subject.getFiles(version)).rejects.toBeInstanceOf(NotFoundError);
      await subject.deleteVersion(version);
    });

    it("keeps versions apart", async () => {
      const { subject } = current();
      const first = smallModel(uniqueId("model"), 6);
      const second = smallModel(uniqueId("model"), 7);
      await subject.putFiles(first.version, encodeModel(first));
      await subject.putFiles(second.version, encodeModel(second));
      await subject.deleteVersion(first.version);
      expectSameModel(decodeModel(await subject.getFiles(second.version)), second);
    });

    it("refuses a version id that is not a safe path segment with InvalidInputError", async () => {
      const { subject } = current();
      const files = encodeModel(smallModel(uniqueId("model"), 8));
      for (const version of ["../escape", "a/b", "", ".hidden"]) {
        await expect(subject.putFiles(version, files), version).rejects.toBeInstanceOf(InvalidInputError);
        await expect(subject.getFiles(version), version).rejects.toBeInstanceOf(InvalidInputError);
      }
    });
  });
}
