import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  ItemSimilarityIndex,
  itemNorms,
  similarItemsByCosine,
} from "../../../layers/domain/scoring/similar-items.ts";

// Five items in two dimensions: (1,0), (1,1), (0,2), (0,0), (−1,0).
const itemFactors = Float32Array.from([1, 0, 1, 1, 0, 2, 0, 0, -1, 0]);

describe("item cosine similarity", () => {
  it("computes the norms once: 1, √2, 2, 0, 1", () => {
    const index = new ItemSimilarityIndex(itemFactors, 2);
    expect([...index.norms]).toEqual([1, Math.SQRT2, 2, 0, 1]);
    expect(itemNorms(itemFactors, 2)).toEqual(index.norms);
  });

  it("ranks by cosine against hand computation, never returning the item itself or a zero vector", () => {
    // cos(0,1) = 1 / (1·√2) = 0.7071; cos(0,2) = 0 / (1·2) = 0; cos(0,4) = −1 / (1·1) = −1; item 3 is zero.
    const result = similarItemsByCosine(0, itemFactors, 2, 10);
    expect([...result.items]).toEqual([1, 2, 4]);
    expect(result.scores[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(result.scores[1]).toBe(0);
    expect(result.scores[2]).toBe(-1);
  });

  it("breaks ties by the lower index", () => {
    // cos(1,0) = 1 / (√2·1) and cos(1,2) = 2 / (√2·2): equal, so item 0 comes first.
    const result = new ItemSimilarityIndex(itemFactors, 2).similarItems(1, 2);
    expect([...result.items]).toEqual([0, 2]);
    expect(result.scores[0]).toBe(result.scores[1]);
  });

  it("honours exclusions and k", () => {
    const index = new ItemSimilarityIndex(itemFactors, 2);
    expect([...index.similarItems(0, 10, new Set([1])).items]).toEqual([2, 4]);
    expect([...index.similarItems(0, 1).items]).toEqual([1]);
    expect(index.similarItems(0, 0).items.length).toBe(0);
  });

  it("returns nothing for a zero vector", () => {
    const result = new ItemSimilarityIndex(itemFactors, 2).similarItems(3, 5);
    expect(result.items.length).toBe(0);
    expect(result.scores.length).toBe(0);
  });

  it("rejects an unknown item and mismatched norms", () => {
    const index = new ItemSimilarityIndex(itemFactors, 2);
    expect(() => index.similarItems(5, 1)).toThrow(NotFoundError);
    expect(() => index.similarItems(-1, 1)).toThrow(NotFoundError);
    expect(() => new ItemSimilarityIndex(itemFactors, 2, new Float64Array(3))).toThrow(InvalidInputError);
  });
});
