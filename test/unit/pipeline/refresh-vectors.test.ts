import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DependencyError, InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";
import { prepareTrainingData } from "../../../layers/domain/pipeline/prepare-data.ts";
import { planBatchRecs } from "../../../layers/domain/pipeline/publish-batch-recs.ts";
import { promoteItemIndex, refreshItemVectors } from "../../../layers/domain/pipeline/refresh-vectors.ts";
import { requireRunId } from "../../../layers/domain/pipeline/run-workspace.ts";
import { trainCandidate } from "../../../layers/domain/pipeline/train-candidate.ts";
import type { IndexedVector, VectorIndex } from "../../../layers/ports/vector-index.ts";
import { type PipelineFixture, pipelineFixture } from "./pipeline-fixture.ts";

describe("pipeline steps", () => {
  let fixture: PipelineFixture;
  beforeEach(async () => {
    fixture = await pipelineFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  async function trained(runId: string) {
    await prepareTrainingData(fixture.deps, { runId });
    return trainCandidate(fixture.deps, { runId, version: runId });
  }

  it("a vector refresh interrupted mid-load resumes after the chunks already loaded", async () => {
    await trained("run-1");
    let upserts = 0;
    let failFrom = 3;
    const index = fixture.vectorIndex;
    // Every call after the third fails, past the step's own retries: the state machine would retry the step.
    const flaky: VectorIndex = Object.assign(Object.create(index) as VectorIndex, {
      upsert: async (name: string, vectors: readonly IndexedVector[]) => {
        upserts++;
        if (upserts > failFrom)
          throw new DependencyError("vector index", "bulk rejected", { retryable: true });
        return index.upsert(name, vectors);
      },
    });
    const deps = { ...fixture.deps, vectorIndex: flaky };
    await expect(refreshItemVectors(deps, { runId: "run-1", version: "run-1" })).rejects.toThrow(
      DependencyError,
    );
    expect(await index.count("items-run-1")).toBe(3 * 16);

    failFrom = Number.POSITIVE_INFINITY;
    const resumed = await refreshItemVectors(deps, { runId: "run-1", version: "run-1" });

    expect(resumed.chunksSkipped).toBe(3);
    expect(resumed.items).toBe((await fixture.registry.get("run-1"))?.items ?? resumed.items);
    expect(await index.count("items-run-1")).toBe(resumed.items);
    // Nothing was served from it: only activation moves the alias.
    expect(await index.resolveAlias("items")).toBeUndefined();
  });

  it("a chunk that fails once is retried within the step", async () => {
    await trained("run-1");
    let failures = 0;
    const index = fixture.vectorIndex;
    const flaky: VectorIndex = Object.assign(Object.create(index) as VectorIndex, {
      upsert: async (name: string, vectors: readonly IndexedVector[]) => {
        if (failures++ === 1) throw new DependencyError("vector index", "timeout", { retryable: true });
        return index.upsert(name, vectors);
      },
    });
    const result = await refreshItemVectors(
      { ...fixture.deps, vectorIndex: flaky },
      { runId: "run-1", version: "run-1" },
    );
    expect(result.chunksSkipped).toBe(0);
    expect(await index.count("items-run-1")).toBe(result.items);
  });

  it("promotion keeps the N previous indices and deletes older ones", async () => {
    for (const version of ["run-1", "run-2", "run-3", "run-4"]) {
      await fixture.vectorIndex.createIndex(`items-${version}`, 4);
    }
    const { deleted } = await promoteItemIndex(fixture.deps, "run-4");

    expect(deleted).toEqual(["items-run-1"]);
    expect(await fixture.vectorIndex.listIndices("items-")).toEqual([
      "items-run-2",
      "items-run-3",
      "items-run-4",
    ]);
    expect(await fixture.vectorIndex.resolveAlias("items")).toBe("items-run-4");
  });

  it("batch files carry each user's aggregated training weights, strongest first, capped", async () => {
    await trained("run-1");
    const deps = { ...fixture.deps, settings: { ...fixture.deps.settings, historyLimit: 3 } };
    const { batchFiles, users } = await planBatchRecs(deps, { runId: "run-1", version: "run-1" });

    expect(batchFiles).toHaveLength(Math.ceil(users / 25));
    const first = JSON.parse(
      new TextDecoder().decode(await deps.workspace.get(batchFiles[0] ?? "")),
    ) as Array<{
      userId: string;
      history: Array<{ itemId: string; weight: number }>;
    }>;
    for (const entry of first) {
      expect(entry.history.length).toBeLessThanOrEqual(3);
      const weights = entry.history.map((h) => h.weight);
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
    }
  });

  it("refuses a run id that cannot be a version, an index suffix and a path segment", () => {
    expect(() => requireRunId("../etc")).toThrow(InvalidInputError);
    expect(() => requireRunId("Run_1")).toThrow(InvalidInputError);
    expect(requireRunId("20250115t020000z-ab12cd34")).toBe("20250115t020000z-ab12cd34");
  });
});
