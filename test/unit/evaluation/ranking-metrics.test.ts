import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import {
  catalogCoverage,
  hitRanks,
  mapAtK,
  ndcgAtK,
  precisionAtK,
  rankingMetricsAtK,
  recallAtK,
  userAveragePrecisionAtK,
  userNdcgAtK,
  userPrecisionAtK,
  userRecallAtK,
} from "../../../layers/domain/evaluation/ranking-metrics.ts";

const log2 = Math.log2;

describe("per-user metrics", () => {
  // k = 5, recommended 1 2 3 4 5, relevant {2, 4, 9}: hits at ranks 2 and 4.
  const recommended = [1, 2, 3, 4, 5];
  const relevant = new Set([2, 4, 9]);

  it("precision@k divides the hits by k", () => {
    expect(userPrecisionAtK(recommended, relevant, 5)).toBe(2 / 5);
  });

  it("recall@k divides the hits by the number of relevant items", () => {
    expect(userRecallAtK(recommended, relevant, 5)).toBe(2 / 3);
  });

  it("NDCG@k: binary gains, log2 discount, ideal DCG over min(k, relevant) positions", () => {
    // DCG = 1/log2(3) + 1/log2(5) = 0.6309 + 0.4307; IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4) = 2.1309.
    const expected = (1 / log2(3) + 1 / log2(5)) / (1 + 1 / log2(3) + 1 / log2(4));
    expect(userNdcgAtK(recommended, relevant, 5)).toBeCloseTo(expected, 12);
    expect(userNdcgAtK(recommended, relevant, 5)).toBeCloseTo(0.49819, 5);
  });

  it("average precision sums precision@rank over the hits and divides by the relevant count", () => {
    // (1/2 + 2/4) / 3 = 1/3; with min(k, relevant) = min(5, 3) = 3 it is the same.
    expect(userAveragePrecisionAtK(recommended, relevant, 5)).toBeCloseTo(1 / 3, 12);
    expect(userAveragePrecisionAtK(recommended, relevant, 5, "min-k-relevant")).toBeCloseTo(1 / 3, 12);
  });

  it("differs between the two MAP normalisations when there are more relevant items than k", () => {
    // k = 2, recommended 7 8, relevant {7, 1, 2}: one hit at rank 1.
    const few = [7, 8];
    const many = new Set([7, 1, 2]);
    expect(userPrecisionAtK(few, many, 2)).toBe(1 / 2);
    expect(userRecallAtK(few, many, 2)).toBe(1 / 3);
    // IDCG over min(2, 3) = 2 positions: 1 + 1/log2(3).
    expect(userNdcgAtK(few, many, 2)).toBeCloseTo(1 / (1 + 1 / log2(3)), 12);
    expect(userAveragePrecisionAtK(few, many, 2)).toBeCloseTo(1 / 3, 12);
    expect(userAveragePrecisionAtK(few, many, 2, "min-k-relevant")).toBeCloseTo(1 / 2, 12);
  });

  it("still divides precision by k when fewer than k items were recommended", () => {
    // One recommendation, a hit, k = 10: precision 1/10, recall 1/1, NDCG 1, AP 1/1.
    const single = new Set([2]);
    expect(userPrecisionAtK([2], single, 10)).toBe(0.1);
    expect(userRecallAtK([2], single, 10)).toBe(1);
    expect(userNdcgAtK([2], single, 10)).toBe(1);
    expect(userAveragePrecisionAtK([2], single, 10)).toBe(1);
  });

  it("reads only the first k recommendations and counts a repeated item once", () => {
    expect(hitRanks([9, 2, 3], new Set([3]), 2)).toEqual([]);
    // 2, 2, 3 with relevant {2, 3}: hits at ranks 1 and 3; AP = (1/1 + 2/3) / 2 = 5/6.
    expect(hitRanks([2, 2, 3], new Set([2, 3]), 3)).toEqual([1, 3]);
    expect(userAveragePrecisionAtK([2, 2, 3], new Set([2, 3]), 3)).toBeCloseTo(5 / 6, 12);
  });

  it("rejects k < 1", () => {
    expect(() => userPrecisionAtK([1], new Set([1]), 0)).toThrow(InvalidInputError);
  });
});

describe("averaged metrics", () => {
  // User A: k = 2, recommended 1 2, relevant {1}: P 1/2, R 1, NDCG 1, AP 1.
  // User B: recommended 3 4, relevant {4, 5}: hit at rank 2: P 1/2, R 1/2,
  //         NDCG = (1/log2 3) / (1 + 1/log2 3), AP = (1/2) / 2 = 1/4.
  // User C: nothing relevant: not evaluated. User D: relevant {6}, no recommendations: all 0.
  const rankings = [
    { recommended: [1, 2], relevant: new Set([1]) },
    { recommended: [3, 4], relevant: new Set([4, 5]) },
    { recommended: [1, 3], relevant: new Set<number>() },
    { recommended: [], relevant: new Set([6]) },
  ];

  it("averages over the users with at least one relevant item", () => {
    const metrics = rankingMetricsAtK(rankings, 2);
    expect(metrics.users).toBe(3);
    expect(metrics.precision).toBeCloseTo((1 / 2 + 1 / 2 + 0) / 3, 12);
    expect(metrics.recall).toBeCloseTo((1 + 1 / 2 + 0) / 3, 12);
    expect(metrics.ndcg).toBeCloseTo((1 + 1 / log2(3) / (1 + 1 / log2(3)) + 0) / 3, 12);
    expect(metrics.map).toBeCloseTo((1 + 1 / 4 + 0) / 3, 12);
    expect(precisionAtK(rankings, 2)).toBe(metrics.precision);
    expect(recallAtK(rankings, 2)).toBe(metrics.recall);
    expect(ndcgAtK(rankings, 2)).toBe(metrics.ndcg);
    expect(mapAtK(rankings, 2)).toBe(metrics.map);
    // With min(k, relevant): B's AP = (1/2) / min(2, 2) = 1/4 as well.
    expect(mapAtK(rankings, 2, "min-k-relevant")).toBeCloseTo((1 + 1 / 4) / 3, 12);
  });

  it("is all zeros when no user has a relevant item", () => {
    expect(rankingMetricsAtK([{ recommended: [1], relevant: new Set<number>() }], 1)).toEqual({
      k: 1,
      precision: 0,
      recall: 0,
      ndcg: 0,
      map: 0,
      users: 0,
    });
  });
});

describe("catalogCoverage", () => {
  it("divides the distinct recommended items by the catalog size", () => {
    // {1, 2, 3} of 10 items.
    expect(catalogCoverage([[1, 2], Int32Array.from([2, 3])], 10)).toBe(0.3);
    expect(catalogCoverage([], 0)).toBe(0);
    expect(() => catalogCoverage([], -1)).toThrow(InvalidInputError);
  });
});
