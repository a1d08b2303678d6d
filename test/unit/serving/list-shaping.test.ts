import { describe, expect, it } from "vitest";
import { cacheVariantOf } from "../../../layers/domain/serving/cached-recommendations.ts";
import { capPerCategory } from "../../../layers/domain/serving/category-cap.ts";
import { explorationSlotCount, interleaveExploration } from "../../../layers/domain/serving/exploration.ts";
import { selectByMaximalMarginalRelevance } from "../../../layers/domain/serving/maximal-marginal-relevance.ts";
import { servingConfig } from "../../../layers/domain/serving/serving-dependencies.ts";

const scored = (...ids: string[]) => ids.map((itemId, rank) => ({ itemId, score: ids.length - rank }));

describe("maximal marginal relevance", () => {
  const vectors: Record<string, Float32Array> = {
    a1: Float32Array.from([1, 0]),
    a2: Float32Array.from([1, 0.01]),
    b1: Float32Array.from([0, 1]),
  };
  it("is the relevance order at λ = 1 and prefers a new direction at a lower λ", () => {
    const candidates = scored("a1", "a2", "b1");
    const vectorOf = (id: string) => vectors[id];
    expect(selectByMaximalMarginalRelevance(candidates, 3, 1, vectorOf).map(({ itemId }) => itemId)).toEqual([
      "a1",
      "a2",
      "b1",
    ]);
    expect(
      selectByMaximalMarginalRelevance(candidates, 2, 0.5, vectorOf).map(({ itemId }) => itemId),
    ).toEqual(["a1", "b1"]);
  });
  it("keeps the order of items without vectors and handles empty input", () => {
    expect(selectByMaximalMarginalRelevance(scored("x", "y"), 2, 0.3, () => undefined)).toEqual(
      scored("x", "y"),
    );
    expect(selectByMaximalMarginalRelevance([], 3, 0.5, () => undefined)).toEqual([]);
  });
});

describe("capPerCategory", () => {
  it("takes items in order while no category is full, counting an item in each of its categories", () => {
    const categories: Record<string, string[]> = {
      a: ["x"],
      b: ["x", "y"],
      c: ["x"],
      d: ["y"],
      e: ["z"],
      f: [],
    };
    const picked = capPerCategory(scored("a", "b", "c", "d", "e", "f"), 10, 2, (id) => categories[id] ?? []);
    expect(picked.map(({ itemId }) => itemId)).toEqual(["a", "b", "d", "e", "f"]);
    const exempt = capPerCategory(scored("a", "b", "c"), 10, 1, (id) => categories[id] ?? [], "x");
    expect(exempt.map(({ itemId }) => itemId)).toEqual(["a", "b", "c"]);
  });
});

describe("exploration placement", () => {
  it("spreads the items evenly, never first, each with the score of the item before it", () => {
    expect(explorationSlotCount(10, 0.1)).toBe(1);
    expect(explorationSlotCount(10, 0.3)).toBe(3);
    expect(explorationSlotCount(9, 0.1)).toBe(0);
    const placed = interleaveExploration(scored("p1", "p2", "p3", "p4"), [{ itemId: "n1", score: 99 }]);
    expect(placed).toEqual([
      { itemId: "p1", score: 4 },
      { itemId: "p2", score: 3 },
      { itemId: "n1", score: 3 },
      { itemId: "p3", score: 2 },
      { itemId: "p4", score: 1 },
    ]);
    expect(interleaveExploration([], [{ itemId: "n1", score: 1 }])).toEqual([]);
  });
});

describe("cache variant and config", () => {
  it("is canonical in the excludes and different for every option; long variants are hashed", () => {
    const base = { userId: "u", limit: 5, exclude: ["b", "a"], diversity: "none" } as const;
    expect(cacheVariantOf(base)).toBe(cacheVariantOf({ ...base, exclude: ["a", "b", "a"] }));
    const variants = new Set([
      cacheVariantOf(base),
      cacheVariantOf({ ...base, limit: 6 }),
      cacheVariantOf({ ...base, category: "c" }),
      cacheVariantOf({ ...base, diversity: "mmr" }),
      cacheVariantOf({ ...base, exclude: [] }),
    ]);
    expect(variants.size).toBe(5);
    const long = cacheVariantOf({ ...base, exclude: Array.from({ length: 100 }, (_, i) => `item-${i}`) });
    expect(long).toMatch(/^v1:sha256:[0-9a-f]{64}$/);
  });

  it("fills defaults and refuses out-of-range values, naming the field", () => {
    expect(servingConfig()).toMatchObject({
      cacheTtlSeconds: 3600,
      rerankBudgetMs: 30,
      explorationShare: 0.1,
    });
    expect(() => servingConfig({ mmrLambda: 2 })).toThrow(expect.objectContaining({ field: "mmrLambda" }));
    expect(() => servingConfig({ popularFallbackWindowMs: 1 })).toThrow(
      expect.objectContaining({ field: "popularFallbackWindowMs" }),
    );
  });
});
