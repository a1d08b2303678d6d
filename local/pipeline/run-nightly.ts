import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { ExecutionError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import {
  createPipelineHandlers,
  type PipelineTaskHandler,
} from "../../functions/pipeline/create-pipeline-handlers.ts";
import type { PipelineDependencies } from "../../layers/domain/pipeline/pipeline-dependencies.ts";

export const NIGHTLY_DEFINITION_PATH = new URL(
  "../../state-machines/nightly-training.asl.json",
  import.meta.url,
);

/** The execution input, as EventBridge Scheduler (or the admin API) starts a run. */
export interface NightlyInput {
  /**
   * Also the candidate's model version: a re-run of the same id changes nothing. Scheduled runs leave it
   * out and the execution's name is used (NightlyRunOptions.executionName locally).
   */
  readonly runId?: string;
  readonly trainer: "embedded" | "spark";
  readonly qualityGate: { readonly maxNdcgDrop: number };
}

/**
 * The seam for the Spark trainer (spark/, another engineer's part): given the TrainOnSpark task's
 * StartJobRun parameters (EntryPointArguments carry --run-id, --version, --workspace, --models), it runs
 * the job (spark-submit in local mode) and resolves once the artifact is in the model store. Absent, a
 * `spark` run fails at TrainOnSpark like a failed EMR job would.
 */
export type SparkTrainer = (startJobRun: unknown) => Promise<void>;

export interface NightlyRunOptions {
  /** The execution's name (`$$.Execution.Name`), the run id of an input without one. @default a UUID */
  readonly executionName?: string;
  readonly sparkTrainer?: SparkTrainer;
  /** Replaces individual task handlers (tests inject failures this way). Keyed by state name. */
  readonly handlerOverrides?: Readonly<Record<string, PipelineTaskHandler>>;
  /**
   * Receives every event of the execution's log as it happens, before the run resolves (the local Step
   * Functions endpoint keeps an execution history from them).
   */
  readonly onEvent?: (event: NightlyRunEvent) => void;
}

/** One event of aws-local-stepfunctions' execution log (StateEntered, StateFailed, MapIterationStarted, …). */
export type NightlyRunEvent =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer Event> ? Event : never;

export interface Notification {
  readonly topic: string;
  readonly subject: string;
  readonly message: string;
}

export interface StepTiming {
  readonly state: string;
  readonly ms: number;
}

export interface NightlyRunResult {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  /** The Error and Cause the execution failed with. */
  readonly error?: string;
  readonly cause?: string;
  /** Every state entered, in order (a Map's inner states once per iteration). */
  readonly visited: readonly string[];
  /** Wall time per state, summed over retries and Map iterations, in first-entered order. */
  readonly steps: readonly StepTiming[];
  readonly notifications: readonly Notification[];
}

/** The Lambda-backed Task states and the handler each runs. */
const LAMBDA_STATES = {
  PrepareData: "prepareData",
  TrainEmbedded: "train",
  Evaluate: "evaluate",
  Reject: "reject",
  RefreshVectors: "refreshVectors",
  PlanBatchRecs: "planBatchRecs",
  PublishBatchFile: "publishBatchFile",
  RegisterModel: "registerModel",
  MarkFailed: "markFailed",
} as const;

const SNS_STATES = ["Notify", "NotifyFailure"] as const;

/**
 * Runs one nightly cycle of the real definition with aws-local-stepfunctions, every Task mapped to the
 * in-process handler over `deps`: the same handlers the Lambdas run, composed over whatever adapters are
 * given (embedded ones in unit tests, the local cloud's for `npm run pipeline`). Retry intervals are
 * zeroed: the backoff is AWS's business, the retry decisions are the definition's and are kept.
 */
export async function runNightlyCycle(
  deps: PipelineDependencies,
  input: NightlyInput,
  options: NightlyRunOptions = {},
): Promise<NightlyRunResult> {
  const definition = loadNightlyDefinition();
  const handlers = createPipelineHandlers(deps);
  const notifications: Notification[] = [];
  const local: Record<string, (input: never) => Promise<never>> = {};
  for (const [state, name] of Object.entries(LAMBDA_STATES)) {
    const handler = options.handlerOverrides?.[state] ?? handlers[name];
    local[state] = lambdaInvoke(handler);
  }
  for (const state of SNS_STATES) {
    local[state] = (async (parameters: { TopicArn: string; Subject: string; Message: string }) => {
      notifications.push({
        topic: parameters.TopicArn,
        subject: parameters.Subject,
        message: parameters.Message,
      });
      return { MessageId: `local-${notifications.length}` };
    }) as never;
  }
  local.TrainOnSpark = (async (parameters: unknown) => {
    if (options.sparkTrainer === undefined) {
      throw namedError("EmrServerless.JobRunFailed", "no Spark trainer is configured for local runs");
    }
    await options.sparkTrainer(parameters);
    return { JobRunId: "local", State: "SUCCESS" };
  }) as never;

  // aws-local-stepfunctions lets the other branch of a failed Parallel run on; the run is only over, and
  // its effects observable, once every task it started has settled.
  const inFlight = new Set<Promise<unknown>>();
  for (const [state, handler] of Object.entries(local)) {
    local[state] = ((parameters: never) => {
      const task = handler(parameters);
      inFlight.add(task);
      task.then(
        () => inFlight.delete(task),
        () => inFlight.delete(task),
      );
      return task;
    }) as never;
  }
  const drain = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    context: { Execution: { Name: options.executionName ?? randomUUID() } },
    overrides: {
      taskResourceLocalHandlers: local as never,
      retryIntervalOverrides: Object.fromEntries(retryableStates(definition).map((state) => [state, 0])),
    },
  });
  const timing = collectTimings(execution.eventLogs, options.onEvent);
  try {
    const output = await execution.result;
    await drain();
    const { visited, steps } = await timing;
    return { status: "SUCCEEDED", output, visited, steps, notifications };
  } catch (error) {
    await drain();
    if (!(error instanceof ExecutionError)) throw error;
    const { visited, steps } = await timing;
    const cause = error.cause instanceof Error ? error.cause : undefined;
    return {
      status: "FAILED",
      error: cause?.name ?? "ExecutionError",
      cause: cause?.message ?? error.message,
      visited,
      steps,
      notifications,
    };
  }
}

/** The ASL with its CDK substitutions filled by local stand-ins (the names the tasks are mapped by). */
export function loadNightlyDefinition(): StateMachineDefinition {
  const text = readFileSync(NIGHTLY_DEFINITION_PATH, "utf8").replace(
    /\$\{(\w+)\}/g,
    (_match, name: string) =>
      name.endsWith("FunctionArn")
        ? `arn:aws:lambda:us-east-1:000000000000:function:flywheel-local-${name.replace(/FunctionArn$/, "")}`
        : name.endsWith("TopicArn")
          ? `arn:aws:sns:us-east-1:000000000000:flywheel-local-${name.replace(/TopicArn$/, "")}`
          : `local-${name}`,
  );
  return JSON.parse(text) as StateMachineDefinition;
}

/** lambda:invoke's shape: the handler gets the Payload, the state gets `{ Payload: result }`. */
function lambdaInvoke(handler: PipelineTaskHandler) {
  return (async (parameters: { Payload: unknown }) => ({
    Payload: await handler(parameters.Payload),
  })) as never;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function retryableStates(definition: StateMachineDefinition): string[] {
  const names: string[] = [];
  const walk = (states: Record<string, unknown>) => {
    for (const [name, state] of Object.entries(states)) {
      const s = state as {
        Retry?: unknown;
        Branches?: Array<{ States: Record<string, unknown> }>;
        ItemProcessor?: { States: Record<string, unknown> };
      };
      if (s.Retry !== undefined) names.push(name);
      for (const branch of s.Branches ?? []) walk(branch.States);
      if (s.ItemProcessor !== undefined) walk(s.ItemProcessor.States);
    }
  };
  walk(definition.States as Record<string, unknown>);
  return names;
}

async function collectTimings<Event extends { type: string; timestamp: number; state?: { name: string } }>(
  events: AsyncGenerator<Event>,
  onEvent?: (event: Event) => void,
): Promise<{ visited: string[]; steps: StepTiming[] }> {
  const visited: string[] = [];
  const totals = new Map<string, number>();
  const entered = new Map<string, number[]>();
  for await (const event of events) {
    onEvent?.(event);
    const state = event.state?.name;
    if (state === undefined) continue;
    if (event.type === "StateEntered") {
      visited.push(state);
      if (!totals.has(state)) totals.set(state, 0);
      const open = entered.get(state) ?? [];
      open.push(event.timestamp);
      entered.set(state, open);
    } else if (event.type === "StateExited" || event.type === "StateFailed" || event.type === "StateCaught") {
      const started = entered.get(state)?.shift();
      if (started !== undefined) totals.set(state, (totals.get(state) ?? 0) + (event.timestamp - started));
    } else if (event.type === "StateRetried") {
      // A retry re-enters without a StateEntered event: the attempt's clock restarts here.
      const open = entered.get(state) ?? [];
      open.push(event.timestamp);
      entered.set(state, open);
    }
  }
  return { visited, steps: [...totals].map(([state, ms]) => ({ state, ms })) };
}
