import { describe, expect, it } from "vitest";
import { AliasTable } from "../../../layers/domain/generator/alias-table.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";

describe("AliasTable", () => {
  it("draws indices in proportion to their weights", () => {
    const weights = [5, 0, 1, 3, 1];
    const table = new AliasTable(weights);
    const random = new SeededRandom(11);
    const counts = new Array<number>(weights.length).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const index = table.sample(random);
      counts[index] = (counts[index] as number) + 1;
    }
    expect(counts[1]).toBe(0);
    weights.forEach((w, i) => {
      expect((counts[i] as number) / draws).toBeCloseTo(w / 10, 2);
    });
  });

  it("handles a single weight", () => {
    expect(new AliasTable([2]).sample(new SeededRandom(1))).toBe(0);
  });

  it("rejects empty, negative, non-finite and all-zero weights", () => {
    expect(() => new AliasTable([])).toThrow(RangeError);
    expect(() => new AliasTable([1, -1])).toThrow(RangeError);
    expect(() => new AliasTable([1, Number.NaN])).toThrow(RangeError);
    expect(() => new AliasTable([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
  });
});
