import type { AlsParameters } from "../als/als-parameters.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";
import { trainFactorModel } from "../model/train-factor-model.ts";
import { PopularityModel } from "../popularity/popularity-model.ts";
import { FactorRecommender } from "../recommenders/factor-recommender.ts";
import type { ItemExclusion } from "../scoring/top-k.ts";
import { leaveLastOut, stratifiedSplit } from "./data-split.ts";
import { type EvaluationResult, evaluateRecommender, type IndexRecommender } from "./evaluate-recommender.ts";

export const EVALUATION_ALGORITHMS = ["als", "popular"] as const;
export type EvaluationAlgorithm = (typeof EVALUATION_ALGORITHMS)[number];
export const SPLIT_METHODS = ["stratified", "last"] as const;
export type SplitMethod = (typeof SPLIT_METHODS)[number];

export interface OfflineEvaluationOptions {
  readonly algorithm: EvaluationAlgorithm;
  readonly split: SplitMethod;
  /** Share of each user's interactions kept for training (stratified split). */
  readonly ratio: number;
  readonly seed: number;
  readonly k: number;
  readonly als: AlsParameters;
  readonly relevanceThreshold?: number;
  readonly onIteration?: (progress: {
    iteration: number;
    iterations: number;
    seconds: number;
    loss?: number;
  }) => void;
}

export interface OfflineEvaluationReport extends EvaluationResult {
  readonly algorithm: EvaluationAlgorithm;
  readonly items: number;
  readonly interactions: number;
  readonly trainSeconds: number;
}

/**
 * The documented protocol (docs/evaluation.md): split, train on the training part only, rank every
 * evaluated user's unseen items, score the top k against their held-out interactions.
 */
export async function runOfflineEvaluation(
  table: InteractionTable,
  options: OfflineEvaluationOptions,
): Promise<OfflineEvaluationReport> {
  if (table.length === 0) throw new InvalidInputError("no interactions to evaluate on", "input");
  if (table.users.size < 2) {
    throw new InvalidInputError(
      `evaluation needs at least 2 users, the data has ${table.users.size}`,
      "input",
    );
  }
  if (!(options.ratio > 0 && options.ratio < 1))
    throw new InvalidInputError("ratio must be between 0 and 1", "ratio");
  const { train, test } =
    options.split === "stratified"
      ? stratifiedSplit(table, { ratio: options.ratio, seed: options.seed })
      : leaveLastOut(table);
  if (test.length === 0) {
    throw new InvalidInputError(
      "the split left no held-out interactions: too few interactions per user",
      "input",
    );
  }
  const started = performance.now();
  const recommender = await buildRecommender(train, options);
  const trainSeconds = (performance.now() - started) / 1000;
  const result = evaluateRecommender(recommender, train, test, {
    k: options.k,
    ...(options.relevanceThreshold === undefined ? {} : { relevanceThreshold: options.relevanceThreshold }),
  });
  return {
    ...result,
    algorithm: options.algorithm,
    items: table.items.size,
    interactions: table.length,
    trainSeconds,
  };
}

async function buildRecommender(
  train: InteractionTable,
  options: OfflineEvaluationOptions,
): Promise<IndexRecommender> {
  if (options.algorithm === "popular") {
    const popularity = PopularityModel.fromInteractions(train);
    return {
      recommend: (_user: number, k: number, exclude: ItemExclusion) => popularity.recommend(k, exclude).items,
    };
  }
  const trained = await trainFactorModel(
    train,
    options.als,
    options.onIteration ? { onIteration: options.onIteration } : {},
  );
  return new FactorRecommender(trained.model);
}
