import type { BatchRecStore } from "../../ports/batch-rec-store.ts";
import type { Cache } from "../../ports/cache.ts";
import type { Clock } from "../../ports/clock.ts";
import type { InteractionLog } from "../../ports/interaction-log.ts";
import type { ItemCatalog } from "../../ports/item-catalog.ts";
import type { ProfileStore } from "../../ports/profile-store.ts";
import type { Ranker } from "../../ports/ranker.ts";
import type { ServedRecommendation } from "../../ports/recommendation-log.ts";
import type { TrendingCounters } from "../../ports/trending-counters.ts";
import type { VectorIndex } from "../../ports/vector-index.ts";
import { InvalidInputError } from "../errors/domain-errors.ts";
import type { FoldInModel } from "../streaming/active-model.ts";

/** What serving needs of the active model: its version and item factors (no solver). */
export type ServingModel = Pick<FoldInModel, "version" | "factors" | "itemIndex" | "itemIds" | "itemFactors">;

/**
 * The active model, as the stream's ActiveModelCache provides it (it satisfies this interface), so one
 * loaded model serves both. `current` is called once per request and must be cheap when nothing changed.
 */
export interface ServingModelSource {
  current(): Promise<ServingModel | undefined>;
}

/**
 * A step of the cascade that did not go as planned but did not stop the answer: a tier that failed and
 * was fallen through, a re-rank that was skipped, a cache write that was lost. For logs and metrics.
 */
export interface DegradedStep {
  readonly step:
    | "model"
    | "cache-read"
    | "cache-write"
    | "realtime"
    | "rerank"
    | "batch"
    | "exploration"
    | "popular-seen-filter"
    | "popular-long-window"
    | "report-served";
  readonly error: unknown;
}

export interface ServingConfig {
  /** How long an L1 entry is served. @default 3600 */
  readonly cacheTtlSeconds: number;
  /** The alias of the item-vector index the realtime tier queries. @default "items" */
  readonly vectorIndexAlias: string;
  /** k-NN candidates per request: max(candidateMultiplier × limit, minCandidates). @default 5 */
  readonly candidateMultiplier: number;
  /** @default 50 */
  readonly minCandidates: number;
  /** Time the Ranker gets before the k-NN order is kept; 0 turns re-ranking off. @default 30 */
  readonly rerankBudgetMs: number;
  /** MMR trade-off: 1 is pure relevance, 0 pure novelty. @default 0.7 */
  readonly mmrLambda: number;
  /** `category-cap` diversity: at most this many items of one category. @default 3 */
  readonly maxPerCategory: number;
  /** The popular tier's trending window. @default 24 h */
  readonly popularWindowMs: number;
  /** The longer window the popular tier tops up from when the short one is short. @default 7 days */
  readonly popularFallbackWindowMs: number;
  /** Share of the slots of realtime and batch lists given to items the model does not know yet. @default 0.1 */
  readonly explorationShare: number;
  /** Trending items looked at to find exploration candidates. @default 100 */
  readonly explorationPoolSize: number;
  /** The user's most recent interactions read for the seen filter and reasons. @default 500 */
  readonly recentInteractionsLimit: number;
  /** Of the user's items (recent first, then history), how many are considered as a reason. @default 100 */
  readonly reasonPoolSize: number;
}

export const DEFAULT_SERVING_CONFIG: ServingConfig = Object.freeze({
  cacheTtlSeconds: 3600,
  vectorIndexAlias: "items",
  candidateMultiplier: 5,
  minCandidates: 50,
  rerankBudgetMs: 30,
  mmrLambda: 0.7,
  maxPerCategory: 3,
  popularWindowMs: 24 * 3600 * 1000,
  popularFallbackWindowMs: 7 * 24 * 3600 * 1000,
  explorationShare: 0.1,
  explorationPoolSize: 100,
  recentInteractionsLimit: 500,
  reasonPoolSize: 100,
});

/** The defaults with `overrides` applied, every value checked: a bad one fails at start, naming the field. */
export function servingConfig(overrides: Partial<ServingConfig> = {}): ServingConfig {
  const config: ServingConfig = { ...DEFAULT_SERVING_CONFIG, ...withoutUndefined(overrides) };
  requireNumber(config, "cacheTtlSeconds", (v) => v > 0);
  if (typeof config.vectorIndexAlias !== "string" || config.vectorIndexAlias.length === 0) {
    throw new InvalidInputError("vectorIndexAlias must be a non-empty string", "vectorIndexAlias");
  }
  requireNumber(config, "candidateMultiplier", (v) => v >= 1);
  requireNumber(config, "minCandidates", (v) => Number.isInteger(v) && v >= 1);
  requireNumber(config, "rerankBudgetMs", (v) => v >= 0);
  requireNumber(config, "mmrLambda", (v) => v >= 0 && v <= 1);
  requireNumber(config, "maxPerCategory", (v) => Number.isInteger(v) && v >= 1);
  requireNumber(config, "popularWindowMs", (v) => v > 0);
  requireNumber(config, "popularFallbackWindowMs", (v) => v >= config.popularWindowMs);
  requireNumber(config, "explorationShare", (v) => v >= 0 && v <= 0.5);
  requireNumber(config, "explorationPoolSize", (v) => Number.isInteger(v) && v >= 0);
  requireNumber(config, "recentInteractionsLimit", (v) => Number.isInteger(v) && v >= 0);
  requireNumber(config, "reasonPoolSize", (v) => Number.isInteger(v) && v >= 0);
  return Object.freeze(config);
}

/** Everything the online path reads and calls. Each port may fail; the cascade decides what that means. */
export interface ServingDependencies {
  readonly cache: Cache;
  readonly profiles: ProfileStore;
  /** The realtime tier's k-NN: serving only queries the index the nightly run and the catalog maintain. */
  readonly vectorIndex: Pick<VectorIndex, "query">;
  readonly batchRecs: BatchRecStore;
  readonly trending: TrendingCounters;
  readonly catalog: ItemCatalog;
  readonly interactionLog: InteractionLog;
  /** The re-ranking endpoint; without one the k-NN order stands. */
  readonly ranker?: Ranker;
  readonly model: ServingModelSource;
  readonly clock: Clock;
  /** A fresh id for every response, cache hits included (clicks are attributed to it). */
  readonly newRecommendationId: () => string;
  /**
   * Called once per non-empty list served (the handler publishes it as an impression event). Awaited, so a
   * Lambda is not frozen with the write in flight; a failure is reported as degraded, never thrown.
   */
  readonly onServed: (served: ServedRecommendation) => void | Promise<void>;
  /** Told about every fallback and skipped step, for logs and metrics. */
  readonly onDegraded?: (degraded: DegradedStep) => void;
  readonly config: ServingConfig;
}

function requireNumber(
  config: ServingConfig,
  field: { [K in keyof ServingConfig]: ServingConfig[K] extends number ? K : never }[keyof ServingConfig],
  valid: (value: number) => boolean,
): void {
  const value = config[field];
  if (typeof value !== "number" || !Number.isFinite(value) || !valid(value)) {
    throw new InvalidInputError(`serving config ${field} is out of range: ${String(value)}`, field);
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
