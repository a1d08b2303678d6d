import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdminModelsHandler } from "../../../functions/api/create-admin-models-handler.ts";
import { createAdminTrainingRunsHandler } from "../../../functions/api/create-admin-training-runs-handler.ts";
import { createPipelineHandlers } from "../../../functions/pipeline/create-pipeline-handlers.ts";
import { DependencyError } from "../../../layers/domain/errors/domain-errors.ts";
import type { TrainingRunParameters } from "../../../layers/ports/training-runs.ts";
import {
  type LocalStepFunctions,
  startLocalStepFunctions,
} from "../../../local/stepfunctions/local-step-functions-server.ts";
import { nightlyStateMachine } from "../../../local/stepfunctions/nightly-state-machine.ts";
import { type PipelineFixture, pipelineFixture } from "../pipeline/pipeline-fixture.ts";
import {
  callAdmin,
  gate,
  NIGHTLY_ARN,
  stepsByName,
  trainingRunsAdapter,
  useStepFunctionsEndpoint,
  waitForRun,
  waitForRunToEnd,
} from "./admin-fixture.ts";

// The admin handlers over the real nightly definition: started through the Step Functions API (the local
// endpoint, which runs the definition with aws-local-stepfunctions over the in-process pipeline handlers
// and embedded adapters), followed through GetExecutionHistory, the model read from the registry the
// pipeline wrote. Every answer is checked against the OpenAPI document.

const DEFAULTS: TrainingRunParameters = { trainer: "embedded", qualityGate: { maxNdcgDrop: 0.05 } };
const START = { method: "POST", route: "/v1/admin/training-runs" } as const;
const getRun = (runId: string) =>
  ({ method: "GET", route: "/v1/admin/training-runs/{runId}", pathParameters: { runId } }) as const;

/** Test switches for the Train task: fail it, or hold it until a gate opens. */
interface TrainControl {
  failWith?: Error;
  holdUntil?: Promise<void>;
}

describe("the admin API over the local Step Functions endpoint and the nightly definition", () => {
  let fixture: PipelineFixture;
  let stepFunctions: LocalStepFunctions;
  let train: TrainControl;
  let runsHandler: ReturnType<typeof createAdminTrainingRunsHandler>;
  let modelsHandler: ReturnType<typeof createAdminModelsHandler>;

  beforeEach(async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    fixture = await pipelineFixture();
    train = {};
    const pipeline = createPipelineHandlers(fixture.deps);
    stepFunctions = await startLocalStepFunctions({
      stateMachines: {
        [NIGHTLY_ARN]: nightlyStateMachine(fixture.deps, {
          handlerOverrides: {
            TrainEmbedded: async (event) => {
              await train.holdUntil;
              if (train.failWith !== undefined) throw train.failWith;
              return pipeline.train(event);
            },
          },
        }),
      },
    });
    useStepFunctionsEndpoint(stepFunctions.endpoint);
    const deps = {
      trainingRuns: trainingRunsAdapter(),
      registry: fixture.registry,
      clock: () => fixture.now.value,
      defaults: DEFAULTS,
    };
    runsHandler = createAdminTrainingRunsHandler(deps);
    modelsHandler = createAdminModelsHandler(deps);
  });

  afterEach(async () => {
    await stepFunctions.stop();
    await fixture.cleanup();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("starts a run, follows it to SUCCEEDED step by step, and lists the new version as active", async () => {
    const started = await callAdmin(runsHandler, START);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      runId: expect.any(String),
      status: "RUNNING",
      startedAt: expect.any(Number),
    });
    const runId = String(started.body.runId);
    // Generated like a model version: sortable by time, safe as an index suffix.
    expect(runId).toMatch(/^20250115t020000z-[0-9a-f]{8}$/);

    const run = await waitForRunToEnd(runsHandler, runId);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      runId,
      status: "SUCCEEDED",
      startedAt: started.body.startedAt,
      stoppedAt: expect.any(Number),
      input: DEFAULTS,
      model: { version: runId, status: "active", metrics: { "ndcg@10": expect.any(Number) } },
    });
    expect(run.body.failedStep).toBeUndefined();
    const steps = stepsByName(run.body);
    const path = [
      "HasRunId?",
      "PrepareData",
      "RunAlreadyConcluded?",
      "ChooseTrainer",
      "TrainEmbedded",
      "Evaluate",
      "PassesQualityGate?",
      "RefreshAndPublish",
      "RefreshVectors",
      "PlanBatchRecs",
      "PublishBatchRecs",
      "RegisterModel",
      "Notify",
      "Succeeded",
    ];
    expect([...steps.keys()].sort()).toEqual([...path].sort());
    // The Map is distributed: its iterations are child executions, not steps of this run.
    expect(steps.has("PublishBatchFile")).toBe(false);
    for (const name of path) {
      const step = steps.get(name);
      expect(step, name).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(Number(step?.exitedAt), name).toBeGreaterThanOrEqual(Number(step?.enteredAt));
    }
    expect(steps.get("TrainEmbedded")?.type).toBe("Task");
    expect(steps.get("RefreshAndPublish")?.type).toBe("Parallel");
    expect(steps.get("PublishBatchRecs")?.type).toBe("Map");
    const order = [...steps.keys()];
    expect(order.indexOf("PrepareData")).toBeLessThan(order.indexOf("TrainEmbedded"));
    expect(order.indexOf("Evaluate")).toBeLessThan(order.indexOf("RegisterModel"));

    const models = await callAdmin(modelsHandler, { method: "GET", route: "/v1/admin/models" });
    expect(models.status).toBe(200);
    expect(models.body.activeVersion).toBe(runId);
    expect(models.body.models).toEqual([
      expect.objectContaining({
        version: runId,
        status: "active",
        activatedAt: expect.any(Number),
        metrics: expect.objectContaining({ "ndcg@10": expect.any(Number) }),
      }),
    ]);
  });

  it("a failing Train fails the run, names the step, and leaves the previous model active", async () => {
    const first = await callAdmin(runsHandler, {
      ...START,
      body: { runId: "run-1" },
    });
    expect(first.status).toBe(202);
    expect((await waitForRunToEnd(runsHandler, "run-1")).body.status).toBe("SUCCEEDED");

    train.failWith = new DependencyError("emr", "the job broke", { retryable: true });
    await callAdmin(runsHandler, { ...START, body: { runId: "run-2", qualityGate: { maxNdcgDrop: 1 } } });
    const run = await waitForRunToEnd(runsHandler, "run-2");

    expect(run.body).toMatchObject({
      runId: "run-2",
      status: "FAILED",
      error: "NightlyPipelineFailed",
      failedStep: "TrainEmbedded",
      input: { trainer: "embedded", qualityGate: { maxNdcgDrop: 1 } },
    });
    expect(run.body.model).toBeUndefined();
    const steps = stepsByName(run.body);
    const trainStep = steps.get("TrainEmbedded");
    expect(trainStep).toMatchObject({ status: "caught", error: "DependencyError" });
    expect(String(trainStep?.cause)).toContain("the job broke");
    // The definition retries a DependencyError before its Catch takes over.
    expect(Number(trainStep?.attempts)).toBeGreaterThan(1);
    expect(steps.get("MarkFailed")?.status).toBe("succeeded");
    expect(steps.get("NotifyFailure")?.status).toBe("succeeded");
    expect(steps.get("PipelineFailed")).toMatchObject({
      type: "Fail",
      status: "failed",
      error: "NightlyPipelineFailed",
    });
    expect(steps.has("Evaluate")).toBe(false);

    const models = await callAdmin(modelsHandler, { method: "GET", route: "/v1/admin/models" });
    expect(models.body.activeVersion).toBe("run-1");
  });

  it("lists recent runs newest first, within the limit", async () => {
    for (const runId of ["run-a", "run-b"]) {
      await callAdmin(runsHandler, { ...START, body: { runId } });
      await waitForRunToEnd(runsHandler, runId);
    }
    const all = await callAdmin(runsHandler, { method: "GET", route: "/v1/admin/training-runs" });
    expect(all.status).toBe(200);
    expect(all.body.runs).toEqual([
      expect.objectContaining({ runId: "run-b", status: "SUCCEEDED", stoppedAt: expect.any(Number) }),
      expect.objectContaining({ runId: "run-a", status: "SUCCEEDED" }),
    ]);
    const one = await callAdmin(runsHandler, {
      method: "GET",
      route: "/v1/admin/training-runs",
      query: { limit: "1" },
    });
    expect(one.body.runs).toEqual([expect.objectContaining({ runId: "run-b" })]);
  });

  it("a run id names one run: a retried start while it runs is the same run, any other reuse a 409", async () => {
    const held = gate();
    train.holdUntil = held.opened;
    const body = { runId: "run-1", trainer: "embedded", qualityGate: { maxNdcgDrop: 0.1 } };
    const first = await callAdmin(runsHandler, { ...START, body });
    expect(first.status).toBe(202);

    const retried = await callAdmin(runsHandler, { ...START, body });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual(first.body);
    const different = await callAdmin(runsHandler, { ...START, body: { ...body, trainer: "spark" } });
    expect(different.status).toBe(409);
    expect(different.body).toMatchObject({ error: "conflict" });
    expect(String(different.body.message)).toContain("run-1");
    expect(String(different.body.message)).not.toContain("arn:");

    held.open();
    expect((await waitForRunToEnd(runsHandler, "run-1")).body.status).toBe("SUCCEEDED");
    const again = await callAdmin(runsHandler, { ...START, body });
    expect(again.status).toBe(409);
    const runs = await callAdmin(runsHandler, { method: "GET", route: "/v1/admin/training-runs" });
    expect(runs.body.runs).toHaveLength(1);
  });

  it("shows a run in progress as RUNNING with its open step", async () => {
    const held = gate();
    train.holdUntil = held.opened;
    await callAdmin(runsHandler, { ...START, body: { runId: "run-1" } });
    const run = await waitForRun(runsHandler, "run-1", (answer) =>
      stepsByName(answer.body).has("TrainEmbedded"),
    );
    expect(run.body.status).toBe("RUNNING");
    const steps = stepsByName(run.body);
    expect(steps.get("PrepareData")?.status).toBe("succeeded");
    expect(steps.get("TrainEmbedded")).toMatchObject({ status: "running", attempts: 1 });
    expect(steps.get("TrainEmbedded")?.exitedAt).toBeUndefined();
    held.open();
    expect((await waitForRunToEnd(runsHandler, "run-1")).body.status).toBe("SUCCEEDED");
  });

  it("404 for a run id that names no run", async () => {
    const response = await callAdmin(runsHandler, getRun("never-started"));
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: "not_found" });
  });

  it.each([
    ["UPPER-case", "path.runId"],
    ["under_score", "path.runId"],
    ["-leading-dash", "path.runId"],
    ["x".repeat(81), "path.runId"],
    ["..", "path.runId"],
    ["a%2Fb", "path.runId"],
  ])("400 for the run id %j", async (runId, field) => {
    const response = await callAdmin(runsHandler, getRun(runId));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: "invalid_input", field });
  });

  it.each([
    [{ trainer: "gpu" }, "body.trainer"],
    [{ qualityGate: { maxNdcgDrop: 1.5 } }, "body.qualityGate.maxNdcgDrop"],
    [{ qualityGate: { maxNdcgDrop: -0.1 } }, "body.qualityGate.maxNdcgDrop"],
    [{ qualityGate: {} }, "body.qualityGate.maxNdcgDrop"],
    [{ qualityGate: { maxNdcgDrop: 0.1, extra: 1 } }, "body.qualityGate"],
    [{ runId: "Not_A_Run_Id" }, "body.runId"],
    [{ trainers: "spark" }, "body"],
    ["[]", "body"],
    ["null", "body"],
    ["{not json", "body"],
  ])("400 for the body %j, and no run started", async (body, field) => {
    const response = await callAdmin(runsHandler, { ...START, body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: "invalid_input", field });
    const runs = await callAdmin(runsHandler, { method: "GET", route: "/v1/admin/training-runs" });
    expect(runs.body.runs).toEqual([]);
  });

  it("400 for a limit out of range", async () => {
    for (const [handler, route] of [
      [runsHandler, "/v1/admin/training-runs"],
      [modelsHandler, "/v1/admin/models"],
    ] as const) {
      for (const limit of ["0", "101", "ten", "1.5"]) {
        const response = await callAdmin(handler, { method: "GET", route, query: { limit } });
        expect(response.status, `${route} ${limit}`).toBe(400);
        expect(response.body).toMatchObject({ field: "query.limit" });
      }
    }
  });

  it("401 for a request without an IAM caller (one that did not pass API Gateway's IAM check)", async () => {
    const start = await callAdmin(runsHandler, { ...START, callerArn: null });
    const models = await callAdmin(modelsHandler, {
      method: "GET",
      route: "/v1/admin/models",
      callerArn: null,
    });
    expect(start.status).toBe(401);
    expect(models.status).toBe(401);
    expect(start.body).toMatchObject({ error: "unauthenticated" });
  });

  it("503 when Step Functions is unavailable, 429 when it throttles", async () => {
    stepFunctions.setFaults({ failWith: "ServiceUnavailable" });
    const unavailable = await callAdmin(runsHandler, START);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toMatchObject({ error: "dependency_unavailable" });
    stepFunctions.setFaults({ failWith: "ThrottlingException" });
    const throttled = await callAdmin(runsHandler, getRun("run-1"));
    expect(throttled.status).toBe(429);
    stepFunctions.setFaults({});
    expect((await callAdmin(runsHandler, getRun("run-1"))).status).toBe(404);
  });

  it("GET /v1/admin/models before any run: no active version, no models", async () => {
    const response = await callAdmin(modelsHandler, { method: "GET", route: "/v1/admin/models" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ activeVersion: null, models: [] });
  });
});
