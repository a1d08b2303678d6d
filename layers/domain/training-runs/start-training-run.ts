import type { Clock } from "../../ports/clock.ts";
import type { StartedTrainingRun, TrainingRunParameters, TrainingRuns } from "../../ports/training-runs.ts";
import { newModelVersion } from "../model/model-version.ts";
import type { StartTrainingRunBody } from "./training-run-request-schema.ts";

export interface StartTrainingRunDependencies {
  readonly trainingRuns: TrainingRuns;
  readonly clock: Clock;
  /** What a request that does not say uses. */
  readonly defaults: TrainingRunParameters;
}

/**
 * Starts a nightly pipeline run now. Without a run id one is generated like a model version (time-sorted,
 * unique across concurrent starts), because the run id becomes the candidate's model version.
 */
export async function startTrainingRun(
  deps: StartTrainingRunDependencies,
  request: StartTrainingRunBody,
): Promise<StartedTrainingRun> {
  return deps.trainingRuns.start({
    runId: request.runId ?? newModelVersion(new Date(deps.clock())),
    trainer: request.trainer ?? deps.defaults.trainer,
    qualityGate: { maxNdcgDrop: request.qualityGate?.maxNdcgDrop ?? deps.defaults.qualityGate.maxNdcgDrop },
  });
}
