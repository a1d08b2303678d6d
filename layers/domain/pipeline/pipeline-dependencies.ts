import type { ArchiveStore } from "../../ports/archive-store.ts";
import type { BatchRecStore } from "../../ports/batch-rec-store.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ItemCatalog } from "../../ports/item-catalog.ts";
import type { ModelRegistry } from "../../ports/model-registry.ts";
import type { ModelStore } from "../../ports/model-store.ts";
import type { VectorIndex } from "../../ports/vector-index.ts";
import type { AlsParameters } from "../als/als-parameters.ts";
import type { InteractionSource } from "./interaction-source.ts";

/** Tunables of the nightly cycle; every field has a default (pipelineSettings). */
export interface PipelineSettings {
  readonly als: AlsParameters;
  /** Items upserted per vector-index request. */
  readonly vectorChunkSize: number;
  /** Attempts per chunk before the refresh gives up (the state machine then retries the whole step). */
  readonly vectorChunkAttempts: number;
  /** Physical `items-<version>` indices kept besides the one the alias points at, for a fast rollback. */
  readonly keepPreviousIndices: number;
  /** Users per batch file (one Map iteration each). */
  readonly usersPerBatchFile: number;
  /** Recommendations stored per user. */
  readonly batchRecsPerUser: number;
  /** How long a batch list is served, from its publication. */
  readonly batchRecTtlSeconds: number;
  /** History entries kept per user (strongest first). */
  readonly historyLimit: number;
  /** The cut-off of the quality gate's ranking metric. */
  readonly evaluationK: number;
}

/**
 * What every pipeline step works over. `workspace` holds a run's intermediate files (the prepared
 * interactions, the batch files) under `pipeline-runs/<runId>/`, so steps that run in different Lambdas
 * hand data over through storage, not through the (256 KB) state payload.
 */
export interface PipelineDependencies {
  readonly interactions: InteractionSource;
  readonly workspace: ArchiveStore;
  readonly registry: ModelRegistry;
  readonly models: ModelStore;
  readonly vectorIndex: VectorIndex;
  readonly batchRecs: BatchRecStore;
  /** Categories and availability of the indexed items; without one every item is indexed as available. */
  readonly catalog?: ItemCatalog;
  readonly clock: Clock;
  readonly settings: PipelineSettings;
}
