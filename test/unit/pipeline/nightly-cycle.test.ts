import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ITEM_VECTORS_ALIAS } from "../../../layers/domain/catalog/item-vectors-alias.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import { promoteItemIndex } from "../../../layers/domain/pipeline/refresh-vectors.ts";
import { trainCandidate } from "../../../layers/domain/pipeline/train-candidate.ts";
import {
  loadNightlyDefinition,
  type NightlyInput,
  type NightlyRunOptions,
  type NightlyRunResult,
  runNightlyCycle,
} from "../../../local/pipeline/run-nightly.ts";
import { nightlyInput, type PipelineFixture, pipelineFixture } from "./pipeline-fixture.ts";

// Every state any test below entered; the last test checks the definition has no state left unexercised.
const visitedStates = new Set<string>();

async function run(
  fixture: PipelineFixture,
  input: NightlyInput,
  options?: NightlyRunOptions,
): Promise<NightlyRunResult> {
  const result = await runNightlyCycle(fixture.deps, input, options);
  for (const state of result.visited) visitedStates.add(state);
  return result;
}

const failing = (message: string) => async () => {
  throw new DependencyError("test", message, { retryable: true });
};

describe("the nightly state machine, run locally over embedded adapters", () => {
  let fixture: PipelineFixture;
  beforeEach(async () => {
    fixture = await pipelineFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it("a full cycle activates the new version, points the alias at its loaded index and publishes batch recs with history", async () => {
    const result = await run(fixture, nightlyInput("run-1"));

    expect(result.status).toBe("SUCCEEDED");
    const active = await fixture.registry.active();
    expect(active?.version).toBe("run-1");
    expect(active?.metrics["ndcg@10"]).toBeGreaterThan(0);
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-1");
    expect(await fixture.vectorIndex.count("items-run-1")).toBe(active?.items);
    const recs = await fixture.batchRecs.getMany(["u1", "u2", "u60"]);
    expect(recs.size).toBe(3);
    for (const entry of recs.values()) {
      expect(entry.modelVersion).toBe("run-1");
      expect(entry.items).toHaveLength(10);
      expect(entry.expiresAt).toBeGreaterThan(fixture.now.value);
      const history = entry.history ?? [];
      expect(history.length).toBeGreaterThan(0);
      const weights = history.map((h) => h.weight);
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
      // Batch lists never repeat what the user already has.
      const seen = new Set(history.map((h) => h.itemId));
      expect(entry.items.some((item) => seen.has(item.itemId))).toBe(false);
    }
    expect(result.notifications.map((n) => n.subject)).toEqual(["Flywheel nightly: new model active"]);
    expect(result.steps.map((s) => s.state)).toEqual(
      expect.arrayContaining([
        "PrepareData",
        "TrainEmbedded",
        "Evaluate",
        "RefreshVectors",
        "PublishBatchRecs",
      ]),
    );
  });

  it("a second cycle archives the previous version and swaps the alias to the new index", async () => {
    await run(fixture, nightlyInput("run-1"));
    fixture.now.value += 24 * 3600 * 1000;
    const result = await run(fixture, nightlyInput("run-2", 1));

    expect(result.status).toBe("SUCCEEDED");
    expect((await fixture.registry.get("run-1"))?.status).toBe("archived");
    expect((await fixture.registry.active())?.version).toBe("run-2");
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-2");
    expect((await fixture.batchRecs.get("u1"))?.modelVersion).toBe("run-2");
  });

  for (const state of ["PrepareData", "TrainEmbedded", "Evaluate", "RefreshVectors", "PublishBatchFile"]) {
    it(`a failing ${state} leaves the previous model active and the alias untouched, and alarms`, async () => {
      await run(fixture, nightlyInput("run-1"));
      const result = await run(fixture, nightlyInput("run-2", 1), {
        handlerOverrides: { [state]: failing(`${state} broke`) },
      });

      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("NightlyPipelineFailed");
      expect(result.visited).toEqual(
        expect.arrayContaining(["MarkFailed", "NotifyFailure", "PipelineFailed"]),
      );
      expect((await fixture.registry.active())?.version).toBe("run-1");
      expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-1");
      if (state === "TrainEmbedded" || state === "Evaluate") {
        // Failed before the parallel step: nothing of the candidate was published.
        expect((await fixture.batchRecs.get("u1"))?.modelVersion).toBe("run-1");
      }
      expect(result.notifications).toHaveLength(1);
      expect(result.notifications[0]?.message).toContain(`${state} broke`);
      const failure = await fixture.deps.workspace.get("pipeline-runs/run-2/failure.json");
      expect(JSON.parse(new TextDecoder().decode(failure)).error).toBe("DependencyError");
    });
  }

  it("a transient failure is retried and the cycle still succeeds", async () => {
    let calls = 0;
    const handlers = (
      await import("../../../functions/pipeline/create-pipeline-handlers.ts")
    ).createPipelineHandlers(fixture.deps);
    const result = await run(fixture, nightlyInput("run-1"), {
      handlerOverrides: {
        Evaluate: async (event) => {
          calls++;
          if (calls === 1) throw new DependencyError("model store", "throttled", { retryable: true });
          return handlers.evaluate(event);
        },
      },
    });

    expect(result.status).toBe("SUCCEEDED");
    expect(calls).toBe(2);
    expect((await fixture.registry.active())?.version).toBe("run-1");
  });

  it("an activation that fails after the alias moved has the alias pointed back at the active model", async () => {
    await run(fixture, nightlyInput("run-1"));
    const result = await run(fixture, nightlyInput("run-2", 1), {
      handlerOverrides: {
        RegisterModel: async () => {
          await promoteItemIndex(fixture.deps, "run-2");
          throw new DependencyError("model registry", "unavailable", { retryable: true });
        },
      },
    });

    expect(result.status).toBe("FAILED");
    expect((await fixture.registry.active())?.version).toBe("run-1");
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-1");
  });

  it("a candidate that fails the quality gate is rejected and never reaches the alias", async () => {
    await run(fixture, nightlyInput("run-1"));
    // A negative margin demands the candidate beat the active model by more than 1: it cannot.
    const result = await run(fixture, nightlyInput("run-2", -1));

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("QualityGateFailed");
    expect(result.visited).toContain("Reject");
    expect((await fixture.registry.get("run-2"))?.status).toBe("rejected");
    expect((await fixture.registry.active())?.version).toBe("run-1");
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-1");
    expect(await fixture.vectorIndex.listIndices("items-run-2")).toEqual([]);
    expect((await fixture.batchRecs.get("u1"))?.modelVersion).toBe("run-1");
  });

  it("re-running a succeeded run changes nothing, even after a newer model became active", async () => {
    await run(fixture, nightlyInput("run-1"));
    await run(fixture, nightlyInput("run-2", 1));
    const registryBefore = await fixture.registry.list();
    const recsBefore = await fixture.batchRecs.get("u1");

    const result = await run(fixture, nightlyInput("run-1"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.visited).toContain("AlreadyConcluded");
    expect(result.visited).not.toContain("TrainEmbedded");
    expect(await fixture.registry.list()).toEqual(registryBefore);
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBe("items-run-2");
    expect(await fixture.batchRecs.get("u1")).toEqual(recsBefore);
    expect(result.notifications).toEqual([]);
  });

  it("a scheduled run without a runId takes the execution's name as its run id and model version", async () => {
    const { runId: _omitted, ...scheduled } = nightlyInput("unused");
    const result = await run(fixture, scheduled, { executionName: "0a1b2c3d-scheduled" });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.visited.slice(0, 3)).toEqual(["HasRunId?", "UseExecutionName", "PrepareData"]);
    expect((await fixture.registry.active())?.version).toBe("0a1b2c3d-scheduled");
  });

  it("trains on Spark when asked, through the Spark trainer seam", async () => {
    const jobs: unknown[] = [];
    const result = await run(
      fixture,
      { ...nightlyInput("run-1"), trainer: "spark" },
      {
        // Stands in for spark-submit: writes the same artifact the Spark job writes.
        sparkTrainer: async (startJobRun) => {
          jobs.push(startJobRun);
          await trainCandidate(fixture.deps, { runId: "run-1", version: "run-1" });
        },
      },
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(result.visited).toContain("TrainOnSpark");
    expect(JSON.stringify(jobs[0])).toContain('"--version","run-1"');
    expect((await fixture.registry.active())?.version).toBe("run-1");
  });

  it("a Spark run without a Spark trainer fails at TrainOnSpark and changes nothing", async () => {
    const result = await run(fixture, { ...nightlyInput("run-1"), trainer: "spark" });

    expect(result.status).toBe("FAILED");
    expect(result.visited).toContain("MarkFailed");
    expect(await fixture.registry.active()).toBeUndefined();
    expect(await fixture.vectorIndex.resolveAlias(ITEM_VECTORS_ALIAS)).toBeUndefined();
  });

  it("an unknown trainer fails before anything is trained", async () => {
    const result = await run(fixture, { ...nightlyInput("run-1"), trainer: "gpu" as "spark" });

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("InvalidInputError");
    expect(result.visited).toContain("UnknownTrainer");
    expect(await fixture.registry.list()).toEqual([]);
  });
});

afterAll(() => {
  // Runs after every test of this file: each state of the definition was entered by at least one of them.
  const states: string[] = [];
  const walk = (map: Record<string, unknown>) => {
    for (const [name, state] of Object.entries(map)) {
      states.push(name);
      const s = state as {
        Branches?: Array<{ States: Record<string, unknown> }>;
        ItemProcessor?: { States: Record<string, unknown> };
      };
      for (const branch of s.Branches ?? []) walk(branch.States);
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
    }
  };
  walk(loadNightlyDefinition().States as Record<string, unknown>);
  const unvisited = states.filter((state) => !visitedStates.has(state));
  expect(unvisited).toEqual([]);
});
