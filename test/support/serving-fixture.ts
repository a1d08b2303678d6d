import { InMemoryBatchRecStore } from "../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryInteractionLog } from "../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryProfileStore } from "../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryTrendingCounters } from "../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { InMemoryVectorIndex } from "../../layers/adapters/embedded/in-memory-vector-index.ts";
import { DEFAULT_ALS_PARAMETERS } from "../../layers/domain/als/als-parameters.ts";
import { DependencyError } from "../../layers/domain/errors/domain-errors.ts";
import type { EventType } from "../../layers/domain/interactions/event-types.ts";
import { gramMatrix } from "../../layers/domain/linalg/gram-matrix.ts";
import type { FactorModel } from "../../layers/domain/model/factor-model.ts";
import {
  type DegradedStep,
  type ServingConfig,
  type ServingDependencies,
  type ServingModel,
  servingConfig,
} from "../../layers/domain/serving/serving-dependencies.ts";
import type { FoldInModel } from "../../layers/domain/streaming/active-model.ts";
import type { HistoryWeight } from "../../layers/ports/batch-rec-store.ts";
import type { CatalogItem } from "../../layers/ports/item-catalog.ts";
import type { Ranker } from "../../layers/ports/ranker.ts";
import type { ServedRecommendation } from "../../layers/ports/recommendation-log.ts";
import type { ScoredItem } from "../../layers/ports/scored-item.ts";
import type { ManualClock } from "../contract/manual-clock.ts";
import { foldInModelOf } from "./streaming-fixture.ts";

export const HOUR = 3600 * 1000;

/** The category of `item-<i>` in these fixtures: three categories in turn. */
export function categoryOf(itemId: string): string {
  const index = Number(itemId.slice(itemId.lastIndexOf("-") + 1));
  return `cat-${index % 3}`;
}

/** A model whose item factors are the given rows: `item-0` … `item-<rows-1>`. */
export function modelFromRows(rows: readonly (readonly number[])[], version: string): FoldInModel {
  const factors = rows[0]?.length ?? 0;
  const itemFactors = Float32Array.from(rows.flat());
  const model: FactorModel = {
    version,
    factors,
    userIds: [],
    itemIds: rows.map((_, i) => `item-${i}`),
    userFactors: new Float32Array(0),
    itemFactors,
    gram: Float32Array.from(gramMatrix(itemFactors, rows.length, factors)),
    parameters: { ...DEFAULT_ALS_PARAMETERS, factors },
    metrics: {},
    dataWindow: { from: null, to: null, interactions: 0 },
    createdAt: new Date(0).toISOString(),
  };
  return foldInModelOf(model);
}

/**
 * A port whose methods can be made to fail with a DependencyError, as a store that is down: add a method
 * name to `failing` (or `*` for every method).
 */
export interface Faulty<T> {
  readonly port: T;
  readonly failing: Set<string>;
}

export function faulty<T extends object>(target: T, dependency: string): Faulty<T> {
  const failing = new Set<string>();
  const port = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        if (failing.has(property) || failing.has("*")) {
          return Promise.reject(new DependencyError(dependency, `${property} is down (injected)`));
        }
        return value.apply(object, args);
      };
    },
  });
  return { port, failing };
}

export interface EmbeddedServing {
  readonly deps: ServingDependencies;
  readonly clock: ManualClock;
  readonly cache: Faulty<InMemoryCache>;
  readonly profiles: Faulty<InMemoryProfileStore>;
  readonly vectorIndex: Faulty<InMemoryVectorIndex>;
  readonly batchRecs: Faulty<InMemoryBatchRecStore>;
  readonly trending: Faulty<InMemoryTrendingCounters>;
  readonly catalog: Faulty<InMemoryItemCatalog>;
  readonly interactionLog: Faulty<InMemoryInteractionLog>;
  /** Every list reported through onServed, in order. */
  readonly served: ServedRecommendation[];
  readonly degraded: DegradedStep[];
  /** What the model source answers; `modelFails` makes it throw. */
  activeModel: ServingModel | undefined;
  modelFails: boolean;
  /** Indexes a model's item vectors in `items-<version>`, points the `items` alias at it, makes it active. */
  activate(model: FoldInModel): Promise<void>;
  /** Adds catalog entries for every item of the model (categoryOf, available, visible) unless given. */
  catalogModelItems(model: FoldInModel): Promise<void>;
  putCatalogItem(item: Partial<CatalogItem> & { itemId: string }): Promise<void>;
  putProfile(userId: string, vector: Float32Array | null, modelVersion: string | null): Promise<void>;
  interact(
    userId: string,
    itemId: string,
    options?: { type?: EventType; weight?: number; ago?: number },
  ): Promise<void>;
  putBatch(
    userId: string,
    modelVersion: string,
    items: readonly ScoredItem[],
    history?: readonly HistoryWeight[],
  ): Promise<void>;
  trend(
    itemId: string,
    weight: number,
    options?: { ago?: number; categories?: readonly string[] },
  ): Promise<void>;
}

let sequence = 0;

/** The serving dependencies on the embedded adapters, each wrapped to fail on demand, sharing one clock. */
export function embeddedServing(
  clock: ManualClock,
  options: { config?: Partial<ServingConfig>; ranker?: Ranker } = {},
): EmbeddedServing {
  const cache = faulty(new InMemoryCache({ clock: clock.now }), "cache");
  const profiles = faulty(new InMemoryProfileStore(), "profiles");
  const vectorIndex = faulty(new InMemoryVectorIndex(), "vector index");
  const batchRecs = faulty(new InMemoryBatchRecStore({ clock: clock.now }), "batch recommendations");
  const trending = faulty(new InMemoryTrendingCounters({ clock: clock.now }), "trending");
  const catalog = faulty(new InMemoryItemCatalog(), "catalog");
  const interactionLog = faulty(new InMemoryInteractionLog({ clock: clock.now }), "interaction log");
  const served: ServedRecommendation[] = [];
  const degraded: DegradedStep[] = [];
  let recommendations = 0;
  const world: EmbeddedServing = {
    deps: {
      cache: cache.port,
      profiles: profiles.port,
      vectorIndex: vectorIndex.port,
      batchRecs: batchRecs.port,
      trending: trending.port,
      catalog: catalog.port,
      interactionLog: interactionLog.port,
      ...(options.ranker === undefined ? {} : { ranker: options.ranker }),
      model: {
        current: async () => {
          if (world.modelFails) throw new DependencyError("model store", "down (injected)");
          return world.activeModel;
        },
      },
      clock: clock.now,
      newRecommendationId: () => `rec-${++recommendations}`,
      onServed: (list) => {
        served.push(list);
      },
      onDegraded: (step) => {
        degraded.push(step);
      },
      config: servingConfig(options.config),
    },
    clock,
    cache,
    profiles,
    vectorIndex,
    batchRecs,
    trending,
    catalog,
    interactionLog,
    served,
    degraded,
    activeModel: undefined,
    modelFails: false,
    async activate(model) {
      const index = `items-${model.version}`;
      await vectorIndex.port.createIndex(index, model.factors);
      await vectorIndex.port.upsert(
        index,
        model.itemIds.map((itemId, row) => ({
          itemId,
          vector: model.itemFactors.slice(row * model.factors, (row + 1) * model.factors),
          categories: [categoryOf(itemId)],
          available: true,
        })),
      );
      await vectorIndex.port.swapAlias("items", index);
      world.activeModel = model;
    },
    async catalogModelItems(model) {
      await catalog.port.upsert(
        model.itemIds.map((itemId) => ({
          itemId,
          categories: [categoryOf(itemId)],
          available: true,
          hidden: false,
          attributes: {},
          updatedAt: clock.now(),
        })),
      );
    },
    async putCatalogItem(item) {
      await catalog.port.upsert([
        {
          categories: [categoryOf(item.itemId)],
          available: true,
          hidden: false,
          attributes: {},
          updatedAt: clock.now(),
          ...item,
        },
      ]);
    },
    async putProfile(userId, vector, modelVersion) {
      await profiles.port.put({
        userId,
        vector,
        modelVersion,
        interactionCount: 1,
        lastInteractionAt: clock.now(),
        attributes: {},
        updatedAt: clock.now(),
      });
    },
    async interact(userId, itemId, interaction = {}) {
      const at = clock.now() - (interaction.ago ?? 60_000);
      await interactionLog.port.append([
        {
          eventId: `ev-${++sequence}`,
          userId,
          itemId,
          type: interaction.type ?? "click",
          weight: interaction.weight ?? 2,
          occurredAt: at,
        },
      ]);
    },
    async putBatch(userId, modelVersion, items, history) {
      await batchRecs.port.putMany([
        {
          userId,
          modelVersion,
          items,
          generatedAt: clock.now() - HOUR,
          expiresAt: clock.now() + 48 * HOUR,
          ...(history === undefined ? {} : { history }),
        },
      ]);
    },
    async trend(itemId, weight, trend = {}) {
      await trending.port.increment([
        {
          eventId: `tr-${++sequence}`,
          itemId,
          categories: trend.categories ?? [categoryOf(itemId)],
          at: clock.now() - (trend.ago ?? 60_000),
          weight,
        },
      ]);
    },
  };
  return world;
}

/** The model's vector of an item, copied. */
export function vectorOf(model: ServingModel, itemId: string): Float32Array {
  const row = model.itemIndex.get(itemId);
  if (row === undefined) throw new Error(`the model has no ${itemId}`);
  return model.itemFactors.slice(row * model.factors, (row + 1) * model.factors);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** Exact maximum inner product ranking of the model's items, best first, for comparison. */
export function rankByInnerProduct(
  model: ServingModel,
  vector: Float32Array,
  keep: (itemId: string) => boolean = () => true,
): string[] {
  return model.itemIds
    .filter(keep)
    .map((itemId) => ({ itemId, score: Math.fround(dot(vector, vectorOf(model, itemId))) }))
    .sort((a, b) => b.score - a.score || model.itemIds.indexOf(a.itemId) - model.itemIds.indexOf(b.itemId))
    .map(({ itemId }) => itemId);
}
