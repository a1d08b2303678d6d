import { InvalidInputError } from "../errors/domain-errors.ts";

/**
 * Ranking metrics at K with binary relevance, defined as in Microsoft Recommenders' `python_evaluation`
 * in the version that produced its published MovieLens-100k table (e.g. BiVAE: MAP 0.146, nDCG@10 0.475,
 * P@10 0.412), so our figures can be compared with that table:
 *
 * - precision@K = hits in the top K / K — always K, even when fewer than K items were recommended
 *   (Spark's `precisionAt` does the same);
 * - recall@K = hits in the top K / number of relevant items;
 * - NDCG@K = DCG / IDCG with DCG = Σ over hits at rank r ≤ K of 1 / log2(1 + r), and IDCG the DCG of a
 *   perfect list: Σ for i = 1 … min(K, relevant) of 1 / log2(1 + i). Recommenders uses ln, but the base
 *   cancels in the ratio;
 * - MAP@K = Σ over hits at rank r ≤ K of (hits in the top r / r), divided by the number of relevant items.
 *   This is recommenders' `map_at_k` before its November 2023 change (now its `map`); the current
 *   `map_at_k` divides by min(K, relevant), as Spark's `meanAveragePrecisionAt` does, which gives larger
 *   values. The published table predates that change, so "relevant" is the default and
 *   "min-k-relevant" is available for comparison with Spark.
 *
 * Every metric is the mean over the evaluated users: users with at least one relevant item. A user with
 * relevant items but no recommendations counts as 0 (recommenders would instead leave out a user absent
 * from its predictions; here a cold user the recommender cannot serve is a miss, not an omission).
 * Only the first occurrence of an item in a list counts; a repeated item is a miss.
 */
export type MapNormalization = "relevant" | "min-k-relevant";

export interface UserRanking {
  /** Recommended items, best first; only the first K are read. */
  readonly recommended: ArrayLike<number>;
  /** The items that count as hits (distinct). */
  readonly relevant: ReadonlySet<number>;
}

export interface RankingMetricsOptions {
  /** @default "relevant" */
  readonly mapNormalization?: MapNormalization;
}

export interface RankingMetrics {
  readonly k: number;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly map: number;
  /** Users evaluated: those with at least one relevant item. */
  readonly users: number;
}

/** Ranks (1-based) of the hits among the first k recommendations, ascending. */
export function hitRanks(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number[] {
  requirePositiveK(k);
  const ranks: number[] = [];
  const seen = new Set<number>();
  const n = Math.min(k, recommended.length);
  for (let i = 0; i < n; i++) {
    const item = recommended[i] as number;
    if (seen.has(item)) continue;
    seen.add(item);
    if (relevant.has(item)) ranks.push(i + 1);
  }
  return ranks;
}

export function userPrecisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return hitRanks(recommended, relevant, k).length / k;
}

/** 0 when nothing is relevant. */
export function userRecallAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return recallFromRanks(hitRanks(recommended, relevant, k), relevant.size);
}

/** 0 when nothing is relevant. */
export function userNdcgAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return ndcgFromRanks(hitRanks(recommended, relevant, k), relevant.size, k);
}

/** Average precision at K; 0 when nothing is relevant. */
export function userAveragePrecisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
  normalization: MapNormalization = "relevant",
): number {
  return averagePrecisionFromRanks(hitRanks(recommended, relevant, k), relevant.size, k, normalization);
}

function recallFromRanks(ranks: readonly number[], relevantCount: number): number {
  return relevantCount === 0 ? 0 : ranks.length / relevantCount;
}

function ndcgFromRanks(ranks: readonly number[], relevantCount: number, k: number): number {
  if (relevantCount === 0) return 0;
  let dcg = 0;
  for (const rank of ranks) dcg += 1 / Math.log2(1 + rank);
  let idcg = 0;
  const ideal = Math.min(k, relevantCount);
  for (let i = 1; i <= ideal; i++) idcg += 1 / Math.log2(1 + i);
  return dcg / idcg;
}

function averagePrecisionFromRanks(
  ranks: readonly number[],
  relevantCount: number,
  k: number,
  normalization: MapNormalization,
): number {
  if (relevantCount === 0) return 0;
  let sum = 0;
  // The h-th hit (1-based) at rank r contributes precision@r = h / r.
  for (let h = 0; h < ranks.length; h++) sum += (h + 1) / (ranks[h] as number);
  return sum / (normalization === "relevant" ? relevantCount : Math.min(k, relevantCount));
}

/** All four metrics, each the mean over the users with at least one relevant item (0 when there are none). */
export function rankingMetricsAtK(
  rankings: Iterable<UserRanking>,
  k: number,
  options: RankingMetricsOptions = {},
): RankingMetrics {
  requirePositiveK(k);
  const normalization = options.mapNormalization ?? "relevant";
  let users = 0;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let map = 0;
  for (const { recommended, relevant } of rankings) {
    if (relevant.size === 0) continue;
    users++;
    const ranks = hitRanks(recommended, relevant, k);
    precision += ranks.length / k;
    recall += recallFromRanks(ranks, relevant.size);
    ndcg += ndcgFromRanks(ranks, relevant.size, k);
    map += averagePrecisionFromRanks(ranks, relevant.size, k, normalization);
  }
  if (users === 0) return { k, precision: 0, recall: 0, ndcg: 0, map: 0, users };
  return {
    k,
    precision: precision / users,
    recall: recall / users,
    ndcg: ndcg / users,
    map: map / users,
    users,
  };
}

export function precisionAtK(rankings: Iterable<UserRanking>, k: number): number {
  return rankingMetricsAtK(rankings, k).precision;
}

export function recallAtK(rankings: Iterable<UserRanking>, k: number): number {
  return rankingMetricsAtK(rankings, k).recall;
}

export function ndcgAtK(rankings: Iterable<UserRanking>, k: number): number {
  return rankingMetricsAtK(rankings, k).ndcg;
}

export function mapAtK(
  rankings: Iterable<UserRanking>,
  k: number,
  normalization: MapNormalization = "relevant",
): number {
  return rankingMetricsAtK(rankings, k, { mapNormalization: normalization }).map;
}

/**
 * Catalog coverage (Shani & Gunawardana): distinct items recommended to anyone / catalog size.
 * Recommenders' `catalog_coverage` takes the catalog to be the distinct items of the training data.
 */
export function catalogCoverage(recommendedLists: Iterable<ArrayLike<number>>, catalogSize: number): number {
  if (!Number.isInteger(catalogSize) || catalogSize < 0) {
    throw new InvalidInputError(`catalogSize must be an integer ≥ 0, got ${catalogSize}`, "catalogSize");
  }
  const distinct = new Set<number>();
  for (const list of recommendedLists) {
    for (let i = 0; i < list.length; i++) distinct.add(list[i] as number);
  }
  return catalogSize === 0 ? 0 : distinct.size / catalogSize;
}

function requirePositiveK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`k must be an integer ≥ 1, got ${k}`, "k");
}
