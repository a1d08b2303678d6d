import { describe, expect, it } from "vitest";
import {
  adminModelsDependenciesFromEnvironment,
  adminTrainingRunsDependenciesFromEnvironment,
  DEFAULT_TRAINING_RUN_PARAMETERS,
  readTrainingRunDefaults,
} from "../../../functions/api/admin-dependencies-from-environment.ts";
import { requireRunId } from "../../../layers/domain/pipeline/run-workspace.ts";
import { startTrainingRun } from "../../../layers/domain/training-runs/start-training-run.ts";
import { RunIdSchema } from "../../../layers/domain/training-runs/training-run-request-schema.ts";
import type { TrainingRunRequest, TrainingRuns } from "../../../layers/ports/training-runs.ts";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:flywheel-nightly";
const TABLE = { FLYWHEEL_MODEL_REGISTRY_TABLE: "flywheel-dev-model-registry" };

describe("the admin handlers' configuration", () => {
  it("reads the state machine, the registry table and the start defaults once, at start", () => {
    const deps = adminTrainingRunsDependenciesFromEnvironment({
      FLYWHEEL_TRAINING_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      FLYWHEEL_DEFAULT_TRAINER: "spark",
      FLYWHEEL_DEFAULT_MAX_NDCG_DROP: "0.02",
      ...TABLE,
    });
    expect(deps.defaults).toEqual({ trainer: "spark", qualityGate: { maxNdcgDrop: 0.02 } });
    expect(adminModelsDependenciesFromEnvironment(TABLE).registry).toBeDefined();
  });

  it("fails at start, naming the variable, when one is missing or malformed", () => {
    expect(() => adminTrainingRunsDependenciesFromEnvironment(TABLE)).toThrow(
      /FLYWHEEL_TRAINING_STATE_MACHINE_ARN/,
    );
    expect(() =>
      adminTrainingRunsDependenciesFromEnvironment({
        FLYWHEEL_TRAINING_STATE_MACHINE_ARN: "flywheel-nightly",
        ...TABLE,
      }),
    ).toThrow(/stateMachineArn/);
    expect(() =>
      adminTrainingRunsDependenciesFromEnvironment({
        FLYWHEEL_TRAINING_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      }),
    ).toThrow(/FLYWHEEL_MODEL_REGISTRY_TABLE/);
    expect(() => adminModelsDependenciesFromEnvironment({})).toThrow(/FLYWHEEL_MODEL_REGISTRY_TABLE/);
    expect(() => readTrainingRunDefaults({ FLYWHEEL_DEFAULT_TRAINER: "gpu" })).toThrow(
      /FLYWHEEL_DEFAULT_TRAINER/,
    );
    for (const drop of ["2", "-0.1", "lots", " "])
      expect(() => readTrainingRunDefaults({ FLYWHEEL_DEFAULT_MAX_NDCG_DROP: drop }), drop).toThrow(
        /FLYWHEEL_DEFAULT_MAX_NDCG_DROP/,
      );
    expect(readTrainingRunDefaults({})).toEqual(DEFAULT_TRAINING_RUN_PARAMETERS);
  });
});

describe("run ids", () => {
  it("the API's schema accepts exactly the ids the pipeline accepts", () => {
    const samples = [
      "run-1",
      "20250115t020000z-0a1b2c3d",
      "a",
      "0",
      "x".repeat(80),
      "x".repeat(81),
      "-run",
      "Run-1",
      "run_1",
      "run.1",
      "",
      "..",
      "run 1",
      "rün",
    ];
    for (const id of samples) {
      let pipelineAccepts = true;
      try {
        requireRunId(id);
      } catch {
        pipelineAccepts = false;
      }
      expect(RunIdSchema.safeParse(id).success, id).toBe(pipelineAccepts);
    }
  });

  it("a start without one gets a time-sorted id the pipeline accepts, and the defaults", async () => {
    const started: TrainingRunRequest[] = [];
    const trainingRuns: TrainingRuns = {
      start: async (request) => {
        started.push(request);
        return { runId: request.runId, startedAt: 0 };
      },
      get: async () => undefined,
      listRecent: async () => [],
    };
    const deps = {
      trainingRuns,
      clock: () => Date.UTC(2026, 2, 4, 5, 6, 7),
      defaults: DEFAULT_TRAINING_RUN_PARAMETERS,
    };
    await startTrainingRun(deps, {});
    await startTrainingRun(deps, {});
    await startTrainingRun(deps, { runId: "mine", trainer: "spark", qualityGate: { maxNdcgDrop: 0 } });

    const [first, second, named] = started;
    expect(first?.runId).toMatch(/^20260304t050607z-[0-9a-f]{8}$/);
    expect(second?.runId).not.toBe(first?.runId);
    expect(() => requireRunId(first?.runId ?? "")).not.toThrow();
    expect(first).toMatchObject(DEFAULT_TRAINING_RUN_PARAMETERS);
    expect(named).toEqual({ runId: "mine", trainer: "spark", qualityGate: { maxNdcgDrop: 0 } });
  });
});
