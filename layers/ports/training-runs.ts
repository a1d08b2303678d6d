/**
 * Runs of the nightly training pipeline (state-machines/nightly-training.asl.json): start one, follow it
 * step by step, list the recent ones. In AWS the adapter speaks to Step Functions; locally the same
 * adapter speaks to the local Step Functions endpoint (local/stepfunctions/), which runs the same
 * definition in-process, so there is no separate embedded adapter: what would be adapted is the state
 * machine itself.
 */

export const TRAINERS = ["embedded", "spark"] as const;
/** Which trainer the run's Train step uses: the TypeScript ALS in a Lambda, or Spark on EMR Serverless. */
export type Trainer = (typeof TRAINERS)[number];

/** What a run is started with, besides its id: the state machine's input. */
export interface TrainingRunParameters {
  readonly trainer: Trainer;
  /** The candidate is rejected when its nDCG@10 falls by more than this below the active model's. */
  readonly qualityGate: { readonly maxNdcgDrop: number };
}

export interface TrainingRunRequest extends TrainingRunParameters {
  /** The run's name, which is also the candidate's model version (requireRunId's alphabet). */
  readonly runId: string;
}

export const TRAINING_RUN_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;
export type TrainingRunStatus = (typeof TRAINING_RUN_STATUSES)[number];

/**
 * - `running`: entered and not left; `retrying`: the last attempt failed and the execution goes on
 *   (waiting for a retry, or for the Catch to move on);
 * - `succeeded`: left normally; `caught`: failed, and a Catch moved the run on to another state;
 * - `failed`: failed and never left (the run failed there), or a Fail state;
 * - `aborted`: still open when the run stopped (aborted, timed out, or a sibling branch failed).
 */
export const TRAINING_STEP_STATUSES = [
  "running",
  "retrying",
  "succeeded",
  "caught",
  "failed",
  "aborted",
] as const;
export type TrainingStepStatus = (typeof TRAINING_STEP_STATUSES)[number];

/**
 * One state of the definition as the run went through it. A state entered several times (inside Map
 * iterations) is one step: entered at the first entry, exited at the last exit, its attempts summed.
 */
export interface TrainingRunStep {
  readonly name: string;
  /** The state's type: Task, Choice, Pass, Parallel, Map, Wait, Succeed or Fail. */
  readonly type: string;
  readonly status: TrainingStepStatus;
  readonly enteredAt: number;
  /** When the step was last left; absent while any entry of it is open. */
  readonly exitedAt?: number;
  /** Entries plus retries: 1 for a state that ran once. */
  readonly attempts: number;
  /** The last failure of the step (an attempt that was retried included). */
  readonly error?: string;
  readonly cause?: string;
  /**
   * A Map's iterations, when the run's own history holds them (an inline Map). A distributed Map runs
   * its iterations as child executions, which this history does not count.
   */
  readonly iterations?: { readonly started: number; readonly succeeded: number; readonly failed: number };
}

export interface TrainingRunSummary {
  readonly runId: string;
  readonly status: TrainingRunStatus;
  readonly startedAt: number;
  readonly stoppedAt?: number;
}

export interface TrainingRun extends TrainingRunSummary {
  /** The parameters it was started with; absent when its input is not of that shape (a hand-started run). */
  readonly input?: TrainingRunParameters;
  /** In the order first entered. */
  readonly steps: readonly TrainingRunStep[];
  /** Why the run failed, timed out or was aborted, when the service says. */
  readonly error?: string;
  readonly cause?: string;
}

export interface StartedTrainingRun {
  readonly runId: string;
  readonly startedAt: number;
}

export interface TrainingRuns {
  /**
   * Starts a run. A run id already used is a ConflictError, except that starting a run that is still
   * running with the very same parameters again answers that run (so a client may retry a start).
   */
  start(request: TrainingRunRequest): Promise<StartedTrainingRun>;
  /** The run and its steps, or undefined when no run has this id. */
  get(runId: string): Promise<TrainingRun | undefined>;
  /** The most recently started runs, newest first, at most `limit`. */
  listRecent(limit: number): Promise<TrainingRunSummary[]>;
}
