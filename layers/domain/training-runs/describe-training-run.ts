import type { ModelRecord, ModelRegistry } from "../../ports/model-registry.ts";
import type { TrainingRun, TrainingRunStep, TrainingRuns } from "../../ports/training-runs.ts";
import { NotFoundError } from "../errors/domain-errors.ts";

export interface TrainingRunReport {
  readonly run: TrainingRun;
  /** The model version the run registered (its version is the run id), once it did. */
  readonly model?: ModelRecord;
  /** The step that broke the run, when one did: see failedStepOf. */
  readonly failedStep?: string;
}

export interface DescribeTrainingRunDependencies {
  readonly trainingRuns: TrainingRuns;
  readonly registry: ModelRegistry;
}

/** A run, its steps and the model it produced; NotFoundError when no run has this id. */
export async function describeTrainingRun(
  deps: DescribeTrainingRunDependencies,
  runId: string,
): Promise<TrainingRunReport> {
  const run = await deps.trainingRuns.get(runId);
  if (run === undefined) throw new NotFoundError(`no training run ${JSON.stringify(runId)}`);
  // Read after the run, never beside it: a run seen SUCCEEDED then shows its model as the run left it.
  const model = await deps.registry.get(runId);
  const failedStep = failedStepOf(run.steps);
  return {
    run,
    ...(model === undefined ? {} : { model }),
    ...(failedStep === undefined ? {} : { failedStep }),
  };
}

/** States that only route or end a run: their failure is the consequence of another step's. */
const CONSEQUENTIAL_TYPES = new Set(["Fail", "Parallel", "Map", "Choice", "Succeed"]);

/**
 * The step an operator should look at first: the first working step (a Task) that failed for good,
 * else the first step whose failure a Catch took over (the whole Parallel, when a branch broke it).
 * The definition's own Fail state (PipelineFailed) is never it: it only reports that something failed.
 */
export function failedStepOf(steps: readonly TrainingRunStep[]): string | undefined {
  const failed = steps.find((step) => step.status === "failed" && !CONSEQUENTIAL_TYPES.has(step.type));
  return (failed ?? steps.find((step) => step.status === "caught"))?.name;
}
