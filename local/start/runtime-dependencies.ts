import { randomUUID } from "node:crypto";
import type { AdminModelsHandlerDependencies } from "../../functions/api/create-admin-models-handler.ts";
import type { AdminTrainingRunsHandlerDependencies } from "../../functions/api/create-admin-training-runs-handler.ts";
import type { UsersHandlerDependencies } from "../../functions/api/create-users-handler.ts";
import { impressionPublisher } from "../../functions/api/serving-dependencies-from-environment.ts";
import { logStepError } from "../../functions/stream/stream-log.ts";
import type { CatalogWriteDependencies } from "../../layers/domain/catalog/catalog-write-dependencies.ts";
import { archiveInteractionSource } from "../../layers/domain/pipeline/interaction-source.ts";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";
import { pipelineSettings } from "../../layers/domain/pipeline/pipeline-settings.ts";
import { type ServingDependencies, servingConfig } from "../../layers/domain/serving/serving-dependencies.ts";
import { TrendingSnapshots } from "../../layers/domain/serving/trending-snapshots.ts";
import { ActiveModelCache } from "../../layers/domain/streaming/active-model.ts";
import { ItemCategories } from "../../layers/domain/streaming/item-categories.ts";
import type { StreamingDependencies } from "../../layers/domain/streaming/process-stream-batch.ts";
import type { TrainingRuns } from "../../layers/ports/training-runs.ts";
import type { RuntimePorts } from "./runtime-ports.ts";

/** What every part of the local runtime works over, composed once from the shared ports. */
export interface RuntimeDependencies {
  readonly serving: ServingDependencies;
  readonly streaming: StreamingDependencies;
  readonly pipeline: PipelineDependencies;
  readonly catalogWrites: CatalogWriteDependencies;
  readonly users: UsersHandlerDependencies;
  readonly adminModels: AdminModelsHandlerDependencies;
  readonly adminTrainingRuns: AdminTrainingRunsHandlerDependencies;
}

export interface RuntimeDependencyOptions {
  /** The admin API's view of the nightly runs (the local Step Functions endpoint). */
  readonly trainingRuns: TrainingRuns;
  /** Told about every cascade fallback (the serving Lambdas log it). @default a warning on the console */
  readonly onDegraded?: ServingDependencies["onDegraded"];
  /**
   * How long the active model is trusted before the registry is asked again. Shorter than the Lambdas'
   * 10 s so that a run started from the dashboard shows its model within a couple of seconds.
   * @default 2,000 ms
   */
  readonly modelRefreshIntervalMs?: number;
}

/**
 * The same compositions the Lambdas' `*-from-environment` modules build, over the local runtime's ports:
 * the domain objects that cache (the active model, trending snapshots, item categories) are built the
 * way each Lambda builds them, one per function, so the local runtime reloads models as AWS does.
 */
export function runtimeDependencies(
  ports: RuntimePorts,
  options: RuntimeDependencyOptions,
): RuntimeDependencies {
  const { clock } = ports;
  const refreshIntervalMs = options.modelRefreshIntervalMs ?? 2_000;
  const activeModel = () =>
    new ActiveModelCache({ registry: ports.registry, store: ports.models, clock, refreshIntervalMs });
  return {
    serving: {
      cache: ports.cache,
      profiles: ports.profiles,
      vectorIndex: ports.vectorIndex,
      batchRecs: ports.batchRecs,
      trending: new TrendingSnapshots({ counters: ports.trending, clock }),
      catalog: ports.catalog,
      interactionLog: ports.interactionLog,
      model: activeModel(),
      clock,
      newRecommendationId: randomUUID,
      onServed: impressionPublisher(ports.eventBus),
      onDegraded:
        options.onDegraded ??
        (({ step, error }) => {
          const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          console.warn(JSON.stringify({ message: "serving tier degraded", step, error: detail }));
        }),
      config: servingConfig(),
    },
    streaming: {
      interactionLog: ports.interactionLog,
      profiles: ports.profiles,
      recommendationLog: ports.recommendationLog,
      batchRecs: ports.batchRecs,
      categories: new ItemCategories({ catalog: ports.catalog, clock }),
      trending: ports.trending,
      cache: ports.cache,
      model: activeModel(),
      clock,
      onError: logStepError,
    },
    pipeline: {
      interactions: archiveInteractionSource(ports.archive, ports.interactionLog),
      workspace: ports.archive,
      registry: ports.registry,
      models: ports.models,
      vectorIndex: ports.vectorIndex,
      batchRecs: ports.batchRecs,
      catalog: ports.catalog,
      clock,
      settings: pipelineSettings(),
    },
    catalogWrites: { catalog: ports.catalog, vectors: ports.vectorIndex, clock },
    users: {
      profiles: ports.profiles,
      interactions: ports.interactionLog,
      batchRecs: ports.batchRecs,
      cache: ports.cache,
      clock,
    },
    adminModels: { registry: ports.registry },
    adminTrainingRuns: {
      trainingRuns: options.trainingRuns,
      registry: ports.registry,
      clock,
      defaults: { trainer: "embedded", qualityGate: { maxNdcgDrop: 0.05 } },
    },
  };
}
