import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  evaluateRecommender,
  type IndexRecommender,
} from "../../../layers/domain/evaluation/evaluate-recommender.ts";
import { IdIndex } from "../../../layers/domain/interactions/id-index.ts";
import {
  type InteractionTable,
  InteractionTableBuilder,
  selectRows,
} from "../../../layers/domain/interactions/interaction-table.ts";
import { type ItemExclusion, isExcluded } from "../../../layers/domain/scoring/top-k.ts";

const log2 = Math.log2;

/**
 * Users u0 u1 u2, items i0 … i4 (indices in that order).
 * train: u0 → i0, i1; u1 → i2; u2 → i0.
 * test:  u0 → i2 (w 1), i3 (w 1); u1 → i0 (w 5), i4 (w 1); u2 → i1 (w 0, an impression).
 */
function tinySplit(): { train: InteractionTable; test: InteractionTable } {
  const builder = new InteractionTableBuilder(
    IdIndex.fromIds(["u0", "u1", "u2"]),
    IdIndex.fromIds(["i0", "i1", "i2", "i3", "i4"]),
  );
  builder.add("u0", "i0", 1);
  builder.add("u0", "i1", 1);
  builder.add("u1", "i2", 1);
  builder.add("u2", "i0", 1);
  builder.add("u0", "i2", 1);
  builder.add("u0", "i3", 1);
  builder.add("u1", "i0", 5);
  builder.add("u1", "i4", 1);
  builder.add("u2", "i1", 0);
  const table = builder.build();
  return { train: selectRows(table, [0, 1, 2, 3]), test: selectRows(table, [4, 5, 6, 7, 8]) };
}

/** Recommends by a fixed global order, skipping excluded items; records what it was asked. */
function fixedOrderRecommender(order: number[], honourExclusions = true) {
  const calls: { user: number; k: number; excluded: number[] }[] = [];
  const recommender: IndexRecommender = {
    recommend(user: number, k: number, exclude: ItemExclusion): Int32Array {
      calls.push({ user, k, excluded: order.filter((item) => isExcluded(exclude, item)) });
      const allowed = honourExclusions ? order.filter((item) => !isExcluded(exclude, item)) : order;
      return Int32Array.from(allowed.slice(0, honourExclusions ? k : order.length));
    },
  };
  return { recommender, calls };
}

describe("evaluateRecommender", () => {
  it("removes seen items and scores the top k against relevant test items (hand case)", () => {
    const { train, test } = tinySplit();
    const { recommender, calls } = fixedOrderRecommender([0, 1, 2, 3, 4]);
    const result = evaluateRecommender(recommender, train, test, { k: 2 });
    // u2's only test row is an impression, so u0 and u1 are evaluated.
    expect(calls).toEqual([
      { user: 0, k: 2, excluded: [0, 1] },
      { user: 1, k: 2, excluded: [2] },
    ]);
    // u0 gets [2, 3], relevant {2, 3}: P 2/2, R 2/2, NDCG 1, AP (1/1 + 2/2) / 2 = 1.
    // u1 gets [0, 1], relevant {0, 4}: hit at rank 1: P 1/2, R 1/2, NDCG 1 / (1 + 1/log2 3), AP (1/1) / 2.
    expect(result.users).toBe(2);
    expect(result.k).toBe(2);
    expect(result.precision).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(result.recall).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(result.ndcg).toBeCloseTo((1 + 1 / (1 + 1 / log2(3))) / 2, 12);
    expect(result.map).toBeCloseTo((1 + 0.5) / 2, 12);
    // Items 2, 3, 0, 1 recommended out of a catalog of 5.
    expect(result.coverage).toBe(4 / 5);
  });

  it("applies a relevance threshold to test weights", () => {
    const { train, test } = tinySplit();
    const { recommender } = fixedOrderRecommender([0, 1, 2, 3, 4]);
    const result = evaluateRecommender(recommender, train, test, { k: 2, relevanceThreshold: 2 });
    // Only u1 → i0 (w 5) is relevant; u1 gets [0, 1]: P 1/2, R 1, NDCG 1, AP 1. Coverage {0, 1} of 5.
    expect(result).toEqual({ k: 2, precision: 0.5, recall: 1, ndcg: 1, map: 1, coverage: 2 / 5, users: 1 });
  });

  it("drops seen items a recommender returns anyway, and truncates to k", () => {
    const { train, test } = tinySplit();
    const { recommender } = fixedOrderRecommender([0, 1, 2, 3, 4], false);
    const honest = evaluateRecommender(fixedOrderRecommender([0, 1, 2, 3, 4]).recommender, train, test, {
      k: 2,
    });
    expect(evaluateRecommender(recommender, train, test, { k: 2 })).toEqual(honest);
  });

  it("uses a given catalog size for coverage", () => {
    const { train, test } = tinySplit();
    const { recommender } = fixedOrderRecommender([0, 1, 2, 3, 4]);
    expect(evaluateRecommender(recommender, train, test, { k: 2, catalogSize: 8 }).coverage).toBe(4 / 8);
  });

  it("requires train and test to share id indices, and k ≥ 1", () => {
    const { train, test } = tinySplit();
    const { recommender } = fixedOrderRecommender([0]);
    const foreign = { ...test, items: IdIndex.fromIds(test.items.ids()) };
    expect(() => evaluateRecommender(recommender, train, foreign, { k: 2 })).toThrow(InvalidInputError);
    expect(() => evaluateRecommender(recommender, train, test, { k: 0 })).toThrow(InvalidInputError);
  });
});
