/**
 * Turns the event log of a local run (aws-local-stepfunctions' shape: StateEntered, StateFailed,
 * StateRetried, StateCaught, StateExited, MapIteration*) into the history Step Functions keeps for an
 * execution (TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed, TaskSucceeded, TaskStateExited,
 * ParallelStateStarted, MapRunStarted, …, each with an id and the previousEventId that chains the events
 * of one state), so that whatever reads GetExecutionHistory from AWS reads a local run the same way.
 *
 * Differences from AWS that a reader should not rely on: TaskScheduled's `parameters` are the state's raw
 * input (the resolved Parameters are not in the local log), and when a Parallel branch fails the other
 * branches run to their end instead of being aborted.
 */

/** One event of a local run's log, as aws-local-stepfunctions emits it (its EventLog type fits this). */
export interface LocalRunEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: {
    readonly name: string;
    readonly type?: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  /** The Map iteration an inner state's event belongs to. */
  readonly index?: number;
  readonly parentState?: { readonly name: string };
  readonly Error?: string;
  readonly Cause?: unknown;
}

/** A history event in GetExecutionHistory's shape, its timestamp in epoch milliseconds. */
export interface RecordedHistoryEvent {
  readonly timestamp: number;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
  readonly [details: string]: unknown;
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** How a run ended. */
export interface RunOutcome {
  readonly status: Exclude<ExecutionStatus, "RUNNING">;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** What the recorder needs to know of a state besides its name: read from the definition. */
export interface StateInfo {
  readonly type: string;
  /** A Task's service and action, as TaskScheduled names them (`lambda` / `invoke`). */
  readonly resourceType?: string;
  readonly resource?: string;
  /** A Map whose iterations run as child executions (ProcessorConfig.Mode DISTRIBUTED). */
  readonly distributed?: boolean;
  /** A state of a distributed Map's iterations: its events belong to the child executions' histories. */
  readonly inChildExecution?: boolean;
}

interface OpenState {
  readonly name: string;
  readonly info: StateInfo;
  lastEventId: number;
  failed: boolean;
}

const NOT_TRUNCATED = { truncated: false } as const;

/**
 * Every state of an ASL definition by name, the states of Parallel branches and Map processors included
 * (state names are unique within a whole definition).
 */
export function indexDefinitionStates(definition: unknown): ReadonlyMap<string, StateInfo> {
  const index = new Map<string, StateInfo>();
  const walk = (states: unknown, inChildExecution: boolean): void => {
    if (!isRecord(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isRecord(state)) continue;
      const type = typeof state.Type === "string" ? state.Type : "Task";
      const processor = isRecord(state.ItemProcessor) ? state.ItemProcessor : state.Iterator;
      const distributed =
        type === "Map" &&
        isRecord(processor) &&
        isRecord(processor.ProcessorConfig) &&
        processor.ProcessorConfig.Mode === "DISTRIBUTED";
      index.set(name, {
        type,
        ...(typeof state.Resource === "string" ? taskResource(state.Resource) : {}),
        ...(distributed ? { distributed } : {}),
        ...(inChildExecution ? { inChildExecution } : {}),
      });
      if (Array.isArray(state.Branches))
        for (const branch of state.Branches) if (isRecord(branch)) walk(branch.States, inChildExecution);
      if (isRecord(processor)) walk(processor.States, inChildExecution || distributed);
    }
  };
  walk(isRecord(definition) ? definition.States : undefined, false);
  return index;
}

/** `arn:aws:states:::lambda:invoke` → lambda / invoke; a plain Lambda or activity ARN → its service and ARN. */
function taskResource(resource: string): { resourceType: string; resource: string } {
  const integration = /^arn:[\w-]+:states:::([\w-]+):(.+)$/.exec(resource);
  if (integration?.[1] !== undefined && integration[2] !== undefined)
    return { resourceType: integration[1], resource: integration[2] };
  const service = /^arn:[\w-]+:([\w-]+):/.exec(resource)?.[1];
  return { resourceType: service === "states" ? "activity" : (service ?? "local"), resource };
}

export interface ExecutionHistoryRecorderOptions {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly region: string;
  readonly states: ReadonlyMap<string, StateInfo>;
}

export class ExecutionHistoryRecorder {
  private readonly recorded: RecordedHistoryEvent[] = [];
  /** Open states by name and Map iteration. */
  private readonly open = new Map<string, OpenState>();
  private readonly options: ExecutionHistoryRecorderOptions;
  private mapRuns = 0;

  constructor(options: ExecutionHistoryRecorderOptions) {
    this.options = options;
  }

  /** The history so far, oldest first. */
  events(): readonly RecordedHistoryEvent[] {
    return this.recorded;
  }

  executionStarted(input: string, at: number): void {
    this.append("ExecutionStarted", at, 0, {
      executionStartedEventDetails: {
        input,
        inputDetails: NOT_TRUNCATED,
        roleArn: this.options.stateMachineArn.replace(
          /:states:[^:]*:(\d{12}):stateMachine:.*$/,
          ":iam::$1:role/flywheel-local-step-functions",
        ),
      },
    });
  }

  executionEnded(outcome: RunOutcome, at: number): void {
    if (outcome.status === "ABORTED" || outcome.status === "TIMED_OUT") {
      for (const state of this.open.values())
        if (state.info.type !== "Fail") this.appendFor(state, `${state.info.type}StateAborted`, at, {});
      this.open.clear();
    }
    const failure = {
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
    };
    const last = this.recorded.length;
    switch (outcome.status) {
      case "SUCCEEDED":
        this.append("ExecutionSucceeded", at, last, {
          executionSucceededEventDetails: { output: json(outcome.output), outputDetails: NOT_TRUNCATED },
        });
        return;
      case "FAILED":
        this.append("ExecutionFailed", at, last, { executionFailedEventDetails: failure });
        return;
      case "TIMED_OUT":
        this.append("ExecutionTimedOut", at, last, { executionTimedOutEventDetails: failure });
        return;
      case "ABORTED":
        this.append("ExecutionAborted", at, last, { executionAbortedEventDetails: failure });
        return;
    }
  }

  /** One event of the local run's log. Execution-level events are the server's to record, not the log's. */
  record(event: LocalRunEvent): void {
    if (event.type.startsWith("MapIteration")) {
      this.recordMapIteration(event);
      return;
    }
    const name = event.state?.name;
    if (name === undefined) return;
    const info = this.options.states.get(name) ?? { type: event.state?.type ?? "Task" };
    if (info.inChildExecution === true) return;
    const key = `${name}#${event.index ?? ""}`;
    const at = event.timestamp;
    if (event.type === "StateEntered") {
      const id = this.append(`${info.type}StateEntered`, at, this.recorded.length, {
        stateEnteredEventDetails: { name, input: json(event.state?.input), inputDetails: NOT_TRUNCATED },
      });
      const state: OpenState = { name, info, lastEventId: id, failed: false };
      this.open.set(key, state);
      this.startAttempt(state, at);
      return;
    }
    const state = this.open.get(key);
    if (state === undefined) return;
    switch (event.type) {
      case "StateFailed":
        this.failAttempt(state, at, event.Error ?? "States.TaskFailed", causeText(event.Cause));
        state.failed = true;
        return;
      case "StateRetried":
        state.failed = false;
        this.startAttempt(state, at);
        return;
      case "StateExited":
        // After a Catch the state is left with its attempt failed: no success event, as in AWS.
        if (!state.failed) this.succeedAttempt(state, at, event.state?.output);
        this.appendFor(state, `${info.type}StateExited`, at, {
          stateExitedEventDetails: { name, output: json(event.state?.output), outputDetails: NOT_TRUNCATED },
        });
        this.open.delete(key);
        return;
      default:
        // StateCaught has no event of its own in AWS: the state's exit follows.
        return;
    }
  }

  private recordMapIteration(event: LocalRunEvent): void {
    const mapName = event.parentState?.name;
    if (mapName === undefined) return;
    const info = this.options.states.get(mapName);
    if (info?.distributed === true || info?.inChildExecution === true) return;
    const map = [...this.open.values()].find((state) => state.name === mapName);
    if (map === undefined) return;
    const detailsKey = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
    this.appendFor(map, event.type, event.timestamp, {
      [detailsKey]: { name: mapName, index: event.index ?? 0 },
    });
  }

  private startAttempt(state: OpenState, at: number): void {
    const { info } = state;
    if (info.type === "Task") {
      const resource = this.resourceOf(info);
      this.appendFor(state, "TaskScheduled", at, {
        taskScheduledEventDetails: { ...resource, region: this.options.region, parameters: "{}" },
      });
      this.appendFor(state, "TaskStarted", at, { taskStartedEventDetails: resource });
    } else if (info.type === "Parallel") {
      this.appendFor(state, "ParallelStateStarted", at, {});
    } else if (info.type === "Map") {
      this.appendFor(state, "MapStateStarted", at, { mapStateStartedEventDetails: {} });
      if (info.distributed === true) {
        this.mapRuns++;
        const mapRunArn = `${this.options.executionArn.replace(":execution:", ":mapRun:").replace(/:([^:]+)$/, "/$1")}:${state.name}-${this.mapRuns}`;
        this.appendFor(state, "MapRunStarted", at, { mapRunStartedEventDetails: { mapRunArn } });
      }
    }
  }

  private failAttempt(state: OpenState, at: number, error: string, cause: string): void {
    const { info } = state;
    if (info.type === "Task")
      this.appendFor(state, "TaskFailed", at, {
        taskFailedEventDetails: { ...this.resourceOf(info), error, cause },
      });
    else if (info.type === "Parallel") this.appendFor(state, "ParallelStateFailed", at, {});
    else if (info.type === "Map") {
      if (info.distributed === true)
        this.appendFor(state, "MapRunFailed", at, { mapRunFailedEventDetails: { error, cause } });
      this.appendFor(state, "MapStateFailed", at, {});
    }
    // Other states (a Fail state, a Choice that hit a runtime error) fail the execution, which says why.
  }

  private succeedAttempt(state: OpenState, at: number, output: unknown): void {
    const { info } = state;
    if (info.type === "Task")
      this.appendFor(state, "TaskSucceeded", at, {
        taskSucceededEventDetails: {
          ...this.resourceOf(info),
          output: json(output),
          outputDetails: NOT_TRUNCATED,
        },
      });
    else if (info.type === "Parallel") this.appendFor(state, "ParallelStateSucceeded", at, {});
    else if (info.type === "Map") {
      if (info.distributed === true) this.appendFor(state, "MapRunSucceeded", at, {});
      this.appendFor(state, "MapStateSucceeded", at, {});
    }
  }

  private resourceOf(info: StateInfo): { resourceType: string; resource: string } {
    return { resourceType: info.resourceType ?? "local", resource: info.resource ?? "task" };
  }

  /** Appends an event of the state, chained to the state's previous event. */
  private appendFor(state: OpenState, type: string, at: number, details: Record<string, unknown>): void {
    state.lastEventId = this.append(type, at, state.lastEventId, details);
  }

  private append(
    type: string,
    at: number,
    previousEventId: number,
    details: Record<string, unknown>,
  ): number {
    const id = this.recorded.length + 1;
    this.recorded.push({ timestamp: at, type, id, previousEventId, ...details });
    return id;
  }
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function causeText(cause: unknown): string {
  if (typeof cause === "string") return cause;
  if (cause instanceof Error) return cause.message;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
