import type { BatchRecommendations } from "../../ports/batch-rec-store.ts";
import type { CacheKey } from "../../ports/cache.ts";
import type { InteractionRecord } from "../../ports/interaction-log.ts";
import type { UserProfile } from "../../ports/profile-store.ts";
import type { RecommendationSource } from "../../ports/recommendation-log.ts";
import type { ScoredItem } from "../../ports/scored-item.ts";
import { DependencyError } from "../errors/domain-errors.ts";
import {
  cacheVariantOf,
  decodeCachedRecommendations,
  encodeCachedRecommendations,
} from "./cached-recommendations.ts";
import { CatalogView, type ListFilter, passesFilter } from "./catalog-view.ts";
import { candidatesFor, diversify } from "./diversify.ts";
import { explorationSlotCount, interleaveExploration, pickExplorationItems } from "./exploration.ts";
import { withReasons } from "./recommendation-reasons.ts";
import { requireRecommendationRequest } from "./recommendation-request-checks.ts";
import type {
  RecommendationRequest,
  RecommendationResponse,
  RecommendedItem,
} from "./recommendation-types.ts";
import { rerankWithinBudget } from "./rerank-within-budget.ts";
import type { DegradedStep, ServingDependencies, ServingModel } from "./serving-dependencies.ts";
import { popularList } from "./trending-list.ts";
import { reasonPool, seenItemIds, type UserSignals } from "./user-signals.ts";

export type {
  DiversityMode,
  RecommendationReason,
  RecommendationRequest,
  RecommendationResponse,
  RecommendedItem,
} from "./recommendation-types.ts";

/** A tier's answer before it gets its recommendation id. */
interface TierAnswer {
  readonly source: RecommendationSource;
  readonly modelVersion: string | null;
  readonly items: readonly RecommendedItem[];
  /** False when a step was skipped (re-rank, exploration): a degraded list is not pinned in L1 for an hour. */
  readonly complete: boolean;
}

/** The user reads the lower tiers share, started together after an L1 miss. */
interface UserReads {
  readonly profile: Promise<UserProfile | undefined>;
  readonly signals: Promise<UserSignals>;
  /** Trending items for exploration (empty when there is no slot for one). */
  readonly explorationPool: Promise<ReadonlyArray<{ itemId: string; count: number }>>;
}

/**
 * The serving cascade (DESIGN.md §1): the first tier that can answer does, and the response says which.
 *
 * - L1 `cache`: the list computed for the same user, active model version and options within the TTL,
 *   re-checked against the catalog (an item deleted since is never served: the entry is then a miss).
 * - L2 `realtime`: the user's folded-in vector (only when it belongs to the active model version: vectors of
 *   other versions are not comparable) → k-NN over the item vectors, max(5 × limit, 50) candidates, seen and
 *   excluded items left out in the query → hidden, unavailable and category filters from the catalog →
 *   re-rank within the budget → diversity → exploration slots → reasons.
 * - L3 `batch`: the user's nightly list, filtered, diversified and explored the same way.
 * - L4 `popular`: trending in the requested category over the popular window, topped up from the longer one.
 *
 * A user with no vector for the active model (a new user, or one not seen since a model activation) goes
 * to L3, then L4. A tier that throws is fallen through (and reported through `onDegraded`); a tier whose
 * filters leave nothing is passed over too. Only when L4 fails too does this throw, a DependencyError.
 *
 * The seen filter (recent interactions and the nightly history) is a requirement of L2 and L3 — without it
 * they would mostly re-recommend what the user already has — so a failed read of either fails those tiers;
 * L4, the last resort, serves without it rather than not at all. The hidden filter is never skipped: when
 * the catalog cannot be read, no tier answers.
 *
 * L1 is written after an L2 or L3 answer that nothing degraded: no tier above it failed and no step of it
 * was skipped, so an outage's fallback list is not pinned for the TTL. L4 answers are never cached: they
 * are one counter read away and change by the hour.
 */
export async function recommendForUser(
  deps: ServingDependencies,
  request: RecommendationRequest,
): Promise<RecommendationResponse> {
  requireRecommendationRequest(request);
  const degraded = (step: DegradedStep["step"], error: unknown): void => deps.onDegraded?.({ step, error });
  const now = deps.clock();
  const model = await activeModel(deps, degraded);

  let cacheKey: CacheKey | undefined =
    model === undefined
      ? undefined
      : { userId: request.userId, modelVersion: model.version, variant: cacheVariantOf(request) };
  if (cacheKey !== undefined) {
    try {
      const cached = await cachedAnswer(deps, cacheKey);
      if (cached !== undefined) return await serve(deps, request, cached, now, undefined);
    } catch (error) {
      // The cache is down: skip it, and do not spend a second timeout on writing to it.
      degraded("cache-read", error);
      cacheKey = undefined;
    }
  }

  const reads = startUserReads(deps, request, model, now);
  let fellThrough = false;
  const tiers: Array<["realtime" | "batch", () => Promise<TierAnswer | undefined>]> = [
    ["realtime", () => realtimeAnswer(deps, request, model, reads, degraded)],
    ["batch", () => batchAnswer(deps, request, model, reads, degraded)],
  ];
  for (const [tier, answer] of tiers) {
    try {
      const answered = await answer();
      if (answered !== undefined && answered.items.length > 0) {
        const cacheable = answered.complete && !fellThrough;
        return await serve(deps, request, answered, now, cacheable ? cacheKey : undefined);
      }
    } catch (error) {
      fellThrough = true;
      degraded(tier, error);
    }
  }
  try {
    const popular = await popularAnswer(deps, request, model, reads, now, degraded);
    return await serve(deps, request, popular, now, undefined);
  } catch (error) {
    if (error instanceof DependencyError) throw error;
    throw new DependencyError("serving", "no tier of the cascade could answer", { cause: error });
  }
}

/** The active model, or undefined when there is none or it cannot be loaded (then L1 and L2 are skipped). */
async function activeModel(
  deps: ServingDependencies,
  degraded: (step: DegradedStep["step"], error: unknown) => void,
): Promise<ServingModel | undefined> {
  try {
    return await deps.model.current();
  } catch (error) {
    degraded("model", error);
    return undefined;
  }
}

/** The L1 entry, when there is one and every item in it (and every reason) may still be served. */
async function cachedAnswer(deps: ServingDependencies, key: CacheKey): Promise<TierAnswer | undefined> {
  const value = await deps.cache.get(key);
  const cached = value === undefined ? undefined : decodeCachedRecommendations(value);
  if (cached === undefined) return undefined;
  const view = new CatalogView();
  const shown = cached.items.flatMap((item) =>
    item.reason === undefined ? [item.itemId] : [item.itemId, item.reason.itemId],
  );
  await view.lookUp(deps.catalog, shown);
  if (!shown.every((itemId) => view.isServable(itemId))) return undefined;
  return { source: "cache", modelVersion: cached.modelVersion, items: cached.items, complete: true };
}

function startUserReads(
  deps: ServingDependencies,
  request: RecommendationRequest,
  model: ServingModel | undefined,
  now: number,
): UserReads {
  const { config } = deps;
  const slots = explorationSlotCount(request.limit, config.explorationShare);
  const recent = started(() =>
    deps.interactionLog.recentByUser(request.userId, { limit: config.recentInteractionsLimit }),
  );
  const batch = started(() => deps.batchRecs.get(request.userId));
  return {
    // Without an active model a vector has nothing to be compared with: the profile is not read.
    profile:
      model === undefined ? Promise.resolve(undefined) : started(() => deps.profiles.get(request.userId)),
    signals: started(async (): Promise<UserSignals> => {
      const [recentRecords, entry]: [InteractionRecord[], BatchRecommendations | undefined] =
        await Promise.all([recent, batch]);
      return { recent: recentRecords, batch: entry };
    }),
    explorationPool:
      model === undefined || slots === 0 || config.explorationPoolSize === 0
        ? Promise.resolve([])
        : started(() =>
            deps.trending.top({
              ...(request.category === undefined ? {} : { category: request.category }),
              windowMs: config.popularWindowMs,
              now,
              limit: config.explorationPoolSize,
            }),
          ),
  };
}

/** L2. Undefined when the user has no vector for the active model (cold start). */
async function realtimeAnswer(
  deps: ServingDependencies,
  request: RecommendationRequest,
  model: ServingModel | undefined,
  reads: UserReads,
  degraded: (step: DegradedStep["step"], error: unknown) => void,
): Promise<TierAnswer | undefined> {
  if (model === undefined) return undefined;
  const profile = await reads.profile;
  const vector = profile?.vector;
  if (
    vector === null ||
    vector === undefined ||
    profile?.modelVersion !== model.version ||
    vector.length !== model.factors
  ) {
    return undefined;
  }
  const { config } = deps;
  const signals = await reads.signals;
  const excluded = seenItemIds(signals);
  for (const itemId of request.exclude) excluded.add(itemId);
  const hits = await deps.vectorIndex.query(config.vectorIndexAlias, {
    vector,
    k: Math.max(Math.ceil(config.candidateMultiplier * request.limit), config.minCandidates),
    ...(request.category === undefined ? {} : { categories: [request.category] }),
    excludeItemIds: [...excluded],
  });
  const filter: ListFilter = {
    excluded,
    ...(request.category === undefined ? {} : { category: request.category }),
    categoryFilteredUpstream: true,
  };
  return personalizedAnswer(deps, request, model, reads, degraded, {
    source: "realtime",
    modelVersion: model.version,
    signals,
    candidates: hits,
    filter,
    rerank: true,
  });
}

/** L3. Undefined when the user has no nightly list. */
async function batchAnswer(
  deps: ServingDependencies,
  request: RecommendationRequest,
  model: ServingModel | undefined,
  reads: UserReads,
  degraded: (step: DegradedStep["step"], error: unknown) => void,
): Promise<TierAnswer | undefined> {
  const signals = await reads.signals;
  const entry = signals.batch;
  if (entry === undefined || entry.items.length === 0) return undefined;
  const excluded = seenItemIds(signals);
  for (const itemId of request.exclude) excluded.add(itemId);
  // A nightly list carries no categories: the catalog alone decides the category filter.
  const filter: ListFilter = {
    excluded,
    ...(request.category === undefined ? {} : { category: request.category }),
    categoryFilteredUpstream: false,
  };
  return personalizedAnswer(deps, request, model, reads, degraded, {
    source: "batch",
    modelVersion: entry.modelVersion,
    signals,
    candidates: entry.items,
    filter,
    rerank: false,
  });
}

interface PersonalizedList {
  readonly source: "realtime" | "batch";
  readonly modelVersion: string;
  readonly signals: UserSignals;
  /** Ranked best first. */
  readonly candidates: readonly ScoredItem[];
  readonly filter: ListFilter;
  readonly rerank: boolean;
}

/** The steps L2 and L3 share after retrieval: filter, re-rank, diversify, explore, explain. */
async function personalizedAnswer(
  deps: ServingDependencies,
  request: RecommendationRequest,
  model: ServingModel | undefined,
  reads: UserReads,
  degraded: (step: DegradedStep["step"], error: unknown) => void,
  list: PersonalizedList,
): Promise<TierAnswer> {
  const { config } = deps;
  let complete = true;
  let explorationPool: ReadonlyArray<{ itemId: string; count: number }> = [];
  try {
    explorationPool = await reads.explorationPool;
  } catch (error) {
    // Exploration is a bonus: the personalised list stands without it.
    degraded("exploration", error);
    complete = false;
  }
  const reasonIds = model === undefined ? [] : reasonPool(list.signals, model, config.reasonPoolSize);
  const view = new CatalogView();
  await view.lookUp(deps.catalog, [
    ...list.candidates.map(({ itemId }) => itemId),
    ...explorationPool.map(({ itemId }) => itemId),
    ...reasonIds,
  ]);
  let ranked: readonly ScoredItem[] = list.candidates.filter(({ itemId }) =>
    passesFilter(view, list.filter, itemId),
  );
  if (list.rerank && deps.ranker !== undefined && config.rerankBudgetMs > 0 && ranked.length > 1) {
    const outcome = await rerankWithinBudget(deps.ranker, request.userId, ranked, config.rerankBudgetMs);
    if (!outcome.reranked) {
      degraded("rerank", outcome.error);
      complete = false;
    }
    ranked = outcome.items;
  }
  const exploration =
    model === undefined
      ? []
      : pickExplorationItems(
          explorationPool,
          model,
          view,
          list.filter,
          explorationSlotCount(request.limit, config.explorationShare),
        );
  // An item can be in the vector index before the active model knows it (an index built ahead of activation).
  const explored = new Set(exploration.map(({ itemId }) => itemId));
  const unexplored = ranked.filter(({ itemId }) => !explored.has(itemId));
  const personalized = diversify(unexplored, request.limit - exploration.length, {
    mode: request.diversity,
    category: request.category,
    view,
    model,
    config,
  });
  const explained =
    model === undefined
      ? personalized
      : withReasons(
          personalized,
          model,
          reasonIds.filter((itemId) => view.isServable(itemId)),
        );
  return {
    source: list.source,
    modelVersion: list.modelVersion,
    items: interleaveExploration(explained, exploration),
    complete,
  };
}

/** L4: trending in the category, with whatever filters can be applied; throws when it cannot answer. */
async function popularAnswer(
  deps: ServingDependencies,
  request: RecommendationRequest,
  model: ServingModel | undefined,
  reads: UserReads,
  now: number,
  degraded: (step: DegradedStep["step"], error: unknown) => void,
): Promise<TierAnswer> {
  const { config } = deps;
  const excluded = new Set(request.exclude);
  try {
    for (const itemId of seenItemIds(await reads.signals)) excluded.add(itemId);
  } catch (error) {
    degraded("popular-seen-filter", error);
  }
  const view = new CatalogView();
  const candidates = await popularList(
    deps,
    view,
    {
      windowMs: config.popularWindowMs,
      fallbackWindowMs: config.popularFallbackWindowMs,
      now,
      limit: candidatesFor(request.limit, request.diversity, config),
    },
    {
      excluded,
      ...(request.category === undefined ? {} : { category: request.category }),
      // The counters count an item under the categories it had when it was interacted with.
      categoryFilteredUpstream: true,
    },
    (error) => degraded("popular-long-window", error),
  );
  const items = diversify(candidates, request.limit, {
    mode: request.diversity,
    category: request.category,
    view,
    // Trending items are often newer than the model: MMR keeps their order when it has no vectors.
    model,
    config,
  });
  return { source: "popular", modelVersion: null, items, complete: true };
}

/** Gives the answer a new id, reports it as served, and writes it to L1 when `cacheKey` is given. */
async function serve(
  deps: ServingDependencies,
  request: RecommendationRequest,
  answer: TierAnswer,
  now: number,
  cacheKey: CacheKey | undefined,
): Promise<RecommendationResponse> {
  const response: RecommendationResponse = {
    recommendationId: deps.newRecommendationId(),
    userId: request.userId,
    source: answer.source,
    modelVersion: answer.modelVersion,
    items: answer.items,
  };
  const writes: Promise<void>[] = [];
  if (response.items.length > 0) {
    writes.push(
      started(() =>
        deps.onServed({
          recommendationId: response.recommendationId,
          userId: response.userId,
          source: response.source,
          modelVersion: response.modelVersion,
          itemIds: response.items.map(({ itemId }) => itemId),
          servedAt: now,
        }),
      ).catch((error: unknown) => deps.onDegraded?.({ step: "report-served", error })),
    );
  }
  if (cacheKey !== undefined && (answer.source === "realtime" || answer.source === "batch")) {
    const key = cacheKey;
    const value = encodeCachedRecommendations({
      source: answer.source,
      modelVersion: answer.modelVersion,
      items: answer.items,
    });
    writes.push(
      started(() => deps.cache.set(key, value, deps.config.cacheTtlSeconds)).catch((error: unknown) =>
        deps.onDegraded?.({ step: "cache-write", error }),
      ),
    );
  }
  await Promise.all(writes);
  return response;
}

/**
 * Runs `operation` now and returns its promise, already marked as handled: a read started for a tier that
 * is never reached must not become an unhandled rejection. A synchronous throw becomes a rejection too.
 */
function started<T>(operation: () => T | Promise<T>): Promise<T> {
  const promise = (async () => operation())();
  promise.catch(() => undefined);
  return promise;
}
