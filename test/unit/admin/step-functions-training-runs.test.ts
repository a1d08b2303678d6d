import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { StateMachineDefinition } from "aws-local-stepfunctions";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ConflictError,
  DependencyError,
  InvalidInputError,
  ThrottledError,
} from "../../../layers/domain/errors/domain-errors.ts";
import { failedStepOf } from "../../../layers/domain/training-runs/describe-training-run.ts";
import type { TrainingRun, TrainingRuns } from "../../../layers/ports/training-runs.ts";
import {
  type LocalStepFunctions,
  startLocalStepFunctions,
} from "../../../local/stepfunctions/local-step-functions-server.ts";
import { RUN_DEADLINE_MS, trainingRunsAdapter, useStepFunctionsEndpoint } from "./admin-fixture.ts";
import { aslStateMachine, lambdaTask, namedError } from "./asl-state-machine.ts";

// The Step Functions adapter against the local endpoint: how an execution's history (recorded by the
// endpoint in AWS's shape from a real aws-local-stepfunctions run) folds into steps, and how Step
// Functions' errors become domain errors. Small definitions pin one history shape each.

const ACCOUNT = "arn:aws:states:us-east-1:000000000000";
const RETRIES_AND_CATCH_ARN = `${ACCOUNT}:stateMachine:retries-and-catch`;
const DISTRIBUTED_THEN_FAIL_ARN = `${ACCOUNT}:stateMachine:distributed-then-fail`;
const BROKEN_BRANCH_ARN = `${ACCOUNT}:stateMachine:broken-branch`;
const HELD_ARN = `${ACCOUNT}:stateMachine:held`;
const PARAMETERS = { trainer: "embedded", qualityGate: { maxNdcgDrop: 0.05 } } as const;

/** Flaky fails once and is retried; an inline Map runs Double per item; Broken fails and is caught. */
const RETRIES_AND_CATCH: StateMachineDefinition = {
  StartAt: "Flaky",
  States: {
    Flaky: lambdaTask("flaky", {
      ResultPath: null,
      Retry: [{ ErrorEquals: ["DependencyError"], MaxAttempts: 3, IntervalSeconds: 1 }],
      Next: "Fanout",
    }),
    Fanout: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "Double",
        States: { Double: lambdaTask("double", { End: true }) },
      },
      ResultPath: "$.doubled",
      Next: "Broken",
    },
    Broken: lambdaTask("broken", {
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "Recover" }],
      Next: "Recover",
    }),
    Recover: { Type: "Pass", Next: "Done" },
    Done: { Type: "Succeed" },
  },
} as never;

/** A distributed Map (its iterations are child executions), then a Fail state. */
const DISTRIBUTED_THEN_FAIL: StateMachineDefinition = {
  StartAt: "Distributed",
  States: {
    Distributed: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "Inner",
        States: { Inner: lambdaTask("inner", { End: true }) },
      },
      ResultPath: null,
      Next: "Stop",
    },
    Stop: { Type: "Fail", Error: "Stopped", Cause: "on purpose" },
  },
} as never;

/** A Parallel whose second branch fails with nothing to catch it. */
const BROKEN_BRANCH: StateMachineDefinition = {
  StartAt: "Both",
  States: {
    Both: {
      Type: "Parallel",
      Branches: [
        { StartAt: "Good", States: { Good: lambdaTask("good", { End: true }) } },
        { StartAt: "Bad", States: { Bad: lambdaTask("bad", { End: true }) } },
      ],
      End: true,
    },
  },
} as never;

const HELD: StateMachineDefinition = {
  StartAt: "Wait",
  States: { Wait: lambdaTask("wait", { End: true }) },
} as never;

async function runToEnd(runs: TrainingRuns, runId: string): Promise<TrainingRun> {
  const deadline = Date.now() + RUN_DEADLINE_MS;
  for (;;) {
    const run = await runs.get(runId);
    if (run === undefined) throw new Error(`run ${runId} is unknown`);
    if (run.status !== "RUNNING") return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still RUNNING`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const byName = (run: TrainingRun) => new Map(run.steps.map((step) => [step.name, step]));

describe("StepFunctionsTrainingRuns over the local Step Functions endpoint", () => {
  let stepFunctions: LocalStepFunctions;
  let flakyCalls: number;
  let release: () => void;

  beforeEach(async () => {
    flakyCalls = 0;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    stepFunctions = await startLocalStepFunctions({
      stateMachines: {
        [RETRIES_AND_CATCH_ARN]: aslStateMachine(
          RETRIES_AND_CATCH,
          {
            Flaky: async () => {
              flakyCalls++;
              if (flakyCalls === 1) throw namedError("DependencyError", "store: throttled");
              return {};
            },
            Double: async (parameters) => ({
              doubled: 2 * Number((parameters as { Payload: number }).Payload),
            }),
            Broken: async () => {
              throw namedError("BrokenError", "cannot");
            },
          },
          ["Flaky"],
        ),
        [DISTRIBUTED_THEN_FAIL_ARN]: aslStateMachine(DISTRIBUTED_THEN_FAIL, { Inner: async () => ({}) }),
        [BROKEN_BRANCH_ARN]: aslStateMachine(BROKEN_BRANCH, {
          Good: async () => ({}),
          Bad: async () => {
            throw namedError("BadError", "the branch broke");
          },
        }),
        [HELD_ARN]: aslStateMachine(HELD, { Wait: () => held.then(() => ({})) }),
      },
    });
    useStepFunctionsEndpoint(stepFunctions.endpoint);
  });

  afterEach(async () => {
    release();
    await stepFunctions.stop();
    vi.unstubAllEnvs();
  });

  /** Starts an execution with an input of our own (not the adapter's), as a hand-started run would be. */
  async function startRaw(stateMachineArn: string, name: string, input: unknown): Promise<void> {
    const client = new SFNClient({ maxAttempts: 1 });
    await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    client.destroy();
  }

  it("folds retries, an inline Map's iterations and a caught failure into steps", async () => {
    const runs = trainingRunsAdapter(RETRIES_AND_CATCH_ARN);
    await startRaw(RETRIES_AND_CATCH_ARN, "run-1", { items: [1, 2, 3] });
    const run = await runToEnd(runs, "run-1");

    expect(run.status).toBe("SUCCEEDED");
    expect(run.input).toBeUndefined();
    expect(run.steps.map((step) => step.name)).toEqual([
      "Flaky",
      "Fanout",
      "Double",
      "Broken",
      "Recover",
      "Done",
    ]);
    const steps = byName(run);
    expect(steps.get("Flaky")).toMatchObject({
      type: "Task",
      status: "succeeded",
      attempts: 2,
      error: "DependencyError",
      cause: "store: throttled",
    });
    expect(steps.get("Fanout")).toMatchObject({
      type: "Map",
      status: "succeeded",
      attempts: 1,
      iterations: { started: 3, succeeded: 3, failed: 0 },
    });
    // Entered once per iteration, concurrently: one step, its entries summed.
    expect(steps.get("Double")).toMatchObject({ type: "Task", status: "succeeded", attempts: 3 });
    expect(steps.get("Broken")).toMatchObject({
      status: "caught",
      attempts: 1,
      error: "BrokenError",
      cause: "cannot",
    });
    expect(steps.get("Recover")).toMatchObject({ type: "Pass", status: "succeeded" });
    expect(steps.get("Done")).toMatchObject({ type: "Succeed", status: "succeeded" });
    for (const step of run.steps) expect(step.exitedAt, step.name).toBeGreaterThanOrEqual(step.enteredAt);
    expect(run.stoppedAt).toBeGreaterThanOrEqual(run.startedAt);
    expect(failedStepOf(run.steps)).toBe("Broken");
  });

  it("shows a distributed Map as one step (its iterations are child executions) and a Fail state's error", async () => {
    const runs = trainingRunsAdapter(DISTRIBUTED_THEN_FAIL_ARN);
    await startRaw(DISTRIBUTED_THEN_FAIL_ARN, "run-1", { items: ["a", "b"] });
    const run = await runToEnd(runs, "run-1");

    expect(run).toMatchObject({ status: "FAILED", error: "Stopped", cause: "on purpose" });
    expect(run.steps.map((step) => step.name)).toEqual(["Distributed", "Stop"]);
    const steps = byName(run);
    expect(steps.get("Distributed")).toMatchObject({ type: "Map", status: "succeeded", attempts: 1 });
    expect(steps.get("Distributed")?.iterations).toBeUndefined();
    expect(steps.get("Stop")).toMatchObject({ type: "Fail", status: "failed", error: "Stopped" });
    expect(steps.get("Stop")?.exitedAt).toBeUndefined();
    expect(failedStepOf(run.steps)).toBeUndefined();
  });

  it("marks the task that broke a Parallel failed, and the Parallel with it", async () => {
    const runs = trainingRunsAdapter(BROKEN_BRANCH_ARN);
    await startRaw(BROKEN_BRANCH_ARN, "run-1", {});
    const run = await runToEnd(runs, "run-1");

    expect(run).toMatchObject({ status: "FAILED", error: "BadError" });
    const steps = byName(run);
    expect(steps.get("Bad")).toMatchObject({
      status: "failed",
      error: "BadError",
      cause: "the branch broke",
    });
    expect(steps.get("Both")).toMatchObject({ type: "Parallel", status: "failed" });
    expect(steps.get("Good")?.status).toBe("succeeded");
    expect(failedStepOf(run.steps)).toBe("Bad");
  });

  it("starts runs with the run id as the name and in the input, and reads them back", async () => {
    const runs = trainingRunsAdapter(HELD_ARN);
    const started = await runs.start({ runId: "run-1", ...PARAMETERS });
    expect(started.runId).toBe("run-1");

    const running = await runs.get("run-1");
    expect(running).toMatchObject({
      runId: "run-1",
      status: "RUNNING",
      startedAt: started.startedAt,
      input: PARAMETERS,
    });
    expect(running?.stoppedAt).toBeUndefined();

    const client = new SFNClient({ maxAttempts: 1 });
    const described = await client.send(
      new DescribeExecutionCommand({ executionArn: `${ACCOUNT}:execution:held:run-1` }),
    );
    client.destroy();
    expect(JSON.parse(described.input ?? "")).toEqual({ runId: "run-1", ...PARAMETERS });
    release();
    expect((await runToEnd(runs, "run-1")).status).toBe("SUCCEEDED");
  });

  it("lists the most recent runs first, at most the limit", async () => {
    const runs = trainingRunsAdapter(HELD_ARN);
    for (const runId of ["run-1", "run-2", "run-3"]) await runs.start({ runId, ...PARAMETERS });
    expect((await runs.listRecent(2)).map((run) => run.runId)).toEqual(["run-3", "run-2"]);
    expect(await runs.listRecent(10)).toHaveLength(3);
    await expect(runs.listRecent(0)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await trainingRunsAdapter(BROKEN_BRANCH_ARN).listRecent(10)).toEqual([]);
  });

  it("maps Step Functions' errors to domain errors", async () => {
    const runs = trainingRunsAdapter(HELD_ARN);
    expect(await runs.get("no-such-run")).toBeUndefined();

    await runs.start({ runId: "run-1", ...PARAMETERS });
    // The same start while it runs is the same run; anything else with its id is a conflict.
    await expect(runs.start({ runId: "run-1", ...PARAMETERS })).resolves.toMatchObject({ runId: "run-1" });
    await expect(runs.start({ runId: "run-1", ...PARAMETERS, trainer: "spark" })).rejects.toBeInstanceOf(
      ConflictError,
    );
    release();
    await runToEnd(runs, "run-1");
    await expect(runs.start({ runId: "run-1", ...PARAMETERS })).rejects.toBeInstanceOf(ConflictError);

    const missing = trainingRunsAdapter(`${ACCOUNT}:stateMachine:not-deployed`);
    const error = await missing.start({ runId: "run-2", ...PARAMETERS }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toMatchObject({ retryable: false });

    stepFunctions.setFaults({ failWith: "ThrottlingException" });
    await expect(runs.get("run-1")).rejects.toBeInstanceOf(ThrottledError);
    stepFunctions.setFaults({ failWith: "ServiceUnavailable" });
    await expect(runs.listRecent(5)).rejects.toMatchObject({ name: "DependencyError", retryable: true });
    stepFunctions.setFaults({ failWith: "InternalFailure" });
    await expect(runs.start({ runId: "run-3", ...PARAMETERS })).rejects.toMatchObject({
      name: "DependencyError",
      retryable: true,
    });
    stepFunctions.setFaults({});

    await stepFunctions.stop();
    await expect(runs.get("run-1")).rejects.toMatchObject({ name: "DependencyError", retryable: true });
  });

  it("refuses a malformed state machine ARN at construction", () => {
    expect(() => trainingRunsAdapter("flywheel-nightly")).toThrow(InvalidInputError);
    expect(() => trainingRunsAdapter(`${ACCOUNT}:execution:held:x`)).toThrow(/stateMachineArn/);
  });
});

describe("the local Step Functions endpoint speaks Step Functions' protocol", () => {
  let stepFunctions: LocalStepFunctions;
  let client: SFNClient;

  beforeEach(async () => {
    stepFunctions = await startLocalStepFunctions({
      stateMachines: { [HELD_ARN]: aslStateMachine(HELD, { Wait: async () => ({ ok: true }) }) },
    });
    useStepFunctionsEndpoint(stepFunctions.endpoint);
    client = new SFNClient({ maxAttempts: 1 });
  });

  afterEach(async () => {
    client.destroy();
    await stepFunctions.stop();
    vi.unstubAllEnvs();
  });

  const errorOf = (call: Promise<unknown>) =>
    call.then(
      () => undefined,
      (error: unknown) => error,
    );

  it("answers with Step Functions' error types", async () => {
    expect(
      await errorOf(client.send(new StartExecutionCommand({ stateMachineArn: HELD_ARN, name: "a b" }))),
    ).toMatchObject({
      name: "InvalidName",
    });
    expect(
      await errorOf(
        client.send(new StartExecutionCommand({ stateMachineArn: HELD_ARN, name: "x".repeat(81) })),
      ),
    ).toMatchObject({ name: "InvalidName" });
    expect(
      await errorOf(client.send(new StartExecutionCommand({ stateMachineArn: HELD_ARN, name: "run\u0001" }))),
    ).toMatchObject({ name: "InvalidName" });
    expect(
      await errorOf(
        client.send(new StartExecutionCommand({ stateMachineArn: HELD_ARN, input: "{not json" })),
      ),
    ).toMatchObject({ name: "InvalidExecutionInput" });
    expect(
      await errorOf(
        client.send(new StartExecutionCommand({ stateMachineArn: `${ACCOUNT}:stateMachine:none` })),
      ),
    ).toMatchObject({ name: "StateMachineDoesNotExist" });
    expect(
      await errorOf(client.send(new StartExecutionCommand({ stateMachineArn: "nightly" }))),
    ).toMatchObject({
      name: "InvalidArn",
    });
    expect(
      await errorOf(
        client.send(new DescribeExecutionCommand({ executionArn: `${ACCOUNT}:execution:held:none` })),
      ),
    ).toMatchObject({ name: "ExecutionDoesNotExist", $metadata: { httpStatusCode: 400 } });
    expect(
      await errorOf(
        client.send(new ListExecutionsCommand({ stateMachineArn: HELD_ARN, nextToken: "forged" })),
      ),
    ).toMatchObject({ name: "InvalidToken" });

    const unknown = await fetch(stepFunctions.endpoint, {
      method: "POST",
      headers: {
        "x-amz-target": "AWSStepFunctions.DeleteStateMachine",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: "UnknownOperationException" });
  });

  it("pages a history, oldest or newest first, chained by previousEventId, with or without data", async () => {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: HELD_ARN, name: "run-1", input: '{"n":1}' }),
    );
    expect(started.executionArn).toBe(`${ACCOUNT}:execution:held:run-1`);
    await stepFunctions.idle();
    const executionArn = started.executionArn ?? "";

    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken }),
      );
      expect(page.events?.length).toBeLessThanOrEqual(2);
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken !== undefined);
    expect(events.map((event) => event.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(pages).toBe(4);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((event) => event.previousEventId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"n":1}');
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({ name: "Wait", input: '{"n":1}' });
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
    });
    expect(JSON.parse(events[6]?.executionSucceededEventDetails?.output ?? "")).toEqual({ ok: true });

    const newestFirst = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, includeExecutionData: false }),
    );
    expect(newestFirst.events?.map((event) => event.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(newestFirst.events?.[5]?.stateEnteredEventDetails).toEqual({ name: "Wait" });

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ name: "run-1", status: "SUCCEEDED", input: '{"n":1}' });
    expect(JSON.parse(described.output ?? "")).toEqual({ ok: true });
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Infinity);
  });

  it("lists executions newest first, by status, in pages", async () => {
    for (const name of ["a", "b", "c"])
      await client.send(new StartExecutionCommand({ stateMachineArn: HELD_ARN, name }));
    await stepFunctions.idle();
    const first = await client.send(new ListExecutionsCommand({ stateMachineArn: HELD_ARN, maxResults: 2 }));
    expect(first.executions?.map((execution) => execution.name)).toEqual(["c", "b"]);
    const second = await client.send(
      new ListExecutionsCommand({ stateMachineArn: HELD_ARN, maxResults: 2, nextToken: first.nextToken }),
    );
    expect(second.executions?.map((execution) => execution.name)).toEqual(["a"]);
    expect(second.nextToken).toBeUndefined();
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: HELD_ARN, statusFilter: "RUNNING" }),
    );
    expect(running.executions).toEqual([]);
  });
});
