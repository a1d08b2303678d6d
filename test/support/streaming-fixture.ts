import { InMemoryBatchRecStore } from "../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryCache } from "../../layers/adapters/embedded/in-memory-cache.ts";
import { InMemoryInteractionLog } from "../../layers/adapters/embedded/in-memory-interaction-log.ts";
import { InMemoryItemCatalog } from "../../layers/adapters/embedded/in-memory-item-catalog.ts";
import { InMemoryProfileStore } from "../../layers/adapters/embedded/in-memory-profile-store.ts";
import { InMemoryRecommendationLog } from "../../layers/adapters/embedded/in-memory-recommendation-log.ts";
import { InMemoryTrendingCounters } from "../../layers/adapters/embedded/in-memory-trending-counters.ts";
import { DEFAULT_ALS_PARAMETERS } from "../../layers/domain/als/als-parameters.ts";
import { gramMatrix } from "../../layers/domain/linalg/gram-matrix.ts";
import type { FactorModel } from "../../layers/domain/model/factor-model.ts";
import { encodeModel } from "../../layers/domain/model/model-artifact.ts";
import { SeededRandom } from "../../layers/domain/random/seeded-random.ts";
import { buildFoldInModel, type FoldInModel } from "../../layers/domain/streaming/active-model.ts";
import { ItemCategories } from "../../layers/domain/streaming/item-categories.ts";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { StreamEvent } from "../../layers/ports/event-bus.ts";
import type { ManualClock } from "../contract/manual-clock.ts";

/** A small model with random item factors: `item-0` … `item-<items-1>`, trained up to `trainedUntil`. */
export function smallFactorModel(options: {
  items: number;
  factors: number;
  seed: number;
  version?: string;
  trainedUntilMs?: number;
}): FactorModel {
  const random = new SeededRandom(options.seed);
  const itemFactors = new Float32Array(options.items * options.factors);
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = (random.next() - 0.5) * 0.2;
  return {
    version: options.version ?? "m-test-1",
    factors: options.factors,
    userIds: [],
    itemIds: Array.from({ length: options.items }, (_, i) => `item-${i}`),
    userFactors: new Float32Array(0),
    itemFactors,
    gram: Float32Array.from(gramMatrix(itemFactors, options.items, options.factors)),
    parameters: { ...DEFAULT_ALS_PARAMETERS, factors: options.factors },
    metrics: {},
    dataWindow: {
      from: null,
      to: options.trainedUntilMs === undefined ? null : Math.floor(options.trainedUntilMs / 1000),
      interactions: 0,
    },
    createdAt: new Date(0).toISOString(),
  };
}

export function foldInModelOf(model: FactorModel): FoldInModel {
  return buildFoldInModel(encodeModel(model));
}

export interface EmbeddedStreaming {
  readonly deps: StreamingDependencies;
  readonly interactionLog: InMemoryInteractionLog;
  readonly profiles: InMemoryProfileStore;
  readonly trending: InMemoryTrendingCounters;
  readonly cache: InMemoryCache;
  readonly recommendationLog: InMemoryRecommendationLog;
  readonly batchRecs: InMemoryBatchRecStore;
  readonly catalog: InMemoryItemCatalog;
  readonly errors: string[];
}

/** The streaming dependencies on the embedded adapters, sharing one manual clock. */
export function embeddedStreaming(clock: ManualClock, model: FoldInModel | undefined): EmbeddedStreaming {
  const interactionLog = new InMemoryInteractionLog({ clock: clock.now });
  const profiles = new InMemoryProfileStore();
  const trending = new InMemoryTrendingCounters({ clock: clock.now });
  const cache = new InMemoryCache({ clock: clock.now });
  const recommendationLog = new InMemoryRecommendationLog();
  const batchRecs = new InMemoryBatchRecStore({ clock: clock.now });
  const catalog = new InMemoryItemCatalog();
  const errors: string[] = [];
  return {
    deps: {
      interactionLog,
      profiles,
      trending,
      cache,
      recommendationLog,
      batchRecs,
      categories: new ItemCategories({ catalog, clock: clock.now }),
      model: { current: async () => model },
      clock: clock.now,
      onError: (step) => {
        errors.push(step);
      },
    },
    interactionLog,
    profiles,
    trending,
    cache,
    recommendationLog,
    batchRecs,
    catalog,
    errors,
  };
}

let counter = 0;

/** A stream event with sensible defaults; ids are unique unless given. */
export function streamEvent(
  fields: Partial<StreamEvent> & { userId: string; itemId: string; at: number },
): StreamEvent {
  const { at, ...rest } = fields;
  counter++;
  return { eventId: `e-${counter}`, type: "click", timestamp: at, receivedAt: at, ...rest };
}
