import { InvalidInputError } from "../errors/domain-errors.ts";
import { type InteractionTable, rowsGroupedByUser } from "../interactions/interaction-table.ts";
import type { ItemExclusion } from "../scoring/top-k.ts";
import {
  catalogCoverage,
  type MapNormalization,
  rankingMetricsAtK,
  type UserRanking,
} from "./ranking-metrics.ts";

/** Anything that ranks items for a user, in the index space of the train/test tables. */
export interface IndexRecommender {
  /**
   * Up to k item indices, best first, none of them excluded. `exclude` is a byte mask over item indices
   * that is only valid during the call (it is reused for the next user).
   */
  recommend(user: number, k: number, exclude: ItemExclusion): Int32Array;
}

export interface EvaluationOptions {
  readonly k: number;
  /**
   * Only test interactions with weight ≥ this are relevant.
   * @default weight > 0: every test interaction except impressions (0) and dismissals (negative)
   */
  readonly relevanceThreshold?: number;
  /**
   * The denominator of coverage.
   * @default the size of the shared item index: every item seen in train or test. (Recommenders' `catalog_coverage`
   * counts the distinct items in train instead, which lets coverage pass 1 when test-only items are recommended.)
   */
  readonly catalogSize?: number;
  /** @default "relevant" (see ranking-metrics.ts) */
  readonly mapNormalization?: MapNormalization;
}

export interface EvaluationResult {
  readonly k: number;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly map: number;
  readonly coverage: number;
  /** Users evaluated: those with at least one relevant test item. */
  readonly users: number;
}

/**
 * Offline evaluation of a recommender trained on `train` against `test`, in the recommenders protocol:
 * each evaluated user's training items are excluded from their candidates (seen items removed), the
 * top k are scored against the user's relevant test items, and the metrics are averaged over users
 * (definitions in ranking-metrics.ts). Items the recommender returns despite the exclusion are dropped.
 * An item a user has in both train and test stays relevant though it cannot be recommended, as in recommenders.
 * `train` and `test` must share their IdIndex objects (the splits in data-split.ts guarantee it).
 */
export function evaluateRecommender(
  recommender: IndexRecommender,
  train: InteractionTable,
  test: InteractionTable,
  options: EvaluationOptions,
): EvaluationResult {
  const { k, relevanceThreshold } = options;
  if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`k must be an integer ≥ 1, got ${k}`, "k");
  if (relevanceThreshold !== undefined && Number.isNaN(relevanceThreshold)) {
    throw new InvalidInputError("relevanceThreshold must be a number", "relevanceThreshold");
  }
  if (train.users !== test.users || train.items !== test.items) {
    throw new InvalidInputError("train and test must share the same user and item IdIndex objects", "test");
  }
  const itemCount = train.items.size;
  const relevantByUser = new Map<number, Set<number>>();
  for (let row = 0; row < test.length; row++) {
    const weight = test.weight[row] as number;
    if (relevanceThreshold === undefined ? !(weight > 0) : !(weight >= relevanceThreshold)) continue;
    const user = test.userIndex[row] as number;
    let relevant = relevantByUser.get(user);
    if (relevant === undefined) {
      relevant = new Set();
      relevantByUser.set(user, relevant);
    }
    relevant.add(test.itemIndex[row] as number);
  }
  const seen = groupItemsByUser(train);
  const mask = new Uint8Array(itemCount);
  const rankings: UserRanking[] = [];
  const recommendedLists: Int32Array[] = [];
  const users = [...relevantByUser.keys()].sort((a, b) => a - b);
  for (const user of users) {
    const from = seen.start[user] as number;
    const to = seen.start[user + 1] as number;
    for (let p = from; p < to; p++) mask[seen.items[p] as number] = 1;
    const returned = recommender.recommend(user, k, mask);
    const recommended = keepAllowed(returned, mask, k);
    for (let p = from; p < to; p++) mask[seen.items[p] as number] = 0;
    rankings.push({ recommended, relevant: relevantByUser.get(user) ?? new Set() });
    recommendedLists.push(recommended);
  }
  const metrics = rankingMetricsAtK(rankings, k, {
    mapNormalization: options.mapNormalization ?? "relevant",
  });
  const catalogSize = options.catalogSize ?? itemCount;
  return {
    k,
    precision: metrics.precision,
    recall: metrics.recall,
    ndcg: metrics.ndcg,
    map: metrics.map,
    coverage: catalogCoverage(recommendedLists, catalogSize),
    users: metrics.users,
  };
}

/** The first k returned items that are not masked. */
function keepAllowed(returned: Int32Array, mask: Uint8Array, k: number): Int32Array {
  const kept: number[] = [];
  for (let i = 0; i < returned.length && kept.length < k; i++) {
    const item = returned[i] as number;
    if (mask[item] !== 1) kept.push(item);
  }
  return Int32Array.from(kept);
}

/** Each user's training items, grouped by user. */
function groupItemsByUser(table: InteractionTable): { start: Int32Array; items: Int32Array } {
  const { start, rows } = rowsGroupedByUser(table);
  return { start, items: Int32Array.from(rows, (row) => table.itemIndex[row] as number) };
}
