import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemArchiveStore } from "../../../layers/adapters/embedded/file-system-archive-store.ts";
import { FileSystemModelStore } from "../../../layers/adapters/embedded/file-system-model-store.ts";
import { InMemoryBatchRecStore } from "../../../layers/adapters/embedded/in-memory-batch-rec-store.ts";
import { InMemoryModelRegistry } from "../../../layers/adapters/embedded/in-memory-model-registry.ts";
import { InMemoryVectorIndex } from "../../../layers/adapters/embedded/in-memory-vector-index.ts";
import { resolveAlsParameters } from "../../../layers/domain/als/als-parameters.ts";
import { generateInteractions } from "../../../layers/domain/generator/synthetic-interactions.ts";
import { eventListSource, type SourceEvent } from "../../../layers/domain/pipeline/interaction-source.ts";
import type { PipelineDependencies } from "../../../layers/domain/pipeline/pipeline-dependencies.ts";
import { pipelineSettings } from "../../../layers/domain/pipeline/pipeline-settings.ts";
import type { NightlyInput } from "../../../local/pipeline/run-nightly.ts";

export const USERS = 60;
export const ITEMS = 90;

/** A small generated data set of events, the same for every test (seeded). */
export function syntheticEvents(seed = 7): SourceEvent[] {
  return [...generateInteractions({ users: USERS, items: ITEMS, interactions: 1500, seed })].map(
    (row, n) => ({
      eventId: `event-${seed}-${n}`,
      userId: row.userId,
      itemId: row.itemId,
      type: row.eventType,
      ...(row.value === undefined ? {} : { value: row.value }),
      timestamp: row.timestamp * 1000,
    }),
  );
}

export interface PipelineFixture {
  readonly deps: PipelineDependencies;
  readonly registry: InMemoryModelRegistry;
  readonly vectorIndex: InMemoryVectorIndex;
  readonly batchRecs: InMemoryBatchRecStore;
  readonly now: { value: number };
  cleanup(): Promise<void>;
}

/** Embedded adapters over a temporary directory; small chunks and batch files so the loops really loop. */
export async function pipelineFixture(): Promise<PipelineFixture> {
  const root = await mkdtemp(join(tmpdir(), "flywheel-pipeline-"));
  const now = { value: Date.UTC(2025, 0, 15, 2) };
  const clock = () => now.value;
  const registry = new InMemoryModelRegistry();
  const vectorIndex = new InMemoryVectorIndex();
  const batchRecs = new InMemoryBatchRecStore({ clock });
  const deps: PipelineDependencies = {
    interactions: eventListSource(syntheticEvents()),
    workspace: new FileSystemArchiveStore(join(root, "workspace")),
    registry,
    models: new FileSystemModelStore(join(root, "models")),
    vectorIndex,
    batchRecs,
    clock,
    settings: pipelineSettings({
      als: resolveAlsParameters({
        factors: 8,
        iterations: 4,
        regularization: 0.1,
        alpha: 2,
        solver: "cholesky",
      }),
      vectorChunkSize: 16,
      usersPerBatchFile: 25,
      batchRecsPerUser: 10,
    }),
  };
  return {
    deps,
    registry,
    vectorIndex,
    batchRecs,
    now,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export function nightlyInput(runId: string, maxNdcgDrop = 0.05): NightlyInput {
  return { runId, trainer: "embedded", qualityGate: { maxNdcgDrop } };
}
