import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { TrainingRunStatus, TrainingRunStep, TrainingStepStatus } from "../../../ports/training-runs.ts";

/** Which kind of state a history event without a state name belongs to. */
type Family = "Task" | "Parallel" | "Map";

interface StepDraft {
  readonly name: string;
  readonly type: string;
  readonly enteredAt: number;
  attempts: number;
  lastClosedAt?: number;
  error?: string;
  cause?: string;
  iterations?: { started: number; succeeded: number; failed: number };
  readonly entries: EntryDraft[];
}

/** One entry into a state: a Map's inner states are entered once per iteration. */
interface EntryDraft {
  readonly step: StepDraft;
  open: boolean;
  /** The latest attempt failed (and no retry has started since). */
  failed: boolean;
  outcome?: "exited" | "caught" | "aborted";
}

const ENTERED = /^(\w+)StateEntered$/;
const EXITED = /^(\w+)StateExited$/;
const ABORTED = /^(\w+)StateAborted$/;
/** A new attempt of the state's work: after a failure, a retry. */
const ATTEMPT_STARTED = new Set([
  "TaskScheduled",
  "LambdaFunctionScheduled",
  "ActivityScheduled",
  "ParallelStateStarted",
  "MapStateStarted",
  "MapRunStarted",
]);
const ATTEMPT_SUCCEEDED = new Set([
  "TaskSucceeded",
  "LambdaFunctionSucceeded",
  "ActivitySucceeded",
  "ParallelStateSucceeded",
  "MapStateSucceeded",
  "MapRunSucceeded",
]);
const ATTEMPT_FAILED = new Set([
  "TaskFailed",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "TaskTimedOut",
  "LambdaFunctionFailed",
  "LambdaFunctionScheduleFailed",
  "LambdaFunctionStartFailed",
  "LambdaFunctionTimedOut",
  "ActivityFailed",
  "ActivityScheduleFailed",
  "ActivityTimedOut",
  "ParallelStateFailed",
  "MapStateFailed",
  "MapRunFailed",
]);

/**
 * Folds an execution's history (in order, as GetExecutionHistory pages it) into one step per state.
 *
 * Events that carry no state name (TaskScheduled, TaskFailed, MapRunStarted, …) are attributed through
 * `previousEventId`, which Step Functions chains through the events of one state; when the chain leads
 * elsewhere (a Parallel's end follows its last branch event), to the latest open state of the event's
 * kind. A state entered more than once (inside Map iterations) is one step, its attempts summed; a
 * distributed Map's iterations run as child executions and appear here only as its MapRun events.
 */
export function stepsFromHistory(
  events: readonly HistoryEvent[],
  run: { readonly status: TrainingRunStatus; readonly error?: string; readonly cause?: string },
): TrainingRunStep[] {
  const steps = new Map<string, StepDraft>();
  const entryOfEvent = new Map<number, EntryDraft>();
  const openEntries: EntryDraft[] = [];

  const latestOpen = (matches: (entry: EntryDraft) => boolean): EntryDraft | undefined => {
    for (let index = openEntries.length - 1; index >= 0; index--) {
      const entry = openEntries[index];
      if (entry !== undefined && matches(entry)) return entry;
    }
    return undefined;
  };
  const close = (entry: EntryDraft, outcome: EntryDraft["outcome"], at: number) => {
    entry.open = false;
    entry.outcome = outcome;
    entry.step.lastClosedAt = at;
    const index = openEntries.indexOf(entry);
    if (index >= 0) openEntries.splice(index, 1);
  };

  for (const event of events) {
    const type = event.type ?? "";
    const at = event.timestamp?.getTime() ?? 0;
    const chained = event.previousEventId === undefined ? undefined : entryOfEvent.get(event.previousEventId);

    const entered = ENTERED.exec(type);
    if (entered?.[1] !== undefined) {
      const name = event.stateEnteredEventDetails?.name ?? "";
      let step = steps.get(name);
      if (step === undefined) {
        step = { name, type: entered[1], enteredAt: at, attempts: 0, entries: [] };
        steps.set(name, step);
      }
      step.attempts++;
      const entry: EntryDraft = { step, open: true, failed: false };
      step.entries.push(entry);
      openEntries.push(entry);
      remember(entryOfEvent, event, entry);
      continue;
    }

    const exited = EXITED.exec(type);
    if (exited !== null) {
      const name = event.stateExitedEventDetails?.name ?? "";
      const entry =
        chained?.open === true && chained.step.name === name
          ? chained
          : openEntries.find((open) => open.step.name === name);
      if (entry !== undefined) {
        close(entry, entry.failed ? "caught" : "exited", at);
        remember(entryOfEvent, event, entry);
      }
      continue;
    }

    const family = familyOf(type);
    const aborted = ABORTED.exec(type);
    if (aborted?.[1] !== undefined) {
      const kind = aborted[1];
      const entry =
        chained?.open === true && chained.step.type === kind
          ? chained
          : latestOpen((open) => open.step.type === kind);
      if (entry !== undefined) close(entry, "aborted", at);
      continue;
    }

    if (type.startsWith("MapIteration")) {
      const mapName =
        event.mapIterationStartedEventDetails?.name ??
        event.mapIterationSucceededEventDetails?.name ??
        event.mapIterationFailedEventDetails?.name ??
        event.mapIterationAbortedEventDetails?.name;
      const entry = latestOpen(
        (open) => open.step.type === "Map" && (mapName === undefined || open.step.name === mapName),
      );
      if (entry === undefined) continue;
      const iterations = entry.step.iterations ?? { started: 0, succeeded: 0, failed: 0 };
      entry.step.iterations = iterations;
      if (type === "MapIterationStarted") iterations.started++;
      else if (type === "MapIterationSucceeded") iterations.succeeded++;
      else iterations.failed++;
      remember(entryOfEvent, event, entry);
      continue;
    }

    if (family === undefined) continue;
    const entry =
      chained?.open === true && chained.step.type === family
        ? chained
        : latestOpen((open) => open.step.type === family);
    if (entry === undefined) continue;
    remember(entryOfEvent, event, entry);
    if (ATTEMPT_STARTED.has(type)) {
      if (entry.failed) {
        entry.step.attempts++;
        entry.failed = false;
      }
    } else if (ATTEMPT_SUCCEEDED.has(type)) {
      entry.failed = false;
    } else if (ATTEMPT_FAILED.has(type)) {
      entry.failed = true;
      const failure = failureOf(event);
      if (failure.error !== undefined) entry.step.error = failure.error;
      if (failure.cause !== undefined) entry.step.cause = failure.cause;
    }
  }

  return [...steps.values()].map((step) => finishStep(step, run));
}

function finishStep(
  step: StepDraft,
  run: { readonly status: TrainingRunStatus; readonly error?: string; readonly cause?: string },
): TrainingRunStep {
  const open = step.entries.filter((entry) => entry.open);
  const running = run.status === "RUNNING";
  let status: TrainingStepStatus;
  let error = step.error;
  let cause = step.cause;
  if (open.length > 0) {
    if (step.type === "Fail") {
      // A Fail state ends the run with its own Error and Cause, which the execution reports.
      status = "failed";
      error = run.error ?? error;
      cause = run.cause ?? cause;
    } else if (open.some((entry) => entry.failed)) status = running ? "retrying" : "failed";
    else status = running ? "running" : "aborted";
  } else if (step.entries.some((entry) => entry.outcome === "caught")) status = "caught";
  else if (step.entries.some((entry) => entry.outcome === "aborted")) status = "aborted";
  else status = "succeeded";
  return {
    name: step.name,
    type: step.type,
    status,
    enteredAt: step.enteredAt,
    ...(open.length === 0 && step.lastClosedAt !== undefined ? { exitedAt: step.lastClosedAt } : {}),
    attempts: Math.max(1, step.attempts),
    ...(error === undefined ? {} : { error }),
    ...(cause === undefined ? {} : { cause }),
    ...(step.iterations === undefined ? {} : { iterations: { ...step.iterations } }),
  };
}

function familyOf(type: string): Family | undefined {
  if (/^(Task|LambdaFunction|Activity)/.test(type)) return "Task";
  if (type.startsWith("Parallel")) return "Parallel";
  if (type.startsWith("Map")) return "Map";
  return undefined;
}

function remember(entryOfEvent: Map<number, EntryDraft>, event: HistoryEvent, entry: EntryDraft): void {
  if (event.id !== undefined) entryOfEvent.set(event.id, entry);
}

/** The error and cause of a failure event, whichever `…EventDetails` member carries them. */
function failureOf(event: HistoryEvent): { error?: string; cause?: string } {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue;
    const details = value as { error?: unknown; cause?: unknown };
    return {
      ...(typeof details.error === "string" ? { error: details.error } : {}),
      ...(typeof details.cause === "string" ? { cause: details.cause } : {}),
    };
  }
  return {};
}
