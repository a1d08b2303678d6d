import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { SeededRandom } from "../../../layers/domain/random/seeded-random.ts";
import {
  type ItemExclusion,
  type TopK,
  topKByInnerProduct,
  topKFromScores,
} from "../../../layers/domain/scoring/top-k.ts";

/** The reference: score every item the same way, sort all of them, take the first k. */
function bruteForce(scores: readonly number[], k: number, excluded: (item: number) => boolean): TopK {
  const order = scores
    .map((score, item) => ({ item, score: Math.fround(score) }))
    .filter(({ item, score }) => !excluded(item) && !Number.isNaN(score))
    .sort((a, b) => b.score - a.score || a.item - b.item)
    .slice(0, k);
  return {
    items: Int32Array.from(order.map((o) => o.item)),
    scores: Float32Array.from(order.map((o) => o.score)),
  };
}

function dotScores(query: Float32Array, itemFactors: Float32Array, factors: number): number[] {
  const scores: number[] = [];
  for (let item = 0; item < itemFactors.length / factors; item++) {
    let dot = 0;
    for (let f = 0; f < factors; f++)
      dot += (query[f] as number) * (itemFactors[item * factors + f] as number);
    scores.push(dot);
  }
  return scores;
}

describe("topKByInnerProduct", () => {
  it("agrees with a full sort on random data, with and without exclusions, for many seeds", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = new SeededRandom(seed);
      const itemCount = random.nextInt(80);
      const factors = 1 + random.nextInt(8);
      // Every third seed draws small integers so that many scores tie exactly.
      const draw = seed % 3 === 0 ? () => random.nextInt(3) - 1 : () => random.nextGaussian();
      const itemFactors = Float32Array.from({ length: itemCount * factors }, draw);
      const query = Float32Array.from({ length: factors }, draw);
      const scores = dotScores(query, itemFactors, factors);
      const excludedItems = new Set<number>();
      for (let i = 0; i < itemCount; i++) if (random.next() < 0.2) excludedItems.add(i);
      const mask = new Uint8Array(itemCount);
      for (const item of excludedItems) mask[item] = 1;
      for (const k of [0, 1, 3, 10, itemCount, itemCount + 5]) {
        const expectedAll = bruteForce(scores, k, () => false);
        const expectedExcluded = bruteForce(scores, k, (item) => excludedItems.has(item));
        expect(topKByInnerProduct(query, itemFactors, factors, k)).toEqual(expectedAll);
        expect(topKByInnerProduct(query, itemFactors, factors, k, excludedItems)).toEqual(expectedExcluded);
        expect(topKByInnerProduct(query, itemFactors, factors, k, mask)).toEqual(expectedExcluded);
      }
    }
  });

  it("breaks ties by the lower item index and returns all candidates when k exceeds them", () => {
    // Scores: item0 = 1, item1 = 2, item2 = 1, item3 = 2, item4 = 0.
    const itemFactors = Float32Array.from([1, 2, 1, 2, 0]);
    const result = topKByInnerProduct(Float32Array.from([1]), itemFactors, 1, 99, new Set([4]));
    expect([...result.items]).toEqual([1, 3, 0, 2]);
    expect([...result.scores]).toEqual([2, 2, 1, 1]);
  });

  it("treats items past the end of a short mask as allowed", () => {
    const itemFactors = Float32Array.from([3, 2, 1]);
    const mask = Uint8Array.from([1]);
    expect([...topKByInnerProduct(Float32Array.from([1]), itemFactors, 1, 5, mask).items]).toEqual([1, 2]);
  });

  it("rejects a bad k, a query of the wrong length and a ragged factor matrix", () => {
    const itemFactors = new Float32Array(6);
    expect(() => topKByInnerProduct(new Float32Array(2), itemFactors, 2, -1)).toThrow(InvalidInputError);
    expect(() => topKByInnerProduct(new Float32Array(2), itemFactors, 2, 1.5)).toThrow(InvalidInputError);
    expect(() => topKByInnerProduct(new Float32Array(3), itemFactors, 2, 1)).toThrow(InvalidInputError);
    expect(() => topKByInnerProduct(new Float32Array(4), itemFactors, 4, 1)).toThrow(InvalidInputError);
  });
});

describe("topKFromScores", () => {
  it("agrees with a full sort, skipping NaN scores", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const random = new SeededRandom(seed);
      const n = random.nextInt(60);
      const scores = Array.from({ length: n }, () => {
        const u = random.next();
        return u < 0.05 ? Number.NaN : random.nextInt(5) + (u < 0.5 ? 0 : random.next());
      });
      const excluded = new Set<number>();
      for (let i = 0; i < n; i++) if (random.next() < 0.3) excluded.add(i);
      const exclusions: (ItemExclusion | undefined)[] = [undefined, excluded];
      for (const k of [0, 1, 4, n, n + 2]) {
        for (const exclude of exclusions) {
          const expected = bruteForce(scores, k, (item) => exclude !== undefined && excluded.has(item));
          expect(topKFromScores(Float64Array.from(scores), k, exclude)).toEqual(expected);
        }
      }
    }
  });

  it("orders by the float32 score that it returns", () => {
    // 1 + 2⁻³⁰ and 1 differ as doubles but are the same float32, so the lower index wins.
    const result = topKFromScores([1, 1 + 2 ** -30], 2);
    expect([...result.items]).toEqual([0, 1]);
    expect([...result.scores]).toEqual([1, 1]);
  });
});
